"""Live chat over SMS with the real assistant (the session ``stack``).

Signed Twilio webhooks into a served channels app that relays to Rasa; the
resident asks for a person in their own words, Rasa runs the real action
server's ``action_handoff_to_agent``, which queues the chat in the stack's
case store. The agent works the chat in that case store's console over HTTP;
what the resident receives outside a webhook's answer is asserted at the
Twilio recorder.
"""

from __future__ import annotations

from xml.etree import ElementTree

from tests.fixtures.channels import post_twilio, wait_for

RESIDENT = "+14045557777"


def _sms(channels, body: str, sid: str) -> list[str]:
    params = {"From": RESIDENT, "To": "+14045550000", "Body": body, "MessageSid": sid,
              "NumMedia": "0"}
    response = post_twilio(channels.app.test_client(), "/sms", params)
    assert response.status_code == 200
    root = ElementTree.fromstring(response.get_data())  # noqa: S314 - our own app's TwiML
    return ["".join(message.itertext()) for message in root.iter("Message")]


def _texted(recorder, fragment: str) -> bool:
    return any(fragment in r.form.get("Body", [""])[0] for r in recorder.calls("/Messages.json")
               if r.form.get("To", [""])[0] == RESIDENT)


def test_sms_resident_with_the_real_assistant_reaches_an_agent_and_comes_back(
        live_desk, stack, api_recorder):
    channels = live_desk.channels
    sender = f"sms:{RESIDENT}"
    assert _sms(channels, "There's a pothole at 412 Boulevard SE", "SMst1")  # the assistant
    queued = _sms(channels, "can I talk to a real person please", "SMst2")
    if not any("in line" in line for line in queued):  # answered after the webhook's deadline
        wait_for(lambda: _texted(api_recorder, "in line"), 60, "queued notice at Twilio")
    chat = live_desk.chat_state(sender)
    assert chat["status"] == "waiting" and chat["channel"] == "sms"

    agent = live_desk.agent("Alex Agent")
    assert "412 Boulevard SE" in agent.chat_page(chat["id"])  # what the assistant heard
    agent.submit(f"/portal/live-chat/{chat['id']}/take", {}, page="/portal/live-chat")
    assert live_desk.chat_state(sender)["status"] == "active"
    wait_for(lambda: _texted(api_recorder, "You're now chatting with Alex"), 10, "taken")
    agent.submit(f"/portal/live-chat/{chat['id']}/messages", {"text": "Is it in the lane?"},
                 page=f"/portal/live-chat/{chat['id']}")
    wait_for(lambda: _texted(api_recorder, "Alex (311 agent): Is it in the lane?"), 10, "reply")

    rasa_turns = len(stack.tracker(sender)["events"])
    assert _sms(channels, "yes, the right lane", "SMst3") == []  # the agent has it
    assert "yes, the right lane" in agent.chat_page(chat["id"])
    agent.submit(f"/portal/live-chat/{chat['id']}/case", {
        "service_code": "pothole", "description": "Pothole in the right lane",
        "address": "412 Boulevard SE", "attr-size": "large", "attr-in_travel_lane": "yes",
        "requester_phone": RESIDENT}, page=f"/portal/live-chat/{chat['id']}")
    assert "filed from this chat" in agent.last_html
    wait_for(lambda: _texted(api_recorder, "Your case number is"), 10, "case number")
    agent.submit(f"/portal/live-chat/{chat['id']}/end", {},
                 page=f"/portal/live-chat/{chat['id']}")
    wait_for(lambda: _texted(api_recorder, "back with the ATL311 assistant"), 10, "hand-back")
    assert live_desk.chat_state(sender)["status"] == "none"
    assert len(stack.tracker(sender)["events"]) == rasa_turns  # Rasa never saw the chat

    assert _sms(channels, "hello", "SMst4")  # the assistant answers again ("cancel" is STOP by SMS)
    events = stack.tracker(sender)["events"]
    assert [e["text"] for e in events if e["event"] == "user"][-1] == "hello"
