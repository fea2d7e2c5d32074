"""The agents' live chat console under /portal/live-chat (agents, supervisors, admins).

Plain forms with CSRF tokens (the pages kernel's ``require_csrf`` guards every
POST) and redirects, so it works without scripts; a small script on the chat
page polls ``messages.json`` for the resident's new lines.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ..cases import find_case, full_view, staff_can_see
from ..catalog import get_catalog
from ..db import get_session
from ..errors import CaseStoreError
from ..media.photos import MEDIA_REF_IN_TEXT
from ..models import Case, LiveChat, LiveChatMessage, StaffUser, utcnow
from ..pages import INTAKE, PAGE_SECURITY_HEADERS, no_store, require_csrf, staff_required
from . import filing, service
from .settings import livechat_settings

bp = Blueprint("livechat", __name__, template_folder="../templates", static_folder="static")
bp.before_request(require_csrf)
bp.after_request(no_store)

# The pages kernel's headers, plus this blueprint's own script and its polling.
SECURITY_HEADERS = {
    **PAGE_SECURITY_HEADERS,
    "Content-Security-Policy": PAGE_SECURITY_HEADERS["Content-Security-Policy"]
    + "; script-src 'self'; connect-src 'self'",
}


@bp.after_request
def _security_headers(response):
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response

MAX_REPLY = 2000


def _chat(chat_id: int) -> LiveChat:
    chat = get_session().get(LiveChat, chat_id)
    if chat is None:
        abort(404)
    return chat


def _waited_minutes(chat: LiveChat, now) -> int:
    return int((now - chat.created_at).total_seconds() // 60)


def message_parts(message: LiveChatMessage) -> list[dict]:
    """The line as ``[{"text"}, {"text", "href"}, ...]``: each ``media:<token>`` a resident
    sent (the channels app relays photos as "Photo: media:<token>") links the staff photo
    route, so the agent can open it; everything else stays plain text."""
    if message.sender != "resident":
        return [{"text": message.text}]
    parts, start = [], 0
    for match in MEDIA_REF_IN_TEXT.finditer(message.text):
        if match.start() > start:
            parts.append({"text": message.text[start:match.start()]})
        parts.append({"text": match.group(0),
                      "href": url_for("portal.photo", token=match.group(1))})
        start = match.end()
    if start < len(message.text) or not parts:
        parts.append({"text": message.text[start:]})
    return parts


def _message_json(message: LiveChatMessage) -> dict:
    return {"id": message.id, "sender": message.sender, "text": message.text,
            "parts": message_parts(message),
            "created_at": message.created_at.isoformat(),
            "delivered": message.delivered_at is not None or message.sender == "resident"}


@bp.get("")
@staff_required(*INTAKE)
def queue():
    """Waiting chats (longest first) with channel and wait, active chats, call-backs."""
    session, settings, now = get_session(), livechat_settings(), utcnow()
    service.expire_overdue(session, settings, now)
    rows = session.execute(
        select(LiveChat).where(LiveChat.status.in_(("waiting", "active", "callback")))
        .order_by(LiveChat.id)
    ).scalars().all()
    agents = {u.id: u.name for u in session.execute(
        select(StaffUser).where(StaffUser.id.in_({c.agent_id for c in rows if c.agent_id}))
    ).scalars()}
    return render_template(
        "livechat/queue.html",
        # A chat whose resident wrote of danger to people is read first.
        waiting=sorted(
            ((c, _waited_minutes(c, now)) for c in rows if c.status == "waiting"),
            key=lambda item: not (item[0].details or {}).get("danger"),
        ),
        active=[(c, agents.get(c.agent_id, "")) for c in rows if c.status == "active"],
        callbacks=[c for c in rows if c.status == "callback"],
        open_now=settings.open_at(now), hours=settings.hours_text,
    )


@bp.get("/<int:chat_id>")
@staff_required(*INTAKE)
def chat_page(chat_id: int):
    """One chat: what the resident told the assistant, the live messages and the actions."""
    session, now = get_session(), utcnow()
    chat = _chat(chat_id)
    catalog = get_catalog()
    values = filing.prefill(chat)
    if request.args.get("service_code"):
        values["service_code"] = request.args["service_code"]
    lookup, lookup_number = None, request.args.get("case", "").strip()
    if lookup_number:
        found = find_case(session, lookup_number)
        if found is not None and staff_can_see(current_user, found):
            # The agent is staff: the same view as the portal's case page, not the public one.
            lookup = full_view(found, catalog)
    return render_chat(chat, values, lookup=lookup, lookup_number=lookup_number, now=now)


def render_chat(chat: LiveChat, values: dict, *, lookup=None, lookup_number="", now=None,
                errors=None, status: int = 200):
    """Render the chat page with the filing form's ``values`` (and its ``errors``)."""
    session, catalog = get_session(), get_catalog()
    agent = session.get(StaffUser, chat.agent_id) if chat.agent_id else None
    case = session.get(Case, chat.case_id) if chat.case_id else None
    return render_template(
        "livechat/chat.html",
        chat=chat, agent=agent, mine=chat.agent_id == current_user.id,
        messages=[_message_json(m) for m in chat.messages],
        waited=_waited_minutes(chat, now or utcnow()),
        values=values, service=catalog.service(values.get("service_code") or ""),
        services=sorted(((s.code, s.name) for s in catalog.services.values()),
                        key=lambda s: s[1]),
        lookup=lookup, lookup_number=lookup_number, case=case, errors=errors or {},
    ), status


@bp.get("/<int:chat_id>/messages.json")
@staff_required(*INTAKE)
def messages_json(chat_id: int):
    """The chat's lines after ``after`` (the chat page polls this) and its status."""
    chat = _chat(chat_id)
    after = request.args.get("after", "0")
    # ASCII digits only: str.isdigit() also takes "²" and "①", which int() refuses.
    if not after.isascii() or not after.isdigit():
        abort(400)
    lines = [_message_json(m) for m in chat.messages if m.id > int(after)]
    return jsonify(status=chat.status, messages=lines)


@bp.post("/<int:chat_id>/take")
@staff_required(*INTAKE)
def take(chat_id: int):
    """Take a waiting chat; of two agents at once exactly one gets it."""
    _chat(chat_id)
    if service.take_chat(get_session(), chat_id, current_user, utcnow()):
        return redirect(url_for("livechat.chat_page", chat_id=chat_id), 303)
    flash("Another agent already took this chat, or it is no longer waiting.", "error")
    return redirect(url_for("livechat.queue"), 303)


@bp.post("/<int:chat_id>/messages")
@staff_required(*INTAKE)
def reply(chat_id: int):
    """Send the agent's reply to the resident on their own channel."""
    chat = _chat(chat_id)
    text = (request.form.get("text") or "").strip()
    if not text or len(text) > MAX_REPLY:
        flash(f"Write a reply of 1 to {MAX_REPLY} characters.", "error")
        return redirect(url_for("livechat.chat_page", chat_id=chat_id), 303)
    try:
        message = service.agent_message(get_session(), chat, current_user, text, utcnow())
    except CaseStoreError as exc:
        abort(409, exc.message)
    if message.delivered_at is None:
        flash("The reply is saved but could not be delivered yet.", "error")
    return redirect(url_for("livechat.chat_page", chat_id=chat_id, _anchor="reply"), 303)


@bp.post("/<int:chat_id>/end")
@staff_required(*INTAKE)
def end(chat_id: int):
    """End the chat: the resident is handed back to the assistant, which says so."""
    chat = _chat(chat_id)
    if chat.agent_id not in (None, current_user.id) and current_user.role == "agent":
        abort(403)
    if not service.end_chat(get_session(), chat, current_user, utcnow()):
        flash("This chat had already ended.", "error")
    else:
        flash("Chat ended. The resident is back with the assistant.", "success")
    return redirect(url_for("livechat.queue"), 303)


@bp.post("/<int:chat_id>/callback-done")
@staff_required(*INTAKE)
def callback_done(chat_id: int):
    """Mark a requested call back as made."""
    if service.close_callback(get_session(), _chat(chat_id), utcnow()):
        flash("Call back recorded.", "success")
    return redirect(url_for("livechat.queue"), 303)


@bp.post("/<int:chat_id>/case")
@staff_required(*INTAKE)
def file_case(chat_id: int):
    """File a case from the chat, from the prefilled form the agent checked."""
    session, catalog = get_session(), get_catalog()
    chat = _chat(chat_id)
    values = filing.form_values(request.form, catalog.service(request.form.get("service_code")
                                                              or ""))
    try:
        case, created = filing.file_case_from_chat(session, catalog, chat, current_user, values,
                                                   utcnow())
    except CaseStoreError as exc:
        session.rollback()
        return render_chat(chat, values, errors=exc.fields or {"form": exc.message},
                           status=422)
    number = f"{case.number[:2]}-{case.number[2:]}"
    flash(f"Case {number} filed from this chat." if created
          else f"This chat's case is {number} (already filed).", "success")
    return redirect(url_for("livechat.chat_page", chat_id=chat_id), 303)
