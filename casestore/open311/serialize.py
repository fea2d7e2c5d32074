"""Turning catalog entries and cases into GeoReport v2 records.

Only the public view leaves through here, by the rules of
``casestore.disclosure`` that the API and the pages share: no requester data,
no text a resident typed after filing unless staff published it, the
location at the service's precision, only the photos staff made public, and
for a ``privacy: private`` service only the number, service and status.
Datetimes are given in the city's timezone with their offset.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

from ..catalog import Attribute, Catalog, Service
from ..disclosure import (
    CITY_AUTHORS,
    is_private,
    latest_city_note,
    public_activities,
    public_location,
    public_media,
    public_note,
)
from ..models import Activity, Case

SPECIFICATION_URL = "http://wiki.open311.org/GeoReport_v2"

# What a timeline entry says when it has no City-written note: the resident's
# own words stay private, and some entries carry no note at all.
_KIND_TEXT = {
    "opened": "Request received.",
    "acknowledged": "Acknowledged by the department.",
    "info_added": "The resident added information.",
    "followed": "Another resident is following this request.",
    "status_changed": "Status changed.",
    "closed": "Closed.",
}

# GeoReport's fields of a request, in the specification's order.
REQUEST_FIELDS = (
    "service_request_id", "status", "status_notes", "service_name", "service_code",
    "description", "agency_responsible", "service_notice", "requested_datetime",
    "updated_datetime", "expected_datetime", "address", "address_id", "zipcode", "lat", "long",
    "media_url",
)

_ZIP = re.compile(r"\b(\d{5})(?:-\d{4})?\s*$")


def local_iso(value: dt.datetime | None, tz: dt.tzinfo) -> str | None:
    """Return ``value`` as ISO 8601 in ``tz`` with its offset (``2026-11-28T11:45:00-05:00``)."""
    if value is None:
        return None
    return value.astimezone(tz).replace(microsecond=0).isoformat()


def open_or_closed(status: str) -> str:
    """Map a case status onto GeoReport's two: ``open`` or ``closed``."""
    return "closed" if status == "closed" else "open"


def service_entry(service: Service) -> dict:
    """Return one ``services/service`` record."""
    return {
        "service_code": service.code,
        "service_name": service.name,
        "description": service.description,
        "metadata": bool(service.attributes),
        "type": "realtime",
        "keywords": ", ".join(service.keywords),
        "group": service.group,
    }


def attribute_entry(attribute: Attribute) -> dict:
    """Return one ``attributes/attribute`` record of a service definition."""
    entry = {
        "variable": True,
        "code": attribute.code,
        "datatype": attribute.datatype,
        "required": attribute.required,
        "datatype_description": attribute.datatype_description or None,
        "order": attribute.order,
        "description": attribute.description,
    }
    if attribute.values:
        entry["values"] = [{"key": v.key, "name": v.name} for v in attribute.values]
    return entry


def service_definition(service: Service) -> dict:
    """Return the ``service_definition`` record of a service."""
    return {
        "service_code": service.code,
        "attributes": [attribute_entry(a) for a in service.attributes],
    }


def zipcode(address: str | None) -> str | None:
    """Return the 5-digit ZIP code at the end of an address, when there is one."""
    if not address:
        return None
    found = _ZIP.search(address)
    return found.group(1) if found else None


def status_notes(case: Case) -> str | None:
    """Return the latest public note the City wrote on the case."""
    return latest_city_note(case)


def service_notice(case: Case, catalog: Catalog, tz: dt.tzinfo) -> str:
    """Say what happens next (or what happened, once closed)."""
    department = catalog.department_name(case.department)
    if case.status == "closed":
        if case.close_reason == "duplicate" and case.duplicate_of is not None:
            return f"Closed as a duplicate of request {case.duplicate_of.number}."
        if case.close_reason == "not_city_responsibility" and case.referred_to:
            return f"Closed: not a City responsibility. Contact {case.referred_to}."
        return f"Closed by the {department}."
    if case.status == "waiting_for_resident":
        return f"The {department} is waiting for more information from the resident."
    if case.expected_at is not None:
        local = case.expected_at.astimezone(tz)
        due = f"{local:%A %B} {local.day}, {local.year}"
        return f"Routed to the {department}, which expects to address it by {due}."
    return f"Routed to the {department}."


def _public_text(activity: Activity) -> str:
    if public_note(activity).strip():
        return activity.note
    return _KIND_TEXT.get(activity.kind, "Updated.")


def _states(case: Case) -> dict[int, str]:
    """Return the request's open/closed state right after each of its activities."""
    states = {}
    state = "open"
    for activity in case.activities:
        if activity.kind == "closed":
            state = "closed"
        elif activity.kind in ("reopened", "opened"):
            state = "open"
        states[activity.id] = state
    return states


def _media_url(activity: Activity) -> str | None:
    # A photo staff attached is the City's own; a resident's is on the request's media_url
    # once staff made it public, never on the update that carried it.
    urls = (activity.data or {}).get("media_urls") if activity.author_type in CITY_AUTHORS else None
    return urls[0] if isinstance(urls, list) and urls else None


def timeline(case: Case, tz: dt.tzinfo) -> list[dict]:
    """Return the public timeline as ``notes`` (type, datetime, description, status)."""
    states = _states(case)
    return [
        {
            "type": activity.kind,
            "datetime": local_iso(activity.created_at, tz),
            "description": _public_text(activity),
            "status": states[activity.id],
        }
        for activity in public_activities(case)
    ]


def private_entry(case: Case, catalog: Catalog, *, extensions: bool) -> dict:
    """Return the record of a ``privacy: private`` request: number, service and status."""
    service = catalog.service(case.service_code)
    entry = dict.fromkeys(REQUEST_FIELDS)
    entry.update({
        "service_request_id": case.number,
        "status": open_or_closed(case.status),
        "service_name": service.name if service else case.service_code,
        "service_code": case.service_code,
    })
    if extensions:
        entry["notes"] = []
        entry["extended_attributes"] = {"channel": None, "photos": [], "duplicate_of": None,
                                        "language": None}
    return entry


def request_entry(case: Case, catalog: Catalog, tz: dt.tzinfo, *, extensions: bool) -> dict:
    """Return one ``service_requests/request`` record (the public view's fields)."""
    if is_private(case, catalog):
        return private_entry(case, catalog, extensions=extensions)
    service = catalog.service(case.service_code)
    where = public_location(case, service, raw=True)
    photos = public_media(case)
    entry = {
        "service_request_id": case.number,
        "status": open_or_closed(case.status),
        "status_notes": status_notes(case),
        "service_name": service.name if service else case.service_code,
        "service_code": case.service_code,
        "description": case.description,
        "agency_responsible": catalog.department_name(case.department),
        "service_notice": service_notice(case, catalog, tz),
        "requested_datetime": local_iso(case.created_at, tz),
        "updated_datetime": local_iso(case.updated_at, tz),
        "expected_datetime": local_iso(case.expected_at, tz),
        "address": where["address"],
        "address_id": None,
        "zipcode": zipcode(case.address),
        "lat": where["lat"],
        "long": where["long"],
        "media_url": photos[0] if photos else None,
    }
    if extensions:
        entry["notes"] = timeline(case, tz)
        entry["extended_attributes"] = {
            "channel": case.channel,
            "photos": photos,
            "duplicate_of": case.duplicate_of.number if case.duplicate_of is not None else None,
            "language": case.language,
        }
    return entry


def update_entries(activities: Iterable[Activity], tz: dt.tzinfo) -> list[dict]:
    """Return mySociety ``request_update`` records for public activities.

    ``status`` is the request's open/closed state right after the update.
    """
    entries = []
    for activity in activities:
        case = activity.case
        entries.append(
            {
                "update_id": str(activity.id),
                "service_request_id": case.number,
                "status": _states(case)[activity.id],
                "updated_datetime": local_iso(activity.created_at, tz),
                "description": _public_text(activity),
                "media_url": _media_url(activity),
            }
        )
    return entries
