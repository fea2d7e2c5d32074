"""Notices that reach people on real carriers.

A Twilio Messaging Service instead of a single number, approved WhatsApp
templates outside the 24-hour window, Twilio's signed status callback deciding
when a notice counts as delivered (or dead, with its error code), and the
Messenger Graph API version as a setting. Twilio's API is the recorder;
callbacks are signed with twilio's own RequestValidator.
"""

from __future__ import annotations

import json

import sqlalchemy as sa

from channels.deliveries import NoticeDelivery
from channels.store import session
from tests.fixtures.channels import INTERNAL_AUTH, post_twilio

SID = "SM" + "1" * 32  # what the recorder answers for every message
SERVICE_SID = "MG" + "2" * 32
PHONE = "+14045550123"


def notify(internal, **body):
    return internal.test_client().post("/internal/send", headers=INTERNAL_AUTH, json={
        "to": f"sms:{PHONE}", "text": "Case 26000123 is closed. Is it fixed? Reply YES or NO",
        "case_number": "26000123", "event": "closed", "dedupe_key": "outbox-9", **body})


def delivery(app) -> tuple[str, str | None]:
    with session(app.extensions["channels"]["engine"]) as db:
        row = db.execute(sa.select(NoticeDelivery)).scalar_one()
        return row.status, row.reason


def status(client, message_status: str, error_code: str = ""):
    params = {"MessageSid": SID, "MessageStatus": message_status, "AccountSid": "AC" + "0" * 32,
              "To": PHONE, "From": "+14045550000"}
    if error_code:
        params["ErrorCode"] = error_code
    return post_twilio(client, "/sms/status", params)


def test_with_a_messaging_service_sid_notices_go_through_the_service(channels_app,
                                                                      api_recorder):
    internal = channels_app.internal(channels_app(TWILIO_MESSAGING_SERVICE_SID=SERVICE_SID))
    assert notify(internal).status_code == 200
    form = api_recorder.calls("/Messages.json")[0].form
    assert form["MessagingServiceSid"] == [SERVICE_SID]
    assert "From" not in form


def test_a_whatsapp_notice_inside_the_window_goes_as_free_text(channels_app, api_recorder):
    public = channels_app()
    post_twilio(public.test_client(), "/sms", {"From": f"whatsapp:{PHONE}", "To": "+14045550000",
                                               "Body": "pothole", "MessageSid": "SMwa1",
                                               "NumMedia": "0"})
    assert notify(channels_app.internal(public), to=f"whatsapp:{PHONE}").status_code == 200
    form = api_recorder.calls("/Messages.json")[-1].form
    assert (form["To"], form["From"]) == ([f"whatsapp:{PHONE}"], ["whatsapp:+14045550000"])
    assert form["Body"] == ["Case 26000123 is closed. Is it fixed? Reply YES or NO"]


def test_a_whatsapp_notice_outside_the_window_goes_as_the_kinds_approved_template(
        channels_app, api_recorder):
    templates = {"closed": {"content_sid": "HX" + "3" * 32,
                            "variables": {"1": "{case_number}"}}}
    internal = channels_app.internal(channels_app(
        TWILIO_WHATSAPP_TEMPLATES=json.dumps(templates)))
    assert notify(internal, to=f"whatsapp:{PHONE}").status_code == 200
    form = api_recorder.calls("/Messages.json")[0].form
    assert form["ContentSid"] == ["HX" + "3" * 32]
    assert json.loads(form["ContentVariables"][0]) == {"1": "26000123"}
    assert "Body" not in form


def test_a_notice_counts_as_delivered_only_when_twilio_says_so(channels_app, api_recorder):
    public = channels_app()
    internal = channels_app.internal(public)
    assert notify(internal).status_code == 200
    assert delivery(public) == ("sent", None)
    assert status(public.test_client(), "sent").status_code == 204
    assert delivery(public) == ("sent", None)
    assert status(public.test_client(), "delivered").status_code == 204
    assert delivery(public) == ("delivered", None)


def test_an_undelivered_notice_is_dead_with_twilios_error_code(channels_app, api_recorder):
    public = channels_app()
    notify(channels_app.internal(public))
    assert status(public.test_client(), "undelivered", "30003").status_code == 204
    assert delivery(public) == ("dead", "twilio undelivered (error 30003)")


def test_a_late_sent_callback_does_not_undo_delivered(channels_app, api_recorder):
    public = channels_app()
    notify(channels_app.internal(public))
    status(public.test_client(), "delivered")
    status(public.test_client(), "sent")
    assert delivery(public) == ("delivered", None)


def test_an_unsigned_status_callback_is_refused_and_changes_nothing(channels_app,
                                                                    api_recorder):
    public = channels_app()
    notify(channels_app.internal(public))
    forged = public.test_client().post("/sms/status", data={
        "MessageSid": SID, "MessageStatus": "failed", "ErrorCode": "30008"})
    assert forged.status_code == 403
    assert delivery(public) == ("sent", None)


def test_a_status_callback_with_a_malformed_sid_is_a_400(channels_app):
    client = channels_app().test_client()
    response = post_twilio(client, "/sms/status", {"MessageSid": "SM²", "MessageStatus": "sent"})
    assert response.status_code == 400


def test_messenger_calls_name_the_configured_graph_version(channels_app, api_recorder):
    internal = channels_app.internal(channels_app(MESSENGER_GRAPH_VERSION="v26.0"))
    assert notify(internal, to="messenger:6783452211").status_code == 200
    assert api_recorder.calls("/me/messages")[0].path == "/v26.0/me/messages"
