"""Live chat over SMS end to end: signed Twilio webhooks in, the agent's lines at Twilio's recorder.

A real channels app and a real case store, each served over HTTP; Rasa is the
scripted stand-in that runs ``action_handoff_to_agent`` when the resident asks
for a person (what the trained assistant does once its rules route the
human_agent intent there, docs/livechat.md).
"""

from __future__ import annotations

from xml.etree import ElementTree

from casestore.livechat.sweep import sweep
from casestore.models import Case
from channels import senders
from tests.fixtures.casestore import session_for
from tests.fixtures.channels import post_twilio, wait_for
from tests.livechat.conftest import chat_rows, handoff_rasa

RESIDENT = "+14045557001"


def _twiml_texts(response) -> list[str]:
    root = ElementTree.fromstring(response.get_data())  # noqa: S314 - our own app's TwiML
    return ["".join(message.itertext()) for message in root.iter("Message")]


def test_sms_resident_reaches_an_agent_files_a_case_and_is_handed_back(desk):
    handoff_rasa(desk.rasa)
    first = desk.sms(RESIDENT, "hi, there's a pothole", "SM001")
    assert _twiml_texts(first) == ["assistant: hi, there's a pothole"]

    asked = desk.sms(RESIDENT, "can I talk to a person", "SM002")
    assert "in line" in _twiml_texts(asked)[0]
    chat = chat_rows(desk.cs_app)[-1]
    assert (chat.sender_id, chat.status) == (f"sms:{RESIDENT}", "waiting")

    waiting = desk.sms(RESIDENT, "it's on Boulevard SE", "SM003")
    assert "the agent will see that" in _twiml_texts(waiting)[0]
    relayed_to_rasa = len(desk.rasa.received)

    agent = desk.agent()
    agent.submit(f"/portal/live-chat/{chat.id}/take", {}, page="/portal/live-chat")
    wait_for(lambda: any("You're now chatting with Alex" in t
                         for t in desk.sms_sent_to(RESIDENT)), 10, "taken notice")
    agent.get(f"/portal/live-chat/{chat.id}")
    assert "it&#39;s on Boulevard SE" in agent.last_html  # the line sent while waiting

    agent.submit(f"/portal/live-chat/{chat.id}/messages", {"text": "How deep is it?"})
    wait_for(lambda: "Alex (311 agent): How deep is it?" in desk.sms_sent_to(RESIDENT), 10,
             "the agent's reply at Twilio")
    answered = desk.sms(RESIDENT, "about a foot deep", "SM004")
    assert _twiml_texts(answered) == []  # no assistant answer: the agent has it
    agent.get(f"/portal/live-chat/{chat.id}")
    assert "about a foot deep" in agent.last_html

    agent.submit(f"/portal/live-chat/{chat.id}/case", {
        "service_code": "pothole", "description": "a foot deep", "address": "412 Boulevard SE",
        "attr-size": "large", "attr-in_travel_lane": "yes", "requester_phone": RESIDENT})
    with session_for(desk.cs_app) as session:
        case = session.get(Case, chat_rows(desk.cs_app)[-1].case_id)
    display = f"{case.number[:2]}-{case.number[2:]}"
    wait_for(lambda: any(display in t for t in desk.sms_sent_to(RESIDENT)), 10, "case number")

    agent.submit(f"/portal/live-chat/{chat.id}/end", {}, page=f"/portal/live-chat/{chat.id}")
    wait_for(lambda: any("back with the ATL311 assistant" in t
                         for t in desk.sms_sent_to(RESIDENT)), 10, "hand-back notice")
    assert len(desk.rasa.received) == relayed_to_rasa  # nothing reached Rasa during the chat
    back = desk.sms(RESIDENT, "thanks!", "SM005")
    assert _twiml_texts(back) == ["assistant: thanks!"]


def test_restarting_the_channels_app_mid_chat_keeps_the_resident_with_the_agent(desk):
    handoff_rasa(desk.rasa)
    desk.sms(RESIDENT, "talk to a person please", "SM101")
    chat = chat_rows(desk.cs_app)[-1]
    agent = desk.agent()
    agent.submit(f"/portal/live-chat/{chat.id}/take", {}, page="/portal/live-chat")

    desk.restart_channels()
    received = len(desk.rasa.received)
    after = desk.sms(RESIDENT, "still there? the hole got bigger", "SM102")

    assert after.status_code == 200 and _twiml_texts(after) == []
    assert len(desk.rasa.received) == received
    agent.get(f"/portal/live-chat/{chat.id}")
    assert "the hole got bigger" in agent.last_html
    agent.submit(f"/portal/live-chat/{chat.id}/messages", {"text": "Yes, still here."})
    wait_for(lambda: "Alex (311 agent): Yes, still here." in desk.sms_sent_to(RESIDENT), 10,
             "reply through the restarted channels app")


def test_nobody_takes_the_chat_in_time_so_the_resident_is_told_and_can_leave_a_number(desk):
    handoff_rasa(desk.rasa)
    desk.sms(RESIDENT, "I need a person", "SM201")
    desk.cs_app.config["LIVECHAT_WAIT_TIMEOUT_S"] = 0
    with desk.cs_app.app_context():
        assert sweep() == 1
    wait_for(lambda: any("no agent was free" in t for t in desk.sms_sent_to(RESIDENT)), 10,
             "timeout notice at Twilio")

    callback = desk.sms(RESIDENT, "call me back please", "SM202")
    assert "call you back" in _twiml_texts(callback)[0]
    chat = chat_rows(desk.cs_app)[-1]
    assert (chat.status, chat.callback_phone) == ("callback", RESIDENT)
    assert [m.text for m in chat.messages if m.sender == "resident"] == ["call me back please"]


def test_stop_during_a_live_chat_still_unsubscribes(desk):
    handoff_rasa(desk.rasa)
    desk.sms(RESIDENT, "a person please", "SM301")
    stopped = desk.sms(RESIDENT, "STOP", "SM302")
    # Twilio's own opt-out handling (the default) confirms; the app records it silently.
    assert _twiml_texts(stopped) == []
    assert senders.is_opted_out(desk.channels.app, f"sms:{RESIDENT}")


def _press_zero(desk) -> str:
    call = {"CallSid": "CA" + "5" * 32, "From": RESIDENT, "To": "+14045550000", "Digits": "0"}
    return post_twilio(desk.channels.app.test_client(), "/voice/gather?turn=1&step=menu",
                       call).get_data(as_text=True)


def test_pressing_zero_in_staffed_hours_dials_the_agent_line(desk):
    answer = _press_zero(desk)
    assert "<Dial>+14045460311</Dial>" in answer


def test_pressing_zero_outside_staffed_hours_says_the_hours_and_offers_the_assistant(desk):
    desk.cs_app.config["LIVECHAT_HOURS"] = "closed"
    answer = _press_zero(desk)
    assert "<Dial>" not in answer and "Our agents are not available" in answer
    assert "To report a problem, press 1" in answer and "<Gather" in answer
