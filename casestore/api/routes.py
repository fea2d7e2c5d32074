"""Routes of /api/v1: cases, their activity, followers, opt-outs and the catalog.

Shapes and rules are in docs/api.md; the OpenAPI document (openapi.py) lists
every route here.
"""

from __future__ import annotations

from flask import jsonify, request, url_for

from ..activities import POSTABLE_KINDS, add_activity
from ..authors import RESIDENT, SERVICE, Author
from ..cases import create_case, full_view, staff_can_see
from ..cases import get_case as load_case
from ..catalog import get_catalog
from ..db import get_session, release_session
from ..disclosure import (
    activity_view,
    public_timeline,
    public_view,
    service_activities,
    service_view,
)
from ..errors import ForbiddenError, NotFoundError, ValidationError
from ..followers import add_follower
from ..i18n import in_request_language
from ..limits import LOOKUP, exempt_service, lookup_limit, rate_limited
from ..logs import get_logger
from ..models import OptOut
from ..publishing import set_entry_public, set_photo_public
from ..validation import Problems, channel_address
from ..withdrawals import request_withdrawal
from .access import allow, caller, json_body
from .blueprint import bp
from .openapi import openapi_document
from .search import nearby_cases, search_cases

log = get_logger("casestore.api")

# What the service token may post on a resident's behalf.
SERVICE_KINDS = ("info_added", "reopened")
# Reassigning moves work between departments: not for department staff.
REASSIGNERS = ("agent", "supervisor", "admin")


def _view(case) -> dict:
    """Return the case as the caller may see it: full (staff), service (both with the
    resident's ``language``), or the public view."""
    c = caller()
    catalog = get_catalog()
    if c.is_staff:
        return full_view(case, catalog)
    if c.is_service:
        # The assistant answers the resident in the case's language. The anonymous view
        # stays disclosure.public_view as it is (it has no channel either).
        return {**service_view(case, catalog), "language": case.language}
    return public_view(case, catalog)


def _author() -> Author:
    c = caller()
    return Author.staff(c.staff) if c.is_staff else SERVICE


@bp.get("/services")
def services():
    """The service catalog as JSON, its texts in ``?locale=`` or Accept-Language's language."""
    response = jsonify(in_request_language(get_catalog()).to_json())
    response.vary.add("Accept-Language")
    return response


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3 document of this API."""
    return jsonify(openapi_document(f"{get_catalog().city.short_name} case store API"))


def idempotency_scope() -> str:
    """The caller an ``Idempotency-Key`` belongs to: the service, or one staff member."""
    c = caller()
    return f"staff:{c.staff.id}" if c.is_staff else "service"


@bp.post("/cases")
@allow("service", "staff")
def create():
    """Create a case; the caller's same key and body return the first case with 200.

    A replay passes the same check as a read: staff who may not see the case
    (another department's) get 404, as ``GET /cases/<n>`` gives them.
    """
    data = json_body()
    key = request.headers.get("Idempotency-Key") or None
    c = caller()
    session = get_session()
    case, created = create_case(session, get_catalog(), data, idempotency_key=key,
                                idempotency_scope=idempotency_scope(), author=_author())
    if not created and c.is_staff and not staff_can_see(c.staff, case):
        raise NotFoundError("No such case.")
    if created:
        log.info("case_created", case=case.number, service=case.service_code,
                 channel=case.channel, caller=caller().kind)
    response = jsonify(_view(case))
    response.headers["Location"] = url_for("api.get_case", number=case.number)
    return response, 201 if created else 200


@bp.get("/cases/<number>")
@rate_limited(lookup_limit, ("GET",), scope=LOOKUP, exempt_when=exempt_service)
@allow("anonymous", "service", "staff")
def get_case(number: str):
    """Look a case up by number: public view, or full view for staff who may see it."""
    c = caller()
    case = load_case(get_session(), number, c.staff if c.is_staff else None)
    view = _view(case)
    release_session()  # the answer is built: let go of the database before sending it
    return jsonify(view)


@bp.get("/cases")
@allow("staff")
def list_cases():
    """List and search cases (staff; department staff see their department only)."""
    catalog = get_catalog()
    result = search_cases(get_session(), request.args, caller().staff, catalog.city.timezone)
    return jsonify({
        "cases": [full_view(case, catalog) for case in result.cases],
        "total": result.total,
        "page": result.page,
        "page_size": result.page_size,
    })


@bp.get("/cases/nearby")
@allow("service", "staff")
def nearby():
    """Open cases of a service near a point or at the same normalised address."""
    cases = nearby_cases(get_session(), get_catalog(), request.args, caller().staff)
    catalog = get_catalog()
    return jsonify({"cases": [public_view(case, catalog) for case in cases]})


@bp.post("/cases/<number>/followers")
@allow("service", "staff")
def follow(number: str):
    """Add someone to a case's notices instead of filing the same problem again."""
    data = json_body()
    c = caller()
    session = get_session()
    case = load_case(session, number, c.staff if c.is_staff else None)
    added = add_follower(session, case, data, author=_author())
    log.info("case_followed", case=case.number, added=added)
    return jsonify(public_view(case, get_catalog()))


@bp.post("/cases/<number>/activities")
@allow("service", "staff")
def post_activity(number: str):
    """Record an activity on a case (kinds and rules: docs/api.md)."""
    data = json_body()
    c = caller()
    kind = data.pop("kind", None)
    if not isinstance(kind, str):
        raise ValidationError({"kind": "is required"}, malformed=kind is not None)
    if kind not in POSTABLE_KINDS:
        raise ValidationError({"kind": f"must be one of {', '.join(POSTABLE_KINDS)}"})
    if c.is_service and kind not in SERVICE_KINDS:
        raise ForbiddenError(f"The service token may only post {', '.join(SERVICE_KINDS)}.")
    if kind == "reassigned" and c.is_staff and c.staff.role not in REASSIGNERS:
        raise ForbiddenError("Only agents and supervisors reassign cases.")
    note = data.pop("note", "") or ""
    public = data.pop("public", None)
    if c.is_service and public is not None:
        if not isinstance(public, bool):
            raise ValidationError({"public": "must be true or false"}, malformed=True)
        # The service posts what a resident said; only staff make a resident's words public.
        public = False
    data.pop("channel_address", None)  # who added it is not recorded on the public timeline
    session = get_session()
    case = load_case(session, number, c.staff if c.is_staff else None)
    author = Author.staff(c.staff) if c.is_staff else RESIDENT
    entry = add_activity(session, get_catalog(), case, kind, author=author, note=note,
                         public=public, **data)
    log.info("case_activity", case=case.number, kind=kind, caller=c.kind)
    return jsonify(activity_view(entry)), 201


@bp.get("/cases/<number>/activities")
@rate_limited(lookup_limit, ("GET",), scope=LOOKUP, exempt_when=exempt_service)
@allow("anonymous", "service", "staff")
def list_activities(number: str):
    """The case's timeline: the public view's entries; residents' own too for the service;
    every entry for staff who may see it."""
    c = caller()
    case = load_case(get_session(), number, c.staff if c.is_staff else None)
    if c.is_staff:
        entries = [activity_view(a) for a in case.activities]
    elif c.is_service:
        entries = [activity_view(a) for a in service_activities(case)]
    else:
        entries = public_timeline(case, get_catalog())
    release_session()
    return jsonify({"activities": entries})


def _visibility_body() -> object:
    """Return the ``public`` of a ``{"public": true|false}`` body; any other key is refused."""
    data = json_body()
    extra = sorted(set(data) - {"public"})
    if extra:
        raise ValidationError({key: "cannot be changed here; send only public" for key in extra})
    return data.get("public")


def _position(value: str, what: str) -> int:
    # A string route argument (not <int:>) so the OpenAPI check matches the path as written.
    if not value.isascii() or not value.isdigit() or len(value) > 9:
        raise NotFoundError(f"No such {what} on this case.")
    return int(value)


@bp.patch("/cases/<number>/activities/<activity_id>")
@allow("staff")
def patch_activity(number: str, activity_id: str):
    """Make a resident's note public, or private again (staff who may see the case)."""
    public = _visibility_body()
    c = caller()
    session = get_session()
    case = load_case(session, number, c.staff)
    entry, changed = set_entry_public(session, case, _position(activity_id, "entry"), public,
                                      author=Author.staff(c.staff))
    log.info("case_visibility", case=case.number, activity=entry.id, public=entry.public,
             changed=changed, caller=c.kind)
    return jsonify(activity_view(entry))


@bp.patch("/cases/<number>/media/<photo>")
@allow("staff")
def patch_media(number: str, photo: str):
    """Make one of the case's photos public, or private again (1 = the first photo)."""
    public = _visibility_body()
    c = caller()
    session = get_session()
    case = load_case(session, number, c.staff)
    position = _position(photo, "photo")
    changed = set_photo_public(session, case, position, public, author=Author.staff(c.staff))
    log.info("case_visibility", case=case.number, photo=position, public=public,
             changed=changed, caller=c.kind)
    return jsonify({"photo": position, "url": case.media_urls[position - 1],
                    "public": position in (case.public_media or [])})


@bp.post("/cases/<number>/withdrawal")
@allow("service")
def withdrawal(number: str):
    """The requester asks to withdraw their case (matched by channel address or email)."""
    data = json_body()
    session = get_session()
    case = load_case(session, number)
    result = request_withdrawal(session, get_catalog(), case, data, author=RESIDENT)
    log.info("case_withdrawal", case=case.number, status=result.status, created=result.created)
    return jsonify({
        "status": result.status,
        "case_number": case.number,
        "already_requested": not result.created,
        "requested_at": result.entry.created_at.isoformat(),
        "activity_id": result.entry.id,
        "case": public_view(case, get_catalog()),
    }), 201 if result.created else 200


def _body_channel_address() -> str:
    problems = Problems()
    address = channel_address(problems, json_body().get("channel_address"), "channel_address")
    if address is None and not problems.fields:
        problems.add("channel_address", "is required")
    problems.raise_if_any()
    return address


@bp.post("/opt-outs")
@allow("service")
def opt_out():
    """Record STOP for a channel address: no more messages to it."""
    address = _body_channel_address()
    session = get_session()
    exists = session.get(OptOut, address) is not None
    if not exists:
        session.add(OptOut(channel_address=address))
        session.commit()
    return jsonify({"channel_address": address, "opted_out": True}), 200 if exists else 201


@bp.delete("/opt-outs")
@allow("service")
def opt_in_by_body():
    """START with the address in the JSON body, which keeps it out of access logs."""
    return opt_in(_body_channel_address())


@bp.delete("/opt-outs/<path:address>")
@allow("service")
def opt_in(address: str):
    """Record START for a channel address: messages may go to it again."""
    session = get_session()
    row = session.get(OptOut, address)
    if row is not None:
        session.delete(row)
        session.commit()
    return "", 204

