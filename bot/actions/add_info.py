"""Adding a note or photo to an open case the resident reported or follows.

Only cases filed or followed in this conversation (the ``my_cases`` slot,
carried across sessions) can be added to: a case number alone is public, so
it must not let anyone write onto someone else's case.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions import casestore_client as store
from bot.actions.context import channel_address, latest_text, media_urls
from bot.actions.parsing import find_case_number, format_case_number, is_skip
from bot.actions.safety import GuardedForm, guarded
from bot.actions.texts import translator

logger = logging.getLogger(__name__)
MAX_NOTE = 4000
PHOTO = "Photo"  # the note of a photo sent without words: for staff, not translated


class ValidateAddInfoForm(GuardedForm, FormValidationAction):
    """``validate_add_info_form``: which case, and what to add."""

    def name(self) -> str:
        return "validate_add_info_form"

    async def extract_info_case_number(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Take the number from the opening message, or the resident's only case."""
        if tracker.get_slot("info_case_number") or tracker.get_slot("requested_slot"):
            return {}
        found = find_case_number(latest_text(tracker)).number
        mine = tracker.get_slot("my_cases") or []
        if found:
            return {"info_case_number": found}
        return {"info_case_number": mine[-1]} if len(mine) == 1 else {}

    async def extract_info_note(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A photo counts as the note, with or without words."""
        if media_urls(tracker):
            text = latest_text(tracker)
            note = text if tracker.get_slot("requested_slot") == "info_note" and text else PHOTO
            return {"info_note": note, "media_urls": media_urls(tracker)}
        return {}

    async def validate_info_case_number(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """The case must be one of the resident's own and still open."""
        _ = translator(tracker)
        number = find_case_number(str(value or "")).number
        if not number:
            dispatcher.utter_message(
                text=_(
                    "Case numbers have 8 digits, like 26-000123. "
                    "Please send it again, or say cancel."
                )
            )
            return {"info_case_number": None}
        if number not in (tracker.get_slot("my_cases") or []):
            dispatcher.utter_message(
                text=_(
                    "I can only add information to a case you reported or followed here, and "
                    "{number} isn't one of them. Send another number, or say "
                    "cancel (call 311 for other cases)."
                ).format(number=format_case_number(number))
            )
            return {"info_case_number": None}
        try:
            case = await store.acall(store.get_case, number)
        except store.CaseStoreError:
            case = {"status": "unknown"}  # checked again when the note is posted
        if case and case.get("status") == "closed":
            dispatcher.utter_message(
                text=_(
                    "Case {number} is closed, so I can't add to it. "
                    "Send another number, or say cancel."
                ).format(number=format_case_number(number))
            )
            return {"info_case_number": None}
        return {"info_case_number": number}

    async def validate_info_note(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A note of a few words, or a photo."""
        _ = translator(tracker)
        text = " ".join(str(value or "").split())
        if (not text or is_skip(text)) and not tracker.get_slot("media_urls"):
            dispatcher.utter_message(
                text=_("Please send a note or a photo to add, or say cancel.")
            )
            return {"info_note": None}
        if len(text) > MAX_NOTE:
            dispatcher.utter_message(
                text=_("Please keep it under {limit} characters.").format(limit=MAX_NOTE)
            )
            return {"info_note": None}
        return {"info_note": text or PHOTO}


class ActionSubmitInfo(Action):
    """``action_submit_info``: posts the note as an ``info_added`` activity."""

    def name(self) -> str:
        return "action_submit_info"

    @guarded
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        _ = translator(tracker)
        number = tracker.get_slot("info_case_number")
        done = [
            SlotSet("info_case_number", None),
            SlotSet("info_note", None),
            SlotSet("media_urls", None),
        ]
        if not number or not tracker.get_slot("info_note"):
            dispatcher.utter_message(text=_("Nothing was added. What can I help with?"))
            return done
        try:
            await store.acall(
                store.add_info,
                number,
                tracker.get_slot("info_note"),
                tracker.get_slot("media_urls") or [],
                channel_address(tracker),
            )
        except store.CaseStoreUnavailableError:
            dispatcher.utter_message(
                text=_(
                    "I couldn't reach the City's case system, so it wasn't "
                    "added yet. Please send it again in a minute."
                )
            )
            return done
        except store.CaseStoreError as exc:
            logger.warning("info_added refused: %s %s", exc.status, exc.code)
            dispatcher.utter_message(
                text=_(
                    "Sorry, case {number} can't take new information now. Please call 311."
                ).format(number=format_case_number(number))
            )
            return done
        dispatcher.utter_message(
            text=_("Added to case {number}. The department will see it.").format(
                number=format_case_number(number)
            )
        )
        return done
