"""Free-text answers to the catalog's questions: synonyms, words, numbers, days."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.actions.attributes import parse_answer, problem_message
from casestore.catalog import load_catalog
from casestore.config import REPO_ROOT

SERVICES = {
    s["service_code"]: s
    for s in load_catalog(REPO_ROOT / "config" / "catalog.yml").to_json()["services"]
}
THURSDAY = dt.datetime(2026, 3, 12, 15, 0, tzinfo=dt.timezone.utc)  # 11:00 in Atlanta


def attribute(service: str, code: str) -> dict:
    return next(a for a in SERVICES[service]["attributes"] if a["code"] == code)


MAPS = [
    ("pothole", "size", "grande", "large"),
    ("pothole", "size", "it's huge", "large"),
    ("pothole", "size", "tiny", "small"),
    ("pothole", "size", "pequeño", "small"),
    ("pothole", "size", "about the size of a tire", "medium"),
    ("pothole", "size", "big", "large"),
    ("pothole", "in_travel_lane", "it's in the lane where cars drive", "yes"),
    ("pothole", "in_travel_lane", "middle of the street", "yes"),
    ("pothole", "in_travel_lane", "en el carril", "yes"),
    ("pothole", "in_travel_lane", "no, it's by the curb", "no"),
    ("pothole", "in_travel_lane", "not in the road", "no"),
    ("pothole", "in_travel_lane", "claro que no", "no"),
    ("pothole", "in_travel_lane", "yeah", "yes"),
    ("pothole", "in_travel_lane", "sí", "yes"),
    ("sidewalk_repair", "trip_hazard", "someone could trip on it", "yes"),
    ("sidewalk_repair", "trip_hazard", "it's still flat", "no"),
    ("sidewalk_repair", "trip_hazard", "me tropecé ayer", "yes"),
    ("streetlight_out", "how_many", "just one", "one"),
    ("streetlight_out", "how_many", "all the lights on the block", "several"),
    ("streetlight_out", "how_many", "varias luces", "several"),
    ("traffic_signal", "signal_problem", "it's blinking red", "flashing"),
    ("traffic_signal", "signal_problem", "stuck on red", "stuck"),
    ("traffic_signal", "signal_problem", "está apagado", "dark"),
    ("street_sign", "sign_type", "the stop sign", "stop"),
    ("street_sign", "sign_type", "speed limit", "speed_limit"),
    ("street_sign", "sign_type", "ceda el paso", "yield"),
    ("traffic_safety", "request_type", "speed bumps please", "speed_humps"),
    ("traffic_safety", "request_type", "un paso de peatones", "crosswalk"),
    ("traffic_safety", "frequency", "all the time", "daily"),
    ("traffic_safety", "frequency", "de vez en cuando", "occasionally"),
    ("parking_violation", "blocking", "my driveway", "driveway"),
    ("parking_violation", "blocking", "the fire hydrant", "hydrant"),
    ("parking_violation", "blocking", "la banqueta", "sidewalk"),
    ("ice_on_road", "extent", "the entire street", "whole_street"),
    ("ice_on_road", "extent", "just one patch", "one_spot"),
    ("ice_on_road", "hill_or_bridge", "it's on the bridge", "yes"),
    ("ice_on_road", "hill_or_bridge", "en una colina", "yes"),
    ("missed_garbage", "pickup_day", "thurs", "thursday"),
    ("missed_garbage", "pickup_day", "el martes", "tuesday"),
    ("missed_garbage", "pickup_day", "yesterday", "wednesday"),
    ("missed_garbage", "pickup_day", "hoy", "thursday"),
    ("missed_garbage", "cart_out_by_7", "it was out the night before", "yes"),
    ("missed_garbage", "cart_out_by_7", "después de las 7", "no"),
    ("missed_yard_trimmings", "bagged_or_bundled", "in paper bags", "bagged"),
    ("missed_yard_trimmings", "bagged_or_bundled", "tied up", "bundled"),
    ("missed_yard_trimmings", "bagged_or_bundled", "not bagged, just piled", "neither"),
    ("missed_yard_trimmings", "bagged_or_bundled", "en bolsas", "bagged"),
    ("cart_request", "cart_type", "the recycling one", "recycling"),
    ("cart_request", "cart_type", "recyling", "recycling"),
    ("cart_request", "cart_type", "el de basura", "garbage"),
    ("cart_request", "cart_problem", "someone stole it", "missing"),
    ("cart_request", "cart_problem", "the lid is broken", "damaged"),
    ("cart_request", "cart_problem", "robado", "missing"),
    ("illegal_dumping", "land", "in the park", "public"),
    ("illegal_dumping", "land", "propiedad privada", "private"),
    ("dead_animal", "animal_location", "middle of the road", "street"),
    ("dead_animal", "animal_location", "en la acera", "sidewalk"),
    ("water_leak", "flowing_in_street", "yes it's running down the street", "yes"),
    ("water_leak", "flowing_in_street", "no llega a la calle", "no"),
    ("water_leak", "amount", "just dripping", "trickle"),
    ("water_leak", "amount", "a chorros", "gushing"),
    ("sewer_backup", "sewer_where", "my toilet", "inside"),
    ("sewer_backup", "sewer_where", "from the manhole", "street"),
    ("sewer_backup", "sewer_where", "en mi casa", "inside"),
    ("storm_drain", "flooded_now", "the street is flooded", "yes"),
    ("storm_drain", "flooded_now", "not flooded, just clogged", "no"),
    ("storm_drain", "flooded_now", "está inundada", "yes"),
    ("no_water", "extent", "only my place", "one_home"),
    ("no_water", "extent", "everybody on my street", "whole_street"),
    ("no_water", "extent", "all my neighbours", "whole_street"),
    ("no_water", "extent", "the whole block", "whole_street"),
    ("no_water", "extent", "toda la calle", "whole_street"),
    ("no_water", "extent", "todos los vecinos", "whole_street"),
    ("no_water", "extent", "only me", "one_home"),
    ("no_water", "extent", "just my house", "one_home"),
    ("no_water", "extent", "solo mi casa", "one_home"),
    ("fire_hydrant", "hydrant_problem", "someone hit it, it's knocked down", "knocked_over"),
    ("fire_hydrant", "hydrant_problem", "wide open", "open"),
    ("fire_hydrant", "hydrant_problem", "está goteando", "leaking"),
    ("overgrown_lot", "lot_type", "it's an empty lot", "vacant"),
    ("overgrown_lot", "lot_type", "someone lives there", "occupied"),
    ("overgrown_lot", "lot_type", "lote baldío", "vacant"),
    ("graffiti", "offensive", "it's racist", "yes"),
    ("graffiti", "offensive", "just tags", "no"),
    ("graffiti", "offensive", "no es ofensivo", "no"),
    ("junk_vehicle", "vehicle_location", "it's parked on the road", "street"),
    ("junk_vehicle", "vehicle_location", "on the street", "street"),
    ("junk_vehicle", "vehicle_location", "en la calle", "street"),
    ("junk_vehicle", "vehicle_location", "in a parking lot", "private"),
    ("noise_complaint", "noise_kind", "a loud party", "music"),
    ("noise_complaint", "noise_kind", "dogs barking", "animal"),
    ("noise_complaint", "noise_kind", "motos", "vehicle"),
    ("noise_complaint", "ongoing", "still going on", "yes"),
    ("noise_complaint", "ongoing", "ya paró", "no"),
    ("fallen_tree", "blocking_road", "it's across the road", "yes"),
    ("fallen_tree", "blocking_road", "no bloquea", "no"),
    ("fallen_tree", "on_power_lines", "it's resting on the lines", "yes"),
    ("fallen_tree", "on_power_lines", "not near the wires", "no"),
    ("encampment", "distress", "one of them looks sick", "yes"),
    ("encampment", "distress", "they seem fine", "no"),
    ("encampment", "distress", "están bien", "no"),
    ("smoke_alarm", "tenure", "I rent", "renter"),
    ("smoke_alarm", "tenure", "we own it", "owner"),
    ("smoke_alarm", "tenure", "soy inquilina", "renter"),
    ("job_assistance", "help_kind", "help with my resume", "resume"),
    ("job_assistance", "help_kind", "busco trabajo", "job_search"),
    ("job_assistance", "help_kind", "some classes", "training"),
    ("pothole", "size", "3", "large"),
    ("pothole", "size", "Large", "large"),
    ("noise_complaint", "ongoing", "Yes", "yes"),
]


@pytest.mark.parametrize(("service", "code", "answer", "value"), MAPS)
def test_free_text_answer_maps_to_the_catalog_value(service, code, answer, value):
    assert parse_answer(attribute(service, code), answer, now=THURSDAY) == (value, None)


NEGATIVES = [
    ("pothole", "size", "purple"),
    ("pothole", "size", "not big"),
    ("pothole", "size", "big or small, I can't tell"),
    ("pothole", "in_travel_lane", "no idea"),
    ("pothole", "in_travel_lane", "maybe"),
    ("no_water", "extent", "my street"),
    ("no_water", "extent", "no sé"),
    ("cart_request", "cart_type", "both"),
    ("junk_vehicle", "vehicle_location", "a blue Honda"),
    ("traffic_signal", "signal_problem", "it's weird"),
    ("missed_garbage", "pickup_day", "saturday"),
    ("missed_garbage", "pickup_day", "9"),
    ("sewer_backup", "sewer_where", "toilet and the manhole both"),
]


@pytest.mark.parametrize(("service", "code", "answer"), NEGATIVES)
def test_an_answer_that_fits_no_single_value_asks_again(service, code, answer):
    assert parse_answer(attribute(service, code), answer, now=THURSDAY) == (None, "choose")


def test_several_items_map_to_a_sorted_list():
    items = attribute("bulk_pickup", "items")
    assert parse_answer(items, "a couch and an old fridge") == (["appliance", "furniture"], None)


def test_several_items_in_spanish():
    items = attribute("bulk_pickup", "items")
    assert parse_answer(items, "colchón y lavadora") == (["appliance", "mattress"], None)


def test_button_names_still_work_for_several_items():
    items = attribute("bulk_pickup", "items")
    assert parse_answer(items, "Furniture, Mattress") == (["furniture", "mattress"], None)


def test_an_unknown_item_among_several_asks_again():
    items = attribute("bulk_pickup", "items")
    assert parse_answer(items, "a couch and a spaceship") == (None, "choose")


@pytest.mark.parametrize(
    ("answer", "value"),
    [("3", 3), ("two", 2), ("a couple", 2), ("dos", 2), ("I need four please", 4),
     ("ten", 10), ("1", 1), ("un par", 2)],
)
def test_numbers_in_digits_or_words(answer, value):
    assert parse_answer(attribute("smoke_alarm", "alarm_count"), answer) == (value, None)


def test_people_count_from_compound_words():
    assert parse_answer(attribute("encampment", "people_count"), "twenty five") == (25, None)


def test_a_number_outside_the_catalog_range_is_refused():
    alarms = attribute("smoke_alarm", "alarm_count")
    assert parse_answer(alarms, "15") == (None, "range")
    assert problem_message(alarms, "range") == "Please answer with a number from 1 to 10."


def test_no_number_is_a_number_problem():
    assert parse_answer(attribute("smoke_alarm", "alarm_count"), "lots") == (None, "number")


def test_string_answers_are_kept_as_said():
    vehicle = attribute("junk_vehicle", "vehicle")
    assert parse_answer(vehicle, "blue Honda, plate ABC123") == ("blue Honda, plate ABC123", None)


def test_empty_answer():
    assert parse_answer(attribute("pothole", "size"), "  ") == (None, "empty")
