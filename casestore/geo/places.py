"""What the web form asks about places: address suggestions and "is this in the city?".

Both answer from the City's own files (the offline address points, the city
limits polygon), never from a geocoder, so they are fast enough for typing and
safe to serve to anyone: no case data is involved.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from flask import current_app

from ..catalog import get_catalog
from .keys import address_key
from .offline import AddressPoint, OfflineGeocoder

MIN_QUERY = 2  # characters before anything is suggested
FUZZY_CUTOFF = 0.8  # how alike a misspelt address must be (difflib ratio)


@dataclass(frozen=True)
class Suggestion:
    """One known address offered while the resident types."""

    label: str  # as agents write it: "1205 Peachtree St NE"
    lat: float
    long: float

    def to_json(self) -> dict:
        """Return ``{"label", "lat", "long"}``."""
        return {"label": self.label, "lat": self.lat, "long": self.long}


def _words(text: str) -> list[str]:
    return re.sub(r"[^\w\s]", " ", text.upper()).split()


def _rank(point: AddressPoint, key: str, words: list[str]) -> tuple[int, float] | None:
    """Return how well ``point`` matches (lower is better), None when it does not."""
    label = " ".join(_words(point.label))
    if point.key.startswith(key) or label.startswith(" ".join(words)):
        return (0, 0.0)
    theirs = point.key.split() + label.split()
    if all(any(w.startswith(mine) for w in theirs) for mine in key.split()):
        return (1, 0.0)
    ratio = SequenceMatcher(None, key, point.key).ratio()
    return (2, -ratio) if ratio >= FUZZY_CUTOFF else None


def suggest(query: str, limit: int = 5) -> list[Suggestion]:
    """Return up to ``limit`` of the City's known addresses matching ``query``.

    Matches, best first: the normalised address (``casestore.addresses``) or its
    words starting with what was typed ("1205 peach", "412 boulevard southeast");
    every typed word starting a word of the address ("peachtree 1205"); then
    near misses ("1205 Peachtee St NE"). Needs an app context (the files sit
    beside ``CATALOG_PATH``).
    """
    words = _words(query or "")
    if len(" ".join(words)) < MIN_QUERY or limit < 1:
        return []
    key = address_key(" ".join(words)) or " ".join(words)
    points = OfflineGeocoder.shipped(current_app.config).points
    ranked = []
    for point in points:
        rank = _rank(point, key, words)
        if rank is not None:
            ranked.append((rank, point.label, point))
    ranked.sort(key=lambda item: (item[0], item[1]))
    return [Suggestion(p.label, p.lat, p.long) for _, _, p in ranked[:limit]]


def inside_city(lat: float, long: float) -> bool:
    """Return True when the point is inside the city limits (the catalog's polygon)."""
    return get_catalog().city.contains(lat, long)
