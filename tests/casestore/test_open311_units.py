"""Open311 building blocks on their own: XML/JSON rendering and parameter rules."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from casestore.open311.params import parse_datetime, request_query, text_list, window
from casestore.open311.render import Open311Error, to_json, to_xml

NEW_YORK = ZoneInfo("America/New_York")
NOW = dt.datetime(2026, 11, 28, 17, 0, tzinfo=dt.timezone.utc)


def test_xml_golden_value_for_a_list_with_nested_lists_booleans_and_nulls():
    value = [{"service_code": "pothole", "metadata": True, "group": None,
              "values": [{"key": "a", "name": "A & B <c>"}]}]
    assert to_xml("services", value) == (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        "<services><service><service_code>pothole</service_code><metadata>true</metadata>"
        "<group /><values><value><key>a</key><name>A &amp; B &lt;c&gt;</name></value></values>"
        "</service></services>"
    )


def test_json_keeps_a_single_item_list_as_an_array_and_unicode_as_is():
    assert to_json([{"name": "café", "ok": False, "n": None}]) == (
        '[{"name":"café","ok":false,"n":null}]'
    )


def test_xml_drops_characters_xml_cannot_carry():
    assert to_xml("note", "bell\x07 and nul\x00 gone\ttab kept") == (
        '<?xml version="1.0" encoding="utf-8"?>\n<note>bell and nul gone\ttab kept</note>'
    )


def test_an_error_without_description_still_has_one():
    assert Open311Error(400).descriptions == ["error"]


@pytest.mark.parametrize("raw, expected", [
    ("2026-11-28T10:00:00Z", dt.datetime(2026, 11, 28, 10, tzinfo=dt.timezone.utc)),
    ("2026-11-28T10:00:00-05:00", dt.datetime(2026, 11, 28, 15, tzinfo=dt.timezone.utc)),
    ("2026-11-28T10:00:00", dt.datetime(2026, 11, 28, 15, tzinfo=dt.timezone.utc)),
    ("2026-07-01", dt.datetime(2026, 7, 1, 4, tzinfo=dt.timezone.utc)),
])
def test_datetimes_without_an_offset_are_taken_in_the_city_timezone(raw, expected):
    assert parse_datetime(raw, "start_date", NEW_YORK) == expected


def test_comma_lists_drop_empty_items_and_an_all_empty_list_is_absent():
    assert text_list({"status": " open, ,closed,"}, "status") == ["open", "closed"]
    assert text_list({"status": " , "}, "status") is None


def test_the_default_window_is_the_last_90_days():
    assert window(None, None, NOW) == (NOW - dt.timedelta(days=90), NOW)


def test_one_end_of_a_window_puts_the_other_90_days_away():
    start = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    assert window(start, None, NOW) == (start, start + dt.timedelta(days=90))
    assert window(None, start, NOW) == (start - dt.timedelta(days=90), start)


def test_service_request_id_makes_the_query_ignore_other_filters():
    query = request_query({"service_request_id": "26000001,26000002", "status": "nonsense",
                           "start_date": "not a date"}, NEW_YORK, NOW)
    assert query.ids == ["26000001", "26000002"]
    assert query.statuses is None and query.created is None


def test_updated_filters_replace_the_default_created_window():
    query = request_query({"updated_after": "2026-11-01T00:00:00Z"}, NEW_YORK, NOW)
    assert query.created is None
    assert query.updated[0] == dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc)


def test_too_many_ids_are_refused():
    ids = ",".join(str(26000000 + i) for i in range(1001))
    with pytest.raises(Open311Error) as raised:
        request_query({"service_request_id": ids}, NEW_YORK, NOW)
    assert raised.value.status == 400
