"""Routes of /api/v1/places: is a point in the city, and address suggestions.

Public (no token): they answer from the City's own files (the city limits
polygon, the offline address points) and never touch case data. The assistant
asks ``inside`` about a location a resident shares (it does not load shapely
itself); the web form asks ``suggest`` while the resident types.
"""

from __future__ import annotations

import math

from flask import current_app, jsonify, request

from ..errors import ValidationError
from ..geo import inside_city, suggest
from ..limits import exempt_service, rate_limited
from .blueprint import bp

MAX_SUGGESTIONS = 10
# One rate-limit bucket for both routes; the service token (the assistant asks for
# every resident) is exempt.
PLACES = "places"


def places_limit() -> str:
    """Return the limit on place look-ups per client (``CASESTORE_PLACES_RATE_LIMIT``)."""
    return current_app.config.get("PLACES_RATE_LIMIT") or "120 per minute"


def _coordinate(name: str, low: float, high: float) -> float:
    raw = request.args.get(name, "").strip()
    try:
        value = float(raw)
    except ValueError:
        raise ValidationError({name: "must be a number"}, f"{name} must be a number, "
                              f"e.g. lat=33.7537&long=-84.3915", malformed=True) from None
    if not math.isfinite(value) or not low <= value <= high:
        raise ValidationError({name: f"must be between {low:g} and {high:g}"},
                              f"{name} must be between {low:g} and {high:g}", malformed=True)
    return value


@bp.get("/places/inside")
@rate_limited(places_limit, ("GET",), scope=PLACES, exempt_when=exempt_service)
def places_inside():
    """``{"inside": bool}``: whether ``lat``/``long`` fall inside the city limits."""
    lat = _coordinate("lat", -90, 90)
    long = _coordinate("long", -180, 180)
    return jsonify({"inside": inside_city(lat, long)})


@bp.get("/places/suggest")
@rate_limited(places_limit, ("GET",), scope=PLACES, exempt_when=exempt_service)
def places_suggest():
    """``{"suggestions": [{"label", "lat", "long"}]}``: the City's known addresses like ``q``."""
    raw_limit = request.args.get("limit", "5").strip()
    # ASCII digits only: str.isdigit() also takes "²" and "①", which int() refuses.
    if (not raw_limit.isascii() or not raw_limit.isdigit() or len(raw_limit) > 2
            or not 1 <= int(raw_limit) <= MAX_SUGGESTIONS):
        raise ValidationError({"limit": f"must be a whole number from 1 to {MAX_SUGGESTIONS}"},
                              f"limit must be a whole number from 1 to {MAX_SUGGESTIONS}",
                              malformed=True)
    query = request.args.get("q", "")[:200]
    found = suggest(query, int(raw_limit))
    return jsonify({"suggestions": [s.to_json() for s in found]})
