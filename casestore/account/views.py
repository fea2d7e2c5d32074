"""Resident pages: sign-up with email confirmation, sign-in, password reset, Case Status.

Account emails (confirmation, reset) go through the notification outbox like
case notices, so they survive an SMTP outage and are sent once. Their links
are signed tokens made when the email is rendered (``casestore.notices``):
no token is stored anywhere. Answers never reveal whether an email has an
account.
"""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, or_, select, update

from casestore.activities import add_activity
from casestore.auth import hash_password, verify_or_dummy
from casestore.authors import RESIDENT
from casestore.catalog import get_catalog
from casestore.db import get_session
from casestore.disclosure import owner_view
from casestore.errors import CaseStoreError
from casestore.forms import ForgotForm, LoginForm, ResetForm, ResidentNoteForm, SignupForm
from casestore.i18n import in_language, normalize_language, page_catalog, page_language
from casestore.limits import address_limit, no_address, per_address, rate_limited
from casestore.logs import get_logger
from casestore.models import Case, Follower, OutboxMessage, Resident, utcnow
from casestore.pages import page_not_found

from .blueprint import bp
from .session import current_resident, resident_by_email, resident_required, sign_in, sign_out
from .tokens import CONFIRM_HOURS, RESET_HOURS, fingerprint, read_token

log = get_logger("casestore.account")


def account_rate_limit() -> str:
    """Per-client limit on sign-in, sign-up and reset posts (``ACCOUNT_RATE_LIMIT``)."""
    return current_app.config["ACCOUNT_RATE_LIMIT"]


def queue_account_email(resident: Resident, event: str) -> None:
    """Queue an ``account_confirm`` or ``password_reset`` email in the outbox (no commit)."""
    now = utcnow()
    # The page's language: the email's when the account has none of its own yet.
    get_session().add(OutboxMessage(
        case_id=None, event=event, transport="email", recipient=resident.email,
        payload={"event": event, "resident_id": resident.id, "language": page_language()},
        dedupe_key=f"account:{event}:{resident.id}:{now.isoformat()}",
        next_attempt_at=now, created_at=now,
    ))


def _form_page(form, heading: str, status: int = 200, intro: str = "", hints=None, links=()):
    return render_template(
        "account/_form_page.html", form=form, heading=heading, intro=intro, hints=hints or {},
        links=links, resident=current_resident(),
    ), status


def _message(heading: str, message: str, status: int = 200):
    return render_template(
        "public/message.html", heading=heading, message=message, resident=current_resident(),
        link=url_for("account.login"), link_text=_("Sign in"),
    ), status


@bp.route("/signup", methods=["GET", "POST"])
@rate_limited(account_rate_limit, methods=("POST",))
@rate_limited(address_limit, ("POST",), key=per_address(), exempt_when=no_address())
def signup():
    """Create an account; it works once the emailed link confirms the address."""
    form = SignupForm()
    if request.method == "POST" and form.validate():
        existing = resident_by_email(form.email.data)
        if existing is None:
            resident = Resident(email=form.email.data.strip().lower(),
                                password_hash=hash_password(form.password.data))
            get_session().add(resident)
            get_session().flush()
            queue_account_email(resident, "account_confirm")
            get_session().commit()
            log.info("resident_signed_up", resident_id=resident.id)
        elif existing.email_confirmed_at is None:
            queue_account_email(existing, "account_confirm")
            get_session().commit()
        return _message(_("Check your email"),
                        _("We sent a confirmation link to %(email)s. It works for %(hours)s hours.",
                          email=form.email.data, hours=CONFIRM_HOURS))
    return _form_page(
        form, _("Create an account"), 422 if request.method == "POST" else 200,
        intro=_("See every case filed with your email address, on any channel."),
        hints={"password": _("At least 12 characters.")},
        links=[(url_for("account.login"), _("I already have an account"))],
    )


@bp.get("/confirm/<token>")
def confirm(token: str):
    """Confirm the email address from the link in the confirmation email.

    The link works once: the first use confirms and signs in; any later use
    (the link sits in mailboxes and access logs) only sends to the sign-in page.
    """
    data = read_token("confirm", token, CONFIRM_HOURS * 3600)
    resident = get_session().get(Resident, data.get("r")) if data else None
    if resident is None or resident.email != data.get("e"):
        return _message(_("This link does not work"),
                        _("It is expired or wrong. Sign up again."), 404)
    # Only the request whose UPDATE flips the confirmation signs in, even when two race.
    first = get_session().execute(
        update(Resident).where(Resident.id == resident.id, Resident.email_confirmed_at.is_(None))
        .values(email_confirmed_at=utcnow())
    ).rowcount == 1
    get_session().commit()
    if not first:
        flash(_("Your email address is already confirmed. Sign in with your password."),
              "success")
        return redirect(url_for("account.login"))
    get_session().refresh(resident)
    log.info("resident_confirmed", resident_id=resident.id)
    sign_in(resident)
    flash(_("Your email address is confirmed."), "success")
    return redirect(url_for("account.status"))


@bp.route("/login", methods=["GET", "POST"])
@rate_limited(account_rate_limit, methods=("POST",))
def login():
    """Sign a resident in."""
    form = LoginForm()
    if request.method == "POST" and form.validate():
        resident = resident_by_email(form.email.data)
        # No account still costs one argon2 verification: timing never tells who has one.
        ok = verify_or_dummy(resident.password_hash if resident else None, form.password.data)
        if ok and resident.email_confirmed_at is not None:
            sign_in(resident)
            target = request.args.get("next", "")
            return redirect(target if target.startswith("/account/") else url_for("account.status"))
        flash(_("Confirm your email first: open the link we sent you.") if ok
              else _("Email or password is not right."), "error")
        return _form_page(form, _("Sign in"), 401)
    return _form_page(form, _("Sign in"), 422 if request.method == "POST" else 200, links=[
        (url_for("account.forgot"), _("Forgot your password?")),
        (url_for("account.signup"), _("Create an account")),
    ])


@bp.post("/logout")
def logout():
    """Sign the resident out."""
    sign_out()
    flash(_("You are signed out."), "success")
    return redirect(url_for("account.login"))


@bp.route("/forgot", methods=["GET", "POST"])
@rate_limited(account_rate_limit, methods=("POST",))
@rate_limited(address_limit, ("POST",), key=per_address(), exempt_when=no_address())
def forgot():
    """Email a reset link (the same answer whether or not the email has an account)."""
    form = ForgotForm()
    if request.method == "POST" and form.validate():
        resident = resident_by_email(form.email.data)
        if resident is not None:
            queue_account_email(resident, "password_reset")
            get_session().commit()
        return _message(_("Check your email"),
                        _("If %(email)s has an account, a reset link is on its way. "
                          "It works for %(hours)s hours.",
                          email=form.email.data, hours=RESET_HOURS))
    return _form_page(form, _("Reset your password"), 422 if request.method == "POST" else 200)


@bp.route("/reset", methods=["GET", "POST"])
@rate_limited(account_rate_limit, methods=("POST",))
def reset():
    """Set a new password from a reset link; the link dies with the old password."""
    form = ResetForm(data={"token": request.values.get("token", "")})
    data = read_token("reset", form.token.data, RESET_HOURS * 3600)
    resident = get_session().get(Resident, data.get("r")) if data else None
    if resident is None or fingerprint(resident.password_hash) != data.get("p"):
        return _message(_("This link does not work"), _("It is expired or was used already."),
                        404)
    if request.method == "POST" and form.validate():
        resident.password_hash = hash_password(form.password.data)
        if resident.email_confirmed_at is None:
            resident.email_confirmed_at = utcnow()  # the reset link proves the address
        get_session().commit()
        log.info("resident_password_reset", resident_id=resident.id)
        sign_in(resident)
        flash(_("Your password is changed."), "success")
        return redirect(url_for("account.status"))
    return _form_page(form, _("Choose a new password"), 422 if request.method == "POST" else 200,
                      hints={"password": _("At least 12 characters.")})


def resident_cases(resident: Resident) -> list[Case]:
    """Cases filed with the resident's confirmed email, or followed with it, newest first."""
    email = resident.email.lower()
    followed = select(Follower.case_id).where(func.lower(Follower.email) == email)
    stmt = select(Case).where(
        or_(func.lower(Case.requester_email) == email, Case.id.in_(followed))
    ).order_by(Case.created_at.desc())
    return list(get_session().execute(stmt).scalars())


def _own_case(resident: Resident, number: str) -> Case | None:
    return next((c for c in resident_cases(resident) if c.number == number), None)


def _status_page(resident: Resident, failed: dict | None = None, status: int = 200):
    catalog = page_catalog()  # service and department names in the page's language
    items = []
    for case in resident_cases(resident):
        view = owner_view(case, catalog)
        question = next((a["note"] for a in reversed(view["timeline"])
                         if a["kind"] == "info_requested"), None)
        form = (failed or {}).get(case.number) or ResidentNoteForm(prefix=f"c{case.number}")
        items.append({"case": view, "question": question, "form": form})
    return render_template("account/status.html", cases=items, resident=resident), status


@bp.get("/")
@resident_required
def status():
    """The Case Status tab: every case of the resident with its public timeline."""
    return _status_page(current_resident())


@bp.post("/language")
@resident_required
@rate_limited(account_rate_limit)
def set_language():
    """Keep the resident's language (``language``: one of the catalog's); the account's
    emails and pages use it. The page comes back in it, and the ``lang`` cookie keeps it."""
    resident = current_resident()
    code = normalize_language(request.form.get("language"))
    if code is None:
        flash(_("Choose one of the languages on the list."), "error")
        return _status_page(resident, status=422)
    resident.language = code
    get_session().commit()
    log.info("resident_language", resident_id=resident.id, language=code)
    with in_language(code):  # said in the language just chosen
        flash(_("Your language is saved."), "success")
    return redirect(url_for("account.status", lang=code))


@bp.post("/cases/<number>/notes")
@resident_required
@rate_limited(account_rate_limit)
def add_note(number: str):
    """Add a note or photo link to one's open case, or answer a request for information."""
    resident = current_resident()
    case = _own_case(resident, number)
    if case is None:
        return page_not_found(resident=resident)
    form = ResidentNoteForm(prefix=f"c{case.number}")
    if not form.validate():
        return _status_page(resident, {case.number: form}, 422)
    media = [form.photo_url.data] if form.photo_url.data else []
    try:
        add_activity(get_session(), get_catalog(), case, "info_added", author=RESIDENT,
                     note=form.note.data, media_urls=media)
    except CaseStoreError as exc:
        get_session().rollback()
        flash(exc.message, "error")
        return _status_page(resident, {case.number: form}, exc.status)
    log.info("resident_added_info", case=case.number, resident_id=resident.id)
    flash(_("Added to case %(number)s.", number=case.number), "success")
    return redirect(url_for("account.status") + f"#case-{case.number}")
