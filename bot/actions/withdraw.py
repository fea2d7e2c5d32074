"""Withdrawing a case the resident filed ("I filed that by accident").

The case store decides whose case it is: it records the request only when
this conversation's channel address, or the email the resident gave earlier,
is the one that filed the case. The department then closes it as withdrawn
(the resident gets the closed notice), or keeps it open when the City must
check the problem anyway (the case store answers ``kept_open``).
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions import casestore_client as store
from bot.actions.context import channel_address, latest_text
from bot.actions.parsing import format_case_number
from bot.actions.safety import guarded
from bot.actions.status import localized_service_name, requested_number
from bot.actions.texts import N_, Gettext, language_of, translator

logger = logging.getLogger(__name__)

INTENT = "withdraw_case"
MAX_REASON = 1000
# Optional: when the domain declares this slot, it is True while the action waits for a number.
ASKED_SLOT = "withdraw_case_asked"

# English msgids, translated where they are said: _(ASK_NUMBER).
ASK_NUMBER = N_("Which case? Send its number (8 digits, like 26-000123).")
NOT_YOURS = N_(
    "I can only withdraw a case from the phone number, chat or email that filed it. "
    "Please call 311."
)
UNREACHABLE = N_(
    "I couldn't reach the City's case system just now, so nothing has changed. "
    "Please try again in a minute."
)


def resident_email(tracker: Tracker) -> str | None:
    """Return the email the resident gave in this conversation, if any.

    The report form's ``contact_email`` slot is cleared once a case is filed,
    so the latest value it held (in the tracker's events) counts too. A
    skipped question (``-``) is not an email.
    """
    values = [tracker.get_slot("contact_email")]
    values += [
        e.get("value")
        for e in reversed(tracker.events or [])
        if e.get("event") == "slot" and e.get("name") == "contact_email"
    ]
    for value in values:
        if isinstance(value, str) and "@" in value and len(value) <= 320:
            return value.strip()
    return None


def resident_reason(tracker: Tracker) -> str:
    """Return the resident's own words: the message that asked to withdraw, else the latest."""
    for event in reversed(tracker.events or []):
        if event.get("event") == "user":
            intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
            if intent == INTENT and (event.get("text") or "").strip():
                return event["text"].strip()[:MAX_REASON]
    return latest_text(tracker)[:MAX_REASON]


def _asked(domain: DomainDict, value: bool | None) -> list[EventType]:
    return [SlotSet(ASKED_SLOT, value)] if ASKED_SLOT in (domain or {}).get("slots", {}) else []


def _reply(result: dict, number: str, _: Gettext, service: str | None = None) -> str:
    """The answer to a recorded request; ``service`` names the kept-open case's service."""
    shown = format_case_number(number)
    if result.get("status") == "kept_open":
        if service:
            return _(
                "I've passed your message to the department. Case {number} ({service}) stays "
                "open, because the City still needs to check this kind of problem itself. "
                "Thanks for letting us know."
            ).format(number=shown, service=service)
        return _(
            "I've passed your message to the department. Case {number} stays open, "
            "because the City still needs to check this kind of problem itself. "
            "Thanks for letting us know."
        ).format(number=shown)
    if result.get("already_requested"):
        return _(
            "You've already asked to withdraw case {number}; the department will close it. "
            "You'll get a notice when it's closed."
        ).format(number=shown)
    return _(
        "I've asked the department to close case {number} as withdrawn; "
        "you'll get a notice when it's closed."
    ).format(number=shown)


class ActionWithdrawCase(Action):
    """``action_withdraw_case``: asks the case store to withdraw the resident's own case."""

    def name(self) -> str:
        return "action_withdraw_case"

    @guarded
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        _ = translator(tracker)
        number, malformed = requested_number(tracker)
        if not number and malformed:
            dispatcher.utter_message(
                text=_(
                    "{number} isn't a case number I recognise: case numbers have 8 digits, "
                    "like 26-000123. Which case should I withdraw?"
                ).format(number=malformed)
            )
            return _asked(domain, True)
        if not number:
            mine = tracker.get_slot("my_cases") or []
            number = mine[-1] if mine else None
        if not number:
            dispatcher.utter_message(text=_(ASK_NUMBER))
            return _asked(domain, True)
        address, email = channel_address(tracker), resident_email(tracker)
        done = _asked(domain, None)
        if not address and not email:
            dispatcher.utter_message(text=_(NOT_YOURS))
            return done
        try:
            result: dict[str, Any] = await store.acall(
                store.request_withdrawal, number, resident_reason(tracker), address, email
            )
        except store.CaseStoreUnavailableError:
            dispatcher.utter_message(text=_(UNREACHABLE))
            return done
        except store.CaseStoreError as exc:
            dispatcher.utter_message(text=self._refusal(exc, number, _))
            return done
        result = result or {}
        service = await localized_service_name(result.get("case") or {}, language_of(tracker))
        dispatcher.utter_message(text=_reply(result, number, _, service))
        return done

    @staticmethod
    def _refusal(exc: store.CaseStoreError, number: str, _: Gettext) -> str:
        shown = format_case_number(number)
        if exc.status == 403:
            return _(NOT_YOURS)
        if exc.status == 404:
            return _(
                "I couldn't find case {number}. Please check the number "
                "(8 digits, like 26-000123) and send it again."
            ).format(number=shown)
        if exc.status == 409:
            return _("Case {number} is already closed, so there's nothing to withdraw.").format(
                number=shown
            )
        logger.warning("withdrawal refused: %s %s", exc.status, exc.code)
        return _("Sorry, I couldn't withdraw case {number}. Please call 311.").format(
            number=shown
        )
