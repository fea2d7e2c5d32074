"""Rasa's SQL tracker store, run off the event loop: same trackers back, commits in a thread."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot.serve_rasa import tracker_store_config
from bot.tracker_store import ThreadedSQLTrackerStore, run_without_loop

DOMAIN = Domain.from_yaml("""
version: "3.1"
slots:
  language:
    type: text
    mappings:
    - type: custom
""")


def make_store(path: Path) -> TrackerStore:
    """The store as Rasa builds it from the endpoints file bot/serve_rasa.py writes."""
    config = tracker_store_config(f"sqlite:///{path}")
    return TrackerStore.create(EndpointConfig.from_dict(config), domain=DOMAIN)


def conversation(sender: str) -> DialogueStateTracker:
    return DialogueStateTracker.from_events(sender, [
        ActionExecuted("action_listen"),
        UserUttered("hola", {"name": "greet", "confidence": 1.0}),
        SlotSet("language", "es"),
        ActionExecuted("utter_greet"),
    ], slots=DOMAIN.slots)


def test_rasa_builds_the_threaded_store_from_the_endpoints_config(tmp_path: Path):
    assert type(make_store(tmp_path / "t.sqlite3")) is ThreadedSQLTrackerStore


def test_a_saved_tracker_comes_back_with_its_events_and_slots(tmp_path: Path):
    store = make_store(tmp_path / "t.sqlite3")
    asyncio.run(store.save(conversation("resident-1")))
    back = asyncio.run(store.retrieve("resident-1"))
    assert [e.as_dict()["event"] for e in back.events] == ["action", "user", "slot", "action"]
    assert back.get_slot("language") == "es"


def test_a_second_save_adds_only_the_new_events(tmp_path: Path):
    store = make_store(tmp_path / "t.sqlite3")
    tracker = conversation("resident-2")
    asyncio.run(store.save(tracker))
    tracker.update(ActionExecuted("action_listen"))
    asyncio.run(store.save(tracker))
    with store.engine.connect() as db:
        count = db.execute(sa.text("SELECT count(*) FROM events WHERE sender_id = 'resident-2'"))
        assert count.scalar_one() == 5


def test_an_unknown_sender_has_no_tracker(tmp_path: Path):
    assert asyncio.run(make_store(tmp_path / "t.sqlite3").retrieve("nobody")) is None


def test_commits_run_outside_the_event_loops_thread(tmp_path: Path):
    store = make_store(tmp_path / "t.sqlite3")
    threads: list[int] = []
    sa.event.listen(store.engine, "commit", lambda _conn: threads.append(threading.get_ident()))
    asyncio.run(store.save(conversation("resident-3")))
    assert threads
    assert threading.get_ident() not in threads


def test_sqlite_writes_ahead_with_full_sync(tmp_path: Path):
    store = make_store(tmp_path / "t.sqlite3")
    with store.engine.connect() as db:
        assert db.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
        assert db.exec_driver_sql("PRAGMA synchronous").scalar_one() == 2  # FULL


def test_run_without_loop_returns_what_the_coroutine_returns():
    async def answer() -> int:
        return 42

    assert run_without_loop(answer()) == 42


def test_run_without_loop_refuses_a_coroutine_that_waits():
    async def waits() -> None:
        await asyncio.sleep(0)

    with pytest.raises(RuntimeError, match="waited for something"):
        run_without_loop(waits())


def test_on_sqlite_every_save_commits_from_the_one_writer_thread(tmp_path: Path):
    store = make_store(tmp_path / "t.sqlite3")
    names: list[str] = []
    sa.event.listen(store.engine, "commit",
                    lambda _conn: names.append(threading.current_thread().name))

    async def save_three() -> None:
        await asyncio.gather(*(store.save(conversation(f"resident-{n}")) for n in range(3)))

    asyncio.run(save_three())
    assert len(names) == 3
    assert set(names) == {"tracker-writer_0"}
