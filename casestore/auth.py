"""Who is calling: password hashing, the service token, staff tokens and sessions.

The service token is shared by the action server and the channels app
(``CASESTORE_SERVICE_TOKEN``, else ``var/service_token`` written by
``flask init``). Staff present a personal bearer token (stored as sha256) or
a Flask-Login session cookie from the portal.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, request, session
from flask_login import LoginManager, current_user
from sqlalchemy import select
from sqlalchemy.orm import Session

from .db import get_session
from .models import ApiKey, StaffToken, StaffUser, utcnow

_hasher = PasswordHasher()
# Verified against when an account does not exist, so a miss takes as long as a wrong password.
_DUMMY_HASH: str | None = None

STAFF_SESSION_HOURS = 8
_STAFF_AT = "staff_login_at"
_STAFF_PW = "staff_pw"


def hash_password(password: str) -> str:
    """Return the argon2 hash of ``password``."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Return True when ``password`` matches the argon2 ``password_hash``."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def verify_or_dummy(password_hash: str | None, password: str) -> bool:
    """Verify ``password``; with no account (``None``) verify against a dummy hash, return False.

    Both paths run one argon2 verification, so timing never tells whether an
    email has an account.
    """
    global _DUMMY_HASH
    if password_hash is None:
        if _DUMMY_HASH is None:
            _DUMMY_HASH = hash_password("not a real password")
        verify_password(_DUMMY_HASH, password)
        return False
    return verify_password(password_hash, password)


def password_fingerprint(password_hash: str | None) -> str:
    """Return a short fingerprint of a password hash, kept in the session cookie.

    A session remembers the fingerprint of the password it signed in with; a
    password change makes every other session's fingerprint stale.
    """
    return hashlib.sha256(("session:" + (password_hash or "")).encode()).hexdigest()[:16]


def write_secret_file(path: Path, value: str) -> bool:
    """Create ``path`` holding ``value``, readable by the owner only; False when it exists.

    The value is written to a private temporary file made with ``O_CREAT |
    O_EXCL`` and mode 0600 (its final permissions from the first byte, no
    window under the umask), then hard-linked into place: the link either
    appears complete or fails because another process won, so two workers
    racing end with the same secret and no one ever reads a half-written file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(value)
            handle.flush()
            os.fsync(handle.fileno())
        os.link(temporary, path)
        return True
    except FileExistsError:
        return False
    except OSError:
        # A filesystem without hard links: create the file itself, still 0600 and exclusive.
        return _write_exclusive(path, value)
    finally:
        temporary.unlink(missing_ok=True)


def _write_exclusive(path: Path, value: str) -> bool:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w") as handle:
        handle.write(value)
        handle.flush()
        os.fsync(handle.fileno())
    return True


def read_secret_file(path: Path, value: str) -> str:
    """Return the secret kept in ``path``, storing ``value`` there first when there is none."""
    write_secret_file(path, value + "\n")
    return path.read_text().strip()


def sha256_hex(token: str) -> str:
    """Return the sha256 hex digest under which a token or API key is stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def token_values(value: str | None) -> list[str]:
    """The values of a token setting: one, or while it is rotated several, comma-separated.

    Whoever presents the token sends the first; whoever checks it accepts any
    (docs/operations.md, *Rotate secrets*).
    """
    return [part.strip() for part in (value or "").split(",") if part.strip()]


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
    """Compare ``token`` with the service token (each of its values) in constant time."""
    if not token:
        return False
    # Every value is compared, so the time taken does not tell which one matched.
    matches = [hmac.compare_digest(token.encode(), expected.encode())
               for expected in token_values(service_token())]
    return any(matches)


def start_staff_session(user: StaffUser) -> None:
    """Stamp a staff sign-in on the session: when, and with which password."""
    session[_STAFF_AT] = utcnow().isoformat()
    session[_STAFF_PW] = password_fingerprint(user.password_hash)


def staff_session_valid(user: StaffUser) -> bool:
    """Return True while a staff cookie session is within 8 h of sign-in and the password
    it signed in with is still the account's (a change ends every other session)."""
    started = session.get(_STAFF_AT)
    try:
        age = utcnow() - dt.datetime.fromisoformat(started)
    except (TypeError, ValueError):
        return False
    if age > dt.timedelta(hours=STAFF_SESSION_HOURS):
        return False
    return hmac.compare_digest(str(session.get(_STAFF_PW, "")),
                               password_fingerprint(user.password_hash))


def current_caller() -> Caller | None:
    """Return the request's caller; None when a token was given but is not valid.

    A portal cookie counts as staff only under the portal's own session rules
    (``staff_session_valid``), so the API never outlives a sign-in.
    """
    token = bearer_token()
    if token is None:
        user = current_user
        if user is not None and getattr(user, "is_authenticated", False) and \
                isinstance(user, StaffUser) and user.active and staff_session_valid(user):
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
