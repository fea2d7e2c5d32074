"""What every Open311 view shares: catalog, timezone, settings, jurisdiction, errors.

Every refusal inside /open311/v2 (ours, or Flask's own 400/413 raised while
reading a request) answers in GeoReport's ``errors/error`` body, in the format
the URL asked for.

Open311 settings come from the app config (tests) or the environment, read
when a request first needs them:

``OPEN311_JURISDICTION_ID``
    the jurisdiction_id clients may send (the city's name and short name from
    the catalog are always accepted too, case-insensitively);
``OPEN311_CONTACT``, ``OPEN311_KEY_SERVICE``
    the discovery document's contact and where to ask for an api_key
    (defaults built from the catalog's city).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from zoneinfo import ZoneInfo

from flask import current_app, request
from werkzeug.exceptions import HTTPException

from ..catalog import Catalog, get_catalog
from ..config import public_url
from .blueprint import bp
from .params import text
from .render import Open311Error, error_response


def catalog() -> Catalog:
    """Return the app's service catalog."""
    return get_catalog()


def city_tz() -> dt.tzinfo:
    """Return the city's timezone; every datetime Open311 shows is given in it."""
    return ZoneInfo(catalog().city.timezone)


def setting(name: str) -> str | None:
    """Return an Open311 setting from the app config (None when unset or blank)."""
    value = current_app.config.get(name)
    return value.strip() if isinstance(value, str) and value.strip() else None


def accepted_jurisdictions() -> set[str]:
    """Return the jurisdiction_id values (lower case) that name this city."""
    city = catalog().city
    names = {city.name, city.short_name}
    configured = setting("OPEN311_JURISDICTION_ID")
    if configured:
        names.add(configured)
    return {name.lower() for name in names}


def check_jurisdiction(values: Mapping[str, str]) -> None:
    """Refuse (404, as GeoReport says) a jurisdiction_id that is not this city's."""
    given = text(values, "jurisdiction_id")
    if given is not None and given.lower() not in accepted_jurisdictions():
        raise Open311Error(404, "jurisdiction_id was not found")


def endpoint_url() -> str:
    """Return the public base URL of this Open311 endpoint."""
    return public_url(current_app.config) + "/open311/v2"


def _format() -> str:
    fmt = (request.view_args or {}).get("fmt")
    return fmt if fmt in ("xml", "json") else "xml"


@bp.before_request
def _jurisdiction() -> None:
    check_jurisdiction(request.values)


@bp.errorhandler(Open311Error)
def _open311_error(error: Open311Error):
    return error_response(_format(), error)


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    status = error.code or 500
    return error_response(_format(), Open311Error(status, error.description or error.name))
