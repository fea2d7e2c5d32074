"""GeoReport discovery, the service list and service definitions (all from the catalog)."""

from __future__ import annotations

import datetime as dt
import os

from ..i18n import in_request_language
from ..limits import lookup_limit, rate_limited
from .blueprint import bp
from .context import catalog, city_tz, endpoint_url, setting
from .render import FMT, Open311Error, respond
from .serialize import SPECIFICATION_URL, local_iso, service_definition, service_entry

# The catalog documents count against their own bucket, at the lookup rate.
OPEN311_CATALOG = "open311-catalog"


def _changeset() -> str:
    """When the catalog (the source of services and definitions) last changed."""
    path = catalog().path
    try:
        changed = dt.datetime.fromtimestamp(os.path.getmtime(path), dt.timezone.utc)
    except OSError:
        changed = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    return local_iso(changed, city_tz())


@bp.get(f"/discovery.{FMT}")
@rate_limited(lookup_limit, ("GET",), scope=OPEN311_CATALOG)
def discovery(fmt: str):
    """GET discovery: where this endpoint is, its formats and whom to ask for a key."""
    city = catalog().city
    changeset = _changeset()
    document = {
        "changeset": changeset,
        "contact": setting("OPEN311_CONTACT") or f"{city.short_name}, {city.phone}",
        "key_service": setting("OPEN311_KEY_SERVICE")
        or f"Ask {city.short_name} ({city.phone}) for an Open311 api_key.",
        "endpoints": [
            {
                "specification": SPECIFICATION_URL,
                "url": endpoint_url(),
                "changeset": changeset,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return respond(fmt, "discovery", document)


@bp.get(f"/services.{FMT}")
@rate_limited(lookup_limit, ("GET",), scope=OPEN311_CATALOG)
def services(fmt: str):
    """GET services: every service in the catalog, in ``?locale=``/Accept-Language's language."""
    listed = in_request_language(catalog()).services.values()
    entries = [service_entry(service) for service in listed]
    return _varies(respond(fmt, "services", entries))


@bp.get(f"/services/<service_code>.{FMT}")
@rate_limited(lookup_limit, ("GET",), scope=OPEN311_CATALOG)
def service(service_code: str, fmt: str):
    """GET a service definition: the attributes a request of this service takes."""
    found = in_request_language(catalog()).service(service_code)
    if found is None:
        raise Open311Error(404, "service_code was not found")
    return _varies(respond(fmt, "service_definition", service_definition(found)))


def _varies(response):
    """Mark a catalog document as depending on Accept-Language, for caches in between."""
    response.vary.add("Accept-Language")
    return response
