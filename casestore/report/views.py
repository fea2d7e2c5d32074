"""The resident's web form: /report, /report/<service_code>, the nearby check and the answer.

Plain GET and POST pages, so it works without JavaScript; ``static/report.js``
makes it better (live search, address suggestions, "use my location") and the
map partial adds a pin. The steps:

1. ``GET /report``: the services grouped by department, with a search (``?q=``).
2. ``GET /report/<code>``: one page with the service's questions, the place,
   photos, description and contact; ``POST`` checks it. Bad input comes back
   with the answers kept and an error summary; nothing is filed.
3. When open cases of the same service are near the place, the resident sees
   them first and may follow one instead (``POST /report/<code>/follow``) or
   send the report anyway (the same POST with ``nearby_checked``).
4. The case is filed through ``casestore.cases.create_case`` (which queues the
   opened email as for any case) and ``GET /report/filed`` shows its number and
   expected date.

Abuse control: ``casestore.report.abuse``. Nothing the resident typed is logged.
"""

from __future__ import annotations

from flask import redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from werkzeug.exceptions import RequestEntityTooLarge

from casestore.account.session import current_resident
from casestore.api.search import nearby_cases
from casestore.authors import RESIDENT
from casestore.cases import create_case, find_case
from casestore.catalog import Service, get_catalog
from casestore.db import get_session
from casestore.disclosure import public_view
from casestore.errors import CaseStoreError, IdempotencyMismatchError
from casestore.followers import add_follower
from casestore.geo import inside_city
from casestore.i18n import page_catalog, page_language
from casestore.limits import rate_limited
from casestore.logs import get_logger
from casestore.media import MediaRefused, accepts_photos, ingest, media_ref
from casestore.pages import case_number_display, page_not_found

from .abuse import HONEYPOT, idempotency_key, refusal, report_rate_limit, start_token
from .blueprint import bp
from .directory import service_groups
from .forms import (
    MAX_PHOTOS,
    FollowForm,
    ReportForm,
    answers,
    coordinates,
    field_name,
    honeypot_value,
    report_form_class,
    uploads,
)

log = get_logger("casestore.report")

# Report and follow posts share one bucket per client.
REPORT_SCOPE = "report"
# The fields a nearby page carries from the report as hidden inputs (besides the answers).
CARRIED = ("started", "description", "address", "lat", "long", "location_source",
           "photo_location")
FILED_KEY = "report_filed"
FOLLOWED_KEY = "report_followed"
# Address suggestions for the script (casestore.geo's endpoint; docs/api.md).
SUGGEST_PATH = "/api/v1/places/suggest"


def _service(code: str) -> Service | None:
    """The service in the page's language, or None for an unknown code."""
    return page_catalog().service(code)


@bp.context_processor
def report_context() -> dict:
    """What every page of the form shows: the City's phone in the page's language and
    where the script asks for address suggestions."""
    return {"city_phone": page_catalog().city.phone, "suggest_url": SUGGEST_PATH}


@bp.get("/report")
def choose():
    """Step 1: the services by department; ``?q=`` narrows the list (the script does it live)."""
    query = request.args.get("q", "").strip()[:100]
    groups = service_groups(page_catalog(), query)
    return render_template("report/choose.html", groups=groups, query=query,
                           count=sum(len(g.choices) for g in groups), resident=current_resident())


def _error_list(form) -> list[tuple[str, str]]:
    """(anchor, message) for the error summary, in the order the page shows the fields."""
    found = []
    for field in form:
        for message in field.errors:
            multiple = field.type in ("RadioField", "_CheckboxList")
            found.append((f"{field.id}-0" if multiple else field.id, str(message)))
    return found


def _form_page(form: ReportForm, service: Service, status: int = 200, *, notice: str = "",
               outside: bool = False, tokens: list[str] | None = None):
    """Render the report page (step 2) with the answers as given and any errors.

    ``tokens``: photos already stored, kept as hidden inputs (a file input cannot be
    filled in again); by default the ones the submission carried.
    """
    if tokens is None:
        tokens = form.photo_tokens if request.method == "POST" else []
    questions = [(attr, getattr(form, field_name(attr))) for attr in service.attributes]
    return render_template(
        "report/form.html", form=form, service=service, questions=questions,
        errors=_error_list(form), notice=notice, outside=outside, honeypot=HONEYPOT,
        photo_tokens=tokens, max_photos=MAX_PHOTOS, resident=current_resident(),
    ), status


@bp.route("/report/<service_code>", methods=["GET", "POST"])
@accepts_photos(MAX_PHOTOS)
@rate_limited(report_rate_limit, methods=("POST",), scope=REPORT_SCOPE)
def report(service_code: str):
    """Step 2 (the form) and its submission: check, show nearby cases, file."""
    service = _service(service_code)
    if service is None:
        return page_not_found(resident=current_resident())
    form_class = report_form_class(service)
    if request.method == "GET":
        resident = current_resident()
        form = form_class(data={"started": start_token(),
                                "email": resident.email if resident else ""})
        return _form_page(form, service)

    form = form_class()
    reason = refusal(form.started.data, honeypot_value(request.form))
    if reason is not None:
        log.info("report_refused", reason=reason, service=service.code)
        form.started.data = start_token()  # the person tries again from now
        return _form_page(form, service, 400, notice=_(
            "Sorry, we could not take your report this time. Please check it and send it "
            "again."))
    if not form.validate():
        return _form_page(form, service, 422)

    tokens, photo_place = _store_photos(form)
    if form.photos.errors:
        return _form_page(form, service, 422, tokens=tokens)
    place = coordinates(form)
    source = (form.location_source.data or None) if place else None
    if place is None and photo_place is not None:
        place, source = photo_place, "device"  # the photo's position: the resident's phone
    address = (form.address.data or "").strip()
    if place is None and not address:
        form.address.errors = [*form.address.errors, _(
            "Your photos do not say where they were taken. Type the address or place, or put "
            "a pin on the map.")]
        return _form_page(form, service, 422, tokens=tokens)
    if place is not None and not inside_city(*place):
        form.address.errors = [*form.address.errors, _outside_message()]
        return _form_page(form, service, 422, outside=True, tokens=tokens)

    if not form.nearby_checked.data:
        nearby = _nearby(service, address, place)
        if nearby:
            return _nearby_page(form, service, nearby, tokens, place=place, source=source)
    return _file(form, service, address, place, source, tokens)


def _outside_message() -> str:
    city = page_catalog().city
    return _("This place is outside the City of %(city)s, so the City cannot take a report "
             "about it. If you are not sure, call %(phone)s.", city=city.name, phone=city.phone)


def _store_photos(form: ReportForm) -> tuple[list[str], tuple[float, float] | None]:
    """Store the uploaded photos (``casestore.media.ingest``); return all tokens and the first
    position a photo held when the resident let us use it. Refused photos become errors on
    the photos field (and the page is shown again)."""
    tokens = list(form.photo_tokens)
    place = None
    for number, upload in enumerate(uploads(form.photos), start=len(tokens) + 1):
        try:
            photo = ingest(upload.read(), source="form",
                           keep_location=bool(form.photo_location.data))
        except MediaRefused as exc:
            form.photos.errors = [*form.photos.errors, _photo_problem(exc, number)]
            continue
        tokens.append(photo.token)
        if place is None and photo.lat is not None and photo.long is not None:
            place = (photo.lat, photo.long)
    return tokens, place


def _photo_problem(exc: MediaRefused, number: int) -> str:
    if exc.code == "too_large":
        return _("Photo %(n)s is too large. Choose a smaller photo.", n=number)
    return _("Photo %(n)s is not a photo we can read (JPEG, PNG, WebP or HEIC).", n=number)


def _nearby(service: Service, address: str, place: tuple[float, float] | None) -> list:
    """Open cases of ``service`` near the place (none for a service about a person)."""
    args = {"service_code": service.code, "address": address}
    if place is not None:
        args["lat"], args["long"] = str(place[0]), str(place[1])
    return nearby_cases(get_session(), get_catalog(), args, None)


def _carried(form: ReportForm, service: Service, tokens: list[str],
             place: tuple[float, float] | None, source: str | None) -> list[tuple[str, str]]:
    """The report as (name, value) hidden inputs of the nearby page: the answers as posted,
    the place as worked out (a photo's position included) and the stored photos."""
    names = [*CARRIED, *(field_name(a) for a in service.attributes)]
    pairs = [(name, value) for name in names for value in request.form.getlist(name)
             if name not in ("lat", "long", "location_source")]
    if place is not None:
        pairs += [("lat", str(place[0])), ("long", str(place[1])),
                  ("location_source", source or "")]
    return pairs + [("photo_token", t) for t in tokens] + [("nearby_checked", "1")]


def _nearby_page(form, service: Service, nearby: list, tokens: list[str],
                 follow: FollowForm | None = None, status: int = 200, *,
                 place: tuple[float, float] | None = None, source: str | None = None):
    """Step 3: "is this yours? follow it instead", or send the report anyway."""
    catalog = page_catalog()
    cases = [public_view(c, catalog) for c in nearby]
    if follow is None:
        follow = FollowForm(formdata=None, data={"started": form.started.data,
                                                 "email": form.email.data,
                                                 "phone": form.phone.data})
    follow.case.choices = [(c["case_number"], c["case_number"]) for c in cases]
    # The map beside the list (when maps are on): each case at its public point.
    points = [{"lat": c["lat"], "long": c["long"],
               "label": _("Case %(number)s", number=case_number_display(c["case_number"])),
               "url": url_for("public.case_page", number=c["case_number"])}
              for c in cases if c.get("lat") is not None and c.get("long") is not None]
    return render_template(
        "report/nearby.html", service=service, cases=cases, follow=follow, points=points,
        carried=_carried(form, service, tokens, place, source), errors=_error_list(follow),
        honeypot=HONEYPOT, resident=current_resident(),
    ), status


def _file(form: ReportForm, service: Service, address: str, place, source, tokens: list[str]):
    """File the case; the opened email is queued by ``create_case`` with it."""
    data = {
        "service_code": service.code,
        "description": (form.description.data or "").strip(),
        "channel": "web_form",
        "attributes": answers(form, service),
        "language": page_language(),
        "requester": {"email": form.email.data or None, "phone": form.phone.data or None},
        "media_urls": [media_ref(t) for t in tokens],
    }
    if address:
        data["address"] = address
    if place is not None:
        data["lat"], data["long"] = place
        if source:
            data["location_source"] = source
    try:
        case, created = create_case(get_session(), get_catalog(), data,
                                    idempotency_key=idempotency_key(form.started.data),
                                    idempotency_scope="web-form", author=RESIDENT)
    except IdempotencyMismatchError:
        get_session().rollback()
        return _message(_("This form was already sent"),
                        _("Its report is filed. To report another problem, start a new report."),
                        409)
    except CaseStoreError as exc:
        get_session().rollback()
        _field_problems(form, service, exc)
        return _form_page(form, service, exc.status, tokens=[])
    if created:
        log.info("report_filed", case=case.number, service=service.code,
                 photos=len(tokens), located=place is not None)
    session[FILED_KEY] = case.number
    return redirect(url_for("report.filed"), 303)


def _field_problems(form: ReportForm, service: Service, exc: CaseStoreError) -> None:
    """Put what the case service layer refused on the form's fields, in the page's language."""
    for name in exc.fields:
        if name.startswith("attributes."):
            attr = service.attribute(name.split(".", 1)[1])
            target = getattr(form, field_name(attr)) if attr else form.description
            target.errors = [*target.errors, _("Check this answer.")]
        elif name in ("lat", "long", "address"):
            form.address.errors = [*form.address.errors, _outside_message() if name == "lat"
                                   else _("Check the address.")]
        elif name == "media_urls":
            form.photos.errors = [*form.photos.errors, _("Choose your photos again.")]
        elif name.startswith("requester."):
            target = form.email if name.endswith("email") else form.phone
            target.errors = [*target.errors, _("Check this answer.")]
        else:
            form.description.errors = [*form.description.errors, _("Check this answer.")]


@bp.post("/report/<service_code>/follow")
@rate_limited(report_rate_limit, methods=("POST",), scope=REPORT_SCOPE)
def follow(service_code: str):
    """Follow a nearby open case instead of filing a new one."""
    service = _service(service_code)
    if service is None:
        return page_not_found(resident=current_resident())
    follow_form = FollowForm()
    reason = refusal(follow_form.started.data, honeypot_value(request.form))
    if reason is not None:
        log.info("report_refused", reason=reason, service=service.code)
        return _message(_("Please try again"), _(
            "Sorry, we could not take this. Please go back to the form and send it again."), 400)
    # The report's answers came along as hidden inputs: the same nearby cases, found again
    # (only one of them may be followed from here), and the page again if something is wrong.
    report_form = report_form_class(service)(formdata=request.form)
    tokens = [t for t in request.form.getlist("photo_token") if t][:MAX_PHOTOS]
    place = coordinates(report_form)
    address = (report_form.address.data or "").strip()
    nearby = _nearby(service, address, place) if (place or address) else []
    if not nearby:
        return _message(_("These cases are closed now"), _(
            "Please go back to the form and send your report."), 422)
    follow_form.case.choices = [(c.number, c.number) for c in nearby]
    chosen = next((c for c in nearby if c.number == follow_form.case.data), None)
    valid = follow_form.validate()
    if valid and chosen is None:
        follow_form.case.errors = [_("Choose one of the cases on the list.")]
    if not valid or chosen is None:
        return _nearby_page(report_form, service, nearby, tokens, follow_form, 422,
                            place=place, source=report_form.location_source.data or None)
    contact = {"email": follow_form.email.data or None, "phone": follow_form.phone.data or None}
    try:
        add_follower(get_session(), chosen, contact, author=RESIDENT)
    except CaseStoreError:
        get_session().rollback()
        follow_form.email.errors = [_("Check the email and phone number.")]
        return _nearby_page(report_form, service, nearby, tokens, follow_form, 422,
                            place=place, source=report_form.location_source.data or None)
    log.info("report_followed_instead", case=chosen.number, service=service.code)
    session[FOLLOWED_KEY] = chosen.number
    return redirect(url_for("report.followed"), 303)


def _case_page(key: str, template: str):
    number = session.get(key)
    case = find_case(get_session(), number) if number else None
    if case is None:
        return redirect(url_for("report.choose"))
    catalog = page_catalog()
    service = catalog.service(case.service_code)
    # Only what the resident needs to keep: no contact details echoed back.
    view = {"number": case.number, "service_name": service.name if service else case.service_code,
            "department_name": catalog.department_name(case.department),
            "expected_at": case.expected_at, "emailed": bool(case.requester_email)}
    return render_template(template, c=view, resident=current_resident())


@bp.get("/report/filed")
def filed():
    """Step 4: the case number and the date the department expects to be done."""
    return _case_page(FILED_KEY, "report/filed.html")


@bp.get("/report/followed")
def followed():
    """The answer after following a nearby case instead."""
    return _case_page(FOLLOWED_KEY, "report/followed.html")


def _message(heading: str, message: str, status: int):
    return render_template("public/message.html", heading=heading, message=message,
                           link=url_for("report.choose"), link_text=_("Start a new report"),
                           resident=current_resident()), status


@bp.errorhandler(RequestEntityTooLarge)
def too_large(_exc):
    """Photos larger together than the form takes: say so plainly (nothing was filed)."""
    return _message(_("The photos are too large"),
                    _("Together they are more than the form can take. Go back and choose fewer "
                      "or smaller photos (at most %(n)s).", n=MAX_PHOTOS), 413)
