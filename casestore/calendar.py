"""Business-day arithmetic for expected dates (weekends and City holidays skipped)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from zoneinfo import ZoneInfo


def is_business_day(day: dt.date, holidays: Iterable[dt.date]) -> bool:
    """Return True for a weekday that is not a City holiday."""
    return day.weekday() < 5 and day not in set(holidays)


def add_business_days(
    start: dt.datetime, days: int, holidays: Iterable[dt.date], timezone: str
) -> dt.datetime:
    """Return ``start`` moved forward by ``days`` business days, as an aware UTC datetime.

    Days are counted on the city's local calendar and the local time of day is
    kept, so a case opened Friday 3 pm with 1 target day is expected Monday 3 pm
    (or Tuesday when Monday is a holiday). With 0 days the expected time is the
    start itself.
    """
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    zone = ZoneInfo(timezone)
    holiday_set = set(holidays)
    local = start.astimezone(zone)
    day = local.date()
    remaining = days
    while remaining > 0:
        day += dt.timedelta(days=1)
        if is_business_day(day, holiday_set):
            remaining -= 1
    moved = dt.datetime.combine(day, local.timetz().replace(tzinfo=None), tzinfo=zone)
    return moved.astimezone(dt.timezone.utc)


def expected_at(created: dt.datetime, target_days: int, catalog) -> dt.datetime:
    """Return when a case created at ``created`` is expected done, per the catalog's city."""
    city = catalog.city
    return add_business_days(created, target_days, city.holidays, city.timezone)
