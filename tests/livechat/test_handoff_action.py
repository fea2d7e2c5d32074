"""The handoff actions (bot/actions/handoff.py): inline trackers, a real case store."""

from __future__ import annotations

import pytest
from rasa_sdk import Tracker

from bot.actions.clarify import ActionClarify
from bot.actions.handoff import ActionHandoffToAgent, consecutive_fallbacks
from tests.fixtures.portal import make_portal_app
from tests.livechat.conftest import ALWAYS, Served, chat_rows, run_action, tracker


@pytest.fixture(scope="module")
def casestore(make_database_url, tmp_path_factory):
    app = make_portal_app(make_database_url("lcaction"), str(tmp_path_factory.mktemp("lca")),
                          LIVECHAT_HOURS=ALWAYS)
    served = Served(app).start()
    yield served
    served.stop()
    app.extensions["casestore.engine"].dispose()


@pytest.fixture(autouse=True)
def _point_the_bot(casestore, bot_env):
    bot_env(casestore.url)


CONVERSATION = [
    {"event": "action", "name": "action_listen"},
    {"event": "user", "text": "there's a big pothole at 412 Boulevard SE",
     "parse_data": {"intent": {"name": "report_pothole"}}},
    {"event": "bot", "text": "How big is it?"},
    {"event": "user", "text": "/affirm", "parse_data": {"intent": {"name": "affirm"}}},
    {"event": "user", "text": "can I talk to someone",
     "parse_data": {"intent": {"name": "human_agent"}}},
]


def test_handoff_queues_the_chat_with_the_transcript_and_gathered_details(casestore):
    slots = {"service_code": "pothole", "location": "412 Boulevard SE",
             "attributes": {"size": "large"}, "contact_email": None, "requested_slot": "x"}
    messages = run_action(ActionHandoffToAgent(), tracker("sms:+14045551111", CONVERSATION, slots))

    assert "in line" in messages[0]["text"] and "minute" in messages[0]["text"]
    chat = next(c for c in chat_rows(casestore.app) if c.sender_id == "sms:+14045551111")
    assert (chat.status, chat.channel, chat.reason) == ("waiting", "sms", "asked")
    assert chat.transcript == [
        {"role": "resident", "text": "there's a big pothole at 412 Boulevard SE"},
        {"role": "assistant", "text": "How big is it?"},
        {"role": "resident", "text": "(chose: affirm)"},
        {"role": "resident", "text": "can I talk to someone"},
    ]
    assert chat.details == {"service_code": "pothole", "location": "412 Boulevard SE",
                            "attributes": {"size": "large"}}


def test_asking_again_while_waiting_opens_no_second_chat(casestore):
    for _ in range(2):
        run_action(ActionHandoffToAgent(), tracker("webchat:again-and-again", CONVERSATION))
    assert [c.sender_id for c in chat_rows(casestore.app)].count("webchat:again-and-again") == 1


def test_outside_staffed_hours_the_resident_hears_the_hours_and_the_alternatives(casestore):
    casestore.app.config["LIVECHAT_HOURS"] = "closed"
    try:
        messages = run_action(ActionHandoffToAgent(), tracker("telegram:424242", CONVERSATION))
    finally:
        casestore.app.config["LIVECHAT_HOURS"] = ALWAYS
    text = messages[0]["text"]
    assert "nobody can chat right now" in text
    assert "call you back" in text and "keep helping" in text
    chat = next(c for c in chat_rows(casestore.app) if c.sender_id == "telegram:424242")
    assert (chat.status, chat.end_reason) == ("missed", "closed_hours")


def test_two_fallbacks_in_a_row_mark_the_chat_as_the_assistant_being_stuck(casestore):
    stuck = [{"event": "user", "text": "blorp", "parse_data": {"intent": {"name": "nlu_fallback"}}},
             {"event": "bot", "text": "Sorry?"},
             {"event": "user", "text": "zzz", "parse_data": {"intent": {"name": "nlu_fallback"}}}]
    run_action(ActionHandoffToAgent(), tracker("messenger:9988776655", stuck))
    chat = next(c for c in chat_rows(casestore.app) if c.sender_id == "messenger:9988776655")
    assert chat.reason == "stuck"


def test_a_phone_call_is_transferred_by_the_phone_channel_and_nothing_is_queued(casestore):
    before = len(chat_rows(casestore.app))
    messages = run_action(ActionHandoffToAgent(), tracker("voice:CA123", CONVERSATION))
    assert [m["custom"] for m in messages] == [{"transfer": "agent"}]
    assert len(chat_rows(casestore.app)) == before


def test_when_the_case_store_is_down_the_resident_is_told_and_can_carry_on(bot_env):
    bot_env("http://127.0.0.1:9")  # nothing listens there
    messages = run_action(ActionHandoffToAgent(), tracker("sms:+14045552222", CONVERSATION))
    # Offline, the phone line comes from the local catalog file's `city:` block.
    assert messages[0]["text"] == (
        "Sorry, I can't reach our agents right now. I can keep helping you here, "
        "or you can call 311 or 404-546-0311 (outside the city) on weekdays.")


def test_a_fallback_offers_the_likely_choices_and_the_second_in_a_row_offers_a_person(bot_env):
    bot_env("http://127.0.0.1:9")  # no catalog: service codes are titled from the code
    ranking = [{"name": "nlu_fallback", "confidence": 0.3},
               {"name": "report_pothole", "confidence": 0.3},
               {"name": "report_sidewalk_repair", "confidence": 0.2},
               {"name": "greet", "confidence": 0.1}]
    once = [{"event": "user", "text": "blorp",
             "parse_data": {"intent": {"name": "nlu_fallback"}, "intent_ranking": ranking}}]
    twice = once + [{"event": "bot", "text": "Sorry?"}, once[0]]
    latest = {"text": "blorp", "intent": {"name": "nlu_fallback"}, "intent_ranking": ranking}

    def unsure(events: list[dict]) -> Tracker:
        return Tracker("sms:+14045553333", {}, latest, events, False, None, {}, "action_listen")

    first = run_action(ActionClarify(), unsure(once))
    second = run_action(ActionClarify(), unsure(twice))
    assert [b["payload"] for b in first[0]["buttons"]] == [
        "/report_pothole", "/report_sidewalk_repair", "/help"]
    assert first[0]["text"].endswith("If someone is in danger, call 911 now.")
    assert [b["payload"] for b in second[0]["buttons"]] == [
        "/report_pothole", "/report_sidewalk_repair", "/human_agent", "/help"]
    assert consecutive_fallbacks(tracker("x", twice)) == 2


def test_the_handoff_never_writes_personal_data_to_the_log(casestore, caplog, bot_env):
    bot_env("http://127.0.0.1:9")
    run_action(ActionHandoffToAgent(), tracker("sms:+14045554444", CONVERSATION,
                                                {"contact_email": "ada@example.org"}))
    assert "+14045554444" not in caplog.text and "ada@example.org" not in caplog.text
