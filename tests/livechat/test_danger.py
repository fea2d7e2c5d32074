"""A waiting resident's line that names a danger to life: the 911 line at once, the chat flagged.

Over SMS end to end (signed Twilio webhook in, TwiML out) with a real
channels app and case store, like test_sms_live_chat.py; and the case
store's reader of config/emergency.yml agreeing with the assistant's.
"""

from __future__ import annotations

from xml.etree import ElementTree

import pytest

from bot.actions.emergency import detect
from casestore.livechat.danger import danger_kind
from tests.bot.test_emergency import ALL_NEGATIVE, ALL_POSITIVE
from tests.livechat.conftest import chat_rows, handoff_rasa

RESIDENT = "+14045557301"


def _twiml_texts(response) -> list[str]:
    root = ElementTree.fromstring(response.get_data())  # noqa: S314 - our own app's TwiML
    return ["".join(message.itertext()) for message in root.iter("Message")]

DANGER_TEXT = "If anyone is in danger, call 911 now. ATL311 cannot send help."


def _waiting(desk, number: str) -> int:
    handoff_rasa(desk.rasa)
    desk.sms(number, "can I talk to a person", f"SM{number[-4:]}1")
    chat = chat_rows(desk.cs_app)[-1]
    assert (chat.sender_id, chat.status) == (f"sms:{number}", "waiting")
    return chat.id


def test_a_waiting_resident_naming_a_danger_is_told_to_call_911_and_the_chat_is_flagged(desk):
    chat_id = _waiting(desk, RESIDENT)
    answer = desk.sms(RESIDENT, "my dad won't wake up and his lips are blue", "SM73012")
    said = "\n".join(_twiml_texts(answer))  # SMS sends the replies as one text
    assert said.startswith(DANGER_TEXT)  # the catalog's short name, from chat/danger.txt
    assert "the agent will see that" in said
    chat = next(c for c in chat_rows(desk.cs_app) if c.id == chat_id)
    assert chat.status == "waiting"
    assert chat.details["danger"] == "medical"
    system = [m for m in chat.messages if m.sender == "system"]
    assert [m.text for m in system] == [DANGER_TEXT]
    assert system[0].delivered_at is not None
    agent = desk.agent()
    agent.get(f"/portal/live-chat/{chat_id}")
    assert "call 911 now" in agent.last_html and "medical" in agent.last_html


def test_an_ordinary_waiting_line_gets_no_911_line(desk):
    number = "+14045557302"
    chat_id = _waiting(desk, number)
    said = "\n".join(_twiml_texts(desk.sms(number, "the fire hydrant is leaking, nobody hurt",
                                            "SM73022")))
    assert "the agent will see that" in said and "911" not in said
    chat = next(c for c in chat_rows(desk.cs_app) if c.id == chat_id)
    assert "danger" not in chat.details
    assert not [m for m in chat.messages if m.sender == "system"]


@pytest.mark.parametrize(("text", "kind"), ALL_POSITIVE)
def test_the_case_store_finds_the_same_danger_as_the_assistant(text, kind):
    assert danger_kind(text) == detect(text).kind == kind


@pytest.mark.parametrize("text", ALL_NEGATIVE)
def test_the_case_store_leaves_ordinary_lines_alone_like_the_assistant(text):
    assert danger_kind(text) is None
