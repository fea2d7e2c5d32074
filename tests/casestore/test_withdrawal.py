"""A resident withdrawing a case they filed: POST /api/v1/cases/<number>/withdrawal.

Only the requester (same channel address, same phone on another phone
channel, or same email) may; anyone else gets one 403 whatever they match;
a closed case is 409; a repeat while pending returns the pending request; a
service the catalog marks ``withdrawable: false`` stays open.
"""

from __future__ import annotations

import threading

import pytest

from casestore.catalog import load_catalog
from casestore.models import Activity, Case, OutboxMessage
from tests.fixtures.casestore import count, file_case

REQUESTER_ADDRESS = "sms:+14045550123"
REQUESTER_EMAIL = "ada.resident@example.com"


def withdraw(client, number: str, **body):
    return client.post(f"/api/v1/cases/{number}/withdrawal", json=body)


@pytest.fixture()
def number(cs_service) -> str:
    return file_case(cs_service)["case_number"]


def kinds(client, number: str) -> list[str]:
    return [a["kind"] for a in client.get(f"/api/v1/cases/{number}/activities").get_json()
            ["activities"]]


def test_the_requesters_channel_address_records_the_request(cs_service, cs_staff, number):
    response = withdraw(cs_service, number, reason="I filed that by accident",
                        channel_address=REQUESTER_ADDRESS)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["status"] == "requested" and body["case_number"] == number
    assert body["already_requested"] is False
    assert body["case"]["status"] == "new"  # the department decides; nothing closes by itself
    staff_view = cs_staff["dept"].get(f"/api/v1/cases/{number}").get_json()
    assert staff_view["withdrawal_requested"] is True
    assert staff_view["withdrawal"]["status"] == "requested"
    assert staff_view["withdrawal"]["reason"] == "I filed that by accident"
    entry = staff_view["timeline"][-1]
    assert entry["kind"] == "withdrawal_requested" and entry["public"] is False
    assert entry["author"] == "Resident" and entry["note"] == "I filed that by accident"
    assert entry["data"] == {"outcome": "requested", "matched_by": "channel_address"}


def test_the_residents_words_stay_internal(cs_client, cs_service, number):
    withdraw(cs_service, number, reason="my cousin hauled the sofa away already",
             channel_address=REQUESTER_ADDRESS)
    for client in (cs_client, cs_service):
        for path in (f"/api/v1/cases/{number}", f"/api/v1/cases/{number}/activities"):
            text = client.get(path).get_data(as_text=True)
            assert "cousin" not in text and "withdrawal_requested" not in text
    page = cs_client.client.get(f"/cases/{number}").get_data(as_text=True)
    assert "cousin" not in page


def test_the_requesters_email_matches_whatever_its_case(cs_service, cs_staff, number):
    response = withdraw(cs_service, number, reason="sorted",
                        channel_address="webchat:some-other-session",
                        email="  Ada.Resident@EXAMPLE.com ")
    assert response.status_code == 201, response.get_json()
    entry = cs_staff["agent"].get(f"/api/v1/cases/{number}").get_json()["timeline"][-1]
    assert entry["data"]["matched_by"] == "email"


def test_the_same_phone_on_another_phone_channel_matches(cs_service, number):
    response = withdraw(cs_service, number, channel_address="voice:+14045550123")
    assert response.status_code == 201, response.get_json()


@pytest.mark.parametrize("who", [
    {"channel_address": "sms:+14045550199"},
    {"email": "someone.else@example.com"},
    {"channel_address": "webchat:abc", "email": "someone.else@example.com"},
    {"channel_address": "sms:+14045550777"},  # follows the case: not the requester
    {"email": "follower@example.com"},  # follows the case: not the requester
    {"channel_address": "sms:+14045550888"},  # filed another case
])
def test_anyone_else_gets_one_403_that_reveals_nothing(cs_fresh_app, who):
    from tests.fixtures.casestore import clients_for

    _, service, staff = clients_for(cs_fresh_app)
    number = file_case(service)["case_number"]
    file_case(service, requester={"channel_address": "sms:+14045550888",
                                  "email": "other.filer@example.com"})
    followed = service.post(f"/api/v1/cases/{number}/followers",
                            json={"channel_address": "sms:+14045550777",
                                  "email": "follower@example.com"})
    assert followed.status_code == 200
    before = (count(cs_fresh_app, Activity), count(cs_fresh_app, OutboxMessage))
    response = withdraw(service, number, reason="not mine", **who)
    assert response.status_code == 403
    assert response.get_json() == {
        "error": "not_requester",
        "message": "Only the person who filed this case can withdraw it, from the phone number, "
                   "chat or email that filed it.",
    }
    assert (count(cs_fresh_app, Activity), count(cs_fresh_app, OutboxMessage)) == before
    assert count(cs_fresh_app, Case, Case.withdrawal_requested_at.is_not(None)) == 0
    assert staff["agent"].get(f"/api/v1/cases/{number}").get_json()["withdrawal"] is None


def test_a_case_without_requester_contacts_cannot_be_withdrawn(cs_service):
    number = file_case(cs_service, requester=None)["case_number"]
    response = withdraw(cs_service, number, channel_address="webchat:abc")
    assert response.status_code == 403 and response.get_json()["error"] == "not_requester"


def test_a_repeat_while_pending_returns_the_same_request(cs_service, cs_staff, number):
    first = withdraw(cs_service, number, reason="accident", channel_address=REQUESTER_ADDRESS)
    again = withdraw(cs_service, number, reason="really, an accident", email=REQUESTER_EMAIL)
    assert (first.status_code, again.status_code) == (201, 200)
    a, b = first.get_json(), again.get_json()
    assert b["already_requested"] is True and b["status"] == "requested"
    assert (a["activity_id"], a["requested_at"]) == (b["activity_id"], b["requested_at"])
    assert kinds(cs_staff["agent"], number).count("withdrawal_requested") == 1


def test_racing_requests_record_one(cs_fresh_app):
    from tests.fixtures.casestore import clients_for

    _, service, _ = clients_for(cs_fresh_app)
    number = file_case(service)["case_number"]
    statuses: list[int] = []

    def go() -> None:
        client = cs_fresh_app.test_client()
        response = client.post(f"/api/v1/cases/{number}/withdrawal",
                               json={"channel_address": REQUESTER_ADDRESS},
                               headers={"Authorization": f"Bearer {service.token}"})
        statuses.append(response.status_code)

    threads = [threading.Thread(target=go) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200] * 5 + [201]
    assert count(cs_fresh_app, Activity, Activity.kind == "withdrawal_requested") == 1


def test_a_closed_case_answers_409_and_changes_nothing(cs_fresh_app):
    from tests.fixtures.casestore import clients_for

    _, service, staff = clients_for(cs_fresh_app)
    number = file_case(service)["case_number"]
    closed = staff["dept"].post(f"/api/v1/cases/{number}/activities",
                                json={"kind": "closed", "reason": "fixed", "comments": "Patched."})
    assert closed.status_code == 201
    before = count(cs_fresh_app, Activity)
    response = withdraw(service, number, channel_address=REQUESTER_ADDRESS)
    assert response.status_code == 409 and response.get_json()["error"] == "case_closed"
    assert count(cs_fresh_app, Activity) == before


def test_a_stranger_asking_about_a_closed_case_still_gets_403(cs_service, cs_staff, number):
    cs_staff["dept"].post(f"/api/v1/cases/{number}/activities",
                          json={"kind": "closed", "reason": "fixed", "comments": "Patched."})
    assert withdraw(cs_service, number, channel_address="sms:+14045550199").status_code == 403


def test_a_service_the_city_checks_anyway_stays_open(cs_service, cs_staff):
    number = file_case(cs_service, service_code="water_leak",
                       attributes={"flowing_in_street": "yes"})["case_number"]
    response = withdraw(cs_service, number, reason="it stopped leaking",
                        channel_address=REQUESTER_ADDRESS)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["status"] == "kept_open" and body["case"]["status"] != "closed"
    view = cs_staff["dept_dwm"].get(f"/api/v1/cases/{number}").get_json()
    assert view["withdrawal"]["status"] == "kept_open"
    assert view["timeline"][-1]["note"] == "it stopped leaking"
    again = withdraw(cs_service, number, channel_address=REQUESTER_ADDRESS)
    assert again.status_code == 200 and again.get_json()["status"] == "kept_open"


def test_the_catalog_marks_the_services_the_city_must_check(cs_app):
    catalog = load_catalog(cs_app.config["CATALOG_PATH"])
    kept = {code for code, s in catalog.services.items() if not s.withdrawable}
    assert kept == {"encampment", "traffic_signal", "fire_hydrant", "sewer_backup", "water_leak"}
    assert catalog.service("bulk_pickup").withdrawable is True


@pytest.mark.parametrize(("body", "status", "field"), [
    ({}, 422, "channel_address"),
    ({"reason": "x" * 1001, "channel_address": REQUESTER_ADDRESS}, 422, "reason"),
    ({"reason": 5, "channel_address": REQUESTER_ADDRESS}, 400, "reason"),
    ({"channel_address": "not an address"}, 422, "channel_address"),
    ({"email": "not-an-email"}, 422, "email"),
])
def test_bad_bodies_are_refused_with_nothing_written(cs_service, number, body, status, field):
    response = withdraw(cs_service, number, **body)
    assert response.status_code == status
    assert field in response.get_json()["fields"]
    assert "withdrawal_requested" not in kinds(cs_service, number)


def test_who_may_call_and_unknown_cases(cs_client, cs_service, cs_staff, number):
    assert withdraw(cs_client, number, channel_address=REQUESTER_ADDRESS).status_code == 401
    assert withdraw(cs_staff["agent"], number,
                    channel_address=REQUESTER_ADDRESS).status_code == 403
    missing = withdraw(cs_service, "26999999", channel_address=REQUESTER_ADDRESS)
    assert missing.status_code == 404 and missing.get_json()["error"] == "not_found"
    assert cs_service.post(f"/api/v1/cases/{number}/withdrawal", data="x",
                           content_type="text/plain").status_code == 400


def test_the_withdrawal_kinds_cannot_be_posted_as_activities(cs_staff, number):
    for kind in ("withdrawal_requested", "withdrawal_declined"):
        response = cs_staff["agent"].post(f"/api/v1/cases/{number}/activities",
                                          json={"kind": kind, "note": "x"})
        assert response.status_code == 422


def test_closing_settles_the_request_and_the_closed_notice_goes_out(cs_service, cs_staff, number):
    withdraw(cs_service, number, reason="accident", channel_address=REQUESTER_ADDRESS)
    closed = cs_staff["dept"].post(f"/api/v1/cases/{number}/activities", json={
        "kind": "closed", "reason": "withdrawn", "comments": "Closed at your request."})
    assert closed.status_code == 201
    assert closed.get_json()["data"]["withdrawal_requested"] is True
    view = cs_staff["dept"].get(f"/api/v1/cases/{number}").get_json()
    assert view["withdrawal_requested"] is False and view["withdrawal"] is None
    assert view["close_reason"] == "withdrawn"
    reopened = cs_service.post(f"/api/v1/cases/{number}/activities",
                               json={"kind": "reopened", "note": "I changed my mind"})
    assert reopened.status_code == 201
    again = withdraw(cs_service, number, channel_address=REQUESTER_ADDRESS)
    assert again.status_code == 201  # a new request after the first was settled


def test_openapi_documents_the_withdrawal(cs_client):
    document = cs_client.get("/api/v1/openapi.json").get_json()
    operation = document["paths"]["/cases/{number}/withdrawal"]["post"]
    assert set(operation["responses"]) >= {"200", "201", "403", "404", "409"}
    schemas = document["components"]["schemas"]
    assert schemas["Withdrawal"]["properties"]["status"]["enum"] == ["requested", "kept_open"]
    assert schemas["WithdrawalRequest"]["properties"]["reason"]["maxLength"] == 1000
