"""The case service layer: creating, finding and showing cases.

Used by the JSON API, the Open311 blueprint and the portal. Functions that
change data commit their own transaction (one change, its activity and its
outbox rows together) and raise ``casestore.errors`` exceptions for bad input,
leaving nothing written.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask import current_app, has_app_context
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from . import validation as v
from .addresses import normalize_address
from .calendar import expected_at
from .catalog import Catalog
from .errors import NotFoundError, ValidationError
from .models import Activity, Case, Follower, StaffUser, utcnow
from .numbering import next_case_number, parse_case_number
from .outbox import enqueue

STATUS_LABELS = {
    "new": "New",
    "acknowledged": "Acknowledged",
    "in_progress": "In progress",
    "waiting_for_resident": "Waiting for resident",
    "closed": "Closed",
}


@dataclass(frozen=True)
class Author:
    """Who made a change: ``staff`` (id = staff user id), ``resident``, ``system`` or ``service``.

    ``name`` is shown publicly on the timeline, so for residents it is never
    their real name.
    """

    type: str
    id: int | None
    name: str

    @classmethod
    def staff(cls, user: StaffUser) -> Author:
        """Return the author for a staff user (shown as their name)."""
        return cls("staff", user.id, user.name)


SYSTEM = Author("system", None, "ATL311")
SERVICE = Author("service", None, "ATL311 assistant")
RESIDENT = Author("resident", None, "Resident")


def _base_url() -> str:
    if has_app_context():
        return current_app.config["CASESTORE_URL"]
    return "http://localhost:8080"


def create_case(
    session: Session,
    catalog: Catalog,
    data: dict,
    *,
    idempotency_key: str | None = None,
    api_key_id: int | None = None,
    author: Author = SERVICE,
) -> tuple[Case, bool]:
    """Create a case from a ``NewCase`` dict; return (case, created).

    The same idempotency key returns the first case with ``created=False``,
    also when two requests with it race. Raises ``ValidationError`` for bad
    input, writing nothing. Commits.
    """
    if not isinstance(data, dict):
        raise ValidationError({"body": "must be a JSON object"}, malformed=True)
    problems = v.Problems()
    key = idempotency_key or v.text(problems, data, "idempotency_key", 200)
    if idempotency_key is not None and len(idempotency_key) > 200:
        problems.add("idempotency_key", "must be at most 200 characters")
    problems.raise_if_any()
    if key:
        existing = _by_idempotency_key(session, key)
        if existing is not None:
            return existing, False

    service_code = v.text(problems, data, "service_code", 64, required=True)
    service = catalog.service(service_code) if service_code else None
    if service_code and service is None:
        problems.add("service_code", f"unknown service code {service_code!r}")
    description = v.text(problems, data, "description", v.MAX_DESCRIPTION) or ""
    address, lat, long = v.location(problems, data, catalog)
    channel = v.channel(problems, data)
    media = v.media_urls(problems, data.get("media_urls"))
    requester = v.contact(problems, data.get("requester"), "requester")
    answers = v.attributes(problems, service, data.get("attributes")) if service else {}
    problems.raise_if_any()

    now = utcnow()
    case = Case(
        service_code=service.code,
        department=service.department,
        status="new",
        description=description,
        address=address,
        address_normalized=normalize_address(address),
        lat=lat,
        long=long,
        attributes=answers,
        media_urls=media,
        channel=channel,
        requester_name=requester["name"],
        requester_email=requester["email"],
        requester_phone=requester["phone"],
        requester_address=requester["channel_address"],
        idempotency_key=key,
        open311_token=secrets.token_urlsafe(16),
        api_key_id=api_key_id,
        created_at=now,
        updated_at=now,
        expected_at=expected_at(now, service.target_days, catalog),
    )
    try:
        case.number = next_case_number(session, now, catalog.city.timezone)
        session.add(case)
        session.flush()
        opened = Activity(case=case, kind="opened", note="", public=True, author_type=author.type,
                          author_id=author.id, author_name=author.name,
                          data={"channel": channel}, created_at=now)
        session.add(opened)
        session.flush()
        enqueue(session, case, "opened", opened)
        session.commit()
    except IntegrityError:
        session.rollback()
        existing = _by_idempotency_key(session, key) if key else None
        if existing is None:
            raise
        return existing, False
    return case, True


def _by_idempotency_key(session: Session, key: str) -> Case | None:
    return session.execute(select(Case).where(Case.idempotency_key == key)).scalar_one_or_none()


def find_case(session: Session, number: object) -> Case | None:
    """Return the case with this number in any accepted written form, or None."""
    digits = parse_case_number(number)
    if digits is None:
        return None
    return session.execute(select(Case).where(Case.number == digits)).scalar_one_or_none()


def get_case(session: Session, number: object, staff: StaffUser | None = None) -> Case:
    """Return the case or raise ``NotFoundError``; staff who may not see it get the same 404."""
    case = find_case(session, number)
    if case is None or (staff is not None and not staff_can_see(staff, case)):
        raise NotFoundError(f"No case {number}.")
    return case


def staff_can_see(staff: StaffUser, case: Case) -> bool:
    """Return True when ``staff`` may see the case (department staff: their department only)."""
    if not staff.active:
        return False
    if staff.role == "department":
        return staff.department is not None and staff.department == case.department
    return True


def activity_view(activity: Activity) -> dict:
    """Return an ``Activity`` dict as docs/api.md describes it."""
    return {
        "id": activity.id,
        "kind": activity.kind,
        "note": activity.note,
        "public": activity.public,
        "author": activity.author_name,
        "created_at": activity.created_at.isoformat(),
        "data": dict(activity.data or {}),
    }


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def public_view(case: Case, catalog: Catalog) -> dict:
    """Return the public ``Case`` dict: no requester data, public timeline only."""
    service = catalog.service(case.service_code)
    public = [a for a in case.activities if a.public]
    latest_note = next((a.note for a in reversed(public) if a.note), None)
    return {
        "case_number": case.number,
        "service_code": case.service_code,
        "service_name": service.name if service else case.service_code,
        "department": case.department,
        "department_name": catalog.department_name(case.department),
        "status": case.status,
        "status_label": STATUS_LABELS.get(case.status, case.status),
        "description": case.description,
        "address": case.address_normalized or case.address,
        "lat": case.lat,
        "long": case.long,
        "attributes": dict(case.attributes or {}),
        "media_urls": list(case.media_urls or []),
        "channel": case.channel,
        "created_at": _iso(case.created_at),
        "updated_at": _iso(case.updated_at),
        "expected_at": _iso(case.expected_at),
        "closed_at": _iso(case.closed_at),
        "close_reason": case.close_reason,
        "closure_comments": case.closure_comments,
        "duplicate_of": case.duplicate_of.number if case.duplicate_of is not None else None,
        "referred_to": case.referred_to,
        "latest_public_note": latest_note,
        "url": f"{_base_url()}/cases/{case.number}",
        "timeline": [activity_view(a) for a in public],
    }


def full_view(case: Case, catalog: Catalog) -> dict:
    """Return ``CaseFull``: the public view plus requester, followers, internal entries and
    any pending withdrawal request (``withdrawal_requested``, ``withdrawal``)."""
    view = public_view(case, catalog)
    view["requester"] = {
        "name": case.requester_name,
        "email": case.requester_email,
        "phone": case.requester_phone,
        "channel_address": case.requester_address,
    }
    view["followers"] = [
        {"email": f.email, "phone": f.phone, "channel_address": f.channel_address,
         "created_at": _iso(f.created_at)}
        for f in case.followers
    ]
    view["timeline"] = [activity_view(a) for a in case.activities]
    view["withdrawal_requested"] = case.withdrawal_requested_at is not None
    view["withdrawal"] = withdrawal_view(case)
    return view


def pending_withdrawal(case: Case) -> Activity | None:
    """Return the ``withdrawal_requested`` entry awaiting the department, or None."""
    if case.withdrawal_requested_at is None:
        return None
    return next((a for a in reversed(case.activities) if a.kind == "withdrawal_requested"), None)


def withdrawal_view(case: Case) -> dict | None:
    """Return the pending withdrawal for staff views: status, when, the resident's words."""
    entry = pending_withdrawal(case)
    if case.withdrawal_requested_at is None:
        return None
    return {
        "status": (entry.data or {}).get("outcome", "requested") if entry else "requested",
        "requested_at": case.withdrawal_requested_at.isoformat(),
        "reason": entry.note if entry else "",
        "activity_id": entry.id if entry else None,
    }


def add_follower(session: Session, case: Case, contact: dict, *, author: Author = SERVICE) -> bool:
    """Add someone to the case's notices (and a public ``followed`` entry); commits.

    ``contact`` has ``email``/``phone``/``channel_address`` (at least one).
    Returns False when that person already follows the case. The timeline
    entry never names them.
    """
    if not isinstance(contact, dict):
        raise ValidationError({"body": "must be a JSON object"}, malformed=True)
    problems = v.Problems()
    person = {
        "email": v.email(problems, contact.get("email"), "email"),
        "phone": v.phone(problems, contact.get("phone"), "phone"),
        "channel_address": v.channel_address(problems, contact.get("channel_address"),
                                             "channel_address"),
    }
    problems.raise_if_any()
    if not any(person.values()):
        raise ValidationError({"email": "give an email, phone or channel_address"})
    if _already_follows(case, person):
        return False
    case.followers.append(Follower(**person))
    now = utcnow()
    case.updated_at = now
    session.add(Activity(case=case, kind="followed", note="", public=True,
                         author_type=author.type, author_id=author.id, author_name=author.name,
                         data={}, created_at=now))
    session.commit()
    return True


def _already_follows(case: Case, person: dict) -> bool:
    def same(a: dict) -> bool:
        return any(person[k] and person[k] == a.get(k) for k in person)

    requester = {"email": case.requester_email, "phone": case.requester_phone,
                 "channel_address": case.requester_address}
    followers = [{"email": f.email, "phone": f.phone, "channel_address": f.channel_address}
                 for f in case.followers]
    return same(requester) or any(same(f) for f in followers)


from .activities import add_activity  # noqa: E402,F401  (re-exported: the service layer's API)
