"""GeoReport reading: GET requests (with filters), one request, tokens, and updates.

None of these need an api_key; each shows the public view only (serialize.py).
Lookups by number share the per-client limit of every other lookup path; bulk
reads have their own, lower one, and a request list names at most
``OPEN311_MAX_IDS`` ids. Filtered lists and updates leave out ``privacy:
private`` services altogether (a date window would tell when someone asked);
by id, such a request shows its number, service and status.
"""

from __future__ import annotations

from flask import current_app, request
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from ..db import get_session, release_session
from ..limits import LOOKUP, OPEN311_LIST, lookup_limit, open311_list_limit, rate_limited
from ..models import Activity, Case, utcnow
from ..numbering import parse_case_number
from .blueprint import bp
from .context import catalog, city_tz
from .params import RequestQuery, bool_arg, datetime_arg, request_query, window
from .render import FMT, Open311Error, respond
from .serialize import request_entry, update_entries

MAX_UPDATES = 1000


def _case_options():
    # Every record shows its timeline-derived fields and duplicate parent.
    return (selectinload(Case.activities), joinedload(Case.duplicate_of))


def _private_codes() -> list[str]:
    return [code for code, service in catalog().services.items() if service.private]


def _select_cases(query: RequestQuery):
    stmt = select(Case).options(*_case_options())
    if query.ids is not None:
        prefixes = catalog().city.case_number_prefixes
        numbers = {parse_case_number(i, prefixes) for i in query.ids} - {None}
        stmt = stmt.where(Case.number.in_(numbers))
    else:
        stmt = stmt.where(Case.service_code.not_in(_private_codes()))
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
@rate_limited(open311_list_limit, ("GET",), scope=OPEN311_LIST)
def list_requests(fmt: str):
    """GET service requests: by ids, or filtered by service, status and dates (paged)."""
    tz = city_tz()
    query = request_query(request.args, tz, utcnow(), current_app.config["OPEN311_MAX_IDS"])
    cases = get_session().execute(_select_cases(query)).unique().scalars().all()
    entries = [request_entry(c, catalog(), tz, extensions=query.extensions) for c in cases]
    release_session()
    return respond(fmt, "service_requests", entries)


@bp.get(f"/requests/<service_request_id>.{FMT}")
@rate_limited(lookup_limit, ("GET",), scope=LOOKUP)
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
    entry = request_entry(case, catalog(), city_tz(), extensions=extensions)
    release_session()
    return respond(fmt, "service_requests", [entry])


@bp.get(f"/tokens/<token>.{FMT}")
@rate_limited(lookup_limit, ("GET",), scope=LOOKUP)
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
@rate_limited(open311_list_limit, ("GET",), scope=OPEN311_LIST)
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
        .where(Activity.case.has(Case.service_code.not_in(_private_codes())))
        .order_by(Activity.created_at, Activity.id)
        .limit(MAX_UPDATES)
    )
    activities = get_session().execute(stmt).scalars().all()
    entries = update_entries(activities, tz)
    release_session()
    return respond(fmt, "service_request_updates", entries)
