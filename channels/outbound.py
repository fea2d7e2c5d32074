"""The sender: messages to a channel address through that channel's own way out.

It knows nothing of the inbox: the inbox (late replies, retries) and the
internal app (case notices) call it through ``app.extensions["channels"]["send"]``,
which the app factory sets to ``deliver``, and decide themselves what a
failure means for their rows. Each channel has its own way out: Twilio's
Messages API for SMS and WhatsApp, the Bot API for Telegram, the Send API for
Messenger, the stored transcript for web chat (the widget fetches it). A phone
call has none: ``/voice/wait`` reads its replies while the caller is on the line.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import sqlalchemy as sa
from flask import Flask

from channels import messenger_api, senders, telegram_api, twilio_api
from channels.channel_address import channel_of, ident_of
from channels.deadlines import run_send
from channels.errors import SendError
from channels.render import all_buttons, sms_parts
from channels.store import InboxMessage, TranscriptEntry, session, utcnow

log = logging.getLogger(__name__)
WHATSAPP_WINDOW_HOURS = 24  # WhatsApp's customer service window, fixed by Meta


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
    channel, ident = channel_of(address), ident_of(address)
    if channel in ("sms", "whatsapp") and senders.is_opted_out(app, address):
        log.info("suppressed a message to an opted-out %s address", channel)
        return []
    # Remembered so that a digit, a spoken title or a pressed button picks one later.
    senders.remember_buttons(app, address, all_buttons(messages))
    if channel in ("sms", "whatsapp"):
        images = [m["image"] for m in messages if m.get("image")]
        lang = senders.conversation_language(app, address) if all_buttons(messages) else None
        parts = sms_parts(messages, app.config["SMS_SEGMENT_CHARS"], lang)
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
