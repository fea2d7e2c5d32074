"""Find in any message what the report form would otherwise ask for.

Pure functions, no I/O. ``mine`` reads a message (the first one included) and
returns every slot it answers with confidence: catalog attribute answers (by the
values' names and the catalog's ``synonyms``; a yes/no question only from a phrase
that answers that very question, never from a bare "yeah"), counts for "how many"
questions when the unit is named ("we need 3 smoke alarms"), a pickup day
("today", "ayer" become weekdays in the city's time zone), email, phone and name,
with the character spans it used. ``parse_contact`` reads the answer to the one
combined contact question. Nothing is guessed: an ambiguous or negated hit answers
nothing, and the form asks as before.

The text helpers (``words``, ``phrase_hits``, ``number_in``...) are shared with
``attributes.parse_answer``.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers

from bot.actions.parsing import is_skip, parse_email, parse_phone

LIST_TYPES = ("singlevaluelist", "multivaluelist")
ARTICLES = {"the", "a", "an", "el", "la", "los", "las", "un", "una", "unos", "unas"}
STOP = ARTICLES | {
    "is", "it", "its", "it's", "this", "that", "in", "on", "at", "of", "to", "and", "or",
    "my", "our", "your", "i", "i'm", "we", "was", "were", "be", "been", "are", "there",
    "here", "just", "only", "very", "really", "some", "de", "del", "en", "es", "esta", "y",
    "o", "por", "para", "con", "que", "lo", "se", "mi", "mis", "with", "for", "from", "by",
    "so", "too", "also", "all", "one", "s", "al", "le", "me", "yo", "su", "sus",
}
NEGATORS = {
    "not", "no", "never", "isn't", "aren't", "wasn't", "weren't", "don't", "doesn't",
    "didn't", "won't", "can't", "cannot", "ain't", "nobody", "nothing", "without",
    "hasn't", "haven't", "nunca", "ni", "sin", "nadie", "nada",
}
CLAUSE_BREAKS = {"but", "and", "pero", "y", "though", "although", "aunque", "however"}
# Words that make a size adjective casual ("a big problem", "huge thanks").
CASUAL_AFTER = {"problem", "issue", "deal", "mess", "thanks", "fan", "pain", "hassle", "favor",
                "problema", "lio"}
NO_MINING_KEYS = {"other", "unknown"}


# --- words with their place in the original text ---------------------------


@dataclass(frozen=True)
class Word:
    """A folded word (lower case, no accents) and its character span in the original."""

    text: str
    start: int
    end: int


def fold(text: str) -> str:
    """Lower case without accents, curly quotes straightened: "Sí, PEQUEÑO" -> "si, pequeno"."""
    return "".join(_fold_chars(text or "")[0])


def _fold_chars(text: str) -> tuple[list[str], list[int]]:
    chars: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        if ch in "\u2019\u2018`\u00b4":
            ch = "'"
        for c in unicodedata.normalize("NFKD", ch.lower()):
            if not unicodedata.combining(c):
                chars.append(c)
                where.append(i)
    return chars, where


def words(text: str) -> list[Word]:
    """The folded words of ``text`` with their spans in the original text."""
    chars, where = _fold_chars(text or "")
    folded = "".join(chars)
    return [
        Word(m.group(0), where[m.start()], where[m.end() - 1] + 1)
        for m in re.finditer(r"[a-z0-9]+(?:'[a-z]+)?", folded)
    ]


@functools.lru_cache(maxsize=16384)
def phrase(text: str) -> tuple[str, ...]:
    """A phrase as compared: folded words, articles dropped ("the whole block" -> whole block).

    Cached: the catalog's few thousand synonyms are folded on every message otherwise.
    """
    return tuple(w.text for w in words(text) if w.text not in ARTICLES)


def _same(word: str, wanted: str) -> bool:
    if word == wanted:
        return True
    return len(wanted) >= 3 and word in (wanted + "s", wanted + "es")


@dataclass(frozen=True)
class Hit:
    """A phrase found in a message: which value it stands for and where it is."""

    key: str
    first: int  # index of the first word (articles excluded)
    last: int  # index after the last word
    start: int  # character span in the original text
    end: int


def content_words(text: str) -> list[Word]:
    """The words phrases are matched against (articles dropped, spans kept)."""
    return [w for w in words(text) if w.text not in ARTICLES]


def phrase_hits(text: str, candidates: list[tuple[str, tuple[str, ...]]]) -> list[Hit]:
    """Every occurrence of the candidate phrases, longest first, negated ones dropped.

    A hit inside a longer hit is dropped ("not in the road" beats "in the road"), and
    so is a hit after "not"/"no"/"never" in the same clause or followed by "not".
    """
    found = content_words(text)
    hits: list[Hit] = []
    for key, wanted in candidates:
        n = len(wanted)
        if not n:
            continue
        for i in range(len(found) - n + 1):
            if all(_same(found[i + k].text, wanted[k]) for k in range(n)):
                hits.append(Hit(key, i, i + n, found[i].start, found[i + n - 1].end))
    kept = [
        h
        for h in hits
        if not any(
            o.first <= h.first and h.last <= o.last and (o.last - o.first) > (h.last - h.first)
            for o in hits
        )
    ]
    return [h for h in kept if not _negated(text, found, h)]


def _negated(text: str, found: list[Word], hit: Hit) -> bool:
    if hit.last < len(found) and found[hit.last].text in ("not", "n't"):
        if not re.search(r"[,.;:!?]", text[found[hit.last - 1].end : found[hit.last].start]):
            return True
    i = hit.first - 1
    while i >= 0 and i >= hit.first - 3:
        between = text[found[i].end : found[i + 1].start]
        if re.search(r"[,.;:!?()\n]", between) or found[i].text in CLAUSE_BREAKS:
            return False
        if found[i].text in NEGATORS or found[i].text.endswith("n't"):
            return True
        i -= 1
    return False


def has_negation(text: str) -> bool:
    """True when a negating word is anywhere in ``text``."""
    return any(w.text in NEGATORS or w.text.endswith("n't") for w in words(text))


# --- the catalog's words for a value ---------------------------------------


def is_yes_no(attribute: dict) -> bool:
    """True for a list attribute whose values are exactly yes and no."""
    keys = {str(v.get("key")).lower() for v in attribute.get("values") or []}
    return keys == {"yes", "no"}


_GENERIC_FIRST = {"yes", "yeah", "yep", "yup", "ya", "sure", "ok", "okay", "si", "claro",
                  "nope", "nah", "correct", "correcto", "affirmative", "negative", "negativo"}
_GENERIC = {("no",), ("n",), ("y",), ("no", "it", "isn't"), ("no", "it's", "not"),
            ("not", "really"), ("that's", "right"), ("of", "course"), ("asi", "es"),
            ("para", "nada"), ("de", "acuerdo"), ("it", "is"), ("it", "isn't"), ("absolutely",)}


def is_generic_yes_no(text: str) -> bool:
    """True for a bare yes/no word ("yeah", "claro que no"): an answer, never mined."""
    p = phrase(text)
    return not p or p in _GENERIC or p[0] in _GENERIC_FIRST


def _name_phrases(name: str) -> list[str]:
    bare = re.sub(r"\s*\(.*?\)\s*", " ", name).strip()
    return [name, bare] if bare and bare != name else [name]


def value_candidates(
    attribute: dict, *, mining: bool = False, extra: dict[str, str] | None = None
) -> list[tuple[str, tuple[str, ...]]]:
    """``(key, phrase)`` pairs for every word the catalog gives a list value.

    Answers use keys, names and all synonyms; mining a story leaves out bare
    keys of one word, "other", and a yes/no question's generic words ("yeah", "no").
    """
    yes_no = is_yes_no(attribute)
    result: list[tuple[str, tuple[str, ...]]] = []
    for v in attribute.get("values") or []:
        key = str(v["key"])
        if mining and key.lower() in NO_MINING_KEYS:
            continue
        texts: list[str] = []
        if not (mining and yes_no):
            texts += _name_phrases(str(v.get("name") or ""))
            if not mining or "_" in key:
                texts.append(key.replace("_", " "))
        for synonyms in (v.get("synonyms") or {}).values():
            for synonym in synonyms or []:
                if mining and yes_no and is_generic_yes_no(synonym):
                    continue
                texts.append(synonym)
        for word, target in (extra or {}).items():
            if target == key:
                texts.append(word)
        seen = set()
        for t in texts:
            p = phrase(t)
            if p and p not in seen:
                seen.add(p)
                result.append((key, p))
    return result


def distinct_keys(hits: list[Hit]) -> list[str]:
    """The values the hits stand for, in the order first found."""
    keys: list[str] = []
    for h in sorted(hits, key=lambda h: h.start):
        if h.key not in keys:
            keys.append(h.key)
    return keys


# --- numbers ---------------------------------------------------------------

_ONES = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "dozen": 12,
    "cero": 0, "uno": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6, "siete": 7,
    "ocho": 8, "nueve": 9, "diez": 10, "once": 11, "doce": 12, "trece": 13, "catorce": 14,
    "quince": 15, "dieciseis": 16, "diecisiete": 17, "dieciocho": 18, "diecinueve": 19,
    "veinte": 20, "veintiuno": 21, "veintidos": 22, "veintitres": 23, "veinticuatro": 24,
    "veinticinco": 25, "treinta": 30, "cuarenta": 40, "cincuenta": 50, "docena": 12,
}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
         "eighty": 80, "ninety": 90}
_COUPLE = re.compile(
    r"\b(?:a\s+)?couple(?:\s+of)?\b|\bun\s+par(?:\s+de)?\b|\bhalf\s+a\s+dozen\b|"
    r"\b(?:a|una)\s+(?:dozen|docena)(?:\s+(?:of|de))?\b"
)


@dataclass(frozen=True)
class Number:
    """A number found in text and the span of the words that said it."""

    value: float | int
    start: int
    end: int


def numbers_in(text: str) -> list[Number]:
    """Every number written in digits or words ("3", "two", "twenty five", "a couple", "dos")."""
    found: list[Number] = []
    chars, where = _fold_chars(text or "")
    folded = "".join(chars)
    taken: list[tuple[int, int]] = []
    for m in _COUPLE.finditer(folded):
        said = m.group(0)
        value = 6 if "half" in said else 12 if ("dozen" in said or "docena" in said) else 2
        found.append(Number(value, where[m.start()], where[m.end() - 1] + 1))
        taken.append((where[m.start()], where[m.end() - 1] + 1))
    for m in re.finditer(r"(?<![\w.,-])\d+(?:\.\d+)?(?![\w.-]*\w)", folded):
        value = float(m.group(0))
        found.append(Number(int(value) if value.is_integer() else value,
                            where[m.start()], where[m.end() - 1] + 1))
    items = words(text)
    i = 0
    while i < len(items):
        w = items[i]
        if any(a <= w.start < b for a, b in taken):
            i += 1
            continue
        parts = w.text.split("-")
        if w.text in _TENS or (len(parts) == 2 and parts[0] in _TENS and parts[1] in _ONES):
            value = _TENS[parts[0]] + (_ONES[parts[1]] if len(parts) == 2 else 0)
            end = w.end
            if (len(parts) == 1 and i + 1 < len(items) and items[i + 1].text in _ONES
                    and 0 < _ONES[items[i + 1].text] < 10):
                value += _ONES[items[i + 1].text]
                end = items[i + 1].end
                i += 1
            found.append(Number(value, w.start, end))
        elif w.text in _ONES and w.text not in ("dozen", "docena"):
            found.append(Number(_ONES[w.text], w.start, w.end))
        i += 1
    return sorted(found, key=lambda n: n.start)


def number_in(text: str) -> float | int | None:
    """The first number in ``text``, in digits or words; None when there is none."""
    found = numbers_in(text)
    return found[0].value if found else None


_UNIT_SYNONYMS = {
    "alarm": ["alarm", "detector", "alarma", "detector"],
    "people": ["people", "person", "persons", "guy", "men", "man", "women", "woman", "folk",
               "individual", "adult", "persona", "gente", "hombre", "mujer"],
}


def unit_words(attribute: dict) -> set[str]:
    """The unit a number question counts ("How many smoke alarms..." -> alarm, detector...)."""
    description = fold(attribute.get("description") or "")
    m = re.search(r"\bhow many ([a-z' ]+?)(?:\s+(?:do|does|did|are|is|were|was|there|will|"
                  r"should|would|can|could|have|has)\b|[?.,]|$)", description)
    m = m or re.search(r"\bcuant[oa]s ([a-z ]+?)(?:\s+(?:hay|necesita|tiene|son)\b|[?.,]|$)",
                       description)
    if not m:
        return set()
    head = m.group(1).split()[-1]
    singular = head[:-1] if head.endswith("s") and not head.endswith("ss") else head
    units = {head, singular}
    for key, more in _UNIT_SYNONYMS.items():
        if key in units:
            units.update(more)
    return units


def range_of(attribute: dict) -> tuple[float, float] | None:
    """``(low, high)`` from a datatype description such as "A number from 1 to 10"."""
    m = re.search(r"from (\d+) to (\d+)", attribute.get("datatype_description") or "")
    return (float(m.group(1)), float(m.group(2))) if m else None


# --- days ------------------------------------------------------------------

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_DAY_WORDS = {
    "monday": ("monday", "mon", "lunes"),
    "tuesday": ("tuesday", "tue", "tues", "martes"),
    "wednesday": ("wednesday", "wed", "weds", "miercoles"),
    "thursday": ("thursday", "thu", "thur", "thurs", "jueves"),
    "friday": ("friday", "fri", "viernes"),
    "saturday": ("saturday", "sat", "sabado"),
    "sunday": ("sunday", "sun", "domingo"),
}
_RELATIVE = (
    (("day", "before", "yesterday"), -2),
    (("anteayer",), -2),
    (("antier",), -2),
    (("yesterday",), -1),
    (("ayer",), -1),
    (("today",), 0),
    (("this", "morning"), 0),
    (("this", "afternoon"), 0),
    (("esta", "manana"), 0),
    (("hoy",), 0),
)


@dataclass(frozen=True)
class DayMention:
    """A weekday named or implied ("yesterday") and where it was said."""

    day: str
    start: int
    end: int


def day_mentions(text: str, now: dt.datetime | None = None,
                 tz: str = "America/New_York") -> list[DayMention]:
    """Weekdays in ``text``; relative days need ``now`` (taken in the city's time zone)."""
    found: list[DayMention] = []
    items = words(text)
    for w in items:
        for day, names in _DAY_WORDS.items():
            if w.text in names or w.text in tuple(n + "s" for n in names if len(n) > 4):
                found.append(DayMention(day, w.start, w.end))
    if now is not None:
        local = (now if now.tzinfo else now.replace(tzinfo=dt.timezone.utc)).astimezone(
            ZoneInfo(tz)
        )
        used: set[int] = set()
        for wanted, offset in _RELATIVE:
            n = len(wanted)
            for i in range(len(items) - n + 1):
                span = set(range(i, i + n))
                if span & used or tuple(x.text for x in items[i : i + n]) != wanted:
                    continue
                used |= span
                day = WEEKDAYS[(local.date() + dt.timedelta(days=offset)).weekday()]
                found.append(DayMention(day, items[i].start, items[i + n - 1].end))
    return sorted(found, key=lambda d: d.start)


# Words that tie a weekday to the schedule in a story naming several days
# ("supposed to be picked up Tuesday ... it's now Thursday"): the day after one
# of these is the pickup day, the others are when the resident noticed.
_SCHEDULE_CUE = re.compile(
    r"(pick(?:ed|s)?\s*up|pickup|collect(?:ed|ion)?|scheduled|supposed|usually|normally|"
    r"every|trash day|recog\w*|pasan|toca)\W+(?:\w+\W+){0,4}$"
)


def scheduled_day(text: str, mentions: list[DayMention]) -> DayMention | None:
    """Among several weekdays, the one a schedule word points at, when only one is."""
    cued = [m for m in mentions if _SCHEDULE_CUE.search(fold(text[max(0, m.start - 40) : m.start]))]
    return cued[0] if len({m.day for m in cued}) == 1 else None


def is_day_question(attribute: dict) -> bool:
    """True for a question about a day (its code or question says "day")."""
    return "day" in attribute.get("code", "") or "day" in (attribute.get("description") or "")


def day_value(attribute: dict, day: str) -> str | None:
    """The attribute's value for a weekday (its key or name is the day), or None."""
    for v in attribute.get("values") or []:
        if day in (str(v["key"]).lower(), str(v.get("name", "")).lower()):
            return str(v["key"])
    return None


# --- contact details in a story --------------------------------------------

_EMAIL = re.compile(r"[^\s@<>(),;:]+@[^\s@<>(),;:]+\.[A-Za-z]{2,}")
_NAME_WORD = r"[A-ZÁÉÍÓÚÑÜ][a-záéíóúñü]+(?:['-][A-Za-záéíóúñü]+)?"
_CAP_NAME = rf"{_NAME_WORD}(?:\s+{_NAME_WORD}){{0,2}}"
_ANY_WORD = r"[A-Za-zÁÉÍÓÚÑÜáéíóúñü]+(?:['-][A-Za-záéíóúñü]+)?"
_NOT_NAMES = {
    "i", "the", "a", "an", "not", "calling", "writing", "here", "from", "at", "in", "on",
    "atlanta", "georgia", "sure", "sorry", "just", "so", "very", "really", "still", "also",
    "reporting", "trying", "going", "having", "looking", "concerned", "worried", "tired",
    "your", "my", "this", "that", "there", "and", "but", "y", "de", "del", "la", "el",
    "en", "con", "para", "por", "vecino", "vecina", "residente", "resident", "neighbor",
    "neighbour", "street", "st", "avenue", "ave", "road", "rd", "drive", "boulevard", "blvd",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "lunes",
    "martes", "miercoles", "jueves", "viernes", "sabado", "domingo", "hi", "hello", "hey",
    "thanks", "thank", "please", "hola", "gracias", "ok", "okay", "yes", "no", "new", "back",
    "out", "up", "with", "about", "is", "are", "was", "it", "we", "they", "you", "he", "she",
    "pothole", "trash", "water", "tree", "car", "light", "best", "regards", "midtown",
    "downtown", "buckhead", "westside", "eastside", "se", "sw", "ne", "nw", "ga", "usa",
}
_OPENING = r"(?:^|(?<=[.!?\n])\s*|\b(?:hi|hello|hey|hola|buenas|buenos dias)[,!]?\s+)"
_NAME_CUES = (
    # cue, the name pattern it takes, whether the cue must open a sentence
    (r"(?:my name is|my name's|name is|name:|me llamo|mi nombre es)", "any", False),
    (r"(?:i'm|i am|i’m|soy)", "cap", False),
    (r"(?:this is|it's|it is|it’s|les habla|habla)", "cap", True),
)


def _clean_name(raw: str) -> str | None:
    kept: list[str] = []
    for part in raw.split():
        if fold(part) in _NOT_NAMES:
            break
        kept.append(part)
    if not kept or len(" ".join(kept)) > 60:
        return None
    return " ".join(p[:1].upper() + p[1:] for p in kept)


def find_name(text: str) -> str | None:
    """A person's name said in passing: "my name is Ada Lovelace", "this is Ada",
    "soy María López", a sign-off "- Ada" or "Thanks, Ada"; None when there is none."""
    found = name_span(text)
    return found[0] if found else None


def name_span(text: str) -> tuple[str, int, int] | None:
    """``find_name`` with the span of the words that said it: ``(name, start, end)``."""
    text = text or ""
    for cue, kind, opening in _NAME_CUES:
        lead = _OPENING if opening else r"\b"
        pattern = rf"(?i:{lead}{cue})\s+({_CAP_NAME if kind == 'cap' else _any_name()})"
        for m in re.finditer(pattern, text, re.M):
            name = _clean_name(m.group(1))
            if name:
                return name, m.start(), m.start(1) + _name_length(m.group(1), name)
    signoff = re.search(
        rf"(?:(?:^|[.!?\n]\s*|\s)[-\u2013\u2014~]+\s*|(?i:\b(?:thanks|thank you|thx|regards|cheers|"
        rf"gracias|saludos|atentamente))[,.!]*\s+(?:[-\u2013\u2014]\s*)?)({_CAP_NAME})\s*[.!]?\s*$",
        text,
    )
    if signoff:
        name = _clean_name(signoff.group(1))
        if name and name == signoff.group(1).strip():
            return name, signoff.start(1), signoff.end(1)
    return None


def _any_name() -> str:
    return rf"{_ANY_WORD}(?:\s+{_ANY_WORD}){{0,2}}"


def _name_length(raw: str, name: str) -> int:
    count = len(name.split())
    parts = list(re.finditer(r"\S+", raw))
    return parts[count - 1].end() if count <= len(parts) else len(raw)


def find_email(text: str) -> tuple[str, int, int] | None:
    """The first valid email address and its span."""
    for m in _EMAIL.finditer(text or ""):
        email = parse_email(m.group(0))
        if email:
            return email, m.start(), m.end()
    return None


def find_phone(
    text: str, avoid: list[tuple[int, int]] | None = None
) -> tuple[str, int, int] | None:
    """The first phone number of ten or more digits (E.164) and its span."""
    for match in phonenumbers.PhoneNumberMatcher(
        text or "", "US", leniency=phonenumbers.Leniency.POSSIBLE
    ):
        if any(a < match.end and match.start < b for a, b in avoid or []):
            continue
        if len(re.sub(r"\D", "", match.raw_string)) < 10:
            continue
        phone = parse_phone(match.raw_string)
        if phone:
            return phone, match.start, match.end
    return None


# --- mining a message ------------------------------------------------------


@dataclass(frozen=True)
class Span:
    """Part of the message that answered ``slot`` (``attributes.<code>`` for a question)."""

    start: int
    end: int
    slot: str


@dataclass
class Mined:
    """What a message already answers. Empty fields mean: still ask."""

    text: str
    attributes: dict[str, Any] = field(default_factory=dict)
    email: str | None = None
    phone: str | None = None
    name: str | None = None
    consumed: list[Span] = field(default_factory=list)

    def slots(self) -> dict[str, Any]:
        """The form slots to set: ``contact_email``/``contact_phone``/``contact_name``."""
        return {
            slot: value
            for slot, value in (
                ("contact_email", self.email),
                ("contact_phone", self.phone),
                ("contact_name", self.name),
            )
            if value
        }

    def remainder(self, slots: tuple[str, ...] = ("contact_email", "contact_phone",
                                                  "contact_name")) -> str:
        """The text without the spans that answered ``slots`` (contact details by default)."""
        out, last = [], 0
        for span in sorted(self.consumed, key=lambda s: s.start):
            if span.slot in slots and span.start >= last:
                # "email me at" without the address says nothing: it goes too.
                out.append(_CONTACT_LEAD_IN.sub("", self.text[last : span.start]))
                last = span.end
        out.append(self.text[last:])
        joined = re.sub(r"\s+([,.!?])", r"\1", " ".join("".join(out).split()))
        return joined.lstrip(" ,;:.-").rstrip(" ,;-")


# The words that only introduce a contact detail, right before it.
_CONTACT_LEAD_IN = re.compile(
    r"[,;]?\s*(?:and\s+)?(?:please\s+)?"
    r"(?:(?:e-?mail|text|call|reach|contact|write)\s+(?:me|us)(?:\s+(?:back|at|on))*"
    r"|(?:my\s+)?(?:e-?mail|phone|number|cell|mobile)(?:\s+(?:address|number))?(?:\s+is)?"
    r"|(?:mi\s+)?(?:correo|tel[eé]fono|n[uú]mero|celular)(?:\s+es)?"
    r"|escr[ií]b[ae]nme(?:\s+a)?|ll[aá]menme(?:\s+al)?)\s*:?\s*$",
    re.IGNORECASE,
)


def mine(text: str, attributes: list[dict], now: dt.datetime,
         tz: str = "America/New_York") -> Mined:
    """Every answer ``text`` gives with confidence, for the service's ``attributes``."""
    text = text or ""
    result = Mined(text)
    email = find_email(text)
    if email:
        result.email = email[0]
        result.consumed.append(Span(email[1], email[2], "contact_email"))
    phone = find_phone(text, [(s.start, s.end) for s in result.consumed])
    if phone:
        result.phone = phone[0]
        result.consumed.append(Span(phone[1], phone[2], "contact_phone"))
    name = name_span(text)
    if name:
        result.name = name[0]
        result.consumed.append(Span(name[1], name[2], "contact_name"))
    taken = [(s.start, s.end) for s in result.consumed]
    for attribute in attributes:
        found = _mine_attribute(text, attribute, now, tz, taken)
        if found is not None:
            value, spans = found
            result.attributes[attribute["code"]] = value
            result.consumed += [Span(a, b, f"attributes.{attribute['code']}") for a, b in spans]
    return result


def _mine_attribute(text, attribute, now, tz, taken):
    datatype = attribute.get("datatype", "string")
    if datatype in LIST_TYPES and attribute.get("values"):
        hits = [
            h
            for h in phrase_hits(text, value_candidates(attribute, mining=True))
            if not any(a < h.end and h.start < b for a, b in taken) and not _casual(text, h)
        ]
        keys = distinct_keys(hits)
        if is_day_question(attribute):
            days = [d for d in day_mentions(text, now, tz) if day_value(attribute, d.day)]
            day_keys = {day_value(attribute, d.day) for d in days}
            if len(day_keys) == 1 and (not keys or set(keys) == day_keys):
                return day_keys.pop(), [(d.start, d.end) for d in days]
            cued = scheduled_day(text, days) if day_keys else None
            if cued is not None:
                return day_value(attribute, cued.day), [(cued.start, cued.end)]
            if day_keys:
                return None
        if datatype == "singlevaluelist" and len(keys) == 1:
            return keys[0], [(h.start, h.end) for h in hits]
        if datatype == "multivaluelist" and keys:
            return sorted(keys), [(h.start, h.end) for h in hits]
        return None
    if datatype == "number":
        return _mine_number(text, attribute, taken)
    if datatype in ("string", "text") and attribute.get("answer_words"):
        return _mine_words(text, attribute, taken)
    if datatype in ("string", "text") and is_day_question(attribute):
        mentions = day_mentions(text, now, tz)
        if len({d.day for d in mentions}) == 1:
            return mentions[0].day.capitalize(), [(mentions[0].start, mentions[0].end)]
        cued = scheduled_day(text, mentions) if mentions else None
        if cued is not None:
            return cued.day.capitalize(), [(cued.start, cued.end)]
    return None


def _mine_words(text, attribute, taken):
    """A free-text answer said in passing: the catalog's ``answer_words`` found in the text
    ("dead deer in the road" -> "deer"; "old tires and a mattress" -> "tires and a mattress")."""
    candidates = [
        (word, phrase(word))
        for words_ in (attribute.get("answer_words") or {}).values()
        for word in words_ or []
        if phrase(word)
    ]
    hits = sorted(
        (h for h in phrase_hits(text, candidates)
         if not any(a < h.end and h.start < b for a, b in taken)),
        key=lambda h: h.start,
    )
    if not hits:
        return None
    first, last = hits[0], hits[-1]
    # Nearby hits read best as the resident wrote them; far apart, as a list.
    if last.first - first.last <= 4:
        value = text[first.start : last.end]
    else:
        value = ", ".join(dict.fromkeys(text[h.start : h.end] for h in hits))
    return " ".join(value.split())[:200], [(h.start, h.end) for h in hits]


def _casual(text: str, hit: Hit) -> bool:
    after = [w.text for w in words(text[hit.end :])[:1]]
    return bool(after) and after[0] in CASUAL_AFTER


def _mine_number(text, attribute, taken):
    units = unit_words(attribute)
    if not units:
        return None
    found = content_words(text)
    limits = range_of(attribute)
    answers: list[tuple[float | int, int, int]] = []
    for number in numbers_in(text):
        if any(a < number.end and number.start < b for a, b in taken):
            continue
        after = [w for w in found if w.start >= number.end]
        for gap, w in enumerate(after[:3]):
            if re.search(r"[,.;:!?()]", text[number.end : w.start]):
                break
            if any(_same(w.text, u) for u in units):
                answers.append((number.value, number.start, w.end))
                break
            if w.text in STOP or w.text in NEGATORS or gap == 2:
                break
    values = {a[0] for a in answers}
    if len(values) != 1:
        return None
    value = values.pop()
    if limits and not limits[0] <= value <= limits[1]:
        return None
    return value, [(a[1], a[2]) for a in answers]


# --- the combined contact question -----------------------------------------


@dataclass(frozen=True)
class Contact:
    """An answer to "How should we send you updates: email, or a text to this number?"

    ``use_sender_phone``: texts to the number the resident writes from (``phone`` is
    that number when the channel gave one). ``wants_email``: asked for email without
    giving the address. ``skip``: no updates. All empty: not understood, ask again.
    """

    email: str | None = None
    phone: str | None = None
    name: str | None = None
    use_sender_phone: bool = False
    wants_email: bool = False
    skip: bool = False

    @property
    def understood(self) -> bool:
        """True when the answer said something usable."""
        return bool(self.email or self.phone or self.name or self.use_sender_phone
                    or self.wants_email or self.skip)


_BY_TEXT = re.compile(
    r"\b(?:text(?:s|ing)?(?: me)?|txt|sms|this number|this phone|same number|"
    r"(?:the )?number i'?m (?:texting|writing|using|on)(?: from)?|my cell|"
    r"(?:por|un|con|en) mensajes?(?: de texto)?|mensajes? de texto|por texto|textos?|"
    r"(?:a|al|en) (?:este|mismo) (?:numero|telefono)|este numero|mismo numero|por sms|"
    r"mandame (?:un )?mensaje|whatsapp)\b"
)
_BY_EMAIL = re.compile(r"\b(?:e-?mail(?: me)?|correo(?: electronico)?|email)\b")
_NO_UPDATES = re.compile(
    r"\b(?:no (?:updates|thanks|thank you|contact|need)|don'?t (?:need|want)(?: any)? "
    r"(?:updates|contact|anything)|not interested|no gracias|no quiero|sin (?:contacto|"
    r"actualizaciones)|nothing|none|neither|ninguno|ninguna|skip|saltar|omitir)\b"
)


def parse_contact(text: str, sender_phone: str | None = None) -> Contact:
    """Read the answer to the combined contact question (email, text to this number, skip).

    An address or number in the answer wins; "text me", "this number", "por mensaje",
    "a este número" choose texts to ``sender_phone``; "skip", "no thanks" choose none.
    """
    text = text or ""
    folded = fold(text)
    email = find_email(text)
    avoid = [(email[1], email[2])] if email else []
    phone = find_phone(text, avoid)
    name = name_span(text)
    by_text = _wanted(folded, _BY_TEXT) and not phone
    by_email = _wanted(folded, _BY_EMAIL) and not email
    sender = parse_phone(sender_phone) if sender_phone else None
    if email or phone or by_text or by_email:
        return Contact(
            email=email[0] if email else None,
            phone=phone[0] if phone else (sender if by_text else None),
            name=name[0] if name else None,
            use_sender_phone=by_text,
            wants_email=by_email,
        )
    if is_skip(text) or _NO_UPDATES.search(folded):
        return Contact(skip=True, name=name[0] if name else None)
    return Contact(name=name[0] if name else None)


def _wanted(folded: str, pattern: re.Pattern) -> bool:
    """True when ``pattern`` is said and not refused ("don't text me", "no email")."""
    for m in pattern.finditer(folded):
        before = folded[max(0, m.start() - 16) : m.start()]
        if re.search(r"(?:\b(?:no|not|don'?t|never|nunca|sin)\b|n't)\s*(?:\w+\s*)?$", before):
            continue
        return True
    return False


def mine_answers(
    text: str, attributes: list[dict], now: dt.datetime | None = None,
    tz: str = "America/New_York",
) -> dict[str, Any]:
    """Only the catalog answers of ``mine`` (``now`` defaults to the current time)."""
    return mine(text, attributes, now or dt.datetime.now(dt.timezone.utc), tz).attributes
