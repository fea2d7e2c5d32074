"""The resident's language in the case store's pages and emails (Flask-Babel).

The languages are the catalog's (``city.languages``, the first is the default); texts
live in ``casestore/translations/<lang>/LC_MESSAGES/messages.po`` with the English text
as the msgid, compiled by ``bin/setup``. A resident page's language is, in order: a view's
choice (``use_language``), ``?lang=``, the ``lang`` cookie the switch sets (``?lang=`` sets
it), the browser's ``Accept-Language``, then a view's fallback for visitors who stated no
preference at all (``default_page_language``: a case page in the case's language), the
default. The visitor's stated preference wins over the case's language: the page is for
whoever reads it. Staff pages (portal, live chat console) stay in the default language; their
templates are not translated. Emails, notices and live chat lines are rendered inside
``in_language(case.language)`` (``flask_babel.force_locale``), whatever the request's language.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_time
from flask import Flask, current_app, g, has_request_context, request
from flask_babel import Babel, force_locale, get_locale

LANG_COOKIE = "lang"
LANG_COOKIE_DAYS = 365
# Pages written for residents (and translated); staff pages stay in the default language,
# so a Spanish-speaking agent's browser never mixes translated pieces into English pages.
RESIDENT_BLUEPRINTS = ("public", "account", "report")


def N_(text: str) -> str:  # noqa: N802 - gettext's conventional name
    """Mark ``text`` for extraction only; it is translated where it is shown (``_(label)``)."""
    return text


def languages() -> tuple[str, ...]:
    """Return the catalog's languages, the default first."""
    from .catalog import get_catalog

    return get_catalog().city.languages


def default_language() -> str:
    """Return the catalog's default language."""
    return languages()[0]


def normalize_language(value: str | None) -> str | None:
    """Return ``value``'s primary language ("es-US" -> "es") when the catalog has it, else None."""
    if not value or not isinstance(value, str):
        return None
    code = value.strip().lower().replace("_", "-").split("-", 1)[0]
    return code if code in languages() else None


def requested_language() -> str | None:
    """The language an API request asks for, or None (the default): the ``locale`` query
    parameter when present ("es", "es-US", "es_MX"), else ``Accept-Language``'s best match."""
    if not has_request_context():
        return None
    locale = request.args.get("locale")
    if locale is not None:
        return normalize_language(locale)
    return request.accept_languages.best_match(languages())


def in_request_language(catalog):
    """Return ``catalog`` in the language the request asks for (``requested_language``)."""
    lang = requested_language()
    return catalog.in_language(lang) if lang else catalog


def default_page_language(code: str | None) -> None:
    """Speak ``code`` on this page only when the visitor stated no preference at all
    (no ``?lang=``, no cookie, no ``Accept-Language``): e.g. a case page in the case's language.
    """
    lang = normalize_language(code)
    if lang:
        g.fallback_language = lang


def use_language(code: str | None) -> None:
    """Make this request's pages speak ``code`` (e.g. a case page in the case's language)."""
    lang = normalize_language(code)
    if lang:
        g.language = lang


def select_locale() -> str:
    """Flask-Babel's locale selector: see the module docstring for the order."""
    if not has_request_context():
        return default_language()
    if request.blueprint not in RESIDENT_BLUEPRINTS and request.endpoint is not None:
        return default_language()
    chosen = g.get("language")
    if chosen:
        return chosen
    for candidate in (request.args.get("lang"), request.cookies.get(LANG_COOKIE)):
        lang = normalize_language(candidate)
        if lang:
            return lang
    if request.accept_languages:
        return request.accept_languages.best_match(languages()) or default_language()
    return g.get("fallback_language") or default_language()


def page_language() -> str:
    """Return the language of what is being rendered now (a forced one inside ``in_language``)."""
    locale = get_locale()
    return locale.language if locale is not None else default_language()


def page_catalog():
    """The catalog with its texts (service and department names) in the page's language."""
    from .catalog import get_catalog

    return get_catalog().in_language(page_language())


def in_language(code: str | None):
    """Context manager: render texts in ``code`` (unknown or None: the default language)."""
    return force_locale(normalize_language(code) or default_language())


def language_name(code: str) -> str:
    """Return a language's own name, as a switch shows it ("English", "Español")."""
    name = Locale.parse(code).get_display_name(code) or code
    return name[:1].upper() + name[1:]


def language_links() -> list[dict]:
    """The language switch: each language with this page's URL in it (``?lang=xx``)."""
    current = page_language()
    args = request.args.to_dict(flat=False)
    links = []
    for code in languages():
        query = urlencode({**args, "lang": [code]}, doseq=True)
        links.append({"code": code, "name": language_name(code), "current": code == current,
                      "url": f"{request.path}?{query}"})
    return links


def remember_language(response):
    """After-request hook: a page opened with a valid ``?lang=`` keeps it in the ``lang`` cookie.

    Resident pages also say that their words depend on the browser's language and cookies
    (``Vary``), so no cache hands a Spanish page to an English reader.
    """
    if request.blueprint not in RESIDENT_BLUEPRINTS:
        return response
    response.vary.add("Accept-Language")
    response.vary.add("Cookie")
    lang = normalize_language(request.args.get("lang"))
    if lang and request.cookies.get(LANG_COOKIE) != lang:
        response.set_cookie(LANG_COOKIE, lang, max_age=LANG_COOKIE_DAYS * 86400, httponly=True,
                            samesite="Lax",
                            secure=bool(current_app.config.get("SESSION_COOKIE_SECURE", True)))
    return response


def local_when(value, fmt: str = "%b %-d, %Y %-I:%M %p") -> str:
    """The ``when`` filter in the page's language: English keeps its strftime ``fmt``
    exactly; another language gets Babel's long date (with the time unless ``fmt`` has none)."""
    from .catalog import get_catalog

    lang = page_language()
    if lang == "en" or value is None or value == "":
        # The pages kernel's own filter (casestore.pages.when), looked up to avoid an import.
        return current_app.jinja_env.filters["when"](value, fmt)
    moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.timezone.utc)
    moment = moment.astimezone(ZoneInfo(get_catalog().city.timezone))
    text = format_date(moment.date(), "long", locale=lang)
    if re.search(r"%-?[IH]", fmt):
        text += ", " + format_time(moment.timetz(), "short", locale=lang)
    return text


def local_date(moment: dt.datetime | None, tz, english_format: str = "%A, %B %-d, %Y") -> str:
    """A date for emails and notices in the language being rendered (English as before)."""
    if moment is None:
        return ""
    moment = moment.astimezone(tz)
    lang = page_language()
    if lang == "en":
        return moment.strftime(english_format)
    return format_date(moment.date(), "full", locale=lang)


def init_i18n(app: Flask) -> None:
    """Attach Flask-Babel with the catalog's languages and this package's translations."""
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES",
                          str(Path(__file__).resolve().parent / "translations"))
    Babel(app, locale_selector=select_locale)
    app.after_request(remember_language)
    app.jinja_env.filters["when_local"] = local_when
    app.jinja_env.globals["language_links"] = language_links
    app.jinja_env.globals["page_language"] = page_language
