"""Configuration of the channels app, read from the environment when the app is made.

Every variable is listed here with its default so that one place documents them
(docs/channels.md repeats the list for operators). Values are read inside
``load_settings()``, never at import, so tests and processes can set the
environment first.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import yaml

from channels.i18n import N_

DEFAULTS: dict[str, Any] = {
    "RASA_URL": "http://localhost:5005",
    # The secret Rasa's REST channel requires (bot/input_channel.py), sent as a
    # bearer header; empty: read from var/rasa_webhook_token. Not Rasa's API
    # token: this app needs only the webhook.
    "RASA_WEBHOOK_TOKEN": "",
    "CASESTORE_URL": "http://localhost:8080",
    "CASESTORE_SERVICE_TOKEN": "",
    "PUBLIC_BASE_URL": "http://localhost:8000",
    "CHANNELS_DATABASE_URL": "",
    # A Rasa turn slower than this is answered with the holding reply (providers
    # wait 15-20 s; we aim for 5 so a slow turn never costs a redelivery).
    "RASA_DEADLINE_SECONDS": 5.0,
    # SMS and voice webhooks (Twilio never redelivers them, and gives up at 15 s)
    # wait this long for an unreachable database before the outage answer.
    "DATABASE_RIDE_OUT_SECONDS": 10.0,
    # How long a background Rasa call may take before the message is retried.
    "RASA_TIMEOUT_SECONDS": 60.0,
    "RETRY_WORKER_THREAD": True,
    "RETRY_POLL_SECONDS": 1.0,
    "RETRY_MAX_BACKOFF_SECONDS": 300.0,
    # The city's name and 311 number: empty means the catalog's `city:` block
    # (CATALOG_PATH, the file the case store beside this app reads), so the city
    # is written in one place; set them only when the channels run without it.
    "CITY_311_PHONE": "",
    "CITY_NAME": "",
    "CATALOG_PATH": "config/catalog.yml",
    # The number the IVR's "0" dials during staffed hours (a phone line, not a text).
    "AGENT_PHONE_NUMBER": "",  # empty: the catalog's 311 number, dialled as +1NXXNXXXXXX
    "TWILIO_ACCOUNT_SID": "",
    "TWILIO_AUTH_TOKEN": "",
    "TWILIO_FROM_NUMBER": "",
    "TWILIO_API_BASE_URL": "https://api.twilio.com",
    "TELEGRAM_BOT_TOKEN": "",
    "TELEGRAM_SECRET_TOKEN": "",
    "TELEGRAM_API_BASE_URL": "https://api.telegram.org",
    "MESSENGER_PAGE_TOKEN": "",
    "MESSENGER_APP_SECRET": "",
    "MESSENGER_VERIFY_TOKEN": "",
    "MESSENGER_API_BASE_URL": "https://graph.facebook.com",
    # The Graph API version of Send API calls (Meta retires each about two years on).
    "MESSENGER_GRAPH_VERSION": "v26.0",
    # Send through a Twilio Messaging Service (A2P 10DLC) instead of TWILIO_FROM_NUMBER.
    "TWILIO_MESSAGING_SERVICE_SID": "",
    # Approved WhatsApp templates for notices outside the 24-hour window, per notice
    # kind, as JSON: {"closed": "HX...", "opened": {"content_sid": "HX...",
    # "variables": {"1": "{case_number}", "2": "{text}"}}}.
    "TWILIO_WHATSAPP_TEMPLATES": "",
    # The bearer the case store presents to the internal app (/internal/*); empty:
    # read from var/channels_internal_token (made by `flask --app casestore init`).
    "CHANNELS_INTERNAL_TOKEN": "",
    # The action server's own bearer towards the internal app (its queued reports'
    # numbers); read from var/actions_channels_token when unset. Only /internal/send.
    "ACTIONS_CHANNELS_TOKEN": "",
    # Every provider call (Twilio, Telegram, Messenger): connect and read timeouts;
    # one send (all its parts) has SEND_DEADLINE_SECONDS in all, in a pool of
    # SEND_POOL_SIZE threads of its own. Below the notifier's 15 s wait, so a
    # timed-out send is answered 502 before the notifier gives up on the request.
    "OUTBOUND_CONNECT_TIMEOUT_SECONDS": 3.0,
    "OUTBOUND_READ_TIMEOUT_SECONDS": 10.0,
    "SEND_DEADLINE_SECONDS": 12.0,
    "SEND_POOL_SIZE": 8,
    # Case store calls: connect, read, and the whole call.
    "CASESTORE_CONNECT_TIMEOUT_SECONDS": 3.0,
    "CASESTORE_READ_TIMEOUT_SECONDS": 5.0,
    "CASESTORE_DEADLINE_SECONDS": 8.0,
    "RASA_CONNECT_TIMEOUT_SECONDS": 3.0,
    # Content-Security-Policy frame-ancestors of the chat page: who may embed it
    # ("'none'", or the City's origins, e.g. "https://www.atlantaga.gov").
    "CHANNELS_FRAME_ANCESTORS": "'none'",
    # Secure flag on every cookie this app sets; false only for plain-http runs off localhost.
    "CHANNELS_COOKIE_SECURE": True,
    # Dead letters: a message (or its delivery) is given up on after this many
    # failed attempts or this age, and listed for operators (channels/deadletters.py).
    "INBOX_MAX_ATTEMPTS": 10,
    "INBOX_MAX_AGE_HOURS": 24.0,
    # Inbox rows, transcripts and notices older than this are deleted; the retry
    # worker purges this often.
    "INBOX_RETENTION_DAYS": 90.0,
    "INBOX_PURGE_INTERVAL_SECONDS": 3600.0,
    # Who confirms STOP/START on SMS: "twilio" (its opt-out handling is on; the
    # app records the opt-out and answers nothing) or "app" (the app confirms).
    "TWILIO_OPT_OUT_HANDLING": "twilio",
    # The largest Telegram photo /telegram/files/<id> passes on.
    "TELEGRAM_FILE_MAX_BYTES": 10 * 1024 * 1024,
    # The largest photo copied from a provider into the case store (channels/media.py);
    # the same variable caps uploads at the case store.
    "MEDIA_MAX_BYTES": 10 * 1024 * 1024,
    # What the voice menu and Telegram commands say to the assistant (in the conversation's
    # language when channels/translations has these sentences).
    "STATUS_QUESTION_TEXT": N_("I want to check the status of a case"),
    "GREETING_TEXT": N_("hello"),
    "STATUS_TEXT_TEMPLATE": N_("what is the status of case {number}"),
    # A reply to a notice counts as an answer to it for this long.
    "NOTICE_REPLY_WINDOW_HOURS": 72.0,
    "MAX_CONTENT_LENGTH": 64 * 1024,
    "SMS_SEGMENT_CHARS": 600,
    # Log lines on stderr: "json" (one object per line) or "text" (key=value, a terminal's).
    "LOG_FORMAT": "json",
    # When set, GET /metrics (both apps) answers only "Authorization: Bearer <this>";
    # empty, it answers whoever reaches it (the proxy must not route it).
    "METRICS_TOKEN": "",
}

_FLOATS = {
    "RASA_DEADLINE_SECONDS",
    "DATABASE_RIDE_OUT_SECONDS",
    "RASA_TIMEOUT_SECONDS",
    "RETRY_POLL_SECONDS",
    "RETRY_MAX_BACKOFF_SECONDS",
    "NOTICE_REPLY_WINDOW_HOURS",
    "INBOX_MAX_AGE_HOURS",
    "INBOX_RETENTION_DAYS",
    "INBOX_PURGE_INTERVAL_SECONDS",
    "OUTBOUND_CONNECT_TIMEOUT_SECONDS",
    "OUTBOUND_READ_TIMEOUT_SECONDS",
    "SEND_DEADLINE_SECONDS",
    "CASESTORE_CONNECT_TIMEOUT_SECONDS",
    "CASESTORE_READ_TIMEOUT_SECONDS",
    "CASESTORE_DEADLINE_SECONDS",
    "RASA_CONNECT_TIMEOUT_SECONDS",
}
_INTS = {"INBOX_MAX_ATTEMPTS", "TELEGRAM_FILE_MAX_BYTES", "MEDIA_MAX_BYTES",
         "MAX_CONTENT_LENGTH", "SMS_SEGMENT_CHARS", "SEND_POOL_SIZE"}
_BOOLS = {"RETRY_WORKER_THREAD", "CHANNELS_COOKIE_SECURE"}


def _coerce(name: str, raw: str) -> Any:
    if name == "LOG_FORMAT":
        return raw.strip().lower()
    if name in _FLOATS:
        return float(raw)
    if name in _INTS:
        return int(raw)
    if name in _BOOLS:
        # The one reading of a boolean, as in casestore/config.py's parse_bool.
        return raw.strip().lower() in ("1", "true", "yes", "on")
    return raw


def _service_token_from_file() -> str:
    # bin/run generates the token into var/ on first run; the case store reads
    # the same file, so an unset variable still lets the two agree.
    path = Path("var/service_token")
    return path.read_text().strip() if path.is_file() else ""


def _catalog_city(path: str) -> tuple[str, str]:
    """Return the catalog city's name and full 311 number ("404-546-0311").

    The catalog's ``phone`` is a line for people ("311 or 404-546-0311 (outside
    the city)"); the channels say "call 311 or <number>", so they take the last
    full number in it. Only the ``city:`` block is read: the catalog's services
    reach this app through the case store's API.
    """
    file = Path(__file__).resolve().parent.parent / path  # a relative path: from the repository
    city = (yaml.safe_load(file.read_text(encoding="utf-8")) or {}).get("city") or {}
    phone = city.get("phone") or ""
    if isinstance(phone, dict):  # written per language: the numbers are the same in each
        phone = next(iter(phone.values()), "")
    numbers = re.findall(r"\+?[\d][\d\s().-]{6,}\d", str(phone))
    return str(city.get("name") or ""), (numbers[-1].strip() if numbers else "")


def _catalog_languages(path: str) -> tuple[str, ...]:
    """The catalog's ``city.languages`` (ISO 639-1, the default first); English when unset."""
    file = Path(__file__).resolve().parent.parent / path
    city = (yaml.safe_load(file.read_text(encoding="utf-8")) or {}).get("city") or {}
    codes = [str(c).strip().lower() for c in city.get("languages") or [] if str(c).strip()]
    return tuple(dict.fromkeys(codes)) or ("en",)


def _dialable(number: str) -> str:
    """A North American number as written ("404-546-0311") in E.164 ("+14045460311")."""
    digits = re.sub(r"\D", "", number)
    if len(digits) == 10:
        return f"+1{digits}"
    return f"+{digits}" if len(digits) == 11 and digits.startswith("1") else ""


def load_settings(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return the settings: ``overrides`` first, then the environment, then DEFAULTS."""
    settings: dict[str, Any] = {}
    for name, default in DEFAULTS.items():
        raw = os.environ.get(name)
        settings[name] = _coerce(name, raw) if raw not in (None, "") else default
    settings.update(overrides or {})
    if not settings["CASESTORE_SERVICE_TOKEN"]:
        settings["CASESTORE_SERVICE_TOKEN"] = _service_token_from_file()
    if not settings["RASA_WEBHOOK_TOKEN"]:
        path = Path("var/rasa_webhook_token")
        settings["RASA_WEBHOOK_TOKEN"] = path.read_text().strip() if path.is_file() else ""
    if not settings["CHANNELS_INTERNAL_TOKEN"]:
        path = Path("var/channels_internal_token")
        settings["CHANNELS_INTERNAL_TOKEN"] = path.read_text().strip() if path.is_file() else ""
    if not settings["ACTIONS_CHANNELS_TOKEN"]:
        path = Path("var/actions_channels_token")
        settings["ACTIONS_CHANNELS_TOKEN"] = path.read_text().strip() if path.is_file() else ""
    if not settings["CITY_NAME"] or not settings["CITY_311_PHONE"]:
        name, phone = _catalog_city(settings["CATALOG_PATH"])
        settings["CITY_NAME"] = settings["CITY_NAME"] or name
        settings["CITY_311_PHONE"] = settings["CITY_311_PHONE"] or phone
    # Not a variable: the languages are the catalog's, like the city (channels.i18n).
    if not settings.get("LANGUAGES"):
        settings["LANGUAGES"] = _catalog_languages(settings["CATALOG_PATH"])
    if not settings["AGENT_PHONE_NUMBER"]:
        settings["AGENT_PHONE_NUMBER"] = _dialable(settings["CITY_311_PHONE"])
    if not settings["CHANNELS_DATABASE_URL"]:
        Path("var").mkdir(exist_ok=True)
        settings["CHANNELS_DATABASE_URL"] = f"sqlite:///{Path('var/channels.sqlite3').resolve()}"
    for name in ("RASA_URL", "CASESTORE_URL", "PUBLIC_BASE_URL", "TWILIO_API_BASE_URL",
                 "TELEGRAM_API_BASE_URL", "MESSENGER_API_BASE_URL"):
        settings[name] = settings[name].rstrip("/")
    return settings
