"""Case numbers, contact details, answers and corrections as residents give them."""

from __future__ import annotations

import pytest

from bot.actions.parsing import (
    Correction,
    apply_correction,
    find_case_number,
    find_weekday,
    format_case_number,
    is_skip,
    mentions_emergency,
    parse_correction,
    parse_email,
    parse_name,
    parse_phone,
    parse_yes_no,
    spoken_digits_to_text,
)


@pytest.mark.parametrize(
    "text",
    [
        "26000123",
        "26-000123",
        "#26000123",
        "# 26-000123",
        "case 26000123",
        "Case #26 000123",
        "ATL-26000123",
        "atl-26-000123",
        "ATL311-26000123",
        "atl311 26000123",
        "what's the status of 26 000 123?",
        "two six zero zero zero one two three",
        "two six oh oh oh one two three",
        "my number is two six double oh zero one two three",
        "2 6 0 0 0 1 2 3",
        "Two Six Zero Zero Zero One Two Three.",
    ],
)
def test_every_accepted_form_of_a_case_number_is_read_as_its_eight_digits(text):
    assert find_case_number(text).number == "26000123"


@pytest.mark.parametrize("text", ["2600012", "case 260001234", "#123"])
def test_a_number_of_the_wrong_length_is_reported_as_malformed_not_guessed(text):
    match = find_case_number(text)
    assert match.number is None
    assert match.malformed


@pytest.mark.parametrize(
    "text", ["call me at 404-555-0123", "I want to check on my case", "pothole at 412 Boulevard SE"]
)
def test_phone_numbers_addresses_and_plain_words_are_not_case_numbers(text):
    assert find_case_number(text) == find_case_number("")
    assert find_case_number(text).number is None


def test_homophones_outside_a_run_of_digits_stay_words():
    assert spoken_digits_to_text("I want to check for a case") == "I want to check for a case"


def test_case_numbers_are_grouped_for_reading():
    assert format_case_number("26000123") == "26-000123"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("my email is Jane.Doe@Example.com", "Jane.Doe@example.com"),
        ("sam@gmail.com", "sam@gmail.com"),
        ("sam@gmail", None),
        ("not an email", None),
        ("a@@b.com", None),
    ],
)
def test_emails_are_validated_and_normalised(text, expected):
    assert parse_email(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("404-555-0123", "+14045550123"),
        ("(678) 555 0199", "+16785550199"),
        ("+1 404 555 0100", "+14045550100"),
        ("my number is 404.555.0123", "+14045550123"),
        ("12345", None),
        ("call me", None),
    ],
)
def test_phone_numbers_are_normalised_to_e164(text, expected):
    assert parse_phone(text) == expected


def test_names_are_taken_from_a_sentence_and_capitalised():
    assert parse_name("my name is tanya jones") == "Tanya Jones"
    assert parse_name("Marcus") == "Marcus"
    assert parse_name("my email is a@b.co") is None


@pytest.mark.parametrize(
    "text", ["skip", "Skip it", "no thanks", "n/a", "I'd rather not say", "none"]
)
def test_skip_answers_are_recognised(text):
    assert is_skip(text)


def test_a_real_answer_is_not_a_skip():
    assert not is_skip("no water in the whole street")


def test_yes_and_no_come_from_the_intent_first_then_the_words():
    assert parse_yes_no("whatever", "affirm") is True
    assert parse_yes_no("yep", None) is True
    assert parse_yes_no("nope", None) is False
    assert parse_yes_no("the big one", None) is None


@pytest.mark.parametrize(
    ("text", "new", "old"),
    [
        ("actually it's 125, not 123", "125", "123"),
        ("its 125 not 123", "125", "123"),
        ("I meant Oak St not Elm St", "Oak St", "Elm St"),
        ("sorry, 14th street not 13th street", "14th street", "13th street"),
    ],
)
def test_corrections_name_the_new_and_the_old_value(text, new, old):
    assert parse_correction(text) == Correction(new, old)


def test_a_correction_can_name_the_field():
    assert parse_correction("correction: the address is 130 Boulevard SE") == Correction(
        "130 Boulevard SE", None, "location"
    )
    assert parse_correction("change the email to a@b.co").field == "contact_email"


def test_an_ordinary_negative_sentence_is_not_a_correction():
    assert parse_correction("it is not working") is None


def test_a_correction_replaces_only_the_old_value():
    assert apply_correction("123 Boulevard SE", Correction("125", "123")) == "125 Boulevard SE"
    assert apply_correction("1234 Boulevard SE", Correction("125", "123")) is None


@pytest.mark.parametrize(
    "text",
    [
        "there's a pothole and my neighbor's house is on fire",
        "I smell gas",
        "live wire down on the sidewalk",
        "someone is hurt in the street",
        "shots fired outside",
    ],
)
def test_emergency_wording_is_recognised_whatever_else_is_said(text):
    assert mentions_emergency(text)


@pytest.mark.parametrize(
    "text", ["fire hydrant leaking", "I need a smoke alarm", "gas station sign"]
)
def test_services_with_alarming_words_are_not_emergencies(text):
    assert not mentions_emergency(text)


def test_weekdays_are_found_in_short_forms():
    assert find_weekday("missed on Thurs") == "thursday"
    assert find_weekday("my pickup is tue") == "tuesday"
    assert find_weekday("no day here") is None


def test_spanish_spoken_digits_weekdays_and_answers_are_understood():
    assert find_case_number("dos seis cero cero cero uno dos tres").number == "26000123"
    assert spoken_digits_to_text("tengo dos perros") == "tengo dos perros"
    assert find_weekday("pasan los jueves") == "thursday"
    assert is_skip("prefiero no decir")
    assert parse_yes_no("claro") is True


@pytest.mark.parametrize("text", ["hay un incendio en la cocina", "huele a gas", "hay un herido"])
def test_spanish_emergency_wording_is_recognised(text):
    assert mentions_emergency(text)


def test_the_fire_hydrant_in_spanish_is_not_an_emergency():
    assert not mentions_emergency("el hidrante de incendios está goteando")


@pytest.mark.parametrize(("text", "number"), [
    ("veintiséis cero cero cuatro cuatro uno dos", "26004412"),
    ("mi caso es el dos seis cero cero cuatro cuatro uno dos", "26004412"),
    ("caso número veintiseis, cero uno cero nueve siete siete", "26010977"),
])
def test_spanish_spoken_case_numbers(text, number):
    assert find_case_number(text).number == number
