"""Referrals: topics the City does not handle get the right number from the catalog."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions import casestore_client as store
from bot.actions.city import current_city
from bot.actions.context import latest_intent
from bot.actions.safety import guarded
from bot.actions.texts import N_, Gettext, language_of, translator

# Used only when the catalog cannot be fetched: a resident must still get a number.
FALLBACK = {
    "power": {
        "name": "Georgia Power",
        "phone": "888-891-0938",
        "message": N_(
            "Power outages and downed lines are handled by Georgia Power "
            "(a downed line: also call 911)."
        ),
    },
    "animal": {
        "name": "Fulton County Animal Services",
        "phone": "404-613-0358",
        "message": N_(
            "Stray or aggressive animals are handled by Fulton County Animal Services."
        ),
    },
}
TOPICS = {"referral_power": "power", "referral_animal": "animal"}


def _same(text: str) -> str:
    return text


def referral_text(referral: dict, _: Gettext = _same) -> str:
    """The message for a referral: what it is and whom to call (``referral`` comes from
    the catalog in the conversation's language; ``_`` translates the rest)."""
    message = (referral.get("message") or "").strip()
    call = _("Call {name} at {phone}.").format(name=referral["name"], phone=referral["phone"])
    return f"{message} {call}".strip() if referral["phone"] not in message else message


class ActionGiveReferral(Action):
    """``action_give_referral``: power outage or animal, nothing is filed."""

    def name(self) -> str:
        return "action_give_referral"

    @guarded
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        _ = translator(tracker)
        topic = TOPICS.get(latest_intent(tracker) or "", "power")
        try:
            catalog = await store.acall(store.get_catalog, language=language_of(tracker))
            referral = store.find_referral(catalog, topic)
        except store.CaseStoreError:
            referral = None
        if referral is None:  # the catalog is away: the built-in message, translated here
            referral = {**FALLBACK[topic], "message": _(FALLBACK[topic]["message"])}
        short_name = (await current_city(language_of(tracker))).get("short_name") or _("The City")
        dispatcher.utter_message(
            text=referral_text(referral, _)
            + " "
            + _("{short_name} doesn't file a case for this.").format(short_name=short_name)
        )
        return []
