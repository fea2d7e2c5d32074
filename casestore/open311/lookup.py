"""GeoReport reading: GET requests (with filters), one request, tokens, and updates.

None of these need an api_key, and none shows requester data (see serialize.py).
"""

from __future__ import annotations

from flask import request
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from ..db import get_session
from ..models import Activity, Case, utcnow
from ..numbering import parse_case_number
from . import bp
from .context import catalog, city_tz
from .params import RequestQuery, bool_arg, datetime_arg, request_query, window
from .render import FMT, Open311Error, respond
from .serialize import request_entry, update_entries

MAX_UPDATES = 1000


def _case_options():
    # Every record shows its timeline-derived fields and duplicate parent.
    return (selectinload(Case.activities), joinedload(Case.duplicate_of))


def _select_cases(query: RequestQuery):
    stmt = select(Case).options(*_case_options())
    if query.ids is not None:
        prefixes = catalog().city.case_number_prefixes
        numbers = {parse_case_number(i, prefixes) for i in query.ids} - {None}
        stmt = stmt.where(Case.number.in_(numbers))
    else:
        if query.service_codes:
            stmt = stmt.where(Case.service_code.in_(query.service_codes))
        if query.statuses and set(query.statuses) != {"open", "closed"}:
            closed = Case.status == "closed"
            stmt = stmt.where(closed if query.statuses[0] == "closed" else ~closed)
        if query.created is not None:
            stmt = stmt.where(Case.created_at.between(*query.created))
        if query.updated is not None:
            stmt = stmt.where(Case.updated_at.between(*query.updated))
    return (
        stmt.order_by(Case.created_at.desc(), Case.id.desc())
        .limit(query.page_size)
        .offset((query.page - 1) * query.page_size)
    )


@bp.get(f"/requests.{FMT}")
def list_requests(fmt: str):
    """GET service requests: by ids, or filtered by service, status and dates (paged)."""
    tz = city_tz()
    query = request_query(request.args, tz, utcnow())
    cases = get_session().execute(_select_cases(query)).unique().scalars().all()
    entries = [request_entry(c, catalog(), tz, extensions=query.extensions) for c in cases]
    return respond(fmt, "service_requests", entries)


@bp.get(f"/requests/<service_request_id>.{FMT}")
def one_request(service_request_id: str, fmt: str):
    """GET a service request: a list holding that one request, or 404."""
    number = parse_case_number(service_request_id, catalog().city.case_number_prefixes)
    case = None
    if number is not None:
        stmt = select(Case).options(*_case_options()).where(Case.number == number)
        case = get_session().execute(stmt).unique().scalar_one_or_none()
    if case is None:
        raise Open311Error(404, "service_request_id was not found")
    extensions = bool_arg(request.args, "extensions")
    return respond(fmt, "service_requests",
                   [request_entry(case, catalog(), city_tz(), extensions=extensions)])


@bp.get(f"/tokens/<token>.{FMT}")
def token(token: str, fmt: str):
    """GET service_request_id from a token: the request a POST's token stands for."""
    number = None
    if 0 < len(token) <= 64:
        stmt = select(Case.number).where(Case.open311_token == token)
        number = get_session().execute(stmt).scalar_one_or_none()
    if number is None:
        raise Open311Error(404, "token was not found")
    return respond(fmt, "service_requests", [{"service_request_id": number, "token": token}])


@bp.get(f"/servicerequestupdates.{FMT}")
def updates(fmt: str):
    """mySociety's GET service request updates: public timeline entries in a date window."""
    tz = city_tz()
    start, end = window(
        datetime_arg(request.args, "start_date", tz),
        datetime_arg(request.args, "end_date", tz),
        utcnow(),
    )
    stmt = (
        select(Activity)
        .options(selectinload(Activity.case).selectinload(Case.activities))
        .where(Activity.public.is_(True), Activity.kind != "opened")
        .where(Activity.created_at.between(start, end))
        .order_by(Activity.created_at, Activity.id)
        .limit(MAX_UPDATES)
    )
    activities = get_session().execute(stmt).scalars().all()
    return respond(fmt, "service_request_updates", update_entries(activities, tz))
