"""What a notice says, from templates a city can edit.

Email notices are rendered from ``casestore/templates/email/<event>.subject.txt``,
``<event>.txt`` and ``<event>.html``; SMS/chat notices from ``<event>.short.txt``.
Events without their own files use the ``update`` ones. A city can override any
file by putting one of the same name in ``NOTICE_TEMPLATES_DIR`` (read at first
use); the rest fall back to the defaults. HTML templates are auto-escaped, so a
description or note with markup arrives as text.

Every notice speaks its reader's language: a case's notices the case's
``language``, an account email the account's (else the language of the page that
asked for it; else the default). Its links open the pages in that language
(``?lang=``). Templates mark their texts with ``{% trans %}``/``_()`` (gettext, English
msgids, ``casestore/translations``); rendering happens inside
``casestore.i18n.in_language``, with the catalog's texts (service and department
names) in that language too.

Notices carry the case number, service, status and public notes only: never
another person's contact data. Account emails (``account_confirm``,
``password_reset``) have no case; their signed links are made here, at
rendering, so no token is ever stored in the outbox.
"""

from __future__ import annotations

import re
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context
from flask_babel import get_translations, gettext
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, TemplateNotFound, select_autoescape
from sqlalchemy.orm import object_session

from .catalog import Catalog
from .config import public_url
from .disclosure import STATUS_LABELS
from .i18n import N_, default_language, in_language, local_date, page_language
from .models import Activity, Case, OutboxMessage
from .numbering import format_case_number

DEFAULT_DIR = Path(__file__).resolve().parent / "templates"
ACCOUNT_EVENTS = ("account_confirm", "password_reset")
SHORT_TEXT_MAX = 1000

# English msgids: translated (gettext) where a notice is rendered, in the reader's language.
REASON_LABELS = {
    "fixed": N_("Fixed"),
    "duplicate": N_("Already reported (duplicate)"),
    "not_city_responsibility": N_("Not the City's responsibility"),
    "no_action_needed": N_("No action needed"),
    "could_not_locate": N_("Could not locate the problem"),
    "withdrawn": N_("Withdrawn at your request"),
}

EVENT_LABELS = {
    "opened": N_("received"),
    "acknowledged": N_("receipt acknowledged"),
    "update": N_("new update"),
    "inspection": N_("inspected"),
    "repair": N_("repaired"),
    "follow_up": N_("follow-up action"),
    "info_requested": N_("more information needed"),
    "info_added": N_("information added"),
    "reassigned": N_("moved to another department"),
    "closed": N_("closed"),
    "reopened": N_("reopened"),
}
OTHER_EVENT_LABEL = N_("updated")

_environments: dict[str, Environment] = {}


def template_environment() -> Environment:
    """Return the environment of what residents are told (override folder first, then defaults).

    Email notices (``email/``) and live chat's lines (``chat/``, livechat/notify.py)
    share it, so a city overrides both from one ``NOTICE_TEMPLATES_DIR``.
    """
    override = (current_app.config.get("NOTICE_TEMPLATES_DIR") if has_app_context() else "") or ""
    env = _environments.get(override)
    if env is None:
        loaders = [FileSystemLoader(override)] if override else []
        loaders.append(FileSystemLoader(str(DEFAULT_DIR)))
        env = Environment(
            loader=ChoiceLoader(loaders),
            autoescape=select_autoescape(enabled_extensions=("html",), default=False),
            keep_trailing_newline=True,
            extensions=["jinja2.ext.i18n"],
        )
        # Flask-Babel's translations of the moment: the language ``in_language`` forces.
        env.install_gettext_callables(
            gettext=lambda s: get_translations().ugettext(s),
            ngettext=lambda s, p, n: get_translations().ungettext(s, p, n),
            newstyle=True,
        )
        _environments[override] = env
    return env


def _render(event: str, suffix: str, context: dict) -> str:
    env = template_environment()
    try:
        template = env.get_template(f"email/{event}.{suffix}")
    except TemplateNotFound:
        template = env.get_template(f"email/update.{suffix}")
    return template.render(**context)


def _base_url() -> str:
    if has_app_context():
        return public_url(current_app.config)
    return "http://localhost:8080"


def _activity(msg: OutboxMessage, case: Case) -> Activity | None:
    wanted = (msg.payload or {}).get("activity_id")
    return next((a for a in case.activities if a.id == wanted), None)


def _local_date(moment, catalog: Catalog) -> str:
    return local_date(moment, ZoneInfo(catalog.city.timezone))


def _in_page_language(url: str) -> str:
    """``url`` opening its page in the notice's language (``?lang=``), when not the default.

    A resident who reads a Spanish notice gets the page in Spanish whatever their browser
    says, and the page's cookie keeps it; default-language links stay exactly as they were.
    """
    lang = page_language()
    if lang == default_language():
        return url
    return f"{url}{'&' if '?' in url else '?'}lang={lang}"


def _reopen_url(case: Case, base: str) -> str | None:
    """Return the signed "not fixed?" link of a closed case, if links can be signed here."""
    if case.status != "closed" or case.closed_at is None or not has_app_context():
        return None
    if not current_app.secret_key:
        return None
    from .account.tokens import reopen_token

    return _in_page_language(
        f"{base}/cases/{case.number}/reopen?token={reopen_token(case.number, case.closed_at)}")


def city_context(catalog: Catalog) -> dict:
    """Return the city's names and phone, which every notice template can use."""
    return {"city": catalog.city.short_name, "city_name": catalog.city.name,
            "city_phone": catalog.city.phone, "language": page_language()}


def case_context(msg: OutboxMessage, case: Case, catalog: Catalog) -> dict:
    """Return the variables every case notice template can use (documented in docs/portal.md)."""
    from .account.tokens import REOPEN_DAYS

    base = _base_url()
    service = catalog.service(case.service_code)
    entry = _activity(msg, case)
    note = entry.note if entry is not None else ""
    parent = case.duplicate_of.number if case.duplicate_of is not None else None
    return {
        "event": msg.event,
        "event_label": gettext(EVENT_LABELS.get(msg.event) or OTHER_EVENT_LABEL),
        **city_context(catalog),
        "number": case.number,
        "number_display": format_case_number(case.number),
        "service_name": service.name if service else case.service_code,
        "address": case.address_normalized or case.address or "",
        "department_name": catalog.department_name(case.department),
        "status_label": gettext(STATUS_LABELS.get(case.status)
                                or case.status.replace("_", " ").capitalize()),
        "expected_date": _local_date(case.expected_at, catalog),
        "case_url": _in_page_language(f"{base}/cases/{case.number}"),
        "account_url": _in_page_language(f"{base}/account/"),
        "note": note,
        "question": note if msg.event == "info_requested" else "",
        "reason_label": (gettext(REASON_LABELS[case.close_reason])
                         if case.close_reason in REASON_LABELS else case.close_reason or ""),
        "comments": case.closure_comments or note,
        "referred_to": case.referred_to or "",
        "duplicate_of": format_case_number(parent) if parent else "",
        "duplicate_url": _in_page_language(f"{base}/cases/{parent}") if parent else "",
        "reopen_url": _reopen_url(case, base) if msg.event == "closed" else None,
        "reopen_days": REOPEN_DAYS,
    }


def _account(msg: OutboxMessage):
    """Return the resident an account email is for (LookupError when the account is gone)."""
    from .db import get_session
    from .models import Resident

    # The row's own session: a second one would wait on SQLite's write lock.
    session = object_session(msg) or get_session()
    resident = session.get(Resident, (msg.payload or {}).get("resident_id"))
    if resident is None:
        raise LookupError("the account of this notice is gone")
    return resident


def account_context(msg: OutboxMessage, catalog: Catalog) -> dict:
    """Return the variables of an account email, with a freshly signed link."""
    from .account.tokens import CONFIRM_HOURS, RESET_HOURS, confirm_token, reset_token

    resident = _account(msg)
    base = _base_url()
    if msg.event == "account_confirm":
        link = f"{base}/account/confirm/{confirm_token(resident.id, resident.email)}"
        hours = CONFIRM_HOURS
    else:
        link = f"{base}/account/reset?token={reset_token(resident.id, resident.password_hash)}"
        hours = RESET_HOURS
    return {"event": msg.event, "link": _in_page_language(link), "valid_hours": hours,
            "number_display": "",
            **city_context(catalog)}


def _context(msg: OutboxMessage, case: Case | None, catalog: Catalog) -> dict:
    if msg.event in ACCOUNT_EVENTS:
        return account_context(msg, catalog)
    if case is None:
        raise LookupError("the case of this notice is gone")
    return case_context(msg, case, catalog)


def notice_language(msg: OutboxMessage, case: Case | None) -> str | None:
    """Return the language a notice is written in (None: the default): the case's; for an
    account email the account's, else the language of the page that asked for it.
    """
    if msg.event in ACCOUNT_EVENTS:
        asked_in = (msg.payload or {}).get("language")  # the page the resident was on
        try:
            return _account(msg).language or asked_in
        except LookupError:
            return asked_in
    return case.language if case is not None else None


def _localized(catalog: Catalog, language: str | None) -> Catalog:
    """The catalog with service and department names in ``language`` (when it can)."""
    return catalog.in_language(language) if language else catalog


def _one_line(text: str) -> str:
    # A subject is a header: no line breaks can get through (header injection).
    return re.sub(r"\s+", " ", text).strip()


def render_email(msg: OutboxMessage, case: Case | None, catalog: Catalog) -> tuple[str, str, str]:
    """Return (subject, plain text, HTML) of an email notice, in its reader's language."""
    language = notice_language(msg, case)
    with in_language(language):
        context = _context(msg, case, _localized(catalog, language))
        subject = _one_line(_render(msg.event, "subject.txt", context))
        context["subject"] = subject
        return subject, _render(msg.event, "txt", context), _render(msg.event, "html", context)


def render_text(msg: OutboxMessage, case: Case | None, catalog: Catalog) -> str:
    """Return the short text of an SMS/Telegram/Messenger notice (at most 1,000 characters)."""
    language = notice_language(msg, case)
    with in_language(language):
        text = _render(msg.event, "short.txt", _context(msg, case, _localized(catalog, language)))
    text = re.sub(r"[ \t]+", " ", re.sub(r"\n\s*\n+", "\n", text)).strip()
    return text[:SHORT_TEXT_MAX]
