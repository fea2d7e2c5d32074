"""Settings of the action server: one table, read from the environment.

``DEFAULTS`` lists every variable the action server reads, with its default;
``current()`` coerces them once and keeps the result until the environment
changes (a test's ``monkeypatch.setenv``; an operator restarts the process),
so the modules of bot/actions/ read ``current().<name>`` instead of
``os.environ``. Nothing here imports Rasa. ``.env.example`` and
docs/assistant.md describe each variable.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]

DEFAULTS: dict[str, Any] = {
    "CASESTORE_URL": "http://localhost:8080",
    # Seconds an action waits for the case store.
    "CASESTORE_TIMEOUT": 5.0,
    # Empty: read from CASESTORE_TOKEN_FILE (written by `flask --app casestore init`).
    "CASESTORE_SERVICE_TOKEN": "",
    "CASESTORE_TOKEN_FILE": "var/service_token",
    # A stale catalog beats no catalog: seconds before it is fetched again.
    "CATALOG_TTL": 60.0,
    # The channels' internal app, where queued reports' numbers are sent
    # (/internal/send), and the action server's own bearer there (empty: read
    # from var/actions_channels_token).
    "CHANNELS_INTERNAL_URL": "http://localhost:8001",
    "ACTIONS_CHANNELS_TOKEN": "",
    # Empty: SQLite file var/actions.sqlite3.
    "ACTIONS_DATABASE_URL": "",
    # The queued-report worker: seconds between looks, first wait after a
    # failure (doubling), longest wait.
    "PENDING_POLL_SECONDS": 5.0,
    "PENDING_RETRY_SECONDS": 5.0,
    "PENDING_MAX_BACKOFF_SECONDS": 300.0,
    # The catalog file, read for its `city:` block when the case store is unreachable.
    "CATALOG_PATH": "config/catalog.yml",
    "EMERGENCY_CUES": str(ROOT / "config" / "emergency.yml"),
    "PLACES_FILE": str(ROOT / "config" / "places.yml"),
    # 127.0.0.1: only Rasa, on the same machine, may call it (no authentication).
    "ACTIONS_HOST": "127.0.0.1",
    "ACTIONS_PORT": 5055,
    # At INFO no resident text or contact detail is logged.
    "LOG_LEVEL": "INFO",
    # Log lines on stderr: "json" (one object per line) or "text" (key=value); Rasa's
    # launcher (bot/serve_rasa.py) reads the same variable.
    "LOG_FORMAT": "json",
    # When set, GET /metrics answers only "Authorization: Bearer <this>".
    "METRICS_TOKEN": "",
}

_FLOATS = {"CASESTORE_TIMEOUT", "CATALOG_TTL", "PENDING_POLL_SECONDS",
           "PENDING_RETRY_SECONDS", "PENDING_MAX_BACKOFF_SECONDS"}
_INTS = {"ACTIONS_PORT"}
_URLS = {"CASESTORE_URL", "CHANNELS_INTERNAL_URL"}


@dataclass(frozen=True)
class Settings:
    """The action server's settings, coerced; attribute names are the variables'."""

    CASESTORE_URL: str
    CASESTORE_TIMEOUT: float
    CASESTORE_SERVICE_TOKEN: str
    CASESTORE_TOKEN_FILE: str
    CATALOG_TTL: float
    CHANNELS_INTERNAL_URL: str
    ACTIONS_CHANNELS_TOKEN: str
    ACTIONS_DATABASE_URL: str
    PENDING_POLL_SECONDS: float
    PENDING_RETRY_SECONDS: float
    PENDING_MAX_BACKOFF_SECONDS: float
    CATALOG_PATH: str
    EMERGENCY_CUES: str
    PLACES_FILE: str
    ACTIONS_HOST: str
    ACTIONS_PORT: int
    LOG_LEVEL: str
    LOG_FORMAT: str
    METRICS_TOKEN: str


def _coerce(name: str, raw: str) -> Any:
    if name in _FLOATS:
        return float(raw)
    if name in _INTS:
        return int(raw)
    if name in _URLS:
        return raw.rstrip("/")
    if name == "LOG_FORMAT":
        return raw.strip().lower()
    return raw.strip()


def load(environ: dict[str, str] | None = None) -> Settings:
    """Return the settings from ``environ`` (default: the process environment)."""
    env = os.environ if environ is None else environ
    values = {}
    for name, default in DEFAULTS.items():
        raw = env.get(name)
        values[name] = _coerce(name, raw) if raw not in (None, "") else default
    return Settings(**values)


_lock = threading.Lock()
_cached: tuple[tuple, Settings] | None = None


def current() -> Settings:
    """Return the settings, read again only when one of the variables has changed."""
    global _cached
    key = tuple(os.environ.get(name) for name in DEFAULTS)
    with _lock:
        if _cached is None or _cached[0] != key:
            _cached = (key, load())
        return _cached[1]


def presented_token(setting: str) -> str:
    """The value of a token setting to present: the first of its comma-separated values.

    While a token is rotated its setting holds the new value and the old one
    (``new,old``): the receiver accepts both, the action server sends the new one
    (docs/operations.md, *Rotate secrets*).
    """
    return next((part.strip() for part in setting.split(",") if part.strip()), "")
