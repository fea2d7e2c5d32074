"""Stored photos and cases: ingest an upload, attach photos to a case, find them again.

A case lists a stored photo in ``media_urls`` as ``media:<token>``, beside any
link it was given (an Open311 client's ``media_url``, which is never fetched),
so "photo 2" keeps meaning the second entry there; the ``photos`` row has the
rest. ``ingest`` commits its own row (an upload comes before the case it will
belong to); ``attach`` is part of the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets

from flask import current_app, has_app_context
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from ..config import public_url
from ..db import get_session
from ..errors import ValidationError
from ..logs import get_logger
from ..models import PHOTO_SOURCES, Case, Photo, utcnow
from .images import CONTENT_TYPE, clean_image
from .store import get_store

log = get_logger("casestore.media")

MEDIA_REF_PREFIX = "media:"
# secrets.token_urlsafe(24): 32 characters, 192 random bits.
PHOTO_ID_PATTERN = r"[A-Za-z0-9_-]{32}"
MEDIA_REF_PATTERN = rf"^{MEDIA_REF_PREFIX}{PHOTO_ID_PATTERN}$"
_REF = re.compile(MEDIA_REF_PATTERN)
# A stored photo's reference inside a line of text, not a prefix of some longer word.
MEDIA_REF_IN_TEXT = re.compile(rf"\b{MEDIA_REF_PREFIX}({PHOTO_ID_PATTERN})(?![\w-])")
_TOKEN = re.compile(rf"^{PHOTO_ID_PATTERN}$")


def media_ref(token: str) -> str:
    """Return the reference a case keeps for a stored photo: ``media:<token>``."""
    return f"{MEDIA_REF_PREFIX}{token}"


def ref_token(entry: object) -> str | None:
    """Return the token of a ``media:<token>`` entry, or None for anything else (a link)."""
    if isinstance(entry, str) and _REF.match(entry):
        return entry[len(MEDIA_REF_PREFIX):]
    return None


def is_token(value: object) -> bool:
    """Return True when ``value`` has the form of a photo token (says nothing of existence)."""
    return isinstance(value, str) and _TOKEN.match(value) is not None


def public_photo_url(token: str) -> str:
    """Return the public copy's address, ``<PUBLIC_URL>/media/<token>``."""
    base = public_url(current_app.config) if has_app_context() else "http://localhost:8080"
    return f"{base}/media/{token}"


def ingest(data: bytes, *, source: str, keep_location: bool = False,
           session: Session | None = None) -> Photo:
    """Check, clean and store an uploaded photo; return its row, not yet on any case.

    ``source`` is one of ``models.PHOTO_SOURCES``. ``keep_location``: the
    resident allowed the photo's GPS position to be kept (as ``lat``/``long``
    on the row; the caller may give it to the case). Raises ``MediaRefused``
    for anything that is not an acceptable photo, storing nothing. Commits
    ``session`` (default: the request's).
    """
    if source not in PHOTO_SOURCES:
        raise ValueError(f"source must be one of {', '.join(PHOTO_SOURCES)}")
    clean = clean_image(data, max_bytes=current_app.config["MEDIA_MAX_BYTES"],
                        keep_location=keep_location)
    token = secrets.token_urlsafe(24)
    photo = Photo(token=token, source=source, content_type=CONTENT_TYPE, width=clean.width,
                  height=clean.height, size=len(clean.full), is_public=False,
                  lat=clean.location[0] if clean.location else None,
                  long=clean.location[1] if clean.location else None,
                  storage_key=f"photos/{token}.jpg", thumb_key=f"photos/{token}-thumb.jpg")
    store = get_store()
    session = session or get_session()
    # Bytes first, row second: a row never names a file that is not there.
    store.put(photo.storage_key, clean.full, CONTENT_TYPE)
    store.put(photo.thumb_key, clean.thumb, CONTENT_TYPE)
    try:
        session.add(photo)
        session.commit()
    except Exception:
        session.rollback()
        store.delete(photo.storage_key)
        store.delete(photo.thumb_key)
        raise
    log.info("photo_stored", source=source, size=photo.size, located=photo.lat is not None)
    return photo


def _max_per_case() -> int:
    return int(current_app.config["MEDIA_MAX_PER_CASE"])


def _stored_count(session: Session, case: Case | None) -> int:
    if case is None or case.id is None:
        return 0
    return session.execute(
        select(func.count()).select_from(Photo).where(Photo.case_id == case.id)
    ).scalar_one()


def free_photos_in(session: Session, texts: list[str]) -> list[str]:
    """The ``media:<token>`` references in ``texts`` (a live chat's resident lines) whose
    photos are stored and on no case yet, each once, in order, at most MEDIA_MAX_PER_CASE."""
    tokens = list(dict.fromkeys(m.group(1) for text in texts
                                for m in MEDIA_REF_IN_TEXT.finditer(text or "")))
    if not tokens:
        return []
    free = set(session.execute(select(Photo.token).where(
        Photo.token.in_(tokens), Photo.case_id.is_(None))).scalars())
    return [media_ref(t) for t in tokens if t in free][:_max_per_case()]


def check_attachable(session: Session, tokens: list[str], *, case: Case | None = None,
                     field: str = "media_urls") -> list[str]:
    """Raise ``ValidationError`` (422) unless every token names a stored photo that is free
    (or already ``case``'s) and the case stays within ``MEDIA_MAX_PER_CASE``.

    Returns the tokens that are new to the case, each once, in order.
    """
    wanted = list(dict.fromkeys(tokens))
    if not wanted:
        return []
    rows = {p.token: p for p in session.execute(
        select(Photo).where(Photo.token.in_(wanted))).scalars()}
    own = case.id if case is not None else None
    for token in wanted:
        photo = rows.get(token)
        if photo is None or (photo.case_id is not None and photo.case_id != own):
            # The same answer for "no such photo" and "another case's": tokens can't be probed.
            raise ValidationError({field: f"{media_ref(token)} is not a photo uploaded "
                                          "for this case"})
    new = [t for t in wanted if rows[t].case_id is None]
    if _stored_count(session, case) + len(new) > _max_per_case():
        raise ValidationError({field: f"at most {_max_per_case()} photos per case"})
    return new


def attach(session: Session, case: Case, photo_tokens: list[str]) -> None:
    """Give the stored photos ``photo_tokens`` to ``case`` (a flushed row, with an id).

    Each is added to ``case.media_urls`` as ``media:<token>`` unless it is
    there already. Raises ``ValidationError`` as ``check_attachable`` does,
    also when another case took a photo in the meantime. Does not commit: it is
    part of the caller's change (``casestore.cases.create_case`` calls it).
    """
    new = check_attachable(session, photo_tokens, case=case)
    for token in new:
        # Conditional: of two cases racing for one upload, exactly one gets it.
        taken = session.execute(
            update(Photo).where(Photo.token == token, Photo.case_id.is_(None))
            .values(case_id=case.id).execution_options(synchronize_session=False)
        ).rowcount
        if taken != 1:
            raise ValidationError({"media_urls": f"{media_ref(token)} is not a photo uploaded "
                                                 "for this case"})
    listed = list(case.media_urls or [])
    missing = [media_ref(t) for t in dict.fromkeys(photo_tokens) if media_ref(t) not in listed]
    if missing:
        case.media_urls = listed + missing  # a new list: SQLAlchemy sees a replaced JSON value


def photo_for_ref(session: Session, case: Case, entry: str) -> Photo | None:
    """Return the stored photo a ``media:<token>`` entry of ``case`` names, or None."""
    token = ref_token(entry)
    if token is None:
        return None
    return session.execute(
        select(Photo).where(Photo.token == token, Photo.case_id == case.id)
    ).scalar_one_or_none()


def case_photos(session: Session, case: Case) -> dict[str, Photo]:
    """Return the case's stored photos by token."""
    return {p.token: p for p in session.execute(
        select(Photo).where(Photo.case_id == case.id)).scalars()}



def prune_unattached(session: Session, older_than: dt.timedelta) -> int:
    """Delete uploads no case took within ``older_than`` (a form left half-way, a relay that
    never filed): their bytes from the store, then their rows. Returns how many. Commits."""
    cutoff = utcnow() - older_than
    stale = list(session.execute(
        select(Photo).where(Photo.case_id.is_(None), Photo.created_at < cutoff)).scalars())
    store = get_store()
    removed = 0
    for photo in stale:
        # Conditional: an upload attached meanwhile keeps its row and its bytes.
        gone = session.execute(
            delete(Photo).where(Photo.id == photo.id, Photo.case_id.is_(None))
            .execution_options(synchronize_session=False)).rowcount
        session.commit()
        if gone:
            store.delete(photo.storage_key)
            store.delete(photo.thumb_key)
            removed += 1
    return removed
