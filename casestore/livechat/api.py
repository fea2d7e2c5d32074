"""JSON endpoints under /api/v1/live-chats for the action server and the channels app.

All but ``availability`` need the service token. Nothing here answers with
a transcript, a message text or personal data: those are for staff, in the
console.

- ``POST /api/v1/live-chats``: queue the conversation (the handoff action);
  201 new, 200 when the sender already waits or chats. Body ``{"sender_id",
  "transcript": [{"role", "text"}], "details": {slot: value}, "reason":
  "asked"|"stuck"}``; answer ``{"id", "status": "waiting"|"missed", "position"?,
  "estimated_wait_minutes"?, "end_reason"?, "hours", "open_now", "message"}``
  where ``message`` is what to tell the resident.
- ``POST /api/v1/live-chats/route``: ``{"sender_id", "text", "message_key"?}``
  -> ``{"routed": false}`` or ``{"routed": true, "status", "replies": [{"text"}]}``.
- ``GET /api/v1/live-chats/state?sender_id=``: ``{"status": "none"|"waiting"|...}``.
- ``GET /api/v1/live-chats/availability``: ``{"open_now", "hours"}``.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask_babel import gettext

from ..api.access import allow, json_body
from ..db import get_session
from ..errors import ValidationError
from ..i18n import in_language
from ..models import utcnow
from ..validation import is_chat_address
from . import notify, service
from .settings import livechat_settings

bp = Blueprint("livechat_api", __name__)


def _hours(settings, now) -> dict:
    return {"open_now": settings.open_at(now), "hours": settings.hours_text}


@bp.post("")
@allow("service")
def open_chat():
    """Queue a conversation for an agent (or record it as missed outside staffed hours)."""
    settings, now, session = livechat_settings(), utcnow(), get_session()
    service.expire_overdue(session, settings, now)
    chat, created = service.open_chat(session, json_body(), settings, now)
    view = service.chat_status_view(session, chat, settings) | _hours(settings, now)
    if chat.status == "waiting":
        view["message"] = notify.queued_text(view["position"], view["estimated_wait_minutes"],
                                             notify.chat_language(chat))
    elif chat.status == "active":
        with in_language(notify.chat_language(chat)):
            view["message"] = gettext("You're already chatting with a 311 agent; go ahead.")
    else:
        view["message"] = notify.closed_text(settings, notify.chat_language(chat))
    return jsonify(view), 201 if created else 200


@bp.post("/route")
@allow("service")
def route():
    """Where a resident's message goes: to the agent (stored) or to the assistant."""
    return jsonify(service.route_message(get_session(), json_body(), livechat_settings(),
                                         utcnow()))


@bp.get("/state")
@allow("service")
def state():
    """The sender's chat status, which the web chat widget polls while a chat is open."""
    sender = request.args.get("sender_id", "")
    if not is_chat_address(sender):
        raise ValidationError({"sender_id": "must be a chat channel address"})
    settings, now, session = livechat_settings(), utcnow(), get_session()
    service.expire_overdue(session, settings, now, sender_id=sender)
    chat = service.open_chat_for(session, sender)
    return jsonify(service.chat_status_view(session, chat, settings))


@bp.get("/availability")
@allow("anonymous", "service", "staff")
def availability():
    """Whether agents are staffed now, and the staffed hours (public information)."""
    return jsonify(_hours(livechat_settings(), utcnow()))
