"""``action_withdraw_case`` against a real case store served over HTTP."""

from __future__ import annotations

import uuid

import pytest
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions import casestore_client as store
from bot.actions.safety import SORRY
from bot.actions.withdraw import ASK_NUMBER, NOT_YOURS, UNREACHABLE, ActionWithdrawCase
from tests.bot.conftest import make_tracker, run, texts
from tests.fixtures.stack import free_port

PHONE = "sms:+14045550166"


def file(store_env, service_code: str = "bulk_pickup", attributes: dict | None = None,
         email: str | None = None, address: str = PHONE) -> str:
    response = store_env.api("POST", "/api/v1/cases", json={
        "service_code": service_code,
        "description": "old sofa on the curb",
        "channel": "sms",
        "address": "45 Ivan Allen Jr Blvd NW",
        "attributes": attributes or {"items": "furniture"},
        "requester": {"channel_address": address, "email": email},
    })
    assert response.status_code == 201, response.text
    return response.json()["case_number"]


def grouped(number: str) -> str:
    return f"{number[:2]}-{number[2:]}"


def withdraw(text: str = "", sender: str = PHONE, slots: dict | None = None,
             events: list | None = None, domain: dict | None = None):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(slots, text=text, intent="withdraw_case", sender=sender, events=events)
    result = run(ActionWithdrawCase().run(dispatcher, tracker, domain or {}))
    return texts(dispatcher), result


def timeline(cs_staff, number: str) -> list[dict]:
    return cs_staff["agent"].get(f"/api/v1/cases/{number}").get_json()["timeline"]


def test_the_requester_asks_from_the_same_phone(store_env, cs_staff):
    number = file(store_env)
    said, events = withdraw(f"please cancel case {number}, my cousin hauled the sofa away")
    assert said == [f"I've asked the department to close case {grouped(number)} as withdrawn; "
                    "you'll get a notice when it's closed."]
    assert events == []
    entry = timeline(cs_staff, number)[-1]
    assert entry["kind"] == "withdrawal_requested" and entry["public"] is False
    assert entry["note"] == f"please cancel case {number}, my cousin hauled the sofa away"


def test_the_latest_case_of_the_conversation_and_the_email_given_earlier(store_env, cs_staff):
    email = f"sofa.{uuid.uuid4().hex[:8]}@example.org"
    number = file(store_env, email=email, address="webchat:an-earlier-session")
    earlier = [
        {"event": "slot", "name": "contact_email", "value": email},
        {"event": "slot", "name": "contact_email", "value": None},
        {"event": "user", "text": "I filed that by accident",
         "parse_data": {"intent": {"name": "withdraw_case"}}},
    ]
    said, _ = withdraw("I filed that by accident", sender="webchat:this-session",
                       slots={"my_cases": ["26000001", number]}, events=earlier)
    assert said[0].startswith(f"I've asked the department to close case {grouped(number)}")
    entry = timeline(cs_staff, number)[-1]
    assert entry["data"]["matched_by"] == "email" and entry["note"] == "I filed that by accident"


def test_a_repeat_says_it_is_already_asked(store_env):
    number = file(store_env)
    withdraw(f"withdraw {number}")
    said, _ = withdraw(f"withdraw {number}")
    assert said == [f"You've already asked to withdraw case {grouped(number)}; the department "
                    "will close it. You'll get a notice when it's closed."]


def test_a_service_the_city_checks_anyway_stays_open(store_env):
    number = file(store_env, service_code="fire_hydrant",
                  attributes={"hydrant_problem": "leaking"})
    said, _ = withdraw(f"withdraw {number}, it stopped")
    assert said == [f"I've passed your message to the department. Case {grouped(number)} "
                    "(Damaged or leaking fire hydrant) stays open, because the City still needs "
                    "to check this kind of problem itself. Thanks for letting us know."]


def test_someone_elses_case_is_refused_plainly(store_env, cs_staff):
    number = file(store_env)
    said, _ = withdraw(f"withdraw {number}", sender="sms:+14045550999")
    assert said == [NOT_YOURS]
    assert timeline(cs_staff, number)[-1]["kind"] == "opened"


def test_without_any_address_or_email_nothing_is_asked(store_env):
    number = file(store_env)
    said, _ = withdraw(f"withdraw {number}", sender="default")
    assert said == [NOT_YOURS]


def test_a_closed_case_and_an_unknown_number(store_env, cs_staff):
    number = file(store_env)
    closed = cs_staff["agent"].post(f"/api/v1/cases/{number}/activities", json={
        "kind": "closed", "reason": "fixed", "comments": "Picked up."})
    assert closed.status_code == 201
    said, _ = withdraw(f"withdraw {number}")
    assert said == [f"Case {grouped(number)} is already closed, so there's nothing to withdraw."]
    said, _ = withdraw("withdraw case 26999999")
    assert said == ["I couldn't find case 26-999999. Please check the number "
                    "(8 digits, like 26-000123) and send it again."]


def test_no_number_and_no_cases_asks_which(store_env):
    said, events = withdraw("I want to withdraw my report")
    assert said == [ASK_NUMBER] and events == []
    domain = {"slots": {"withdraw_case_asked": {"type": "bool"}}}
    said, events = withdraw("I want to withdraw my report", domain=domain)
    assert events == [SlotSet("withdraw_case_asked", True)]
    said, _ = withdraw("withdraw 2600012")
    assert "isn't a case number I recognise" in said[0]


def test_an_unreachable_store_changes_nothing_and_says_so(store_env, monkeypatch):
    monkeypatch.setenv("CASESTORE_URL", f"http://127.0.0.1:{free_port()}")
    said, _ = withdraw("withdraw 26000001")
    assert said == [UNREACHABLE]


def test_an_unexpected_error_still_answers(store_env, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(store, "request_withdrawal", broken)
    said, events = withdraw("withdraw 26000001")
    assert said == [SORRY] and events == []


def test_the_client_returns_the_result_and_raises_the_stores_errors(store_env, cs_staff):
    number = file(store_env)
    result = store.request_withdrawal(number, "accident", PHONE, None)
    assert result["status"] == "requested" and result["case_number"] == number
    with pytest.raises(store.CaseStoreError) as not_requester:
        store.request_withdrawal(number, "x", "sms:+14045550999", None)
    with pytest.raises(store.CaseStoreError) as missing:
        store.request_withdrawal("26999998", "x", PHONE, None)
    cs_staff["agent"].post(f"/api/v1/cases/{number}/activities", json={
        "kind": "closed", "reason": "withdrawn", "comments": "At your request."})
    with pytest.raises(store.CaseStoreError) as closed:
        store.request_withdrawal(number, None, PHONE, None)
    assert [(e.value.status, e.value.code) for e in (not_requester, missing, closed)] == [
        (403, "not_requester"), (404, "not_found"), (409, "case_closed")]
