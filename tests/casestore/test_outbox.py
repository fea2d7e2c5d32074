"""Notices are queued with the change that causes them, to the right people, and only then."""

from __future__ import annotations

from sqlalchemy import select

from casestore.models import OutboxMessage
from tests.fixtures.casestore import file_case, new_case_body, session_for


def rows(app, number: str | None = None) -> list[tuple[str, str, str]]:
    with session_for(app) as session:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        found = session.execute(query).scalars().all()
        return [(m.event, m.transport, m.recipient) for m in found
                if number is None or m.payload.get("case_number") == number]


def test_opening_a_case_queues_email_and_sms_to_the_requester(cs_app, cs_service):
    number = file_case(cs_service)["case_number"]
    assert rows(cs_app, number) == [("opened", "email", "ada.resident@example.com"),
                                    ("opened", "sms", "sms:+14045550123")]


def test_web_chat_requesters_get_email_only_and_anonymous_ones_nothing(cs_app, cs_service):
    web = file_case(cs_service, channel="webchat",
                    requester={"email": "web@example.com", "channel_address": "webchat:abc"})
    anonymous = file_case(cs_service, requester=None)
    assert rows(cs_app, web["case_number"]) == [("opened", "email", "web@example.com")]
    assert rows(cs_app, anonymous["case_number"]) == []


def test_refused_input_queues_nothing(cs_app, cs_service):
    before = rows(cs_app)
    response = cs_service.post("/api/v1/cases", json=new_case_body(service_code="nope"))
    assert response.status_code == 422
    assert rows(cs_app) == before


def test_work_notes_queue_nothing_but_questions_closures_and_moves_do(cs_app, cs_service,
                                                                      cs_staff):
    number = file_case(cs_service, requester={"email": "r@example.com"})["case_number"]
    cs_service.post(f"/api/v1/cases/{number}/followers", json={"channel_address": "telegram:42"})
    agent = cs_staff["agent"]
    path = f"/api/v1/cases/{number}/activities"
    agent.post(path, json={"kind": "acknowledged"})
    agent.post(path, json={"kind": "inspection", "note": "looked"})
    assert [r[0] for r in rows(cs_app, number)] == ["opened"]
    agent.post(path, json={"kind": "info_requested", "note": "How deep?"})
    agent.post(path, json={"kind": "reassigned", "department": "DWM"})
    agent.post(path, json={"kind": "closed", "reason": "fixed", "comments": "Patched."})
    assert rows(cs_app, number)[1:] == [
        ("info_requested", "email", "r@example.com"), ("info_requested", "telegram", "telegram:42"),
        ("reassigned", "email", "r@example.com"), ("reassigned", "telegram", "telegram:42"),
        ("closed", "email", "r@example.com"), ("closed", "telegram", "telegram:42"),
    ]


def test_reopening_notifies_the_department(cs_app, cs_service, cs_staff):
    number = file_case(cs_service, requester=None)["case_number"]
    cs_staff["agent"].post(f"/api/v1/cases/{number}/activities",
                           json={"kind": "closed", "reason": "fixed", "comments": "Done."})
    cs_service.post(f"/api/v1/cases/{number}/activities",
                    json={"kind": "reopened", "note": "Still broken."})
    assert rows(cs_app, number) == [("reopened", "email", "atldot@atl311.example.org")]


def test_opted_out_addresses_get_no_messages_until_they_opt_back_in(cs_app, cs_service):
    address = "sms:+14045550777"
    assert cs_service.post("/api/v1/opt-outs", json={"channel_address": address}).status_code == 201
    assert cs_service.post("/api/v1/opt-outs", json={"channel_address": address}).status_code == 200
    quiet = file_case(cs_service, requester={"channel_address": address})["case_number"]
    assert rows(cs_app, quiet) == []
    # The channels app sends the address percent-encoded in the path.
    assert cs_service.delete("/api/v1/opt-outs/sms%3A%2B14045550777").status_code == 204
    loud = file_case(cs_service, requester={"channel_address": address})["case_number"]
    assert rows(cs_app, loud) == [("opened", "sms", address)]


def test_opt_outs_need_the_service_token_and_a_channel_address(cs_client, cs_service, cs_staff):
    assert cs_client.post("/api/v1/opt-outs", json={"channel_address": "sms:+1"}).status_code == 401
    assert cs_staff["agent"].post("/api/v1/opt-outs",
                                  json={"channel_address": "sms:+1"}).status_code == 403
    assert cs_service.post("/api/v1/opt-outs", json={}).status_code == 422
    assert cs_service.post("/api/v1/opt-outs", json={"channel_address": 5}).status_code == 400


def test_one_person_listed_twice_gets_one_notice(cs_app, cs_service):
    number = file_case(cs_service, requester={"email": "twice@example.com"})["case_number"]
    # A follower with the requester's own email is not added again.
    cs_service.post(f"/api/v1/cases/{number}/followers", json={"email": "twice@example.com"})
    assert rows(cs_app, number) == [("opened", "email", "twice@example.com")]


def test_opting_back_in_with_the_address_in_the_body(cs_app, cs_service):
    address = "whatsapp:+14045550666"
    cs_service.post("/api/v1/opt-outs", json={"channel_address": address})
    quiet = file_case(cs_service, requester={"channel_address": address})["case_number"]
    assert rows(cs_app, quiet) == []
    response = cs_service.delete("/api/v1/opt-outs", json={"channel_address": address})
    assert response.status_code == 204
    number = file_case(cs_service, requester={"channel_address": address})["case_number"]
    assert rows(cs_app, number) == [("opened", "whatsapp", address)]
    assert cs_service.delete("/api/v1/opt-outs", json={}).status_code == 422
