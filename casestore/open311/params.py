"""Reading Open311 request parameters.

GeoReport clients often send every optional field, empty when unused, so an
optional parameter sent empty (or only spaces) counts as absent everywhere.
Anything malformed raises :class:`Open311Error` 400 naming the parameter;
nothing is guessed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass

from .render import Open311Error

MAX_SPAN = dt.timedelta(days=90)
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
# Ids one request list may name (``OPEN311_MAX_IDS`` overrides): with the per-client
# limit on bulk reads, what bounds how fast anyone can walk the case numbers.
MAX_IDS = 50
STATUSES = ("open", "closed")

_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def text(values: Mapping[str, str], name: str) -> str | None:
    """Return the parameter stripped, or ``None`` when missing or empty."""
    raw = values.get(name)
    if raw is None:
        return None
    raw = raw.strip()
    return raw or None


def text_list(values: Mapping[str, str], name: str) -> list[str] | None:
    """Return a comma-separated parameter as a list (empty items dropped), or ``None``."""
    raw = text(values, name)
    if raw is None:
        return None
    items = [item.strip() for item in raw.split(",") if item.strip()]
    return items or None


def parse_datetime(raw: str, name: str, tz: dt.tzinfo) -> dt.datetime:
    """Parse a W3C/ISO 8601 datetime; one without an offset is taken in ``tz``.

    A bare date means the start of that day in ``tz``.
    """
    candidate = raw.strip()
    if candidate.endswith(("Z", "z")):
        candidate = candidate[:-1] + "+00:00"
    try:
        if _DATE_ONLY.match(candidate):
            parsed = dt.datetime.combine(dt.date.fromisoformat(candidate), dt.time())
        else:
            parsed = dt.datetime.fromisoformat(candidate)
    except ValueError:
        raise Open311Error(
            400, f"{name} is not a W3C datetime such as 2026-11-28T16:45:00-05:00"
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)
    return parsed


def datetime_arg(values: Mapping[str, str], name: str, tz: dt.tzinfo) -> dt.datetime | None:
    """Return the named datetime parameter, or ``None`` when absent."""
    raw = text(values, name)
    return None if raw is None else parse_datetime(raw, name, tz)


def bool_arg(values: Mapping[str, str], name: str) -> bool:
    """Return a true/false flag (absent means false)."""
    raw = text(values, name)
    if raw is None:
        return False
    lowered = raw.lower()
    if lowered in ("true", "1", "yes"):
        return True
    if lowered in ("false", "0", "no"):
        return False
    raise Open311Error(400, f"{name} must be true or false")


def int_arg(
    values: Mapping[str, str], name: str, default: int, lowest: int, highest: int | None
) -> int:
    """Return a whole-number parameter within ``lowest..highest`` (``default`` when absent)."""
    raw = text(values, name)
    if raw is None:
        return default
    if not re.fullmatch(r"\d{1,9}", raw):
        raise Open311Error(400, f"{name} must be a whole number")
    number = int(raw)
    if number < lowest or (highest is not None and number > highest):
        limit = f"between {lowest} and {highest}" if highest is not None else f"at least {lowest}"
        raise Open311Error(400, f"{name} must be {limit}")
    return number


def window(
    start: dt.datetime | None,
    end: dt.datetime | None,
    now: dt.datetime,
    names: tuple[str, str] = ("start_date", "end_date"),
) -> tuple[dt.datetime, dt.datetime]:
    """Complete a date window the GeoReport way: at most 90 days, by default the last 90.

    With one end given, the other lies 90 days away from it.
    """
    if start is None and end is None:
        return now - MAX_SPAN, now
    if start is None:
        start = end - MAX_SPAN
    if end is None:
        end = start + MAX_SPAN
    if end < start:
        raise Open311Error(400, f"{names[1]} is before {names[0]}")
    if end - start > MAX_SPAN:
        raise Open311Error(400, f"{names[0]} and {names[1]} are more than 90 days apart")
    return start, end


@dataclass(frozen=True)
class RequestQuery:
    """The filters of ``GET requests`` once read and checked."""

    ids: list[str] | None = None
    service_codes: list[str] | None = None
    statuses: list[str] | None = None
    created: tuple[dt.datetime, dt.datetime] | None = None
    updated: tuple[dt.datetime, dt.datetime] | None = None
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE
    extensions: bool = False


def request_query(
    values: Mapping[str, str], tz: dt.tzinfo, now: dt.datetime, max_ids: int = MAX_IDS
) -> RequestQuery:
    """Read ``GET requests`` parameters.

    ``service_request_id`` overrides every other filter. Otherwise the created
    window (``start_date``/``end_date``) defaults to the last 90 days, unless
    only ``updated_after``/``updated_before`` are given: then that window takes
    the 90-day rule instead, so a client following changes is not cut off by
    when a request was made.
    """
    extensions = bool_arg(values, "extensions")
    page = int_arg(values, "page", 1, 1, None)
    page_size = int_arg(values, "page_size", DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE)
    ids = text_list(values, "service_request_id")
    if ids is not None:
        if len(ids) > max_ids:
            raise Open311Error(400, f"service_request_id lists at most {max_ids} ids")
        return RequestQuery(ids=ids, page=page, page_size=page_size, extensions=extensions)

    statuses = text_list(values, "status")
    if statuses is not None:
        statuses = [status.lower() for status in statuses]
        unknown = [status for status in statuses if status not in STATUSES]
        if unknown:
            raise Open311Error(400, "status must be open, closed or both (comma-separated)")

    start = datetime_arg(values, "start_date", tz)
    end = datetime_arg(values, "end_date", tz)
    after = datetime_arg(values, "updated_after", tz)
    before = datetime_arg(values, "updated_before", tz)
    created = updated = None
    if after is None and before is None:
        created = window(start, end, now)
    else:
        updated = window(after, before, now, ("updated_after", "updated_before"))
        if start is not None or end is not None:
            created = window(start, end, now)
    return RequestQuery(
        service_codes=text_list(values, "service_code"),
        statuses=statuses,
        created=created,
        updated=updated,
        page=page,
        page_size=page_size,
        extensions=extensions,
    )
