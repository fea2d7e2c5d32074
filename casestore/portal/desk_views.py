"""The supervisor dashboard and the agents' intake form for phone, fax and walk-in callers."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from casestore.authors import Author
from casestore.cases import create_case
from casestore.catalog import get_catalog
from casestore.charts import bar_chart, line_chart
from casestore.db import get_session
from casestore.errors import CaseStoreError
from casestore.forms import NewCaseForm
from casestore.i18n import default_language
from casestore.pages import INTAKE, SUPERVISORS, city_timezone, staff_required

from . import stats
from .blueprint import bp
from .languages import language_choices


@bp.get("/dashboard")
@staff_required(*SUPERVISORS)
def dashboard():
    """Charts: open and overdue cases by department, daily flow, median days to close."""
    session = get_session()
    catalog = get_catalog()
    names = {code: s.name for code, s in catalog.services.items()}
    per_day = stats.created_closed_per_day(session, current_user, city_timezone())
    days = [day[5:] for day, _, _ in per_day]
    charts = {
        "open_by_department": bar_chart(
            stats.open_by_department(session, current_user), "Open cases by department"
        ),
        "overdue_by_department": bar_chart(
            stats.open_by_department(session, current_user, overdue_only=True),
            "Open cases past their target date by department",
        ),
        "created_closed": line_chart(
            days,
            [("Created", [c for _, c, _ in per_day]), ("Closed", [c for _, _, c in per_day])],
            "Cases created and closed per day over the last 30 days",
        ),
        "median_close": bar_chart(
            stats.median_days_to_close(session, current_user, names),
            "Median days to close by service", unit=" d",
        ),
    }
    return render_template("portal/dashboard.html", charts=charts, stats={"per_day": per_day})


@bp.route("/cases/new", methods=["GET", "POST"])
@staff_required(*INTAKE)
def new_case():
    """File a case for a caller, recording the intake channel (phone, fax, walk-in)."""
    catalog = get_catalog()
    form = NewCaseForm()
    form.service_code.choices = [("", "Choose a service")] + sorted(
        ((s.code, s.name) for s in catalog.services.values()), key=lambda s: s[1]
    )
    service = catalog.service(request.values.get("service_code", ""))
    if request.method == "GET" and service is not None:
        form.service_code.data = service.code
    if request.method == "POST" and form.validate():
        data = {
            "service_code": form.service_code.data,
            "description": form.description.data,
            "channel": form.channel.data,
            "attributes": _attribute_answers(service),
            # The caller's language: their notices and emails are written in it.
            "language": request.form.get("language") or None,
            "requester": {
                "name": form.requester_name.data or None,
                "email": form.requester_email.data or None,
                "phone": form.requester_phone.data or None,
            },
        }
        if form.address.data:
            data["address"] = form.address.data
        if form.lat.data is not None and form.long.data is not None:
            data["lat"], data["long"] = form.lat.data, form.long.data
        try:
            case, _ = create_case(get_session(), catalog, data, author=Author.staff(current_user))
        except CaseStoreError as exc:
            get_session().rollback()
            for name, problem in exc.fields.items():
                target = getattr(form, name.replace(".", "_"), None)
                if target is not None and hasattr(target, "errors"):
                    target.errors = list(target.errors) + [problem]
                else:
                    flash(f"{name}: {problem}", "error")
            return _intake_page(form, service, exc.status)
        flash(f"Case {case.number} is filed.", "success")
        return redirect(url_for("portal.case", number=case.number))
    return _intake_page(form, service, 422 if request.method == "POST" else 200)


def _attribute_answers(service) -> dict:
    """Collect the service's extra questions from the posted ``attr-<code>`` fields."""
    answers: dict = {}
    for attr in service.attributes if service else ():
        name = f"attr-{attr.code}"
        if attr.datatype == "multivaluelist":
            values = [v for v in request.form.getlist(name) if v]
            if values:
                answers[attr.code] = values
        elif request.form.get(name, "").strip():
            answers[attr.code] = request.form[name].strip()
    return answers


def _intake_page(form: NewCaseForm, service, status: int):
    """Render the intake form; the chosen service's questions appear once it is known."""
    chosen = {a.code: request.form.getlist(f"attr-{a.code}") for a in service.attributes} \
        if service and request.method == "POST" else {}
    return render_template("portal/new_case.html", form=form, service=service,
                           answers=chosen, languages=language_choices(),
                           language=request.form.get("language") or default_language()), status
