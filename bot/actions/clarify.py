"""Clarify instead of giving up: the services the assistant was torn between, as buttons.

When the NLU is unsure (``nlu_fallback``), ``action_clarify`` offers the two or
three goals the classifiers ranked highest, by name ("Pothole", "Check a
case"), plus "Something else", the way Rasa's two-stage fallback asks the
resident to pick. A button's payload names the intent (``/report_pothole``);
``action_start_report`` then takes the details from the message that was not
understood (``context.effective_text``). The second misunderstanding in a row
offers a person as well. Every answer ends with the 911 line.
"""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions import casestore_client as store
from bot.actions.handoff import consecutive_fallbacks
from bot.actions.safety import guarded
from bot.actions.texts import N_, Gettext, language_of, translator

SAFETY_LINE = N_("If someone is in danger, call 911 now.")
MAX_CHOICES = 3
MIN_CONFIDENCE = 0.05  # below this an option is noise, not a candidate
# Goals a resident can pick, besides the services; small talk never is one.
GOAL_TITLES = {
    "check_status": N_("Check on a case"),
    "add_info": N_("Add to my case"),
    "withdraw_case": N_("Withdraw my case"),
    "referral_power": N_("Power outage or lines"),
    "referral_animal": N_("Stray or loose animal"),
    "human_agent": N_("Talk to a person"),
}


def _same(text: str) -> str:
    return text


def candidates(
    ranking: list[dict], service_names: dict[str, str], _: Gettext = _same
) -> list[dict]:
    """Buttons for the top goals of an intent ranking, most likely first (``_`` translates
    the goals' titles; the service names come from the catalog in the same language)."""
    buttons: list[dict] = []
    for item in ranking:
        name, confidence = item.get("name") or "", float(item.get("confidence") or 0.0)
        if confidence < MIN_CONFIDENCE:
            continue
        if name.startswith("report_"):
            code = name.removeprefix("report_")
            title = service_names.get(code) or code.replace("_", " ").capitalize()
        elif name in GOAL_TITLES:
            title = _(GOAL_TITLES[name])
        else:
            continue
        if all(b["title"] != title for b in buttons):
            buttons.append({"title": title, "payload": f"/{name}"})
        if len(buttons) == MAX_CHOICES:
            break
    return buttons


async def _service_names(language: str) -> dict[str, str]:
    try:
        catalog = await store.acall(store.get_catalog, language=language)
    except store.CaseStoreError:
        return {}
    return {s["service_code"]: s["service_name"] for s in catalog.get("services", [])}


class ActionClarify(Action):
    """``action_clarify``: answers ``nlu_fallback`` with the likely choices."""

    def name(self) -> str:
        return "action_clarify"

    @guarded
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        _ = translator(tracker)
        ranking = (tracker.latest_message or {}).get("intent_ranking") or []
        buttons = candidates(ranking, await _service_names(language_of(tracker)), _)
        stuck = consecutive_fallbacks(tracker) >= 2
        if stuck:
            buttons = [b for b in buttons if b["payload"] != "/human_agent"][:2]
            buttons.append({"title": _(GOAL_TITLES["human_agent"]), "payload": "/human_agent"})
            lead = _("Sorry, I'm still not sure I understand.")
        else:
            lead = _("Sorry, I'm not sure I understood.")
        if buttons:
            ask = _("Did you mean one of these? Or tell me in other words.")
            buttons.append({"title": _("Something else"), "payload": "/help"})
        else:
            ask = _("Tell me what's wrong and where, or send a case number.")
        text = f"{lead} {ask} {_(SAFETY_LINE)}"
        dispatcher.utter_message(text=text, buttons=buttons)
        return []
