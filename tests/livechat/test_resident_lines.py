"""What a resident is told during a live chat: templates a city overrides one file at a time.

The default lines (casestore/templates/chat/) say exactly what they said when
they were Python strings; a ``chat/<line>.txt`` in ``NOTICE_TEMPLATES_DIR``
replaces that one line, on the real routing path, and leaves the others alone.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from casestore.livechat import notify, service
from casestore.livechat.settings import livechat_settings
from casestore.models import StaffUser
from tests.fixtures.casestore import session_for
from tests.fixtures.portal import make_portal_app

NOW = dt.datetime(2026, 11, 30, 15, 0, tzinfo=dt.timezone.utc)  # a Monday, 10:00 in Atlanta
AGENT = StaffUser(name="Dana Agent")


@pytest.fixture(scope="module")
def overrides(tmp_path_factory):
    folder = tmp_path_factory.mktemp("city-templates")
    (folder / "chat").mkdir()
    (folder / "chat" / "left.txt").write_text(
        "Okay! {{ city.name }}'s assistant is back with you.\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def app(make_database_url, tmp_path_factory):
    made = make_portal_app(make_database_url("lclines"), str(tmp_path_factory.mktemp("lcl")),
                           LIVECHAT_HOURS="Mon-Fri 08:00-17:00",
                           CHANNELS_INTERNAL_URL="http://127.0.0.1:9")
    yield made
    made.extensions["casestore.engine"].dispose()


@pytest.fixture(scope="module")
def city_app(make_database_url, tmp_path_factory, overrides):
    made = make_portal_app(make_database_url("lccity"), str(tmp_path_factory.mktemp("lcc")),
                           LIVECHAT_HOURS="Mon-Fri 08:00-17:00",
                           CHANNELS_INTERNAL_URL="http://127.0.0.1:9",
                           NOTICE_TEMPLATES_DIR=str(overrides))
    yield made
    made.extensions["casestore.engine"].dispose()


HOURS = SimpleNamespace(hours_text="Mon-Fri 8 AM-5 PM")
CLOSED = SimpleNamespace(hours_text="")


@pytest.mark.parametrize(("render", "expected"), [
    (lambda: notify.queued_text(1, 1),
     "I'm connecting you with a 311 agent. You're next in line; the wait is about 1 minute. "
     "The agent will see what you've told me so far, and anything you send now goes to them. "
     "To stop waiting, send ASSISTANT."),
    (lambda: notify.queued_text(3, 6),
     "I'm connecting you with a 311 agent. You're number 3 in line; the wait is about 6 "
     "minutes. The agent will see what you've told me so far, and anything you send now goes "
     "to them. To stop waiting, send ASSISTANT."),
    (notify.left_text,
     "OK, you left the queue. You're back with the ATL311 assistant: how can I help?"),
    (lambda: notify.still_waiting_text(0),
     "Thanks, the agent will see that. You're number 1 in line; please stay with us."),
    (lambda: notify.closed_text("Mon-Fri 8 AM-5 PM"),
     "Our 311 agents are available Mon-Fri 8 AM-5 PM, so nobody can chat right now. I can keep "
     "helping you here (for example to report a problem), or reply with a phone number and an "
     "agent will call you back. We kept everything you wrote."),
    (lambda: notify.timeout_text(CLOSED),
     "Sorry, no agent was free to take your chat. We kept everything you wrote. You can keep "
     "going with the assistant here (for example to report a problem), or reply with a phone "
     "number and an agent will call you back (agents are not available at the moment)."),
    (lambda: notify.callback_text(HOURS),
     "Thank you. An agent will call you back (agents are available Mon-Fri 8 AM-5 PM). You can "
     "keep chatting with the assistant here meanwhile."),
    (lambda: notify.taken_text(AGENT),
     "You're now chatting with Dana, a 311 agent. They can see what you told the assistant."),
    (lambda: notify.handback_text(AGENT),
     "Dana has ended the chat. You're back with the ATL311 assistant: tell me if there is "
     "anything else I can help with."),
    (lambda: notify.case_filed_text("26000123"),
     "Your case number is 26-000123. You can check on it any time with that number."),
])
def test_each_default_line_reads_exactly_as_before(app, render, expected):
    with app.app_context():
        assert render() == expected


def test_an_agents_words_reach_the_resident_verbatim_even_when_they_look_like_a_template(app):
    with app.app_context():
        line = notify.agent_line(AGENT, "Use {{ this }} & <b>that</b>\nthen call us.\n")
    assert line == "Dana (311 agent): Use {{ this }} & <b>that</b>\nthen call us.\n"


def test_a_citys_override_replaces_that_line_on_the_routing_path(city_app):
    with session_for(city_app) as session:
        chat, _ = service.open_chat(session, {"sender_id": "sms:+14045559301"},
                                    livechat_settings(), NOW)
        left = service.route_message(session, {"sender_id": chat.sender_id, "text": "Assistant"},
                                     livechat_settings(), NOW)
    assert left["replies"] == [{"text": "Okay! Atlanta's assistant is back with you."}]


def test_lines_the_city_did_not_override_keep_the_default(city_app):
    with city_app.app_context():
        assert notify.still_waiting_text(2) == (
            "Thanks, the agent will see that. You're number 2 in line; please stay with us.")
