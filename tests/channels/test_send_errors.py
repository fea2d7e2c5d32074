"""Permanent and transient send failures, told apart, through ``POST /internal/send``.

A provider's refusal that no retry can fix (a Telegram user who blocked the
bot, Messenger outside its window, Twilio 21610/21614, a WhatsApp notice
outside the 24-hour window with no approved template) answers 422
``undeliverable`` and keeps the notice as dead with the reason; anything else
answers 502 and leaves nothing behind, so the notifier's retry sends it.
"""

from __future__ import annotations

import pytest

from channels import deliveries
from channels.errors import SendError
from channels.outbound import deliver
from tests.fixtures.channels import INTERNAL_AUTH

TWILIO_REFUSAL = {"code": 21610, "message": "Attempt to send to unsubscribed recipient",
                  "more_info": "https://www.twilio.com/docs/errors/21610", "status": 400}
PERMANENT = {
    "telegram blocked": ("telegram:424242", "/sendMessage", 403,
                         {"ok": False, "error_code": 403,
                          "description": "Forbidden: bot was blocked by the user"},
                         "telegram refused: the resident blocked the bot"),
    "messenger window": ("messenger:6783452211", "/me/messages", 400,
                         {"error": {"message": "(#10) outside of allowed window",
                                    "type": "OAuthException", "code": 10,
                                    "error_subcode": 2018278}},
                         "send api answered 400"),
    "messenger unavailable": ("messenger:6783452211", "/me/messages", 400,
                              {"error": {"message": "This person isn't available right now.",
                                         "type": "OAuthException", "code": 551,
                                         "error_subcode": 1545041}},
                              "send api answered 400"),
    "twilio 21610": ("sms:+14045550123", "/Messages.json", 400, TWILIO_REFUSAL,
                     "twilio error 21610"),
    "twilio 21614": ("sms:+14045550123", "/Messages.json", 400,
                     {**TWILIO_REFUSAL, "code": 21614}, "twilio error 21614"),
}
TRANSIENT = {
    "telegram 502": ("telegram:424242", "/sendMessage", 502,
                     {"ok": False, "error_code": 502, "description": "Bad Gateway"}),
    "messenger 500": ("messenger:6783452211", "/me/messages", 500,
                      {"error": {"message": "An unexpected error", "code": 2}}),
    "twilio 500": ("sms:+14045550123", "/Messages.json", 500,
                   {"code": 20500, "message": "Internal Server Error", "status": 500}),
}


def send(app, **body):
    return app.test_client().post("/internal/send", headers=INTERNAL_AUTH,
                                  json={"text": "Case 26000123 is closed.", **body})


@pytest.mark.parametrize("case", PERMANENT.values(), ids=PERMANENT.keys())
def test_a_refusal_for_good_answers_422_and_the_notice_is_dead_with_the_reason(
        channels_app, api_recorder, case):
    to, fragment, status, answer, reason = case
    api_recorder.answers[fragment] = (status, answer)
    internal = channels_app.internal(channels_app())
    response = send(internal, to=to, dedupe_key="outbox-1")
    assert response.status_code == 422
    assert response.get_json() == {"error": "undeliverable", "message": reason}
    [dead] = deliveries.dead_notices(internal)
    assert (dead.dedupe_key, dead.reason) == ("outbox-1", reason)


@pytest.mark.parametrize("case", TRANSIENT.values(), ids=TRANSIENT.keys())
def test_a_passing_failure_answers_502_and_keeps_nothing(channels_app, api_recorder, case):
    to, fragment, status, answer = case
    api_recorder.answers[fragment] = (status, answer)
    internal = channels_app.internal(channels_app())
    response = send(internal, to=to, dedupe_key="outbox-1")
    assert (response.status_code, response.get_json()["error"]) == (502, "send_failed")
    assert deliveries.dead_notices(internal) == []
    del api_recorder.answers[fragment]
    assert send(internal, to=to, dedupe_key="outbox-1").get_json().get("duplicate") is None


def test_the_send_error_itself_says_permanent(channels_app, api_recorder):
    api_recorder.answers["/sendMessage"] = (403, PERMANENT["telegram blocked"][3])
    app = channels_app()
    with pytest.raises(SendError) as failed:
        deliver(app, "telegram:424242", [{"text": "hello"}])
    assert failed.value.permanent is True


def test_a_whatsapp_notice_outside_the_window_without_a_template_is_undeliverable(
        channels_app, api_recorder):
    internal = channels_app.internal(channels_app())
    response = send(internal, to="whatsapp:+14045550123", case_number="26000123",
                    event="closed")
    assert response.status_code == 422
    assert response.get_json()["message"] == (
        "no approved WhatsApp template for 'closed' outside the 24-hour window")
    assert api_recorder.calls("/Messages.json") == []
