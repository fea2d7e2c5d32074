"""Residents' photos: copied from the provider into the real case store by the inbox worker.

The providers are the local recorder (``TWILIO_API_BASE_URL``,
``TELEGRAM_API_BASE_URL`` and ``MESSENGER_API_BASE_URL`` point at it, so it is
each provider's own host); the case store is the real app served over HTTP.
Rasa (the stand-in) receives ``media:<id>`` references, never a provider URL.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json

import pytest
import sqlalchemy as sa
from flask import Flask
from PIL import Image

from channels import media
from channels.store import InboxMessage, session
from tests.fixtures.casestore import new_case_body
from tests.fixtures.channels import TWILIO_SID, TWILIO_TOKEN, post_twilio, wait_for

MEDIA_PATH = f"/2010-04-01/Accounts/{TWILIO_SID}/Messages/MM1/Media/ME1"
TELEGRAM = {"X-Telegram-Bot-Api-Secret-Token": "telegram-secret"}


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 80, 160)).save(out, "JPEG")
    return out.getvalue()


def mms(media_url: str, sid: str = "SMmedia1") -> dict:
    return {"From": "+14045550123", "To": "+14045550000", "Body": "", "MessageSid": sid,
            "AccountSid": TWILIO_SID, "NumMedia": "1", "MediaUrl0": media_url,
            "MediaContentType0": "image/jpeg"}


@pytest.fixture
def app(channels_app, served_casestore):
    """The channels app with the real case store behind it."""
    return channels_app(CASESTORE_URL=served_casestore.url,
                        CASESTORE_SERVICE_TOKEN=served_casestore.token)


def rasa_media(fake_rasa, index: int = 0) -> list[str]:
    return fake_rasa.received[index]["metadata"].get("media_urls", [])


def stored_in_casestore(served_casestore, ref: str) -> bool:
    """True when a case can be filed with ``ref`` (the upload exists and is free)."""
    response = served_casestore.service.post("/api/v1/cases", json=new_case_body(
        media_urls=[ref]))
    return response.status_code == 201


def test_an_mms_photo_reaches_rasa_as_a_case_store_reference(app, fake_rasa, api_recorder,
                                                           served_casestore):
    api_recorder.answers[MEDIA_PATH] = (200, jpeg())
    post_twilio(app.test_client(), "/sms", mms(api_recorder.url + MEDIA_PATH))
    refs = rasa_media(fake_rasa)
    assert (len(refs), refs[0][:6], len(refs[0])) == (1, "media:", 38)
    assert stored_in_casestore(served_casestore, refs[0])


def test_twilio_media_is_fetched_with_the_account_credentials(app, fake_rasa, api_recorder):
    api_recorder.answers[MEDIA_PATH] = (200, jpeg())
    post_twilio(app.test_client(), "/sms", mms(api_recorder.url + MEDIA_PATH))
    fetched = api_recorder.calls(MEDIA_PATH)[0]
    expected = "Basic " + base64.b64encode(f"{TWILIO_SID}:{TWILIO_TOKEN}".encode()).decode()
    assert (fetched.method, fetched.headers["Authorization"]) == ("GET", expected)


def test_a_url_on_another_host_is_never_fetched_and_rasa_gets_no_photo(app, fake_rasa,
                                                                     api_recorder):
    elsewhere = api_recorder.url.replace("127.0.0.1", "localhost") + MEDIA_PATH
    post_twilio(app.test_client(), "/sms", mms(elsewhere))
    metadata = fake_rasa.received[0]["metadata"]
    assert api_recorder.calls(MEDIA_PATH) == []
    assert ("media_urls" in metadata, metadata["media_dropped"]) == (False, 1)


def test_a_redirect_off_the_providers_hosts_is_not_followed(app, fake_rasa, api_recorder):
    # Twilio's media answers with a redirect; only *.twiliocdn.com may be its target.
    target = api_recorder.url.replace("127.0.0.1", "localhost") + "/cdn/ME1.jpg"
    api_recorder.answers[MEDIA_PATH] = (307, target)
    post_twilio(app.test_client(), "/sms", mms(api_recorder.url + MEDIA_PATH))
    assert [c.path for c in api_recorder.requests if "/Media/" in c.path or "/cdn/" in c.path] \
        == [MEDIA_PATH]
    assert fake_rasa.received[0]["metadata"]["media_dropped"] == 1


def test_a_photo_over_the_size_cap_is_left_out(channels_app, fake_rasa, api_recorder,
                                               served_casestore):
    app = channels_app(CASESTORE_URL=served_casestore.url,
                       CASESTORE_SERVICE_TOKEN=served_casestore.token, MEDIA_MAX_BYTES=100)
    api_recorder.answers[MEDIA_PATH] = (200, jpeg())
    post_twilio(app.test_client(), "/sms", mms(api_recorder.url + MEDIA_PATH))
    assert (rasa_media(fake_rasa), fake_rasa.received[0]["metadata"]["media_dropped"]) == ([], 1)
    assert api_recorder.calls("/api/v1/media") == []


def test_a_file_that_is_not_an_image_is_left_out(app, fake_rasa, api_recorder):
    api_recorder.answers[MEDIA_PATH] = (200, b"<html>not a photo</html>")
    post_twilio(app.test_client(), "/sms", mms(api_recorder.url + MEDIA_PATH))
    assert fake_rasa.received[0]["metadata"]["media_dropped"] == 1


def test_with_the_case_store_down_the_message_waits_for_the_retry(channels_app, fake_rasa,
                                                                  api_recorder):
    app = channels_app(CASESTORE_URL="http://127.0.0.1:9")  # nothing listens there
    api_recorder.answers[MEDIA_PATH] = (200, jpeg())
    reply = post_twilio(app.test_client(), "/sms", mms(api_recorder.url + MEDIA_PATH))
    with session(app.extensions["channels"]["engine"]) as db:
        row = db.execute(sa.select(InboxMessage)).scalar_one()
    assert fake_rasa.received == []
    assert "Our reply is on its way" in reply.get_data(as_text=True)
    assert (row.status, row.attempts, row.meta["media_urls"]) == (
        "pending", 1, [api_recorder.url + MEDIA_PATH])


def test_a_telegram_photo_is_downloaded_through_get_file(app, fake_rasa, api_recorder,
                                                          served_casestore):
    api_recorder.answers["/file/bot"] = (200, jpeg())
    update = {"update_id": 9, "message": {
        "message_id": 9, "date": 1764345600, "caption": "here",
        "from": {"id": 5, "is_bot": False, "first_name": "Ada"},
        "chat": {"id": 5, "type": "private"},
        "photo": [{"file_id": "big-file", "file_unique_id": "b", "width": 800, "height": 600}]}}
    app.test_client().post("/telegram", json=update, headers=TELEGRAM)
    refs = rasa_media(fake_rasa)
    assert api_recorder.calls("/getFile")[0].params["file_id"] == "big-file"
    assert api_recorder.calls("/file/bot")[0].path == \
        "/file/bot123456:TEST-token/photos/file_1.jpg"
    assert stored_in_casestore(served_casestore, refs[0])


def test_a_messenger_image_is_copied_from_the_graph_host(app, fake_rasa, api_recorder):
    api_recorder.answers["/attachments/photo.jpg"] = (200, jpeg())
    body = {"object": "page", "entry": [{"id": "1", "time": 1, "messaging": [{
        "sender": {"id": "6783452211"}, "recipient": {"id": "1"}, "timestamp": 1,
        "message": {"mid": "m_media", "attachments": [{"type": "image", "payload": {
            "url": api_recorder.url + "/attachments/photo.jpg"}}]}}]}]}
    raw = json.dumps(body).encode()
    signature = "sha256=" + hmac.new(b"app-secret", raw, hashlib.sha256).hexdigest()
    app.test_client().post("/messenger", data=raw, content_type="application/json",
                           headers={"X-Hub-Signature-256": signature})
    wait_for(lambda: fake_rasa.received, message="the photo relayed")
    assert rasa_media(fake_rasa)[0].startswith("media:")


@pytest.mark.parametrize(("channel", "url", "redirect", "expected"), [
    ("sms", "https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1", False, True),
    ("sms", "http://api.twilio.com/2010-04-01/Media/ME1", False, False),
    ("sms", "https://media.twiliocdn.com/AC1/ME1", False, False),
    ("sms", "https://media.twiliocdn.com/AC1/ME1", True, True),
    ("whatsapp", "https://evil.example.com/api.twilio.com/ME1", False, False),
    ("sms", "https://api.twilio.com.evil.example.com/ME1", False, False),
    ("sms", "https://user:pw@api.twilio.com/ME1", False, False),
    ("messenger", "https://scontent.xx.fbcdn.net/v/photo.jpg", False, True),
    ("messenger", "https://cdn.fbsbx.com/v/photo.jpg", True, True),
    ("messenger", "https://fbcdn.net.example.com/photo.jpg", False, False),
    ("telegram", "https://api.telegram.org/file/botX/photo.jpg", False, False),
    ("webchat", "https://api.twilio.com/ME1", False, False),
])
def test_only_the_providers_own_hosts_are_allowed(channel, url, redirect, expected):
    app = Flask(__name__)  # the rule reads only the three base URLs of the settings
    app.config.update(TWILIO_API_BASE_URL="https://api.twilio.com",
                      MESSENGER_API_BASE_URL="https://graph.facebook.com",
                      TELEGRAM_API_BASE_URL="http://127.0.0.1:9")
    assert media.allowed(app, channel, url, redirect=redirect) is expected
