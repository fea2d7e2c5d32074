"""Case store errors inside a local handler: a refusal is an answer, only failures are retried.

The review's black-box test 4: after a ``closed`` notice the resident answers
"no" for a case that is already open again. The case store refuses (409); the
resident must hear so at once, the notice must close and the message be done,
so their next message reaches the assistant.
"""

from __future__ import annotations

import sqlalchemy as sa

from channels import senders
from channels.retry import run_once
from channels.store import InboxMessage, session
from tests.fixtures.casestore import file_case
from tests.fixtures.channels import make_retries_due, wait_for

SESSION = "errors-session-0123456789"
ADDRESS = f"webchat:{SESSION}"
PHONE = "404-546-0311"


def statuses(app) -> list[str]:
    with session(app.extensions["channels"]["engine"]) as db:
        return list(db.execute(sa.select(InboxMessage.status).order_by(InboxMessage.id)).scalars())


def say(client, text: str, message_id: str):
    return client.post("/webchat/messages",
                       json={"session_id": SESSION, "text": text, "message_id": message_id})


def test_no_to_a_closed_notice_of_a_case_already_open_again_is_answered_and_done(
        channels_app, fake_rasa, served_casestore):
    number = file_case(served_casestore.service)["case_number"]  # open: nothing to reopen
    app = channels_app(CASESTORE_URL=served_casestore.url,
                       CASESTORE_SERVICE_TOKEN=served_casestore.token)
    senders.record_notice(app, ADDRESS, number, "closed")
    reply = say(app.test_client(), "no still broken", "m-1")
    assert reply.json["pending"] is False
    assert reply.json["messages"] == [{"text": (
        f"Case {number} is already open again, so there is nothing to reopen: the department "
        f"is working on it. To check on it, send us the number {number}; to add details, "
        f"call 311 ({PHONE}).")}]
    assert statuses(app) == ["done"]
    assert senders.open_notice(app, ADDRESS) is None
    assert fake_rasa.received == []


def test_the_next_message_after_a_refused_reply_reaches_the_assistant(
        channels_app, fake_rasa, served_casestore):
    number = file_case(served_casestore.service)["case_number"]
    app = channels_app(CASESTORE_URL=served_casestore.url,
                       CASESTORE_SERVICE_TOKEN=served_casestore.token)
    senders.record_notice(app, ADDRESS, number, "closed")
    client = app.test_client()
    say(client, "no still broken", "m-1")
    hello = say(client, "hello", "m-2")
    assert hello.json["messages"] == [{"text": "echo: hello"}]
    assert hello.json["pending"] is False
    assert [r["message"] for r in fake_rasa.received] == ["hello"]
    assert statuses(app) == ["done", "done"]


def test_a_reply_about_an_unknown_case_says_so_and_is_done(
        channels_app, fake_rasa, served_casestore):
    app = channels_app(CASESTORE_URL=served_casestore.url,
                       CASESTORE_SERVICE_TOKEN=served_casestore.token)
    senders.record_notice(app, ADDRESS, "26999999", "closed")
    reply = say(app.test_client(), "no", "m-1")
    assert reply.json["messages"] == [{"text": (
        f"We could not find case 26999999. Please check the number, or call 311 ({PHONE}) "
        "and we will look it up for you.")}]
    assert statuses(app) == ["done"]
    assert senders.open_notice(app, ADDRESS) is None


def test_information_for_a_closed_case_is_refused_with_what_to_do(
        channels_app, fake_rasa, casestore_standin):
    casestore_standin.status = 409
    app = channels_app(CASESTORE_URL=casestore_standin.url)
    senders.record_notice(app, ADDRESS, "26000123", "info_requested")
    reply = say(app.test_client(), "north side", "m-1")
    assert reply.json["messages"] == [{"text": (
        f"Case 26000123 is closed now, so we could not add that to it. If the problem is "
        f"still there, call 311 ({PHONE}) or report it again here.")}]
    assert statuses(app) == ["done"]


def test_a_failing_case_store_keeps_the_reply_for_a_retry_with_the_same_key(
        channels_app, fake_rasa, casestore_standin):
    casestore_standin.status = 503
    app = channels_app(CASESTORE_URL=casestore_standin.url)
    senders.record_notice(app, ADDRESS, "26000123", "closed")
    client = app.test_client()
    held = say(client, "no, still broken", "m-1")
    assert held.json["pending"] is True
    assert statuses(app) == ["pending"]
    assert senders.open_notice(app, ADDRESS) is not None
    casestore_standin.status = 201
    make_retries_due(app)
    wait_for(lambda: run_once(app))
    assert statuses(app) == ["done"]
    posts = casestore_standin.calls_to("/api/v1/cases/26000123/activities")
    assert [p.headers["Idempotency-Key"] for p in posts] == [
        f"channels:webchat:{SESSION}:m-1"] * 2
    entries = client.get("/webchat/messages", headers={"X-Chat-Session": SESSION}).json["entries"]
    assert entries[-1]["text"] == "We reopened case 26000123 and told the department. Thank you."


def test_a_hanging_case_store_gets_a_holding_reply_and_the_answer_follows(
        channels_app, fake_rasa, casestore_standin):
    casestore_standin.hold()
    app = channels_app(CASESTORE_URL=casestore_standin.url, RASA_DEADLINE_SECONDS=0.3)
    senders.record_notice(app, ADDRESS, "26000123", "closed")
    client = app.test_client()
    held = say(client, "no", "m-1")
    assert held.json["messages"] == [
        {"text": "Thanks, we have your message. Our reply is on its way."}]
    casestore_standin.release()
    wait_for(lambda: statuses(app) == ["done"], message="the late answer delivered")
    entries = client.get("/webchat/messages", headers={"X-Chat-Session": SESSION}).json["entries"]
    assert entries[-1]["text"] == "We reopened case 26000123 and told the department. Thank you."


def test_a_live_chat_refusal_leaves_the_message_to_the_assistant(
        channels_app, fake_rasa, casestore_standin):
    casestore_standin.status = 409
    app = channels_app(CASESTORE_URL=casestore_standin.url)
    reply = say(app.test_client(), "hello", "m-1")
    assert reply.json["messages"] == [{"text": "echo: hello"}]
    assert casestore_standin.calls_to("/api/v1/live-chats/route")
    assert statuses(app) == ["done"]
