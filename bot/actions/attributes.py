"""The per-service questions, driven entirely by the catalog's attributes.

A service's attributes (``GET /api/v1/services``) are asked one at a time
through the generic ``attribute_answer`` slot; answers collect in the
``attributes`` dict slot as ``{code: value}`` (``None`` for a skipped optional
one). Adding a service or a question to the catalog therefore needs no
dialogue code.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from typing import Any

from bot.actions import extract as ex
from bot.actions.parsing import find_weekday, parse_yes_no
from bot.actions.texts import DEFAULT_LANGUAGE, translation

CITY_TZ = "America/New_York"  # the catalog's city.timezone; pass tz= for another city

LIST_TYPES = ("singlevaluelist", "multivaluelist")
_NO_PREFILL = {
    "yes",
    "no",
    "y",
    "n",
    "true",
    "false",
    "other",
    "unknown",
    "not sure",
    "1",
    "2",
    "3",
}


def unanswered(attributes: list[dict], answers: dict | None) -> list[dict]:
    """Return the attributes not answered (or skipped) yet, in asking order."""
    answers = answers or {}
    return [a for a in attributes if a["code"] not in answers]


def question(attribute: dict, language: str = DEFAULT_LANGUAGE) -> tuple[str, list[dict]]:
    """Return the question text and its buttons (one per allowed value).

    ``attribute`` comes from the catalog in ``language``, so its texts already are.
    """
    _ = translation(language)
    text = attribute.get("description") or attribute["code"].replace("_", " ").capitalize() + "?"
    buttons = []
    if attribute.get("datatype") in LIST_TYPES:
        # The payload is the plain value name: it comes back as text and is matched here,
        # so no "/intent" payload a resident could forge is needed.
        buttons = [{"title": v["name"], "payload": v["name"]} for v in attribute.get("values", [])]
        if attribute.get("datatype") == "multivaluelist":
            text += " " + _("(one or more, separated by commas)")
    if not attribute.get("required"):
        text += " " + _("(optional, say skip)")
    return text, buttons


# Everyday words for common list values; used only when the catalog has that key.
SYNONYMS = {
    "big": "large",
    "huge": "large",
    "giant": "large",
    "massive": "large",
    "deep": "large",
    "tiny": "small",
    "little": "small",
    "minor": "small",
    "average": "medium",
    "mid": "medium",
}


def _match_value(answer: str, values: list[dict]) -> str | None:
    low = answer.strip().lower().strip(".!")
    keys = {v["key"].lower() for v in values}
    if SYNONYMS.get(low) in keys:
        return SYNONYMS[low]
    for v in values:
        if low in (v["key"].lower(), v["name"].lower()):
            return v["key"]
    if low.isdigit() and 1 <= int(low) <= len(values):
        return values[int(low) - 1]["key"]
    if keys & {"yes", "no"}:
        yes_no = parse_yes_no(answer)
        if yes_no is not None and ("yes" if yes_no else "no") in keys:
            return "yes" if yes_no else "no"
    hits = [
        v["key"]
        for v in values
        if re.search(rf"(?i)\b({re.escape(v['key'])}|{re.escape(v['name'])})\b", answer)
    ]
    if len(hits) == 1:
        return hits[0]
    day = find_weekday(answer)
    if day:
        for v in values:
            if day in (v["key"].lower(), v["name"].lower()):
                return v["key"]
    return None


_UNSURE = re.compile(
    r"(?i)^\s*(no idea|not sure|dunno|idk|i don'?t know|no s[eé]|ni idea|no estoy seguro|"
    r"no estoy segura|unsure|maybe|quiz[aá]s?)\s*[.!?]*\s*$"
)
_FILLER = {"it's", "its", "it", "is", "was", "es", "esta", "just", "only", "solo", "i", "think",
           "guess", "say", "would", "um", "uh", "well", "pues", "creo", "que", "like"}


def _menu_choice(answer: str, values: list[dict]) -> str | None:
    low = answer.strip().strip(".!)")
    if low.isdigit() and 1 <= int(low) <= len(values):
        return values[int(low) - 1]["key"]
    return None


def _overlap_choice(answer: str, candidates: list[tuple[str, tuple[str, ...]]]) -> str | None:
    """The value whose own words (not shared with another value) the answer uses most."""
    said = {w.text for w in ex.content_words(answer)} - ex.STOP
    said |= {w[:-1] for w in said if w.endswith("s") and len(w) > 3}
    owners: dict[str, set[str]] = {}
    for key, phrase in candidates:
        for word in phrase:
            owners.setdefault(word, set()).add(key)
    scores: dict[str, float] = {}
    for key, phrase in candidates:
        content = [w for w in phrase if w not in ex.STOP]
        own = [w for w in content if owners[w] == {key}]
        if not content or not own:
            continue
        score = sum(1 for w in own if w in said) / len(content)
        scores[key] = max(scores.get(key, 0.0), score)
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])
    if ranked and ranked[0][1] > 0.5 and (len(ranked) == 1 or ranked[1][1] < ranked[0][1]):
        return ranked[0][0]
    return None


def _fuzzy_choice(answer: str, candidates: list[tuple[str, tuple[str, ...]]]) -> str | None:
    """A misspelt value ("recyling", "pequenio"): difflib, one value only."""
    said = " ".join(w.text for w in ex.content_words(answer) if w.text not in _FILLER)
    if len(said) < 4:
        return None
    keys = set()
    for key, phrase in candidates:
        whole = " ".join(phrase)
        if len(whole) >= 4 and difflib.SequenceMatcher(None, said, whole).ratio() >= 0.85:
            keys.add(key)
    if not keys:
        owners: dict[str, set[str]] = {}
        for key, phrase in candidates:
            for word in phrase:
                owners.setdefault(word, set()).add(key)
        own_words = [w for w, k in owners.items() if len(k) == 1 and len(w) >= 5]
        for word in said.split():
            if len(word) < 5 or word in ex.STOP or word in owners:
                continue
            for close in difflib.get_close_matches(word, own_words, n=3, cutoff=0.8):
                keys |= owners[close]
    return keys.pop() if len(keys) == 1 else None


def match_choice(
    attribute: dict, answer: str, now: dt.datetime | None = None, tz: str = CITY_TZ
) -> str | None:
    """Map one free-text answer to one of the attribute's list values, or None.

    In order: the exact key, name or catalog synonym (accents folded, "the"/"a"
    ignored); a menu number ("2"); yes/no words for a yes/no question; a synonym
    inside the answer (longest wins, negated ones ignored, one value only); a
    weekday or "today"/"ayer" for a day question; the value's own words; a
    near spelling.
    """
    values = attribute.get("values") or []
    if not values or not (answer or "").strip() or _UNSURE.match(answer):
        return None
    candidates = ex.value_candidates(attribute, extra=SYNONYMS)
    said = ex.phrase(answer)
    trimmed = tuple(w for w in said if w not in _FILLER) or said
    for key, phrase in candidates:
        if phrase in (said, trimmed):
            return key
    menu = _menu_choice(answer, values)
    if menu:
        return menu
    if ex.is_yes_no(attribute):
        yes_no = parse_yes_no(answer)
        if yes_no is not None:
            return "yes" if yes_no else "no"
    keys = ex.distinct_keys(ex.phrase_hits(answer, candidates))
    if len(keys) == 1:
        return keys[0]
    if len(keys) > 1:
        return None
    if ex.is_day_question(attribute) or any(
        str(v["key"]).lower() in ex.WEEKDAYS for v in values
    ):
        moment = now or dt.datetime.now(dt.timezone.utc)
        days = {
            ex.day_value(attribute, d.day) for d in ex.day_mentions(answer, moment, tz)
        } - {None}
        if len(days) == 1:
            return days.pop()
    if ex.has_negation(answer):
        return None
    return _overlap_choice(answer, candidates) or _fuzzy_choice(answer, candidates)


def parse_answer(
    attribute: dict, answer: str, now: dt.datetime | None = None, tz: str = CITY_TZ
) -> tuple[Any, str | None]:
    """Turn an answer into the attribute's value: ``(value, None)`` or ``(None, problem)``.

    Problems: ``empty``, ``choose`` (no single list value fits), ``number`` (no
    number in digits or words), ``range`` (outside "from X to Y" of the catalog's
    datatype description), ``too_long``. ``now``/``tz`` resolve "today"/"yesterday"
    for a day question (default: the current time in the city's zone).
    """
    answer = (answer or "").strip()
    datatype = attribute.get("datatype", "string")
    if not answer:
        return None, "empty"
    if datatype == "singlevaluelist":
        key = match_choice(attribute, answer, now, tz)
        return (key, None) if key else (None, "choose")
    if datatype == "multivaluelist":
        parts = [
            p
            for p in re.split(r"\s*(?:,|/|;|\band\b|&|\by\b|\be\b|\bplus\b)\s*", answer)
            if ex.phrase(p)
        ]
        keys = [match_choice(attribute, p, now, tz) for p in parts]
        if not keys or None in keys:
            return None, "choose"
        return sorted(set(keys)), None
    if datatype == "number":
        value = ex.number_in(answer)
        if value is None:
            return None, "number"
        limits = ex.range_of(attribute)
        if limits and not limits[0] <= value <= limits[1]:
            return None, "range"
        return value, None
    if len(answer) > 500:
        return None, "too_long"
    return answer, None


def prefill(attributes: list[dict], text: str) -> dict:
    """Answers already present in the first message ("missed on Thursday", "large hole")."""
    found: dict[str, Any] = {}
    for attribute in attributes:
        values = attribute.get("values") or []
        if attribute.get("datatype") == "singlevaluelist" and values:
            candidates = [
                v
                for v in values
                if v["key"].lower() not in _NO_PREFILL and v["name"].lower() not in _NO_PREFILL
            ]
            hits = [
                v["key"]
                for v in candidates
                if re.search(rf"(?i)\b({re.escape(v['key'])}|{re.escape(v['name'])})\b", text)
            ]
            if len(hits) == 1:
                found[attribute["code"]] = hits[0]
                continue
        looks_like_day = (
            "day" in attribute["code"] or "day" in (attribute.get("description") or "").lower()
        )
        day = find_weekday(text) if looks_like_day else None
        if day:
            if values:
                key = _match_value(day, values)
                if key:
                    found[attribute["code"]] = key
            elif attribute.get("datatype") in ("string", "text"):
                found[attribute["code"]] = day.capitalize()
    return found


def problem_message(attribute: dict, problem: str, language: str = DEFAULT_LANGUAGE) -> str:
    """Tell the resident what was wrong with their answer."""
    _ = translation(language)
    if problem == "choose":
        names = ", ".join(v["name"] for v in attribute.get("values", []))
        return _("Please choose one of: {choices}.").format(choices=names)
    if problem == "number":
        return _("Please answer with a number.")
    if problem == "range":
        limits = ex.range_of(attribute)
        if limits:
            return _("Please answer with a number from {low} to {high}.").format(
                low=f"{limits[0]:g}", high=f"{limits[1]:g}"
            )
        return _("Please answer with a number.")
    if problem == "too_long":
        return _("That's a bit long; please answer in a few words.")
    return _("Sorry, I need an answer to that one.")


def describe_answers(
    attributes: list[dict], answers: dict, language: str = DEFAULT_LANGUAGE
) -> str:
    """Render the answers for the summary: "Size: Large; In a travel lane: Yes".

    The codes are English words: in another language each answer follows its
    question, from the catalog in that language ("¿Qué tan grande es el bache? Grande").
    """
    _ = translation(language)
    parts = []
    for attribute in attributes:
        value = (answers or {}).get(attribute["code"])
        if value in (None, "", []):
            continue
        names = {v["key"]: v["name"] for v in attribute.get("values", [])}
        shown = (
            ", ".join(names.get(v, str(v)) for v in value)
            if isinstance(value, list)
            else names.get(value, str(value))
        )
        label = attribute["code"].replace("_", " ").capitalize()
        if language != DEFAULT_LANGUAGE and attribute.get("description"):
            label = attribute["description"]
        # Translators: one answer of the summary; {label} is the question in your language.
        parts.append(_("{label}: {value}").format(label=label, value=shown))
    return "; ".join(parts)
