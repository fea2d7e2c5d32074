"""Case activity: every kind of timeline entry and the status changes it makes.

``add_activity`` appends one entry, applies its status change and queues its
notices in one transaction (and commits). Refusals raise ``ValidationError``
(422) or ``ConflictError`` (409) with nothing written.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from . import validation as v
from .authors import Author
from .cases import find_case
from .catalog import Catalog
from .errors import ConflictError, ValidationError
from .followers import move_followers
from .media.photos import attach, check_attachable, ref_token
from .models import ACTIVITY_KINDS, CLOSE_REASONS, OPEN_STATUSES, Activity, Case, utcnow
from .outbox import enqueue

MAX_NOTE = 4000
# Kinds a caller may post (``opened`` and ``followed`` come from create_case/add_follower,
# the withdrawal kinds from withdrawals.py).
POSTABLE_KINDS = tuple(k for k in ACTIVITY_KINDS if k not in (
    "opened", "followed", "withdrawal_requested", "withdrawal_declined"))
# Authors whose entries are public unless they say otherwise; residents' are not.
PUBLIC_BY_DEFAULT = ("staff", "system")
# Kinds allowed on a closed case: it must be reopened before work goes on.
_ON_CLOSED = ("reopened", "update")
# Work on the ground moves a fresh case into progress.
_STARTS_WORK = ("inspection", "repair")


def add_activity(
    session: Session,
    catalog: Catalog,
    case: Case,
    kind: str,
    *,
    author: Author,
    note: str = "",
    public: bool | None = None,
    **data,
) -> Activity:
    """Append a ``kind`` entry to ``case``, apply its effects, queue notices and commit.

    ``public`` defaults to True for staff and system entries and to False for
    what residents wrote (``resident``/``service`` authors): their words may
    hold a phone number or a home address, so only staff make them public.
    """
    if public is None:
        public = author.type in PUBLIC_BY_DEFAULT
    if kind not in POSTABLE_KINDS:
        raise ValidationError({"kind": f"must be one of {', '.join(POSTABLE_KINDS)}"})
    if not isinstance(note, str):
        raise ValidationError({"note": "must be a string"}, malformed=True)
    if not isinstance(public, bool):
        raise ValidationError({"public": "must be true or false"}, malformed=True)
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise ValidationError({"note": f"must be at most {MAX_NOTE:,} characters"})
    if case.status == "closed" and kind not in _ON_CLOSED:
        raise ConflictError(f"Case {case.number} is closed; reopen it first.")
    handler = _HANDLERS.get(kind, _note_required)
    now = utcnow()
    # Attached to the case only after the handler accepted it, so a refusal
    # leaves nothing pending in the session.
    entry = Activity(kind=kind, note=note, public=public, author_type=author.type,
                     author_id=author.id, author_name=author.name, data={}, created_at=now)
    notice = handler(session, catalog, case, entry, data, now)
    case.updated_at = now
    case.activities.append(entry)
    session.flush()
    if notice == "residents":
        enqueue(session, case, kind, entry)
    elif notice == "department":
        dept = catalog.department(case.department)
        if dept is not None and dept.email:
            enqueue(session, case, kind, entry, recipients=[("email", dept.email)])
    session.commit()
    return entry


def _note_required(session, catalog, case, entry, data, now):
    if not entry.note:
        raise ValidationError({"note": "is required"})
    if entry.kind in _STARTS_WORK and case.status in ("new", "acknowledged"):
        _set_status(case, entry, "in_progress")
    return None


def _set_status(case: Case, entry: Activity, status: str) -> None:
    entry.data = {**(entry.data or {}), "from_status": case.status, "to_status": status}
    case.status = status


def _acknowledged(session, catalog, case, entry, data, now):
    if case.status != "new":
        raise ConflictError(f"Case {case.number} is already {case.status.replace('_', ' ')}.")
    _set_status(case, entry, "acknowledged")
    return None


def _info_requested(session, catalog, case, entry, data, now):
    if not entry.note:
        raise ValidationError({"note": "is required: the question for the resident"})
    entry.public = True  # the resident must be able to read the question
    _set_status(case, entry, "waiting_for_resident")
    return "residents"


def _info_added(session, catalog, case, entry, data, now):
    problems = v.Problems()
    media = v.media_urls(problems, data.get("media_urls"))
    problems.raise_if_any()
    if not entry.note and not media:
        raise ValidationError({"note": "a note or media_urls is required"})
    # Stored photos named as media:<token> join the case (within its cap) before the list grows.
    photo_tokens = [t for t in map(ref_token, media) if t]
    check_attachable(session, photo_tokens, case=case)
    if media:
        case.media_urls = list(case.media_urls or []) + media
        entry.data = {"media_urls": media}
        attach(session, case, photo_tokens)
    if case.status == "waiting_for_resident":
        _set_status(case, entry, "in_progress")
    return None


def _reassigned(session, catalog, case, entry, data, now):
    department = data.get("department")
    if not isinstance(department, str) or catalog.department(department) is None:
        raise ValidationError({"department": "must be a department code from the catalog"})
    if department == case.department:
        raise ConflictError(f"Case {case.number} is already with {department}.")
    entry.data = {"from_department": case.department, "to_department": department}
    case.department = department
    if not entry.note:
        entry.note = f"Reassigned to {catalog.department_name(department)}."
    return "residents"


def _status_changed(session, catalog, case, entry, data, now):
    status = data.get("status")
    if status not in OPEN_STATUSES:
        raise ValidationError({"status": f"must be one of {', '.join(OPEN_STATUSES)}"})
    if status == case.status:
        raise ConflictError(f"Case {case.number} is already {status.replace('_', ' ')}.")
    _set_status(case, entry, status)
    return None


def _closed(session, catalog, case, entry, data, now):
    reason = data.get("reason")
    comments = data.get("comments")
    problems = v.Problems()
    if reason not in CLOSE_REASONS:
        problems.add("reason", f"must be one of {', '.join(CLOSE_REASONS)}")
    if not isinstance(comments, str) or not comments.strip():
        problems.add("comments", "closure comments are required")
    elif len(comments) > MAX_NOTE:
        problems.add("comments", f"must be at most {MAX_NOTE:,} characters")
    parent = None
    referred = None
    if reason == "duplicate":
        parent = find_case(session, data.get("duplicate_of"))
        if parent is None or parent.id == case.id:
            problems.add("duplicate_of", "must be the number of another existing case")
        elif parent.duplicate_of_id is not None:
            problems.add("duplicate_of", "that case is itself a duplicate; name its parent")
    if reason == "not_city_responsibility":
        referred = _referred_to(catalog, case, data.get("referred_to"), comments, problems)
    problems.raise_if_any()
    comments = comments.strip()
    _set_status(case, entry, "closed")
    if case.withdrawal_requested_at is not None:
        entry.data["withdrawal_requested"] = True
        case.withdrawal_requested_at = None  # any close settles a pending withdrawal
    case.close_reason = reason
    case.closure_comments = comments
    case.closed_at = now
    case.referred_to = referred
    entry.public = True  # closure comments are owed to the resident
    entry.note = comments
    entry.data = {**entry.data, "reason": reason}
    if parent is not None:
        case.duplicate_of = parent
        entry.data["duplicate_of"] = parent.number
        move_followers(case, parent)
    if referred:
        entry.data["referred_to"] = referred
    return "residents"


def _referred_to(catalog, case, given, comments, problems) -> str | None:
    if isinstance(given, str) and given.strip():
        ref = catalog.referral(given.strip())
        return ref.label() if ref else given.strip()[:200]
    ref = catalog.match_referral(f"{case.description} {comments or ''}")
    if ref is None:
        problems.add("referred_to", "say who is responsible (a referral topic or a name)")
        return None
    return ref.label()


def _reopened(session, catalog, case, entry, data, now):
    if case.status != "closed":
        raise ConflictError(f"Case {case.number} is not closed.")
    if not entry.note:
        raise ValidationError({"note": "is required: why the case is reopened"})
    entry.data = {"previous_reason": case.close_reason}
    _set_status(case, entry, "in_progress")
    case.close_reason = None
    case.closure_comments = None
    case.closed_at = None
    case.referred_to = None
    case.duplicate_of = None
    return "department"


_HANDLERS = {
    "acknowledged": _acknowledged,
    "info_requested": _info_requested,
    "info_added": _info_added,
    "reassigned": _reassigned,
    "status_changed": _status_changed,
    "closed": _closed,
    "reopened": _reopened,
}
