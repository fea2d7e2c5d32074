"""The assistant's street-suffix table agrees with the case store's (one list of examples)."""

from __future__ import annotations

import pytest

from bot.actions.places import STREET_TYPES
from tests.fixtures.street_suffixes import SUFFIX_EXAMPLES


@pytest.mark.parametrize(("written", "abbreviation"), SUFFIX_EXAMPLES)
def test_every_written_suffix_is_shown_abbreviated(written, abbreviation):
    assert STREET_TYPES[written.lower()] == abbreviation


def test_the_table_knows_no_suffix_the_shared_examples_leave_out():
    assert sorted(set(STREET_TYPES) - {w.lower() for w, _ in SUFFIX_EXAMPLES}) == []
