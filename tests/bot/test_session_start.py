"""``action_session_start`` fills the city slots the domain's responses name."""

from __future__ import annotations

import yaml
from rasa_sdk.events import ActionExecuted, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions import casestore_client as store
from bot.actions.session import ActionSessionStart
from tests.bot.conftest import make_tracker, run
from tests.fixtures.stack import free_port

CITY = [SlotSet("city_name", "Atlanta"), SlotSet("city_short_name", "ATL311"),
        SlotSet("city_phone", "311 or 404-546-0311 (outside the city)"),
        SlotSet("city_known", True)]


def test_a_new_session_gets_the_city_from_the_case_stores_catalog(store_env):
    store.clear_catalog_cache()
    events = run(ActionSessionStart().run(CollectingDispatcher(), make_tracker(), {}))
    assert events == [SessionStarted(), *CITY, ActionExecuted("action_listen")]


def test_the_slots_the_resident_gave_carry_over_to_the_new_session(store_env):
    tracker = make_tracker(slots={"contact_email": "r@example.org", "location": None})
    events = run(ActionSessionStart().run(CollectingDispatcher(), tracker, {}))
    assert events == [SessionStarted(), SlotSet("contact_email", "r@example.org"), *CITY,
                      ActionExecuted("action_listen")]


def test_with_the_case_store_down_the_city_comes_from_the_local_catalog(monkeypatch, tmp_path):
    catalog = tmp_path / "catalog.yml"
    catalog.write_text(yaml.safe_dump({"city": {
        "name": "Springfield", "short_name": "SPR311", "phone": "311 or 555-0100"}}))
    monkeypatch.setenv("CASESTORE_URL", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("CATALOG_PATH", str(catalog))
    store.clear_catalog_cache()
    events = run(ActionSessionStart().run(CollectingDispatcher(), make_tracker(), {}))
    assert events[1:4] == [SlotSet("city_name", "Springfield"),
                           SlotSet("city_short_name", "SPR311"),
                           SlotSet("city_phone", "311 or 555-0100")]


def test_a_session_starts_in_the_channels_language_when_the_city_serves_it(store_env):
    store.clear_catalog_cache()
    metadata = {"language": "es-US"}
    tracker = make_tracker(slots={"session_started_metadata": metadata})
    events = run(ActionSessionStart().run(CollectingDispatcher(), tracker, {}))
    assert events == [SessionStarted(), SlotSet("session_started_metadata", metadata), *CITY,
                      SlotSet("language", "es"), ActionExecuted("action_listen")]


def test_a_language_the_city_does_not_serve_leaves_the_conversations_language(store_env):
    store.clear_catalog_cache()
    metadata = {"language": "fr"}
    tracker = make_tracker(slots={"session_started_metadata": metadata, "language": "es"})
    events = run(ActionSessionStart().run(CollectingDispatcher(), tracker, {}))
    assert events == [SessionStarted(), SlotSet("session_started_metadata", metadata),
                      SlotSet("language", "es"), *CITY, ActionExecuted("action_listen")]
