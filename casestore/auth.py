"""Who is calling: password hashing, the service token, staff tokens and sessions.

The service token is shared by the action server and the channels app
(``CASESTORE_SERVICE_TOKEN``, else ``var/service_token`` written by
``flask init``). Staff present a personal bearer token (stored as sha256) or
a Flask-Login session cookie from the portal.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, request
from flask_login import LoginManager, current_user
from sqlalchemy import select
from sqlalchemy.orm import Session

from .db import get_session
from .models import ApiKey, StaffToken, StaffUser, utcnow

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    """Return the argon2 hash of ``password``."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Return True when ``password`` matches the argon2 ``password_hash``."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def sha256_hex(token: str) -> str:
    """Return the sha256 hex digest under which a token or API key is stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def service_token_path() -> Path:
    """Return where ``init`` keeps the generated service token."""
    return Path(current_app.config["VAR_DIR"]) / "service_token"


def service_token() -> str | None:
    """Return the service token: the environment's, else the one under var/."""
    configured = current_app.config.get("SERVICE_TOKEN")
    if configured:
        return configured
    cached = current_app.extensions.get("casestore.service_token")
    if cached is None:
        path = service_token_path()
        cached = path.read_text().strip() if path.exists() else ""
        current_app.extensions["casestore.service_token"] = cached
    return cached or None


def new_secret() -> str:
    """Return a new random token."""
    return secrets.token_urlsafe(32)


def create_staff_token(session: Session, user: StaffUser) -> str:
    """Issue a bearer token for ``user``; only its hash is stored. Commits."""
    token = new_secret()
    session.add(StaffToken(staff_user_id=user.id, token_hash=sha256_hex(token)))
    session.commit()
    return token


def create_api_key(session: Session, name: str) -> tuple[ApiKey, str]:
    """Create an Open311 API key; return the row and the key (shown once). Commits."""
    key = new_secret()
    row = ApiKey(name=name, key_hash=sha256_hex(key))
    session.add(row)
    session.commit()
    return row, key


def find_api_key(session: Session, key: str | None) -> ApiKey | None:
    """Return the active API key row for ``key``, or None."""
    if not key or not isinstance(key, str) or len(key) > 200:
        return None
    row = session.execute(
        select(ApiKey).where(ApiKey.key_hash == sha256_hex(key))
    ).scalar_one_or_none()
    return row if row is not None and row.revoked_at is None else None


@dataclass(frozen=True)
class Caller:
    """The authenticated caller of a request: the service, a staff user, or nobody."""

    kind: str  # "service", "staff" or "anonymous"
    staff: StaffUser | None = None

    @property
    def is_service(self) -> bool:
        """True for the action server / channels app."""
        return self.kind == "service"

    @property
    def is_staff(self) -> bool:
        """True for a signed-in or token-bearing staff user."""
        return self.kind == "staff"


ANONYMOUS = Caller("anonymous")


def bearer_token() -> str | None:
    """Return the request's ``Authorization: Bearer`` token, if any."""
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip() or None
    return None


def is_service_token(token: str | None) -> bool:
    """Compare ``token`` with the service token in constant time."""
    expected = service_token()
    return bool(token and expected) and hmac.compare_digest(token.encode(), expected.encode())


def current_caller() -> Caller | None:
    """Return the request's caller; None when a token was given but is not valid."""
    token = bearer_token()
    if token is None:
        user = current_user
        if user is not None and getattr(user, "is_authenticated", False) and \
                isinstance(user, StaffUser) and user.active:
            return Caller("staff", user)
        return ANONYMOUS
    if is_service_token(token):
        return Caller("service")
    session = get_session()
    row = session.execute(
        select(StaffToken).where(StaffToken.token_hash == sha256_hex(token))
    ).scalar_one_or_none()
    if row is None or row.revoked_at is not None or not row.staff_user.active:
        return None
    return Caller("staff", row.staff_user)


# Flask-Login needs these on the user class; added here so models.py stays plain tables.
StaffUser.is_authenticated = property(lambda self: bool(self.active))
StaffUser.is_active = property(lambda self: bool(self.active))
StaffUser.is_anonymous = False
StaffUser.get_id = lambda self: str(self.id)


def init_login(app) -> LoginManager:
    """Set up Flask-Login for staff sessions (the portal adds the login views)."""
    manager = LoginManager()
    manager.init_app(app)

    @manager.user_loader
    def _load(user_id: str):
        try:
            user = get_session().get(StaffUser, int(user_id))
        except ValueError:
            return None
        return user if user is not None and user.active else None

    return manager


def touch_password(user: StaffUser, password: str) -> None:
    """Set ``user``'s password hash and when it changed."""
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
