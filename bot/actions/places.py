"""The gazetteer: named places and common street names of the city.

City data lives in ``config/places.yml`` (or the file ``PLACES_FILE`` names) and
is read once, on first use, never at import. ``bot.actions.addresses`` uses it to
complete a partial street name ("ponce" -> "Ponce de Leon Ave NE") and to find
named places ("Five Points", "Piedmont Park") with their address and lat/long.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from bot.actions import settings

DEFAULT_FILE = Path(__file__).resolve().parents[2] / "config" / "places.yml"

# Street types as residents say or type them, with the USPS abbreviation; the case
# store's table (casestore/addresses.py) is tested against the same list of examples.
STREET_TYPES = {
    "street": "St",
    "st": "St",
    "str": "St",
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
    "sq": "Sq",
    "alley": "Aly",
    "aly": "Aly",
    "plaza": "Plz",
    "plz": "Plz",
}


def words(text: str) -> list[str]:
    """Lower-case words for matching: "Ponce-de-Leon Ave." -> ["ponce", "de", "leon", "ave"]."""
    text = re.sub(r"(?<=[A-Za-z])\.(?=[A-Za-z]\.)", "", text.lower())  # "n.e." -> "ne."
    return re.findall(r"[a-z0-9áéíóúñü]+(?:'[a-z]+)?", text.replace("-", " "))


@dataclass(frozen=True)
class Street:
    """A street the gazetteer knows: "Ponce de Leon Ave" in NE."""

    name: str
    type: str  # "Ave", or "" when the type is part of the name (Boulevard)
    quadrants: tuple[str, ...]
    bare: bool = True  # the name alone ("ponce") counts, not only with its type

    def full(self, quadrant: str | None = None) -> str:
        """The name as an agent writes it; the quadrant when it is known."""
        if quadrant is None and len(self.quadrants) == 1:
            quadrant = self.quadrants[0]
        return f"{self.name} {quadrant}" if quadrant else self.name


@dataclass(frozen=True)
class NamedPlace:
    """A park, facility, station or school with its address and position."""

    name: str
    kind: str
    address: str
    lat: float | None
    long: float | None


@dataclass
class Gazetteer:
    """Lookup tables built from the places file."""

    # words -> (street, whether these words alone count as the street)
    streets: dict[tuple[str, ...], tuple[Street, bool]] = field(default_factory=dict)
    places: dict[tuple[str, ...], NamedPlace] = field(default_factory=dict)
    longest: int = 1

    def street_at(
        self, tokens: list[str], start: int, loose: bool = False
    ) -> tuple[Street, int] | None:
        """The longest street name starting at ``tokens[start]``: (street, end).

        A name that only counts with its type ("spring street", not "spring")
        is not returned bare, unless ``loose`` (a cross street of an intersection).
        """
        for size in range(min(self.longest, len(tokens) - start), 0, -1):
            key = tuple(tokens[start : start + size])
            hit = self.streets.get(key)
            if hit:
                street, counts = hit
                if counts or street.bare or loose:
                    return street, start + size
        return None

    def place_in(self, tokens: list[str]) -> tuple[NamedPlace, int, int] | None:
        """The first (longest) named place in ``tokens``: (place, start, end)."""
        for start in range(len(tokens)):
            for size in range(min(self.longest, len(tokens) - start), 0, -1):
                place = self.places.get(tuple(tokens[start : start + size]))
                if place:
                    return place, start, start + size
        return None


def _type_words(abbrev: str) -> list[str]:
    return [w for w, a in STREET_TYPES.items() if a == abbrev]


def build(data: dict) -> Gazetteer:
    """Build the lookup tables from the parsed YAML document."""
    gaz = Gazetteer()
    for entry in data.get("streets") or []:
        name = str(entry["name"])
        name_words = words(name)
        typ = entry.get("type")
        if typ is None:
            typ = STREET_TYPES.get(name_words[-1], "") if len(name_words) > 1 else ""
        base = name_words[:-1] if typ else name_words
        street = Street(
            name=name,
            type=typ,
            quadrants=tuple(str(q).upper() for q in entry.get("quadrants") or ()),
            bare=bool(entry.get("bare", True)),
        )
        keys: dict[tuple[str, ...], bool] = {tuple(base): not typ}
        for word in _type_words(typ):
            keys[tuple(base) + (word,)] = True
        for alias in entry.get("aliases") or []:
            alias_words = tuple(words(str(alias)))
            # An alias is a deliberate spelling: it counts alone even when the bare name does not.
            keys.setdefault(alias_words, True)
            if alias_words and alias_words[-1] not in STREET_TYPES:
                for word in _type_words(typ):
                    keys.setdefault(alias_words + (word,), True)
        for key, typed in keys.items():
            if key:
                gaz.streets.setdefault(key, (street, typed))
                gaz.longest = max(gaz.longest, len(key))
    for entry in data.get("places") or []:
        place = NamedPlace(
            name=str(entry["name"]),
            kind=str(entry.get("kind", "place")),
            address=str(entry.get("address", "")),
            lat=float(entry["lat"]) if entry.get("lat") is not None else None,
            long=float(entry["long"]) if entry.get("long") is not None else None,
        )
        for alias in [place.name, *(entry.get("aliases") or [])]:
            key = tuple(words(str(alias)))
            if key:
                gaz.places.setdefault(key, place)
                gaz.longest = max(gaz.longest, len(key))
    return gaz


@lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    """The city's gazetteer, read once from ``PLACES_FILE`` (default config/places.yml).

    A missing file gives an empty gazetteer: locations are then kept in the
    resident's words, tidied, instead of completed.
    """
    path = Path(settings.current().PLACES_FILE)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        data = {}
    return build(data)


def reset() -> None:
    """Forget the loaded gazetteer (tests, or after the file changed)."""
    gazetteer.cache_clear()
