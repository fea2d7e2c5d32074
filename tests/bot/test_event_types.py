"""Event classes are found by type name from a table, exactly as Rasa's walk finds them."""

from __future__ import annotations

import pytest
from rasa.shared.core.events import ActionExecuted, Event, SlotSet, UserUttered
from rasa.shared.utils.common import all_subclasses

from bot import event_types


@pytest.fixture(scope="module", autouse=True)
def installed() -> None:
    event_types.install()


def test_install_replaces_the_lookup_once():
    first = Event.__dict__["resolve_by_type"]
    event_types.install()
    assert Event.__dict__["resolve_by_type"] is first
    assert first.__func__._table is True


def test_every_event_class_is_found_as_rasas_walk_finds_it():
    walked = {}
    for cls in all_subclasses(Event):
        walked.setdefault(cls.type_name, cls)
    assert {name: Event.resolve_by_type(name) for name in walked} == walked


def test_a_found_class_is_the_same_on_the_second_lookup():
    assert Event.resolve_by_type("slot") is SlotSet
    assert Event.resolve_by_type("slot") is SlotSet


def test_stored_events_come_back_as_their_classes():
    events = [{"event": "user", "text": "hi", "parse_data": {"intent": {"name": "greet"}}},
              {"event": "action", "name": "action_listen"},
              {"event": "slot", "name": "language", "value": "es"}]
    assert [type(e) for e in (Event.from_parameters(p) for p in events)] == [
        UserUttered, ActionExecuted, SlotSet]


def test_an_unknown_name_still_raises_rasas_error():
    with pytest.raises(ValueError, match="Unknown event name 'no_such_event'"):
        Event.resolve_by_type("no_such_event")


def test_an_unknown_name_gives_the_default_and_topic_gives_none():
    assert Event.resolve_by_type("no_such_event", SlotSet) is SlotSet
    assert Event.resolve_by_type("topic") is None
