"""While the channels database is unreachable: no 500, each door answers its own way."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from channels.outage import RETRY_AFTER_SECONDS, SMS_TEXT
from tests.channels.test_sms import sms
from tests.channels.test_telegram import SECRET, text_update
from tests.channels.test_voice import CALL, XML
from tests.fixtures.channels import post_twilio

UNREACHABLE = "postgresql+psycopg2://nobody@127.0.0.1:1/none?connect_timeout=2"


@pytest.fixture
def down_app(channels_app):
    """The channels app whose database has gone away after start-up (and stays away:
    SMS and voice give up at once instead of riding the outage out)."""
    app = channels_app(DATABASE_RIDE_OUT_SECONDS=0.0)
    app.extensions["channels"]["engine"].dispose()
    app.extensions["channels"]["engine"] = sa.create_engine(UNREACHABLE)
    return app


def test_a_text_is_asked_to_be_sent_again_with_the_911_line(down_app, fake_rasa):
    response = post_twilio(down_app.test_client(), "/sms", sms("pothole on oak st"))
    assert response.status_code == 200
    assert response.get_data(as_text=True) == (
        f"{XML}<Response><Message>{SMS_TEXT}</Message></Response>")
    assert fake_rasa.received == []


def test_a_caller_hears_an_apology_with_the_311_number_and_911_then_goodbye(down_app):
    response = post_twilio(down_app.test_client(), "/voice/gather?turn=2",
                           {**CALL, "SpeechResult": "there is a pothole on oak street"})
    assert response.status_code == 200
    assert response.get_data(as_text=True) == (
        f"{XML}<Response><Say>Sorry, we cannot take your call just now. Please call back in a "
        "few minutes, or call 404-546-0311. If someone is in danger, hang up and dial 9 1 1. "
        "Goodbye.</Say><Hangup /></Response>")


def test_a_web_chat_message_gets_503_with_retry_after_so_the_widget_resends(down_app):
    response = down_app.test_client().post(
        "/webchat/messages", json={"session_id": "A" * 22, "text": "hello", "message_id": "m1"})
    assert response.status_code == 503
    assert response.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert response.get_json()["error"] == "unavailable"


def test_a_telegram_update_gets_503_so_telegram_delivers_it_again(down_app, api_recorder):
    response = down_app.test_client().post("/telegram", json=text_update(7001, "hello"),
                                           headers=SECRET)
    assert response.status_code == 503
    assert api_recorder.calls("/sendMessage") == []


def _unreachable_once(monkeypatch) -> list[str]:
    """The inbox's first write finds the database gone, the next one finds it back."""
    from channels import inbox

    failures: list[str] = []
    real_store = inbox.store

    def store(incoming, app=None):
        if not failures:
            failures.append(incoming.provider_id)
            raise sa.exc.OperationalError("INSERT INTO inbox_messages", {},
                                          ConnectionRefusedError("connection refused"))
        return real_store(incoming, app)

    monkeypatch.setattr(inbox, "store", store)
    return failures


def test_a_text_sent_while_the_database_blinks_is_stored_and_answered(channels_app, fake_rasa,
                                                                       monkeypatch):
    app = channels_app()
    failures = _unreachable_once(monkeypatch)
    response = post_twilio(app.test_client(), "/sms", sms("pothole on oak st"))
    assert len(failures) == 1
    assert response.status_code == 200 and SMS_TEXT not in response.get_data(as_text=True)
    assert [m["message"] for m in fake_rasa.received] == ["pothole on oak st"]


def test_a_callers_words_while_the_database_blinks_reach_the_assistant(channels_app, fake_rasa,
                                                                       monkeypatch):
    app = channels_app()
    failures = _unreachable_once(monkeypatch)
    response = post_twilio(app.test_client(), "/voice/gather?turn=2",
                           {**CALL, "SpeechResult": "there is a pothole on oak street"})
    assert len(failures) == 1
    assert response.status_code == 200 and "cannot take your call" not in response.get_data(
        as_text=True)
    assert [m["message"] for m in fake_rasa.received] == ["there is a pothole on oak street"]


def test_web_chat_does_not_wait_it_resends_on_its_own(channels_app, monkeypatch):
    app = channels_app()
    failures = _unreachable_once(monkeypatch)
    response = app.test_client().post("/webchat/messages", json={
        "session_id": "s" * 32, "message_id": "m1", "text": "pothole on oak st"})
    assert len(failures) == 1
    assert response.status_code == 503 and response.headers["Retry-After"] == str(
        RETRY_AFTER_SECONDS)
