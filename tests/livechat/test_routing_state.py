"""The routing state in the case store database: races, hours, timeouts and call-backs.

Run against the real database of the profile (SQLite or PostgreSQL), with
threads where two processes would race.
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import select

from casestore.livechat import service
from casestore.livechat.hours import describe, is_open, parse_hours
from casestore.livechat.settings import livechat_settings
from casestore.models import LiveChat, LiveChatMessage, StaffUser
from tests.fixtures.casestore import session_for
from tests.fixtures.portal import make_portal_app

NOW = dt.datetime(2026, 11, 30, 15, 0, tzinfo=dt.timezone.utc)  # a Monday, 10:00 in Atlanta


@pytest.fixture(scope="module")
def app(make_database_url, tmp_path_factory):
    made = make_portal_app(make_database_url("lcstate"), str(tmp_path_factory.mktemp("lcs")),
                           LIVECHAT_HOURS="Mon-Fri 08:00-17:00", LIVECHAT_WAIT_TIMEOUT_S=300,
                           # sends fail: stored undelivered
                           CHANNELS_INTERNAL_URL="http://127.0.0.1:9")
    yield made
    made.extensions["casestore.engine"].dispose()


def _open(app, sender: str, now=NOW, **extra) -> LiveChat:
    with session_for(app) as session:
        chat, _ = service.open_chat(session, {"sender_id": sender, **extra},
                                    livechat_settings(), now)
        return chat


def _agents(app) -> list[StaffUser]:
    with session_for(app) as session:
        return session.execute(
            select(StaffUser).where(StaffUser.role.in_(("agent", "supervisor")))
            .order_by(StaffUser.id)
        ).scalars().all()


def _race(workers) -> list:
    barrier = threading.Barrier(len(workers))
    results: list = [None] * len(workers)

    def run(index, work):
        barrier.wait()
        results[index] = work()

    threads = [threading.Thread(target=run, args=(i, w)) for i, w in enumerate(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def test_two_agents_taking_the_same_chat_exactly_one_gets_it(app):
    first, second = _agents(app)[:2]
    for attempt in range(5):
        chat = _open(app, f"sms:+1404555{attempt:04d}")

        def take(agent, chat_id=chat.id):
            with session_for(app) as session:
                return service.take_chat(session, chat_id, agent, NOW)

        results = _race([lambda: take(first), lambda: take(second)])
        assert sorted(results) == [False, True]
        winner = first if results[0] else second
        with session_for(app) as session:
            row = session.get(LiveChat, chat.id)
            assert (row.status, row.agent_id) == ("active", winner.id)


def test_two_opens_racing_for_one_sender_make_one_chat(app):
    sender = "webchat:race-open-session"

    def open_once():
        with session_for(app) as session:
            chat, _ = service.open_chat(session, {"sender_id": sender}, livechat_settings(), NOW)
            return chat.id

    ids = _race([open_once, open_once, open_once])
    assert len(set(ids)) == 1
    with session_for(app) as session:
        assert len(session.execute(select(LiveChat).where(LiveChat.sender_id == sender))
                   .scalars().all()) == 1


def test_asking_outside_staffed_hours_keeps_the_transcript_as_a_missed_chat(app):
    sunday = dt.datetime(2026, 11, 29, 15, 0, tzinfo=dt.timezone.utc)
    chat = _open(app, "telegram:5551234", now=sunday,
                 transcript=[{"role": "resident", "text": "the hydrant is leaking"}])
    assert (chat.status, chat.end_reason) == ("missed", "closed_hours")
    assert chat.transcript == [{"role": "resident", "text": "the hydrant is leaking"}]


def test_a_chat_nobody_takes_in_time_is_missed_once_even_when_two_sweeps_race(app):
    chat = _open(app, "sms:+14045559001")
    later = NOW + dt.timedelta(seconds=301)

    def sweep():
        with session_for(app) as session:
            return service.expire_overdue(session, livechat_settings(), later)

    results = _race([sweep, sweep])
    assert sum(chat.id in r for r in results) == 1
    with session_for(app) as session:
        row = session.get(LiveChat, chat.id)
        told = session.execute(select(LiveChatMessage).where(
            LiveChatMessage.chat_id == chat.id, LiveChatMessage.sender == "system")).scalars().all()
    assert (row.status, row.end_reason) == ("missed", "timeout")
    assert len(told) == 1 and "no agent was free" in told[0].text


def test_after_a_missed_chat_a_phone_number_asks_for_a_call_back(app):
    chat = _open(app, "webchat:callback-session-1", now=NOW - dt.timedelta(hours=1))
    with session_for(app) as session:
        service.expire_overdue(session, livechat_settings(), NOW)
        answer = service.route_message(
            session, {"sender_id": chat.sender_id, "text": "please call 404-555-0199"},
            livechat_settings(), NOW)
        row = session.get(LiveChat, chat.id)
        session.refresh(row)
    assert answer["routed"] is True and "call you back" in answer["replies"][0]["text"]
    assert (row.status, row.callback_phone) == ("callback", "+14045550199")


def test_after_a_missed_chat_anything_else_goes_back_to_the_assistant(app):
    chat = _open(app, "webchat:callback-session-2", now=NOW - dt.timedelta(hours=1))
    with session_for(app) as session:
        answer = service.route_message(
            session, {"sender_id": chat.sender_id, "text": "ok, pothole on Peachtree then"},
            livechat_settings(), NOW)
        row = session.get(LiveChat, chat.id)
        session.refresh(row)
    assert answer == {"routed": False}
    assert row.status == "ended"


def test_a_relayed_message_retried_with_the_same_key_is_stored_once(app):
    chat = _open(app, "sms:+14045559002")
    body = {"sender_id": chat.sender_id, "text": "are you there?", "message_key": "sms:SM42"}
    with session_for(app) as session:
        for _ in range(2):
            assert service.route_message(session, body, livechat_settings(), NOW)["routed"]
        lines = session.execute(select(LiveChatMessage).where(
            LiveChatMessage.chat_id == chat.id, LiveChatMessage.sender == "resident")).all()
    assert len(lines) == 1


@pytest.mark.parametrize(("setting", "local", "staffed"), [
    ("Mon-Fri 08:00-17:00", "2026-11-30 08:00", True),   # Monday opening minute
    ("Mon-Fri 08:00-17:00", "2026-11-30 17:00", False),  # closing minute is closed
    ("Mon-Fri 08:00-17:00", "2026-11-28 12:00", False),  # Saturday
    ("Mon-Fri 08:00-17:00; Sat 09:00-13:00", "2026-11-28 12:00", True),
    ("Sat-Mon 10:00-11:00", "2026-11-30 10:30", True),   # a range that wraps past Sunday
    ("daily 00:00-24:00", "2026-11-29 23:59", True),
    ("closed", "2026-11-30 10:00", False),
])
def test_staffed_hours_are_read_in_the_city_timezone(setting, local, staffed):
    from zoneinfo import ZoneInfo

    moment = dt.datetime.fromisoformat(local).replace(tzinfo=ZoneInfo("America/New_York"))
    assert is_open(parse_hours(setting), moment.astimezone(dt.timezone.utc),
                   "America/New_York") is staffed


@pytest.mark.parametrize("setting", ["Mon-Fri", "Mon-Fri 17:00-08:00", "Mo-Fr 08:00-17:00",
                                     "Mon 25:00-26:00"])
def test_a_bad_hours_setting_is_refused_with_its_value_named(setting):
    with pytest.raises(ValueError, match="LIVECHAT_HOURS"):
        parse_hours(setting)


def test_hours_are_described_the_way_residents_read_them():
    assert describe(parse_hours("Mon-Fri 08:00-17:30")) == "Monday to Friday, 8:00 AM to 5:30 PM"


def test_a_waiting_resident_can_leave_the_queue_and_go_back_to_the_assistant(app):
    chat = _open(app, "sms:+14045559003")
    with session_for(app) as session:
        left = service.route_message(session, {"sender_id": chat.sender_id, "text": "Assistant"},
                                     livechat_settings(), NOW)
        after = service.route_message(session, {"sender_id": chat.sender_id, "text": "pothole"},
                                      livechat_settings(), NOW)
        row = session.get(LiveChat, chat.id)
        session.refresh(row)
    assert left["routed"] is True and "back with the ATL311 assistant" in left["replies"][0]["text"]
    assert (row.status, row.end_reason) == ("ended", "resident")
    assert after == {"routed": False}
