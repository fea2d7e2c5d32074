"""What an action can learn about the conversation besides the words.

The channels app namespaces sender ids by channel ("sms:+1404...",
"telegram:123") and puts provider facts in the message metadata:
``{"message_id": ..., "location": {"lat": .., "long": ..}, "media_urls": [..]}``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from babel import UnknownLocaleError
from babel.dates import format_date as babel_format_date
from rasa_sdk import Tracker

from bot.actions.texts import translation

CHANNELS = ("webchat", "sms", "whatsapp", "voice", "telegram", "messenger", "live_chat")
PHONE_CHANNELS = ("sms", "whatsapp", "voice")
KEY_MAX = 200  # the case store's limit for an idempotency key


def metadata(tracker: Tracker) -> dict:
    """Return the latest user message's metadata (an empty dict when there is none)."""
    meta = (tracker.latest_message or {}).get("metadata") or {}
    return meta if isinstance(meta, dict) else {}


def channel(tracker: Tracker) -> str:
    """Return the channel the resident writes from (``webchat`` when unknown)."""
    meta_channel = metadata(tracker).get("channel")
    if isinstance(meta_channel, str) and meta_channel in CHANNELS:
        return meta_channel
    prefix = (tracker.sender_id or "").split(":", 1)[0]
    return prefix if prefix in CHANNELS else "webchat"


def channel_address(tracker: Tracker) -> str | None:
    """Return the sender id when it is a real channel address ("sms:+1404...")."""
    sender = tracker.sender_id or ""
    return sender if ":" in sender and sender.split(":", 1)[0] in CHANNELS else None


def sender_phone(tracker: Tracker) -> str | None:
    """Return the resident's phone number when they write by SMS, WhatsApp or voice."""
    if channel(tracker) in PHONE_CHANNELS and ":" in (tracker.sender_id or ""):
        number = tracker.sender_id.split(":", 1)[1]
        return number if number.startswith("+") else None
    return None


def shared_location(tracker: Tracker) -> tuple[float, float] | None:
    """Return ``(lat, long)`` when the resident shared a location with this message."""
    loc = metadata(tracker).get("location")
    if not isinstance(loc, dict):
        return None
    try:
        lat, long = float(loc.get("lat")), float(loc.get("long", loc.get("lng")))
    except (TypeError, ValueError):
        return None
    if -90 <= lat <= 90 and -180 <= long <= 180:
        return lat, long
    return None


def media_urls(tracker: Tracker) -> list[str]:
    """Return the photos attached to the latest message: ``media:<id>`` references to
    the case store's copies (the channels store each photo there first), or links.

    At most 5, the case store's default limit per case (MEDIA_MAX_PER_CASE): a sixth
    would make it refuse the whole report.
    """
    urls = metadata(tracker).get("media_urls") or []
    return [u for u in urls if isinstance(u, str)
            and u.startswith(("http://", "https://", "media:"))][:5]


def idempotency_key(tracker: Tracker, values: dict[str, Any]) -> str:
    """Return the key that makes filing this report at most once.

    ``{sender}:{message_id}``: the provider's message id makes a redelivered or
    retried turn file the same case, and the sender id, which carries its
    channel ("webchat:<session>", "sms:+1404..."), keeps one resident's ids
    apart from another's (a web chat message id is chosen by the browser, so
    alone it could match a Telegram update id). Without a message id, the
    sender and a hash of the answers do. The case store takes at most 200
    characters: a longer key is replaced by its hash, still under the sender.
    """
    sender = tracker.sender_id or ""
    message_id = metadata(tracker).get("message_id")
    if isinstance(message_id, str) and 0 < len(message_id) <= 150:
        key = f"{sender}:{message_id}"
    else:
        digest = hashlib.sha256(
            json.dumps([sender, values], sort_keys=True, default=str).encode()
        ).hexdigest()[:40]
        key = f"{sender}:form:{digest}"
    if len(key) > KEY_MAX:
        key = "key:" + hashlib.sha256(key.encode()).hexdigest()
    return key


def latest_text(tracker: Tracker) -> str:
    """Return the latest user message's text."""
    return ((tracker.latest_message or {}).get("text") or "").strip()


def effective_text(tracker: Tracker) -> str:
    """The words the resident meant: after a button press (``/report_pothole``), the
    message before it, which the clarifying question was about."""
    text = latest_text(tracker)
    if not text.startswith("/"):
        return text
    seen_latest = False
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        if not seen_latest:
            seen_latest = True
            continue
        earlier = (event.get("text") or "").strip()
        return "" if earlier.startswith("/") else earlier
    return ""


def latest_intent(tracker: Tracker) -> str | None:
    """Return the latest user message's intent name."""
    return ((tracker.latest_message or {}).get("intent") or {}).get("name")


def slot_asked_before_message(tracker: Tracker) -> str | None:
    """Return the slot the form was asking for when the latest user message came in."""
    seen_user = False
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            seen_user = True
        elif seen_user and event.get("event") == "slot" and event.get("name") == "requested_slot":
            return event.get("value")
    return None


def format_date(value: str | None, language: str = "en") -> str | None:
    """Format an ISO timestamp for residents: "Thursday, December 3" ("jueves 3 de diciembre")."""
    if not value:
        return None
    try:
        when = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    _ = translation(language)
    # Translators: a CLDR date pattern (EEEE weekday, MMMM month, d day; quote words: 'de').
    pattern = _("EEEE, MMMM d")
    try:
        return babel_format_date(when.date(), pattern, locale=language)
    except (UnknownLocaleError, ValueError):  # a language code CLDR does not know
        return babel_format_date(when.date(), pattern, locale="en")
