"""Admin pages: staff accounts (roles, departments) and Open311 API keys.

An issued API key is shown once, on the page that issues it; only its hash
is stored (``casestore.auth.create_api_key``).
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from casestore.auth import create_api_key, hash_password
from casestore.catalog import get_catalog
from casestore.db import get_session
from casestore.forms import ActionForm, ApiKeyForm, StaffCreateForm, StaffEditForm
from casestore.logs import get_logger
from casestore.models import ApiKey, StaffUser, utcnow
from casestore.pages import staff_required

from .blueprint import bp

log = get_logger("casestore.portal")


def _department_choices() -> list[tuple[str, str]]:
    return [("", "None")] + [(d.code, d.name) for d in get_catalog().departments.values()]


@bp.route("/admin/staff", methods=["GET", "POST"])
@staff_required("admin")
def staff_list():
    """List staff and add a staff member."""
    session = get_session()
    form = StaffCreateForm()
    form.department.choices = _department_choices()
    status = 200
    if request.method == "POST":
        if form.validate():
            email = form.email.data.strip().lower()
            taken = session.execute(
                select(StaffUser.id).where(func.lower(StaffUser.email) == email)
            ).first()
            if taken:
                form.email.errors.append("A staff member already has this email.")
            else:
                user = StaffUser(
                    name=form.name.data.strip(), email=email, role=form.role.data,
                    department=form.department.data or None,
                    password_hash=hash_password(form.password.data), active=True,
                    password_changed_at=utcnow(),
                )
                session.add(user)
                session.commit()
                log.info("staff_added", staff_id=user.id, by=current_user.id, role=user.role)
                flash(f"{user.name} can now sign in.", "success")
                return redirect(url_for("portal.staff_list"))
        status = 422
    staff = session.execute(select(StaffUser).order_by(StaffUser.name)).scalars().all()
    return render_template("portal/staff.html", staff=staff, form=form), status


@bp.route("/admin/staff/<int:staff_id>", methods=["GET", "POST"])
@staff_required("admin")
def staff_edit(staff_id: int):
    """Set a staff member's role and department, or stop them signing in."""
    session = get_session()
    member = session.get(StaffUser, staff_id)
    if member is None:
        abort(404)
    form = StaffEditForm(obj=member) if request.method == "GET" else StaffEditForm()
    form.department.choices = _department_choices()
    if request.method == "POST":
        if member.id == current_user.id and (form.role.data != "admin" or not form.active.data):
            form.role.errors = list(form.role.errors) + ["You cannot remove your own admin access."]
        elif form.validate():
            member.role = form.role.data
            member.department = form.department.data or None
            member.active = bool(form.active.data)
            session.commit()
            log.info("staff_changed", staff_id=member.id, by=current_user.id, role=member.role)
            flash(f"{member.name} is saved.", "success")
            return redirect(url_for("portal.staff_list"))
        return render_template("portal/staff_edit.html", member=member, form=form), 422
    return render_template("portal/staff_edit.html", member=member, form=form)


def _keys_page(form: ApiKeyForm, status: int = 200, **extra):
    keys = get_session().execute(select(ApiKey).order_by(ApiKey.created_at.desc())).scalars().all()
    return render_template(
        "portal/api_keys.html", keys=keys, form=form, revoke_form=ActionForm(), **extra
    ), status


@bp.route("/admin/api-keys", methods=["GET", "POST"])
@staff_required("admin")
def api_keys():
    """List Open311 API keys and issue a new one (shown once)."""
    form = ApiKeyForm()
    if request.method == "POST":
        if not form.validate():
            return _keys_page(form, 422)
        row, key = create_api_key(get_session(), form.name.data.strip())
        log.info("api_key_issued", api_key_id=row.id, by=current_user.id)
        response = _keys_page(ApiKeyForm(formdata=None), new_key=key, new_key_name=row.name)
        return response
    return _keys_page(form)


@bp.post("/admin/api-keys/<int:key_id>/revoke")
@staff_required("admin")
def api_key_revoke(key_id: int):
    """Revoke an API key: Open311 refuses it from now on."""
    session = get_session()
    row = session.get(ApiKey, key_id)
    if row is None:
        abort(404)
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.commit()
        log.info("api_key_revoked", api_key_id=row.id, by=current_user.id)
    flash(f"The key of {row.name} is revoked.", "success")
    return redirect(url_for("portal.api_keys"))

