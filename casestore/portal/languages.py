"""The resident's language as staff see it: the case page, the queue and the intake form.

The portal speaks the default language; a case's language is named in it
("Spanish (es)"), from Babel's data, so a language the catalog adds shows
without code.
"""

from __future__ import annotations

from babel import Locale, UnknownLocaleError

from casestore.i18n import default_language, languages

from .blueprint import bp


def language_label(code: str | None) -> str:
    """Return ``Spanish (es)`` for ``es``, named in the portal's (default) language."""
    if not code:
        return ""
    try:
        name = Locale.parse(code).get_display_name(default_language())
    except (ValueError, UnknownLocaleError):
        name = None
    return f"{name} ({code})" if name else code


def language_choices() -> list[tuple[str, str]]:
    """Return ``(code, label)`` for each of the catalog's languages, the default first."""
    return [(code, language_label(code)) for code in languages()]


@bp.context_processor
def _language_helpers() -> dict:
    return {"language_label": language_label}
