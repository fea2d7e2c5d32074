"""Status of a case from its number, in any form a resident gives it."""

from __future__ import annotations

import logging

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions import casestore_client as store
from bot.actions.context import format_date, latest_intent, latest_text
from bot.actions.parsing import find_case_number, format_case_number
from bot.actions.safety import guarded

logger = logging.getLogger(__name__)


def requested_number(tracker: Tracker) -> tuple[str | None, str | None]:
    """Return ``(number, malformed)`` from the regex entity or, failing that, the words.

    Entities are only a hint: the value is re-parsed, so a typed
    ``/check_status{"case_number": ...}`` cannot smuggle in anything else.
    """
    for entity in (tracker.latest_message or {}).get("entities", []):
        if entity.get("entity") == "case_number":
            match = find_case_number(str(entity.get("value", "")))
            if match.number:
                return match.number, None
    match = find_case_number(latest_text(tracker))
    return match.number, match.malformed


def describe_case(case: dict) -> str:
    """One message: status, department, last public update, closure comments."""
    number = format_case_number(case["case_number"])
    where = f" at {case['address']}" if case.get("address") else ""
    text = (
        f"Case {number} ({case.get('service_name', 'report')}{where}) is "
        f"{case.get('status_label') or case.get('status')}, with the "
        f"{case.get('department_name') or case.get('department')}."
    )
    if case.get("status") == "closed":
        closed = format_date(case.get("closed_at"))
        text += f" It was closed{' on ' + closed if closed else ''}"
        text += f": {case['closure_comments']}" if case.get("closure_comments") else "."
        if not text.endswith("."):
            text += "."
    else:
        if case.get("latest_public_note"):
            text += f" Latest update: {case['latest_public_note']}"
            text += "" if text.endswith(".") else "."
        expected = format_date(case.get("expected_at"))
        if expected:
            text += f" Expected by {expected}."
    return text


class ActionCheckStatus(Action):
    """``action_check_status``: looks the case up; unknown or malformed gets a second chance."""

    def name(self) -> str:
        return "action_check_status"

    @guarded
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        number, malformed = requested_number(tracker)
        if not number and not malformed and latest_intent(tracker) != "check_status":
            # Routed here as "inform" outside a form, and it holds no case number.
            dispatcher.utter_message(response="utter_inform_no_context")
            return []
        if not number:
            if malformed:
                dispatcher.utter_message(
                    text=f"{malformed} isn't a case number I recognise: "
                    "case numbers have 8 digits, "
                    "like 26-000123. Please check it and send it again."
                )
            else:
                dispatcher.utter_message(
                    text="Sure. What's the case number? It has 8 digits, like 26-000123."
                )
            return []
        try:
            case = await store.acall(store.get_case, number)
        except store.CaseStoreError:
            dispatcher.utter_message(
                text="I can't reach the City's case system right now. Please ask again in a minute."
            )
            return []
        if not case:
            dispatcher.utter_message(
                text=f"I couldn't find case {format_case_number(number)}. Please check the number "
                "(8 digits, like 26-000123) and send it again."
            )
            return []
        dispatcher.utter_message(text=describe_case(case))
        return []
