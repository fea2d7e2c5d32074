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
    """The channels app whose database has gone away after start-up."""
    app = channels_app()
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
