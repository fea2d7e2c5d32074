"""Idempotency-Key: scoped to the caller, bound to the body, and no way around a read's checks."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import select

from casestore.cases import create_case
from casestore.catalog import get_catalog
from casestore.migrate import upgrade_database
from casestore.models import Case
from tests.fixtures.casestore import (
    SERVICE_TOKEN,
    ApiClient,
    build_app,
    count,
    new_case_body,
    session_for,
)

PRIVATE = ("Ada Resident", "ada.resident@example.com", "+14045550123")


def post(client, body: dict, key: str):
    return client.post("/api/v1/cases", json=body, headers={"Idempotency-Key": key})


def test_same_key_same_caller_same_body_returns_the_first_case(cs_app, cs_service):
    body = new_case_body(description="scoped replay")
    first, again = post(cs_service, body, "idem-same-1"), post(cs_service, body, "idem-same-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json()["case_number"] == first.get_json()["case_number"]
    assert count(cs_app, Case, Case.idempotency_key == "idem-same-1") == 1


def test_same_key_with_a_different_body_is_422_and_files_nothing(cs_app, cs_service):
    first = post(cs_service, new_case_body(description="the first body"), "idem-diff-1")
    assert first.status_code == 201
    other = post(cs_service, new_case_body(description="another body"), "idem-diff-1")
    assert other.status_code == 422
    assert other.get_json() == {
        "error": "idempotency_key_reused",
        "message": "This Idempotency-Key was already used with a different request body; "
                   "send a new key for a new case.",
        "fields": {"idempotency_key": "already used with a different body"},
    }
    assert count(cs_app, Case, Case.idempotency_key == "idem-diff-1") == 1


def test_the_key_in_the_body_does_not_count_as_a_different_body(cs_service):
    body = new_case_body(description="key in header and body")
    first = post(cs_service, body, "idem-field-1")
    again = cs_service.post("/api/v1/cases", json={**body, "idempotency_key": "idem-field-1"})
    assert again.status_code == 200
    assert again.get_json()["case_number"] == first.get_json()["case_number"]


def test_two_callers_with_one_key_get_two_cases(cs_app, cs_service, cs_staff):
    body = new_case_body(description="one key, two callers")
    by_service, by_agent = post(cs_service, body, "idem-two-1"), post(cs_staff["agent"], body,
                                                                        "idem-two-1")
    assert (by_service.status_code, by_agent.status_code) == (201, 201)
    assert by_service.get_json()["case_number"] != by_agent.get_json()["case_number"]
    assert count(cs_app, Case, Case.idempotency_key == "idem-two-1") == 2


def test_a_clerk_cannot_replay_the_services_key_to_read_its_case(cs_app, cs_service, cs_staff):
    filed = post(cs_service, new_case_body(), "idem-bola-1")  # an ATLDOT case
    assert filed.status_code == 201
    probe = post(cs_staff["dept_dwm"], {}, "idem-bola-1")  # the review's attack: {} and a known key
    assert probe.status_code == 422
    assert probe.get_json()["error"] == "invalid"
    text = probe.get_data(as_text=True)
    assert all(value not in text for value in PRIVATE)


def test_a_replay_passes_the_same_department_check_as_a_read(cs_app, cs_staff):
    clerk = cs_staff["dept"]  # ATLDOT, filing a general inquiry, which goes to MOCS
    body = new_case_body(service_code="general_inquiry", attributes={})
    filed = post(clerk, body, "idem-dept-1")
    assert filed.status_code == 201
    number = filed.get_json()["case_number"]
    assert clerk.get(f"/api/v1/cases/{number}").status_code == 404
    replay = post(clerk, body, "idem-dept-1")
    assert replay.status_code == 404
    assert replay.get_json() == {"error": "not_found", "message": "No such case."}
    assert all(value not in replay.get_data(as_text=True) for value in PRIVATE)
    assert count(cs_app, Case, Case.idempotency_key == "idem-dept-1") == 1


def test_a_live_chat_key_cannot_be_replayed_through_the_api(cs_app, cs_service):
    body = new_case_body(description="filed by an agent from a chat")
    with session_for(cs_app) as session:
        chat_case, created = create_case(session, get_catalog(), body,
                                         idempotency_key="live-chat-4242",
                                         idempotency_scope="live-chat")
        assert created
    replay = post(cs_service, body, "live-chat-4242")
    assert replay.status_code == 201
    assert replay.get_json()["case_number"] != chat_case.number


def test_cases_filed_before_the_migration_keep_their_keys(make_database_url, tmp_path):
    url = make_database_url("idemlegacy")
    upgrade_database(url, "0003_withdrawal")
    engine = sa.create_engine(url, future=True)
    with engine.begin() as conn:
        for number, key in (("26000001", "msg:SM123"), ("26000002", "live-chat-7")):
            conn.execute(sa.text(
                "INSERT INTO cases (number, service_code, department, status, description, "
                "attributes, media_urls, channel, idempotency_key, created_at, updated_at) "
                "VALUES (:n, 'pothole', 'ATLDOT', 'new', '', '{}', '[]', 'sms', :k, "
                "'2026-01-05 10:00:00', '2026-01-05 10:00:00')"), {"n": number, "k": key})
    engine.dispose()
    upgrade_database(url)
    app = build_app(url, str(tmp_path))
    try:
        with session_for(app) as session:
            rows = session.execute(select(Case.number, Case.idempotency_scope,
                                          Case.idempotency_fingerprint).order_by(Case.number))
            assert rows.all() == [("26000001", "service", None), ("26000002", "live-chat", None)]
        replay = post(ApiClient(app, SERVICE_TOKEN), new_case_body(), "msg:SM123")
        assert replay.status_code == 200 and replay.get_json()["case_number"] == "26000001"
    finally:
        app.extensions["casestore.engine"].dispose()
