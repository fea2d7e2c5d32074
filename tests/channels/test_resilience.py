"""Nothing lost: Rasa down, empty or slow; the reply is delivered later through the API."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading

import sqlalchemy as sa

from channels.store import InboxMessage, session
from tests.fixtures.channels import make_retries_due, post_twilio, wait_for

PHONE = "+14045550123"


def sms(body: str, sid: str) -> dict:
    return {"From": PHONE, "To": "+14045550000", "Body": body, "MessageSid": sid,
            "NumMedia": "0"}


def statuses(app) -> list[str]:
    with session(app.extensions["channels"]["engine"]) as db:
        return list(db.execute(sa.select(InboxMessage.status).order_by(InboxMessage.id)).scalars())


def last_errors(app) -> list[str | None]:
    with session(app.extensions["channels"]["engine"]) as db:
        return list(db.execute(sa.select(InboxMessage.last_error)
                               .order_by(InboxMessage.id)).scalars())


def test_rasa_down_gets_the_311_number_then_the_reply_once_it_is_back(
        channels_app, fake_rasa, api_recorder):
    fake_rasa.stop()
    app = channels_app(RETRY_WORKER_THREAD=True, RETRY_MAX_BACKOFF_SECONDS=0.2)
    client = app.test_client()
    first = post_twilio(client, "/sms", sms("pothole on Main", "SM1")).get_data(as_text=True)
    assert "404-546-0311" in first
    second = post_twilio(client, "/sms", sms("it is large", "SM2")).get_data(as_text=True)
    assert "on its way" in second
    assert statuses(app) == ["pending", "pending"]
    fake_rasa.start()
    wait_for(lambda: statuses(app) == ["done", "done"], message="retried and delivered")
    assert [r["message"] for r in fake_rasa.received] == ["pothole on Main", "it is large"]
    bodies = [c.form["Body"][0] for c in api_recorder.calls("/Messages.json")]
    assert bodies == ["echo: pothole on Main", "echo: it is large"]


def test_an_empty_rasa_answer_is_retried_not_dropped(channels_app, fake_rasa, api_recorder):
    from channels.retry import run_once

    answers = iter([[], [{"text": "What is the address?"}]])
    fake_rasa.reply = lambda body: next(answers)
    app = channels_app()
    held = post_twilio(app.test_client(), "/sms", sms("pothole", "SM1")).get_data(as_text=True)
    assert "on its way" in held
    make_retries_due(app)
    wait_for(lambda: run_once(app))
    assert statuses(app) == ["done"]
    assert api_recorder.calls("/Messages.json")[0].form["Body"] == ["What is the address?"]
    assert [r["metadata"]["message_id"] for r in fake_rasa.received] == ["SM1", "SM1"]


def test_a_slow_turn_gets_a_holding_reply_and_the_late_answer_goes_out_by_api(
        channels_app, fake_rasa, api_recorder):
    fake_rasa.gate = threading.Event()
    app = channels_app(RASA_DEADLINE_SECONDS=0.3)
    client = app.test_client()
    update = {"update_id": 77, "message": {"message_id": 1, "date": 1764345600,
                                           "from": {"id": 9, "is_bot": False, "first_name": "A"},
                                           "chat": {"id": 9, "type": "private"}, "text": "hi"}}
    response = client.post("/telegram", json=update,
                           headers={"X-Telegram-Bot-Api-Secret-Token": "telegram-secret"})
    assert response.status_code == 200
    texts = lambda: [c.params["text"] for c in api_recorder.calls("/sendMessage")]  # noqa: E731
    assert texts() == ["Thanks, we have your message. Our reply is on its way."]
    fake_rasa.gate.set()
    wait_for(lambda: len(texts()) == 2, message="late reply sent")
    assert texts()[1] == "echo: hi"
    wait_for(lambda: statuses(app) == ["done"])
    assert len(fake_rasa.received) == 1


def test_a_failed_delivery_is_retried_without_asking_rasa_again(
        channels_app, fake_rasa, api_recorder):
    from channels.retry import run_once

    app = channels_app()
    api_recorder.fail_with = 502
    body = {"object": "page", "entry": [{"id": "P", "time": 1, "messaging": [
        {"sender": {"id": "55"}, "recipient": {"id": "P"}, "timestamp": 1,
         "message": {"mid": "m_9", "text": "hi"}}]}]}
    raw = json.dumps(body).encode()
    sig = "sha256=" + hmac.new(b"app-secret", raw, hashlib.sha256).hexdigest()
    app.test_client().post("/messenger", data=raw, content_type="application/json",
                           headers={"X-Hub-Signature-256": sig})
    # Answered in the background; wait until its failed delivery was given back.
    wait_for(lambda: (last_errors(app)[0] or "").startswith("delivery failed"),
             message="answered, delivery failed")
    assert statuses(app) == ["answered"]
    api_recorder.fail_with = None
    make_retries_due(app)
    wait_for(lambda: run_once(app))
    assert statuses(app) == ["done"]
    assert len(fake_rasa.received) == 1
