"""The per-service questions, driven entirely by the catalog's attributes.

A service's attributes (``GET /api/v1/services``) are asked one at a time
through the generic ``attribute_answer`` slot; answers collect in the
``attributes`` dict slot as ``{code: value}`` (``None`` for a skipped optional
one). Adding a service or a question to the catalog therefore needs no
dialogue code.
"""

from __future__ import annotations

import re
from typing import Any

from bot.actions.parsing import find_weekday, parse_yes_no

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


def question(attribute: dict) -> tuple[str, list[dict]]:
    """Return the question text and its buttons (one per allowed value)."""
    text = attribute.get("description") or attribute["code"].replace("_", " ").capitalize() + "?"
    buttons = []
    if attribute.get("datatype") in LIST_TYPES:
        # The payload is the plain value name: it comes back as text and is matched here,
        # so no "/intent" payload a resident could forge is needed.
        buttons = [{"title": v["name"], "payload": v["name"]} for v in attribute.get("values", [])]
        if attribute.get("datatype") == "multivaluelist":
            text += " (one or more, separated by commas)"
    if not attribute.get("required"):
        text += " (optional, say skip)"
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


def parse_answer(attribute: dict, answer: str) -> tuple[Any, str | None]:
    """Turn an answer into the attribute's value: ``(value, None)`` or ``(None, problem)``."""
    answer = (answer or "").strip()
    datatype = attribute.get("datatype", "string")
    values = attribute.get("values") or []
    if not answer:
        return None, "empty"
    if datatype == "singlevaluelist":
        key = _match_value(answer, values)
        return (key, None) if key else (None, "choose")
    if datatype == "multivaluelist":
        parts = [p for p in re.split(r"\s*(?:,|/|\band\b|&)\s*", answer) if p.strip()]
        keys = [_match_value(p, values) for p in parts]
        if not keys or None in keys:
            return None, "choose"
        return sorted(set(keys)), None
    if datatype == "number":
        number = re.search(r"-?\d+(?:\.\d+)?", answer)
        if not number:
            return None, "number"
        value = float(number.group(0))
        return (int(value) if value.is_integer() else value), None
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


def problem_message(attribute: dict, problem: str) -> str:
    """Tell the resident what was wrong with their answer."""
    if problem == "choose":
        names = ", ".join(v["name"] for v in attribute.get("values", []))
        return f"Please choose one of: {names}."
    if problem == "number":
        return "Please answer with a number."
    if problem == "too_long":
        return "That's a bit long; please answer in a few words."
    return "Sorry, I need an answer to that one."


def describe_answers(attributes: list[dict], answers: dict) -> str:
    """Render the answers for the summary: "Size: Large; In a travel lane: Yes"."""
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
        parts.append(f"{attribute['code'].replace('_', ' ').capitalize()}: {shown}")
    return "; ".join(parts)
