"""Signed, expiring tokens for links sent by email.

No table is needed: each token is signed with the app's secret key
(itsdangerous) under its own salt, so a confirmation token cannot be used as
a reset token. Tokens carry a fingerprint of the state they act on, which
makes them single-use: a reset token names the current password hash, so it
dies once the password changes; a reopen token names the closure time, so it
dies once the case is reopened (and closed again).
"""

from __future__ import annotations

import datetime as dt
import hashlib

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

CONFIRM_HOURS = 72
RESET_HOURS = 2
REOPEN_DAYS = 30


def _serializer(purpose: str, secret: str | None = None) -> URLSafeTimedSerializer:
    key = secret or current_app.secret_key
    if not key:
        raise RuntimeError("the case store has no SECRET_KEY; signed links need one")
    return URLSafeTimedSerializer(key, salt=f"atl311-{purpose}")


def fingerprint(value: str | None) -> str:
    """Return a short, non-reversible fingerprint of a secret-ish value."""
    return hashlib.sha256((value or "").encode()).hexdigest()[:16]


def make_token(purpose: str, payload: dict, secret: str | None = None) -> str:
    """Sign ``payload`` for ``purpose`` (confirm, reset, reopen)."""
    return _serializer(purpose, secret).dumps(payload)


def read_token(purpose: str, token: str, max_age_seconds: int) -> dict | None:
    """Return the payload of a valid, unexpired token for ``purpose``, else None."""
    try:
        data = _serializer(purpose).loads(token or "", max_age=max_age_seconds)
    except (SignatureExpired, BadSignature):
        return None
    return data if isinstance(data, dict) else None


def confirm_token(resident_id: int, email: str) -> str:
    """Token for the link that confirms a resident's email address."""
    return make_token("confirm", {"r": resident_id, "e": email})


def reset_token(resident_id: int, password_hash: str) -> str:
    """Token for a password reset link; void once the password changes."""
    return make_token("reset", {"r": resident_id, "p": fingerprint(password_hash)})


def reopen_token(case_number: str, closed_at: dt.datetime, secret: str | None = None) -> str:
    """Token for the closed notice's "not fixed?" link, tied to this closure."""
    return make_token("reopen", {"c": case_number, "t": closed_at.isoformat()}, secret)


def reopen_allowed_until(closed_at: dt.datetime) -> dt.datetime:
    """Return the end of the window in which the resident may reopen."""
    return closed_at + dt.timedelta(days=REOPEN_DAYS)
