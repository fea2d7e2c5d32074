"""Answering for a stored photo: the public copy, or any photo for staff.

The public routes (``casestore/public/media_views.py``) serve a photo only when
staff made it public on a case whose service is not ``privacy: private``; an
unknown token and a private photo get the same 404, so tokens cannot be probed.
The staff routes (``casestore/portal/photo_views.py``) serve any photo of a
case the staff member may see, and to the live chat agents a photo a resident
sent in a live chat before any case took it.
"""

from __future__ import annotations

from flask import Response, abort, request
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..catalog import get_catalog
from ..db import release_session
from ..disclosure import is_private
from ..models import Case, LiveChatMessage, Photo
from .photos import is_token, media_ref
from .store import MediaMissingError, get_store

# A public copy can be made private again; shared caches keep it at most this long.
PUBLIC_MAX_AGE = 300
STAFF_MAX_AGE = 3600


def attached_photo(session: Session, token: str) -> tuple[Photo, Case] | None:
    """Return the photo with ``token`` and its case, or None (unknown, or on no case yet)."""
    if not is_token(token):
        return None
    row = session.execute(
        select(Photo, Case).join(Case, Photo.case_id == Case.id).where(Photo.token == token)
    ).first()
    return (row[0], row[1]) if row is not None else None


def live_chat_photo(session: Session, token: str) -> Photo | None:
    """Return the photo with ``token`` if it is on no case yet and a resident sent it in a
    live chat (the channels app relays it to the agent as a ``media:<token>`` line)."""
    if not is_token(token):
        return None
    # autoescape: tokens hold "_" and "-", and "_" is a LIKE wildcard.
    sent = select(LiveChatMessage.id).where(
        LiveChatMessage.sender == "resident",
        LiveChatMessage.text.contains(media_ref(token), autoescape=True))
    return session.execute(
        select(Photo).where(Photo.token == token, Photo.case_id.is_(None), sent.exists())
    ).scalar_one_or_none()


def public_photo(session: Session, token: str) -> Photo | None:
    """Return the photo if anyone may see it: made public, on a case that is not private."""
    found = attached_photo(session, token)
    if found is None:
        return None
    photo, case = found
    if not photo.is_public or is_private(case, get_catalog()):
        return None
    return photo


def photo_response(photo: Photo | None, *, thumb: bool, public: bool) -> Response:
    """Return the photo's JPEG (full or thumbnail) with cache headers; 404 when None."""
    if photo is None:
        abort(404)
    key = photo.thumb_key if thumb else photo.storage_key
    release_session()  # the row is read: do not hold the database while reading bytes
    try:
        data = get_store().get(key)
    except MediaMissingError:
        abort(404)
    response = Response(data, mimetype=photo.content_type)
    # The bytes under a token never change; only who may see them does.
    response.set_etag(f"{photo.token}-{'t' if thumb else 'f'}")
    response.headers["Cache-Control"] = (f"public, max-age={PUBLIC_MAX_AGE}" if public
                                         else f"private, max-age={STAFF_MAX_AGE}")
    response.headers["Content-Disposition"] = "inline"
    return response.make_conditional(request)
