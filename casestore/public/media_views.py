"""``/media/<token>`` and ``/media/<token>/thumb``: the photos staff made public.

Anything else (an unknown token, a photo still private, one on a case of a
``privacy: private`` service) is the same 404 (``casestore.media.serving``).
"""

from __future__ import annotations

from casestore.db import get_session
from casestore.media.photos import is_token, public_photo_url
from casestore.media.serving import photo_response, public_photo

from .blueprint import bp


@bp.get("/media/<token>")
def photo(token: str):
    """The public copy of a photo (a clean JPEG without metadata)."""
    return photo_response(public_photo(get_session(), token), thumb=False, public=True)


@bp.get("/media/<token>/thumb")
def photo_thumb(token: str):
    """The public copy's thumbnail (at most 320 px a side)."""
    return photo_response(public_photo(get_session(), token), thumb=True, public=True)


@bp.app_template_global()
def stored_photo_token(url: str) -> str | None:
    """Return the token of a public view's photo URL when it is our own copy, else None
    (the page then shows it by a relative link and thumbnail, within its own origin)."""
    prefix = public_photo_url("")
    token = url[len(prefix):] if isinstance(url, str) and url.startswith(prefix) else None
    return token if is_token(token) else None
