"""Messenger webhook: handshake, X-Hub-Signature-256, events as Facebook sends them."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading

import sqlalchemy as sa

from channels.retry import run_once
from channels.store import InboxMessage, session
from tests.fixtures.channels import wait_for

PSID = "6783452211"


APP_SECRET = "app-secret"


def signed(client, body: dict, secret: str = APP_SECRET):
    raw = json.dumps(body).encode()
    signature = "sha256=" + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    return client.post("/messenger", data=raw, content_type="application/json",
                       headers={"X-Hub-Signature-256": signature})


def event(message: dict) -> dict:
    return {"object": "page", "entry": [{"id": "PAGE1", "time": 1764345600000, "messaging": [
        {"sender": {"id": PSID}, "recipient": {"id": "PAGE1"}, "timestamp": 1764345600000,
         "message": message}]}]}


def test_the_verify_handshake_echoes_the_challenge(channels_app):
    client = channels_app().test_client()
    ok = client.get("/messenger?hub.mode=subscribe&hub.verify_token=verify-token"
                    "&hub.challenge=1158201444")
    assert ok.status_code == 200 and ok.get_data(as_text=True) == "1158201444"
    bad = client.get("/messenger?hub.mode=subscribe&hub.verify_token=no&hub.challenge=1")
    assert bad.status_code == 403


def test_a_message_is_answered_with_quick_replies(channels_app, fake_rasa, api_recorder):
    fake_rasa.reply = lambda body: [{"text": "Is it large?", "buttons": [
        {"title": "Yes", "payload": "/affirm"}]}]
    response = signed(channels_app().test_client(), event({"mid": "m_1", "text": "pothole"}))
    assert response.status_code == 200
    wait_for(lambda: api_recorder.calls("/me/messages"), message="the answer sent")
    assert fake_rasa.received[0]["sender"] == f"messenger:{PSID}"
    assert fake_rasa.received[0]["metadata"]["message_id"] == "m_1"
    call = api_recorder.calls("/me/messages")[0]
    assert call.query["access_token"] == ["page-token"]
    assert call.json == {"recipient": {"id": PSID}, "messaging_type": "RESPONSE", "message": {
        "text": "Is it large?",
        "quick_replies": [{"content_type": "text", "title": "Yes", "payload": "/affirm"}]}}


def test_a_quick_reply_sends_its_payload(channels_app, fake_rasa, api_recorder):
    fake_rasa.reply = lambda body: [{"text": "Large?", "buttons": [
        {"title": "Yes", "payload": "/affirm"}]}]
    client = channels_app().test_client()
    signed(client, event({"mid": "m_1", "text": "pothole"}))
    wait_for(lambda: api_recorder.calls("/me/messages"), message="the buttons offered")
    signed(client, event({"mid": "m_2", "text": "Yes", "quick_reply": {"payload": "/affirm"}}))
    wait_for(lambda: len(fake_rasa.received) == 2, message="the payload relayed")
    assert fake_rasa.received[-1]["message"] == "/affirm"


def test_location_and_image_attachments_travel_as_metadata(channels_app, fake_rasa,
                                                          api_recorder):
    # The recorder is the Graph host (MESSENGER_API_BASE_URL) and the case store here.
    api_recorder.answers["/v/photo.jpg"] = (200, b"photo bytes")
    api_recorder.answers["/api/v1/media"] = (201, {"id": "p" * 32, "ref": "media:" + "p" * 32})
    client = channels_app().test_client()
    signed(client, event({"mid": "m_3", "attachments": [
        {"type": "location", "payload": {"coordinates": {"lat": 33.749, "long": -84.388}}}]}))
    wait_for(lambda: len(fake_rasa.received) == 1, message="the location relayed")
    signed(client, event({"mid": "m_4", "attachments": [
        {"type": "image", "payload": {"url": api_recorder.url + "/v/photo.jpg"}}]}))
    wait_for(lambda: len(fake_rasa.received) == 2, message="both relayed")
    assert fake_rasa.received[0]["metadata"]["location"] == {"lat": 33.749, "long": -84.388}
    assert fake_rasa.received[1]["metadata"]["media_urls"] == ["media:" + "p" * 32]


def test_a_bad_signature_gets_403_and_reaches_nothing(channels_app, fake_rasa, api_recorder):
    client = channels_app().test_client()
    assert signed(client, event({"mid": "m_5", "text": "hi"}), secret="wrong").status_code == 403
    assert client.post("/messenger", json=event({"mid": "m_5", "text": "hi"})).status_code == 403
    assert fake_rasa.received == [] and api_recorder.calls("/me/messages") == []


def test_a_redelivered_mid_is_processed_once(channels_app, fake_rasa, api_recorder):
    client = channels_app().test_client()
    signed(client, event({"mid": "m_6", "text": "hi"}))
    wait_for(lambda: api_recorder.calls("/me/messages"), message="the first answer sent")
    assert signed(client, event({"mid": "m_6", "text": "hi"})).status_code == 200
    assert len(fake_rasa.received) == 1
    assert len(api_recorder.calls("/me/messages")) == 1


def test_echoes_and_malformed_events_are_ignored_cleanly(channels_app, fake_rasa):
    client = channels_app().test_client()
    assert signed(client, event({"mid": "m_7", "text": "hi", "is_echo": True})).status_code == 200
    assert signed(client, {"object": "page", "entry": [{"messaging": ["x", 3]}]}).status_code == 200
    assert signed(client, {"entry": "nope"}).status_code == 400
    raw = b"{broken"
    signature = "sha256=" + hmac.new(b"app-secret", raw, hashlib.sha256).hexdigest()
    assert client.post("/messenger", data=raw, content_type="application/json",
                       headers={"X-Hub-Signature-256": signature}).status_code == 400
    assert fake_rasa.received == []


def test_an_oversized_event_gets_413(channels_app, fake_rasa):
    response = signed(channels_app().test_client(), event({"mid": "m_8", "text": "x" * 70000}))
    assert response.status_code == 413
    assert fake_rasa.received == []


def test_a_batch_is_stored_whole_before_anything_is_answered(channels_app, fake_rasa,
                                                             api_recorder):
    fake_rasa.gate = threading.Event()  # the assistant holds every turn until released
    app = channels_app()
    batch = {"object": "page", "entry": [
        {"id": "PAGE1", "time": 1, "messaging": [
            {"sender": {"id": "101"}, "recipient": {"id": "PAGE1"}, "timestamp": 1,
             "message": {"mid": "m_a1", "text": "first"}},
            {"sender": {"id": "101"}, "recipient": {"id": "PAGE1"}, "timestamp": 2,
             "message": {"mid": "m_a2", "text": "second"}}]},
        {"id": "PAGE1", "time": 2, "messaging": [
            {"sender": {"id": "202"}, "recipient": {"id": "PAGE1"}, "timestamp": 3,
             "message": {"mid": "m_b1", "text": "other"}}]}]}
    assert signed(app.test_client(), batch).status_code == 200

    def stored() -> list[tuple[str, str]]:
        with session(app.extensions["channels"]["engine"]) as db:
            return [tuple(r) for r in db.execute(
                sa.select(InboxMessage.provider_id, InboxMessage.status)
                .order_by(InboxMessage.id))]

    assert [mid for mid, _ in stored()] == ["m_a1", "m_a2", "m_b1"]
    fake_rasa.gate.set()
    # The sender's second message waits for its first; the retry worker takes it then.
    wait_for(lambda: run_once(app) >= 0 and [s for _, s in stored()] == ["done"] * 3,
             message="all answered")
    first_sender = [r["message"] for r in fake_rasa.received if r["sender"] == "messenger:101"]
    assert first_sender == ["first", "second"]
