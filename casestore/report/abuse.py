"""Abuse control of the web form without a third-party CAPTCHA.

Three checks, none of which needs anything from outside the case store:

- a rate limit per client on every POST (``REPORT_RATE_LIMIT``, applied with
  ``casestore.limits.rate_limited`` by the views);
- a honeypot: a text field that people never see (hidden by the stylesheet and
  from screen readers) and that form-filling robots fill in;
- a minimum fill time: the form carries a signed "started" token made when the
  form was first shown; a submission sooner than ``REPORT_MIN_FILL_SECONDS``
  after it is a robot's (or a very lucky autofill's) and is asked to try again.

The started token also names the form (a random nonce), which makes it the
idempotency key of the case it files: sending the same form twice files once.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

_SALT = "casestore.report.started"
# A form left open longer than this is stale: shown again with a fresh token.
MAX_FORM_AGE_SECONDS = 24 * 3600
# The honeypot's field name: a word robots fill in and browsers do not autofill here
# (the field has autocomplete="off").
HONEYPOT = "website"


@dataclass(frozen=True)
class Started:
    """What a valid started token says: which form, and how many seconds ago it was shown."""

    nonce: str
    elapsed: float


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=_SALT)


def start_token() -> str:
    """Return a new signed "started" token for a form shown now."""
    return _serializer().dumps(secrets.token_urlsafe(12))


def read_started(token: str | None) -> Started | None:
    """Return what ``token`` says, or None when it is missing, forged or too old."""
    if not token:
        return None
    try:
        nonce, signed_at = _serializer().loads(token, max_age=MAX_FORM_AGE_SECONDS,
                                               return_timestamp=True)
    except (SignatureExpired, BadSignature):
        return None
    if not isinstance(nonce, str):
        return None
    return Started(nonce=nonce, elapsed=time.time() - signed_at.timestamp())


def min_fill_seconds() -> float:
    """Return ``REPORT_MIN_FILL_SECONDS``: the least time a person takes to fill the form."""
    return float(current_app.config["REPORT_MIN_FILL_SECONDS"])


def report_rate_limit() -> str:
    """Return ``REPORT_RATE_LIMIT``: form submissions (report and follow) per client."""
    return current_app.config["REPORT_RATE_LIMIT"]


def refusal(token: str | None, honeypot: str | None) -> str | None:
    """Return why a submission is refused (``honeypot``, ``stale``, ``too_fast``), or None.

    The reason goes to the log only; the resident is told the same polite
    "please try again" whatever it is, so a robot learns nothing.
    """
    if honeypot:
        return "honeypot"
    started = read_started(token)
    if started is None:
        return "stale"
    if started.elapsed < min_fill_seconds():
        return "too_fast"
    return None


def idempotency_key(token: str) -> str | None:
    """Return the case's idempotency key for the form ``token`` names (None: no valid token)."""
    started = read_started(token)
    if started is None:
        return None
    return "web-form:" + hashlib.sha256(started.nonce.encode()).hexdigest()[:40]
