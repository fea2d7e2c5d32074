"""``/portal/media/<token>`` (and ``/thumb``): any photo of a case the staff member may see.

Staff see every stored photo, public or not, to decide which to publish; the
same 404 answers an unknown token, an upload on no case yet, and another
department's case. The live chat agents (``INTAKE``) also see a photo a resident
sent in a live chat before any case took it: the console links it.
"""

from __future__ import annotations

from flask_login import current_user

from casestore.cases import staff_can_see
from casestore.db import get_session
from casestore.media.serving import attached_photo, live_chat_photo, photo_response
from casestore.pages import INTAKE, staff_required

from .blueprint import bp


def _staff_photo(token: str):
    session = get_session()
    found = attached_photo(session, token)
    if found is None:
        # Not on a case yet: the live chat console links the photos residents send there.
        return live_chat_photo(session, token) if current_user.role in INTAKE else None
    if not staff_can_see(current_user, found[1]):
        return None
    return found[0]


@bp.get("/media/<token>")
@staff_required()
def photo(token: str):
    """A case's photo as stored (clean JPEG), private or public."""
    return photo_response(_staff_photo(token), thumb=False, public=False)


@bp.get("/media/<token>/thumb")
@staff_required()
def photo_thumb(token: str):
    """A case's photo's thumbnail."""
    return photo_response(_staff_photo(token), thumb=True, public=False)
