"""Locations residents give: street addresses, intersections and landmarks.

``find_address`` picks a location out of a free-text report ("the trash wasn't
picked up at 412 Boulevard SE"); ``check_address`` normalises one with
usaddress and questions one that names another city or state.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import usaddress

_SUFFIXES = {
    "street": "St",
    "st": "St",
    "avenue": "Ave",
    "ave": "Ave",
    "av": "Ave",
    "road": "Rd",
    "rd": "Rd",
    "drive": "Dr",
    "dr": "Dr",
    "boulevard": "Blvd",
    "blvd": "Blvd",
    "lane": "Ln",
    "ln": "Ln",
    "place": "Pl",
    "pl": "Pl",
    "court": "Ct",
    "ct": "Ct",
    "parkway": "Pkwy",
    "pkwy": "Pkwy",
    "way": "Way",
    "circle": "Cir",
    "cir": "Cir",
    "terrace": "Ter",
    "ter": "Ter",
    "highway": "Hwy",
    "hwy": "Hwy",
    "trail": "Trl",
    "trl": "Trl",
    "square": "Sq",
    "alley": "Aly",
}
_QUADRANTS = {"northeast": "NE", "northwest": "NW", "southeast": "SE", "southwest": "SW"}
_DIRECTIONS = {"ne", "nw", "se", "sw", "n", "s", "e", "w", "north", "south", "east", "west"}
_SUFFIX_RE = "|".join(sorted(_SUFFIXES, key=len, reverse=True))
_STREET_WORDS = r"[A-Za-z0-9][A-Za-z0-9.'\-]*"
_NUMBERED = re.compile(
    rf"\b(\d{{1,6}}[A-Za-z]?\s+(?:{_STREET_WORDS}\s+){{0,4}}?"
    rf"(?:(?:{_SUFFIX_RE})\.?\b(?:\s+(?:ne|nw|se|sw)\b)?|(?:ne|nw|se|sw)\b))",
    re.I,
)
# "412 Boulevard SE", "960 dill ave sw": a house number and a street name with
# a suffix or quadrant. The City's quadrants (NE/NW/SE/SW) count as a suffix.
_STREETISH = (
    rf"(?:\d{{1,3}}(?:st|nd|rd|th)(?:\s+{_STREET_WORDS})?"
    rf"|{_STREET_WORDS}(?:\s+{_STREET_WORDS}){{0,2}})"
)
_INTERSECTION = re.compile(
    rf"\b(?:corner of\s+|intersection of\s+)?({_STREETISH})\s+(?:and|&|@|at)\s+({_STREETISH})",
    re.I,
)
_LANDMARK = re.compile(
    r"\b((?:[A-Z][a-zA-Z'.]+\s+){1,3}(?:Park|Library|Recreation Center|Rec Center|"
    r"Station|School|Center|Stadium|Plaza|Mall|Beltline|BeltLine|Trail))\b"
)
_VAGUE = {
    "here",
    "there",
    "my house",
    "my street",
    "home",
    "outside",
    "idk",
    "dont know",
    "i don't know",
    "not sure",
    "somewhere",
    "near me",
    "around here",
}


def find_address(text: str) -> str | None:
    """Return the street address, intersection or landmark inside free text, if any."""
    if not text:
        return None
    numbered = _NUMBERED.search(text)
    if numbered and not re.fullmatch(r"\d+\s+(?:ne|nw|se|sw)", numbered.group(1), re.I):
        return numbered.group(1).strip(" .,")
    for match in _INTERSECTION.finditer(text):
        left, right = _street_tail(match.group(1)), match.group(2)
        if left and _looks_like_street(right):
            return f"{_trim_street(left)} & {_trim_street(right)}"
    landmark = _LANDMARK.search(text)
    if landmark:
        return landmark.group(1).strip()
    return None


def _looks_like_street(part: str) -> bool:
    words = part.lower().split()
    return bool(words) and (
        words[-1].rstrip(".") in _SUFFIXES
        or words[-1] in _DIRECTIONS
        or bool(re.fullmatch(r"\d{1,3}(st|nd|rd|th)", words[0]))
        or len(words) == 1
        and len(words[0]) > 3
    )


def _street_tail(part: str) -> str | None:
    """The end of ``part`` that names a street: "hole in road 14th" -> "14th"."""
    words = part.split()
    for start in range(len(words)):
        tail = " ".join(words[start:])
        if words[start].lower() not in _FILLER and _looks_like_street(tail):
            return tail
    return None


_FILLER = {"on", "at", "in", "of", "the", "near", "by", "corner", "intersection", "hole", "road"}


def _trim_street(part: str) -> str:
    # Leading filler like "hole on ponce" -> "ponce": keep the last few words only.
    words = part.split()
    stop = {"on", "at", "in", "of", "the", "near", "by", "corner", "intersection"}
    for i in range(len(words) - 1, -1, -1):
        if words[i].lower() in stop:
            words = words[i + 1 :]
            break
    return " ".join(_cap(w) if not re.match(r"\d", w) else w.lower() for w in words)


@dataclass(frozen=True)
class AddressCheck:
    """A checked location: ``value`` to file, or ``problem`` to tell the resident."""

    value: str | None
    kind: str = "street"  # street | intersection | landmark
    problem: str | None = None
    place: str | None = None  # the other city or state named, when that is the problem


def _normalise_street(parsed: dict[str, str]) -> str:
    parts = []
    for key in (
        "AddressNumber",
        "StreetNamePreDirectional",
        "StreetName",
        "StreetNamePostType",
        "StreetNamePostDirectional",
    ):
        value = parsed.get(key)
        if not value:
            continue
        value = value.strip(" .,")
        low = value.lower()
        if key == "StreetNamePostType" and low in _SUFFIXES:
            value = _SUFFIXES[low]
        elif key.endswith("Directional"):
            value = _QUADRANTS.get(low, value.upper() if len(value) <= 2 else value.capitalize())
        elif key == "StreetName":
            value = " ".join(w if re.match(r"\d", w) else _cap(w) for w in value.split())
        parts.append(value)
    return " ".join(parts)


def check_address(
    text: str, city_names: list[str] | tuple[str, ...] = ("Atlanta",), state: str = "GA"
) -> AddressCheck:
    """Check and normalise a location the resident gave.

    Street addresses are normalised with usaddress ("412 boulevard se" becomes
    "412 Boulevard SE"); intersections and landmarks are kept as written. A
    location that names another city or another state is returned with a
    problem rather than accepted.
    """
    raw = " ".join((text or "").split()).strip(" .,!?")
    if len(raw) < 3 or raw.lower() in _VAGUE or not re.search(r"[A-Za-z]", raw):
        return AddressCheck(None, problem="vague")
    if len(raw) > 200:
        return AddressCheck(None, problem="too_long")
    try:
        tagged, kind = usaddress.tag(raw)
    except usaddress.RepeatedLabelError:
        tagged, kind = {}, "Ambiguous"
    cities = {c.lower() for c in city_names}
    place = (tagged.get("PlaceName") or "").strip(" ,.")
    state_name = (tagged.get("StateName") or "").strip(" ,.")
    if place and place.lower() not in cities:
        return AddressCheck(None, problem="outside_city", place=place)
    if state_name and state_name.lower() not in (state.lower(), "georgia"):
        return AddressCheck(None, problem="outside_city", place=state_name)
    if kind == "Street Address" and tagged.get("AddressNumber") and tagged.get("StreetName"):
        return AddressCheck(_normalise_street(tagged), "street")
    if kind == "Intersection" or re.search(r"\s(?:and|&|@)\s", raw, re.I):
        found = find_address(raw)
        return AddressCheck(found if found and "&" in found else raw, "intersection")
    found = find_address(raw)
    if found and found != raw and re.match(r"\d", found):
        return check_address(found, city_names, state)
    if re.match(r"\d+\s+[A-Za-z]", raw):
        # usaddress could not label it, but it has a house number: keep it, tidied.
        return AddressCheck(" ".join(_tidy_word(w) for w in raw.split()), "street")
    return AddressCheck(raw, "landmark")


def _tidy_word(word: str) -> str:
    low = word.lower().strip(",.")
    if low in ("ne", "nw", "se", "sw"):
        return low.upper()
    return word if re.match(r"\d", word) else _cap(word)


def _cap(word: str) -> str:
    """Capitalise a word the resident typed in one case; keep "McGill" as written."""
    return word.capitalize() if word.islower() or word.isupper() else word
