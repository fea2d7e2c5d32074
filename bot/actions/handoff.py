"""Handing the conversation to a human 311 agent.

``action_handoff_to_agent`` opens a live chat in the case store
(``POST /api/v1/live-chats`` with the service token). It sends what the
agent needs so nobody asks twice: the conversation so far (from
``tracker.events``) and the slot values gathered (service, location,
description, details, contact). The case store answers with the queue place
and a rough wait, or with the staffed hours when nobody is on duty; the
resident is told either, and from then on the channels route their messages
to the agent until the agent ends the chat.

When the assistant is stuck (two misunderstandings in a row),
``bot.actions.clarify`` offers a person among its choices.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions import casestore_client as store
from bot.actions.city import current_city
from bot.actions.texts import N_, Gettext, language_of, translator

logger = logging.getLogger(__name__)

CHAT_CHANNELS = ("webchat", "sms", "whatsapp", "telegram", "messenger")
MAX_LINES = 60
FALLBACK_INTENT = "nlu_fallback"
# Slots worth an agent's time; the case store keeps only what it knows too.
DETAIL_SLOTS = (
    "service_code",
    "location",
    "lat",
    "long",
    "description",
    "attributes",
    "contact_name",
    "contact_email",
    "contact_phone",
    "info_case_number",
)
def _same(text: str) -> str:
    return text


def unavailable_text(city: dict, _: Gettext = _same) -> str:
    """What the resident hears when the live chat desk cannot be reached."""
    return _(
        "Sorry, I can't reach our agents right now. I can keep helping you here, "
        "or you can call {phone} on weekdays."
    ).format(phone=city.get("phone") or "311")


# On the phone the channels app does the transfer (it knows the agent line and
# its hours); the assistant only asks for it. The text is what other renderers
# would show if the marker ever reached them.
TRANSFER = {"transfer": "agent"}
TRANSFER_TEXT = N_("Connecting you with a person.")


def not_a_chat_text(city: dict, _: Gettext = _same) -> str:
    """What a resident on a channel without live chat hears on asking for a person."""
    return _(
        "To talk with a person, call {phone}, or send us a text "
        "or a web chat message and ask for an agent."
    ).format(phone=city.get("phone") or "311")


def _line(event: dict[str, Any]) -> dict[str, str] | None:
    text = str(event.get("text") or "").strip()
    if not text:
        return None
    if event.get("event") == "bot":
        return {"role": "assistant", "text": text}
    if text.startswith("/"):  # a button the channels sent as its payload
        intent = text[1:].split("{", 1)[0]
        text = f"(chose: {intent.replace('_', ' ')})"
    return {"role": "resident", "text": text}


def transcript(tracker: Tracker) -> list[dict[str, str]]:
    """The conversation so far as ``[{"role": "resident"|"assistant", "text"}]``, newest last."""
    lines = []
    for event in tracker.events:
        if event.get("event") in ("user", "bot"):
            line = _line(event)
            if line is not None:
                lines.append(line)
    return lines[-MAX_LINES:]


def gathered_details(tracker: Tracker) -> dict[str, Any]:
    """The slot values the assistant gathered so far (unset ones left out)."""
    return {
        name: value
        for name in DETAIL_SLOTS
        if (value := tracker.get_slot(name)) not in (None, "", [], {})
    }


def consecutive_fallbacks(tracker: Tracker) -> int:
    """How many of the resident's latest messages in a row the assistant did not understand."""
    count = 0
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        if ((event.get("parse_data") or {}).get("intent") or {}).get("name") != FALLBACK_INTENT:
            break
        count += 1
    return count


class ActionHandoffToAgent(Action):
    """``action_handoff_to_agent``: queue the conversation for a 311 agent and say so."""

    def name(self) -> str:
        return "action_handoff_to_agent"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        _ = translator(tracker)
        language = language_of(tracker)
        sender = tracker.sender_id or ""
        channel = sender.split(":", 1)[0] if ":" in sender else ""
        if channel == "voice":
            dispatcher.utter_message(text=_(TRANSFER_TEXT), json_message=TRANSFER)
            return []
        if channel not in CHAT_CHANNELS:
            dispatcher.utter_message(text=not_a_chat_text(await current_city(language), _))
            return []
        body = {
            "sender_id": sender,
            "transcript": transcript(tracker),
            "details": gathered_details(tracker),
            "reason": "stuck" if consecutive_fallbacks(tracker) >= 2 else "asked",
            # The case store's answer (the queue place, the hours) is told to the resident.
            "language": language,
        }
        try:
            _status, answer = await store.acall(
                store.request, "POST", "/api/v1/live-chats", json=body
            )
        except store.CaseStoreError as exc:
            # Never the sender or the transcript in a log line: both are personal.
            logger.warning("live chat not opened: %s %s", exc.status, exc.code)
            dispatcher.utter_message(text=unavailable_text(await current_city(language), _))
            return []
        message = (answer or {}).get("message")
        dispatcher.utter_message(
            text=str(message) if message else unavailable_text(await current_city(language), _))
        return []
