"""The key an address is looked up and cached by: the case store's normalisation, per street.

``casestore.addresses.normalize_address`` keeps the first street of an
intersection only ("Ponce de Leon Ave NE & Monroe Dr NE" becomes
``PONCE DE LEON AVE NE``), which is right for matching duplicates by block but
would file every crossing of Ponce under one cache entry; here each street of
a crossing is normalised on its own and the two are joined with `` & ``.
"""

from __future__ import annotations

import re

from ..addresses import normalize_address

# "A & B", "A and B", "A at B", "A @ B", "A / B": a crossing of two streets.
_CROSSING = re.compile(r"\s*(?:&|@|/|\band\b|\bat\b)\s*", re.IGNORECASE)
_NUMBER = re.compile(r"^\d+[A-Z]?\b")


def crossing(text: str) -> tuple[str, str] | None:
    """Return the two normalised streets of ``"A & B"`` (no house numbers), else None."""
    parts = [p for p in _CROSSING.split(text.strip(), maxsplit=1) if p.strip()]
    if len(parts) != 2 or any(_NUMBER.match(p.strip()) for p in parts):
        return None
    streets = [street_key(p) for p in parts]
    if not all(streets):
        return None
    return streets[0], streets[1]


def street_key(street: str) -> str | None:
    """Return the normalised street name (``PEACHTREE ST NE``) of a street without a number."""
    key = normalize_address(f"1 {street.strip()}")
    if not key or not key.startswith("1 "):
        return None
    return key[2:] or None


def split_number(key: str) -> tuple[int | None, str]:
    """Split a normalised address into its house number (None if none) and street."""
    match = re.match(r"^(\d+)\s+(.*)$", key)
    if not match:
        return None, key
    return int(match.group(1)), match.group(2)


def address_key(text: str | None) -> str | None:
    """Return the lookup and cache key of an address: ``412 BOULEVARD SE``, or
    ``MONROE DR NE & PONCE DE LEON AVE NE`` for a crossing (streets in order, so both
    ways round share one key); None when empty."""
    if not text or not text.strip():
        return None
    streets = crossing(text)
    if streets:
        return " & ".join(sorted(streets))
    return normalize_address(text)
