"""The retry worker: re-sends pending messages to Rasa and delivers owed replies.

It runs as a daemon thread inside the app (RETRY_WORKER_THREAD, the default)
or as its own process (``flask --app channels retry-worker``). Several may run
at once: each message is claimed with an atomic UPDATE before it is touched.
Messages of one conversation are handled oldest first, one at a time, so the
dialogue keeps its order. Nothing is ever given up on: the backoff is capped.
"""

from __future__ import annotations

import logging
import threading

import sqlalchemy as sa
from flask import Flask

from channels.inbox import answer, claim, release
from channels.outbound import deliver_row
from channels.rasa_client import TurnError
from channels.store import InboxMessage, session, utcnow

log = logging.getLogger(__name__)


def due_messages(app: Flask, limit: int = 20) -> list[int]:
    """Ids of due, unclaimed messages, at most one per sender (its oldest unfinished)."""
    now = utcnow()
    with session(app.extensions["channels"]["engine"]) as db:
        rows = db.execute(
            sa.select(InboxMessage.id, InboxMessage.sender, InboxMessage.next_attempt_at,
                      InboxMessage.claimed_until)
            .where(InboxMessage.status != "done")
            .order_by(InboxMessage.id)
            .limit(500)
        ).all()
    seen: set[str] = set()
    due: list[int] = []
    for row in rows:
        if row.sender in seen:
            continue
        seen.add(row.sender)
        claimed = row.claimed_until is not None and row.claimed_until >= now
        if row.next_attempt_at <= now and not claimed:
            due.append(row.id)
        if len(due) >= limit:
            break
    return due


def process(app: Flask, inbox_id: int) -> None:
    """Answer (if still needed) and deliver one claimed message."""
    with session(app.extensions["channels"]["engine"]) as db:
        row = db.get(InboxMessage, inbox_id)
    if row.status == "pending":
        try:
            answer(app, inbox_id)
        except TurnError as exc:
            release(app, inbox_id, str(exc))
            return
    deliver_row(app, inbox_id)


def run_once(app: Flask) -> int:
    """One pass over the due messages; returns how many were taken."""
    taken = 0
    for inbox_id in due_messages(app):
        if claim(app, inbox_id, app.config["RASA_TIMEOUT_SECONDS"] + 10):
            taken += 1
            try:
                process(app, inbox_id)
            except Exception:  # keep the worker alive; the claim expires and it is retried
                log.exception("retrying inbox message %s failed", inbox_id)
    return taken


def run_forever(app: Flask, stop: threading.Event) -> None:
    """Poll for due messages until ``stop`` is set."""
    while not stop.is_set():
        try:
            run_once(app)
        except Exception:
            log.exception("retry pass failed")
        stop.wait(app.config["RETRY_POLL_SECONDS"])


def start_thread(app: Flask) -> threading.Event:
    """Start the worker as a daemon thread; set the returned event to stop it."""
    stop = threading.Event()
    threading.Thread(
        target=run_forever, args=(app, stop), name="channels-retry", daemon=True
    ).start()
    return stop
