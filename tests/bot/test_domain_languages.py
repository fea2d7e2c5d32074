"""Every response in domain.yml speaks every language the catalog declares, and
exactly one variation fits each conversation (Rasa picks at random among matches)."""

from __future__ import annotations

import itertools
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
LANGUAGES = yaml.safe_load((ROOT / "config" / "catalog.yml").read_text(encoding="utf-8"))[
    "city"]["languages"]
# The slot values a session can have that the conditions look at.
STATES = [
    {"language": lang, "city_short_name": city, "city_known": known}
    for lang, (city, known) in itertools.product(LANGUAGES, [("ATL311", True), (None, None)])
]


def matching(variations: list[dict], state: dict) -> list[dict]:
    """Rasa's rule: the conditional variations that match, else the unconditional ones."""
    conditional = [v for v in variations if v.get("condition") and all(
        state.get(c["name"]) == c["value"] for c in v["condition"])]
    return conditional or [v for v in variations if not v.get("condition")]


def language_of(variation: dict) -> str:
    values = [c["value"] for c in variation.get("condition") or [] if c["name"] == "language"]
    return values[0] if values else LANGUAGES[0]


def test_the_catalog_declares_english_and_spanish():
    assert LANGUAGES == ["en", "es"]


def test_every_response_has_exactly_one_variation_for_every_language_and_city_state():
    problems = []
    for name, variations in DOMAIN["responses"].items():
        for state in STATES:
            found = matching(variations, state)
            if len(found) != 1:
                problems.append(f"{name}: {len(found)} variations for {state}")
            elif language_of(found[0]) != state["language"]:
                problems.append(f"{name}: {state['language']} gets {language_of(found[0])}")
            elif state["city_short_name"] is None and "{city_" in found[0]["text"]:
                problems.append(f"{name}: names the city when it is unknown ({state})")
    assert problems == []


def test_the_language_slot_starts_in_the_default_language_and_follows_the_entity():
    slot = DOMAIN["slots"]["language"]
    assert slot["initial_value"] == LANGUAGES[0]
    assert slot["mappings"] == [{"type": "from_entity", "entity": "language"}]
    assert slot["influence_conversation"] is False
