"""Delivering replies outside a webhook's answer: late replies, retries and case notices.

Each channel has its own way out: Twilio's Messages API for SMS and WhatsApp,
the Bot API for Telegram, the Send API for Messenger, the stored transcript
for web chat (the widget fetches it). A phone call has none: its replies are
read from the inbox by ``/voice/wait`` while the caller is still on the line.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app

from channels import addresses, messenger_api, telegram_api, twilio_api
from channels.deadlines import run_send
from channels.errors import SendError
from channels.inbox import Outcome, mark_done, release
from channels.render import all_buttons, sms_text, split_text
from channels.store import InboxMessage, TranscriptEntry, session, utcnow

log = logging.getLogger(__name__)
WHATSAPP_WINDOW_HOURS = 24  # WhatsApp's customer service window, fixed by Meta


def channel_of(address: str) -> str:
    """``sms:+1404…`` -> ``sms``."""
    return address.split(":", 1)[0]


def sms_parts(app: Flask, address: str, messages: list[dict[str, Any]]) -> list[str]:
    """Render for SMS and remember the numbered buttons for a digit reply."""
    addresses.remember_buttons(app, address, all_buttons(messages))
    return split_text(sms_text(messages), app.config["SMS_SEGMENT_CHARS"])


def append_transcript(
    app: Flask, address: str, role: str, messages: list[dict[str, Any]]
) -> int | None:
    """Add web chat lines, so a reload shows them and a waiting widget fetches them.

    Returns the id of the last line written (the widget polls for lines after it).
    """
    entries = [
        TranscriptEntry(
            address=address,
            role=role,
            text=m.get("text", ""),
            buttons=m.get("buttons") or [],
            image=m.get("image"),
        )
        for m in messages
    ]
    with session(app.extensions["channels"]["engine"]) as db:
        db.add_all(entries)
        db.commit()
    return entries[-1].id if entries else None


def inside_whatsapp_window(app: Flask, address: str) -> bool:
    """True when the resident wrote to us on WhatsApp within the last 24 hours
    (free-form messages are allowed; after that only approved templates)."""
    since = utcnow() - dt.timedelta(hours=WHATSAPP_WINDOW_HOURS)
    with session(app.extensions["channels"]["engine"]) as db:
        latest = db.execute(
            sa.select(sa.func.max(InboxMessage.created_at)).where(InboxMessage.sender == address)
        ).scalar_one_or_none()
    return latest is not None and latest >= since


def deliver(
    app: Flask,
    address: str,
    messages: list[dict[str, Any]],
    notice: bool = False,
    *,
    kind: str | None = None,
    case_number: str | None = None,
    status_callback: str | None = None,
) -> list[str]:
    """Send ``messages`` to ``address`` on its own channel; raises SendError.

    ``notice``: a case notice, not a reply (Messenger needs a message tag for it
    outside the 24 hours after the resident's last message). ``kind`` (the
    notice's event, or "message"): sent on its own, not as a reply, so a
    WhatsApp address outside its 24-hour window gets the kind's approved
    template. ``status_callback``: where Twilio reports the delivery. Provider
    calls run in the send pool under SEND_DEADLINE_SECONDS. Returns the
    provider's message ids (Twilio SIDs; empty for other channels).
    """
    # The pool's threads have no app context: they get the app itself, not the proxy.
    app = getattr(app, "_get_current_object", lambda: app)()
    channel = channel_of(address)
    ident = address.split(":", 1)[1] if ":" in address else ""
    if channel not in ("sms", "whatsapp"):  # SMS remembers them while numbering
        addresses.remember_buttons(app, address, all_buttons(messages))
    if channel in ("sms", "whatsapp"):
        if addresses.is_opted_out(app, address):
            log.info("suppressed a message to an opted-out %s address", channel)
            return []
        images = [m["image"] for m in messages if m.get("image")]
        parts = sms_parts(app, address, messages)
        template = None
        if channel == "whatsapp" and kind is not None and not inside_whatsapp_window(app, address):
            fields = {"case_number": case_number or "", "event": kind,
                      "text": " ".join(m.get("text", "") for m in messages).strip()}
            template = twilio_api.whatsapp_template(app, kind, fields)
            if template is None:
                raise SendError(f"no approved WhatsApp template for {kind!r} outside the "
                                "24-hour window", permanent=True)
        return run_send(app, twilio_api.send_sms, app, address, parts, images,
                        template=template, status_callback=status_callback)
    if channel == "telegram":
        run_send(app, telegram_api.send_messages, app, ident, messages)
    elif channel == "messenger":
        run_send(app, messenger_api.send_messages, app, ident, messages, notice=notice)
    elif channel == "webchat":
        append_transcript(app, address, "assistant", messages)
    elif channel == "voice":
        return []  # read by /voice/wait while the call lasts
    else:
        raise SendError(f"no way to reach channel {channel!r}", permanent=True)
    return []


def deliver_row(app: Flask, inbox_id: int) -> None:
    """Deliver the stored replies of one answered inbox message, then mark it done."""
    with session(app.extensions["channels"]["engine"]) as db:
        row = db.get(InboxMessage, inbox_id)
    if row is None or row.status != "answered":
        return
    try:
        deliver(app, row.sender, row.replies or [])
    except SendError as exc:
        # A refusal for good (a blocked bot) goes to the dead letters at once.
        release(app, inbox_id, f"delivery failed: {exc}", permanent=exc.permanent)
        return
    mark_done(app, inbox_id)


def deliver_outcome(address: str, outcome: Outcome) -> None:
    """For channels that answer through their API: send the replies (or the holding text)."""
    app = current_app._get_current_object()  # noqa: SLF001 - also used by late threads
    messages = outcome.replies or [{"text": outcome.holding_text}]
    try:
        deliver(app, address, messages)
    except SendError as exc:
        if outcome.replies is not None:
            # Rasa answered; only the delivery is owed, and the worker retries it.
            release(app, outcome.inbox_id, f"delivery failed: {exc}", permanent=exc.permanent)
        else:
            log.warning("holding reply not delivered: %s", exc)
        return
    if outcome.replies is not None:
        mark_done(app, outcome.inbox_id)
