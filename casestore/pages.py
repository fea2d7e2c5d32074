"""The pages kernel: what every page blueprint of the case store shares.

``create_app`` calls ``init_pages(app)`` once, before any page blueprint is
registered: session-cookie hardening, template globals and filters, the
CSRF error page and HSTS. Each page blueprint (portal, account, public, the
live chat console) then calls ``guard_pages(bp)`` for the CSRF guard that
refuses a POST before any view runs, the 429 page and the security headers;
staff pages take ``staff_required`` (sign-in, the hard session limit, roles).
None of these blueprints depends on another for any of it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import wraps
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext
from flask_login import current_user, logout_user
from flask_wtf.csrf import CSRFError, generate_csrf, validate_csrf
from wtforms.validators import ValidationError

from casestore.auth import STAFF_SESSION_HOURS, staff_session_valid
from casestore.catalog import get_catalog
from casestore.config import public_url
from casestore.disclosure import STATUS_LABELS
from casestore.forms import CLOSE_REASON_LABELS, INTAKE_CHANNELS
from casestore.geo.labels import location_source_label
from casestore.i18n import N_
from casestore.maps import init_maps, page_policy

# English msgids (N_): resident pages translate them where shown (``_(a.kind | activity_label)``).
ACTIVITY_LABELS = {
    "opened": N_("Case opened"),
    "acknowledged": N_("Receipt acknowledged"),
    "update": N_("Update"),
    "inspection": N_("Inspection"),
    "repair": N_("Repair"),
    "follow_up": N_("Follow-up action"),
    "info_requested": N_("More information requested"),
    "info_added": N_("Information added"),
    "reassigned": N_("Reassigned"),
    "status_changed": N_("Status changed"),
    "closed": N_("Closed"),
    "reopened": N_("Reopened"),
    "followed": N_("Another resident follows this case"),
    "withdrawal_requested": N_("Resident asked to withdraw the case"),
    "withdrawal_declined": N_("Kept open after the withdrawal request"),
    "made_public": N_("Made public"),
    "made_private": N_("Made private"),
}

CHANNEL_LABELS = dict(INTAKE_CHANNELS) | {
    "webchat": "Web chat",
    "sms": "SMS",
    "whatsapp": "WhatsApp",
    "voice": "Phone (assistant)",
    "telegram": "Telegram",
    "messenger": "Messenger",
    "web_form": "Web form",
    "open311": "Open311 application",
    "live_chat": "Live chat",
}

def _to_datetime(value) -> dt.datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value


def city_timezone() -> ZoneInfo:
    """Return the city's timezone from the catalog (UTC if it cannot be read)."""
    try:
        from casestore.catalog import get_catalog

        return ZoneInfo(get_catalog().city.timezone)
    except Exception:  # noqa: BLE001 - a display nicety must never break a page
        return ZoneInfo("UTC")


def when(value, fmt: str = "%b %-d, %Y %-I:%M %p") -> str:
    """Format a datetime (or ISO string) in the city's local time."""
    moment = _to_datetime(value)
    if moment is None:
        return ""
    return moment.astimezone(city_timezone()).strftime(fmt)


def case_number_display(number) -> str:
    """Show ``26000123`` as ``26-000123``, the grouped form residents read aloud."""
    text = str(number or "")
    return f"{text[:2]}-{text[2:]}" if len(text) == 8 and text.isdigit() else text


def safe_url(url) -> str:
    """Return ``url`` only when it is http(s); anything else (``javascript:``) becomes ``#``."""
    text = str(url or "").strip()
    return text if urlsplit(text).scheme in ("http", "https") else "#"


def require_csrf() -> None:
    """Refuse (400) any state-changing request without a valid CSRF token.

    Registered as ``before_request`` on each page blueprint, so no view can
    forget it. Forms built with a ``prefix`` send ``<prefix>-csrf_token``.
    """
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    token = request.form.get("csrf_token") or next(
        (v for k, v in request.form.items() if k.endswith("-csrf_token")), None
    )
    try:
        validate_csrf(token)
    except ValidationError as exc:
        raise CSRFError(str(exc)) from None


def _csrf_error(exc: CSRFError):
    return (
        render_template(
            "public/message.html",
            heading=gettext("This form has expired"),
            message=gettext("The page was open too long or came from elsewhere. "
                            "Go back, reload it and try again."),
            resident=None,
        ),
        400,
    )


def too_many_requests(exc):
    """Render the 429 page of the page blueprints (the API answers JSON itself)."""
    return (
        render_template(
            "public/message.html",
            heading=gettext("Too many requests"),
            message=gettext("Please wait a minute before trying again."),
            resident=None,
        ),
        429,
    )


def secure_cookies_wanted(app: Flask) -> bool:
    """Secure cookies unless ``SESSION_COOKIE_SECURE`` is false (plain-http runs off localhost).

    Browsers keep Secure cookies on http://localhost, so ``bin/run`` works with the default.
    """
    return bool(app.config.get("SESSION_COOKIE_SECURE", True))


HSTS_SECONDS = 365 * 24 * 3600


def strict_transport_security(response):
    """After-request hook of the whole app: HSTS when the public address is https."""
    if public_url(current_app.config).startswith("https://"):
        response.headers.setdefault("Strict-Transport-Security",
                                    f"max-age={HSTS_SECONDS}; includeSubDomains")
    return response


def init_pages(app: Flask) -> None:
    """Configure cookies, template filters, CSRF errors and HSTS for the page blueprints."""
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config["REMEMBER_COOKIE_HTTPONLY"] = True
    app.config["REMEMBER_COOKIE_SAMESITE"] = "Lax"
    secure = secure_cookies_wanted(app)
    app.config["SESSION_COOKIE_SECURE"] = secure
    app.config["REMEMBER_COOKIE_SECURE"] = secure
    app.config.setdefault("PERMANENT_SESSION_LIFETIME", dt.timedelta(hours=STAFF_SESSION_HOURS))
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", STAFF_SESSION_HOURS * 3600)
    app.jinja_env.globals["csrf_token"] = generate_csrf
    # Pages name the city from the catalog's `city:` block, never from the templates.
    app.context_processor(lambda: {"city": get_catalog().city})
    app.jinja_env.filters.update(
        when=when,
        case_number_display=case_number_display,
        safe_url=safe_url,
        activity_label=lambda kind: ACTIVITY_LABELS.get(kind, str(kind).replace("_", " ")),
        reason_label=lambda r: CLOSE_REASON_LABELS.get(r, str(r or "").replace("_", " ")),
        status_label=lambda s: STATUS_LABELS.get(s, str(s)),
        channel_label=lambda c: CHANNEL_LABELS.get(c, str(c)),
        location_source_label=location_source_label,
    )
    init_maps(app)
    app.register_error_handler(CSRFError, _csrf_error)
    app.after_request(strict_transport_security)


# The pages need nothing but their own stylesheet: no scripts at all, no framing,
# and no Referer (reset and reopen links carry tokens in their URLs).
PAGE_SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self' https: data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def security_headers(response):
    """After-request hook of the page blueprints: the headers above (a page with a map
    also runs the map script and shows its tiles: ``casestore.maps.page_policy``)."""
    response.headers.setdefault(
        "Content-Security-Policy", page_policy(PAGE_SECURITY_HEADERS["Content-Security-Policy"]))
    for name, value in PAGE_SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def no_store(response):
    """After-request hook: pages with personal data or one-time keys are never cached."""
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def guard_pages(bp: Blueprint, *, cache: bool = True) -> None:
    """Give a page blueprint the shared guards: CSRF before any view, the 429 page,
    the security headers, and (``cache=False``) ``Cache-Control: no-store``."""
    bp.before_request(require_csrf)
    bp.register_error_handler(429, too_many_requests)
    bp.after_request(security_headers)
    if not cache:
        bp.after_request(no_store)


def page_not_found(template: str = "public/not_found.html", **context):
    """Render the 404 page (used for unknown cases and ones the caller may not see)."""
    context.setdefault("resident", None)
    return render_template(template, **context), 404


SUPERVISORS = ("supervisor", "admin")
REASSIGNERS = ("agent", "supervisor", "admin")
INTAKE = ("agent", "supervisor", "admin")


def session_expired() -> bool:
    """Return True when the staff sign-in is over (see ``casestore.auth.staff_session_valid``).

    Flask refreshes a permanent session on every request (a sliding window),
    so a hard limit from the moment of sign-in is kept separately, and a
    password change ends every session but the one that made it.
    """
    return not staff_session_valid(current_user)


def staff_required(*roles: str) -> Callable:
    """Decorate a view: signed-in, active staff (optionally of ``roles``) only.

    Anyone else is sent to the portal's sign-in page (``portal.login``).
    """

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            user = current_user
            if not user.is_authenticated or not getattr(user, "active", False):
                return redirect(url_for("portal.login", next=request.full_path))
            if session_expired():
                logout_user()
                session.pop("staff_login_at", None)
                session.pop("staff_pw", None)
                return redirect(url_for("portal.login", next=request.full_path))
            if roles and user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorate
