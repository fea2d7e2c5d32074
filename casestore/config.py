"""Settings of the case store: one table, read from the environment when the app is made.

Nothing here runs at import: ``load_settings()`` is called by ``create_app`` so a
test can set variables (or pass overrides) before building an app, and every
module reads ``current_app.config``, never the environment. ``DEFAULTS`` is keyed
by the app config name; ``ENV_NAMES`` gives the variable when it differs (the
``CASESTORE_`` prefix keeps the case store's keys apart from the channels' in one
``.env``). Every variable is listed with its meaning and default in ``.env.example``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent

DEFAULTS: dict[str, Any] = {
    # Empty: SQLite file casestore.sqlite3 under VAR_DIR.
    "DATABASE_URL": "",
    "CATALOG_PATH": str(REPO_ROOT / "config" / "catalog.yml"),
    # Local state: SQLite file, tokens, secret key, email outbox.
    "VAR_DIR": str(REPO_ROOT / "var"),
    "CASESTORE_URL": "http://localhost:8080",
    # The channels' internal app (/internal/send), never the public one, and the
    # bearer this app presents to it (unset: var/channels_internal_token, by `init`).
    "CHANNELS_INTERNAL_URL": "http://localhost:8001",
    "CHANNELS_INTERNAL_TOKEN": None,
    "SERVICE_TOKEN": None,
    "REDIS_URL": None,
    # Flask-Limiter syntax; the public lookup by number is what people could scrape.
    "LOOKUP_RATE_LIMIT": "60 per minute",
    # Open311 bulk reads (request lists, updates) per client, and ids per request list.
    "OPEN311_LIST_RATE_LIMIT": "10 per minute",
    "OPEN311_MAX_IDS": 50,
    # Emails that sign-up and password-reset forms may send to one address.
    "ACCOUNT_ADDRESS_RATE_LIMIT": "5 per hour",
    # Sign-in, sign-up and reset posts per client (resident pages, staff portal).
    "ACCOUNT_RATE_LIMIT": "10 per minute",
    "PORTAL_LOGIN_RATE_LIMIT": "10 per minute",
    # The resident web form (/report): report and follow posts per client, and the least
    # time (seconds) between showing the form and sending it; sooner is a robot's.
    "REPORT_RATE_LIMIT": "10 per hour",
    "REPORT_MIN_FILL_SECONDS": 3,
    # Proxies in front of the app whose X-Forwarded-For/-Proto are trusted: 1 behind
    # nginx or a cloud load balancer, 2 behind both; 0 ignores the headers.
    "TRUSTED_PROXY_HOPS": 0,
    "SECRET_KEY": None,
    # Session cookies only over https; false only for plain-http runs off localhost.
    "SESSION_COOKIE_SECURE": True,
    # The scheme of links made outside a request (notices sent by the notifier).
    "PREFERRED_URL_SCHEME": "http",
    # The address residents and staff use (links, HSTS); CASESTORE_URL may be internal.
    # Unset: CASESTORE_URL is both.
    "PUBLIC_URL": None,
    "MAX_CONTENT_LENGTH": 1024 * 1024,
    "SMTP_HOST": None,
    "SMTP_PORT": 25,
    "SMTP_USER": None,
    "SMTP_PASSWORD": None,
    "SMTP_STARTTLS": False,
    # starttls | ssl (implicit TLS, port 465) | none; unset: starttls when SMTP_STARTTLS,
    # ssl on port 465, else none (and then no login: credentials never go in clear).
    "SMTP_SECURITY": None,
    # A CA bundle to trust for the SMTP server instead of the system's (a private CA).
    "SMTP_CA_FILE": None,
    # Empty: "<the catalog city's short name> <no-reply@localhost>".
    "MAIL_FROM": None,
    "NOTIFIER_POLL_SECONDS": 5.0,
    # A folder whose templates override casestore/templates/email/ (notices) and
    # chat/ (live chat's lines) one file at a time.
    "NOTICE_TEMPLATES_DIR": None,
    # Live chat desk: staffed hours in the catalog city's timezone (livechat/hours.py)
    # and how long a chat may wait for an agent.
    "LIVECHAT_HOURS": "Mon-Fri 08:00-17:00",
    "LIVECHAT_WAIT_TIMEOUT_S": 600.0,
    # Open311 discovery: the jurisdiction_id answered to (unset: any), the contact line
    # (unset: the catalog city's short name and phone), where to ask for an api_key.
    "OPEN311_JURISDICTION_ID": None,
    "OPEN311_CONTACT": None,
    "OPEN311_KEY_SERVICE": None,
    # The danger-to-people cues, shared with Rasa and the action server.
    "EMERGENCY_CUES": str(REPO_ROOT / "config" / "emergency.yml"),
    # Places (docs/casestore.md): the geocoder the notifier's job asks for typed addresses
    # (none | offline | nominatim | arcgis | census), its base URL (unset: the provider's
    # public one), key (ArcGIS) and the User-Agent it is sent (Nominatim requires one).
    "GEOCODER": "offline",
    "GEOCODER_URL": None,
    "GEOCODER_API_KEY": None,
    "GEOCODER_USER_AGENT": None,
    # Address suggestions (/api/v1/places/suggest) per client: one per typed letter or so.
    "PLACES_RATE_LIMIT": "120 per minute",
    # Map tiles for the pages' maps (casestore/maps.py): a {z}/{x}/{y} URL template and
    # the attribution its provider asks for. Unset: no maps, the address and a link.
    "MAP_TILE_URL": None,
    "MAP_ATTRIBUTION": None,
    # Photos (casestore/media): "local" keeps them in MEDIA_DIR (empty: media/ under
    # VAR_DIR), "s3" in MEDIA_S3_BUCKET of an S3-compatible store (MEDIA_S3_ENDPOINT_URL
    # for MinIO and the like; credentials from boto3's usual environment).
    "MEDIA_STORE": "local",
    "MEDIA_DIR": "",
    "MEDIA_S3_BUCKET": None,
    "MEDIA_S3_ENDPOINT_URL": None,
    # Largest photo accepted (bytes), and stored photos one case may have.
    "MEDIA_MAX_BYTES": 10 * 1024 * 1024,
    "MEDIA_MAX_PER_CASE": 5,
    # Log lines on stderr: "json" (one object per line, for a log collector) or "text"
    # (key=value, for a terminal). Shared with the channels and the assistant.
    "LOG_FORMAT": "json",
    # When set, GET /metrics answers only "Authorization: Bearer <this>" (the scraper's);
    # unset, it answers anyone who reaches it (the proxy must not route it: docs).
    "METRICS_TOKEN": None,
}

ENV_NAMES: dict[str, str] = {
    "VAR_DIR": "CASESTORE_VAR_DIR",
    "SERVICE_TOKEN": "CASESTORE_SERVICE_TOKEN",
    "LOOKUP_RATE_LIMIT": "CASESTORE_LOOKUP_RATE_LIMIT",
    "OPEN311_LIST_RATE_LIMIT": "CASESTORE_OPEN311_LIST_RATE_LIMIT",
    "OPEN311_MAX_IDS": "CASESTORE_OPEN311_MAX_IDS",
    "ACCOUNT_ADDRESS_RATE_LIMIT": "CASESTORE_ACCOUNT_ADDRESS_RATE_LIMIT",
    "TRUSTED_PROXY_HOPS": "CASESTORE_TRUSTED_PROXY_HOPS",
    "SECRET_KEY": "CASESTORE_SECRET_KEY",
    "PUBLIC_URL": "CASESTORE_PUBLIC_URL",
    "REPORT_RATE_LIMIT": "CASESTORE_REPORT_RATE_LIMIT",
    "REPORT_MIN_FILL_SECONDS": "CASESTORE_REPORT_MIN_FILL_SECONDS",
    "PLACES_RATE_LIMIT": "CASESTORE_PLACES_RATE_LIMIT",
}

# MAX_CONTENT_LENGTH is not read from the environment: the API's upload limit is a
# property of the code (photos are refused above it), not of a deployment.
FIXED = {"MAX_CONTENT_LENGTH"}

_INTS = {"OPEN311_MAX_IDS", "TRUSTED_PROXY_HOPS", "SMTP_PORT", "MEDIA_MAX_BYTES",
         "MEDIA_MAX_PER_CASE"}
_FLOATS = {"NOTIFIER_POLL_SECONDS", "LIVECHAT_WAIT_TIMEOUT_S", "REPORT_MIN_FILL_SECONDS"}
_BOOLS = {"SESSION_COOKIE_SECURE", "SMTP_STARTTLS"}
_URLS = {"CASESTORE_URL", "CHANNELS_INTERNAL_URL", "PUBLIC_URL", "GEOCODER_URL"}


def env_name(key: str) -> str:
    """Return the environment variable that sets the config key ``key``."""
    return ENV_NAMES.get(key, key)


def parse_bool(raw: str) -> bool:
    """Read a boolean the one way every app does: 1/true/yes/on, any case, else false."""
    return raw.strip().lower() in ("1", "true", "yes", "on")


def _coerce(key: str, raw: str) -> Any:
    if key in _INTS:
        return int(raw)
    if key in _FLOATS:
        return float(raw)
    if key in _BOOLS:
        return parse_bool(raw)
    if key in _URLS:
        return raw.rstrip("/")
    if key in ("SMTP_SECURITY", "GEOCODER", "LOG_FORMAT"):
        return raw.strip().lower()
    return raw


def public_url(config) -> str:
    """Return the case store's public address (``CASESTORE_PUBLIC_URL``, else ``CASESTORE_URL``)."""
    return str(config.get("PUBLIC_URL") or config.get("CASESTORE_URL")
               or "http://localhost:8080").rstrip("/")


def load_settings(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return the settings: ``overrides`` first, then the environment, then DEFAULTS."""
    settings: dict[str, Any] = {}
    for key, default in DEFAULTS.items():
        raw = None if key in FIXED else os.environ.get(env_name(key))
        settings[key] = _coerce(key, raw) if raw not in (None, "") else default
    settings.update(overrides or {})
    if not settings["DATABASE_URL"]:
        settings["DATABASE_URL"] = f"sqlite:///{Path(settings['VAR_DIR']) / 'casestore.sqlite3'}"
    return settings
