"""Staff sign-in, sign-out and changing one's own password.

Sign-in is rate-limited per client address (Flask-Limiter) and gives the
same answer for an unknown email and a wrong password. The session is
permanent with an 8-hour lifetime and a hard limit from sign-in time
(``access.session_expired``).
"""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from sqlalchemy import func, select

from casestore.auth import start_staff_session, touch_password, verify_or_dummy, verify_password
from casestore.db import get_session
from casestore.forms import ActionForm, ChangePasswordForm, LoginForm
from casestore.limits import rate_limited
from casestore.logs import get_logger
from casestore.models import StaffUser
from casestore.pages import staff_required

from .blueprint import bp

log = get_logger("casestore.portal")



def login_rate_limit() -> str:
    """Return the sign-in limit per client (``PORTAL_LOGIN_RATE_LIMIT``, read at use)."""
    return current_app.config["PORTAL_LOGIN_RATE_LIMIT"]


def _safe_next(target: str | None) -> str:
    """Only follow a ``next`` that stays inside the portal (no open redirect)."""
    if target and target.startswith("/portal") and not target.startswith("//"):
        return target
    return url_for("portal.queue")


def _check_password(user: StaffUser | None, password: str) -> bool:
    # An unknown or inactive account still costs one argon2 verification (no timing oracle).
    known = user is not None and user.active
    return verify_or_dummy(user.password_hash if known else None, password)


@bp.route("/login", methods=["GET", "POST"])
@rate_limited(login_rate_limit, methods=("POST",))
def login():
    """Show the sign-in form; sign a staff member in."""
    form = LoginForm()
    if request.method == "POST" and form.validate():
        email = form.email.data.strip().lower()
        user = get_session().execute(
            select(StaffUser).where(func.lower(StaffUser.email) == email)
        ).scalar_one_or_none()
        if _check_password(user, form.password.data):
            session.clear()  # a fresh session on sign-in (no fixation)
            session.permanent = True
            login_user(user)
            start_staff_session(user)
            log.info("staff_signed_in", staff_id=user.id)
            return redirect(_safe_next(request.args.get("next")))
        log.info("staff_sign_in_failed")
        flash("Email or password is not right.", "error")
        return render_template("portal/login.html", form=form), 401
    return render_template("portal/login.html", form=form), 422 if request.method == "POST" else 200


@bp.post("/logout")
def logout():
    """Sign out and forget the session."""
    ActionForm()  # the CSRF token was checked before the view (web.require_csrf)
    logout_user()
    session.clear()
    flash("You are signed out.", "success")
    return redirect(url_for("portal.login"))


@bp.route("/password", methods=["GET", "POST"])
@staff_required()
def change_password():
    """A signed-in staff member changes their own password."""
    form = ChangePasswordForm()
    if request.method == "POST" and form.validate():
        user = get_session().get(StaffUser, current_user.id)
        if not verify_password(user.password_hash, form.current.data):
            form.current.errors.append("That is not your current password.")
        else:
            touch_password(user, form.new.data)
            get_session().commit()
            start_staff_session(user)  # this session goes on; every other one ends
            log.info("staff_password_changed", staff_id=user.id)
            flash("Your password is changed.", "success")
            return redirect(url_for("portal.queue"))
    status = 422 if request.method == "POST" else 200
    return render_template("portal/password.html", form=form), status
