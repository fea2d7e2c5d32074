"""SMS, MMS and WhatsApp over Twilio: TwiML answers, signatures, options, keywords."""

from __future__ import annotations

import sqlalchemy as sa

from channels.store import InboxMessage, session
from tests.fixtures.channels import INTERNAL_AUTH, post_twilio, twilio_signature

XML = '<?xml version="1.0" encoding="UTF-8"?>'
BUTTONS = [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]


def sms(body: str, sid: str = "SM0001", sender: str = "+14045550123", **extra: str) -> dict:
    return {"From": sender, "To": "+14045550000", "Body": body, "MessageSid": sid,
            "AccountSid": "AC" + "0" * 32, "NumMedia": "0", **extra}


def inbox_count(app) -> int:
    with session(app.extensions["channels"]["engine"]) as db:
        return db.execute(sa.select(sa.func.count(InboxMessage.id))).scalar_one()


def test_a_text_is_answered_with_exact_twiml(channels_app, fake_rasa):
    fake_rasa.reply = lambda body: [{"text": "What is the address?"}]
    response = post_twilio(channels_app().test_client(), "/sms", sms("pothole"))
    assert response.status_code == 200
    assert response.mimetype == "text/xml"
    assert response.get_data(as_text=True) == (
        f"{XML}<Response><Message><Body>What is the address?</Body></Message></Response>")
    assert fake_rasa.received[0]["sender"] == "sms:+14045550123"
    assert fake_rasa.received[0]["metadata"]["message_id"] == "SM0001"


def test_buttons_become_numbered_options_and_a_digit_picks_one(channels_app, fake_rasa):
    fake_rasa.reply = lambda body: [{"text": "In a travel lane?", "buttons": BUTTONS}]
    client = channels_app().test_client()
    first = post_twilio(client, "/sms", sms("pothole"))
    assert first.get_data(as_text=True) == (
        f"{XML}<Response><Message><Body>In a travel lane?\n\nReply 1 for Yes\nReply 2 for No"
        "</Body></Message></Response>")
    post_twilio(client, "/sms", sms("2", sid="SM0002"))
    assert fake_rasa.received[-1]["message"] == "/deny"


def test_a_long_reply_is_split_into_several_messages(channels_app, fake_rasa):
    fake_rasa.reply = lambda body: [{"text": "This is one sentence of the reply. " * 40}]
    body = post_twilio(channels_app().test_client(), "/sms", sms("hi")).get_data(as_text=True)
    assert body.count("<Message>") == 3


def test_a_photo_travels_to_rasa_as_its_case_store_copy(channels_app, fake_rasa, api_recorder):
    # The recorder is Twilio (TWILIO_API_BASE_URL) and the case store here (channels/media.py).
    path = "/2010-04-01/Accounts/AC0/Messages/MM1/Media/ME1"
    api_recorder.answers[path] = (200, b"photo bytes")
    api_recorder.answers["/api/v1/media"] = (201, {"id": "p" * 32, "ref": "media:" + "p" * 32})
    post_twilio(channels_app().test_client(), "/sms", sms(
        "", NumMedia="1", MediaUrl0=api_recorder.url + path, MediaContentType0="image/jpeg"))
    assert fake_rasa.received[0]["metadata"]["media_urls"] == ["media:" + "p" * 32]
    assert fake_rasa.received[0]["message"] == "photo"


def test_whatsapp_numbers_work_the_same_way(channels_app, fake_rasa):
    response = post_twilio(channels_app().test_client(), "/sms",
                           sms("hello", sender="whatsapp:+14045550123"))
    assert response.status_code == 200
    assert fake_rasa.received[0]["sender"] == "whatsapp:+14045550123"
    assert fake_rasa.received[0]["metadata"]["channel"] == "whatsapp"


def test_a_forged_signature_gets_403_and_stores_nothing(channels_app, fake_rasa):
    app = channels_app()
    client = app.test_client()
    params = sms("hello")
    forged = twilio_signature("/sms", params, token="not-the-token")
    assert post_twilio(client, "/sms", params, signature=forged).status_code == 403
    assert post_twilio(client, "/sms", params, signature="").status_code == 403
    tampered = twilio_signature("/sms", params)
    assert client.post("/sms", data={**params, "Body": "changed"},
                       headers={"X-Twilio-Signature": tampered}).status_code == 403
    assert inbox_count(app) == 0
    assert fake_rasa.received == []


def test_a_redelivered_message_sid_is_processed_once(channels_app, fake_rasa):
    app = channels_app()
    client = app.test_client()
    post_twilio(client, "/sms", sms("hello"))
    again = post_twilio(client, "/sms", sms("hello"))
    assert again.status_code == 200
    assert len(fake_rasa.received) == 1
    assert inbox_count(app) == 1


def test_help_explains_the_service_and_the_phone_number(channels_app, fake_rasa):
    body = post_twilio(channels_app().test_client(), "/sms", sms("HELP")).get_data(as_text=True)
    assert "404-546-0311" in body and "report" in body
    assert fake_rasa.received == []


def test_stop_silences_the_number_until_start(channels_app, fake_rasa, api_recorder):
    client = channels_app(TWILIO_OPT_OUT_HANDLING="app").test_client()
    stop = post_twilio(client, "/sms", sms("STOP")).get_data(as_text=True)
    assert "START" in stop
    opt_outs = api_recorder.calls("/api/v1/opt-outs")
    assert opt_outs[0].json == {"channel_address": "sms:+14045550123"}
    assert opt_outs[0].headers["Authorization"] == "Bearer service-token"
    quiet = post_twilio(client, "/sms", sms("pothole", sid="SM0002")).get_data(as_text=True)
    assert quiet == f"{XML}<Response />"
    assert fake_rasa.received == []
    internal = channels_app.internal(client.application).test_client()
    notice = internal.post("/internal/send", json={"to": "sms:+14045550123",
                                                   "text": "Case opened"}, headers=INTERNAL_AUTH)
    assert notice.status_code == 409
    post_twilio(client, "/sms", sms("START", sid="SM0003"))
    start = api_recorder.calls("/api/v1/opt-outs")[-1]
    assert (start.method, start.path) == ("DELETE", "/api/v1/opt-outs")
    assert start.json == {"channel_address": "sms:+14045550123"}  # in the body, not the URL
    post_twilio(client, "/sms", sms("pothole", sid="SM0004"))
    assert fake_rasa.received[-1]["message"] == "pothole"


def test_a_message_without_sid_is_refused(channels_app, fake_rasa):
    params = {"From": "+14045550123", "Body": "hi"}
    assert post_twilio(channels_app().test_client(), "/sms", params).status_code == 400
    assert fake_rasa.received == []


def test_an_oversized_form_gets_413_and_stores_nothing(channels_app, fake_rasa):
    app = channels_app()
    params = sms("x" * 70000)
    assert post_twilio(app.test_client(), "/sms", params).status_code == 413
    assert inbox_count(app) == 0


def test_with_twilios_opt_out_handling_stop_is_recorded_and_answered_by_twilio_alone(
        channels_app, fake_rasa, api_recorder):
    app = channels_app(TWILIO_OPT_OUT_HANDLING="twilio")
    client = app.test_client()
    stop = post_twilio(client, "/sms", sms("STOP"))
    assert stop.get_data(as_text=True) == f"{XML}<Response />"
    assert api_recorder.calls("/api/v1/opt-outs")[0].json == {
        "channel_address": "sms:+14045550123"}
    quiet = post_twilio(client, "/sms", sms("pothole", sid="SM0002")).get_data(as_text=True)
    assert quiet == f"{XML}<Response />"
    start = post_twilio(client, "/sms", sms("START", sid="SM0003")).get_data(as_text=True)
    assert start == f"{XML}<Response />"
    post_twilio(client, "/sms", sms("pothole", sid="SM0004"))
    assert [r["message"] for r in fake_rasa.received] == ["pothole"]
    assert api_recorder.calls("/Messages.json") == []


def test_with_the_apps_opt_out_handling_stop_is_confirmed_by_the_app(channels_app, fake_rasa):
    client = channels_app(TWILIO_OPT_OUT_HANDLING="app").test_client()
    stop = post_twilio(client, "/sms", sms("STOP")).get_data(as_text=True)
    assert stop == (
        f"{XML}<Response><Message><Body>You are unsubscribed and will get no more messages "
        "from Atlanta 311, case updates included. Reply START to subscribe again.</Body>"
        "</Message></Response>")
    start = post_twilio(client, "/sms", sms("START", sid="SM0002")).get_data(as_text=True)
    assert start == (
        f"{XML}<Response><Message><Body>You are subscribed again to Atlanta 311 messages. "
        "How can we help?</Body></Message></Response>")


def test_whatsapp_gets_the_apps_confirmation_whatever_the_setting(channels_app, fake_rasa):
    client = channels_app(TWILIO_OPT_OUT_HANDLING="twilio").test_client()
    stop = post_twilio(client, "/sms", sms("STOP", sender="whatsapp:+14045550123"))
    assert "Reply START to subscribe again." in stop.get_data(as_text=True)


def test_a_unicode_digit_reply_is_text_not_an_option(channels_app, fake_rasa):
    fake_rasa.reply = lambda body: [{"text": "In a travel lane?", "buttons": BUTTONS}]
    client = channels_app().test_client()
    post_twilio(client, "/sms", sms("pothole"))
    for n, body in enumerate(("²", "①"), 2):
        response = post_twilio(client, "/sms", sms(body, sid=f"SM000{n}"))
        assert response.status_code == 200
    assert [r["message"] for r in fake_rasa.received] == ["pothole", "²", "①"]
