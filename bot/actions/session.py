"""``action_session_start``: a new session starts knowing which city it serves.

Rasa's own session start, plus the city's name, short name and phone in the
``city_*`` slots, taken from the catalog's ``city:`` block (bot.actions.city),
so the responses in domain.yml ("Hi, this is {city_short_name}...") name the
city without a second city file. Slots carry over, as
``carry_over_slots_to_new_session: true`` asks.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions.city import current_city

# Slot name -> key of the catalog's `city:` block.
CITY_SLOTS = {"city_name": "name", "city_short_name": "short_name", "city_phone": "phone"}


def city_slot_events(city: dict[str, Any]) -> list[EventType]:
    """Return the ``SlotSet`` events of the city slots (an absent key leaves the slot empty)."""
    return [SlotSet(slot, city.get(key) or None) for slot, key in CITY_SLOTS.items()]


class ActionSessionStart(Action):
    """Start a session as Rasa does, with the city slots filled from the catalog."""

    def name(self) -> str:
        """Return the name Rasa calls at the start of every session."""
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Return SessionStarted, the carried-over slots, the city slots and action_listen."""
        carried = [SlotSet(name, value) for name, value in tracker.current_slot_values().items()
                   if value is not None and name not in CITY_SLOTS]
        return [SessionStarted(), *carried, *city_slot_events(await current_city()),
                ActionExecuted("action_listen")]
