"""The city the assistant serves: the catalog's ``city:`` block, never a literal.

Name, short name, phone, state and the names a resident may write for the city
come from the case store's catalog (``GET /api/v1/services``, cached by the
client); when the case store is unreachable, from the same catalog file read
locally (``CATALOG_PATH``), so a sentence never falls back to a city written
in code.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.actions import casestore_client as store
from bot.actions import settings

# USPS state codes and names: a resident may write either ("Atlanta, Georgia").
STATE_NAMES = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California",
    "CO": "Colorado", "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia",
    "FL": "Florida", "GA": "Georgia", "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois",
    "IN": "Indiana", "IA": "Iowa", "KS": "Kansas", "KY": "Kentucky", "LA": "Louisiana",
    "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts", "MI": "Michigan",
    "MN": "Minnesota", "MS": "Mississippi", "MO": "Missouri", "MT": "Montana",
    "NE": "Nebraska", "NV": "Nevada", "NH": "New Hampshire", "NJ": "New Jersey",
    "NM": "New Mexico", "NY": "New York", "NC": "North Carolina", "ND": "North Dakota",
    "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon", "PA": "Pennsylvania",
    "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota", "TN": "Tennessee",
    "TX": "Texas", "UT": "Utah", "VT": "Vermont", "VA": "Virginia", "WA": "Washington",
    "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming", "PR": "Puerto Rico",
}


@lru_cache(maxsize=4)
def _read(path: str) -> dict[str, Any]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    return dict(data.get("city") or {})


def local_city(language: str | None = None) -> dict[str, Any]:
    """Return the ``city:`` block of the local catalog file (``CATALOG_PATH``).

    A text written per language (``phone: {en: ..., es: ...}``) comes in ``language``,
    else in the catalog's default language, as the case store's API gives it.
    """
    path = Path(settings.current().CATALOG_PATH)
    if not path.is_absolute():
        path = settings.ROOT / path
    city = dict(_read(str(path)))
    default = (city.get("languages") or ["en"])[0]
    for key, value in city.items():
        if isinstance(value, dict):
            city[key] = value.get(language or default, value.get(default))
    return city


async def current_city(language: str | None = None) -> dict[str, Any]:
    """Return the case store's ``city:`` block (texts in ``language``), else the local file's."""
    try:
        catalog = await store.acall(store.get_catalog, None, language)
        city = catalog.get("city") or {}
    except store.CaseStoreError:
        city = {}
    return city or local_city(language)


def state_spellings(code: str) -> set[str]:
    """Return the lower-case ways to write the state: its code and its name."""
    name = STATE_NAMES.get(code.upper(), "")
    return {code.lower(), name.lower()} - {""}
