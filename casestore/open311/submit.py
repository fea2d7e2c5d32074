"""GeoReport POST service request: a form-encoded report from an outside application.

The api_key is checked before anything else is read (403, nothing written).
The form is translated into the service layer's ``NewCase`` and created
synchronously, so the answer carries the service_request_id straight away.
Requester contact details are kept privately on the case; ``device_id`` and
``account_id`` have no place in the case store and are accepted but not kept.
``language`` (an extension) is the resident's language; without it, the best
match of ``Accept-Language`` among the city's languages, else the default.
"""

from __future__ import annotations

import re

from flask import request
from werkzeug.datastructures import MultiDict

from ..auth import find_api_key
from ..authors import Author
from ..cases import create_case
from ..db import get_session
from ..errors import ValidationError
from ..i18n import languages
from ..models import ApiKey
from .blueprint import bp
from .context import catalog, city_tz
from .params import text
from .render import FMT, Open311Error, respond
from .serialize import service_notice

_ATTRIBUTE = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")

# Service-layer field names as an Open311 client knows them.
_FIELD_NAMES = {
    "address": "address_string",
    "media_urls": "media_url",
    "requester.email": "email",
    "requester.phone": "phone",
    "requester.name": "first_name/last_name",
}


def api_key_row(values: MultiDict) -> ApiKey:
    """Return the live ApiKey the request presents, or refuse with 403."""
    row = find_api_key(get_session(), text(values, "api_key"))
    if row is None:
        raise Open311Error(403, "api_key was not provided or is not valid")
    return row


def _coordinate(values: MultiDict, name: str) -> float:
    raw = text(values, name)
    try:
        number = float(raw)
    except (TypeError, ValueError):
        raise Open311Error(400, f"{name} must be a decimal number (WGS84)") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise Open311Error(400, f"{name} must be a decimal number (WGS84)")
    return number


def location(values: MultiDict) -> dict:
    """Return the one location given: lat+long, address_string or address_id."""
    has_point = text(values, "lat") is not None or text(values, "long") is not None
    address_string = text(values, "address_string")
    address_id = text(values, "address_id")
    given = sum((has_point, address_string is not None, address_id is not None))
    if given == 0:
        raise Open311Error(400, "a location is required: lat and long, address_string or "
                                "address_id")
    if given > 1:
        raise Open311Error(400, "give one location only: lat and long, address_string or "
                                "address_id")
    if has_point:
        return {"lat": _coordinate(values, "lat"), "long": _coordinate(values, "long"),
                "location_source": "open311"}
    # The case store has no address registry: an address_id is kept as address text.
    return {"address": address_string or address_id}


def attributes(values: MultiDict) -> dict:
    """Collect ``attribute[code]`` and ``attribute[code][]`` fields (empty ones dropped)."""
    answers: dict = {}
    for name in values:
        match = _ATTRIBUTE.match(name)
        if match is None:
            continue
        code, is_list = match.group(1), bool(match.group(2))
        items = [item.strip() for item in values.getlist(name) if item.strip()]
        if not items:
            continue
        if is_list:
            answers.setdefault(code, [])
            if isinstance(answers[code], list):
                answers[code].extend(items)
        else:
            answers[code] = items[0] if len(items) == 1 else items
    return answers


def requester(values: MultiDict) -> dict:
    """Return the requester's contact details (private on the case)."""
    name = " ".join(n for n in (text(values, "first_name"), text(values, "last_name")) if n)
    return {"name": name or None, "email": text(values, "email"), "phone": text(values, "phone")}


def language(values: MultiDict) -> str | None:
    """Return the resident's language: the ``language`` parameter (checked by the service
    layer: an undeclared one is a 400), else the best match of ``Accept-Language`` among
    the catalog's languages, else None (the catalog's default)."""
    given = text(values, "language")
    if given is not None:
        return given
    return request.accept_languages.best_match(languages())


def _problems(error: ValidationError) -> list[str]:
    descriptions = []
    for field, problem in error.fields.items():
        if field.startswith("attributes."):
            field = f"attribute[{field.split('.', 1)[1]}]"
        descriptions.append(f"{_FIELD_NAMES.get(field, field)}: {problem}")
    return descriptions or [error.message]


@bp.post(f"/requests.{FMT}")
def create_request(fmt: str):
    """POST a service request; answer ``[{service_request_id, service_notice, account_id}]``."""
    values = request.form
    key = api_key_row(values)
    service_code = text(values, "service_code")
    if service_code is None:
        raise Open311Error(400, "service_code is required")
    if catalog().service(service_code) is None:
        raise Open311Error(400, "service_code was not found")
    media_url = text(values, "media_url")
    data = {
        "service_code": service_code,
        "description": text(values, "description") or "",
        "attributes": attributes(values),
        "media_urls": [media_url] if media_url else [],
        "channel": "open311",
        "requester": requester(values),
        "language": language(values),
        **location(values),
    }
    author = Author("service", None, f"Open311: {key.name}")
    try:
        case, _created = create_case(get_session(), catalog(), data, api_key_id=key.id,
                                     author=author)
    except ValidationError as error:
        raise Open311Error(400, *_problems(error)) from None
    entry = {
        "service_request_id": case.number,
        "service_notice": service_notice(case, catalog(), city_tz()),
        "account_id": None,
    }
    return respond(fmt, "service_requests", [entry], status=201)
