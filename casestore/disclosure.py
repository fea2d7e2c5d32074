"""What each caller may see of a case: the one public view, and the service token's view.

The anonymous API (``GET /api/v1/cases/<n>`` and its ``/activities``), the
public case page, the reopen page and Open311 all show a case through the
functions here, so one set of rules decides what is public
(docs/security.md, "What is public"):

- A service marked ``privacy: private`` in the catalog (it is about a person,
  not a place) shows the case number, service and status, nothing else.
- The location is given at the service's ``address_precision``: the address
  itself, or its hundred block with the point rounded to about 100 m.
- Attributes only when the catalog marks them ``public: true``.
- Timeline entries that are public, with their note only when the City wrote
  it (staff or the system) or staff published it. Text a resident wrote after
  filing (notes added by chat, on the account page or when reopening) is
  private until staff make it public (``casestore.publishing``).
- Authors by role ("City staff"), never by name.
- Photos only after staff make each one public: a resident's photo URL can
  carry a provider's account id, so none is public by default.
"""

from __future__ import annotations

import re

from flask import current_app, has_app_context

from .catalog import Catalog, Service
from .config import public_url
from .i18n import N_
from .media.photos import public_photo_url, ref_token
from .models import Activity, Case

STATUS_LABELS = {
    "new": N_("New"),
    "acknowledged": N_("Acknowledged"),
    "in_progress": N_("In progress"),
    "waiting_for_resident": N_("Waiting for resident"),
    "closed": N_("Closed"),
}

# Authors whose public notes are the City speaking.
CITY_AUTHORS = ("staff", "system")
# Authors who write on a resident's behalf: the resident's own words.
RESIDENT_AUTHORS = ("resident", "service")
AUTHOR_LABELS = {
    "staff": N_("City staff"),
    # "system" and "service" are the City's line: the catalog's short name (author_label).
    "resident": N_("Resident"),
}
# Keys of an entry's data that say what the City did; anything else (photo URLs,
# the channel) stays out of public views.
PUBLIC_DATA_KEYS = ("from_status", "to_status", "reason", "from_department", "to_department",
                    "duplicate_of", "referred_to", "previous_reason")
# Three decimals of a degree is about 110 m of latitude: a block, not a house.
BLOCK_DECIMALS = 3

_HOUSE_NUMBER = re.compile(r"^(\d+)[A-Z]?(?:-\d+)?\s+(.+)$")
_UNIT = re.compile(r"\s+(?:#|(?:APT|APARTMENT|UNIT|STE|SUITE|BLDG|FL|FLOOR|RM|ROOM|LOT)\b).*$")


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def case_url(case: Case) -> str:
    """Return the public page of the case."""
    base = public_url(current_app.config) if has_app_context() else "http://localhost:8080"
    return f"{base}/cases/{case.number}"


def service_of(case: Case, catalog: Catalog) -> Service | None:
    """Return the case's service, or None when it left the catalog."""
    return catalog.service(case.service_code)


def is_private(case: Case, catalog: Catalog) -> bool:
    """Return True when anonymous views show only number, service and status.

    A service that left the catalog counts as private: nothing says it is not.
    """
    service = service_of(case, catalog)
    return service is None or service.private


def city_wrote(activity: Activity) -> bool:
    """Return True when the entry's note is the City's own words."""
    return activity.author_type in CITY_AUTHORS


def published(activity: Activity) -> bool:
    """Return True when staff made a resident's note public (its text is then shown)."""
    return activity.public and activity.published_at is not None


def public_note(activity: Activity) -> str:
    """Return the text anyone may read of a public entry: the City's, or what staff published."""
    return activity.note if city_wrote(activity) or published(activity) else ""


def public_activities(case: Case) -> list[Activity]:
    """Return the case's public timeline entries, oldest first."""
    return [a for a in case.activities if a.public]


def author_label(author_type: str, catalog: Catalog) -> str:
    """Return who wrote an entry as the public sees it; the City's own line by its short name."""
    short_name = catalog.city.short_name
    own = {"system": short_name, "service": f"{short_name} assistant"}
    return own.get(author_type) or AUTHOR_LABELS.get(author_type, short_name)


def public_entry(activity: Activity, catalog: Catalog) -> dict:
    """Return one public timeline entry: a resident's unpublished note left out, authors by role."""
    data = activity.data or {}
    return {
        "id": activity.id,
        "kind": activity.kind,
        "note": public_note(activity),
        "public": True,
        "author": author_label(activity.author_type, catalog),
        "created_at": activity.created_at.isoformat(),
        "data": {key: data[key] for key in PUBLIC_DATA_KEYS if key in data},
    }


def latest_city_note(case: Case) -> str | None:
    """Return the latest public note the City wrote on the case, or None."""
    notes = [a.note for a in public_activities(case) if city_wrote(a) and a.note.strip()]
    return notes[-1] if notes else None


def block_address(address: str | None) -> str | None:
    """Return ``400 BLOCK OF BOULEVARD SE`` for ``412 Boulevard SE Apt 3``.

    An address without a house number (a street, a corner, a park) is already
    no more precise than a block; only a unit is dropped from it.
    """
    if not address:
        return None
    text = _UNIT.sub("", " ".join(address.upper().split()))
    found = _HOUSE_NUMBER.match(text)
    if found is None:
        return text or None
    return f"{int(found.group(1)) // 100 * 100} BLOCK OF {found.group(2)}"


def _rounded(value: float | None) -> float | None:
    return round(value, BLOCK_DECIMALS) if value is not None else None


def public_location(case: Case, service: Service | None, raw: bool = False) -> dict:
    """Return ``{address, lat, long}`` at the precision the service allows anonymously.

    ``raw``: the exact address as the resident gave it (Open311's
    ``address``), rather than its normalised form.
    """
    address = case.address if raw else (case.address_normalized or case.address)
    if service is None or service.private:
        return {"address": None, "lat": None, "long": None}
    if service.address_precision == "block":
        return {"address": block_address(case.address_normalized or case.address),
                "lat": _rounded(case.lat), "long": _rounded(case.long)}
    return {"address": address, "lat": case.lat, "long": case.long}


def public_attributes(case: Case, service: Service | None) -> dict:
    """Return the answers to the attributes the catalog marks public."""
    if service is None or service.private:
        return {}
    shown = {a.code for a in service.attributes if a.public}
    return {code: value for code, value in (case.attributes or {}).items() if code in shown}


def public_media(case: Case) -> list[str]:
    """Return the photos anyone may see: those staff made public, in the case's order.

    A stored photo (``media:<token>``) is shown as its public copy,
    ``<PUBLIC_URL>/media/<token>``; a link the case was given (older cases, an
    Open311 client's ``media_url``) as that link. An unpublished one is never shown.
    """
    urls = list(case.media_urls or [])
    shown = {n for n in (case.public_media or []) if isinstance(n, int) and 1 <= n <= len(urls)}
    return [_public_link(url) for n, url in enumerate(urls, start=1) if n in shown]


def _public_link(entry: str) -> str:
    token = ref_token(entry)
    return public_photo_url(token) if token else entry


def lifecycle(case: Case) -> dict:
    """The case's dates and how it ended: the City's own words, the same for everyone."""
    return {
        "created_at": _iso(case.created_at),
        "updated_at": _iso(case.updated_at),
        "expected_at": _iso(case.expected_at),
        "closed_at": _iso(case.closed_at),
        "close_reason": case.close_reason,
        "closure_comments": case.closure_comments,
        "duplicate_of": case.duplicate_of.number if case.duplicate_of is not None else None,
        "referred_to": case.referred_to,
        "latest_public_note": latest_city_note(case),
    }


def private_view(case: Case, catalog: Catalog) -> dict:
    """Return what anyone sees of a case about a person: number, service and status."""
    service = service_of(case, catalog)
    return {
        "case_number": case.number,
        "service_code": case.service_code,
        "service_name": service.name if service else case.service_code,
        "privacy": "private",
        "status": case.status,
        "status_label": STATUS_LABELS.get(case.status, case.status),
        "url": case_url(case),
    }


def public_view(case: Case, catalog: Catalog) -> dict:
    """Return the one public view of a case (docs/api.md ``Case``; rules above)."""
    if is_private(case, catalog):
        return private_view(case, catalog)
    service = service_of(case, catalog)
    return {
        **private_view(case, catalog),
        "privacy": "public",
        "department": case.department,
        "department_name": catalog.department_name(case.department),
        "description": case.description,
        **public_location(case, service),
        "address_precision": service.address_precision,
        "attributes": public_attributes(case, service),
        "media_urls": public_media(case),
        **lifecycle(case),
        "timeline": [public_entry(a, catalog) for a in public_activities(case)],
    }


def public_timeline(case: Case, catalog: Catalog) -> list[dict]:
    """Return the public timeline (``/activities`` for anonymous callers)."""
    if is_private(case, catalog):
        return []
    return [public_entry(a, catalog) for a in public_activities(case)]


def activity_view(activity: Activity) -> dict:
    """Return an ``Activity`` dict as written, for staff and the service token."""
    return {
        "id": activity.id,
        "kind": activity.kind,
        "note": activity.note,
        "public": activity.public,
        "author": activity.author_name,
        "created_at": activity.created_at.isoformat(),
        "data": dict(activity.data or {}),
    }


# Residents' own entries the service token (and the resident's account page) sees: what the
# assistant itself posts for them. A withdrawal's reason stays with the department.
RESIDENT_KINDS = ("info_added", "reopened")


def service_activities(case: Case) -> list[Activity]:
    """Return what the service token sees of the timeline: public entries and residents' notes."""
    return [a for a in case.activities
            if a.public or (a.author_type in RESIDENT_AUTHORS and a.kind in RESIDENT_KINDS)]


def service_view(case: Case, catalog: Catalog) -> dict:
    """Return the service token's view: the public view, plus what the assistant needs.

    The fields the assistant repeats to whoever asks (address, notes) stay at
    their public precision; the extras are the report itself (description,
    every answer, photos) and the residents' own timeline entries. A private
    case also gets its department and dates so a status reply can name them.
    """
    view = public_view(case, catalog)
    service = service_of(case, catalog)
    view.update({
        "department": case.department,
        "department_name": catalog.department_name(case.department),
        "description": case.description,
        "attributes": dict(case.attributes or {}),
        "media_urls": list(case.media_urls or []),
        "created_at": _iso(case.created_at),
        "updated_at": _iso(case.updated_at),
        "expected_at": _iso(case.expected_at),
        "closed_at": _iso(case.closed_at),
        "latest_public_note": latest_city_note(case),
        "timeline": [activity_view(a) for a in service_activities(case)],
    })
    for key in ("address", "lat", "long"):
        view.setdefault(key, None)
    view.setdefault("address_precision", service.address_precision if service else "exact")
    return view


def owner_view(case: Case, catalog: Catalog) -> dict:
    """Return what a signed-in resident sees of their own case: all of it but the staff's
    internal entries and anyone's contact details."""
    view = record_view(case, catalog)
    view["timeline"] = [activity_view(a) for a in service_activities(case)]
    del view["channel"]
    return view


def record_view(case: Case, catalog: Catalog) -> dict:
    """Return every field of the case except the requester's: the base of staff views."""
    service = service_of(case, catalog)
    return {
        "case_number": case.number,
        "service_code": case.service_code,
        "service_name": service.name if service else case.service_code,
        "privacy": service.privacy if service else "private",
        "department": case.department,
        "department_name": catalog.department_name(case.department),
        "status": case.status,
        "status_label": STATUS_LABELS.get(case.status, case.status),
        "description": case.description,
        "address": case.address_normalized or case.address,
        "address_precision": service.address_precision if service else "exact",
        "lat": case.lat,
        "long": case.long,
        "attributes": dict(case.attributes or {}),
        "media_urls": list(case.media_urls or []),
        "public_photos": sorted(case.public_media or []),
        "channel": case.channel,
        **lifecycle(case),
        "url": case_url(case),
        "timeline": [activity_view(a) for a in case.activities],
    }
