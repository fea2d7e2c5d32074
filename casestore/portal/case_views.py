"""The portal's queue and case pages, and every action on a case.

Each action goes through the case service layer (``add_activity``) with the
signed-in staff member as author, so the timeline, the status and the
outbox stay consistent with the API. Refusals from the service layer come
back as a flash message and the case page, with nothing changed.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from casestore.activities import add_activity
from casestore.authors import Author
from casestore.cases import full_view
from casestore.catalog import get_catalog
from casestore.db import get_session
from casestore.disclosure import STATUS_LABELS
from casestore.errors import CaseStoreError
from casestore.forms import (
    ActionForm,
    CloseForm,
    DuplicateForm,
    InfoRequestForm,
    KeepOpenForm,
    NoteForm,
    ReassignForm,
    ReopenForm,
)
from casestore.i18n import languages
from casestore.media.photos import case_photos, ref_token
from casestore.models import OPEN_STATUSES, utcnow
from casestore.numbering import parse_case_number
from casestore.pages import REASSIGNERS, staff_required
from casestore.publishing import can_publish, set_entry_public, set_photo_public
from casestore.withdrawals import close_withdrawn, keep_open

from . import stats
from .access import case_for_staff
from .blueprint import bp
from .languages import language_choices


def _forms(case, data=None) -> dict:
    """Build every action form of the case page; prefixes keep field ids unique."""
    catalog = get_catalog()
    reassign = None
    if current_user.role in REASSIGNERS:
        reassign = ReassignForm(data, prefix="reassign")
        reassign.department.choices = [
            (d.code, d.name) for d in catalog.departments.values() if d.code != case.department
        ]
    return {
        "ack_form": ActionForm(data, prefix="ack"),
        "note_form": NoteForm(data, prefix="note"),
        "info_form": InfoRequestForm(data, prefix="info"),
        "reassign_form": reassign,
        "close_form": CloseForm(data, prefix="close"),
        "reopen_form": ReopenForm(data, prefix="reopen"),
        "duplicate_form": DuplicateForm(data, prefix="dup"),
        "withdrawn_form": ActionForm(data, prefix="withdrawn"),
        "keep_open_form": KeepOpenForm(data, prefix="keep"),
    }


def _render_case(case, status: int = 200, **overrides):
    forms = _forms(case)
    forms.update(overrides)
    view = full_view(case, get_catalog())
    # Resident entries staff may publish, by id: True while published.
    publishable = {a.id: a.published_at is not None for a in case.activities if can_publish(a)}
    return render_template("portal/case.html", c=view, publishable=publishable,
                           photos=_photo_items(case), **forms), status


def _photo_items(case) -> list[dict]:
    """The case's photos by number (1 = the first of media_urls): a stored one with its row
    (shown by thumbnail), a link as the link; each with whether it is public."""
    stored = case_photos(get_session(), case)
    shown = set(case.public_media or [])
    return [{"number": n, "url": entry, "public": n in shown,
             "photo": stored.get(ref_token(entry) or "")}
            for n, entry in enumerate(case.media_urls or [], start=1)]


# Service-layer field names that a portal form calls differently.
_FIELD_ALIASES = {"duplicate_of": "parent"}


def _apply(case, kind: str, form_name: str, form, *, action=None, **fields):
    """Validate ``form``; on success add the activity and go back to the case page.

    ``action`` replaces ``add_activity`` for changes with their own service
    function (called as ``action(session, catalog, case, author=..., **fields)``).
    """
    if not form.validate():
        flash("Please correct the form below.", "error")
        return _render_case(case, 422, **{form_name: form})
    try:
        if action is None:
            add_activity(get_session(), get_catalog(), case, kind,
                         author=Author.staff(current_user), **fields)
        else:
            action(get_session(), get_catalog(), case, author=Author.staff(current_user),
                   **fields)
    except CaseStoreError as exc:
        get_session().rollback()
        for field_name, problem in exc.fields.items():
            flash(f"{field_name.replace('_', ' ')}: {problem}", "error")
            # Show it beside the field too (which also keeps that form's section open).
            target = getattr(form, _FIELD_ALIASES.get(field_name, field_name), None)
            if target is None:
                target = getattr(form, field_name, None)
            if target is not None and hasattr(target, "errors"):
                target.errors = [*target.errors, problem]
        if not exc.fields:
            flash(exc.message, "error")
        return _render_case(case, exc.status, **{form_name: form})
    flash("Saved to the timeline.", "success")
    return redirect(url_for("portal.case", number=case.number))


def queue_filters(args) -> stats.QueueFilters:
    """Read the queue's filters from the query string (the list and the queue map share them)."""
    return stats.QueueFilters(
        q=args.get("q", "")[:200], service=args.get("service", ""), status=args.get("status", ""),
        age=args.get("age", ""), department=args.get("department", ""),
        language=args.get("language", "") if args.get("language") in languages() else "",
    )


def queue_choices(catalog) -> dict:
    """The filter form's choices and the scope heading (the list and the queue map share them)."""
    department_scope = current_user.role == "department"
    return {
        "scope_label": catalog.department_name(current_user.department) if department_scope
        else "All departments",
        "services": sorted(((s.code, s.name) for s in catalog.services.values()),
                           key=lambda s: s[1]),
        "statuses": [(s, STATUS_LABELS[s]) for s in OPEN_STATUSES],
        "ages": [(code, label) for code, (label, _, _) in stats.AGES.items()],
        "departments": None if department_scope else [(d, d) for d in catalog.departments],
        "languages": language_choices(),
    }


def queue_row(row: Any, catalog: Any) -> dict[str, Any]:
    """What the queue's list and its map both show of a case row."""
    service = catalog.service(row.service_code)
    return {
        "number": row.number, "service_name": service.name if service else row.service_code,
        "address": row.address_normalized or row.address, "status": row.status,
        "status_label": STATUS_LABELS.get(row.status, row.status),
    }


@bp.get("/")
@staff_required()
def queue():
    """The department queue (everyone's for agents and supervisors), with counts and filters."""
    catalog = get_catalog()
    filters = queue_filters(request.args)
    session = get_session()
    now = utcnow()
    rows, more = stats.queue(session, current_user, filters, now)
    cases = []
    for row in rows:
        cases.append({
            **queue_row(row, catalog),
            "department": row.department, "created_at": row.created_at,
            "expected_at": row.expected_at,
            "overdue": row.expected_at is not None and row.expected_at < now,
            "withdrawal_requested": row.withdrawal_requested_at is not None,
            "language": row.language,
        })
    return render_template(
        "portal/queue.html",
        cases=cases, more=more, filters=filters,
        counts=stats.counts(session, current_user, now),
        **queue_choices(catalog),
    )


@bp.get("/cases/<number>")
@staff_required()
def case(number: str):
    """Everything about one case, its full timeline and the actions on it."""
    return _render_case(case_for_staff(number))


@bp.post("/cases/<number>/acknowledge")
@staff_required()
def acknowledge(number: str):
    """Acknowledge receipt of a new case."""
    case = case_for_staff(number)
    return _apply(case, "acknowledged", "ack_form", ActionForm(prefix="ack"))


@bp.post("/cases/<number>/notes")
@staff_required()
def add_note(number: str):
    """Add an update, inspection, repair or follow-up, public or internal."""
    case = case_for_staff(number)
    form = NoteForm(prefix="note")
    return _apply(case, form.kind.data or "", "note_form", form,
                  note=form.note.data or "", public=bool(form.public.data))


@bp.post("/cases/<number>/request-info")
@staff_required()
def request_info(number: str):
    """Ask the resident for more information (they are told on their channel and by email)."""
    case = case_for_staff(number)
    form = InfoRequestForm(prefix="info")
    return _apply(case, "info_requested", "info_form", form, note=form.note.data or "")


@bp.post("/cases/<number>/reassign")
@staff_required(*REASSIGNERS)
def reassign(number: str):
    """Move the case to another department; it stays open under its number."""
    case = case_for_staff(number)
    form = _forms(case, request.form)["reassign_form"]
    return _apply(case, "reassigned", "reassign_form", form,
                  note=form.note.data or "", department=form.department.data)


@bp.post("/cases/<number>/close")
@staff_required()
def close(number: str):
    """Close with a reason and closure comments (both required)."""
    case = case_for_staff(number)
    form = CloseForm(prefix="close")
    fields = {"reason": form.reason.data, "comments": form.comments.data or ""}
    if form.reason.data == "duplicate":
        fields["duplicate_of"] = parse_case_number(form.duplicate_of.data) or form.duplicate_of.data
    if form.reason.data == "not_city_responsibility" and form.referred_to.data:
        fields["referred_to"] = form.referred_to.data
    return _apply(case, "closed", "close_form", form, **fields)


@bp.post("/cases/<number>/duplicate")
@staff_required()
def mark_duplicate(number: str):
    """Close as a duplicate of a parent case; the followers move to the parent."""
    case = case_for_staff(number)
    form = DuplicateForm(prefix="dup")
    parent = parse_case_number(form.parent.data) or form.parent.data
    return _apply(case, "closed", "duplicate_form", form, reason="duplicate",
                  duplicate_of=parent, comments=form.comments.data or "")


@bp.post("/cases/<number>/reopen")
@staff_required()
def reopen(number: str):
    """Reopen a closed case with a note saying why."""
    case = case_for_staff(number)
    form = ReopenForm(prefix="reopen")
    return _apply(case, "reopened", "reopen_form", form, note=form.note.data or "")


@bp.post("/cases/<number>/withdrawal/close")
@staff_required()
def close_withdrawal(number: str):
    """One click: close as withdrawn by the resident, who asked for it (closed notice goes out)."""
    case = case_for_staff(number)
    return _apply(case, "closed", "withdrawn_form", ActionForm(prefix="withdrawn"),
                  action=close_withdrawn)


@bp.post("/cases/<number>/withdrawal/keep-open")
@staff_required()
def keep_open_after_withdrawal(number: str):
    """Settle the resident's withdrawal request by keeping the case open, with a note."""
    case = case_for_staff(number)
    form = KeepOpenForm(prefix="keep")
    return _apply(case, "withdrawal_declined", "keep_open_form", form, action=keep_open,
                  note=form.note.data or "", public=bool(form.public.data))


# The "Make public" / "Make private" buttons send public=1 or public=0.
_VISIBILITY = {"1": True, "0": False}


def _set_visibility(case, change, what: str):
    """Apply ``change(public)`` from the posted button and go back to the case page."""
    public = _VISIBILITY.get(request.form.get("public", ""))
    if public is None:
        flash("Choose Make public or Make private.", "error")
        return _render_case(case, 422)
    try:
        changed = change(public)
    except CaseStoreError as exc:
        get_session().rollback()
        flash(exc.message if not exc.fields else "; ".join(exc.fields.values()), "error")
        return _render_case(case, exc.status)
    state = "public" if public else "private"
    flash(f"The {what} is now {state}." if changed else f"The {what} was already {state}.",
          "success")
    return redirect(url_for("portal.case", number=case.number))


@bp.post("/cases/<number>/entries/<int:activity_id>/visibility")
@staff_required()
def entry_visibility(number: str, activity_id: int):
    """Make a resident's note public on the case's public views, or private again."""
    case = case_for_staff(number)
    return _set_visibility(case, lambda public: set_entry_public(
        get_session(), case, activity_id, public, author=Author.staff(current_user))[1],
        "resident's note")


@bp.post("/cases/<number>/photos/<int:photo>/visibility")
@staff_required()
def photo_visibility(number: str, photo: int):
    """Make one of the case's photos public, or private again."""
    case = case_for_staff(number)
    return _set_visibility(case, lambda public: set_photo_public(
        get_session(), case, photo, public, author=Author.staff(current_user)),
        f"photo {photo}")
