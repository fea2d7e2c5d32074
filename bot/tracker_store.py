"""Rasa's SQL tracker store with its database work off the event loop.

Rasa 3.6's ``SQLTrackerStore`` is ``async`` in name only: reading a tracker
(one query, then every event of the conversation decoded and replayed) and
saving it (a count query, the inserts, a commit that waits for the disk or the
database server) run on the Rasa server's one event loop. While one turn waits
for its commit, no other conversation's turn moves: profiled with py-spy under
load (bench/throughput.py), the tracker store held the loop for about 40 % of
the wall time, a third of that waiting for SQLite's fsyncs.
``ThreadedSQLTrackerStore`` runs the same code (Rasa's own, unchanged) in a
worker thread, so the loop serves other conversations meanwhile. Turns of one
conversation stay in order: Rasa holds the conversation's lock (its lock store)
around the whole turn, saves included.

On SQLite it also keeps the connections (SQLAlchemy 1.4 gives a file database a
new connection, and a fresh read of the schema, for every session), turns on
the write-ahead log (one fsync per commit instead of the rollback journal's
three, with the same durability: ``synchronous`` stays FULL; readers never wait
for the writer), and saves from one thread only: SQLite has one writer at a
time, and a writer that finds the file locked sleeps in growing steps (up to
100 ms) before it looks again, so saves racing each other from several threads
would wait longer than saves taking turns.

Named in the endpoints file (``type: bot.tracker_store.ThreadedSQLTrackerStore``,
written by ``bot/serve_rasa.py``), with the SQL store's settings.
"""

from __future__ import annotations

import asyncio
import concurrent.futures as cf
import functools
from collections.abc import Coroutine
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.trackers import DialogueStateTracker


def run_without_loop(coroutine: Coroutine[Any, Any, Any]) -> Any:
    """The result of a coroutine that never awaits anything (Rasa's SQL store methods)."""
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value
    coroutine.close()
    raise RuntimeError("the coroutine waited for something: run it on the event loop")


def _sqlite_connection_settings(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


class ThreadedSQLTrackerStore(SQLTrackerStore):
    """``SQLTrackerStore`` whose reads and writes run in a worker thread (module doc)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite":
            url = self.engine.url
            self.engine.dispose()
            # One pooled connection per thread that needs one; a connection moves
            # between worker threads, never used by two at once (the pool's checkout).
            self.engine = sa.create_engine(
                url, poolclass=sa.pool.QueuePool, pool_size=4, max_overflow=4,
                connect_args={"check_same_thread": False, "timeout": 30},
            )
            sa.event.listen(self.engine, "connect", _sqlite_connection_settings)
            self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
            self._writer: cf.ThreadPoolExecutor | None = cf.ThreadPoolExecutor(
                max_workers=1, thread_name_prefix="tracker-writer")
        else:
            self._writer = None  # the server takes concurrent writers: the loop's pool

    async def _retrieve(
        self, sender_id: str, fetch_events_from_all_sessions: bool
    ) -> DialogueStateTracker | None:
        return await asyncio.to_thread(
            run_without_loop,
            super()._retrieve(sender_id, fetch_events_from_all_sessions),
        )

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store the tracker's new events (Rasa's ``save``, in a worker thread)."""
        if self.event_broker is not None:
            # Streaming to a broker awaits the broker: keep Rasa's path as it is.
            await super().save(tracker)
            return
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(
            self._writer, functools.partial(run_without_loop, super().save(tracker)))
