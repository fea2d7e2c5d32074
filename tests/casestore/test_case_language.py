"""The resident's language kept on the case: API, Open311, the account's language, migration."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import select

from casestore.cases import create_case
from casestore.catalog import get_catalog
from casestore.migrate import alembic_config, upgrade_database
from casestore.models import Case, Resident
from tests.fixtures.casestore import build_app, count, file_case, new_case_body, session_for
from tests.fixtures.open311 import (
    API_KEY,
    BASE,
    count_cases,
    error_descriptions,
    file_request,
    parse_xml,
)

# ---------------------------------------------------------------- the case API


def stored_language(app, number: str) -> str:
    with session_for(app) as session:
        return session.execute(select(Case.language).where(Case.number == number)).scalar_one()


def test_a_case_keeps_the_primary_subtag_of_the_language_it_was_filed_in(cs_app, cs_service):
    created = file_case(cs_service, language="es-US")
    assert created["language"] == "es"
    assert stored_language(cs_app, created["case_number"]) == "es"
    again = cs_service.get(f"/api/v1/cases/{created['case_number']}").get_json()
    assert again["language"] == "es"


def test_a_case_filed_without_a_language_gets_the_catalogs_default(cs_app, cs_service):
    created = file_case(cs_service)
    with cs_app.app_context():
        default = get_catalog().city.languages[0]
    assert default == "en"
    assert created["language"] == default
    assert stored_language(cs_app, created["case_number"]) == default


@pytest.mark.parametrize("given", ["ES", "es_MX", " es "])
def test_language_tags_are_read_loosely_but_kept_as_one_code(cs_service, given):
    assert file_case(cs_service, language=given)["language"] == "es"


def test_staff_see_the_language_and_anonymous_callers_do_not(cs_service, cs_client, cs_staff):
    number = file_case(cs_service, language="es")["case_number"]
    assert cs_staff["agent"].get(f"/api/v1/cases/{number}").get_json()["language"] == "es"
    listed = cs_staff["agent"].get("/api/v1/cases", query_string={"q": number}).get_json()
    assert [c["language"] for c in listed["cases"]] == ["es"]
    assert "language" not in cs_client.get(f"/api/v1/cases/{number}").get_json()


@pytest.mark.parametrize("bad", ["fr", "klingon", "x-es", "-"])
def test_a_language_the_catalog_does_not_declare_is_400_and_nothing_is_stored(
        cs_app, cs_service, bad):
    before = count(cs_app)
    response = cs_service.post("/api/v1/cases", json=new_case_body(language=bad))
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"] == "malformed"
    assert set(body["fields"]) == {"language"}
    assert "en, es" in body["fields"]["language"]
    assert count(cs_app) == before


@pytest.mark.parametrize("bad", [12, ["es"], {"code": "es"}, True])
def test_a_language_that_is_not_a_string_is_400(cs_app, cs_service, bad):
    before = count(cs_app)
    response = cs_service.post("/api/v1/cases", json=new_case_body(language=bad))
    assert response.status_code == 400
    assert set(response.get_json()["fields"]) == {"language"}
    assert count(cs_app) == before


def test_the_idempotent_replay_keeps_the_first_language(cs_service):
    headers = {"Idempotency-Key": "lang-replay-1"}
    first = cs_service.post("/api/v1/cases", json=new_case_body(language="es"), headers=headers)
    again = cs_service.post("/api/v1/cases", json=new_case_body(language="es"), headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json()["language"] == "es"
    other = cs_service.post("/api/v1/cases", json=new_case_body(language="en"), headers=headers)
    assert other.status_code == 422  # a different body under the same key


def test_the_openapi_document_describes_the_language_field(cs_client):
    schemas = cs_client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    assert "language" in schemas["NewCase"]["properties"]
    assert "language" in schemas["Case"]["properties"]


# ---------------------------------------------------------------- the resident's account


def _resident(app, email: str, language: str | None = None) -> None:
    with session_for(app) as session:
        session.add(Resident(email=email, password_hash="x", language=language))
        session.commit()


def _account_language(app, email: str) -> str | None:
    with session_for(app) as session:
        return session.execute(select(Resident.language).where(
            Resident.email == email)).scalar_one()


def test_the_first_case_filed_with_an_accounts_email_gives_it_its_language(cs_app, cs_service):
    email = "lang.first@example.com"
    _resident(cs_app, email)
    body = new_case_body(language="es")
    body["requester"] = {"email": "Lang.First@Example.com"}
    file_case(cs_service, **body)
    assert _account_language(cs_app, email) == "es"
    body["language"] = "en"
    file_case(cs_service, **body)
    assert _account_language(cs_app, email) == "es"  # the first case decided


def test_a_language_the_resident_chose_is_never_overwritten_by_a_case(cs_app, cs_service):
    email = "lang.chosen@example.com"
    _resident(cs_app, email, language="en")
    body = new_case_body(language="es")
    body["requester"] = {"email": email}
    file_case(cs_service, **body)
    assert _account_language(cs_app, email) == "en"


def test_the_service_layer_sets_the_language_for_every_caller(cs_app):
    with session_for(cs_app) as session:
        case, created = create_case(session, get_catalog(), new_case_body(language="es-419"))
        assert created and case.language == "es"


# ---------------------------------------------------------------- Open311


def _extended(o311, number: str, fmt: str = "json"):
    response = o311.get(f"{BASE}/requests/{number}.{fmt}", query_string={"extensions": "true"})
    if fmt == "xml":
        return parse_xml(response).find("request").find("extended_attributes")
    return response.get_json()[0]["extended_attributes"]


def test_open311_post_takes_a_language_parameter(o311, open311_app):
    number = file_request(o311, language="es-US")
    assert stored_language(open311_app, number) == "es"
    assert _extended(o311, number)["language"] == "es"
    assert _extended(o311, number, "xml").findtext("language") == "es"
    plain = o311.get(f"{BASE}/requests/{number}.json").get_json()[0]
    assert "extended_attributes" not in plain and "language" not in plain


def test_open311_post_without_the_parameter_takes_accept_language(o311, open311_app):
    form = {"api_key": API_KEY, "service_code": "pothole", "lat": "33.7490", "long": "-84.3880",
            "attribute[size]": "large", "attribute[in_travel_lane]": "yes"}
    spanish = o311.post(f"{BASE}/requests.json", data=form,
                        headers={"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"})
    assert stored_language(open311_app, spanish.get_json()[0]["service_request_id"]) == "es"
    unknown = o311.post(f"{BASE}/requests.json", data=form,
                        headers={"Accept-Language": "fr-CA, de"})
    assert stored_language(open311_app, unknown.get_json()[0]["service_request_id"]) == "en"
    # The parameter wins over the header.
    english = o311.post(f"{BASE}/requests.json", data={**form, "language": "en"},
                        headers={"Accept-Language": "es"})
    assert stored_language(open311_app, english.get_json()[0]["service_request_id"]) == "en"
    plain = o311.post(f"{BASE}/requests.json", data=form)
    assert stored_language(open311_app, plain.get_json()[0]["service_request_id"]) == "en"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_open311_post_with_an_undeclared_language_is_400_and_stores_nothing(o311, open311_app,
                                                                            fmt):
    before = count_cases(open311_app)
    response = o311.post(f"{BASE}/requests.{fmt}", data={
        "api_key": API_KEY, "service_code": "pothole", "lat": "33.7490", "long": "-84.3880",
        "attribute[size]": "large", "attribute[in_travel_lane]": "yes", "language": "fr"})
    descriptions = error_descriptions(response, fmt, 400)
    assert any(d.startswith("language: ") and "en, es" in d for d in descriptions)
    assert count_cases(open311_app) == before


def test_open311_lists_show_the_language_with_extensions(o311, open311_app):
    number = file_request(o311, language="es")
    listed = o311.get(f"{BASE}/requests.json",
                      query_string={"service_request_id": number, "extensions": "true"})
    assert listed.get_json()[0]["extended_attributes"]["language"] == "es"


# ---------------------------------------------------------------- migration 0006


def test_migration_0006_gives_older_cases_english_and_round_trips(make_database_url, tmp_path):
    url = make_database_url("langmigration")
    upgrade_database(url, "0005_published")
    engine = sa.create_engine(url, future=True)
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO cases (number, service_code, department, status, description, "
            "attributes, media_urls, public_media, channel, created_at, updated_at) "
            "VALUES ('25000001', 'pothole', 'ATLDOT', 'new', '', '{}', '[]', '[]', 'sms', "
            "'2026-01-05 10:00:00', '2026-01-05 10:00:00')"))
        conn.execute(sa.text(
            "INSERT INTO residents (email, password_hash, created_at) "
            "VALUES ('old@example.com', 'x', '2026-01-05 10:00:00')"))
    upgrade_database(url)
    columns = {c["name"]: c for c in sa.inspect(engine).get_columns("cases")}
    assert columns["language"]["nullable"] is False
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT language FROM cases")).scalar_one() == "en"
        assert conn.execute(sa.text("SELECT language FROM residents")).scalar_one() is None

    command.downgrade(alembic_config(url), "0005_published")
    inspector = sa.inspect(engine)
    assert "language" not in {c["name"] for c in inspector.get_columns("cases")}
    assert "language" not in {c["name"] for c in inspector.get_columns("residents")}
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT number FROM cases")).scalar_one() == "25000001"

    upgrade_database(url)
    engine.dispose()
    app = build_app(url, str(tmp_path))
    try:
        with session_for(app) as session:
            case, _ = create_case(session, get_catalog(), new_case_body(language="es"))
            rows = session.execute(select(Case.number, Case.language).order_by(Case.number))
            assert rows.all() == [("25000001", "en"), (case.number, "es")]
    finally:
        app.extensions["casestore.engine"].dispose()
