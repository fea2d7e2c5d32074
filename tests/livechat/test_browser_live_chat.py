"""Live chat in real headless Chromium: a resident in web chat and an agent in the console.

The resident's page is the channels app relaying to the real assistant (the
session ``stack``: Rasa with the trained model and the action server); the
resident asks for a person and the assistant's own hand-off queues the chat
in the stack's case store. The agent's page is that case store's console
(``stack.casestore_url``), which sends the agent's lines to the channels app
(served on ``stack.channels_url``).
"""

from __future__ import annotations

from tests.fixtures.portal import PASSWORD
from tests.livechat.conftest import filed_case_number

WAIT_MS = 30_000


def _say(page, text: str) -> None:
    page.fill("#message", text)
    page.press("#message", "Enter")


def _shows(page, selector: str, text: str) -> None:
    page.locator(selector, has_text=text).first.wait_for(timeout=WAIT_MS)


def _assistant_lines(page) -> int:
    return page.locator("#log .msg.assistant").count()


def test_resident_and_agent_chat_in_browsers_file_a_case_and_the_assistant_comes_back(
        live_desk, stack, chromium):
    channels = live_desk.channels
    resident = chromium.new_context().new_page()
    resident.goto(channels.url + "/")
    _shows(resident, "#log", "What can I help you with?")
    session_id = resident.evaluate("localStorage.getItem('atl311.session')")
    sender = f"webchat:{session_id}"

    # The resident starts a report with the assistant, then asks for a person.
    _say(resident, "There's a pothole at 412 Boulevard SE")
    resident.locator("#log .msg.assistant").nth(1).wait_for(timeout=120_000)
    _say(resident, "can I talk to a real person please")
    resident.locator("#log .msg.assistant", has_text="in line").first.wait_for(timeout=120_000)
    chat = live_desk.chat_state(sender)
    assert chat["status"] == "waiting" and chat["channel"] == "webchat"

    # An agent of the stack's case store signs in, sees the chat with its channel, and takes it.
    email = live_desk.new_agent("Alex Agent")
    agent = chromium.new_context().new_page()
    agent.goto(stack.casestore_url + "/portal/login")
    agent.get_by_label("Email").fill(email)
    agent.get_by_label("Password").fill(PASSWORD)
    with agent.expect_navigation():
        agent.get_by_role("button", name="Sign in").click()
    agent.goto(stack.casestore_url + "/portal/live-chat")
    assert "Web chat" in agent.locator(f"tr[data-chat-id='{chat['id']}']").inner_text()
    agent.click(f"text=Take chat {chat['id']}")
    _shows(agent, ".transcript", "pothole at 412 Boulevard SE")  # what the assistant heard
    _shows(resident, "#log", "You're now chatting with Alex")

    # They exchange messages, each on their own page.
    agent.fill("#reply-text", "Hi, I can file that for you. Is it in the traffic lane?")
    agent.click("text=Send reply")
    _shows(resident, "#log", "Alex (311 agent): Hi, I can file that for you.")
    _say(resident, "Yes, right in the lane, and it is huge")
    _shows(agent, "#live-messages", "right in the lane, and it is huge")

    # The agent files the case from the chat: what the assistant gathered is filled in.
    if agent.locator("#file-service").count():  # the assistant had not settled the service
        agent.select_option("#file-service", "pothole")
        agent.click("text=Continue")
    assert agent.input_value("#file-address")  # the location the resident gave the assistant
    agent.fill("#file-description", "Huge pothole in the travel lane")
    agent.select_option("#attr-size", "large")
    agent.select_option("#attr-in_travel_lane", "yes")
    agent.click("text=File the case")
    _shows(agent, "main", "filed from this chat")
    case_number = filed_case_number(agent.content())
    _shows(resident, "#log", f"Your case number is {case_number[:2]}-{case_number[2:]}")

    # Ending the chat hands the resident back to the assistant, which says so and answers.
    agent.click("text=End chat and hand back to the assistant")
    _shows(resident, "#log", "You're back with the ATL311 assistant")
    before = _assistant_lines(resident)
    _say(resident, "cancel")
    resident.locator("#log .msg.assistant").nth(before).wait_for(timeout=120_000)
    events = stack.tracker(sender)["events"]
    assert [e["text"] for e in events if e["event"] == "user"][-1] == "cancel"
    assert "Yes, right in the lane" not in str(events)  # the agent's chat never reached Rasa

