"""``action_handoff_to_agent`` on the phone: the channels app transfers the call."""

from __future__ import annotations

from rasa_sdk.executor import CollectingDispatcher

from bot.actions.handoff import ActionHandoffToAgent
from tests.bot.conftest import make_tracker, run


def test_a_caller_asking_for_a_person_gets_the_transfer_marker_and_no_live_chat():
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(text="can I talk to someone", intent="human_agent",
                           sender="voice:+14045550123")

    events = run(ActionHandoffToAgent().run(dispatcher, tracker, {}))

    assert events == []
    assert [(m["text"], m["custom"]) for m in dispatcher.messages] == [
        ("Connecting you with a person.", {"transfer": "agent"})]


def test_a_channel_without_chat_or_phone_is_told_how_to_reach_a_person():
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(text="agent", intent="human_agent", sender="email:someone")

    run(ActionHandoffToAgent().run(dispatcher, tracker, {}))

    # The phone line is the catalog's (config/catalog.yml `city: phone`).
    assert [m["text"] for m in dispatcher.messages] == [
        "To talk with a person, call 311 or 404-546-0311 (outside the city), or send us a "
        "text or a web chat message and ask for an agent."]
