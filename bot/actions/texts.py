"""The action server's texts in the conversation's language (gettext over Babel).

Every text an action sends a resident is written in English in the code, marked
``_("...")`` (or ``N_("...")`` for a module-level constant, translated where it is
used), and translated from ``bot/actions/translations/<lang>/LC_MESSAGES/messages.mo``
(compiled from ``messages.po`` by bin/setup; docs/i18n.md). The conversation's
language is the ``language`` slot, which the NLU's detection and the channel's
metadata set; a language without a catalog gets the English texts. Adding a
language is a translation file (and the catalog's texts), never code.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from rasa_sdk import Tracker

DEFAULT_LANGUAGE = "en"  # the language the msgids are written in
TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"
DOMAIN = "messages"
LANGUAGE_SLOT = "language"

Gettext = Callable[[str], str]
_lock = threading.Lock()


def N_(message: str) -> str:  # noqa: N802 - the gettext convention extractors look for
    """Mark a module-level text for extraction; translate it where it is used (``_(TEXT)``)."""
    return message


@lru_cache(maxsize=1)
def known_languages() -> frozenset[str]:
    """English plus every language with a folder under ``bot/actions/translations``."""
    found = set()
    if TRANSLATIONS_DIR.is_dir():
        found = {p.name for p in TRANSLATIONS_DIR.iterdir() if p.is_dir()}
    return frozenset(found | {DEFAULT_LANGUAGE})


def normalize(language: object) -> str:
    """A known language code from a slot or body value ("es", "es-US", "ES"), else English."""
    if not isinstance(language, str):
        return DEFAULT_LANGUAGE
    code = language.strip().replace("_", "-").split("-", 1)[0].lower()
    return code if code in known_languages() else DEFAULT_LANGUAGE


def language_of(tracker: Tracker) -> str:
    """The conversation's language: the ``language`` slot, English when empty or unknown."""
    return normalize(tracker.get_slot(LANGUAGE_SLOT))


@lru_cache(maxsize=16)
def _catalog(language: str) -> NullTranslations:
    folder = TRANSLATIONS_DIR / language / "LC_MESSAGES"
    po, mo = folder / f"{DOMAIN}.po", folder / f"{DOMAIN}.mo"
    with _lock:
        if po.is_file() and (not mo.is_file() or mo.stat().st_mtime < po.stat().st_mtime):
            # Not compiled yet, or edited since (bin/setup compiles): read the source itself
            # rather than speak English or stale texts.
            with po.open("rb") as handle:
                compiled = io.BytesIO()
                write_mo(compiled, read_po(handle, locale=language))
            compiled.seek(0)
            return Translations(compiled, domain=DOMAIN)
        # NullTranslations (the msgids, i.e. English) when there is no catalog at all.
        return Translations.load(str(TRANSLATIONS_DIR), [language], DOMAIN)


def translation(language: str | None) -> Gettext:
    """The gettext function for ``language`` (loaded once per language)."""
    return _catalog(normalize(language)).gettext


def translator(tracker: Tracker) -> Gettext:
    """The gettext function for the conversation's language: ``_ = translator(tracker)``."""
    return translation(language_of(tracker))


def reset_cache() -> None:
    """Forget the loaded catalogs (tests, or after recompiling a .po)."""
    known_languages.cache_clear()
    _catalog.cache_clear()
