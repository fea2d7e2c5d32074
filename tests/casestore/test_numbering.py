"""Case numbers: reading them as people write them, and issuing them under concurrency."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from casestore.cases import create_case
from casestore.catalog import get_catalog
from casestore.models import Case, CaseCounter
from casestore.numbering import format_case_number, parse_case_number
from tests.fixtures.casestore import count, new_case_body, session_for


@pytest.mark.parametrize("text", [
    "26000123", "26-000123", "#26000123", "case 26000123", "Case #26-000123", "ATL-26000123",
    "ATL311-26000123", "atl311 26000123", " 26 000 123 ", "26-000-123", "case number 26000123",
])
def test_accepted_forms_give_the_eight_digits(text):
    assert parse_case_number(text) == "26000123"


@pytest.mark.parametrize("text", [
    "", "2600012", "260001234", "26000123x", "my case 26000123 please", "NYC-26000123", None,
    26000123, "2" * 100,
])
def test_anything_else_is_not_a_case_number(text):
    assert parse_case_number(text) is None


def test_numbers_are_shown_grouped():
    assert format_case_number("26000123") == "26-000123"


def test_concurrent_creation_gives_unique_numbers_and_loses_none(cs_fresh_app):
    threads, per_thread = 8, 25
    numbers: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(threads)

    def worker(index: int) -> None:
        try:
            with session_for(cs_fresh_app) as session:
                catalog = get_catalog()
                start.wait()
                for i in range(per_thread):
                    case, created = create_case(session, catalog, new_case_body(
                        description=f"thread {index} case {i}"))
                    assert created
                    with lock:
                        numbers.append(case.number)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    assert errors == []
    assert len(numbers) == len(set(numbers)) == threads * per_thread
    assert count(cs_fresh_app) == threads * per_thread
    with session_for(cs_fresh_app) as session:
        stored = set(session.execute(select(Case.number)).scalars())
        last = session.execute(select(CaseCounter.last)).scalar_one()
    assert stored == set(numbers)
    # No gaps: every number from 1 to 200 was issued exactly once.
    assert sorted(int(n[2:]) for n in numbers) == list(range(1, threads * per_thread + 1))
    assert last == threads * per_thread
