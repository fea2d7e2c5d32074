"""Intake hygiene: what every webhook does to a provider's values before using them.

Residents' text may carry C0 control characters and NUL (PostgreSQL refuses
NUL in text; a terminal or log viewer may act on the others), and Unicode
digits such as "²" or "①" pass ``str.isdigit()`` while ``int()`` refuses
them. These helpers make such values harmless instead of a 500.
"""

from __future__ import annotations

import math
import re
from typing import Any

# C0 controls and DEL, except tab and newline (a resident's line breaks are kept).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_ASCII_INT = re.compile(r"^[0-9]{1,18}$")


def clean_text(value: Any, limit: int = 4000) -> str:
    """``value`` as text without control characters (CR LF becomes LF), cut to ``limit``."""
    if not isinstance(value, str):
        return ""
    return _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))[:limit]


def clean_meta(value: Any) -> Any:
    """Metadata (lists, dicts, strings) with every string cleaned."""
    if isinstance(value, str):
        return clean_text(value, 2000)
    if isinstance(value, list):
        return [clean_meta(v) for v in value]
    if isinstance(value, dict):
        return {clean_text(k, 100): clean_meta(v) for k, v in value.items()}
    return value


def ascii_int(value: Any) -> int | None:
    """The number ``value`` spells in ASCII digits (at most 18 of them), else None."""
    if isinstance(value, str) and _ASCII_INT.match(value):
        return int(value)
    return None


def is_ascii_digits(value: str) -> bool:
    """True when ``value`` is one or more ASCII digits ("²" and "①" are not)."""
    return value.isascii() and value.isdecimal()


def coordinates(lat: Any, long: Any) -> dict[str, float] | None:
    """``{"lat", "long"}`` when both are finite numbers on the globe, else None (JSON
    allows NaN and Infinity through Python's parser; PostgreSQL's JSON does not)."""
    try:
        lat_f, long_f = float(lat), float(long)
    except (TypeError, ValueError):
        return None
    if not (math.isfinite(lat_f) and math.isfinite(long_f)):
        return None
    if not (-90 <= lat_f <= 90 and -180 <= long_f <= 180):
        return None
    return {"lat": lat_f, "long": long_f}
