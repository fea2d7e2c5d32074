"""Live chat in real headless Chromium: a resident in web chat and an agent in the console.

The resident's page is the channels app relaying to the real assistant (the
session ``stack``: Rasa with the trained model and the action server); the
agent's page is the case store's console. Both apps are served over HTTP.

The trained model still answers the human_agent intent with a plain reply
(domain.yml and rules are the assistant's; docs/livechat.md lists the lines
that route it to ``action_handoff_to_agent``). Until they are in, the test
runs ``action_handoff_to_agent`` itself, on the real tracker fetched from
Rasa, and sends its reply as Rasa would; the resident reloads the page to see
it (with the rules in place it is simply the assistant's answer).
"""

from __future__ import annotations

from tests.fixtures.portal import PASSWORD
from tests.livechat.conftest import chat_rows, handoff_as_rasa_would

AGENT_EMAIL = "agent@atl311.example.org"
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
    casestore, channels = live_desk
    resident = chromium.new_context().new_page()
    resident.goto(channels.url + "/")
    _shows(resident, "#log", "What can I help you with?")
    session_id = resident.evaluate("localStorage.getItem('atl311.session')")
    sender = f"webchat:{session_id}"

    # The resident starts a report with the assistant, then asks for a person.
    _say(resident, "There's a pothole at 412 Boulevard SE")
    resident.locator("#log .msg.assistant").nth(1).wait_for(timeout=120_000)
    _say(resident, "can I talk to someone")
    resident.locator("#log .msg.assistant").nth(2).wait_for(timeout=120_000)
    queued = handoff_as_rasa_would(stack, channels.url, sender)
    assert "in line" in queued
    resident.reload()
    _shows(resident, "#log", "in line")

    # An agent signs in, sees the chat with its channel and wait, and takes it.
    agent = chromium.new_context().new_page()
    agent.goto(casestore.url + "/portal/login")
    agent.get_by_label("Email").fill(AGENT_EMAIL)
    agent.get_by_label("Password").fill(PASSWORD)
    with agent.expect_navigation():
        agent.get_by_role("button", name="Sign in").click()
    agent.goto(casestore.url + "/portal/live-chat")
    chat = chat_rows(casestore.app)[-1]
    assert "Web chat" in agent.locator(f"tr[data-chat-id='{chat.id}']").inner_text()
    agent.click(f"text=Take chat {chat.id}")
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
    case_number = _case_number(casestore.app, chat.id)
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


def _case_number(app, chat_id: int) -> str:
    from casestore.models import Case, LiveChat
    from tests.fixtures.casestore import session_for

    with session_for(app) as session:
        chat = session.get(LiveChat, chat_id)
        case = session.get(Case, chat.case_id)
        assert case.channel == "live_chat"
        return case.number
