"""Starting, asking, confirming and filing a report.

``action_start_report`` turns the report intent into a service code and keeps
whatever the first message already said (address, description, a pickup day);
the ``action_ask_*`` actions phrase the questions that depend on the catalog or
on the answers so far; ``action_submit_report`` files the case (or follows the
duplicate) with an idempotency key, so a retried turn never files twice. A
report confirmed while the case store is down is queued durably
(``bot.actions.pending``) and filed by ``bot.actions.filing_worker``, which
then tells the resident the case number on their channel.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions import attributes as attrs
from bot.actions import casestore_client as store
from bot.actions import filing_worker, pending
from bot.actions.addresses import find_address, find_place
from bot.actions.context import (
    channel,
    channel_address,
    effective_text,
    idempotency_key,
    latest_intent,
    latest_text,
    media_urls,
    sender_phone,
    shared_location,
    slot_asked_before_message,
)
from bot.actions.parsing import format_case_number, mentions_emergency, parse_yes_no
from bot.actions.report_form import SKIPPED, service_attribute_list, service_info
from bot.actions.safety import guarded
from bot.actions.status import localized_service_name, status_word
from bot.actions.texts import N_, language_of, translator
from bot.actions.volunteered import description_of, volunteered

logger = logging.getLogger(__name__)

# What the resident said: kept aside while they are told to call 911 (held_report).
ANSWER_SLOTS = (
    "service_code",
    "location",
    "lat",
    "long",
    "description",
    "attributes",
    "contact_email",
    "contact_name",
    "contact_phone",
    "media_urls",
)
# Everything a report sets, its answers and the form's bookkeeping.
REPORT_SLOTS = ANSWER_SLOTS + (
    "attribute_answer",
    "pending_attribute",
    "duplicate_case",
    "follow_duplicate",
    "contact",
    "report_confirmed",
    "failed_tries",
    "emergency_stop",
    "submit_pending",
    "last_filed_key",
)
# English msgids, translated where they are said: _(UNREACHABLE).
UNREACHABLE = N_(
    "I couldn't reach the City's case system just now, so nothing is filed yet. "
    'Your answers are saved: say "try again" in a minute, or "cancel".'
)
SAVED = N_(
    "The City's case system isn't answering just now, but your report is saved and will "
    "be filed as soon as it's back."
)
STILL_SAVED = N_(
    "The City's case system still isn't answering. Your report is saved and will be filed "
    "as soon as it's back."
)
SENDING = N_("Your report was just filed; the case number is on its way to you.")


def saved_text(tracker: Tracker) -> str:
    """What the resident hears when their confirmed report is queued: where the number will come."""
    _ = translator(tracker)
    where = channel(tracker)
    if channel_address(tracker) is None or filing_worker.notice_address(tracker.sender_id) is None:
        return _(SAVED)
    if where == "voice":
        return _(SAVED) + " " + _("I'll text the case number to the number you're calling from.")
    if where == "webchat":
        return _(SAVED) + " " + _("I'll post the case number in this chat.")
    return _(SAVED) + " " + _("I'll send you the case number here.")


def reset_report() -> list[EventType]:
    """Events that forget a report's answers (the list of the resident's cases stays)."""
    return [SlotSet(slot, None) for slot in REPORT_SLOTS]


class ActionStartReport(Action):
    """``action_start_report``: a new report; keeps what the first message already said."""

    def name(self) -> str:
        return "action_start_report"

    @guarded
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        events = reset_report() + [SlotSet("held_report", None)]
        text = effective_text(tracker)
        if mentions_emergency(text):
            dispatcher.utter_message(response="utter_emergency")
            return events + [SlotSet("emergency_stop", True)]
        intent = latest_intent(tracker) or ""
        service_code = (
            intent.removeprefix("report_") if intent.startswith("report_") else "general_inquiry"
        )
        name = service_code.replace("_", " ")
        _ = translator(tracker)
        try:
            catalog = await store.acall(store.get_catalog, language=language_of(tracker))
            service = store.find_service(catalog, service_code)
            if service:
                name = service["service_name"]
        except store.CaseStoreError:
            service = None
        events.append(SlotSet("service_code", service_code))
        point = shared_location(tracker)
        place = None if point else find_place(text)
        if point or place:
            events.append(SlotSet("location", "shared" if point else place.value))
            if place is not None and place.lat is not None:
                events += [SlotSet("lat", place.lat), SlotSet("long", place.long)]
        # A message that is more than a keyword already describes the problem
        # (its contact details go to their own slots, not into the description).
        described = description_of(text) if not text.startswith("/") else ""
        if len(described.split()) >= 4:
            events.append(SlotSet("description", described[:4000]))
        said = volunteered(text, store.service_attributes(service), {}, {})
        events += [SlotSet(slot, value) for slot, value in said.items()]
        if media_urls(tracker):
            events.append(SlotSet("media_urls", media_urls(tracker)))
        dispatcher.utter_message(
            text=_("I can report that to the City as: {name}.").format(name=name)
        )
        return events


class ActionResetReport(Action):
    """``action_reset_report``: forget the report in progress (after cancel or 911)."""

    def name(self) -> str:
        return "action_reset_report"

    @guarded
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        return reset_report()


class ActionAskAttributeAnswer(Action):
    """``action_ask_attribute_answer``: asks the next catalog question of the service."""

    def name(self) -> str:
        return "action_ask_attribute_answer"

    @guarded
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        language = language_of(tracker)
        attributes = await service_attribute_list(tracker.get_slot("service_code"), language)
        pending = attrs.unanswered(attributes, tracker.get_slot("attributes"))
        if not pending:
            _ = translator(tracker)
            dispatcher.utter_message(text=_("Anything else about it? (say skip)"))
            return []
        text, buttons = attrs.question(pending[0], language)
        dispatcher.utter_message(text=text, buttons=buttons)
        return [SlotSet("pending_attribute", pending[0]["code"])]


class ActionAskFollowDuplicate(Action):
    """``action_ask_follow_duplicate``: offers to follow an open case at the same place."""

    def name(self) -> str:
        return "action_ask_follow_duplicate"

    @guarded
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        _ = translator(tracker)
        number = tracker.get_slot("duplicate_case") or ""
        try:
            case = await store.acall(store.get_case, number) or {}
        except store.CaseStoreError:
            case = {}
        what = await localized_service_name(case, language_of(tracker)) or _("A report")
        status = (status_word(case, _) or _("open")).lower()
        dispatcher.utter_message(
            text=_(
                "{what} at {place} is already reported: case {number}, {status}. Would you "
                "like to follow that case and get its notices, instead of filing a new one?"
            ).format(
                what=what,
                place=case.get("address") or _("this place"),
                number=format_case_number(number),
                status=status,
            ),
            buttons=[
                {"title": _("Yes, follow it"), "payload": "/affirm"},
                {"title": _("No, file a new one"), "payload": "/deny"},
            ],
        )
        return []


def summary(tracker: Tracker, service: dict) -> str:
    """The one-message summary the resident confirms before filing."""
    _ = translator(tracker)
    name = service.get("service_name") or (tracker.get_slot("service_code") or "").replace("_", " ")
    attributes = store.service_attributes(service)
    parts = [
        _("Here's your report: {service} at {location}.").format(
            service=name, location=tracker.get_slot("location")
        )
    ]
    if tracker.get_slot("description"):
        parts.append(f'"{tracker.get_slot("description")}".')
    answers = attrs.describe_answers(
        attributes, tracker.get_slot("attributes") or {}, language_of(tracker)
    )
    if answers:
        parts.append(answers + ".")
    contact = [
        tracker.get_slot(s)
        for s in ("contact_name", "contact_email", "contact_phone")
        if tracker.get_slot(s) not in (None, SKIPPED)
    ]
    if contact:
        parts.append(_("Updates to: {contacts}.").format(contacts=", ".join(contact)))
    elif channel_address(tracker) and channel(tracker) not in ("webchat", "voice"):
        parts.append(_("Updates will come here."))
    else:
        parts.append(_("No contact details."))
    if tracker.get_slot("media_urls"):
        parts.append(_("{count} photo(s).").format(count=len(tracker.get_slot("media_urls"))))
    parts.append(_("Shall I file it?"))
    return " ".join(parts)


class ActionAskReportConfirmed(Action):
    """``action_ask_report_confirmed``: the summary and the yes/no question."""

    def name(self) -> str:
        return "action_ask_report_confirmed"

    @guarded
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        answering = slot_asked_before_message(tracker) == "report_confirmed"
        if answering and parse_yes_no(latest_text(tracker), latest_intent(tracker)) is False:
            return []  # the validator just asked what to change; don't repeat the summary
        _ = translator(tracker)
        service = await service_info(tracker.get_slot("service_code"), language_of(tracker))
        dispatcher.utter_message(
            text=summary(tracker, service),
            buttons=[
                {"title": _("Yes, file it"), "payload": "/affirm"},
                {"title": _("No, change something"), "payload": "/deny"},
            ],
        )
        return []


def _contact(tracker: Tracker, slot: str) -> str | None:
    value = tracker.get_slot(slot)
    return None if value in (None, SKIPPED) else value


def new_case_body(tracker: Tracker) -> dict[str, Any]:
    """The ``NewCase`` body of docs/api.md from the form's slots."""
    body: dict[str, Any] = {
        "service_code": tracker.get_slot("service_code"),
        "description": tracker.get_slot("description") or "",
        "attributes": {
            k: v
            for k, v in (tracker.get_slot("attributes") or {}).items()
            if v not in (None, "", [])
        },
        "channel": channel(tracker),
        # The case's notices and emails, and the status answers, speak the resident's language.
        "language": language_of(tracker),
        "requester": {
            k: v
            for k, v in {
                "name": _contact(tracker, "contact_name"),
                "email": _contact(tracker, "contact_email"),
                "phone": _contact(tracker, "contact_phone") or sender_phone(tracker),
                "channel_address": channel_address(tracker),
            }.items()
            if v
        },
    }
    if tracker.get_slot("lat") is not None:
        body.update(lat=tracker.get_slot("lat"), long=tracker.get_slot("long"))
    else:
        body["address"] = tracker.get_slot("location")
    if tracker.get_slot("media_urls"):
        body["media_urls"] = tracker.get_slot("media_urls")
    return body


class ActionSubmitReport(Action):
    """``action_submit_report``: files the confirmed report, or follows the duplicate."""

    def name(self) -> str:
        return "action_submit_report"

    @guarded
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        _ = translator(tracker)
        if tracker.get_slot("emergency_stop"):
            return reset_report() + [SlotSet("held_report", held_report(tracker))]
        my_cases = list(tracker.get_slot("my_cases") or [])
        if tracker.get_slot("follow_duplicate") is True and tracker.get_slot("duplicate_case"):
            return await self._follow(dispatcher, tracker, my_cases)
        if tracker.get_slot("report_confirmed") is not True:
            queued = await self._queued(dispatcher, tracker, my_cases)
            if queued is not None:
                return queued
            dispatcher.utter_message(
                text=_("There's no report waiting to be filed. What can I help you with?")
            )
            return []
        body = new_case_body(tracker)
        key = tracker.get_slot("last_filed_key") or idempotency_key(tracker, body)
        try:
            case = await store.acall(store.create_case, body, key)
        except store.CaseStoreUnavailableError:
            return await self._queue(dispatcher, tracker, body, key)
        except store.CaseStoreError as exc:
            logger.warning(
                "case store refused a report: %s %s fields=%s",
                exc.status,
                exc.code,
                sorted((exc.fields or {}).keys()),
            )
            dispatcher.utter_message(
                text=_(
                    "The City's case system could not accept this report ({reason}). "
                    "Nothing was filed. Please start again, or call 311."
                ).format(reason=exc.message or exc.code)
            )
            return reset_report()
        number = case["case_number"]
        language = language_of(tracker)
        filed = await store.acall(filing_worker.filed_text, case, language)
        message = _("Thank you!") + " " + filed
        if _contact(tracker, "contact_email"):
            message += " " + _("We'll email you when it's opened and closed.")
        dispatcher.utter_message(text=message)
        logger.info("filed case %s (%s)", number, body["service_code"])
        return reset_report() + [SlotSet("my_cases", (my_cases + [number])[-20:])]

    async def _queue(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, body: dict, key: str
    ) -> list[EventType]:
        """The case store is down: keep the report durably, with its key, and say so."""
        try:
            await store.acall(pending.enqueue, key, tracker.sender_id or "", body)
        except Exception as exc:  # the queue's database is away too: the old way, "try again"
            logger.warning("could not queue a report: %s", type(exc).__name__)
            dispatcher.utter_message(text=translator(tracker)(UNREACHABLE))
            return [SlotSet("submit_pending", True), SlotSet("last_filed_key", key)]
        filing_worker.wake()
        logger.info("queued a report (%s) while the case store is down", body["service_code"])
        dispatcher.utter_message(text=saved_text(tracker))
        return reset_report()

    async def _queued(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, my_cases: list[str]
    ) -> list[EventType] | None:
        """"Try again" with reports queued for this sender: file them now if the store is back.

        Returns None when nothing is queued. A row the worker holds right now is
        left to it (its notice is on the way); one this turn settles is marked
        done here, so the resident is told once, in the conversation.
        """
        _ = translator(tracker)
        sender = tracker.sender_id or ""
        try:
            rows = await store.acall(pending.for_sender, sender)
        except Exception as exc:
            logger.warning("could not read queued reports: %s", type(exc).__name__)
            return None
        if not rows:
            return None
        said: list[str] = []
        for row in rows:
            if not await store.acall(pending.claim, row, only_if_due=False):
                said.append(_(SENDING))
                continue
            if row["state"] == "file":
                await store.acall(filing_worker.file_row, row)
                row = await store.acall(pending.get, row["id"]) or {}
                if row.get("state") != "notify" or not await store.acall(pending.claim, row):
                    said.append(_(STILL_SAVED))
                    continue
            await store.acall(pending.mark_done, row["id"])
            said.append(row["notice"])
            if row.get("case_number"):
                my_cases = (my_cases + [row["case_number"]])[-20:]
        for text in dict.fromkeys(said):  # one "still saved" for several queued reports
            dispatcher.utter_message(text=text)
        return [SlotSet("my_cases", my_cases)]

    async def _follow(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, my_cases: list[str]
    ) -> list[EventType]:
        _ = translator(tracker)
        number = tracker.get_slot("duplicate_case")
        try:
            await store.acall(
                store.follow_case,
                number,
                _contact(tracker, "contact_email"),
                sender_phone(tracker),
                channel_address(tracker),
            )
        except store.CaseStoreUnavailableError:
            dispatcher.utter_message(text=_(UNREACHABLE))
            return [SlotSet("submit_pending", True)]
        except store.CaseStoreError as exc:
            logger.warning("follow refused: %s %s", exc.status, exc.code)
            dispatcher.utter_message(
                text=_("Sorry, I couldn't add you to that case. Please call 311.")
            )
            return reset_report()
        dispatcher.utter_message(
            text=_("Done: you're following case {number} and will get its notices.").format(
                number=format_case_number(number)
            )
        )
        return reset_report() + [SlotSet("my_cases", (my_cases + [number])[-20:])]


class ActionAffirmNoContext(Action):
    """``action_affirm_no_context``: a "yes" with no question pending.

    Usually the answer is "What can I help you with?". But a report the resident
    confirmed whose filing never ran leaves ``report_confirmed`` set with the form
    closed: Rasa goes on without an action's events when its call to the action
    server fails for good (after bot/action_retries.py's attempts), and answers
    nothing. The channels app takes that empty answer for a failure and delivers
    the "yes" again later; this files the report then (the same message id, so
    the same idempotency key: never twice).
    """

    def name(self) -> str:
        return "action_affirm_no_context"

    @guarded
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        if tracker.get_slot("report_confirmed") is True and not tracker.active_loop_name:
            logger.info("a confirmed report's filing had not run: filing it now")
            return await ActionSubmitReport().run(dispatcher, tracker, domain)
        dispatcher.utter_message(response="utter_affirm_no_context")
        return []


# --- the one contact question ------------------------------------------------------

class ActionAskContact(Action):
    """``action_ask_contact``: one question for how updates reach the resident."""

    def name(self) -> str:
        return "action_ask_contact"

    @guarded
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        _ = translator(tracker)
        where = channel(tracker)
        # A button's payload is what the form reads back; the Spanish words work as well
        # (extract.parse_contact), so a payload stays the English word.
        if sender_phone(tracker) and where == "voice":
            text = _(
                "How should we send you updates: a text to the number you're calling from, "
                "or email? Say text me, say your email, or say skip."
            )
            buttons = [{"title": _("Text me"), "payload": "text me"}]
        elif sender_phone(tracker):
            text = _(
                "How should we send you updates: a text to this number, or email? "
                "Reply TEXT, send your email, or say skip."
            )
            buttons = [{"title": _("Text this number"), "payload": "text me"}]
        elif channel_address(tracker) and where in ("telegram", "messenger"):
            text = _(
                "I'll send updates in this chat. Would you like them by email or text "
                "as well? Send your email or mobile number, or say skip."
            )
            buttons = []
        else:
            text = _(
                "How should we send you updates: email, or a text to your mobile? "
                "Send your email or number, or say skip."
            )
            buttons = []
        buttons.append({"title": _("Skip"), "payload": "skip"})
        dispatcher.utter_message(text=text, buttons=buttons)
        return []


# --- a report held while the resident is told to call 911 ----------------------------


def held_report(tracker: Tracker) -> dict[str, Any] | None:
    """What to keep of a report stopped by the 911 answer.

    A report in progress keeps its answers; a first message the refiner called
    an emergency keeps the service the classifier saw second, its words and place.
    """
    if tracker.get_slot("service_code"):
        return {s: tracker.get_slot(s) for s in ANSWER_SLOTS if tracker.get_slot(s) is not None}
    text = latest_text(tracker)
    for ranked in (tracker.latest_message or {}).get("intent_ranking") or []:
        name = ranked.get("name") or ""
        if name.startswith("report_") and float(ranked.get("confidence") or 0) >= 0.05:
            held: dict[str, Any] = {"service_code": name.removeprefix("report_")}
            if len(text.split()) >= 4:
                held["description"] = text[:4000]
            address = find_address(text)
            if address:
                held["location"] = address
            return held
    return None


class ActionHoldReport(Action):
    """``action_hold_report``: after "call 911", forget the form but keep the report aside."""

    def name(self) -> str:
        return "action_hold_report"

    @guarded
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        return reset_report() + [SlotSet("held_report", held_report(tracker))]


class ActionResumeReport(Action):
    """``action_resume_report``: "nobody is in danger" takes the held report up again."""

    def name(self) -> str:
        return "action_resume_report"

    @guarded
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        held = tracker.get_slot("held_report")
        if not isinstance(held, dict) or not held.get("service_code"):
            dispatcher.utter_message(response="utter_all_clear_no_context")
            return [SlotSet("held_report", None)]
        _ = translator(tracker)
        dispatcher.utter_message(text=_("Thank you. Then I'll take it as a City report."))
        return (
            reset_report()
            + [SlotSet(slot, value) for slot, value in held.items() if slot in ANSWER_SLOTS]
            + [SlotSet("held_report", None), FollowupAction("report_form")]
        )
