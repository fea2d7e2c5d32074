"""The public case page by number, and the "not fixed?" reopen page.

Case numbers are sequential, so both pages show the one public view
(``casestore.disclosure``) and count against the per-client limit on lookups
by number that the API and Open311 share. An unknown number gets a 404 page.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from casestore.account.session import current_resident
from casestore.account.tokens import REOPEN_DAYS, read_token, reopen_allowed_until
from casestore.activities import add_activity
from casestore.authors import RESIDENT
from casestore.cases import find_case
from casestore.catalog import get_catalog
from casestore.db import get_session, release_session
from casestore.disclosure import public_view
from casestore.errors import CaseStoreError
from casestore.forms import PublicReopenForm
from casestore.i18n import default_page_language, page_catalog
from casestore.limits import LOOKUP, lookup_limit, rate_limited
from casestore.logs import get_logger
from casestore.models import utcnow
from casestore.numbering import parse_case_number
from casestore.pages import page_not_found

from .blueprint import bp

log = get_logger("casestore.public")


@bp.get("/cases/<number>")
@rate_limited(lookup_limit, scope=LOOKUP)
def case_page(number: str):
    """Service, status, department, expected date, public updates, closure comments."""
    case = find_case(get_session(), number)
    if case is None:
        return page_not_found(number=number)
    # The visitor's own choice (?lang=, cookie, Accept-Language) wins; with none, the case's.
    default_page_language(case.language)
    view = public_view(case, page_catalog())
    resident = current_resident()
    release_session()  # the view is built: render without holding the database
    return render_template("public/case.html", c=view, resident=resident)


def _reopenable(number: str, token: str):
    """Return the case a reopen token names when it is valid for the case's current closure.

    A case that is open again is returned too (the page then says so); a
    token from an earlier closure, or older than 30 days, gives None.
    """
    data = read_token("reopen", token, max_age_seconds=REOPEN_DAYS * 86400)
    case = find_case(get_session(), data.get("c")) if data else None
    if case is None or case.number != parse_case_number(number):
        return None
    if case.status != "closed":
        return case
    if data.get("t") != case.closed_at.isoformat():
        return None
    return case if utcnow() <= reopen_allowed_until(case.closed_at) else None


@bp.route("/cases/<number>/reopen", methods=["GET", "POST"])
@rate_limited(lookup_limit, scope=LOOKUP)
def reopen(number: str):
    """Reopen a closed case from the signed link in the closed notice (30 days)."""
    token = request.values.get("token", "")
    case = _reopenable(number, token)
    if case is None:
        return render_template(
            "public/message.html", resident=current_resident(),
            heading=_("This link does not work"),
            message=_("The link is expired or was already used. Call 311 or file a new request."),
        ), 404
    # Before any text is worded (the form's errors): with no stated preference, the case's.
    default_page_language(case.language)
    form = PublicReopenForm(data={"token": token})
    status = 200
    if request.method == "POST" and case.status == "closed":
        if form.validate():
            try:
                add_activity(get_session(), get_catalog(), case, "reopened", author=RESIDENT,
                             note=form.note.data)
            except CaseStoreError as exc:
                get_session().rollback()
                flash(exc.message, "error")
                status = exc.status
            else:
                log.info("case_reopened_by_resident", case=case.number)
                flash(_("Your case is reopened; the department will look at it again."), "success")
                return redirect(url_for("public.case_page", number=case.number))
        else:
            status = 422
    view = public_view(case, page_catalog())
    resident = current_resident()
    release_session()
    return render_template("public/reopen.html", c=view, form=form, resident=resident), status
