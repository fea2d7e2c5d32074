"""Live chat routing in the channels app: a resident with an open live chat talks to the agent.

The routing state is not kept here: it lives in the case store
(``POST /api/v1/live-chats/route``), so several channels replicas route alike
and a restart of this app changes nothing. ``route_to_agent`` is an inbox
local handler: before the assistant sees a message, it asks the case store;
a message for an agent is stored there (the console shows it) and the
assistant is not called. The agent's replies come back through
``POST /internal/send`` like case notices.

Also here: ``GET /webchat/live-chat?session_id=`` (the widget polls it while
a chat is open, to fetch the agent's lines from the transcript) and
``agent_line_closed_text`` (the IVR's "0" outside staffed hours).

If the case store cannot be reached, messages go to the assistant (logged):
a resident is never left without an answer.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Flask, abort, current_app, jsonify, request

from channels import casestore_client, i18n
from channels.casestore_client import CaseStoreError
from channels.channel_address import SESSION_ID, make
from channels.sms import keyword
from channels.store import InboxMessage

log = logging.getLogger(__name__)
bp = Blueprint("livechat", __name__)

def _is_keyword(app: Flask, row: InboxMessage) -> bool:
    # STOP/START/HELP (in any language) stay with the SMS handler even mid-chat: the law
    # and the carrier say so.
    return row.channel in ("sms", "whatsapp") and (
        keyword(app, row.text) is not None or bool((row.meta or {}).get("opt_out_type")))


def _agent_text(row: InboxMessage) -> str:
    text = (row.shown_text or row.text).strip()
    photos = (row.meta or {}).get("media_urls") or []
    return "\n".join([text, *(f"Photo: {url}" for url in photos)]).strip()[:2000] or row.text


def route_to_agent(app: Flask, row: InboxMessage) -> list[dict[str, Any]] | None:
    """Send the message to the agent when the sender has a live chat; None for the assistant
    (a local handler, asked after the SMS keywords: STOP/HELP/START stay theirs mid-chat)."""
    if row.channel == "voice" or _is_keyword(app, row):
        return None
    try:
        answer = casestore_client.route_live_chat(
            app, row.sender, _agent_text(row), f"{row.channel}:{row.provider_id}")
    except CaseStoreError as exc:
        log.warning("live chat routing unavailable, the assistant answers: %s", exc)
        return None
    if not answer.get("routed"):
        return None
    return [{"text": str(r["text"])} for r in answer.get("replies") or [] if r.get("text")]


@bp.get("/webchat/live-chat")
def webchat_state():  # noqa: ANN201
    """``{"status": "none"|"waiting"|"active"|...}`` for the widget's session.

    The session comes in the ``X-Chat-Session`` header, as for the transcript, so
    it stays out of access logs; ``?session_id=`` still works for scripts.
    """
    session_id = request.headers.get("X-Chat-Session") or request.args.get("session_id", "")
    if not SESSION_ID.match(session_id):
        abort(400, "session_id must be 8 to 100 letters, digits, '-' or '_'.")
    try:
        state = casestore_client.live_chat_state(current_app, make("webchat", session_id))
    except CaseStoreError as exc:
        log.warning("live chat state unavailable: %s", exc)
        return jsonify(status="unknown")
    return jsonify(status=str(state.get("status", "none")))


def agent_line_closed_text(app: Flask, lang: str | None = None) -> str | None:
    """What the IVR says when agents are not staffed now (in ``lang``); None when open
    (or unknown)."""
    try:
        availability = casestore_client.agent_availability(app)
    except CaseStoreError as exc:
        log.warning("agent hours unavailable, dialling anyway: %s", exc)
        return None
    if availability.get("open_now", True):
        return None
    hours = availability.get("hours")
    if hours:  # the case store's words for the hours, as it gives them
        return i18n.gettext(lang, "Our agents are available {hours}. You can use our "
                            "assistant now instead.", hours=hours)
    return i18n.gettext(lang, "Our agents are not available at the moment. You can use our "
                        "assistant now instead.")
