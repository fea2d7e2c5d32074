"""Expected dates: business days from the target days, skipping weekends and City holidays."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from casestore.calendar import add_business_days, expected_at
from casestore.catalog import load_catalog
from casestore.config import REPO_ROOT

NY = ZoneInfo("America/New_York")


def local(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=NY)


def test_one_business_day_from_friday_is_monday():
    due = add_business_days(local(2026, 10, 16, 15, 0), 1, [], "America/New_York")
    assert due.astimezone(NY) == local(2026, 10, 19, 15, 0)


def test_a_holiday_is_skipped_like_a_weekend():
    # Thanksgiving (Thu 26) and the day after (Fri 27) are City holidays.
    due = add_business_days(local(2026, 11, 25, 9, 30), 1,
                            [dt.date(2026, 11, 26), dt.date(2026, 11, 27)], "America/New_York")
    assert due.astimezone(NY) == local(2026, 11, 30, 9, 30)


def test_a_case_opened_on_saturday_counts_from_monday():
    due = add_business_days(local(2026, 10, 17, 11, 0), 2, [], "America/New_York")
    assert due.astimezone(NY) == local(2026, 10, 20, 11, 0)


def test_days_are_counted_on_the_city_calendar_not_utc():
    # 11 pm Friday in Atlanta is already Saturday in UTC; still one day -> Monday.
    friday_night = local(2026, 10, 16, 23, 0)
    due = add_business_days(friday_night.astimezone(dt.timezone.utc), 1, [], "America/New_York")
    assert due.astimezone(NY).date() == dt.date(2026, 10, 19)
    assert due.tzinfo == dt.timezone.utc


def test_expected_date_uses_the_catalog_holidays():
    catalog = load_catalog(REPO_ROOT / "config" / "catalog.yml")
    # Christmas 2026 is Friday Dec 25: 5 business days from Mon Dec 21 end on Tue Dec 29.
    due = expected_at(local(2026, 12, 21, 10, 0), 5, catalog)
    assert due.astimezone(NY).date() == dt.date(2026, 12, 29)


def test_zero_target_days_expects_the_same_moment():
    start = local(2026, 10, 14, 8, 0)
    assert add_business_days(start, 0, [], "America/New_York") == start
