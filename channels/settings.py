"""Configuration of the channels app, read from the environment when the app is made.

Every variable is listed here with its default so that one place documents them
(docs/channels.md repeats the list for operators). Values are read inside
``load_settings()``, never at import, so tests and processes can set the
environment first.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

DEFAULTS: dict[str, Any] = {
    "RASA_URL": "http://localhost:5005",
    "RASA_AUTH_TOKEN": "",
    "CASESTORE_URL": "http://localhost:8080",
    "CASESTORE_SERVICE_TOKEN": "",
    "PUBLIC_BASE_URL": "http://localhost:8000",
    "CHANNELS_DATABASE_URL": "",
    # A Rasa turn slower than this is answered with the holding reply (providers
    # wait 15-20 s; we aim for 5 so a slow turn never costs a redelivery).
    "RASA_DEADLINE_SECONDS": 5.0,
    # How long a background Rasa call may take before the message is retried.
    "RASA_TIMEOUT_SECONDS": 60.0,
    "RETRY_WORKER_THREAD": True,
    "RETRY_POLL_SECONDS": 1.0,
    "RETRY_MAX_BACKOFF_SECONDS": 300.0,
    "CITY_311_PHONE": "404-546-0311",
    "AGENT_PHONE_NUMBER": "+14045460311",
    "CITY_NAME": "Atlanta",
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
    "MESSENGER_API_BASE_URL": "https://graph.facebook.com/v18.0",
    # What the voice menu and Telegram commands say to the assistant.
    "STATUS_QUESTION_TEXT": "I want to check the status of a case",
    "GREETING_TEXT": "hello",
    "STATUS_TEXT_TEMPLATE": "what is the status of case {number}",
    # A reply to a notice counts as an answer to it for this long.
    "NOTICE_REPLY_WINDOW_HOURS": 72.0,
    "MAX_CONTENT_LENGTH": 64 * 1024,
    "SMS_SEGMENT_CHARS": 600,
}

_FLOATS = {
    "RASA_DEADLINE_SECONDS",
    "RASA_TIMEOUT_SECONDS",
    "RETRY_POLL_SECONDS",
    "RETRY_MAX_BACKOFF_SECONDS",
    "NOTICE_REPLY_WINDOW_HOURS",
}
_INTS = {"MAX_CONTENT_LENGTH", "SMS_SEGMENT_CHARS"}
_BOOLS = {"RETRY_WORKER_THREAD"}


def _coerce(name: str, raw: str) -> Any:
    if name in _FLOATS:
        return float(raw)
    if name in _INTS:
        return int(raw)
    if name in _BOOLS:
        return raw.strip().lower() in ("1", "true", "yes", "on")
    return raw


def _service_token_from_file() -> str:
    # bin/run generates the token into var/ on first run; the case store reads
    # the same file, so an unset variable still lets the two agree.
    path = Path("var/service_token")
    return path.read_text().strip() if path.is_file() else ""


def load_settings(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return the settings: ``overrides`` first, then the environment, then DEFAULTS."""
    settings: dict[str, Any] = {}
    for name, default in DEFAULTS.items():
        raw = os.environ.get(name)
        settings[name] = _coerce(name, raw) if raw not in (None, "") else default
    settings.update(overrides or {})
    if not settings["CASESTORE_SERVICE_TOKEN"]:
        settings["CASESTORE_SERVICE_TOKEN"] = _service_token_from_file()
    if not settings["CHANNELS_DATABASE_URL"]:
        Path("var").mkdir(exist_ok=True)
        settings["CHANNELS_DATABASE_URL"] = f"sqlite:///{Path('var/channels.sqlite3').resolve()}"
    for name in ("RASA_URL", "CASESTORE_URL", "PUBLIC_BASE_URL", "TWILIO_API_BASE_URL",
                 "TELEGRAM_API_BASE_URL", "MESSENGER_API_BASE_URL"):
        settings[name] = settings[name].rstrip("/")
    return settings
