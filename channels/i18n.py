"""The channels app's own texts in the conversation's language (gettext catalogs, Babel).

The languages are the catalog's (``city.languages`` in CATALOG_PATH, read as data by
``channels.settings``; the first is the default, whose texts are the msgids).
Translations live in ``channels/translations/<lang>/LC_MESSAGES/messages.po``; bin/setup
compiles them to ``.mo``. A catalog whose ``.mo`` is missing or older than its ``.po`` is
read from the ``.po`` itself, so an edited translation is never silently ignored.
A third language is a new ``.po`` and a catalog entry, no code.

Extract the msgids with (``gettext``'s second argument and ``N_`` constants)::

    pybabel extract -F channels/babel.cfg --no-default-keywords -k gettext:2 -k N_ \
        -o /tmp/channels.pot channels
    pybabel update -i /tmp/channels.pot -d channels/translations
"""

from __future__ import annotations

import io
import threading
import unicodedata
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from flask import Flask

TRANSLATIONS = Path(__file__).resolve().parent / "translations"
_loaded: dict[str, NullTranslations] = {}
_lock = threading.Lock()


def N_(msgid: str) -> str:  # noqa: N802 - the gettext convention for "marked, not translated"
    """Mark a module constant as translatable; it is translated where it is used."""
    return msgid


def _load(lang: str) -> NullTranslations:
    """The translations of ``lang``, loaded once (the .po when no fresh .mo exists)."""
    with _lock:
        if lang not in _loaded:
            folder = TRANSLATIONS / lang / "LC_MESSAGES"
            po, mo = folder / "messages.po", folder / "messages.mo"
            if mo.is_file() and (not po.is_file() or mo.stat().st_mtime >= po.stat().st_mtime):
                _loaded[lang] = Translations.load(str(TRANSLATIONS), [lang])
            elif po.is_file():
                buffer = io.BytesIO()
                with po.open("rb") as source:
                    write_mo(buffer, read_po(source, locale=lang))
                buffer.seek(0)
                _loaded[lang] = Translations(buffer)
            else:
                _loaded[lang] = NullTranslations()
        return _loaded[lang]


def gettext(lang: str | None, msgid: str, **kw: object) -> str:
    """``msgid`` in ``lang`` (the English text when untranslated), with ``{name}`` filled."""
    text = _load(lang).gettext(msgid) if lang else msgid
    return text.format(**kw) if kw else text


def languages(app: Flask) -> tuple[str, ...]:
    """The catalog's languages, the default first."""
    return tuple(app.config.get("LANGUAGES") or ("en",))


def default_language(app: Flask) -> str:
    """The catalog's default language (its texts are the msgids)."""
    return languages(app)[0]


def normalize(app: Flask, value: object) -> str | None:
    """``value``'s primary language ("es-US", "ES", "es_MX" -> "es") when the catalog has
    it, else None."""
    if not isinstance(value, str) or not value.strip():
        return None
    code = value.strip().lower().replace("_", "-").split("-", 1)[0]
    return code if code in languages(app) else None


def pick(app: Flask, *candidates: object) -> str:
    """The first of ``candidates`` the catalog has, else the default language."""
    for candidate in candidates:
        lang = normalize(app, candidate)
        if lang:
            return lang
    return default_language(app)


def plain(text: str) -> str:
    """``text`` folded for matching words: lower case, accents dropped ("Español" -> "espanol")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def language_name(lang: str, in_lang: str | None = None) -> str:
    """The name of ``lang`` in ``in_lang`` (its own name by default): "español", "Spanish"."""
    try:
        return Locale.parse(lang).get_language_name(in_lang or lang) or lang
    except (ValueError, UnknownLocaleError):
        return lang


def speech_language(app: Flask, lang: str | None) -> str | None:
    """Twilio's <Say>/<Gather> ``language`` for ``lang`` ("es-US"); None for the default
    language, whose calls keep Twilio's default voice (en-US). The code is the translation's
    own (its msgstr for "en-US"), so a new language brings it in its .po."""
    if not lang or lang == default_language(app):
        return None
    # Translators: the Twilio speech language of this translation (es-US, fr-FR, vi-VN...).
    code = gettext(lang, "en-US")
    return code if code != "en-US" else None
