"""Case notices through POST /internal/send, and the resident's replies to them."""

from __future__ import annotations

from tests.fixtures.channels import INTERNAL_AUTH as AUTH
from tests.fixtures.channels import post_twilio

PHONE = "+14045550123"


def sms(body: str, sid: str) -> dict:
    return {"From": PHONE, "To": "+14045550000", "Body": body, "MessageSid": sid,
            "NumMedia": "0"}


def notify(client, **body):
    return client.post("/internal/send", json={"to": f"sms:{PHONE}", **body}, headers=AUTH)


def two_clients(channels_app):
    """The public app's client (webhooks) and the internal app's (/internal/send)."""
    app = channels_app()
    return app.test_client(), channels_app.internal(app).test_client()


def test_a_notice_goes_out_through_twilios_messages_api(channels_app, api_recorder):
    response = notify(channels_app.internal(channels_app()).test_client(),
                      text="Case 26000123 was opened.",
                      case_number="26000123", event="opened")
    assert response.status_code == 200
    call = api_recorder.calls("/Messages.json")[0]
    assert call.path == f"/2010-04-01/Accounts/AC{'0' * 32}/Messages.json"
    assert call.form == {"To": [PHONE], "From": ["+14045550000"],
                         "Body": ["Case 26000123 was opened."],
                         "StatusCallback": ["https://atl311.example.org/sms/status"]}


def test_a_notice_to_telegram_and_messenger_uses_their_apis(channels_app, api_recorder):
    client = channels_app.internal(channels_app()).test_client()
    assert client.post("/internal/send", json={"to": "telegram:424242", "text": "Closed."},
                       headers=AUTH).status_code == 200
    assert client.post("/internal/send", json={"to": "messenger:6783452211", "text": "Closed."},
                       headers=AUTH).status_code == 200
    assert api_recorder.calls("/sendMessage")[0].params["text"] == "Closed."
    assert api_recorder.calls("/me/messages")[0].json["recipient"] == {"id": "6783452211"}


def test_a_case_notice_to_messenger_is_tagged_for_outside_the_24_hour_window(channels_app,
                                                                          api_recorder):
    client = channels_app.internal(channels_app()).test_client()
    response = client.post("/internal/send", headers=AUTH, json={
        "to": "messenger:6783452211", "text": "Case 26000123 is closed.",
        "case_number": "26000123", "event": "closed"})
    assert response.status_code == 200
    call = api_recorder.calls("/me/messages")[0].json
    assert call["messaging_type"] == "MESSAGE_TAG"
    assert call["tag"] == "ACCOUNT_UPDATE"


def test_internal_send_needs_the_internal_token_and_a_valid_body(channels_app, api_recorder):
    client = channels_app.internal(channels_app()).test_client()
    unsigned = client.post("/internal/send", json={"to": f"sms:{PHONE}", "text": "x"})
    assert unsigned.status_code == 401
    assert notify(client, text="").status_code == 422
    assert client.post("/internal/send", json={"to": "fax:123", "text": "x"},
                       headers=AUTH).status_code == 422
    assert api_recorder.calls("/Messages.json") == []


def test_a_provider_failure_answers_502_so_the_notifier_retries(channels_app, api_recorder):
    api_recorder.fail_with = 500
    assert notify(channels_app.internal(channels_app()).test_client(),
                  text="Opened.").status_code == 502


def test_no_after_a_closed_notice_reopens_the_case(channels_app, fake_rasa, api_recorder):
    client, internal = two_clients(channels_app)
    notify(internal, text="Case 26000123 was closed: fixed. Is it fixed? Reply YES or NO",
           case_number="26000123", event="closed")
    reply = post_twilio(client, "/sms", sms("No, the hole is still there", "SM1"))
    assert "reopened case 26000123" in reply.get_data(as_text=True)
    call = api_recorder.calls("/api/v1/cases/26000123/activities")[0]
    assert call.json == {"kind": "reopened", "note": "the hole is still there", "public": False,
                         "channel_address": f"sms:{PHONE}"}
    assert call.headers["Idempotency-Key"] == "channels:sms:SM1"
    assert fake_rasa.received == []
    post_twilio(client, "/sms", sms("no", "SM2"))
    assert fake_rasa.received[-1]["message"] == "no"  # the notice was answered already


def test_yes_after_a_closed_notice_thanks_and_reopens_nothing(channels_app, fake_rasa,
                                                               api_recorder):
    client, internal = two_clients(channels_app)
    notify(internal, text="Is it fixed? Reply YES or NO", case_number="26000123", event="closed")
    reply = post_twilio(client, "/sms", sms("yes", "SM1")).get_data(as_text=True)
    assert "Thank you for confirming" in reply
    assert api_recorder.calls("/activities") == []


def test_a_reply_to_an_information_request_lands_on_the_case(channels_app, fake_rasa,
                                                              api_recorder):
    client, internal = two_clients(channels_app)
    notify(internal, text="Which side of the street?", case_number="26000123",
           event="info_requested")
    api_recorder.answers["/media/ME1"] = (200, b"photo bytes")  # the recorder is Twilio too
    api_recorder.answers["/api/v1/media"] = (201, {"id": "p" * 32, "ref": "media:" + "p" * 32})
    post_twilio(client, "/sms", {**sms("North side, by the bus stop", "SM1"), "NumMedia": "1",
                                 "MediaUrl0": api_recorder.url + "/media/ME1"})
    call = api_recorder.calls("/api/v1/cases/26000123/activities")[0]
    assert call.json["kind"] == "info_added"
    assert call.json["note"] == "North side, by the bus stop"
    assert call.json["media_urls"] == ["media:" + "p" * 32]  # the case store's copy
    assert fake_rasa.received == []
