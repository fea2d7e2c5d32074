"""``action_session_start``: a new session starts knowing which city it serves.

Rasa's own session start, plus the city's name, short name and phone in the
``city_*`` slots, taken from the catalog's ``city:`` block (bot.actions.city),
so the responses in domain.yml ("Hi, this is {city_short_name}...") name the
city without a second city file. Slots carry over, as
``carry_over_slots_to_new_session: true`` asks.

The session also starts in the channel's language when the channel knows it
(metadata ``language``: the phone menu's choice, Telegram's ``language_code``, the
web widget's language) and the catalog declares it; the resident's own words change
it afterwards (bot/nlu/language.py).
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
    events: list[EventType] = [SlotSet(slot, city.get(key) or None)
                               for slot, key in CITY_SLOTS.items()]
    # The Spanish responses' conditions need a value that excludes "no city" (domain.yml).
    events.append(SlotSet("city_known", True if city.get("short_name") else None))
    return events


def hinted_language(metadata: Any, city: dict[str, Any]) -> str | None:
    """Return the channel's language hint ("es-US" -> "es") when the city serves it, else None."""
    value = metadata.get("language") if isinstance(metadata, dict) else None
    if not isinstance(value, str):
        return None
    code = value.strip().lower().replace("_", "-").split("-", 1)[0]
    return code if code in (city.get("languages") or ["en"]) else None


class ActionSessionStart(Action):
    """Start a session as Rasa does, with the city slots filled from the catalog."""

    def name(self) -> str:
        """Return the name Rasa calls at the start of every session."""
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        """Return SessionStarted, the carried-over slots, the city slots and action_listen."""
        city = await current_city()
        carried = [SlotSet(name, value) for name, value in tracker.current_slot_values().items()
                   if value is not None and name not in CITY_SLOTS and name != "city_known"]
        language = hinted_language(tracker.get_slot("session_started_metadata"), city)
        hinted = [SlotSet("language", language)] if language else []
        return [SessionStarted(), *carried, *city_slot_events(city), *hinted,
                ActionExecuted("action_listen")]
