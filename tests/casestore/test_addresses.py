"""The case store's duplicate-matching key: one key per street address."""

from __future__ import annotations

import pytest

from casestore.addresses import normalize_address
from tests.fixtures.street_suffixes import SUFFIX_EXAMPLES


@pytest.mark.parametrize(("written", "abbreviation"), SUFFIX_EXAMPLES)
def test_every_written_suffix_gives_the_abbreviated_key(written, abbreviation):
    assert normalize_address(f"412 Oak {written} SE") == f"412 OAK {abbreviation.upper()} SE"


def test_city_state_and_zip_do_not_change_the_key():
    assert normalize_address("412 Boulevard SE, Atlanta, GA 30312") == "412 BOULEVARD SE"
