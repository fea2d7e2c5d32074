"""Which language a message is in (bot/nlu/language.py, config/languages.yml)."""

from __future__ import annotations

import pytest

from bot.nlu.language import detect, message_language, switch_request


@pytest.mark.parametrize("text", [
    "hay un bache enorme en 412 Boulevard SE",
    "la basura no la recogieron ayer",
    "q onda, nadie recogio la basura xq",
    "Se me inundó el sótano",
    "hay un pothole en mi calle near the school",
    "perro muerto en la calle",
    "hola",
    "Muchas gracias!",
    "dos mil ciento cuarenta y dos campbellton road, el poste de luz esta apagado",
])
def test_spanish_messages_are_spanish(text):
    assert detect(text) == "es"


@pytest.mark.parametrize("text", [
    "there is a big pothole in front of my house",
    "my trash was not picked up",
    "the street light on calle ocho is out",
    "dead dog on the road",
    "hello",
    "Thank you!",
])
def test_english_messages_are_english(text):
    assert detect(text) == "en"


@pytest.mark.parametrize("text", [
    "grande", "412 Peachtree St NE", "ok", "no", "26-004412", "pothole at 412 Boulevard SE",
    "streetlight out", "", "   ", "²", "\u200b\u200f", "①②③", "🙂🙂",
])
def test_short_answers_and_bare_places_decide_nothing(text):
    assert detect(text) is None


@pytest.mark.parametrize(("text", "code"), [
    ("español", "es"), ("Español!", "es"), ("en español por favor", "es"),
    ("¿Hablan español?", "es"), ("in spanish please", "es"), ("SPANISH", "es"),
    ("English", "en"), ("in english please", "en"), ("en inglés", "en"),
])
def test_a_plain_request_to_switch_names_the_language(text, code):
    assert switch_request(text) == code
    assert message_language(text) == code


@pytest.mark.parametrize("text", [
    "the lady at the corner only speaks spanish and her trash was not picked up",
    "hay un bache, y no hablo bien el inglés",
    "español" * 20,
])
def test_a_message_that_only_mentions_a_language_is_not_a_request(text):
    assert switch_request(text) is None


def test_a_very_long_message_is_read_without_error():
    assert detect("la basura " * 10_000) == "es"
    assert detect("x" * 20_000) is None
