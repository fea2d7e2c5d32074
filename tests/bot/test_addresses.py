"""Locations: found in free text, normalised with usaddress, questioned outside the city."""

from __future__ import annotations

import pytest

from bot.actions.addresses import check_address, find_address, find_place


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("the trash wasn't picked up on Thursday at 412 Boulevard SE", "412 Boulevard SE"),
        ("can u fix the hole in front of 1280 Peachtree St NE", "1280 Peachtree St NE"),
        ("dead raccoon in the road at 1700 Hollywood Rd NW", "1700 Hollywood Rd NW"),
        (
            "road is broken at the corner of north ave and techwood dr",
            "North Ave NW & Techwood Dr NW",
        ),
        ("hole in road 14th & spring", "14th St NW & Spring St NW"),
        ("the swings are broken at Piedmont Park", "Piedmont Park, 400 Park Dr NE"),
    ],
)
def test_a_location_is_found_inside_a_report(text, expected):
    assert find_address(text) == expected


@pytest.mark.parametrize("text", ["there's a huge hole in the road", "my trash was missed", ""])
def test_a_report_without_a_location_yields_none(text):
    assert find_address(text) is None


@pytest.mark.parametrize(
    ("text", "expected", "kind"),
    [
        ("412 boulevard se", "412 Boulevard SE", "address"),
        ("1280 peachtree street northeast", "1280 Peachtree St NE", "address"),
        ("960 Dill Ave SW apt 3", "960 Dill Ave SW", "address"),
        ("55 trinity ave sw, Atlanta, GA 30303", "55 Trinity Ave SW", "address"),
        ("10th st and piedmont ave", "10th St NE & Piedmont Ave NE", "intersection"),
        ("Piedmont Park", "Piedmont Park, 400 Park Dr NE", "named_place"),
    ],
)
def test_locations_are_normalised(text, expected, kind):
    checked = check_address(text)
    assert (checked.value, checked.kind, checked.problem) == (expected, kind, None)


@pytest.mark.parametrize(
    ("text", "place"),
    [
        ("123 Main St, Decatur, GA", "Decatur"),
        ("500 Oak St, Nashville TN", "Nashville"),
        ("12 Peachtree St, Atlanta, TX", "TX"),
    ],
)
def test_an_address_in_another_city_or_state_is_questioned_not_accepted(text, place):
    checked = check_address(text)
    assert checked.value is None
    assert checked.problem == "outside_city"
    assert checked.place == place


@pytest.mark.parametrize("text", ["here", "my house", "idk", "12", ""])
def test_a_vague_location_is_refused(text):
    assert check_address(text).problem == "vague"


@pytest.mark.parametrize(("text", "value"), [
    ("hay un bache en el 412 de Boulevard SE", "412 Boulevard SE"),
    ("en el 1205 de la Peachtree St NE", "1205 Peachtree St NE"),
    ("cuatrocientos doce de boulevard sureste", "412 Boulevard SE"),
    ("mil cuatrocientos treinta de jonesboro road sureste", "1430 Jonesboro Rd SE"),
    ("hay basura tirada en el parque Piedmont", "Piedmont Park, 400 Park Dr NE"),
    ("hay un bache en la esquina de Ponce y Monroe", "Ponce de Leon Ave NE & Monroe Dr NE"),
])
def test_places_in_spanish_word_order(text, value):
    assert find_place(text, answer=True).value == value
