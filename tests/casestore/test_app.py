"""The app around the API: health check, migrations, OpenAPI document, rate limit."""

from __future__ import annotations

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
    app = build_app(url, str(tmp_path), LOOKUP_RATE_LIMIT="3 per minute")
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
