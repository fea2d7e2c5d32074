"""Settings of the case store, read from the environment when first needed.

Nothing here runs at import: ``load_settings()`` is called by ``create_app``
so a test can set variables (or pass overrides) before building an app.
Every variable is listed with its meaning and default in ``.env.example``.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def var_dir() -> Path:
    """Return the folder for local state (SQLite file, tokens, email outbox)."""
    return Path(os.environ.get("CASESTORE_VAR_DIR") or REPO_ROOT / "var")


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def load_settings() -> dict:
    """Return the app configuration taken from the environment, with defaults."""
    env = os.environ.get
    var = var_dir()
    return {
        "DATABASE_URL": env("DATABASE_URL") or f"sqlite:///{var / 'casestore.sqlite3'}",
        "CATALOG_PATH": env("CATALOG_PATH") or str(REPO_ROOT / "config" / "catalog.yml"),
        "VAR_DIR": str(var),
        "CASESTORE_URL": (env("CASESTORE_URL") or "http://localhost:8080").rstrip("/"),
        "CHANNELS_URL": (env("CHANNELS_URL") or "http://localhost:8000").rstrip("/"),
        "SERVICE_TOKEN": env("CASESTORE_SERVICE_TOKEN") or None,
        "REDIS_URL": env("REDIS_URL") or None,
        # Flask-Limiter syntax; the public lookup by number is what people could scrape.
        "LOOKUP_RATE_LIMIT": env("CASESTORE_LOOKUP_RATE_LIMIT") or "60 per minute",
        "SECRET_KEY": env("CASESTORE_SECRET_KEY") or None,
        "MAX_CONTENT_LENGTH": 1024 * 1024,
        "SMTP_HOST": env("SMTP_HOST") or None,
        "SMTP_PORT": int(env("SMTP_PORT") or 25),
        "SMTP_USER": env("SMTP_USER") or None,
        "SMTP_PASSWORD": env("SMTP_PASSWORD") or None,
        "SMTP_STARTTLS": _bool(env("SMTP_STARTTLS"), False),
        "MAIL_FROM": env("MAIL_FROM") or "ATL311 <no-reply@localhost>",
        "NOTIFIER_POLL_SECONDS": float(env("NOTIFIER_POLL_SECONDS") or 5),
    }
