"""Facebook Messenger: ``GET /messenger`` verifies, ``POST /messenger`` takes page events.

Events must carry ``X-Hub-Signature-256`` (HMAC-SHA256 of the raw body with
MESSENGER_APP_SECRET, compared in constant time). Buttons go out as quick
replies; a quick reply or postback comes back as its payload; location and
image attachments travel as ``location`` and ``media_urls`` metadata. Replies
go out through the Send API. A batch is stored first, every event of it, and
the webhook answers at once; the messages are answered in the background (in
order per sender), so a long batch never runs past Meta's 20-second limit.
The channel is off (404) until MESSENGER_PAGE_TOKEN, MESSENGER_APP_SECRET and
MESSENGER_VERIFY_TOKEN are set.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Any

from flask import Blueprint, Response, abort, current_app, request

from channels import senders
from channels.channel_address import make
from channels.inbox import Incoming, store
from channels.intake import clean_text, coordinates
from channels.rasa_client import neutralise
from channels.retry import process_now

bp = Blueprint("messenger", __name__, url_prefix="/messenger")
_PSID = re.compile(r"^[0-9]{1,40}$")  # page-scoped ids are digits


def _enabled() -> None:
    config = current_app.config
    if not (config["MESSENGER_PAGE_TOKEN"] and config["MESSENGER_APP_SECRET"]
            and config["MESSENGER_VERIFY_TOKEN"]):
        abort(404)


@bp.get("")
def verify():  # noqa: ANN201
    """The subscription handshake: echo hub.challenge when the verify token matches."""
    _enabled()
    args = request.args
    token = args.get("hub.verify_token", "")
    expected = current_app.config["MESSENGER_VERIFY_TOKEN"]
    if args.get("hub.mode") != "subscribe" or not hmac.compare_digest(
        token.encode(), expected.encode()
    ):
        abort(403)
    return Response(args.get("hub.challenge", ""), mimetype="text/plain")


def _signature_valid(raw: bytes) -> bool:
    given = request.headers.get("X-Hub-Signature-256", "")
    secret = current_app.config["MESSENGER_APP_SECRET"].encode()
    expected = "sha256=" + hmac.new(secret, raw, hashlib.sha256).hexdigest()
    return hmac.compare_digest(given.encode(), expected.encode())


def _incoming(event: dict[str, Any]) -> Incoming | None:
    """The resident's message in one messaging event, or None (echoes, reads, deliveries…)."""
    sender = event.get("sender")
    psid = str(sender.get("id") or "") if isinstance(sender, dict) else ""
    message, postback = event.get("message"), event.get("postback")
    if not _PSID.match(psid) or not isinstance(message or postback, dict):
        return None
    address = make("messenger", psid)
    offered = senders.offered_buttons(current_app, address)

    def from_payload(payload: str, title: str, mid: str) -> Incoming:
        payload, title = clean_text(payload, 1000), clean_text(title, 1000)
        button = next((b for b in offered if b["payload"] == payload), None)
        text = button["payload"] if button else neutralise(title or payload)
        return Incoming("messenger", clean_text(mid, 200), address, text, title or text)

    if isinstance(postback, dict):
        mid = str(postback.get("mid") or f"postback:{psid}:{event.get('timestamp')}")
        return from_payload(str(postback.get("payload", "")), str(postback.get("title", "")), mid)
    if message.get("is_echo") or not message.get("mid"):
        return None
    mid = str(message["mid"])
    if isinstance(message.get("quick_reply"), dict):
        return from_payload(str(message["quick_reply"].get("payload", "")),
                            str(message.get("text", "")), mid)
    metadata: dict[str, Any] = {}
    text = clean_text(str(message.get("text") or ""))
    attachments = message.get("attachments")
    for attachment in attachments if isinstance(attachments, list) else []:
        if not isinstance(attachment, dict):
            continue
        payload = attachment.get("payload")
        if not isinstance(payload, dict):
            continue
        if attachment.get("type") == "location" and isinstance(payload.get("coordinates"), dict):
            place = payload["coordinates"]
            location = coordinates(place.get("lat"), place.get("long"))
            if location is None:
                continue
            metadata["location"] = location
            text = text or "my location"
        elif attachment.get("type") == "image" and isinstance(payload.get("url"), str):
            metadata.setdefault("media_urls", []).append(clean_text(payload["url"], 1000))
            text = text or "photo"
    text = neutralise(text)
    if not text:
        return None
    return Incoming("messenger", clean_text(mid, 200), address, text,
                    clean_text(str(message.get("text") or "")) or text, metadata)


@bp.post("")
def events():  # noqa: ANN201
    """A batch of page events: all stored first, then answered through the Send API."""
    _enabled()
    raw = request.get_data(cache=True)
    if not _signature_valid(raw):
        abort(403)
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("entry"), list):
        abort(400, "Expected a page event object with an entry list.")
    if body.get("object") != "page":
        return Response("EVENT_RECEIVED", status=200)
    fresh: list[int] = []
    for entry in body["entry"]:
        messaging = entry.get("messaging") if isinstance(entry, dict) else None
        for event in messaging if isinstance(messaging, list) else []:
            incoming = _incoming(event) if isinstance(event, dict) else None
            if incoming is None:
                continue
            stored = store(incoming)
            # A queued one (behind its sender's earlier message) is the retry worker's.
            if not stored.duplicate and not stored.queued:
                fresh.append(stored.inbox_id)
    if fresh:
        app = current_app._get_current_object()  # noqa: SLF001 - for the worker thread
        app.extensions["channels"]["executor"].submit(process_now, app, fresh)
    return Response("EVENT_RECEIVED", status=200)
