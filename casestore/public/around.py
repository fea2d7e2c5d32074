"""``/around``: the open requests near a place, as a list and a map, for anyone.

The place comes as ``?lat=..&long=..`` (the public case page links here with
its public point) or ``?address=``, looked up among the City's own known
addresses only (``casestore.geo.suggest``: no geocoder is asked on a page
view). What each case shows, and which cases appear at all, is
``casestore.nearby``'s (the one public view; private services never). The
page counts against the per-client limit on lookups, like the case page: it
lists case numbers.
"""

from __future__ import annotations

import math

from flask import render_template, request, url_for

from casestore.account.session import current_resident
from casestore.db import get_session, release_session
from casestore.i18n import page_catalog
from casestore.limits import LOOKUP, lookup_limit, rate_limited
from casestore.nearby import DEFAULT_RADIUS_M, RADII_M, NearbyCase, open_cases_near, page_of
from casestore.pages import case_number_display

from .blueprint import bp

# Pages a visitor may ask for: enough for a dense neighbourhood, not a whole-city scrape.
MAX_PAGE = 50


def _coordinate(name: str, limit: float) -> float | None:
    """Return the query's ``name`` as a finite number within ±``limit``, else None."""
    try:
        value = float(request.args.get(name, ""))
    except ValueError:
        return None
    return value if math.isfinite(value) and -limit <= value <= limit else None


def _int_arg(name: str, default: int, allowed) -> int:
    raw = request.args.get(name, "")
    # ASCII digits only: str.isdigit() also takes "²" and "①", which int() refuses.
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 9):
        return default
    return int(raw) if int(raw) in allowed else default


def _known_place(address: str):
    """Return the City's known address best matching ``address`` (a ``Suggestion``), or None."""
    from casestore.geo import suggest  # the places module reads the catalog: import at use

    found = suggest(address, limit=1)
    return found[0] if found else None


def _points(cases: list[NearbyCase]) -> list[dict]:
    """The map's markers (``_map.html`` ``cluster_map``): the public point and page of each."""
    return [{"lat": c.lat, "long": c.long,
             "label": f"{case_number_display(c.case_number)} · {c.service_name}",
             "url": url_for("public.case_page", number=c.case_number)} for c in cases]


@bp.get("/around")
@rate_limited(lookup_limit, scope=LOOKUP)
def around():
    """Open public cases within a radius of the place, nearest first, 20 a page."""
    lat, long = _coordinate("lat", 90), _coordinate("long", 180)
    radius = _int_arg("radius", DEFAULT_RADIUS_M, RADII_M)
    page = _int_arg("page", 1, range(1, MAX_PAGE + 1))
    catalog = page_catalog()
    asked = "lat" in request.args or "long" in request.args
    address = request.args.get("address", "").strip()[:200]
    place = _known_place(address) if address and not asked else None
    if place is not None:
        lat, long = place.lat, place.long
    context = {"lat": lat, "long": long, "radius": radius, "radii": RADII_M, "page": page,
               "cases": [], "points": [], "pages": 1, "total": 0, "asked": asked, "in_city": True,
               "address": address, "place": place.label if place else None,
               "unknown_address": bool(address) and not asked and place is None}
    if lat is not None and long is not None:
        # Searches go to three decimals (~100 m): finer centres find nothing more.
        lat, long = round(lat, 3), round(long, 3)
        found = open_cases_near(get_session(), catalog, lat, long, radius)
        items, pages = page_of(found, page)
        context.update(lat=lat, long=long, cases=items, points=_points(items), pages=pages,
                       total=len(found), in_city=catalog.city.contains(lat, long))
    resident = current_resident()
    release_session()
    # A place asked for but unreadable: the page says so, with the status to match.
    status = 400 if asked and (lat is None or long is None) else 200
    return render_template("public/around.html", resident=resident, **context), status
