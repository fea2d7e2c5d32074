"""The case service layer: creating, finding and showing cases.

Used by the JSON API, the Open311 blueprint and the portal. Functions that
change data commit their own transaction (one change, its activity and its
outbox rows together) and raise ``casestore.errors`` exceptions for bad input,
leaving nothing written.
"""

from __future__ import annotations

import hashlib
import json
import secrets

from flask import current_app, has_app_context
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from . import validation as v
from .addresses import normalize_address
from .authors import SERVICE, Author
from .calendar import expected_at
from .catalog import Catalog
from .config import public_url
from .disclosure import record_view
from .errors import IdempotencyMismatchError, NotFoundError, ValidationError
from .i18n import default_language, languages, normalize_language
from .media.photos import attach, check_attachable, ref_token
from .models import Activity, Case, Resident, StaffUser, utcnow
from .numbering import next_case_number, parse_case_number
from .outbox import enqueue


def _base_url() -> str:
    if has_app_context():
        return public_url(current_app.config)
    return "http://localhost:8080"


def create_case(
    session: Session,
    catalog: Catalog,
    data: dict,
    *,
    idempotency_key: str | None = None,
    idempotency_scope: str = "service",
    api_key_id: int | None = None,
    author: Author = SERVICE,
) -> tuple[Case, bool]:
    """Create a case from a ``NewCase`` dict; return (case, created).

    An idempotency key belongs to one caller (``idempotency_scope``: ``service``,
    ``staff:<id>``, ``api-key:<id>``, ``live-chat``): the same key from the same
    caller with the same body returns the first case with ``created=False``,
    also when two requests with it race; the same key with a different body
    raises ``IdempotencyMismatchError`` (422). Another caller's key is never
    seen. Raises ``ValidationError`` for bad input, writing nothing. Commits.
    """
    if not isinstance(data, dict):
        raise ValidationError({"body": "must be a JSON object"}, malformed=True)
    problems = v.Problems()
    key = idempotency_key or v.text(problems, data, "idempotency_key", 200)
    if idempotency_key is not None and len(idempotency_key) > 200:
        problems.add("idempotency_key", "must be at most 200 characters")
    problems.raise_if_any()
    fingerprint = body_fingerprint(data)
    if key:
        existing = _replay(session, idempotency_scope, key, fingerprint)
        if existing is not None:
            return existing, False

    service_code = v.text(problems, data, "service_code", 64, required=True)
    service = catalog.service(service_code) if service_code else None
    if service_code and service is None:
        problems.add("service_code", f"unknown service code {service_code!r}")
    description = v.text(problems, data, "description", v.MAX_DESCRIPTION) or ""
    address, lat, long = v.location(problems, data, catalog)
    channel = v.channel(problems, data)
    location_source = v.location_source(problems, data, lat, channel)
    media = v.media_urls(problems, data.get("media_urls"))
    requester = v.contact(problems, data.get("requester"), "requester")
    answers = v.attributes(problems, service, data.get("attributes")) if service else {}
    language = case_language(problems, data.get("language"))
    problems.raise_if_any()
    # Stored photos named as media:<token>: uploaded, not another case's, within the cap.
    photo_tokens = [t for t in map(ref_token, media) if t]
    check_attachable(session, photo_tokens)

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
        location_source=location_source,
        attributes=answers,
        media_urls=media,
        channel=channel,
        language=language,
        requester_name=requester["name"],
        requester_email=requester["email"],
        requester_phone=requester["phone"],
        requester_address=requester["channel_address"],
        idempotency_key=key,
        idempotency_scope=idempotency_scope if key else None,
        idempotency_fingerprint=fingerprint if key else None,
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
        attach(session, case, photo_tokens)
        opened = Activity(case=case, kind="opened", note="", public=True, author_type=author.type,
                          author_id=author.id, author_name=author.name,
                          data={"channel": channel}, created_at=now)
        session.add(opened)
        session.flush()
        enqueue(session, case, "opened", opened)
        _give_account_language(session, case)
        session.commit()
    except ValidationError:
        session.rollback()  # another case took one of the photos meanwhile (media.attach)
        raise
    except IntegrityError:
        session.rollback()
        existing = _replay(session, idempotency_scope, key, fingerprint) if key else None
        if existing is None:
            raise
        return existing, False
    return case, True


def case_language(problems: v.Problems, value: object, field: str = "language") -> str:
    """Return the case's language from a ``language`` field: a tag's primary subtag
    ("es-US" -> "es") when the catalog declares it, the catalog's default when absent.

    Anything else is a malformed request (400), so nothing is filed in a language no
    notice could be written in.
    """
    if value is None or value == "":
        return default_language()
    if not isinstance(value, str):
        problems.wrong_type(field, "a language code string such as \"en\" or \"es-US\"")
        return default_language()
    code = normalize_language(value)
    if code is None:
        problems.add(field, f"must be one of this city's languages ({', '.join(languages())}); "
                            "a tag such as es-US counts as es", wrong_type=True)
        return default_language()
    return code


def _give_account_language(session: Session, case: Case) -> None:
    """Give a resident account with the requester's email the case's language, when it has
    none yet (the account's first case decides; a choice on /account is never overwritten)."""
    if not case.requester_email:
        return
    session.execute(
        update(Resident)
        .where(func.lower(Resident.email) == case.requester_email.lower(),
               Resident.language.is_(None))
        .values(language=case.language)
        .execution_options(synchronize_session=False)
    )


def body_fingerprint(data: dict) -> str:
    """Return the sha256 of a ``NewCase`` body in canonical JSON, its key field left out.

    The key may travel in the header or in the body (the assistant sends both),
    so it is not part of what must match on a replay.
    """
    body = {k: val for k, val in data.items() if k != "idempotency_key"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                           default=str)
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


def _replay(session: Session, scope: str, key: str, fingerprint: str) -> Case | None:
    """Return the case this caller filed with ``key``; refuse a different body."""
    case = session.execute(
        select(Case).where(Case.idempotency_scope == scope, Case.idempotency_key == key)
    ).scalar_one_or_none()
    if case is None:
        return None
    # Cases filed before fingerprints were kept (migration 0004) have none to compare.
    if case.idempotency_fingerprint is not None and case.idempotency_fingerprint != fingerprint:
        raise IdempotencyMismatchError(
            "This Idempotency-Key was already used with a different request body; "
            "send a new key for a new case.",
            {"idempotency_key": "already used with a different body"},
        )
    return case


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


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def full_view(case: Case, catalog: Catalog) -> dict:
    """Return ``CaseFull``: the public view plus requester, followers, internal entries, the
    resident's ``language`` and any pending withdrawal request (``withdrawal_requested``,
    ``withdrawal``)."""
    view = record_view(case, catalog)
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
    view["language"] = case.language
    view["location_source"] = case.location_source
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
