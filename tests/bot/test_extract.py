"""Mining a message for every answer it already gives, and the combined contact question."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.actions.extract import day_mentions, find_name, mine, parse_contact
from casestore.catalog import load_catalog
from casestore.config import REPO_ROOT

SERVICES = {
    s["service_code"]: s["attributes"]
    for s in load_catalog(REPO_ROOT / "config" / "catalog.yml").to_json()["services"]
}
TZ = "America/New_York"
THURSDAY = dt.datetime(2026, 3, 12, 15, 0, tzinfo=dt.timezone.utc)  # 11:00 Thursday in Atlanta
LATE_THURSDAY_UTC = dt.datetime(2026, 3, 13, 2, 30, tzinfo=dt.timezone.utc)  # 22:30 Thu local


def mined(service: str, text: str, now: dt.datetime = THURSDAY):
    return mine(text, SERVICES[service], now, TZ)


ATTRIBUTE_CASES = [
    ("pothole", "huge pothole in the lane where cars drive at 412 Boulevard SE",
     {"size": "large", "in_travel_lane": "yes"}),
    ("pothole", "there's a big pothole in the middle of the road on Oak St",
     {"size": "large", "in_travel_lane": "yes"}),
    ("pothole", "small pothole by the curb at 12 Elm St",
     {"size": "small", "in_travel_lane": "no"}),
    ("pothole", "pothole at 412 Boulevard SE, not in the road", {"in_travel_lane": "no"}),
    ("pothole", "hay un bache enorme en el carril en la calle Oak",
     {"size": "large", "in_travel_lane": "yes"}),
    ("pothole", "pothole on my street, yeah it's bad", {}),
    ("pothole", "big problem with a pothole at 5th and Spring", {}),
    ("pothole", "pothole at 5th and Spring, it's big but not deep", {"size": "large"}),
    ("sidewalk_repair", "the sidewalk on Oak St is lifted up and I tripped on it",
     {"trip_hazard": "yes"}),
    ("streetlight_out", "all the lights on Peachtree between 5th and 6th are out",
     {"how_many": "several"}),
    ("streetlight_out", "one of the street lights on Oak St is out", {}),
    ("traffic_signal", "the traffic light at 10th and Piedmont is blinking red",
     {"signal_problem": "flashing"}),
    ("traffic_signal", "signal at 10th and Piedmont is stuck on red for ages",
     {"signal_problem": "stuck"}),
    ("street_sign", "the stop sign at Oak and Elm is knocked down", {"sign_type": "stop"}),
    ("traffic_safety", "cars drive too fast on my street, we need speed bumps", {}),
    ("traffic_safety", "we need speed humps on Oak St, it's dangerous every single day",
     {"request_type": "speed_humps", "frequency": "daily"}),
    ("parking_violation", "a car is blocking my driveway at 12 Oak St", {"blocking": "driveway"}),
    ("parking_violation", "truck parked in the bike lane on 10th St", {"blocking": "bike_lane"}),
    ("ice_on_road", "the whole street is icy on Oak St, it's a hill",
     {"extent": "whole_street", "hill_or_bridge": "yes"}),
    ("ice_on_road", "black ice on the bridge on Northside Dr", {"hill_or_bridge": "yes"}),
    ("missed_garbage", "the trash wasn't picked up on Thursday at 412 Boulevard SE",
     {"pickup_day": "thursday"}),
    ("missed_garbage", "my trash wasn't picked up today, cart was out by 7",
     {"pickup_day": "thursday", "cart_out_by_7": "yes"}),
    ("missed_garbage", "no recogieron la basura ayer en mi casa", {"pickup_day": "wednesday"}),
    ("missed_garbage", "they skipped us Monday, and I called yesterday", {}),
    ("missed_garbage", "garbage not collected, it sat there all weekend", {}),
    ("missed_garbage", "my trash was supposed to be picked up Tuesday and it's now Thursday",
     {"pickup_day": "tuesday"}),
    ("missed_garbage", "se supone que recogen el martes y ya es jueves", {"pickup_day": "tuesday"}),
    ("missed_yard_trimmings", "my yard waste in paper bags was left on Tuesday",
     {"pickup_day": "tuesday", "bagged_or_bundled": "bagged"}),
    ("bulk_pickup", "please pick up an old couch and a fridge",
     {"items": ["appliance", "furniture"]}),
    ("bulk_pickup", "necesito que recojan un colchón", {"items": ["mattress"]}),
    ("cart_request", "my recycling cart was stolen", {"cart_type": "recycling",
                                                      "cart_problem": "missing"}),
    ("cart_request", "the lid on my trash can is broken", {"cart_type": "garbage",
                                                           "cart_problem": "damaged"}),
    ("illegal_dumping", "someone dumped tires in the park on Oak St",
     {"land": "public", "what_dumped": "tires"}),
    ("dead_animal", "dead dog in the middle of the road on Oak St",
     {"animal_location": "street", "animal_type": "dog"}),
    ("water_leak", "water gushing from a pipe and running down the street",
     {"flowing_in_street": "yes", "amount": "gushing"}),
    ("water_leak", "a slow leak by the meter, just dripping", {"amount": "trickle"}),
    ("sewer_backup", "sewage is coming up through my toilet", {"sewer_where": "inside"}),
    ("sewer_backup", "the manhole is overflowing into my basement", {}),
    ("storm_drain", "the drain is clogged and the street is flooded",
     {"flooded_now": "yes"}),
    ("storm_drain", "drain on Oak St is clogged but there is no standing water", {}),
    ("no_water", "No water at 12 Oak St, everybody on my street is out",
     {"extent": "whole_street"}),
    ("no_water", "no water pressure at my house on my street", {}),
    ("no_water", "no tengo agua, solo mi casa", {"extent": "one_home"}),
    ("no_water", "no hay agua en toda la calle", {"extent": "whole_street"}),
    ("fire_hydrant", "the hydrant on Oak St was hit by a car and knocked over",
     {"hydrant_problem": "knocked_over"}),
    ("overgrown_lot", "the vacant lot next to me has grass up to my waist", {"lot_type": "vacant"}),
    ("graffiti", "racist graffiti on the bridge wall",
     {"offensive": "yes", "surface": "bridge wall"}),
    ("junk_vehicle", "abandoned car parked on the road for weeks, flat tires",
     {"vehicle_location": "street"}),
    ("junk_vehicle", "hay un carro abandonado en la calle", {"vehicle_location": "street"}),
    ("noise_complaint", "loud music next door right now",
     {"noise_kind": "music", "ongoing": "yes"}),
    ("noise_complaint", "dogs barking all night, it stopped now", {"noise_kind": "animal",
                                                                  "ongoing": "no"}),
    ("fallen_tree", "a tree fell across the road on Oak St, it's not on the power lines",
     {"blocking_road": "yes", "on_power_lines": "no"}),
    ("encampment", "about 5 people living in tents under the bridge", {"people_count": 5}),
    ("encampment", "one of the guys there told me they need shelter", {}),
    ("encampment", "a couple of people sleeping by the library, they seem fine",
     {"people_count": 2, "distress": "no"}),
    ("smoke_alarm", "we need 3 smoke alarms, I rent my apartment",
     {"alarm_count": 3, "tenure": "renter"}),
    ("smoke_alarm", "could I get two free detectors", {"alarm_count": 2}),
    ("smoke_alarm", "one of my neighbors said you give free smoke alarms", {}),
    ("smoke_alarm", "we need 30 smoke alarms for the building", {}),
    ("smoke_alarm", "necesito dos alarmas de humo, soy dueña", {"alarm_count": 2,
                                                                 "tenure": "owner"}),
    ("job_assistance", "I lost my job and need help with my resume", {"help_kind": "resume"}),
]


@pytest.mark.parametrize(("service", "text", "answers"), ATTRIBUTE_CASES)
def test_the_message_answers_exactly_these_questions(service, text, answers):
    assert mined(service, text).attributes == answers


def test_yes_no_words_alone_are_never_mined_from_a_story():
    assert mined("noise_complaint", "yeah sure, loud party, claro").attributes == {
        "noise_kind": "music"
    }


def test_contact_details_in_the_first_message():
    result = mined("smoke_alarm", "we need 3 smoke alarms, my name is Ada Lovelace, "
                   "ada@example.com, 404-555-0123")
    assert (result.email, result.phone, result.name) == (
        "ada@example.com", "+14045550123", "Ada Lovelace")
    assert result.slots() == {"contact_email": "ada@example.com",
                              "contact_phone": "+14045550123", "contact_name": "Ada Lovelace"}


def test_the_remainder_drops_the_contact_details():
    result = mined("smoke_alarm", "we need 3 smoke alarms, my name is Ada Lovelace, "
                   "ada@example.com")
    assert result.remainder() == "we need 3 smoke alarms"


def test_consumed_spans_name_the_slot_and_the_words():
    text = "huge pothole in the road"
    result = mined("pothole", text)
    assert {(text[s.start:s.end], s.slot) for s in result.consumed} == {
        ("huge", "attributes.size"), ("in the road", "attributes.in_travel_lane")}


def test_a_day_span_is_consumed():
    text = "trash missed yesterday"
    result = mined("missed_garbage", text)
    assert [(text[s.start:s.end], s.slot) for s in result.consumed] == [
        ("yesterday", "attributes.pickup_day")]


def test_an_address_number_is_not_a_phone():
    assert mined("pothole", "pothole at 412 Boulevard SE 30312").phone is None


def test_a_case_number_is_not_a_phone():
    assert mined("general_inquiry", "about case 26000123").phone is None


def test_nothing_is_mined_for_a_service_without_questions():
    result = mined("general_inquiry", "I have a question about the parks")
    assert (result.attributes, result.slots()) == ({}, {})


NAMES = [
    ("my name is Ada Lovelace and the pothole is huge", "Ada Lovelace"),
    ("my name is ada lovelace", "Ada Lovelace"),
    ("Hi, this is Ada. Pothole on Oak St", "Ada"),
    ("This is Ada from Oak St", "Ada"),
    ("Soy María López, no recogieron la basura", "María López"),
    ("me llamo José", "José"),
    ("I'm Ada, the light is out", "Ada"),
    ("pothole at 412 Boulevard SE - Ada", "Ada"),
    ("Pothole on Oak St. Thanks, Ada Lovelace", "Ada Lovelace"),
    ("Pothole on Oak St.\n— Ada", "Ada"),
]


@pytest.mark.parametrize(("text", "name"), NAMES)
def test_a_name_said_in_passing(text, name):
    assert find_name(text) == name


NOT_NAMES = [
    "I'm not sure where exactly",
    "this is a big pothole",
    "I'm calling about my trash",
    "It's Thursday and nobody came",
    "big pothole at 5th St - Midtown",
    "soy de Atlanta",
    "Thanks",
]


@pytest.mark.parametrize("text", NOT_NAMES)
def test_no_name_is_invented(text):
    assert find_name(text) is None


@pytest.mark.parametrize(
    ("text", "day"),
    [("today", "thursday"), ("yesterday", "wednesday"), ("this morning", "thursday"),
     ("hoy", "thursday"), ("ayer", "wednesday"), ("the day before yesterday", "tuesday"),
     ("anteayer", "tuesday")],
)
def test_relative_days_become_weekdays_in_the_city(text, day):
    assert [d.day for d in day_mentions(text, THURSDAY, TZ)] == [day]


def test_relative_days_use_the_city_time_zone_not_utc():
    # 02:30 UTC on Friday is 22:30 on Thursday in Atlanta.
    assert [d.day for d in day_mentions("today", LATE_THURSDAY_UTC, TZ)] == ["thursday"]


def test_today_on_a_weekend_answers_no_weekday_question():
    saturday = dt.datetime(2026, 3, 14, 15, 0, tzinfo=dt.timezone.utc)
    assert mined("missed_garbage", "trash not picked up today", saturday).attributes == {}


SENDER = "+14045550123"
CONTACTS = [
    ("text me", SENDER, dict(phone=SENDER, use_sender_phone=True)),
    ("a text to this number", SENDER, dict(phone=SENDER, use_sender_phone=True)),
    ("text is fine", SENDER, dict(phone=SENDER, use_sender_phone=True)),
    ("this number", SENDER, dict(phone=SENDER, use_sender_phone=True)),
    ("por mensaje", SENDER, dict(phone=SENDER, use_sender_phone=True)),
    ("a este número", SENDER, dict(phone=SENDER, use_sender_phone=True)),
    ("Text me please!", "whatsapp:+14045550123", dict(phone=SENDER, use_sender_phone=True)),
    ("text me", None, dict(use_sender_phone=True)),
    ("ada@example.com", SENDER, dict(email="ada@example.com")),
    ("email me at Ada@Example.com", None, dict(email="Ada@example.com")),
    ("email", None, dict(wants_email=True)),
    ("por correo", None, dict(wants_email=True)),
    ("don't text me, email ada@example.com", SENDER, dict(email="ada@example.com")),
    ("no email, just text me", SENDER, dict(phone=SENDER, use_sender_phone=True)),
    ("both: ada@example.com and text me", SENDER,
     dict(email="ada@example.com", phone=SENDER, use_sender_phone=True)),
    ("text me at 404-555-0199", SENDER, dict(phone="+14045550199")),
    ("call 404 555 0199", None, dict(phone="+14045550199")),
    ("my email is ada@example.com, I'm Ada", None, dict(email="ada@example.com", name="Ada")),
    ("text is fine, I'm Ada", SENDER, dict(phone=SENDER, use_sender_phone=True, name="Ada")),
    ("skip", SENDER, dict(skip=True)),
    ("no thanks", SENDER, dict(skip=True)),
    ("no", SENDER, dict(skip=True)),
    ("I don't want updates", SENDER, dict(skip=True)),
    ("no gracias", None, dict(skip=True)),
    ("saltar", None, dict(skip=True)),
]


@pytest.mark.parametrize(("text", "sender", "fields"), CONTACTS)
def test_contact_answer(text, sender, fields):
    contact = parse_contact(text, sender)
    expected = {**dict(email=None, phone=None, name=None, use_sender_phone=False,
                       wants_email=False, skip=False), **fields}
    assert {k: getattr(contact, k) for k in expected} == expected
    assert contact.understood


@pytest.mark.parametrize("text", ["purple monkey", "what?", "ada@", "hmm let me think"])
def test_a_contact_answer_that_says_nothing_usable(text):
    assert parse_contact(text, SENDER).understood is False


@pytest.mark.parametrize(
    ("service", "text", "answers"),
    [
        ("dead_animal", "theres a dead deer in the road at 1700 Hollywood Rd NW",
         {"animal_type": "deer", "animal_location": "street"}),
        ("illegal_dumping", "someone dumped a pile of old tires and a mattress behind the church",
         {"what_dumped": "tires and a mattress"}),
        ("graffiti", "somebody tagged the wall at 77 Auburn Ave NE", {"surface": "wall"}),
        ("park_maintenance", "the swings are broken at grant park", {"what_broken": "swings"}),
        ("city_facility", "la calefacción no sirve en la biblioteca",
         {"what_broken": "calefacción"}),
    ],
)
def test_a_free_text_question_is_answered_by_the_catalogs_answer_words(service, text, answers):
    assert mined(service, text).attributes == answers


def test_no_free_text_answer_is_invented():
    assert mined("dead_animal", "the road is a mess near my house").attributes == {}


@pytest.mark.parametrize(("text", "description"), [
    ("there is a huge pothole at 412 Boulevard SE, email me at a.resident@example.org",
     "there is a huge pothole at 412 Boulevard SE"),
    ("trash not picked up. my email is a@example.org thanks", "trash not picked up. thanks"),
    ("text me at 404-555-0123 when it's fixed", "when it's fixed"),
    ("hay un bache, mi correo es ana@example.org", "hay un bache"),
    ("the email system at the library is down, a@example.org",
     "the email system at the library is down"),
])
def test_the_words_that_only_introduce_a_contact_detail_leave_the_description_with_it(
        text, description):
    assert mine(text, [], THURSDAY).remainder() == description
