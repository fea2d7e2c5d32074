"""Staff make a resident's note or photo public, or private again.

What a resident wrote after filing and every photo are private by default
(``casestore.disclosure``); staff who read them may publish them. Each change
is one internal timeline entry, ``made_public`` or ``made_private``, by the
staff member, with what changed in its data (``{"activity_id": 12, "entry_kind":
"info_added"}`` or ``{"photo": 2}``) and never the resident's words. A change
that is already so writes nothing. Refusals raise ``ValidationError`` (422) or
``NotFoundError`` (404) with nothing written.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from .disclosure import RESIDENT_AUTHORS
from .errors import NotFoundError, ValidationError
from .media.photos import photo_for_ref
from .models import Activity, Case, utcnow

if TYPE_CHECKING:
    from .authors import Author

# A resident's own words after filing: a note added (chat, account page) or a reopening reason.
# A withdrawal reason stays with the department.
PUBLISHABLE_KINDS = ("info_added", "reopened")


def can_publish(activity: Activity) -> bool:
    """Return True when the entry is a resident's note staff may make public."""
    return activity.author_type in RESIDENT_AUTHORS and activity.kind in PUBLISHABLE_KINDS


def _want(public) -> bool:
    if not isinstance(public, bool):
        raise ValidationError({"public": "must be true or false"}, malformed=public is not None)
    return public


def _log(session: Session, case: Case, public: bool, author: Author, data: dict) -> Activity:
    now = utcnow()
    entry = Activity(kind="made_public" if public else "made_private", note="", public=False,
                     author_type=author.type, author_id=author.id, author_name=author.name,
                     data=data, created_at=now)
    case.activities.append(entry)
    case.updated_at = now
    session.commit()
    return entry


def set_entry_public(session: Session, case: Case, activity_id: int, public, *,
                     author: Author) -> tuple[Activity, bool]:
    """Publish (``public=True``) or withdraw a resident's timeline entry on ``case``.

    Returns the entry and whether anything changed.
    """
    public = _want(public)
    entry = next((a for a in case.activities if a.id == activity_id), None)
    if entry is None:
        raise NotFoundError("No such entry on this case.")
    if not can_publish(entry):
        raise ValidationError({"public": "only a resident's added information or reopening "
                                         "note is published this way"})
    if (entry.published_at is not None) == public and entry.public == public:
        return entry, False
    entry.public = public
    entry.published_at = utcnow() if public else None
    _log(session, case, public, author, {"activity_id": entry.id, "entry_kind": entry.kind})
    return entry, True


def set_photo_public(session: Session, case: Case, photo: int, public, *,
                     author: Author) -> bool:
    """Publish or withdraw photo number ``photo`` (1 = the case's first); True if it changed."""
    public = _want(public)
    if not 1 <= photo <= len(case.media_urls or []):
        raise NotFoundError("No such photo on this case.")
    shown = set(case.public_media or [])
    if (photo in shown) == public:
        return False
    shown = shown | {photo} if public else shown - {photo}
    case.public_media = sorted(shown)  # a new list: SQLAlchemy sees a replaced JSON value
    stored = photo_for_ref(session, case, case.media_urls[photo - 1])
    if stored is not None:
        # The row's copy of the choice: what /media/<token> checks before serving it.
        stored.is_public = public
    _log(session, case, public, author, {"photo": photo})
    return True
