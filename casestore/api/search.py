"""Listing, searching and "already reported nearby" queries for the API.

Every query is shaped to use an index of models.Case: status/service/
department with created_at for lists, ``address_normalized`` for same-address
matches, and ``(lat, long)`` for a bounding box that is then refined by true
distance in Python.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from ..addresses import normalize_address
from ..catalog import Catalog
from ..errors import ValidationError
from ..models import OPEN_STATUSES, STATUSES, Case, StaffUser
from ..numbering import parse_case_number

MAX_PAGE_SIZE = 200
DEFAULT_RADIUS_M = 150
MAX_RADIUS_M = 2000
NEARBY_LIMIT = 20
_EARTH_RADIUS_M = 6_371_000


# What full_view/public_view read, loaded in three queries instead of three per case.
VIEW_LOADS = (selectinload(Case.activities), selectinload(Case.followers),
              joinedload(Case.duplicate_of))


@dataclass
class SearchResult:
    """One page of cases and the total that matched."""

    cases: list[Case]
    total: int
    page: int
    page_size: int


def _int_arg(args, name: str, default: int, low: int, high: int) -> int:
    raw = args.get(name, "")
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValidationError({name: "must be a whole number"}, malformed=True) from None
    if not low <= value <= high:
        raise ValidationError({name: f"must be between {low} and {high}"})
    return value


def _date_arg(args, name: str) -> dt.date | None:
    raw = args.get(name, "")
    if raw == "":
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise ValidationError({name: "must be an ISO date (YYYY-MM-DD)"}, malformed=True) from None


def _float_arg(args, name: str) -> float | None:
    raw = args.get(name, "")
    if raw == "":
        return None
    try:
        value = float(raw)
    except ValueError:
        raise ValidationError({name: "must be a number"}, malformed=True) from None
    if not math.isfinite(value):
        raise ValidationError({name: "must be a number"}, malformed=True)
    return value


def search_cases(session: Session, args, staff: StaffUser, timezone: str = "UTC") -> SearchResult:
    """Return one page of cases matching the query arguments, newest first.

    ``created_from``/``created_to`` are whole days in ``timezone`` (the city's:
    staff mean their local dates). Department staff are held to their own
    department whatever they ask for.
    """
    zone = ZoneInfo(timezone)

    def _start_of(day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(), tzinfo=zone)

    page = _int_arg(args, "page", 1, 1, 1_000_000)
    page_size = _int_arg(args, "page_size", 50, 1, MAX_PAGE_SIZE)
    conditions = []
    status = args.get("status", "")
    if status:
        statuses = [s for s in status.split(",") if s]
        if any(s not in STATUSES and s != "open" for s in statuses):
            raise ValidationError({"status": f"must be among {', '.join(STATUSES)} or open"})
        expanded = {x for s in statuses for x in (OPEN_STATUSES if s == "open" else (s,))}
        conditions.append(Case.status.in_(sorted(expanded)))
    if args.get("service_code"):
        conditions.append(Case.service_code.in_(args["service_code"].split(",")))
    department = args.get("department", "")
    if staff.role == "department":
        department = staff.department or ""
    if department:
        conditions.append(Case.department == department)
    created_from, created_to = _date_arg(args, "created_from"), _date_arg(args, "created_to")
    if created_from and created_to and created_from > created_to:
        raise ValidationError({"created_to": "must not be before created_from"})
    if created_from:
        conditions.append(Case.created_at >= _start_of(created_from))
    if created_to:
        conditions.append(Case.created_at < _start_of(created_to + dt.timedelta(days=1)))
    q = args.get("q", "").strip()
    if len(q) > 200:
        raise ValidationError({"q": "must be at most 200 characters"})
    if q:
        number = parse_case_number(q)
        if number:
            conditions.append(Case.number == number)
        else:
            pattern = f"%{q.upper()}%"
            conditions.append(or_(Case.address_normalized.like(pattern),
                                  func.upper(Case.address).like(pattern)))
    total = session.execute(select(func.count()).select_from(Case).where(*conditions)).scalar_one()
    cases = session.execute(
        select(Case).where(*conditions).order_by(Case.created_at.desc(), Case.id.desc())
        .limit(page_size).offset((page - 1) * page_size).options(*VIEW_LOADS)
    ).scalars().all()
    return SearchResult(cases=list(cases), total=total, page=page, page_size=page_size)


def distance_m(lat1: float, long1: float, lat2: float, long2: float) -> float:
    """Return the great-circle distance in metres between two points."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(long2 - long1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_RADIUS_M * math.asin(math.sqrt(a))


def nearby_cases(session: Session, catalog: Catalog, args, staff: StaffUser | None) -> list[Case]:
    """Return open cases of ``service_code`` near ``lat``/``long`` or at ``address``.

    The service token (``staff`` None) gets none of a ``privacy: private`` service.
    """
    code = args.get("service_code", "")
    if not code:
        raise ValidationError({"service_code": "is required"})
    service = catalog.service(code)
    if service is None:
        raise ValidationError({"service_code": f"unknown service code {code!r}"})
    lat, long = _float_arg(args, "lat"), _float_arg(args, "long")
    radius = _int_arg(args, "radius_m", DEFAULT_RADIUS_M, 1, MAX_RADIUS_M)
    address = args.get("address", "").strip()
    if (lat is None) != (long is None):
        raise ValidationError({"lat": "lat and long go together"})
    key = normalize_address(address[:300]) if address else None
    if lat is None and key is None:
        raise ValidationError({"lat": "give lat and long, or address"})
    if staff is None and service.private:
        # The assistant repeats what it finds to whoever is asking: for a service about a
        # person, "already reported at your address" would tell them who asked for help.
        return []
    base = [Case.service_code == code, Case.status.in_(OPEN_STATUSES)]
    if staff is not None and staff.role == "department":
        base.append(Case.department == staff.department)
    found: dict[int, tuple[float, Case]] = {}
    if lat is not None:
        dlat = radius / 111_320
        dlong = radius / (111_320 * max(math.cos(math.radians(lat)), 0.01))
        rows = session.execute(select(Case).where(
            *base, Case.lat.between(lat - dlat, lat + dlat),
            Case.long.between(long - dlong, long + dlong),
        ).limit(500)).scalars()
        for case in rows:
            d = distance_m(lat, long, case.lat, case.long)
            if d <= radius:
                found[case.id] = (d, case)
    if key:
        for case in session.execute(
            select(Case).where(*base, Case.address_normalized == key).limit(NEARBY_LIMIT)
        ).scalars():
            found.setdefault(case.id, (0.0, case))
    ordered = sorted(found.values(), key=lambda pair: (pair[0], -pair[1].id))
    return [case for _d, case in ordered[:NEARBY_LIMIT]]
