"""Address normalisation: one upper-case key per street address, for matching duplicates."""

from __future__ import annotations

import re

import usaddress

# The same suffixes as the assistant's STREET_TYPES (bot/actions/places.py); both are
# tested against one list (tests/fixtures/street_suffixes.py).
_SUFFIXES = {
    "AVENUE": "AVE", "AV": "AVE", "STREET": "ST", "STR": "ST", "ROAD": "RD", "DRIVE": "DR",
    "BOULEVARD": "BLVD", "PLACE": "PL", "COURT": "CT", "LANE": "LN", "PARKWAY": "PKWY",
    "CIRCLE": "CIR", "TERRACE": "TER", "HIGHWAY": "HWY", "TRAIL": "TRL", "WAY": "WAY",
    "SQUARE": "SQ", "PLAZA": "PLZ", "ALLEY": "ALY",
}
_DIRECTIONS = {
    "NORTH": "N", "SOUTH": "S", "EAST": "E", "WEST": "W", "NORTHEAST": "NE",
    "NORTHWEST": "NW", "SOUTHEAST": "SE", "SOUTHWEST": "SW",
}
# Parts of a street address that identify the spot; city, state and ZIP are
# left out so "412 Boulevard SE" and "412 Boulevard SE, Atlanta, GA" match.
_KEY_LABELS = (
    "AddressNumber", "StreetNamePreDirectional", "StreetNamePreType", "StreetName",
    "StreetNamePostType", "StreetNamePostDirectional", "OccupancyType", "OccupancyIdentifier",
)


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s#\-]", " ", text.upper())).strip()


def normalize_address(text: str | None) -> str | None:
    """Return the matching key of an address (``412 BOULEVARD SE``), or None when empty."""
    if not text or not text.strip():
        return None
    try:
        tagged, _kind = usaddress.tag(text)
    except usaddress.RepeatedLabelError:
        return _clean(text) or None
    parts = []
    has_name = bool(re.search(r"[A-Za-z]", tagged.get("StreetName", "")))
    for label in _KEY_LABELS:
        value = _clean(tagged.get(label, ""))
        if not value:
            continue
        if label.endswith("Directional"):
            value = _DIRECTIONS.get(value, value)
        elif label.endswith("Type") and has_name:
            value = _SUFFIXES.get(value, value)
        parts.append(value)
    return " ".join(parts) or _clean(text) or None
