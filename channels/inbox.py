"""The durable inbox: every incoming message is stored first, answered, then marked done.

``receive()`` is the one path every webhook takes:

1. write the message (unique per channel + provider message id: a redelivery
   finds the first copy and is not processed again);
2. answer it: a local handler (STOP/HELP, a reply to a case notice) or Rasa,
   within the deadline;
3. hand the replies back to the webhook, which renders them in its own form
   and calls ``mark_done`` once they went out.

When Rasa fails or is slow the message stays pending and the caller gets a
holding text; a slow call that finishes later delivers its reply through the
channel's API, a failed one is retried by the worker in ``channels.retry``.
"""

from __future__ import annotations

import concurrent.futures as cf
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy.exc import IntegrityError

from channels.rasa_client import TurnError, send_to_rasa
from channels.store import InboxMessage, session, utcnow

log = logging.getLogger(__name__)

# A channel may answer some messages itself (STOP, HELP, a notice reply...):
# such a handler returns messages, or None to let Rasa answer.
LocalHandler = Callable[[Flask, InboxMessage], "list[dict[str, Any]] | None"]
_local_handlers: list[LocalHandler] = []


def register_local_handler(handler: LocalHandler) -> LocalHandler:
    """Add a handler consulted, in registration order, before Rasa."""
    if handler not in _local_handlers:
        _local_handlers.append(handler)
    return handler


@dataclass
class Incoming:
    """One message from a resident, already verified and parsed by its webhook."""

    channel: str
    provider_id: str
    sender: str
    text: str
    shown_text: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass
class Outcome:
    """What the webhook should answer: replies, or a holding text (message kept pending)."""

    inbox_id: int
    duplicate: bool = False
    replies: list[dict[str, Any]] | None = None
    holding_text: str | None = None
    already_done: bool = False


def holding_text(app: Flask, down: bool) -> str:
    """The short answer given while the real reply is on its way."""
    if down:
        return (
            "Thanks, we have your message. Our assistant is unavailable right now; "
            "we will reply here as soon as it is back. If it is urgent, call 311 "
            f"({app.config['CITY_311_PHONE']}), or 911 in an emergency."
        )
    return "Thanks, we have your message. Our reply is on its way."


def _executor(app: Flask) -> cf.ThreadPoolExecutor:
    return app.extensions["channels"]["executor"]


def _engine(app: Flask) -> sa.engine.Engine:
    return app.extensions["channels"]["engine"]


def receive(incoming: Incoming, app: Flask | None = None) -> Outcome:
    """Store ``incoming`` durably and answer it (see the module docstring)."""
    app = app or current_app._get_current_object()  # noqa: SLF001 - threads need the app
    row = InboxMessage(
        channel=incoming.channel,
        provider_id=incoming.provider_id[:200],
        sender=incoming.sender,
        text=incoming.text,
        shown_text=incoming.shown_text or incoming.text,
        meta=incoming.metadata,
        status="pending",
        claimed_until=utcnow() + dt.timedelta(seconds=app.config["RASA_TIMEOUT_SECONDS"] + 10),
    )
    with session(_engine(app)) as db:
        db.add(row)
        try:
            db.commit()
        except IntegrityError:
            db.rollback()
            first = db.execute(
                sa.select(InboxMessage).where(
                    InboxMessage.channel == incoming.channel,
                    InboxMessage.provider_id == incoming.provider_id[:200],
                )
            ).scalar_one()
            return Outcome(
                inbox_id=first.id,
                duplicate=True,
                replies=first.replies if first.status == "answered" else None,
                already_done=first.status == "done",
            )
        earlier = db.execute(
            sa.select(sa.func.count(InboxMessage.id)).where(
                InboxMessage.sender == incoming.sender,
                InboxMessage.id < row.id,
                InboxMessage.status == "pending",
            )
        ).scalar_one()
    if earlier:
        # An earlier message of this conversation is still waiting for Rasa:
        # answering this one first would run the dialogue out of order.
        release(app, row.id, "queued behind an earlier message", retry_now=True)
        return Outcome(inbox_id=row.id, holding_text=holding_text(app, down=False))

    future = _executor(app).submit(answer, app, row.id)
    try:
        replies = future.result(timeout=app.config["RASA_DEADLINE_SECONDS"])
    except cf.TimeoutError:
        # Slow turn: let it finish in the background and deliver through the API.
        future.add_done_callback(lambda f: _finish_late(app, row.id, f))
        return Outcome(inbox_id=row.id, holding_text=holding_text(app, down=False))
    except TurnError as exc:
        release(app, row.id, str(exc))
        return Outcome(inbox_id=row.id, holding_text=holding_text(app, down=exc.down))
    return Outcome(inbox_id=row.id, replies=replies)


def answer(app: Flask, inbox_id: int) -> list[dict[str, Any]]:
    """Compute and store the replies to one inbox message; raises TurnError."""
    with session(_engine(app)) as db:
        row = db.get(InboxMessage, inbox_id)
    try:
        replies = None
        for handler in _local_handlers:
            replies = handler(app, row)
            if replies is not None:
                break
        if replies is None:
            metadata = {"message_id": row.provider_id, "channel": row.channel, **(row.meta or {})}
            replies = send_to_rasa(
                app.config["RASA_URL"],
                app.config["RASA_AUTH_TOKEN"],
                row.sender,
                row.text,
                metadata,
                timeout=app.config["RASA_TIMEOUT_SECONDS"],
            )
    except TurnError:
        raise
    except Exception as exc:  # a handler's bug must not lose the message
        log.exception("answering inbox message %s failed", inbox_id)
        raise TurnError(type(exc).__name__) from exc
    with session(_engine(app)) as db:
        db.execute(
            sa.update(InboxMessage)
            .where(InboxMessage.id == inbox_id)
            .values(status="answered", replies=replies, last_error=None)
        )
        db.commit()
    return replies


def _finish_late(app: Flask, inbox_id: int, future: cf.Future) -> None:
    from channels.outbound import deliver_row  # late: outbound imports channel clients

    if future.exception() is not None:
        release(app, inbox_id, str(future.exception()))
        return
    deliver_row(app, inbox_id)


def release(app: Flask, inbox_id: int, error: str, retry_now: bool = False) -> None:
    """Give a message back to the retry worker, with backoff unless ``retry_now``."""
    with session(_engine(app)) as db:
        row = db.get(InboxMessage, inbox_id)
        attempts = row.attempts + (0 if retry_now else 1)
        delay = 0 if retry_now else min(2**attempts, app.config["RETRY_MAX_BACKOFF_SECONDS"])
        db.execute(
            sa.update(InboxMessage)
            .where(InboxMessage.id == inbox_id)
            .values(
                attempts=attempts,
                next_attempt_at=utcnow() + dt.timedelta(seconds=delay),
                claimed_until=None,
                last_error=error[:300],
            )
        )
        db.commit()
    log.info("inbox message %s kept for retry: %s", inbox_id, error)


def mark_done(app: Flask, inbox_id: int) -> None:
    """The replies to ``inbox_id`` went out: nothing more is owed."""
    with session(_engine(app)) as db:
        db.execute(
            sa.update(InboxMessage)
            .where(InboxMessage.id == inbox_id)
            .values(status="done", done_at=utcnow(), claimed_until=None)
        )
        db.commit()


def claim(app: Flask, inbox_id: int, seconds: float) -> bool:
    """Take ``inbox_id`` for ``seconds`` unless another worker holds it (atomic)."""
    now = utcnow()
    with session(_engine(app)) as db:
        result = db.execute(
            sa.update(InboxMessage)
            .where(
                InboxMessage.id == inbox_id,
                InboxMessage.status != "done",
                sa.or_(InboxMessage.claimed_until.is_(None), InboxMessage.claimed_until < now),
            )
            .values(claimed_until=now + dt.timedelta(seconds=seconds))
        )
        db.commit()
        return result.rowcount == 1
