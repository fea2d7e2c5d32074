"""The live chat state machine, kept in the case store database.

A chat is ``waiting`` (in the queue) -> ``active`` (an agent took it) ->
``ended``. A chat nobody takes (outside staffed hours, or past the wait
timeout) becomes ``missed``: the resident was offered a call back, and their
next message either leaves a phone number (``callback``) or goes back to the
assistant (``ended``). At most one chat per sender is waiting, active or
missed (a partial unique index), so every channels replica routes the same
way, and a restart loses nothing.

Each state change is one conditional UPDATE (``... WHERE status = 'waiting'``),
so of two agents taking the same chat exactly one wins, and of two processes
expiring it exactly one tells the resident. Functions commit their own work
and tell the resident (through the channels app) only after the commit.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

import phonenumbers
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .. import validation as v
from ..errors import ConflictError, ValidationError
from ..i18n import default_language, normalize_language
from ..logs import get_logger
from ..models import LiveChat, LiveChatMessage, StaffUser, utcnow
from . import danger, notify
from .settings import LiveChatSettings

log = get_logger("casestore.livechat")

OPEN_STATUSES = ("waiting", "active", "missed")
ROUTED_STATUSES = ("waiting", "active")
MAX_TRANSCRIPT_LINES = 100
MAX_LINE = 2000
MAX_MESSAGE = 2000
DEFAULT_MINUTES_PER_CHAT = 3.0
# What a waiting resident sends to leave the queue and go back to the assistant.
# (Besides the word the queued line names in each language: ``notify.leave_words``.)
LEAVE_WORDS = {"assistant", "leave queue", "leave the queue", "back to the assistant"}
# What the assistant gathered that an agent can use; anything else the action sends is dropped.
DETAIL_KEYS = {
    "service_code": 64, "location": 300, "description": 4000, "contact_name": 200,
    "contact_email": 320, "contact_phone": 40, "info_case_number": 40,
}


# --- validating what the action sends ------------------------------------------


def _sender(problems: v.Problems, data: dict) -> str | None:
    sender = v.text(problems, data, "sender_id", 200, required=True)
    if sender and not v.is_chat_address(sender):
        problems.add("sender_id", "must be a chat channel address such as sms:+14045550123")
        return None
    return sender


def _transcript(problems: v.Problems, value: Any) -> list[dict[str, str]]:
    if value is None:
        return []
    if not isinstance(value, list):
        problems.wrong_type("transcript", "a list of {role, text}")
        return []
    lines = []
    for line in value[-MAX_TRANSCRIPT_LINES:]:
        if not (isinstance(line, dict) and line.get("role") in ("resident", "assistant")
                and isinstance(line.get("text"), str)):
            problems.wrong_type("transcript", "a list of {role: resident|assistant, text}")
            return []
        lines.append({"role": line["role"], "text": line["text"][:MAX_LINE]})
    return lines


def _details(problems: v.Problems, value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        problems.wrong_type("details", "an object")
        return {}
    kept: dict[str, Any] = {}
    for key, limit in DETAIL_KEYS.items():
        item = value.get(key)
        if isinstance(item, (str, int, float)) and not isinstance(item, bool) and str(item).strip():
            kept[key] = str(item).strip()[:limit]
    for key in ("lat", "long"):
        if isinstance(value.get(key), (int, float)) and not isinstance(value.get(key), bool):
            kept[key] = float(value[key])
    attributes = value.get("attributes")
    if isinstance(attributes, dict):
        kept["attributes"] = {
            str(k)[:64]: (item if isinstance(item, list) else str(item))
            for k, item in list(attributes.items())[:30]
            if isinstance(item, (str, int, float, list)) and not isinstance(item, bool)
        }
    return kept


# --- reading -------------------------------------------------------------------


def open_chat_for(session: Session, sender_id: str) -> LiveChat | None:
    """Return the sender's waiting, active or missed chat, if any."""
    return session.execute(
        select(LiveChat).where(LiveChat.sender_id == sender_id,
                               LiveChat.status.in_(OPEN_STATUSES))
    ).scalar_one_or_none()


def queue_position(session: Session, chat: LiveChat) -> int:
    """1 for the chat that has waited longest; 0 when ``chat`` is not waiting."""
    if chat.status != "waiting":
        return 0
    return session.execute(
        select(func.count(LiveChat.id)).where(LiveChat.status == "waiting",
                                              LiveChat.id <= chat.id)
    ).scalar_one()


def minutes_per_chat(session: Session) -> float:
    """The average wait of the last 20 taken chats in minutes (a default before any)."""
    rows = session.execute(
        select(LiveChat.created_at, LiveChat.taken_at).where(LiveChat.taken_at.is_not(None))
        .order_by(LiveChat.taken_at.desc()).limit(20)
    ).all()
    if not rows:
        return DEFAULT_MINUTES_PER_CHAT
    waits = [(taken - created).total_seconds() / 60 for created, taken in rows]
    return max(sum(waits) / len(waits), 1.0)


def estimated_wait_minutes(session: Session, chat: LiveChat, settings: LiveChatSettings) -> int:
    """Roughly how long ``chat`` will wait: its place in line times the recent average wait."""
    position = queue_position(session, chat)
    estimate = math.ceil(position * minutes_per_chat(session))
    return max(1, min(estimate, math.ceil(settings.wait_timeout_s / 60)))


def chat_status_view(session: Session, chat: LiveChat | None,
                     settings: LiveChatSettings) -> dict[str, Any]:
    """What the channels and the action may know of a chat: no transcript, no personal data."""
    if chat is None:
        return {"status": "none"}
    view: dict[str, Any] = {"id": chat.id, "status": chat.status, "channel": chat.channel}
    if chat.status == "waiting":
        view["position"] = queue_position(session, chat)
        view["estimated_wait_minutes"] = estimated_wait_minutes(session, chat, settings)
    if chat.end_reason:
        view["end_reason"] = chat.end_reason
    return view


# --- opening -------------------------------------------------------------------


def open_chat(session: Session, data: Any, settings: LiveChatSettings,
              now: dt.datetime) -> tuple[LiveChat, bool]:
    """Queue a conversation for an agent; return (chat, created).

    A sender who already waits or chats gets the same chat back (an action
    retried by Rasa opens nothing twice). Outside staffed hours the chat is
    stored as ``missed`` straight away, so the transcript is kept and the
    resident's next message can leave a call-back number. Raises
    ``ValidationError`` for bad input, writing nothing. Commits.
    """
    if not isinstance(data, dict):
        raise ValidationError({"body": "must be a JSON object"}, malformed=True)
    problems = v.Problems()
    sender = _sender(problems, data)
    transcript = _transcript(problems, data.get("transcript"))
    details = _details(problems, data.get("details"))
    # The resident's language (top level, or among the details): the lines they are told.
    # Kept with the details only when it is not the default (no key: the default).
    language = normalize_language(data.get("language")) or normalize_language(
        (data.get("details") or {}).get("language") if isinstance(data.get("details"), dict)
        else None)
    if language and language != default_language():
        details["language"] = language
    reason = data.get("reason", "asked")
    if reason not in ("asked", "stuck"):
        problems.add("reason", "must be asked or stuck")
    problems.raise_if_any()

    existing = open_chat_for(session, sender)
    if existing is not None and existing.status in ROUTED_STATUSES:
        return existing, False
    if existing is not None:  # a missed chat: the resident asks again, so start afresh
        existing.status = "ended"
        existing.ended_at = now
    staffed = settings.open_at(now)
    chat = LiveChat(
        sender_id=sender, channel=sender.split(":", 1)[0], reason=reason,
        status="waiting" if staffed else "missed",
        end_reason=None if staffed else "closed_hours",
        transcript=transcript, details=details, created_at=now,
        ended_at=None if staffed else now,
    )
    session.add(chat)
    try:
        session.commit()
    except IntegrityError:
        # Another request opened this sender's chat at the same moment: use that one.
        session.rollback()
        return open_chat_for(session, sender), False
    log.info("live_chat_opened", chat=chat.id, channel=chat.channel, status=chat.status,
             reason=reason)
    return chat, True


# --- the resident's messages ---------------------------------------------------


def _store_message(session: Session, chat: LiveChat, sender: str, text: str,
                   now: dt.datetime, key: str | None = None,
                   delivered: bool = False) -> LiveChatMessage | None:
    message = LiveChatMessage(chat_id=chat.id, sender=sender, text=text, created_at=now,
                              message_key=key, delivered_at=now if delivered else None)
    session.add(message)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()  # the same relayed message again: stored once already
        return None
    return message


def _callback_number(text: str, sender_id: str) -> str | None:
    """A phone number in ``text``; "call me" from a phone channel means that phone."""
    for match in phonenumbers.PhoneNumberMatcher(text, "US"):
        return phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
    phone = v.phone_of(sender_id)
    words = re.sub(r"[^a-z ]", " ", text.casefold()).split()
    if phone and ("call" in words or "callback" in words):
        return phone
    return None


def route_message(session: Session, data: Any, settings: LiveChatSettings,
                  now: dt.datetime) -> dict[str, Any]:
    """Decide where a resident's message goes; store it when it goes to an agent.

    Answers ``{"routed": false}`` (the assistant answers) or ``{"routed": true,
    "status", "replies": [{"text"}]}`` (the channels send ``replies``, which
    may be empty, and do not call Rasa). Commits.
    """
    if not isinstance(data, dict):
        raise ValidationError({"body": "must be a JSON object"}, malformed=True)
    problems = v.Problems()
    sender = _sender(problems, data)
    text = v.text(problems, data, "text", MAX_MESSAGE, required=True)
    key = v.text(problems, data, "message_key", 200)
    problems.raise_if_any()

    expire_overdue(session, settings, now, sender_id=sender)
    chat = open_chat_for(session, sender)
    if chat is None:
        return {"routed": False}
    wants_out = text.casefold().strip(" .!") in LEAVE_WORDS | notify.leave_words()
    if chat.status == "waiting" and wants_out:
        left = session.execute(
            update(LiveChat).where(LiveChat.id == chat.id, LiveChat.status == "waiting")
            .values(status="ended", ended_at=now, end_reason="resident"))
        session.commit()
        if left.rowcount == 1:
            log.info("live_chat_left", chat=chat.id)
            return {"routed": True, "status": "ended",
                    "replies": [{"text": notify.left_text(notify.chat_language(chat))}]}
        session.refresh(chat)
    if chat.status in ROUTED_STATUSES:
        _store_message(session, chat, "resident", text, now, key)
        replies = danger.check_waiting_line(session, chat, text, now)  # 911 line first
        if chat.status == "waiting":
            replies += [{"text": notify.still_waiting_text(queue_position(session, chat),
                                                           notify.chat_language(chat))}]
        return {"routed": True, "status": chat.status, "replies": replies}
    # A missed chat: a phone number asks for a call back; anything else is for the assistant.
    phone = _callback_number(text, sender)
    if phone is None:
        session.execute(update(LiveChat).where(LiveChat.id == chat.id,
                                               LiveChat.status == "missed")
                        .values(status="ended"))
        session.commit()
        return {"routed": False}
    _store_message(session, chat, "resident", text, now, key)
    session.execute(update(LiveChat).where(LiveChat.id == chat.id, LiveChat.status == "missed")
                    .values(status="callback", callback_phone=phone))
    session.commit()
    log.info("live_chat_callback_requested", chat=chat.id)
    return {"routed": True, "status": "callback",
            "replies": [{"text": notify.callback_text(settings, notify.chat_language(chat))}]}


# --- agents --------------------------------------------------------------------


def take_chat(session: Session, chat_id: int, agent: StaffUser, now: dt.datetime) -> bool:
    """Give a waiting chat to ``agent``; False when someone else was first (atomic)."""
    result = session.execute(
        update(LiveChat).where(LiveChat.id == chat_id, LiveChat.status == "waiting")
        .values(status="active", agent_id=agent.id, taken_at=now)
    )
    session.commit()
    if result.rowcount != 1:
        return False
    chat = session.get(LiveChat, chat_id)
    session.refresh(chat)
    log.info("live_chat_taken", chat=chat_id, agent=agent.id)
    send_to_resident(session, chat, notify.taken_text(agent, notify.chat_language(chat)), now)
    return True


def agent_message(session: Session, chat: LiveChat, agent: StaffUser, text: str,
                  now: dt.datetime) -> LiveChatMessage:
    """Store the agent's reply and send it to the resident; ConflictError unless theirs."""
    if chat.status != "active" or chat.agent_id != agent.id:
        raise ConflictError("Only the agent who took this chat can reply, while it is active.")
    message = _store_message(session, chat, "agent", text, now)
    _deliver(session, chat, message, notify.agent_line(agent, text, notify.chat_language(chat)))
    return message


def end_chat(session: Session, chat: LiveChat, agent: StaffUser, now: dt.datetime) -> bool:
    """End the chat and hand the resident back to the assistant; False if already over."""
    result = session.execute(
        update(LiveChat).where(LiveChat.id == chat.id, LiveChat.status.in_(ROUTED_STATUSES))
        .values(status="ended", ended_at=now, end_reason="agent")
    )
    session.commit()
    if result.rowcount != 1:
        return False
    session.refresh(chat)
    log.info("live_chat_ended", chat=chat.id, agent=agent.id)
    send_to_resident(session, chat, notify.handback_text(agent, notify.chat_language(chat)), now)
    return True


def close_callback(session: Session, chat: LiveChat, now: dt.datetime) -> bool:
    """Mark a requested call back as done."""
    result = session.execute(
        update(LiveChat).where(LiveChat.id == chat.id, LiveChat.status == "callback")
        .values(status="ended", ended_at=now)
    )
    session.commit()
    return result.rowcount == 1


def expire_overdue(session: Session, settings: LiveChatSettings, now: dt.datetime,
                   sender_id: str | None = None) -> list[int]:
    """Turn chats that waited past the timeout into ``missed`` and tell each resident once."""
    cutoff = now - dt.timedelta(seconds=settings.wait_timeout_s)
    query = select(LiveChat.id).where(LiveChat.status == "waiting", LiveChat.created_at <= cutoff)
    if sender_id is not None:
        query = query.where(LiveChat.sender_id == sender_id)
    expired = []
    for chat_id in session.execute(query).scalars().all():
        result = session.execute(
            update(LiveChat).where(LiveChat.id == chat_id, LiveChat.status == "waiting")
            .values(status="missed", end_reason="timeout", ended_at=now)
        )
        session.commit()
        if result.rowcount == 1:  # only the process that made the change tells the resident
            expired.append(chat_id)
            log.info("live_chat_missed", chat=chat_id, end_reason="timeout")
            chat = session.get(LiveChat, chat_id)
            send_to_resident(session, chat,
                             notify.timeout_text(settings, notify.chat_language(chat)), now)
    return expired


# --- telling the resident --------------------------------------------------------


def send_to_resident(session: Session, chat: LiveChat, text: str,
                     now: dt.datetime) -> LiveChatMessage | None:
    """Store a system line on the chat and send it to the resident's channel."""
    message = _store_message(session, chat, "system", text, now)
    if message is not None:
        _deliver(session, chat, message, text)
    return message


def _deliver(session: Session, chat: LiveChat, message: LiveChatMessage, text: str) -> None:
    # After the commit: a slow channel never holds the database (SQLite's write lock).
    if notify.deliver(chat.sender_id, text, chat_id=chat.id):
        session.execute(update(LiveChatMessage).where(LiveChatMessage.id == message.id)
                        .values(delivered_at=utcnow()))
        session.commit()
        session.refresh(message)
