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
from bot.actions.texts import N_, Gettext, language_of, translation, translator

logger = logging.getLogger(__name__)

# The case store's status labels, as msgids: the words a resident hears for a status.
STATUS_WORDS = {
    "new": N_("New"),
    "acknowledged": N_("Acknowledged"),
    "in_progress": N_("In progress"),
    "waiting_for_resident": N_("Waiting for resident"),
    "closed": N_("Closed"),
}


def status_word(case: dict, _: Gettext) -> str | None:
    """The case's status in the conversation's language (the case store's label otherwise)."""
    status = case.get("status")
    if status in STATUS_WORDS:
        return _(STATUS_WORDS[status])
    return case.get("status_label") or status


def localized_names(case: dict, language: str) -> tuple[str | None, str | None]:
    """The case's service and department names from the catalog in ``language`` (blocking).

    A case view names them in the catalog's default language; the catalog in the
    resident's language has the same codes. (None, None) when the catalog is away.
    """
    try:
        catalog = store.get_catalog(language=language)
    except store.CaseStoreError:
        return None, None
    service = store.find_service(catalog, case.get("service_code")) or {}
    department = case.get("department")
    named = store.department_name(catalog, department) if department else None
    return service.get("service_name"), (named if named != department else None)


async def localized_service_name(case: dict, language: str) -> str | None:
    """The case's service name in ``language``, else the case's own; None for no case."""
    if not case:
        return None
    name, _department = await store.acall(localized_names, case, language)
    return name or case.get("service_name")


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


def describe_case(case: dict, language: str = "en") -> str:
    """One message: status, department, last public update, closure comments (blocking:
    the service and department are named from the catalog in ``language``)."""
    _ = translation(language)
    service, department = localized_names(case, language)
    number = format_case_number(case["case_number"])
    what = service or case.get("service_name") or _("report")
    department = department or case.get("department_name") or case.get("department")
    status = status_word(case, _)
    if case.get("address"):
        text = _("Case {number} ({service} at {address}) is {status}, with the {department}.")
    else:
        text = _("Case {number} ({service}) is {status}, with the {department}.")
    text = text.format(
        number=number, service=what, address=case.get("address"), status=status,
        department=department,
    )
    if case.get("status") == "closed":
        closed = format_date(case.get("closed_at"), language)
        comments = case.get("closure_comments")
        if closed and comments:
            said = _("It was closed on {date}: {comments}").format(date=closed, comments=comments)
        elif closed:
            said = _("It was closed on {date}.").format(date=closed)
        elif comments:
            said = _("It was closed: {comments}").format(comments=comments)
        else:
            said = _("It was closed.")
        text += " " + said
        if not text.endswith("."):
            text += "."
    else:
        if case.get("latest_public_note"):
            text += " " + _("Latest update: {note}").format(note=case["latest_public_note"])
            text += "" if text.endswith(".") else "."
        expected = format_date(case.get("expected_at"), language)
        if expected:
            text += " " + _("Expected by {date}.").format(date=expected)
    return text


class ActionCheckStatus(Action):
    """``action_check_status``: looks the case up; unknown or malformed gets a second chance."""

    def name(self) -> str:
        return "action_check_status"

    @guarded
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[EventType]:
        _ = translator(tracker)
        number, malformed = requested_number(tracker)
        if not number and not malformed and latest_intent(tracker) != "check_status":
            # Routed here as "inform" outside a form, and it holds no case number.
            dispatcher.utter_message(response="utter_inform_no_context")
            return []
        if not number:
            if malformed:
                dispatcher.utter_message(
                    text=_(
                        "{number} isn't a case number I recognise: case numbers have 8 digits, "
                        "like 26-000123. Please check it and send it again."
                    ).format(number=malformed)
                )
            else:
                dispatcher.utter_message(
                    text=_("Sure. What's the case number? It has 8 digits, like 26-000123.")
                )
            return []
        try:
            case = await store.acall(store.get_case, number)
        except store.CaseStoreError:
            dispatcher.utter_message(
                text=_(
                    "I can't reach the City's case system right now. "
                    "Please ask again in a minute."
                )
            )
            return []
        if not case:
            dispatcher.utter_message(
                text=_(
                    "I couldn't find case {number}. Please check the number "
                    "(8 digits, like 26-000123) and send it again."
                ).format(number=format_case_number(number))
            )
            return []
        dispatcher.utter_message(
            text=await store.acall(describe_case, case, language_of(tracker))
        )
        return []
