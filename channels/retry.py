"""The retry worker: re-sends pending messages to Rasa and delivers owed replies.

It runs as a daemon thread inside the app (RETRY_WORKER_THREAD, the default)
or as its own process (``flask --app channels retry-worker``). Several may run
at once: each message is claimed with an atomic UPDATE before it is touched.

Due rows are chosen by the database (live, due, unclaimed, oldest first,
limited), so no number of failing rows can hide a newer one. Messages of one
conversation are handled oldest first, one at a time, so the dialogue keeps
its order; only live rows count for that order, so a dead letter never blocks
its sender. A message is given up on after INBOX_MAX_ATTEMPTS attempts or
INBOX_MAX_AGE_HOURS, or at once when a provider refuses it for good: it goes
to the dead letters (``channels.deadletters``). The worker also runs the
retention purge (``channels.retention``) every INBOX_PURGE_INTERVAL_SECONDS.
"""

from __future__ import annotations

import logging
import threading
import time

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.orm import aliased

from channels.inbox import FINAL_STATUSES, answer, claim, deliver_row, release, send_holding
from channels.rasa_client import TurnError
from channels.retention import purge
from channels.store import LIVE_STATUSES, InboxMessage, session, utcnow

log = logging.getLogger(__name__)


def due_messages(app: Flask, limit: int = 20) -> list[int]:
    """Ids of due, unclaimed live messages, each the oldest live one of its sender."""
    now = utcnow()
    earlier = aliased(InboxMessage)
    older_live = (
        sa.select(earlier.id)
        .where(earlier.sender == InboxMessage.sender, earlier.id < InboxMessage.id,
               earlier.status.in_(LIVE_STATUSES))
        .exists()
    )
    query = (
        sa.select(InboxMessage.id)
        .where(
            InboxMessage.status.in_(LIVE_STATUSES),
            InboxMessage.next_attempt_at <= now,
            sa.or_(InboxMessage.claimed_until.is_(None), InboxMessage.claimed_until < now),
            ~older_live,
        )
        .order_by(InboxMessage.next_attempt_at, InboxMessage.id)
        .limit(limit)
    )
    with session(app.extensions["channels"]["engine"]) as db:
        return list(db.execute(query).scalars())


def process(app: Flask, inbox_id: int, hold_if_failing: bool = False) -> None:
    """Answer (if still needed) and deliver one claimed message.

    ``hold_if_failing``: the resident has heard nothing yet (a Messenger batch
    answered after the webhook returned): a failed turn sends the holding text.
    """
    with session(app.extensions["channels"]["engine"]) as db:
        row = db.get(InboxMessage, inbox_id)
    if row is None or row.status in FINAL_STATUSES:
        return
    if row.status == "pending":
        try:
            answer(app, inbox_id)
        except TurnError as exc:
            release(app, inbox_id, str(exc))
            if hold_if_failing:
                send_holding(app, row.sender, exc.down, (row.meta or {}).get("language"))
            return
    deliver_row(app, inbox_id)


def process_now(app: Flask, inbox_ids: list[int]) -> None:
    """Answer and deliver freshly stored messages in order (a webhook already returned).

    ``store`` claimed them for their first attempt; a queued one is not passed
    here (the worker takes it after its sender's earlier message).
    """
    for inbox_id in inbox_ids:
        try:
            process(app, inbox_id, hold_if_failing=True)
        except Exception:  # the claim expires and the worker retries it
            log.exception("answering inbox message %s failed", inbox_id)


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
    """Poll for due messages until ``stop`` is set; purge old rows now and then."""
    next_purge = time.monotonic()
    while not stop.is_set():
        try:
            run_once(app)
        except Exception:
            log.exception("retry pass failed")
        if time.monotonic() >= next_purge:
            next_purge = time.monotonic() + app.config["INBOX_PURGE_INTERVAL_SECONDS"]
            try:
                purge(app)
            except Exception:
                log.exception("retention purge failed")
        stop.wait(app.config["RETRY_POLL_SECONDS"])


def start_thread(app: Flask) -> threading.Event:
    """Start the worker as a daemon thread; set the returned event to stop it."""
    stop = threading.Event()
    threading.Thread(
        target=run_forever, args=(app, stop), name="channels-retry", daemon=True
    ).start()
    return stop
