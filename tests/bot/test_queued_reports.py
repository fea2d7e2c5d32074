"""Reports confirmed while the case store is down: queued durably, filed once, resident told.

The action and the worker run their real code against a real case store served
over HTTP (``store_env``); "down" is ``CASESTORE_URL`` pointing at a closed
port. The channels app's ``/internal/send`` is a recorder (``send_recorder``).
"""

from __future__ import annotations

import os
import threading

import pytest
import sqlalchemy as sa
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.engine import make_url

from bot.actions import filing_worker, pending
from bot.actions.context import idempotency_key
from bot.actions.report import (
    SAVED,
    SENDING,
    STILL_SAVED,
    UNREACHABLE,
    ActionSubmitReport,
    saved_text,
)
from tests.bot.conftest import make_tracker, run, slot_events, texts
from tests.bot.test_report_actions import FILLED
from tests.fixtures.channels import wait_for
from tests.fixtures.database import database_profile
from tests.fixtures.stack import free_port

SMS = "sms:+14045550142"


def rows() -> list[dict]:
    with pending.engine().connect() as conn:
        return [dict(r) for r in conn.execute(sa.select(pending.pending_reports)).mappings()]


def confirm_while_down(monkeypatch, sender: str = SMS, message_id: str = "SM-queued-1"):
    """The resident says "yes" to the summary while the case store refuses connections.

    Returns the dispatcher, the events and the live case store's URL (to bring it back).
    """
    live = os.environ["CASESTORE_URL"]
    monkeypatch.setenv("CASESTORE_URL", f"http://127.0.0.1:{free_port()}")
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        FILLED, text="yes", intent="affirm", sender=sender, metadata={"message_id": message_id}
    )
    events = run(ActionSubmitReport().run(dispatcher, tracker, {}))
    return dispatcher, events, live


def test_a_report_confirmed_while_the_store_is_down_is_queued_and_the_resident_told_it_is_saved(
    store_env, actions_db, monkeypatch
):
    dispatcher, events, _ = confirm_while_down(monkeypatch)
    assert texts(dispatcher) == [SAVED + " I'll send you the case number here."]
    assert slot_events(events)["report_confirmed"] is None  # the form is over: nothing to retry
    assert "submit_pending" not in {k for k, v in slot_events(events).items() if v}
    [row] = rows()
    assert (row["idempotency_key"], row["sender"], row["state"]) == (
        f"{SMS}:SM-queued-1", SMS, "file"
    )
    assert row["body"]["service_code"] == "pothole"
    assert row["body"]["requester"]["channel_address"] == SMS


def test_the_worker_files_the_queued_report_once_and_texts_the_number(
    store_env, actions_db, send_recorder, monkeypatch, cs_clients
):
    _, _, live = confirm_while_down(monkeypatch)
    monkeypatch.setenv("CASESTORE_URL", live)  # the case store is back

    assert filing_worker.process_due() == 1
    assert filing_worker.process_due() == 0  # settled: nothing is filed or sent again

    [row] = rows()
    number = row["case_number"]
    assert (row["state"], row["body"], row["last_error"]) == ("done", None, None)
    grouped = f"{number[:2]}-{number[2:]}"
    assert len(send_recorder.sent) == 1
    notice = send_recorder.sent[0]
    assert notice["to"] == SMS
    assert notice["text"].startswith(f"Your report is filed now. Your case number is {grouped}.")
    assert notice["authorization"] == "Bearer internal-test-token"
    assert notice["dedupe_key"] == filing_worker.dedupe_key(f"{SMS}:SM-queued-1")
    # The case is the resident's: it carries their address (notices, withdrawal by address).
    case = cs_clients[2]["agent"].get(f"/api/v1/cases/{number}").json
    assert case["requester"]["channel_address"] == SMS
    assert case["service_code"] == "pothole"


def test_a_report_the_store_took_before_its_answer_was_lost_is_not_filed_twice(
    store_env, actions_db, send_recorder, monkeypatch
):
    _, _, live = confirm_while_down(monkeypatch, message_id="SM-lost-answer")
    monkeypatch.setenv("CASESTORE_URL", live)
    [row] = rows()
    # The case store had created the case; only its answer never arrived.
    first = store_env.api(
        "POST", "/api/v1/cases", json={**row["body"], "idempotency_key": row["idempotency_key"]},
        headers={"Idempotency-Key": row["idempotency_key"]},
    )
    assert first.status_code == 201, first.text

    filing_worker.process_due()

    assert rows()[0]["case_number"] == first.json()["case_number"]
    assert len(send_recorder.sent) == 1


def test_the_worker_keeps_retrying_while_the_store_is_down(
    store_env, actions_db, send_recorder, monkeypatch
):
    confirm_while_down(monkeypatch)  # CASESTORE_URL stays on the closed port

    assert filing_worker.process_due() == 1
    assert filing_worker.process_due() == 1

    [row] = rows()
    assert (row["state"], row["attempts"], row["last_error"]) == (
        "file", 2, "casestore ConnectionError"
    )
    assert send_recorder.sent == []


def test_a_notice_the_channels_app_could_not_take_is_sent_once_when_it_can(
    store_env, actions_db, send_recorder, monkeypatch
):
    _, _, live = confirm_while_down(monkeypatch)
    monkeypatch.setenv("CASESTORE_URL", live)
    send_recorder.status = 503

    filing_worker.process_due()
    [row] = rows()
    assert (row["state"], row["last_error"]) == ("notify", "channels 503")
    assert row["case_number"]

    send_recorder.status = 200
    filing_worker.process_due()
    filing_worker.process_due()
    assert [s["to"] for s in send_recorder.sent] == [SMS]
    assert rows()[0]["state"] == "done"


@pytest.mark.parametrize("status", [409, 422])
def test_a_notice_to_an_opted_out_or_unreachable_address_is_not_retried(
    store_env, actions_db, send_recorder, monkeypatch, status
):
    _, _, live = confirm_while_down(monkeypatch)
    monkeypatch.setenv("CASESTORE_URL", live)
    send_recorder.status = status

    filing_worker.process_due()

    [row] = rows()
    assert (row["state"], row["last_error"]) == ("done", f"channels {status}")
    assert filing_worker.process_due() == 0


def test_a_caller_is_told_the_number_by_text_to_the_number_they_called_from(
    store_env, actions_db, send_recorder, monkeypatch
):
    dispatcher, _, live = confirm_while_down(monkeypatch, sender="voice:+14045550177")
    assert texts(dispatcher) == [
        SAVED + " I'll text the case number to the number you're calling from."
    ]
    monkeypatch.setenv("CASESTORE_URL", live)

    filing_worker.process_due()

    assert [s["to"] for s in send_recorder.sent] == ["sms:+14045550177"]


def test_a_web_chat_resident_is_told_the_number_in_the_chat(
    store_env, actions_db, send_recorder, monkeypatch
):
    dispatcher, _, live = confirm_while_down(monkeypatch, sender="webchat:session-0123456789")
    assert texts(dispatcher) == [SAVED + " I'll post the case number in this chat."]
    monkeypatch.setenv("CASESTORE_URL", live)

    filing_worker.process_due()

    assert [s["to"] for s in send_recorder.sent] == ["webchat:session-0123456789"]


def test_a_report_the_store_refuses_when_back_gets_a_call_311_notice_and_no_case(
    store_env, actions_db, send_recorder, monkeypatch
):
    pending.enqueue(f"{SMS}:SM-bad", SMS, {**FILLED_BODY, "service_code": "no_such_service"})

    filing_worker.process_due()

    [row] = rows()
    assert (row["state"], row["case_number"], row["body"]) == ("done", None, None)
    assert [s["text"] for s in send_recorder.sent] == [filing_worker.REFUSED_NOTICE]


def test_try_again_files_the_queued_report_at_once_and_the_worker_sends_nothing_more(
    store_env, actions_db, send_recorder, monkeypatch
):
    _, _, live = confirm_while_down(monkeypatch)
    monkeypatch.setenv("CASESTORE_URL", live)
    dispatcher = CollectingDispatcher()
    again = make_tracker({"my_cases": ["26000001"]}, text="try again", intent="retry", sender=SMS)

    events = run(ActionSubmitReport().run(dispatcher, again, {}))

    [row] = rows()
    number = row["case_number"]
    assert texts(dispatcher) == [row["notice"]]
    assert f"{number[:2]}-{number[2:]}" in texts(dispatcher)[0]
    assert slot_events(events) == {"my_cases": ["26000001", number]}
    assert row["state"] == "done"
    assert filing_worker.process_due() == 0
    assert send_recorder.sent == []


def test_try_again_while_the_store_is_still_down_says_the_report_is_still_saved(
    store_env, actions_db, monkeypatch
):
    confirm_while_down(monkeypatch)
    dispatcher = CollectingDispatcher()
    again = make_tracker({}, text="try again", intent="retry", sender=SMS)

    events = run(ActionSubmitReport().run(dispatcher, again, {}))

    assert texts(dispatcher) == [STILL_SAVED]
    assert slot_events(events) == {"my_cases": []}
    assert rows()[0]["state"] == "file"


def test_try_again_while_the_worker_holds_the_report_leaves_the_notice_to_it(
    store_env, actions_db, monkeypatch
):
    confirm_while_down(monkeypatch)
    [row] = rows()
    assert pending.claim(row)  # the worker is filing it right now
    dispatcher = CollectingDispatcher()
    again = make_tracker({}, text="try again", intent="retry", sender=SMS)

    run(ActionSubmitReport().run(dispatcher, again, {}))

    assert texts(dispatcher) == [SENDING]


def test_another_senders_try_again_does_not_touch_a_queued_report(
    store_env, actions_db, monkeypatch
):
    confirm_while_down(monkeypatch)
    dispatcher = CollectingDispatcher()
    stranger = make_tracker({}, text="try again", intent="retry", sender="sms:+14045550999")

    run(ActionSubmitReport().run(dispatcher, stranger, {}))

    assert texts(dispatcher) == [
        "There's no report waiting to be filed. What can I help you with?"
    ]
    assert rows()[0]["state"] == "file"


def test_the_same_report_queued_twice_keeps_one_row(store_env, actions_db, monkeypatch):
    confirm_while_down(monkeypatch)
    confirm_while_down(monkeypatch)  # Rasa replayed the turn

    assert len(rows()) == 1


def test_when_the_queue_itself_is_unavailable_the_answers_stay_for_a_retry(
    store_env, monkeypatch, tmp_path
):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("ACTIONS_DATABASE_URL", f"sqlite:///{blocker / 'actions.sqlite3'}")
    dispatcher, events, _ = confirm_while_down(monkeypatch)
    pending.dispose_engines()

    assert texts(dispatcher) == [UNREACHABLE]
    assert slot_events(events) == {"submit_pending": True, "last_filed_key": f"{SMS}:SM-queued-1"}


def test_saved_text_names_the_channel_the_number_comes_on():
    assert saved_text(make_tracker(sender="telegram:5551234")) == (
        SAVED + " I'll send you the case number here."
    )
    assert saved_text(make_tracker(sender="local-test")) == SAVED


# --- the idempotency key carries the sender ----------------------------------------


def test_the_key_is_the_sender_and_the_message_id():
    tracker = make_tracker(sender="telegram:5551234", metadata={"message_id": "77"})
    assert idempotency_key(tracker, {}) == "telegram:5551234:77"


def test_a_key_over_the_case_stores_limit_becomes_a_hash():
    tracker = make_tracker(sender="webchat:" + "s" * 100, metadata={"message_id": "m" * 150})
    key = idempotency_key(tracker, {})
    assert key.startswith("key:") and len(key) == 68


def test_the_same_message_id_from_two_senders_files_two_cases(store_env, cs_clients):
    numbers = []
    for sender in ("webchat:session-0123456789", "telegram:5551234"):
        tracker = make_tracker(
            FILLED, text="yes", intent="affirm", sender=sender, metadata={"message_id": "1001"}
        )
        events = run(ActionSubmitReport().run(CollectingDispatcher(), tracker, {}))
        numbers.append(slot_events(events)["my_cases"][-1])
    assert numbers[0] != numbers[1]
    owners = [
        cs_clients[2]["agent"].get(f"/api/v1/cases/{n}").json["requester"]["channel_address"]
        for n in numbers
    ]
    assert owners == ["webchat:session-0123456789", "telegram:5551234"]


FILLED_BODY = {
    "service_code": "pothole",
    "description": "deep hole",
    "attributes": {"size": "large", "in_travel_lane": "yes"},
    "channel": "sms",
    "requester": {"channel_address": SMS, "phone": "+14045550142"},
    "address": "412 Boulevard SE",
}


def test_two_action_servers_creating_the_queue_table_at_once_both_start(
    make_database_url, monkeypatch
):
    """Replicas starting together on a new PostgreSQL database: the second waits for the
    first's table instead of failing on the catalog's unique index."""
    if database_profile() != "postgresql":
        pytest.skip("the race is PostgreSQL's (SQLite serialises the whole file)")
    url = make_database_url("actionsrace")
    monkeypatch.setenv("ACTIONS_DATABASE_URL", url)
    pending.dispose_engines()
    first = sa.create_engine(url, future=True)
    outcome: dict[str, object] = {}

    def second_replica() -> None:
        try:
            outcome["engine"] = pending.engine()
        except Exception as exc:  # the test reports what the replica would have hit
            outcome["error"] = exc

    try:
        with first.begin() as conn:  # the first replica, mid-creation
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"),
                         {"key": pending.SCHEMA_LOCK})
            pending.metadata.create_all(conn)
            thread = threading.Thread(target=second_replica)
            thread.start()
            wait_for(lambda: waiting_backends(first, url) > 0, 60,
                     "the second replica to wait for the first")
        thread.join(60)
        assert "error" not in outcome, outcome
        assert sa.inspect(outcome["engine"]).has_table("pending_reports")
    finally:
        first.dispose()
        pending.dispose_engines()


def waiting_backends(engine: sa.engine.Engine, url: str) -> int:
    """Sessions on ``url``'s database blocked on a lock (the second replica's)."""
    with engine.connect() as conn:
        return conn.execute(sa.text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = :db "
            "AND wait_event_type = 'Lock'"), {"db": make_url(url).database}).scalar_one()
