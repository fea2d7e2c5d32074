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


def public_url(config) -> str:
    """Return the case store's public address (``CASESTORE_PUBLIC_URL``, else ``CASESTORE_URL``)."""
    return str(config.get("PUBLIC_URL") or config.get("CASESTORE_URL")
               or "http://localhost:8080").rstrip("/")


def load_settings() -> dict:
    """Return the app configuration taken from the environment, with defaults."""
    env = os.environ.get
    var = var_dir()
    return {
        "DATABASE_URL": env("DATABASE_URL") or f"sqlite:///{var / 'casestore.sqlite3'}",
        "CATALOG_PATH": env("CATALOG_PATH") or str(REPO_ROOT / "config" / "catalog.yml"),
        "VAR_DIR": str(var),
        "CASESTORE_URL": (env("CASESTORE_URL") or "http://localhost:8080").rstrip("/"),
        # The channels' internal app (/internal/send), never the public one, and the
        # bearer this app presents to it (unset: var/channels_internal_token, by `init`).
        "CHANNELS_INTERNAL_URL": (env("CHANNELS_INTERNAL_URL")
                                  or "http://localhost:8001").rstrip("/"),
        "CHANNELS_INTERNAL_TOKEN": env("CHANNELS_INTERNAL_TOKEN") or None,
        "SERVICE_TOKEN": env("CASESTORE_SERVICE_TOKEN") or None,
        "REDIS_URL": env("REDIS_URL") or None,
        # Flask-Limiter syntax; the public lookup by number is what people could scrape.
        "LOOKUP_RATE_LIMIT": env("CASESTORE_LOOKUP_RATE_LIMIT") or "60 per minute",
        # Open311 bulk reads (request lists, updates) per client, and ids per request list.
        "OPEN311_LIST_RATE_LIMIT": env("CASESTORE_OPEN311_LIST_RATE_LIMIT") or "10 per minute",
        "OPEN311_MAX_IDS": int(env("CASESTORE_OPEN311_MAX_IDS") or 50),
        # Emails that sign-up and password-reset forms may send to one address.
        "ACCOUNT_ADDRESS_RATE_LIMIT": env("CASESTORE_ACCOUNT_ADDRESS_RATE_LIMIT") or "5 per hour",
        # Proxies in front of the app whose X-Forwarded-For/-Proto are trusted: 1 behind
        # nginx or a cloud load balancer, 2 behind both; 0 ignores the headers.
        "TRUSTED_PROXY_HOPS": int(env("CASESTORE_TRUSTED_PROXY_HOPS") or 0),
        "SECRET_KEY": env("CASESTORE_SECRET_KEY") or None,
        # Session cookies only over https; false only for plain-http runs off localhost.
        "SESSION_COOKIE_SECURE": _bool(env("SESSION_COOKIE_SECURE"), True),
        # The address residents and staff use (links, HSTS); CASESTORE_URL may be internal.
        # Unset: CASESTORE_URL is both.
        "PUBLIC_URL": (env("CASESTORE_PUBLIC_URL") or "").rstrip("/") or None,
        "MAX_CONTENT_LENGTH": 1024 * 1024,
        "SMTP_HOST": env("SMTP_HOST") or None,
        "SMTP_PORT": int(env("SMTP_PORT") or 25),
        "SMTP_USER": env("SMTP_USER") or None,
        "SMTP_PASSWORD": env("SMTP_PASSWORD") or None,
        "SMTP_STARTTLS": _bool(env("SMTP_STARTTLS"), False),
        # starttls | ssl (implicit TLS, port 465) | none; unset: starttls when SMTP_STARTTLS,
        # ssl on port 465, else none (and then no login: credentials never go in clear).
        "SMTP_SECURITY": (env("SMTP_SECURITY") or "").strip().lower() or None,
        # A CA bundle to trust for the SMTP server instead of the system's (a private CA).
        "SMTP_CA_FILE": env("SMTP_CA_FILE") or None,
        "MAIL_FROM": env("MAIL_FROM") or "ATL311 <no-reply@localhost>",
        "NOTIFIER_POLL_SECONDS": float(env("NOTIFIER_POLL_SECONDS") or 5),
    }
