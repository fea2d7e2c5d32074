"""The app around the API: health check, migrations, OpenAPI document, rate limit."""

from __future__ import annotations

import os
import uuid

import sqlalchemy as sa

from casestore.models import Base
from tests.fixtures.casestore import SERVICE_TOKEN, ApiClient, build_app, file_case


def test_healthz_is_200_when_the_database_answers(cs_client):
    response = cs_client.get("/healthz")
    assert response.status_code == 200 and response.get_json()["status"] == "ok"


def test_healthz_is_503_when_the_database_is_unreachable(tmp_path):
    app = build_app(f"sqlite:///{tmp_path}/missing-folder/db.sqlite3", str(tmp_path))
    assert app.test_client().get("/healthz").status_code == 503


def test_migrations_create_every_table_of_the_models(cs_app):
    engine = cs_app.extensions["casestore.engine"]
    tables = set(sa.inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables
    indexes = {ix["name"] for ix in sa.inspect(engine).get_indexes("cases")}
    assert {"ix_cases_status_created", "ix_cases_address_normalized"} <= indexes


def test_openapi_document_lists_every_route_of_the_api_blueprint(cs_app, cs_client):
    document = cs_client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    documented = {(path, method) for path, ops in document["paths"].items() for method in ops}
    for rule in cs_app.url_map.iter_rules():
        if not rule.endpoint.startswith("api."):
            continue
        path = rule.rule.removeprefix("/api/v1")
        for name in rule.arguments:
            path = path.replace(f"<{name}>", f"{{{name}}}").replace(f"<path:{name}>",
                                                                    f"{{{name}}}")
        path = path.replace("{address}", "{channel_address}")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method.lower()) in documented, (path, method)


def test_public_lookups_are_rate_limited_per_client_but_not_for_the_service(
        make_database_url, tmp_path):
    from casestore.migrate import upgrade_database

    url = make_database_url("ratelimit")
    upgrade_database(url)
    # The PostgreSQL profile also has Redis: then the counters live there, as in production.
    redis_url = os.environ.get("TEST_REDIS_URL")
    app = build_app(url, str(tmp_path), LOOKUP_RATE_LIMIT="3 per minute", REDIS_URL=redis_url,
                    RATELIMIT_KEY_PREFIX=f"casestore-test-{uuid.uuid4().hex}",
                    RATELIMIT_ENABLED=True)
    assert app.config["RATELIMIT_STORAGE_URI"] == (redis_url or "memory://")
    service = ApiClient(app, SERVICE_TOKEN)
    number = file_case(service)["case_number"]
    anonymous = ApiClient(app, None)
    statuses = [anonymous.get(f"/api/v1/cases/{number}").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = anonymous.get(f"/api/v1/cases/{number}")
    assert limited.get_json()["error"] == "rate_limited"
    assert all(service.get(f"/api/v1/cases/{number}").status_code == 200 for _ in range(5))
    app.extensions["casestore.engine"].dispose()


def test_an_unexpected_failure_under_api_is_a_json_500(make_database_url, tmp_path, monkeypatch):
    from casestore.api import routes
    from casestore.migrate import upgrade_database

    url = make_database_url("internal")
    upgrade_database(url)
    app = build_app(url, str(tmp_path), PROPAGATE_EXCEPTIONS=False)

    def broken():
        raise RuntimeError("catalog exploded")

    monkeypatch.setattr(routes, "get_catalog", broken)
    response = app.test_client().get("/api/v1/services")
    assert response.status_code == 500
    assert response.get_json() == {"error": "internal",
                                   "message": "Something went wrong; try again later."}
    assert "exploded" not in response.get_data(as_text=True)
    app.extensions["casestore.engine"].dispose()


def test_a_signed_in_staff_session_counts_as_staff_and_is_department_scoped(cs_app, cs_service,
                                                                          cs_staff):
    # cs_staff has made the department users this test signs in as.
    from sqlalchemy import select

    from casestore.auth import password_fingerprint
    from casestore.models import StaffUser, utcnow
    from tests.fixtures.casestore import session_for

    number = file_case(cs_service)["case_number"]  # ATLDOT
    with session_for(cs_app) as session:
        users = {u.department: u for u in session.execute(
            select(StaffUser).where(StaffUser.role == "department")).scalars()}
    for department, status in (("ATLDOT", 200), ("DWM", 404)):
        browser = cs_app.test_client()
        with browser.session_transaction() as cookie:
            # What the portal's sign-in stores: who, when, and with which password.
            cookie["_user_id"] = str(users[department].id)
            cookie["_fresh"] = True
            cookie["staff_login_at"] = utcnow().isoformat()
            cookie["staff_pw"] = password_fingerprint(users[department].password_hash)
        response = browser.get(f"/api/v1/cases/{number}")
        assert response.status_code == status
        if status == 200:
            assert response.get_json()["requester"]["email"] == "ada.resident@example.com"
