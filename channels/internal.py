"""The internal app's endpoints: ``POST /internal/send`` and ``GET /internal/healthz``.

Served only by ``create_internal_app()`` (127.0.0.1:8001 by default), never by
the public app. Bearer CHANNELS_INTERNAL_TOKEN: the case store's token towards
this app, not the service token this app presents to the case store. The
action server has its own, ACTIONS_CHANNELS_TOKEN, good for ``/internal/send``
only: one token per caller, so either can be rotated or revoked alone.

``POST /internal/send`` is how the case store's notifier delivers case notices
(and the live chat desk its agents' lines) on the channel a resident used. Body::

    {"to": "sms:+14045550123", "text": "...", "buttons": [{"title", "payload"}]?,
     "case_number": "26000123"?, "event": "opened|closed|info_requested|..."?,
     "dedupe_key": "outbox-123"?}

Answers 200 ``{"status": "sent"}``; 200 ``{"status": "sent", "duplicate": true}``
when a notice with the same ``dedupe_key`` went out before (nothing is sent
again); 409 ``{"error": "opted_out"}`` when the address said STOP; 422 for an
address no API can reach or a notice the provider refused for good
(``undeliverable``: do not retry); 502 ``send_failed`` when the provider failed
or did not answer in time, and 503 ``send_in_progress`` while another request
sends the same ``dedupe_key`` (retry later). With ``case_number`` and
``event`` the notice is remembered, so that a YES/NO after ``closed`` or a
reply after ``info_requested`` is tied to the case (see ``channels.notices``).
"""

from __future__ import annotations

import hmac
import re

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, jsonify, request

from channels import channel_address, deliveries, senders, tokens
from channels.channel_address import channel_of
from channels.delivery_status import status_callback_url
from channels.errors import SendError
from channels.store import session

bp = Blueprint("internal", __name__)

_CASE_NUMBER = re.compile(r"^\d{8}$")
_DEDUPE_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")  # printable ASCII, no spaces


def authorised(*settings: str) -> bool:
    """True when the request's bearer is a token (any value) of one of the named settings."""
    given = request.headers.get("Authorization", "").encode()
    matches = [
        hmac.compare_digest(given, f"Bearer {token}".encode())
        for name in settings for token in tokens.values(current_app.config.get(name))
    ]
    return any(matches)


@bp.get("/internal/healthz")
def healthz():  # noqa: ANN201
    """200 when the channels database answers (no token: it says nothing else)."""
    with session(current_app.extensions["channels"]["engine"]) as db:
        db.execute(sa.text("SELECT 1"))
    return jsonify(status="ok")


def _invalid_fields(body: dict) -> dict[str, str]:
    to, text, buttons = body.get("to"), body.get("text"), body.get("buttons") or []
    fields = {}
    if not channel_address.is_reachable(to):
        fields["to"] = f"a channel address such as {channel_address.EXAMPLE} or telegram:123"
    if not isinstance(text, str) or not text.strip() or len(text) > 4000:
        fields["text"] = "1 to 4000 characters"
    if not isinstance(buttons, list) or not all(
        isinstance(b, dict) and isinstance(b.get("title"), str)
        and isinstance(b.get("payload"), str) for b in buttons
    ):
        fields["buttons"] = "a list of {title, payload}"
    case_number, event = body.get("case_number"), body.get("event")
    if case_number is not None and not (isinstance(case_number, str)
                                        and _CASE_NUMBER.match(case_number)):
        fields["case_number"] = "eight digits"
    if event is not None and not (isinstance(event, str) and 0 < len(event) <= 32):
        fields["event"] = "a short event name"
    key = body.get("dedupe_key")
    if key is not None and not (isinstance(key, str) and _DEDUPE_KEY.match(key)):
        fields["dedupe_key"] = "1 to 200 printable ASCII characters without spaces"
    return fields


@bp.post("/internal/send")
def send():  # noqa: ANN201
    """Deliver one notice to a resident's channel address, honouring STOP, at most once
    per ``dedupe_key``."""
    if not authorised("CHANNELS_INTERNAL_TOKEN", "ACTIONS_CHANNELS_TOKEN"):
        return jsonify(error="unauthorized", message="A bearer token is required."), 401
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(400, "The body must be a JSON object.")
    fields = _invalid_fields(body)
    if fields:
        return jsonify(error="invalid", message="Invalid notice.", fields=fields), 422
    to, text = body["to"], body["text"]
    case_number, event = body.get("case_number"), body.get("event")
    if senders.is_opted_out(current_app, to):
        return jsonify(error="opted_out", message="The address replied STOP."), 409
    claim = deliveries.claim(current_app, body.get("dedupe_key"), to, event, case_number)
    if claim.duplicate_status is not None:
        return jsonify(status="sent", channel=channel_of(to), duplicate=True)
    if claim.busy:
        return jsonify(error="send_in_progress",
                       message="This notice is being sent by another request."), 503
    message = {"text": text}
    if body.get("buttons"):
        message["buttons"] = [{"title": b["title"], "payload": b["payload"]}
                              for b in body["buttons"]]
    callback = status_callback_url(current_app) if channel_of(to) in ("sms", "whatsapp") else None
    deliver = current_app.extensions["channels"]["send"]  # the factory's sender
    try:
        sids = deliver(current_app, to, [message], notice=bool(case_number and event),
                       kind=event or "message", case_number=case_number,
                       status_callback=callback)
    except SendError as exc:
        if exc.permanent:
            deliveries.mark_dead(current_app, claim.delivery_id, str(exc))
            return jsonify(error="undeliverable", message=str(exc)), 422
        deliveries.release(current_app, claim.delivery_id)
        return jsonify(error="send_failed", message=str(exc)), 502
    deliveries.mark_sent(current_app, claim.delivery_id, sids, awaits_callback=bool(callback))
    if case_number and event:
        senders.record_notice(current_app, to, case_number, event)
    return jsonify(status="sent", channel=channel_of(to))
