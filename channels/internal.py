"""Operator and service endpoints: ``GET /healthz`` and ``POST /internal/send``.

``POST /internal/send`` is how the case store's notifier delivers case notices
on the channel a resident used. Bearer CASESTORE_SERVICE_TOKEN. Body::

    {"to": "sms:+14045550123", "text": "...", "buttons": [{"title", "payload"}]?,
     "case_number": "26000123"?, "event": "opened|closed|info_requested|..."?}

Answers 200 ``{"status": "sent"}``; 409 ``{"error": "opted_out"}`` when the
address said STOP (do not retry); 422 for an address no API can reach (voice);
502 when the provider's API failed (retry later). With ``case_number`` and
``event`` the notice is remembered, so that a YES/NO after ``closed`` or a reply
after ``info_requested`` is tied to the case (see ``channels.notices``).
"""

from __future__ import annotations

import hmac
import re

from flask import Blueprint, abort, current_app, jsonify, request

from channels import addresses
from channels.errors import SendError
from channels.outbound import channel_of, deliver
from channels.rasa_client import rasa_reachable

bp = Blueprint("internal", __name__)

_ADDRESS = re.compile(r"^(sms|whatsapp):\+\d{6,15}$|^(telegram):-?\d{1,20}$"
                      r"|^(messenger):\d{1,40}$|^(webchat):[A-Za-z0-9_-]{8,100}$")
_CASE_NUMBER = re.compile(r"^\d{8}$")


@bp.get("/healthz")
def healthz():  # noqa: ANN201
    """200 when Rasa answers, 503 otherwise."""
    ok = rasa_reachable(current_app.config["RASA_URL"])
    return jsonify(status="ok" if ok else "rasa_unreachable"), 200 if ok else 503


def _authorised() -> bool:
    token = current_app.config["CASESTORE_SERVICE_TOKEN"]
    given = request.headers.get("Authorization", "")
    return bool(token) and hmac.compare_digest(given.encode(), f"Bearer {token}".encode())


@bp.post("/internal/send")
def send():  # noqa: ANN201
    """Deliver one notice to a resident's channel address, honouring STOP."""
    if not _authorised():
        return jsonify(error="unauthorized", message="A service token is required."), 401
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(400, "The body must be a JSON object.")
    to, text, buttons = body.get("to"), body.get("text"), body.get("buttons") or []
    fields = {}
    if not isinstance(to, str) or not _ADDRESS.match(to):
        fields["to"] = "a channel address such as sms:+14045550123 or telegram:123"
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
    if fields:
        return jsonify(error="invalid", message="Invalid notice.", fields=fields), 422
    if addresses.is_opted_out(current_app, to):
        return jsonify(error="opted_out", message="The address replied STOP."), 409
    message = {"text": text}
    if buttons:
        message["buttons"] = [{"title": b["title"], "payload": b["payload"]} for b in buttons]
    try:
        deliver(current_app, to, [message], notice=bool(case_number and event))
    except SendError as exc:
        return jsonify(error="send_failed", message=str(exc)), 502
    if case_number and event:
        addresses.record_notice(current_app, to, case_number, event)
    return jsonify(status="sent", channel=channel_of(to))
