"""Filing a case from a live chat, with what the assistant already gathered filled in.

The form starts from the slot values the action stored on the chat
(service, location, description, the service's details, contact), so the
agent does not ask again. The case is created through the service layer
(``casestore.cases.create_case``) with channel ``live_chat`` and the agent as
author; its ``opened`` entry records the chat, the resident's own channel and
the agent who took it. One case per chat: a second submit returns the first.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from ..authors import Author
from ..cases import create_case
from ..catalog import Catalog, Service
from ..media.photos import free_photos_in
from ..models import Activity, Case, LiveChat, StaffUser
from ..validation import phone_of
from .notify import case_filed_text, chat_language
from .service import send_to_resident


def _answers_as_lists(attributes: Any) -> dict[str, list[str]]:
    if not isinstance(attributes, dict):
        return {}
    return {str(code): [str(x) for x in value] if isinstance(value, list) else [str(value)]
            for code, value in attributes.items()}


def prefill(chat: LiveChat) -> dict[str, Any]:
    """The filing form's starting values, from the details the assistant gathered."""
    details = chat.details or {}
    # A chat from a phone channel (SMS, WhatsApp) already knows the number to call back.
    phone = details.get("contact_phone") or phone_of(chat.sender_id) or ""
    return {
        "service_code": details.get("service_code", ""),
        "description": details.get("description", ""),
        "address": details.get("location", ""),
        "lat": details.get("lat", ""),
        "long": details.get("long", ""),
        "answers": _answers_as_lists(details.get("attributes")),
        "requester_name": details.get("contact_name", ""),
        "requester_email": details.get("contact_email", ""),
        "requester_phone": phone or chat.callback_phone or "",
    }


def form_values(form: MultiDict, service: Service | None) -> dict[str, Any]:
    """The filing form's submitted values, in the shape ``prefill`` returns."""
    answers = {}
    for attribute in service.attributes if service else ():
        picked = [x.strip() for x in form.getlist(f"attr-{attribute.code}") if x.strip()]
        if picked:
            answers[attribute.code] = picked
    values = {k: (form.get(k) or "").strip() for k in (
        "service_code", "description", "address", "lat", "long",
        "requester_name", "requester_email", "requester_phone")}
    values["answers"] = answers
    return values


def _new_case_body(chat: LiveChat, values: dict[str, Any], service: Service | None,
                   photos: list[str]) -> dict:
    attributes = {}
    for attribute in service.attributes if service else ():
        picked = values["answers"].get(attribute.code)
        if picked:
            attributes[attribute.code] = (picked if attribute.datatype == "multivaluelist"
                                          else picked[0])
    body: dict[str, Any] = {
        "service_code": values["service_code"],
        "description": values["description"],
        "channel": "live_chat",
        "attributes": attributes,
        "requester": {
            "name": values["requester_name"] or None,
            "email": values["requester_email"] or None,
            "phone": values["requester_phone"] or None,
            "channel_address": chat.sender_id,
        },
    }
    if values["address"]:
        body["address"] = values["address"]
    if photos:  # what the resident sent in the chat goes on the case (still private)
        body["media_urls"] = photos
    if chat_language(chat):  # the case's notices in the language the resident chatted in
        body["language"] = chat_language(chat)
    try:
        body["lat"], body["long"] = float(values["lat"]), float(values["long"])
    except (TypeError, ValueError):
        pass  # no usable coordinates: the address is the location
    return body


def file_case_from_chat(session: Session, catalog: Catalog, chat: LiveChat, agent: StaffUser,
                        values: dict[str, Any], now: dt.datetime) -> tuple[Case, bool]:
    """Create the chat's case; return (case, created). Raises ValidationError for bad input.

    A chat that already has its case gets it back, whatever the form says now.
    The key lives in the ``live-chat`` scope, which no API caller can reach:
    guessing a chat's number never replays its case through ``POST /api/v1/cases``.
    """
    if chat.case_id is not None:
        existing = session.get(Case, chat.case_id)
        if existing is not None:
            return existing, False
    service = catalog.service(values["service_code"]) if values["service_code"] else None
    photos = free_photos_in(session, [m.text for m in chat.messages if m.sender == "resident"])
    case, created = create_case(
        session, catalog, _new_case_body(chat, values, service, photos),
        idempotency_key=f"live-chat-{chat.id}", idempotency_scope="live-chat",
        author=Author.staff(agent),
    )
    if not created:
        return case, False
    opened = next((a for a in case.activities if a.kind == "opened"), None)
    if isinstance(opened, Activity):
        # The intake records that an agent took it from a live chat on the resident's channel.
        opened.data = {**(opened.data or {}), "live_chat_id": chat.id,
                       "resident_channel": chat.channel, "taken_by": agent.name}
    chat.case_id = case.id
    session.commit()
    send_to_resident(session, chat, case_filed_text(case.number, chat_language(chat)), now)
    return case, True
