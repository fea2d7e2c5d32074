"""A safety net so that an unexpected error still ends the turn with a message.

When an action raises, rasa-sdk answers Rasa with an error, Rasa drops the
action's events and the resident may get no answer at all, which the
channels treat as a failure. ``guarded`` wraps an action's ``run``: the error
is logged by type only (its message could quote the resident) and the
resident hears that something went wrong and can try again; a form re-asks
its current question.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.texts import N_, translator

logger = logging.getLogger(__name__)
SORRY = N_("Sorry, something went wrong on my side. Please send that again in a moment.")

RunMethod = Callable[[Any, CollectingDispatcher, Tracker, dict], Awaitable[list]]


def guarded(run: RunMethod) -> RunMethod:
    """Decorate an action's ``run`` so that an exception becomes an apology, not silence."""

    @functools.wraps(run)
    async def wrapper(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict
    ) -> list:
        try:
            return await run(self, dispatcher, tracker, domain)
        except Exception as exc:  # noqa: BLE001 - the net must catch everything
            logger.error("action %s failed: %s", self.name(), type(exc).__name__)
            dispatcher.messages.clear()  # half a reply would mislead
            try:
                sorry = translator(tracker)(SORRY)
            except Exception:  # noqa: BLE001 - the apology must go out whatever broke
                sorry = SORRY
            dispatcher.utter_message(text=sorry)
            requested = tracker.get_slot("requested_slot")
            return [SlotSet(requested, None)] if requested else []

    return wrapper


class GuardedForm:
    """Mixin for ``FormValidationAction`` subclasses: their inherited ``run``, guarded."""

    @guarded
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list:
        """Validate as usual; an unexpected error re-asks the current question."""
        return await super().run(dispatcher, tracker, domain)
