"""Validation of the report form: every answer is checked here, never trusted.

The form asks only what is still missing, in this order: location, (a duplicate
to follow instead), description, the service's catalog attributes, one contact
question ("How should we send you updates?"), and a summary to confirm. Every
message, whatever it answers, is also mined for the other details
(``volunteered``): an email, a phone, a name, a catalog answer said in passing,
so nothing is asked twice. Corrections ("actually it's 125, not 123"), skips
and danger to people are recognised at every step; an unusable answer to an
optional question is kept in the resident's words after one retry instead of
asked forever.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.actions import attributes as attrs
from bot.actions import casestore_client as store
from bot.actions.addresses import check_address
from bot.actions.city import current_city
from bot.actions.context import latest_intent, latest_text, sender_phone, shared_location
from bot.actions.extract import parse_contact
from bot.actions.parsing import (
    apply_correction,
    is_skip,
    mentions_emergency,
    parse_correction,
    parse_email,
    parse_name,
    parse_phone,
    parse_yes_no,
)
from bot.actions.safety import GuardedForm
from bot.actions.texts import N_, language_of, translator
from bot.actions.volunteered import volunteered

logger = logging.getLogger(__name__)

SKIPPED = "-"  # an optional question the resident chose to skip
CORRECTABLE = ("location", "description", "contact_email", "contact_name", "contact_phone")
MAX_DESCRIPTION = 4000
CONTACT_SLOTS = ("contact_email", "contact_phone", "contact_name")
# check_location's values when the place is real but outside the city: never kept.
OUTSIDE = "outside_city"
# What a correction changed, per slot (msgids; {value} is the new value).
CHANGED = {
    "contact_email": N_("Got it, the email is now {value}."),
    "contact_phone": N_("Got it, the phone is now {value}."),
    "contact_name": N_("Got it, the name is now {value}."),
    "description": N_("Got it, the description is now {value}."),
}


def tries(tracker: Tracker, slot: str) -> int:
    """How many unusable answers the resident already gave to this question."""
    return int((tracker.get_slot("failed_tries") or {}).get(slot, 0))


def one_more_try(tracker: Tracker, slot: str) -> dict[str, Any]:
    """The slot event counting one more unusable answer to ``slot``."""
    counts = dict(tracker.get_slot("failed_tries") or {})
    counts[slot] = counts.get(slot, 0) + 1
    return {"failed_tries": counts}


def contact_known(tracker: Tracker) -> bool:
    """True once the resident gave (or declined) a way to reach them.

    The ``contact`` slot holds the raw answer until its validator has run, and
    only ``"given"`` or ``SKIPPED`` after: a raw answer must still be validated.
    """
    return tracker.get_slot("contact") in ("given", SKIPPED) or any(
        tracker.get_slot(s) not in (None, SKIPPED) for s in ("contact_email", "contact_phone")
    )


async def service_info(service_code: str | None, language: str | None = None) -> dict:
    """Return the catalog's service, its texts in ``language`` (``{}`` when unknown or the
    catalog is unreachable)."""
    try:
        catalog = await store.acall(store.get_catalog, language=language)
    except store.CaseStoreError:
        return {}
    return store.find_service(catalog, service_code) or {}


async def service_attribute_list(
    service_code: str | None, language: str | None = None
) -> list[dict]:
    """Return the service's attributes in asking order, their texts in ``language`` (the
    answers are read against the same texts); [] if unknown or unreachable."""
    return store.service_attributes(await service_info(service_code, language))


async def city_facts(language: str | None = None) -> tuple[list[str], str, str]:
    """Return the catalog city's names, state and short name (in ``language``)."""
    city = await current_city(language)
    names = list(city.get("city_names") or [city.get("name") or ""])
    return names, str(city.get("state") or ""), str(city.get("short_name") or "")


async def inside_city(lat: float, long: float) -> bool:
    """Ask the case store whether the point is inside the city limits (its polygon).

    Fails open: with the store unreachable the point is kept, and the store checks it
    again when the case is filed.
    """
    try:
        return await store.acall(store.place_inside, lat, long)
    except store.CaseStoreError as exc:
        logger.info("city limits check skipped (%s)", exc.code)
        return True


async def check_location(text: str, tracker: Tracker) -> tuple[dict[str, Any], str | None]:
    """Validate a location answer: slot values to set, or the problem to tell the resident.

    A real place outside the city comes back as ``({OUTSIDE: True}, problem)``.
    """
    _ = translator(tracker)
    names, state, short_name = await city_facts(language_of(tracker))
    point = shared_location(tracker)
    if point:
        lat, long = point
        if not await inside_city(lat, long):
            return {OUTSIDE: True}, _(
                "That shared location looks outside the City of {city}. "
                "Please send an address in {city}, or say cancel."
            ).format(city=names[0])
        return {
            "location": _("Shared location ({lat}, {long})").format(
                lat=f"{lat:.5f}", long=f"{long:.5f}"
            ),
            "lat": lat,
            "long": long,
        }, None
    checked = check_address(text, names, state)
    if checked.problem == "outside_city":
        return {OUTSIDE: True}, _(
            "That looks like it's in {place}, outside the City of {city}. "
            "{short_name} can only file for places in the city: please send an address in "
            "{city}, or say cancel."
        ).format(place=checked.place, city=names[0], short_name=short_name)
    if checked.problem:
        return {}, _(
            "I need a bit more to find it: a street address (412 Boulevard SE), an "
            "intersection (Ponce & Monroe), a street and what it's near (Ralph McGill near "
            "the church), or a place like Piedmont Park."
        )
    found = checked.found
    if found is not None and found.lat is not None:
        return {"location": checked.value, "lat": found.lat, "long": found.long}, None
    return {"location": checked.value, "lat": None, "long": None}, None


async def find_duplicate(tracker: Tracker, location: dict[str, Any]) -> str | None:
    """Return the number of an open case of the same service at the same place, if any."""
    service_code = tracker.get_slot("service_code")
    if not service_code:
        return None
    address = None if location.get("lat") is not None else location.get("location")
    try:
        cases = await store.acall(
            store.nearby_cases, service_code, address, location.get("lat"), location.get("long")
        )
    except store.CaseStoreError as exc:
        # Fail open: a missed duplicate is better than a resident who cannot file.
        logger.info("duplicate check skipped (%s)", exc.code)
        return None
    return cases[0]["case_number"] if cases else None


class ValidateReportForm(GuardedForm, FormValidationAction):
    """``validate_report_form``: decides what to ask next and checks each answer."""

    def name(self) -> str:
        return "validate_report_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        """Only what is still needed: attributes from the catalog, phone only off-phone."""
        if tracker.get_slot("emergency_stop"):
            return []
        slots = ["location"]
        if tracker.get_slot("duplicate_case"):
            slots.append("follow_duplicate")
            if tracker.get_slot("follow_duplicate") is True:
                return slots + ([] if contact_known(tracker) else ["contact"])
        slots.append("description")
        attributes = await service_attribute_list(tracker.get_slot("service_code"))
        if attrs.unanswered(attributes, tracker.get_slot("attributes")):
            slots.append("attribute_answer")
        if not contact_known(tracker):
            slots.append("contact")
        return slots + ["report_confirmed"]

    async def extract_location(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A shared location fills the location even when the message has no text."""
        if tracker.get_slot("requested_slot") == "location" and shared_location(tracker):
            return {"location": "shared"}
        return {}

    # --- corrections and emergencies, checked before every answer ---------

    async def _interrupt(
        self, asking: str, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> dict[str, Any] | None:
        text = latest_text(tracker)
        if mentions_emergency(text):
            dispatcher.utter_message(response="utter_emergency")
            return {asking: None, "emergency_stop": True}
        correction = parse_correction(text)
        if not correction:
            return None
        if correction.field:
            return await self._set_field(
                correction.field, correction.new, asking, dispatcher, tracker
            )
        for slot in CORRECTABLE:
            current = tracker.get_slot(slot)
            if slot == asking or not isinstance(current, str) or current == SKIPPED:
                continue
            updated = apply_correction(current, correction)
            if updated:
                return await self._set_field(slot, updated, asking, dispatcher, tracker)
        answers = dict(tracker.get_slot("attributes") or {})
        for code, value in answers.items():
            updated = apply_correction(value, correction) if isinstance(value, str) else None
            if updated:
                answers[code] = updated
                _ = translator(tracker)
                dispatcher.utter_message(
                    text=_("Got it, changed to {value}.").format(value=updated)
                )
                return {asking: None, "attributes": answers}
        return None

    async def _set_field(
        self, slot: str, value: str, asking: str, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> dict[str, Any]:
        _ = translator(tracker)
        if slot == "location":
            values, problem = await check_location(value, tracker)
            if problem:
                dispatcher.utter_message(text=problem)
                return {asking: None}
            dispatcher.utter_message(
                text=_("Got it, the location is now {value}.").format(value=values["location"])
            )
            # The new place may already have an open case of this service.
            values.update(
                duplicate_case=await find_duplicate(tracker, values), follow_duplicate=None
            )
            return {**values, asking: None} if asking != "location" else values
        parsed = {
            "contact_email": parse_email,
            "contact_phone": parse_phone,
            "contact_name": parse_name,
        }.get(slot, lambda v: v.strip() or None)(value)
        if not parsed:
            dispatcher.utter_message(
                text=_("Sorry, I couldn't use that correction. Please try again.")
            )
            return {asking: None}
        dispatcher.utter_message(
            text=_(CHANGED.get(slot, CHANGED["description"])).format(value=parsed)
        )
        return {slot: parsed, asking: None} if asking != slot else {slot: parsed}

    # --- one validator per question ---------------------------------------

    async def validate_location(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Accept a street address, intersection, landmark or shared location in the city."""
        if tracker.get_slot("requested_slot") == "location":
            interrupted = await self._interrupt("location", dispatcher, tracker)
            if interrupted is not None:
                return interrupted
        if is_skip(str(value or "")) and not shared_location(tracker):
            _ = translator(tracker)
            dispatcher.utter_message(
                text=_(
                    "I need to know where it is to send someone. "
                    "A street address, an intersection or a landmark will do."
                )
            )
            return {"location": None}
        values, problem = await check_location(str(value or ""), tracker)
        outside = bool(values.get(OUTSIDE))
        words = " ".join(str(value or "").split())[:200]
        if problem and not outside and tries(tracker, "location") and words:
            # Second try: an agent can place the resident's own words; asking a
            # third time would only lose the report.
            values, problem = {"location": words, "lat": None, "long": None}, None
        if problem:
            dispatcher.utter_message(text=problem)
            if outside:
                return {"location": None}  # a real place, just not ours: never kept
            return {"location": None, **one_more_try(tracker, "location")}
        return {
            **values,
            "duplicate_case": await find_duplicate(tracker, values),
            "follow_duplicate": None,
        }

    async def validate_follow_duplicate(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Yes: follow the open case instead of filing again. No: go on filing."""
        interrupted = await self._interrupt("follow_duplicate", dispatcher, tracker)
        if interrupted is not None:
            return interrupted
        answer = parse_yes_no(str(value or ""), latest_intent(tracker))
        if answer is None:
            _ = translator(tracker)
            dispatcher.utter_message(
                text=_(
                    "Please answer yes (follow that case) or no (file a new one)."
                )
            )
        return {"follow_duplicate": answer}

    async def validate_description(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """A short description is required; a very long one is refused, not cut."""
        if tracker.get_slot("requested_slot") == "description":
            interrupted = await self._interrupt("description", dispatcher, tracker)
            if interrupted is not None:
                return interrupted
        _ = translator(tracker)
        text = " ".join(str(value or "").split())
        if len(text) < 3 or is_skip(text):
            dispatcher.utter_message(
                text=_("A few words about the problem help the crew find and fix it.")
            )
            return {"description": None}
        if len(text) > MAX_DESCRIPTION:
            dispatcher.utter_message(
                text=_(
                    "That's too long for one report; please keep it under {limit} characters."
                ).format(limit=MAX_DESCRIPTION)
            )
            return {"description": None}
        return {"description": text}

    async def validate_attribute_answer(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Check the answer against the current catalog attribute and store it."""
        interrupted = await self._interrupt("attribute_answer", dispatcher, tracker)
        if interrupted is not None:
            return interrupted
        language = language_of(tracker)
        attributes = await service_attribute_list(tracker.get_slot("service_code"), language)
        answers = dict(tracker.get_slot("attributes") or {})
        pending = [
            a
            for a in attrs.unanswered(attributes, answers)
            if a["code"] == tracker.get_slot("pending_attribute")
        ] or attrs.unanswered(attributes, answers)
        if not pending:
            return {"attribute_answer": None}
        attribute = pending[0]
        text = str(value or "")
        skipping = is_skip(text) or latest_intent(tracker) == "skip"
        parsed, problem = (
            (None, "skip")
            if skipping and attribute.get("datatype") not in attrs.LIST_TYPES
            else attrs.parse_answer(attribute, text)
        )
        if problem and skipping:
            if attribute.get("required"):
                _ = translator(tracker)
                dispatcher.utter_message(text=_("This one is needed to route your report."))
                return {"attribute_answer": None}
            parsed, problem = None, None
        slot_key = f"attribute:{attribute['code']}"
        if problem == "choose" and not attribute.get("required") and tries(tracker, slot_key):
            # The resident's words go with the report for the department to read.
            question = attribute.get("description") or attribute["code"]
            answers[attribute["code"]] = None
            description = tracker.get_slot("description") or ""
            noted = f"{description} ({question} {' '.join(text.split())[:200]})".strip()
            return {
                "attributes": answers,
                "attribute_answer": None,
                "pending_attribute": None,
                "description": noted[:MAX_DESCRIPTION],
            }
        if problem:
            dispatcher.utter_message(text=attrs.problem_message(attribute, problem, language))
            return {"attribute_answer": None, **one_more_try(tracker, slot_key)}
        answers[attribute["code"]] = parsed
        return {"attributes": answers, "attribute_answer": None, "pending_attribute": None}

    async def _optional(
        self,
        slot: str,
        value: Any,
        parser,
        problem: str,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
    ) -> dict[str, Any]:
        interrupted = await self._interrupt(slot, dispatcher, tracker)
        if interrupted is not None:
            return interrupted
        text = str(value or "")
        if is_skip(text) or latest_intent(tracker) in ("skip", "deny"):
            return {slot: SKIPPED}
        parsed = parser(text)
        if not parsed:
            dispatcher.utter_message(text=problem)
        return {slot: parsed}

    async def validate_contact(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """One question for every way to reach the resident: email, a text, a name, or skip."""
        interrupted = await self._interrupt("contact", dispatcher, tracker)
        if interrupted is not None:
            return interrupted
        text = str(value or "")
        contact = parse_contact(text, sender_phone(tracker))
        if contact.skip or (not contact.understood and latest_intent(tracker) in ("skip", "deny")):
            return {"contact": SKIPPED}
        given = (contact.email, contact.phone, contact.name)
        found = {slot: value for slot, value in zip(CONTACT_SLOTS, given, strict=True) if value}
        if found.keys() & {"contact_email", "contact_phone"}:
            return {"contact": "given", **found}
        if tries(tracker, "contact"):
            return {"contact": SKIPPED, **found}  # optional: never asked a third time
        _ = translator(tracker)
        if contact.wants_email:
            problem = _("Sure. What's your email address?")
        elif contact.use_sender_phone:
            problem = _("Sure. What mobile number should we text?")
        else:
            problem = _(
                "Sorry, I couldn't find an email address or a phone number in that. "
                "Send one (like name@example.com or 404-555-0123), or say skip."
            )
        dispatcher.utter_message(text=problem)
        return {"contact": None, **found, **one_more_try(tracker, "contact")}

    # --- details volunteered in any answer -------------------------------------

    async def get_validation_events(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list:
        """Validate the answer, then keep what else the same message said."""
        events = await super().get_validation_events(dispatcher, tracker, domain)
        if tracker.get_slot("emergency_stop") or not tracker.get_slot("service_code"):
            return events
        attributes = await service_attribute_list(
            tracker.get_slot("service_code"), language_of(tracker)
        )
        extra = volunteered(
            latest_text(tracker),
            attributes,
            dict(tracker.get_slot("attributes") or {}),
            {slot: tracker.get_slot(slot) for slot in CONTACT_SLOTS},
        )
        return events + [SlotSet(slot, value) for slot, value in extra.items()]

    async def validate_report_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        """Yes files; no asks what to change; a change is applied and the summary shown again."""
        interrupted = await self._interrupt("report_confirmed", dispatcher, tracker)
        if interrupted is not None:
            return interrupted
        text = str(value or "")
        change = (
            parse_correction("actually " + text)
            if not text.lower().startswith(
                ("actually", "sorry", "correction", "i meant", "change", "en realidad",
                 "perdón", "perdon", "corrección", "correccion", "quise decir", "cambi")
            )
            else None
        )
        if change and change.field:
            return await self._set_field(
                change.field, change.new, "report_confirmed", dispatcher, tracker
            )
        _ = translator(tracker)
        email = parse_email(text)
        if email:
            dispatcher.utter_message(text=_(CHANGED["contact_email"]).format(value=email))
            return {"contact_email": email, "report_confirmed": None}
        answer = parse_yes_no(text, latest_intent(tracker))
        if answer is True:
            return {"report_confirmed": True}
        if answer is False:
            dispatcher.utter_message(
                text=_(
                    'What should I change? For example "the address is 125 Boulevard SE", '
                    '"the description is ...", "the email is ...", or say cancel.'
                )
            )
        else:
            dispatcher.utter_message(
                text=_("Say yes to file it, tell me what to change, or say cancel.")
            )
        return {"report_confirmed": None}
