"""Open cases near a place, as anyone may see them: the public "around here" page.

Only what the one public view shows (``casestore.disclosure``): services marked
``privacy: private`` (and services that left the catalog) are left out
entirely, the place is the public one (a block-precision service's point is
rounded to about 100 m and its address is the hundred block), and each case
gives its number, service, status and filing date, never a description,
attributes, photos or anything about the resident.

Distances are measured from the public point, not the stored one: were the
stored point used, moving the search centre until a case drops out of the
radius would find its exact position, which the rounding is there to hide.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from .catalog import Catalog
from .disclosure import BLOCK_DECIMALS, STATUS_LABELS, public_location
from .maps import degrees_around, distance_m
from .models import OPEN_STATUSES, Case

RADII_M = (250, 500, 1000)
DEFAULT_RADIUS_M = 500
PAGE_SIZE = 20
# Open cases read for one search at most (the densest block of a city has far fewer).
MAX_CANDIDATES = 2000
# How far a rounded point can be from the stored one, in degrees: widen the SQL box by it.
_ROUNDING_SLACK = 10 ** -BLOCK_DECIMALS


@dataclass(frozen=True)
class NearbyCase:
    """One open public case near the place: only fields of the public view."""

    case_number: str
    service_name: str
    status: str
    status_label: str
    address: str | None
    lat: float
    long: float
    created_at: str
    distance_m: int


def public_service_codes(catalog: Catalog) -> list[str]:
    """Return the codes of the catalog's services whose cases anyone may see."""
    return [code for code, service in catalog.services.items() if not service.private]


def open_cases_near(session: Session, catalog: Catalog, lat: float, long: float,
                    radius_m: int = DEFAULT_RADIUS_M) -> list[NearbyCase]:
    """Return the open public cases within ``radius_m`` of the place, nearest first.

    A box around the place narrows the query (``ix_cases_lat_long``); the
    exact distance, from each case's public point, decides.
    """
    codes = public_service_codes(catalog)
    if not codes:
        return []
    dlat, dlong = degrees_around(lat, radius_m)
    dlat, dlong = dlat + _ROUNDING_SLACK, dlong + _ROUNDING_SLACK
    stmt = (
        sa.select(Case)
        .where(Case.status.in_(OPEN_STATUSES), Case.service_code.in_(codes),
               Case.lat.between(lat - dlat, lat + dlat),
               Case.long.between(long - dlong, long + dlong))
        .order_by(Case.id.desc())
        .limit(MAX_CANDIDATES)
    )
    found = []
    for case in session.execute(stmt).scalars():
        service = catalog.service(case.service_code)
        place = public_location(case, service)
        if service is None or place["lat"] is None or place["long"] is None:
            continue
        distance = distance_m(lat, long, place["lat"], place["long"])
        if distance > radius_m:
            continue
        found.append(NearbyCase(
            case_number=case.number, service_name=service.name, status=case.status,
            status_label=STATUS_LABELS.get(case.status, case.status), address=place["address"],
            lat=place["lat"], long=place["long"], created_at=case.created_at.isoformat(),
            distance_m=int(round(distance)),
        ))
    found.sort(key=lambda c: (c.distance_m, c.case_number))
    return found


def page_of(items: list, page: int, size: int = PAGE_SIZE) -> tuple[list, int]:
    """Return (the items of 1-based ``page``, the number of pages); a page past the end is empty."""
    pages = max(1, -(-len(items) // size))
    start = (page - 1) * size
    return items[start:start + size], pages
