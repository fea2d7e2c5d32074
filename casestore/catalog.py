"""The service catalog: departments, services, their questions and referrals.

``config/catalog.yml`` (path from ``CATALOG_PATH``) is the one file a city
edits. ``load_catalog`` reads it into frozen dataclasses and refuses a
malformed file with a ``CatalogError`` naming the file and line, so a typo
is caught by ``flask --app casestore catalog-check`` rather than in production.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml
from flask import current_app

from .city_limits import CityLimits, LimitsError, load_limits

DATATYPES = ("string", "number", "datetime", "text", "singlevaluelist", "multivaluelist")
# Who a service is about: a place (its cases are public, within limits) or a person
# (anonymous views show only number, service and status).
PRIVACY = ("public", "private")
# How precisely anonymous views give a public service's location.
ADDRESS_PRECISIONS = ("exact", "block")
REFERRAL_TOPICS = ("emergency", "power", "animal")
# The shipped configuration folder: where a catalog given as text finds its files.
SHIPPED_CONFIG = Path(__file__).resolve().parent.parent / "config"


class CatalogError(ValueError):
    """The catalog file is malformed; the message names the file and line."""


# ((field, ((language, text), ...)), ...): a translatable field's text in every declared
# language. The field itself holds the catalog's language (the default, or the one
# ``Catalog.in_language`` chose), so code that reads ``service.name`` needs no change.
Texts = tuple[tuple[str, tuple[tuple[str, str], ...]], ...]


class _Translatable:
    """What the catalog's dataclasses with resident-facing text share."""

    texts: Texts

    def translations(self, name: str) -> dict[str, str]:
        """Return ``{language: text}`` of the field ``name`` (empty for a one-language catalog)."""
        return next((dict(by_lang) for field_name, by_lang in self.texts if field_name == name),
                    {})

    def _in_language(self, lang: str, **changes: Any):
        """Return a copy whose translatable fields are in ``lang`` (kept when it lacks one)."""
        for name, by_lang in self.texts:
            text = dict(by_lang).get(lang)
            if text is not None:
                changes[name] = text
        return replace(self, **changes) if changes else self


@dataclass(frozen=True)
class AttributeValue(_Translatable):
    """One choice of a list attribute, with everyday words for it per language."""

    key: str
    name: str
    # ((language, (synonym, ...)), ...): the assistant maps these words to ``key``.
    synonyms: tuple[tuple[str, tuple[str, ...]], ...] = ()
    texts: Texts = ()  # ``name`` in every language

    def to_json(self) -> dict:
        """Return ``{key, name, synonyms: {language: [...]}}`` (docs/api.md's value)."""
        return {
            "key": self.key,
            "name": self.name,
            "synonyms": {lang: list(words) for lang, words in self.synonyms},
        }


@dataclass(frozen=True)
class Attribute(_Translatable):
    """An extra detail a service asks for (an Open311 attribute)."""

    code: str
    description: str
    datatype: str
    datatype_description: str
    required: bool
    order: int
    values: tuple[AttributeValue, ...] = ()
    # A free-text question's likely answers as words a resident uses in passing
    # ("deer", "old tires", "fence"), per language: the assistant takes them from
    # the first message instead of asking.
    answer_words: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # True: anonymous views show the answer. Only list attributes may be public, since
    # free text is the resident's own words.
    public: bool = False
    texts: Texts = ()  # ``description`` and ``datatype_description`` in every language

    def in_language(self, lang: str) -> Attribute:
        """Return the attribute with its texts and its values' names in ``lang``."""
        return self._in_language(lang, values=tuple(v._in_language(lang) for v in self.values))

    def value_keys(self) -> set[str]:
        """Return the allowed keys of a list attribute."""
        return {v.key for v in self.values}

    def to_json(self) -> dict:
        """Return the attribute as docs/api.md's ``Attribute``."""
        return {
            "code": self.code,
            "description": self.description,
            "datatype": self.datatype,
            "datatype_description": self.datatype_description,
            "required": self.required,
            "order": self.order,
            "values": [v.to_json() for v in self.values],
            "public": self.public,
        } | (
            {"answer_words": {lang: list(words) for lang, words in self.answer_words}}
            if self.answer_words
            else {}
        )


@dataclass(frozen=True)
class Service(_Translatable):
    """A kind of request residents can file, routed to one department."""

    code: str
    name: str
    department: str
    group: str
    target_days: int
    description: str
    keywords: tuple[str, ...]
    attributes: tuple[Attribute, ...]
    # False: the City must still check the problem, so a resident's withdrawal stays a note.
    withdrawable: bool = True
    # "private": about a person (a bill, a home visit): anonymous views show only the
    # case number, service and status.
    privacy: str = "public"
    # "block": anonymous views give the location as its hundred block, not the house.
    address_precision: str = "exact"
    texts: Texts = ()  # ``name``, ``group`` and ``description`` in every language

    def in_language(self, lang: str) -> Service:
        """Return the service with its texts and its attributes' texts in ``lang``."""
        return self._in_language(lang, attributes=tuple(a.in_language(lang)
                                                        for a in self.attributes))

    @property
    def private(self) -> bool:
        """Return True when anonymous views show only number, service and status."""
        return self.privacy == "private"

    def attribute(self, code: str) -> Attribute | None:
        """Return the attribute with ``code`` or None."""
        return next((a for a in self.attributes if a.code == code), None)

    def to_json(self) -> dict:
        """Return the service as docs/api.md's ``Service``."""
        return {
            "service_code": self.code,
            "service_name": self.name,
            "description": self.description,
            "department": self.department,
            "group": self.group,
            "keywords": list(self.keywords),
            "target_days": self.target_days,
            "privacy": self.privacy,
            "address_precision": self.address_precision,
            "attributes": [a.to_json() for a in self.attributes],
        }


@dataclass(frozen=True)
class Department(_Translatable):
    """A City department that works cases."""

    code: str
    name: str
    email: str | None = None  # where department notices (e.g. "reopened") go
    texts: Texts = ()  # ``name`` in every language


@dataclass(frozen=True)
class Referral(_Translatable):
    """Someone other than the City who handles a topic (no case is filed)."""

    topic: str
    name: str
    phone: str
    message: str
    keywords: tuple[str, ...]
    texts: Texts = ()  # ``name`` and ``message`` in every language

    def label(self) -> str:
        """Return "name, phone" as stored in a case's ``referred_to``."""
        return f"{self.name}, {self.phone}"

    def to_json(self) -> dict:
        """Return the referral as docs/api.md's ``Referral``."""
        return {
            "topic": self.topic,
            "name": self.name,
            "phone": self.phone,
            "message": self.message,
            "keywords": list(self.keywords),
        }


@dataclass(frozen=True)
class City(_Translatable):
    """The city the catalog describes."""

    name: str
    short_name: str
    phone: str
    timezone: str
    state: str
    city_names: tuple[str, ...]
    case_number_prefixes: tuple[str, ...]
    limits: CityLimits  # the polygon of config/city_limits.geojson (``city.limits``)
    holidays: tuple[dt.date, ...]
    # Languages residents are served in; the first is the default (docs/i18n.md).
    languages: tuple[str, ...] = ("en",)
    texts: Texts = ()  # ``phone`` (a sentence: "311 or ... (outside the city)") in every language

    def contains(self, lat: float, long: float) -> bool:
        """Return True when the point is inside the city limits polygon."""
        return self.limits.contains(lat, long)

    def to_json(self) -> dict:
        """Return the city block of ``GET /api/v1/services``."""
        return {
            "name": self.name,
            "short_name": self.short_name,
            "phone": self.phone,
            "timezone": self.timezone,
            "state": self.state,
            "city_names": list(self.city_names),
            "case_number_prefixes": list(self.case_number_prefixes),
            # The limits' bounding box, for a map's first view (in the city: places/inside).
            "bounds": self.limits.bounds(),
            "holidays": [d.isoformat() for d in self.holidays],
            "languages": list(self.languages),
        }


@dataclass(frozen=True)
class Catalog:
    """The whole catalog, looked up by code."""

    path: str
    city: City
    departments: dict[str, Department]
    services: dict[str, Service]
    referrals: tuple[Referral, ...] = field(default=())
    # The language of this copy's texts: the default, or the one ``in_language`` chose.
    language: str = ""
    # language -> the catalog in it, shared by the copies so each is built once.
    _copies: dict[str, Catalog] = field(default_factory=dict, compare=False, repr=False)

    def in_language(self, lang: str) -> Catalog:
        """Return this catalog with every resident-facing text in ``lang``.

        An undeclared ``lang`` gives the default language. Fields stay plain strings, so
        the copy serves wherever the catalog does (``to_json``, Open311, pages).
        """
        languages = self.city.languages
        lang = lang if lang in languages else languages[0]
        if lang == (self.language or languages[0]):
            return self
        copy = self._copies.get(lang)
        if copy is None:
            copy = replace(
                self,
                city=self.city._in_language(lang),
                departments={c: d._in_language(lang) for c, d in self.departments.items()},
                services={c: s.in_language(lang) for c, s in self.services.items()},
                referrals=tuple(r._in_language(lang) for r in self.referrals),
                language=lang,
            )
            self._copies[lang] = copy
        return copy

    def service(self, code: str) -> Service | None:
        """Return the service with ``code`` or None."""
        return self.services.get(code)

    def department(self, code: str) -> Department | None:
        """Return the department with ``code`` or None."""
        return self.departments.get(code)

    def department_name(self, code: str) -> str:
        """Return the department's name, or the code when it left the catalog."""
        dept = self.departments.get(code)
        return dept.name if dept else code

    def referral(self, topic: str) -> Referral | None:
        """Return the referral for ``topic`` or None."""
        return next((r for r in self.referrals if r.topic == topic), None)

    def match_referral(self, text: str) -> Referral | None:
        """Return the first referral whose keywords appear in ``text``."""
        lowered = text.lower()
        for ref in self.referrals:
            if any(k.lower() in lowered for k in ref.keywords):
                return ref
        return None

    def to_json(self) -> dict:
        """Return the body of ``GET /api/v1/services``."""
        return {
            "city": self.city.to_json(),
            "departments": [{"code": d.code, "name": d.name} for d in self.departments.values()],
            "services": [s.to_json() for s in self.services.values()],
            "referrals": [r.to_json() for r in self.referrals],
        }


# --- loading with line numbers ---------------------------------------------


class _Map(dict):
    """A mapping that remembers its own line and each key's value line."""

    line: int = 0
    lines: dict


class _List(list):
    line: int = 0
    lines: list


class _Loader(yaml.SafeLoader):
    pass


def _construct_map(loader: _Loader, node: yaml.MappingNode) -> _Map:
    loader.flatten_mapping(node)
    result = _Map()
    result.line = node.start_mark.line + 1
    result.lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in result:
            raise CatalogError(f"line {key_node.start_mark.line + 1}: duplicate key {key!r}")
        result[key] = loader.construct_object(value_node, deep=True)
        result.lines[key] = value_node.start_mark.line + 1
    return result


def _construct_list(loader: _Loader, node: yaml.SequenceNode) -> _List:
    result = _List(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.lines = [child.start_mark.line + 1 for child in node.value]
    return result


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_map)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_list)


class _Reader:
    """Typed access to a parsed mapping that reports problems with their line."""

    def __init__(self, path: str) -> None:
        self.path = path
        # The city's languages, the default first: set once the city block is read.
        self.languages: tuple[str, ...] = ("en",)

    def fail(self, line: int, message: str) -> CatalogError:
        return CatalogError(f"{self.path}, line {line}: {message}")

    def get(self, m: Any, key: str, kind: type | tuple, *, required: bool = True, default=None):
        if not isinstance(m, _Map):
            raise self.fail(getattr(m, "line", 1), f"expected a mapping with {key!r}")
        if key not in m or m[key] is None:
            if required:
                raise self.fail(m.line, f"missing {key!r}")
            return default
        value = m[key]
        if kind is int and isinstance(value, bool) or not isinstance(value, kind):
            names = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
            raise self.fail(m.lines[key], f"{key!r} must be {names}, not {value!r}")
        return value

    def line_of(self, m: _Map, key: str) -> int:
        return m.lines.get(key, m.line)

    def text(self, m: _Map, key: str, *, required: bool = True) -> tuple[str, Texts]:
        """Return a translatable field: its default-language text and every language's.

        The field is a plain string (the default language) or ``{en: ..., es: ...}``;
        a catalog with several languages needs the mapping, with each of them and no
        other, so no resident meets a text in the wrong language.
        """
        value = self.get(m, key, object, required=required, default="")
        line = self.line_of(m, key)
        default, *others = self.languages
        if not isinstance(value, (str, _Map)):
            raise self.fail(line, f"{key!r} must be text or a mapping of languages to text, "
                            f"not {value!r} (quote Yes/No)")
        if isinstance(value, str):
            if value and others:
                raise self.fail(line, f"{key!r} lacks {', '.join(others)}: write it as "
                                + "{" + ", ".join(f"{lang}: ..." for lang in self.languages)
                                + "}")
            return value, ()
        for lang, text in value.items():
            if lang not in self.languages:
                raise self.fail(value.lines[lang], f"{key!r}: {lang!r} is not one of the "
                                f"catalog's languages (city.languages: "
                                f"{', '.join(self.languages)})")
            if not isinstance(text, str) or not text.strip():
                raise self.fail(value.lines[lang], f"{key!r} in {lang!r} must be non-empty "
                                f"text, not {text!r} (quote Yes/No)")
        missing = [lang for lang in self.languages if lang not in value]
        if missing:
            raise self.fail(value.line, f"{key!r} lacks {', '.join(missing)}")
        by_lang = tuple((lang, value[lang]) for lang in self.languages)
        return value[default], ((key, by_lang),)

    def strings(self, m: _Map, key: str, *, required: bool = True) -> tuple[str, ...]:
        items = self.get(m, key, list, required=required, default=_List())
        for i, item in enumerate(items):
            if not isinstance(item, str) or not item.strip():
                raise self.fail(items.lines[i], f"{key!r} items must be non-empty text")
        return tuple(items)


def fold_words(text: str) -> str:
    """Lower case, accents and punctuation dropped: how synonyms are compared."""
    decomposed = unicodedata.normalize("NFKD", text.replace("\u2019", "'").lower())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.findall(r"[a-z0-9]+(?:'[a-z]+)?", plain))


def _synonyms(
    r: _Reader, v: _Map, field: str = "synonyms"
) -> tuple[tuple[str, tuple[str, ...]], ...]:
    raw = r.get(v, field, _Map, required=False, default=None)
    if raw is None:
        return ()
    result = []
    for lang, words in raw.items():
        line = raw.lines[lang]
        if not isinstance(lang, str) or not re.fullmatch(r"[a-z]{2,3}(?:-[A-Za-z]{2,4})?", lang):
            raise r.fail(line, f"{field}: {lang!r} is not a language code such as en or es")
        if not isinstance(words, list):
            raise r.fail(line, f"{field} {lang!r} must be a list of text, not {words!r}")
        for i, word in enumerate(words):
            if not isinstance(word, str) or not fold_words(word):
                raise r.fail(words.lines[i], f"synonym {word!r} of value {v.get('key')!r} must be "
                             "non-empty text (quote yes/no/on/off and numbers)")
        result.append((lang, tuple(words)))
    return tuple(result)


def _check_synonyms_distinct(r: _Reader, code: str, raw_values: _List,
                             values: list[AttributeValue]) -> None:
    """A word may stand for one value of an attribute only (its key, name or synonym)."""
    owner: dict[str, str] = {}
    for raw, value in zip(raw_values, values, strict=True):
        words = [value.key.replace("_", " "), value.name, *value.translations("name").values()]
        words += [w for _, ws in value.synonyms for w in ws]
        for word in words:
            folded = fold_words(word)
            other = owner.setdefault(folded, value.key)
            if other != value.key:
                raise r.fail(r.line_of(raw, "synonyms"),
                             f"attribute {code!r}: {word!r} is a synonym of both "
                             f"{other!r} and {value.key!r}")


def _attribute(r: _Reader, m: _Map, index: int) -> Attribute:
    code = r.get(m, "code", str)
    datatype = r.get(m, "datatype", str)
    if datatype not in DATATYPES:
        raise r.fail(r.line_of(m, "datatype"), f"datatype must be one of {', '.join(DATATYPES)}")
    values: list[AttributeValue] = []
    raw_values = r.get(m, "values", list, required=False, default=_List())
    for v in raw_values:
        key = str(r.get(v, "key", (str, int)))
        name, texts = r.text(v, "name")
        values.append(AttributeValue(key=key, name=name, synonyms=_synonyms(r, v), texts=texts))
    _check_synonyms_distinct(r, code, raw_values, values)
    if datatype.endswith("valuelist") and not values:
        raise r.fail(m.line, f"attribute {code!r}: a list attribute needs 'values'")
    if values and not datatype.endswith("valuelist"):
        raise r.fail(r.line_of(m, "values"), f"attribute {code!r}: only lists take 'values'")
    public = r.get(m, "public", bool, required=False, default=False)
    if public and not datatype.endswith("valuelist"):
        raise r.fail(r.line_of(m, "public"), f"attribute {code!r}: only list attributes may be "
                     "public (free text is the resident's own words)")
    description, description_texts = r.text(m, "description")
    datatype_description, datatype_texts = r.text(m, "datatype_description", required=False)
    return Attribute(
        code=code,
        description=description,
        datatype=datatype,
        datatype_description=datatype_description,
        required=r.get(m, "required", bool, required=False, default=False),
        order=r.get(m, "order", int, required=False, default=index + 1),
        values=tuple(values),
        answer_words=_synonyms(r, m, "answer_words"),
        public=public,
        texts=description_texts + datatype_texts,
    )


def _service(r: _Reader, m: _Map, departments: dict[str, Department]) -> Service:
    code = r.get(m, "code", str)
    dept = r.get(m, "department", str)
    if dept not in departments:
        raise r.fail(r.line_of(m, "department"), f"service {code!r}: unknown department {dept!r}")
    target_days = r.get(m, "target_days", int)
    if target_days < 0:
        raise r.fail(r.line_of(m, "target_days"), "target_days must be 0 or more")
    attributes = tuple(
        _attribute(r, a, i) for i, a in enumerate(r.get(m, "attributes", list, required=False,
                                                          default=_List()))
    )
    codes = [a.code for a in attributes]
    if len(codes) != len(set(codes)):
        raise r.fail(m.line, f"service {code!r}: attribute codes repeat")
    privacy = _choice(r, m, "privacy", PRIVACY, code)
    precision = _choice(r, m, "address_precision", ADDRESS_PRECISIONS, code)
    if privacy == "private":
        shown = next((a for a in attributes if a.public), None)
        if shown is not None:
            raise r.fail(m.line, f"service {code!r} is private: its attribute {shown.code!r} "
                         "cannot be public")
    name, name_texts = r.text(m, "name")
    group, group_texts = r.text(m, "group")
    description, description_texts = r.text(m, "description", required=False)
    return Service(
        code=code,
        name=name,
        department=dept,
        group=group,
        target_days=target_days,
        description=description,
        keywords=r.strings(m, "keywords", required=False),
        attributes=tuple(sorted(attributes, key=lambda a: a.order)),
        withdrawable=r.get(m, "withdrawable", bool, required=False, default=True),
        privacy=privacy,
        address_precision=precision,
        texts=name_texts + group_texts + description_texts,
    )


def _choice(r: _Reader, m: _Map, key: str, choices: tuple[str, ...], code: str) -> str:
    """Return an optional setting of a service that takes one of ``choices`` (default: first)."""
    value = r.get(m, key, str, required=False, default=choices[0])
    if value not in choices:
        raise r.fail(r.line_of(m, key), f"service {code!r}: {key} must be one of "
                     f"{', '.join(choices)}, not {value!r}")
    return value


def _city(r: _Reader, m: _Map, folder: Path) -> City:
    if "bbox" in m:
        raise r.fail(r.line_of(m, "bbox"), "city.bbox was replaced by city.limits: the file "
                     "of the city limits polygon (GeoJSON), e.g. city_limits.geojson")
    limits_path = folder / r.get(m, "limits", str)
    try:
        limits = load_limits(limits_path)
    except LimitsError as exc:
        raise r.fail(r.line_of(m, "limits"), str(exc)) from None
    holidays = r.get(m, "holidays", list, required=False, default=_List())
    for i, day in enumerate(holidays):
        if not isinstance(day, dt.date):
            raise r.fail(holidays.lines[i], f"holiday {day!r} is not an ISO date (YYYY-MM-DD)")
    # The city block declares the languages, so they are known before its own texts.
    r.languages = _languages(r, m)
    phone, phone_texts = r.text(m, "phone")
    return City(
        name=r.get(m, "name", str),
        short_name=r.get(m, "short_name", str),
        phone=phone,
        timezone=r.get(m, "timezone", str),
        state=r.get(m, "state", str),
        city_names=r.strings(m, "city_names"),
        case_number_prefixes=r.strings(m, "case_number_prefixes", required=False),
        limits=limits,
        holidays=tuple(sorted(holidays)),
        languages=r.languages,
        texts=phone_texts,
    )


def _languages(r: _Reader, m: _Map) -> tuple[str, ...]:
    """Return the city's declared languages (ISO 639-1 codes), default ``("en",)``."""
    languages = r.strings(m, "languages", required=False) or ("en",)
    for code in languages:
        if not re.fullmatch(r"[a-z]{2}", code):
            raise r.fail(r.line_of(m, "languages"), f"languages: {code!r} is not a language "
                         "code such as en or es")
    if len(set(languages)) != len(languages):
        raise r.fail(r.line_of(m, "languages"), "languages: a language is listed twice")
    return languages


def parse_catalog(text: str, path: str = "<catalog>", folder: Path | None = None) -> Catalog:
    """Parse catalog YAML text; raise ``CatalogError`` naming ``path`` and the line.

    Files the catalog names (``city.limits``) are read from ``folder``: by default the
    folder of ``path`` when it is a file, else the shipped ``config/`` (text given
    without a file, as in tests).
    """
    r = _Reader(path)
    if folder is None:
        folder = Path(path).parent if Path(path).is_file() else SHIPPED_CONFIG
    try:
        root = yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader derives from SafeLoader
    except CatalogError as exc:
        raise CatalogError(f"{path}, {exc}") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise r.fail(line, f"not valid YAML: {exc.problem or exc}") from None
    if not isinstance(root, _Map):
        raise r.fail(1, "the catalog must be a mapping with city, departments, services")
    city = _city(r, r.get(root, "city", _Map), folder)
    r.languages = city.languages
    departments: dict[str, Department] = {}
    for d in r.get(root, "departments", list):
        code = r.get(d, "code", str)
        if code in departments:
            raise r.fail(d.line, f"department {code!r} is listed twice")
        email = r.get(d, "email", str, required=False)
        name, texts = r.text(d, "name")
        departments[code] = Department(code=code, name=name, email=email, texts=texts)
    services: dict[str, Service] = {}
    for s in r.get(root, "services", list):
        service = _service(r, s, departments)
        if service.code in services:
            raise r.fail(s.line, f"service {service.code!r} is listed twice")
        services[service.code] = service
    referrals = []
    for ref in r.get(root, "referrals", list, required=False, default=_List()):
        topic = r.get(ref, "topic", str)
        if topic not in REFERRAL_TOPICS:
            raise r.fail(r.line_of(ref, "topic"), f"topic must be one of {REFERRAL_TOPICS}")
        name, name_texts = r.text(ref, "name")
        message, message_texts = r.text(ref, "message")
        referrals.append(Referral(
            topic=topic, name=name, phone=r.get(ref, "phone", str), message=message,
            keywords=r.strings(ref, "keywords"), texts=name_texts + message_texts,
        ))
    catalog = Catalog(path=path, city=city, departments=departments, services=services,
                      referrals=tuple(referrals), language=city.languages[0])
    catalog._copies[catalog.language] = catalog
    return catalog


def load_catalog(path: str | Path) -> Catalog:
    """Read and validate the catalog file at ``path``."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise CatalogError(f"{path}: cannot read the catalog: {exc.strerror}") from None
    return parse_catalog(text, str(path))


def get_catalog() -> Catalog:
    """Return the current app's catalog, loaded once from ``CATALOG_PATH``."""
    cached = current_app.extensions.get("casestore.catalog")
    if cached is None:
        cached = load_catalog(current_app.config["CATALOG_PATH"])
        current_app.extensions["casestore.catalog"] = cached
    return cached
