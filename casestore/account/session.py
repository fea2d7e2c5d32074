"""Resident sign-in state, kept apart from the staff's Flask-Login session.

Flask-Login's one user loader belongs to staff (``casestore.auth``); a
resident is remembered under their own session key, so a resident cookie can
never be taken for a staff sign-in and the two never mix.
"""

from __future__ import annotations

import datetime as dt
import hmac
from collections.abc import Callable
from functools import wraps

from flask import g, redirect, request, session, url_for
from sqlalchemy import func, select

from casestore.auth import password_fingerprint
from casestore.db import get_session
from casestore.models import Resident, utcnow

RESIDENT_SESSION_DAYS = 7
_KEY = "resident_id"
_AT = "resident_login_at"
_PW = "resident_pw"


def sign_in(resident: Resident) -> None:
    """Remember ``resident`` in a fresh session."""
    session.clear()  # a new session on sign-in (no fixation)
    session.permanent = True
    session[_KEY] = resident.id
    session[_AT] = utcnow().isoformat()
    # A later password change makes this stale, which ends every other session.
    session[_PW] = password_fingerprint(resident.password_hash)


def sign_out() -> None:
    """Forget the resident's sign-in."""
    session.pop(_KEY, None)
    session.pop(_AT, None)
    session.pop(_PW, None)


def current_resident() -> Resident | None:
    """Return the signed-in resident with a confirmed email, or None.

    A session signed in before the account's last password change is over.
    """
    if "resident" in g:
        return g.resident
    resident = None
    rid, started = session.get(_KEY), session.get(_AT)
    if rid and started:
        fresh = utcnow() - dt.datetime.fromisoformat(started) < dt.timedelta(
            days=RESIDENT_SESSION_DAYS
        )
        row = get_session().get(Resident, rid) if fresh else None
        if row is not None and row.email_confirmed_at is not None and hmac.compare_digest(
                str(session.get(_PW, "")), password_fingerprint(row.password_hash)):
            resident = row
    g.resident = resident
    return resident


def resident_required(view: Callable) -> Callable:
    """Decorate a view: a signed-in resident only, else the sign-in page."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if current_resident() is None:
            return redirect(url_for("account.login", next=request.path))
        return view(*args, **kwargs)

    return wrapped


def resident_by_email(email: str) -> Resident | None:
    """Return the account with this email (case-insensitive), or None."""
    return get_session().execute(
        select(Resident).where(func.lower(Resident.email) == email.strip().lower())
    ).scalar_one_or_none()
