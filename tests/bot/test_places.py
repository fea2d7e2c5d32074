"""Places as residents give them, typed or spoken, in English and Spanish.

One behaviour per test: house numbers (typed and spoken), intersections,
streets with a landmark, named places from config/places.yml, bare streets,
and messages that must not produce a place.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bot.actions import places
from bot.actions.addresses import Place, check_address, find_address, find_place

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _fresh_gazetteer():
    places.reset()
    yield
    places.reset()


def _place(text: str) -> tuple[str, str] | None:
    found = find_place(text)
    return (found.value, found.kind) if found else None


# --- house number and street ------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("twenty one forty two campbellton road southwest", "2142 Campbellton Rd SW"),
        ("twelve oh five peachtree street northeast", "1205 Peachtree St NE"),
        ("four twelve boulevard s e", "412 Boulevard SE"),
        ("one hundred ten mitchell st", "110 Mitchell St"),
        ("seven hundred and five memorial drive southeast", "705 Memorial Dr SE"),
        ("three thousand two hundred cascade road", "3200 Cascade Rd"),
        ("twenty-one forty-two Campbellton Rd SW", "2142 Campbellton Rd SW"),
        ("one two three elm street", "123 Elm St"),
        ("dos mil ciento cuarenta y dos campbellton road", "2142 Campbellton Rd"),
        ("cuatrocientos doce boulevard sureste", "412 Boulevard SE"),
        ("the pothole is at nine sixty dill avenue southwest", "960 Dill Ave SW"),
    ],
)
def test_a_spoken_house_number_becomes_digits(text, expected):
    assert _place(text) == (expected, "address")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("412 Boulevard SE #4", "412 Boulevard SE"),
        ("960 Dill Ave SW apt 3", "960 Dill Ave SW"),
        ("412-B Boulevard SE", "412 Boulevard SE"),
        ("1280 Peachtree St. N.E.", "1280 Peachtree St NE"),
        ("75 piedmont ave ne unit 12", "75 Piedmont Ave NE"),
        ("412 boulevard n e", "412 Boulevard NE"),
        ("500 Edgewood Ave NE", "500 Edgewood Ave NE"),
        ("45 Ivan Allen Jr Blvd NW", "45 Ivan Allen Jr Blvd NW"),
        ("88 ponce sw", "88 Ponce de Leon Ave SW"),
    ],
)
def test_typed_noise_around_an_address_is_dropped(text, expected):
    assert _place(text) == (expected, "address")


def test_a_house_number_never_gets_a_guessed_quadrant():
    assert find_address("one hundred ten moreland ave") == "110 Moreland Ave"


def test_a_spoken_case_number_is_not_a_house_number():
    assert find_address("case two six oh oh oh one two three on peachtree street") == (
        "Peachtree St"
    )


def test_a_typed_case_number_is_not_a_house_number():
    assert find_address("case 26000123 boulevard se") == "Boulevard SE"


def test_a_phone_number_is_not_a_house_number():
    assert find_address("call me at 404 555 0123 about elm st") is None


def test_a_hyphenated_phone_number_is_not_a_house_number():
    assert find_address("my number is 404-555-0123 main st") is None


def test_an_apartment_number_is_not_a_house_number():
    assert find_address("apt 4 elm street is flooded") is None


def test_a_number_of_days_is_not_a_house_number():
    assert find_address("it has been 2 weeks on my street") is None


# --- intersections -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ponce and Monroe", "Ponce de Leon Ave NE & Monroe Dr NE"),
        ("the light at ponce de leon and monroe is out", "Ponce de Leon Ave NE & Monroe Dr NE"),
        ("corner of 10th and Piedmont", "10th St NE & Piedmont Ave NE"),
        ("10th st & piedmont ave", "10th St NE & Piedmont Ave NE"),
        ("where Moreland meets Memorial", "Moreland Ave SE & Memorial Dr SE"),
        ("esquina de Ponce y Monroe", "Ponce de Leon Ave NE & Monroe Dr NE"),
        ("en la esquina de la calle 10 y Piedmont", "10th St NE & Piedmont Ave NE"),
        ("hole in road 14th & spring", "14th St NW & Spring St NW"),
        ("at the corner of north ave and techwood dr", "North Ave NW & Techwood Dr NW"),
        ("corner of Elm St and Oak St", "Elm St & Oak St"),
        ("at Ponce and Monroe NE", "Ponce de Leon Ave NE & Monroe Dr NE"),
        ("the intersection of mlk and northside", "Martin Luther King Jr Dr & Northside Dr"),
    ],
)
def test_an_intersection_is_written_as_an_agent_would(text, expected):
    assert _place(text) == (expected, "intersection")


def test_an_intersection_with_a_multi_quadrant_street_leaves_the_quadrant_out():
    assert find_address("Boulevard and Elm St") == "Boulevard & Elm St"


def test_an_unknown_cross_street_stops_at_its_name():
    assert find_address("the light at edgewood and jackson never turns green") == (
        "Edgewood Ave & Jackson"
    )


def test_trash_and_recycling_is_not_an_intersection():
    assert find_address("my trash and recycling were not picked up") is None


def test_an_intersection_answer_in_lower_case_is_accepted():
    checked = check_address("oak and elm")
    assert (checked.value, checked.kind) == ("Oak & Elm", "intersection")


# --- landmarks -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("on Ralph McGill near the church", "Ralph McGill Blvd NE near the church"),
        ("by the Kroger on Moreland", "Moreland Ave near the Kroger"),
        ("in front of the library on Ponce", "Ponce de Leon Ave NE in front of the library"),
        ("frente a la iglesia en la calle Cascade", "Cascade Rd SW in front of the church"),
        ("cerca de la escuela en la avenida Highland", "Highland Ave NE near the school"),
        ("al lado del parque en Boulevard", "Boulevard next to the park"),
        ("pothole on spring street by the bridge", "Spring St near the bridge"),
        ("on Elm Street across from the gas station", "Elm St across from the gas station"),
        ("potholes on boulevard near the zoo", "Boulevard near Zoo Atlanta"),
    ],
)
def test_a_street_with_a_landmark_keeps_both(text, expected):
    assert _place(text) == (expected, "landmark")


def test_by_the_way_is_not_a_landmark():
    assert find_address("pothole on Highland Ave by the way") == "Highland Ave NE"


# --- named places --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("the swings are broken at Piedmont Park", "Piedmont Park, 400 Park Dr NE"),
        ("trash everywhere at grant park", "Grant Park, 840 Cherokee Ave SE"),
        ("dead fish in lake clara meer", "Lake Clara Meer, 400 Park Dr NE"),
        ("graffiti on the wall at city hall", "Atlanta City Hall, 55 Trinity Ave SW"),
        ("escalator broken at five points", "Five Points Station, 30 Alabama St SW"),
        ("the North Avenue station elevator", "North Avenue Station, 713 W Peachtree St NE"),
        ("flooding by West End station", "West End Station, 680 Lee St SW"),
        (
            "light out in the central library parking",
            "Atlanta Central Library, 1 Margaret Mitchell Sq NW",
        ),
        ("basura en Freedom Park", "Freedom Park, Freedom Pkwy NE & N Highland Ave NE"),
        ("the crosswalk at Grady High School", "Midtown High School, 929 Charles Allen Dr NE"),
        ("the tennis courts at Chastain Park", "Chastain Park, 140 W Wieuca Rd NW"),
    ],
)
def test_a_named_place_is_found_with_its_address(text, expected):
    assert _place(text) == (expected, "named_place")


def test_a_named_place_carries_its_position():
    found = find_place("the fountain at Centennial Olympic Park")
    assert (found.lat, found.long) == (33.7606, -84.3932)


def test_a_named_place_keeps_its_street_address():
    assert find_place("City Hall").address == "55 Trinity Ave SW"


def test_a_named_place_value_checks_back_to_itself():
    value = find_address("at Piedmont Park")
    checked = check_address(value)
    assert (checked.value, checked.kind, checked.problem) == (value, "named_place", None)


def test_a_named_place_check_carries_the_position():
    assert check_address("five points station").found.lat == 33.7539


def test_an_address_near_a_named_place_is_the_address():
    assert _place("412 Boulevard SE near Grant Park") == ("412 Boulevard SE", "address")


# --- bare streets --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("the hydrant on Highland Ave", "Highland Ave NE"),
        ("the light out on ponce de leon ave", "Ponce de Leon Ave NE"),
        ("hay un bache en la avenida Ponce de Leon", "Ponce de Leon Ave NE"),
        ("basura en la calle Cascade", "Cascade Rd SW"),
        ("bache en la calle Elm", "Elm St"),
        ("sidewalk cracked along Ralph McGill", "Ralph McGill Blvd NE"),
        ("pothole on MLK", "Martin Luther King Jr Dr"),
        ("water leak on Bankhead", "Donald Lee Hollowell Pkwy NW"),
        ("trash on Memorial Dr SE", "Memorial Dr SE"),
        ("pothole on main street", "Main St"),
        ("speeders on Edgewood", "Edgewood Ave"),
    ],
)
def test_a_bare_street_is_a_place(text, expected):
    assert _place(text) == (expected, "street")


def test_a_bare_street_answer_needs_no_preposition():
    checked = check_address("highland")
    assert (checked.value, checked.kind, checked.problem) == ("Highland Ave NE", "street", None)


def test_a_street_alone_is_not_vague():
    assert check_address("ponce de leon ave").problem is None


# --- not places --------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "my trash wasn't picked up thursday",
        "the light on my street is out since monday",
        "there is trash all over the place",
        "please drive by and look",
        "on memorial day nobody came",
        "the road is broken on our road",
        "the streetlight in front of my house is out",
        "I want to check on my case",
        "it has been broken for two weeks",
        "mi basura no fue recogida el jueves",
        "by the way the light is out",
        "one of the lights is out",
    ],
)
def test_a_message_without_a_place_gives_none(text):
    assert find_place(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "on my street",
        "mi calle",
        "my trash wasn't picked up thursday",
        "the light on my street is out since monday",
        "call me at 404-555-0123",
    ],
)
def test_an_answer_without_a_place_is_vague(text):
    assert check_address(text).problem == "vague"


# --- other cities --------------------------------------------------------------------


def test_a_street_named_like_a_city_is_not_outside_the_city():
    assert check_address("Ponce and Monroe").problem is None


def test_another_city_after_a_bare_street_is_questioned():
    checked = check_address("Main St, Decatur, GA")
    assert (checked.problem, checked.place) == ("outside_city", "Decatur")


def test_another_state_after_a_spoken_address_is_questioned():
    checked = check_address("twelve oh five peachtree street, Atlanta, TX")
    assert (checked.problem, checked.place) == ("outside_city", "TX")


# --- the gazetteer -----------------------------------------------------------------


def test_the_gazetteer_is_not_read_at_import():
    code = (
        "from bot.actions import addresses, places; print(places.gazetteer.cache_info().currsize)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stdout.strip() == "0"


def test_without_a_gazetteer_an_intersection_is_tidied(monkeypatch, tmp_path):
    monkeypatch.setenv("PLACES_FILE", str(tmp_path / "missing.yml"))
    assert find_address("at Ponce and Monroe") == "Ponce & Monroe"


def test_without_a_gazetteer_a_typed_street_is_kept(monkeypatch, tmp_path):
    monkeypatch.setenv("PLACES_FILE", str(tmp_path / "missing.yml"))
    assert find_address("the hydrant on Highland Ave") == "Highland Ave"


def test_another_city_gazetteer_replaces_atlanta(monkeypatch, tmp_path):
    path = tmp_path / "places.yml"
    path.write_text(
        "places:\n  - {name: Forsyth Park, kind: park, address: 2 W Gaston St, "
        "lat: 32.0676, long: -81.0959}\n"
        "streets:\n  - {name: Abercorn St, quadrants: []}\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("PLACES_FILE", str(path))
    assert (find_address("at forsyth park"), find_address("on abercorn")) == (
        "Forsyth Park, 2 W Gaston St",
        "Abercorn St",
    )


def test_find_place_returns_a_frozen_place():
    found = find_place("412 Boulevard SE")
    assert found == Place("412 Boulevard SE", "address")
    with pytest.raises(AttributeError):
        found.value = "x"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("People speed past 1600 Boulevard Dr NE every day", "1600 Boulevard Dr NE"),
        ("sixteen hundred boulevard drive northeast", "1600 Boulevard Dr NE"),
        ("55 Boulevard Pl NE", "55 Boulevard Pl NE"),
    ],
)
def test_a_street_that_starts_with_a_typeless_name_keeps_its_own_type(text, value):
    assert find_place(text).value == value
