"""The durable inbox: every incoming message is stored first, answered, then marked done.

The inbox owns a message's whole life (the webhook has verified it already):

1. ``store`` writes it (unique per channel + provider message id: a
   redelivery finds the first copy and is not processed again);
2. ``answer`` asks the app's local handlers in order (STOP/HELP, live chat,
   notice replies: ``app.extensions["channels"]["handlers"]``, built by
   ``create_app``), then Rasa, within the deadline (``receive`` does 1 and 2);
3. the replies go out: in the webhook's own answer (TwiML: ``done_after``;
   web chat: ``mark_done``) or through the channel's API with the app's sender
   (``deliver_outcome``, ``deliver_row``: ``app.extensions["channels"]["send"]``);
4. the message is ``done`` once they went out, or ``release``d for a retry.

When Rasa fails or is slow the message stays pending and the caller gets a
holding text in the conversation's language (``senders.conversation_language``);
a slow call that finishes later delivers its reply through the
channel's API, a failed one is retried by the worker in ``channels.retry``.
A message that keeps failing (INBOX_MAX_ATTEMPTS, INBOX_MAX_AGE_HOURS) or that
a provider refuses for good goes to the dead letters (``release``), logged at
CRITICAL with ids only.
"""

from __future__ import annotations

import concurrent.futures as cf
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import Flask, Response, current_app, has_request_context, request
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from channels import i18n, media, queue_time, senders, tokens
from channels.errors import SendError
from channels.intake import clean_meta, clean_text
from channels.rasa_client import TurnError, send_to_rasa
from channels.store import LIVE_STATUSES, InboxMessage, session, utcnow

log = logging.getLogger(__name__)

# The app may answer some messages itself (STOP, HELP, a notice reply...): such
# a handler returns messages, or None to pass the message on down the chain.
LocalHandler = Callable[[Flask, InboxMessage], "list[dict[str, Any]] | None"]
# The sender: outbound.deliver's signature (address, messages, **options) -> provider ids.
Sender = Callable[..., list[str]]
FINAL_STATUSES = ("done", "dead")


def handlers(app: Flask) -> list[LocalHandler]:
    """The app's local handlers, in the order they are asked (built by ``create_app``)."""
    return app.extensions["channels"]["handlers"]


def sender(app: Flask) -> Sender:
    """The app's way out to a channel address (``outbound.deliver``, set by the factory)."""
    return app.extensions["channels"]["send"]


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


def holding_text(app: Flask, down: bool, lang: str | None = None) -> str:
    """The short answer given while the real reply is on its way (in ``lang``)."""
    if down:
        return i18n.gettext(
            lang, "Thanks, we have your message. Our assistant is unavailable right now; "
            "we will reply here as soon as it is back. If it is urgent, call 311 "
            "({phone}), or 911 in an emergency.", phone=app.config["CITY_311_PHONE"])
    return i18n.gettext(lang, "Thanks, we have your message. Our reply is on its way.")


def _executor(app: Flask) -> cf.ThreadPoolExecutor:
    return app.extensions["channels"]["executor"]


def _engine(app: Flask) -> sa.engine.Engine:
    return app.extensions["channels"]["engine"]


@dataclass
class Stored:
    """What ``store`` did: a new row (maybe queued behind an earlier one) or a duplicate."""

    inbox_id: int
    duplicate: bool = False
    queued: bool = False
    status: str = "pending"
    replies: list[dict[str, Any]] | None = None


def store(incoming: Incoming, app: Flask | None = None) -> Stored:
    """Write ``incoming`` durably (once per provider message id) without answering it.

    One sender's arrivals are serialised on its ``senders`` row (table ``addresses``), so ids follow
    arrival order and a message finds every earlier one of its sender: when one
    is still waiting for its answer, the new one is queued behind it (due now,
    taken by the retry worker once the earlier one is answered).
    """
    app = app or current_app._get_current_object()  # noqa: SLF001 - threads need the app
    sender = clean_text(incoming.sender, 200)
    provider_id = clean_text(incoming.provider_id, 200)
    text = clean_text(incoming.text)
    row = InboxMessage(
        channel=clean_text(incoming.channel, 16),
        provider_id=provider_id,
        sender=sender,
        text=text,
        shown_text=clean_text(incoming.shown_text) or text,
        meta=clean_meta(incoming.metadata or {}),
        status="pending",
        claimed_until=utcnow() + dt.timedelta(seconds=app.config["RASA_TIMEOUT_SECONDS"] + 10),
    )
    with session(_engine(app)) as db:
        try:
            senders.lock(db, sender)
            first = _first_copy(db, row.channel, provider_id)
            if first is None:
                db.add(row)
                db.flush()
        except IntegrityError:
            # The same provider id from another sender's lock (ids not scoped by sender).
            db.rollback()
            first = _first_copy(db, row.channel, provider_id)
        if first is not None:
            db.rollback()
            return Stored(first.id, duplicate=True, status=first.status, replies=first.replies)
        earlier = db.execute(
            sa.select(sa.func.count(InboxMessage.id)).where(
                InboxMessage.sender == sender,
                InboxMessage.id < row.id,
                InboxMessage.status == "pending",
            )
        ).scalar_one()
        if earlier:
            # Answering this one first would run the dialogue out of order.
            row.claimed_until = None
            row.last_error = "queued behind an earlier message"
        db.commit()
    return Stored(row.id, queued=bool(earlier))


def _first_copy(db: Session, channel: str, provider_id: str) -> InboxMessage | None:
    return db.execute(
        sa.select(InboxMessage).where(
            InboxMessage.channel == channel, InboxMessage.provider_id == provider_id
        )
    ).scalar_one_or_none()


def receive(incoming: Incoming, app: Flask | None = None) -> Outcome:
    """Store ``incoming`` durably and answer it (see the module docstring)."""
    app = app or current_app._get_current_object()  # noqa: SLF001 - threads need the app
    stored = store(incoming, app)
    if stored.duplicate:
        return Outcome(
            inbox_id=stored.inbox_id,
            duplicate=True,
            replies=stored.replies if stored.status == "answered" else None,
            already_done=stored.status in FINAL_STATUSES,
        )
    def holding(down: bool) -> str:  # looked up only when needed: one read less per turn
        hint = (incoming.metadata or {}).get("language")
        return holding_text(app, down, senders.conversation_language(app, incoming.sender, hint))

    if stored.queued:
        return Outcome(inbox_id=stored.inbox_id, holding_text=holding(False))

    future = _executor(app).submit(answer, app, stored.inbox_id)
    try:
        replies = future.result(timeout=_deadline(app))
    except cf.TimeoutError:
        # Slow turn: let it finish in the background and deliver through the API.
        future.add_done_callback(lambda f: _finish_late(app, stored.inbox_id, f))
        return Outcome(inbox_id=stored.inbox_id, holding_text=holding(False))
    except TurnError as exc:
        release(app, stored.inbox_id, str(exc))
        return Outcome(inbox_id=stored.inbox_id, holding_text=holding(exc.down))
    return Outcome(inbox_id=stored.inbox_id, replies=replies)


def _deadline(app: Flask) -> float:
    """How long the webhook waits for Rasa: RASA_DEADLINE_SECONDS from the moment the
    load balancer received the request (``channels.queue_time``), so a webhook that
    sat in its queue answers sooner, at once when the whole deadline went there."""
    deadline = float(app.config["RASA_DEADLINE_SECONDS"])
    if has_request_context():
        deadline -= queue_time.waited_seconds(request.headers.get(queue_time.HEADER))
    return max(deadline, 0.0)


def answer(app: Flask, inbox_id: int) -> list[dict[str, Any]]:
    """Compute and store the replies to one inbox message; raises TurnError."""
    with session(_engine(app)) as db:
        row = db.get(InboxMessage, inbox_id)
    try:
        # Provider photos become case store copies before any handler or Rasa sees them.
        media.localise(app, row)
        replies = None
        for handler in handlers(app):
            replies = handler(app, row)
            if replies is not None:
                break
        if replies is None:
            metadata = {"message_id": row.provider_id, "channel": row.channel, **(row.meta or {})}
            turn = send_to_rasa(
                app.config["RASA_URL"],
                tokens.presented(app.config["RASA_WEBHOOK_TOKEN"]),
                row.sender,
                row.text,
                metadata,
                timeout=app.config["RASA_TIMEOUT_SECONDS"],
            )
            replies = turn.messages
            language = i18n.normalize(app, turn.language)
            if language and language != senders.language(app, row.sender):
                # The conversation's language after this turn: the app's own texts follow it.
                senders.remember_language(app, row.sender, language)
    except TurnError:
        raise
    except Exception as exc:  # a handler's bug must not lose the message
        log.exception("answering inbox message %s failed", inbox_id)
        raise TurnError(type(exc).__name__) from exc
    with session(_engine(app)) as db:
        db.execute(
            sa.update(InboxMessage)
            .where(InboxMessage.id == inbox_id, InboxMessage.status == "pending")
            .values(status="answered", replies=replies, last_error=None)
        )
        db.commit()
    return replies


def _finish_late(app: Flask, inbox_id: int, future: cf.Future) -> None:
    if future.exception() is not None:
        release(app, inbox_id, str(future.exception()))
        return
    deliver_row(app, inbox_id)


def release(
    app: Flask, inbox_id: int, error: str, retry_now: bool = False, permanent: bool = False
) -> None:
    """Give a message back to the retry worker, with backoff unless ``retry_now``.

    A ``permanent`` failure, the INBOX_MAX_ATTEMPTS-th failed attempt or a
    message older than INBOX_MAX_AGE_HOURS goes to the dead letters instead.
    """
    now = utcnow()
    with session(_engine(app)) as db:
        row = db.get(InboxMessage, inbox_id)
        if row is None or row.status not in LIVE_STATUSES:
            return
        attempts = row.attempts + (0 if retry_now else 1)
        too_old = now - row.created_at >= dt.timedelta(hours=app.config["INBOX_MAX_AGE_HOURS"])
        dead = permanent or (not retry_now and (
            attempts >= app.config["INBOX_MAX_ATTEMPTS"] or too_old))
        values: dict[str, Any] = {"attempts": attempts, "claimed_until": None,
                                  "last_error": error[:300]}
        if dead:
            values.update(status="dead", dead_at=now)
        else:
            delay = 0 if retry_now else min(2**attempts, app.config["RETRY_MAX_BACKOFF_SECONDS"])
            values["next_attempt_at"] = now + dt.timedelta(seconds=delay)
        db.execute(sa.update(InboxMessage).where(
            InboxMessage.id == inbox_id, InboxMessage.status == row.status).values(**values))
        db.commit()
    if dead:
        # An operator must look: nothing more will happen to this message by itself.
        # Ids and the error class only, never the resident's words or address.
        log.critical(
            "event=inbox_dead_letter inbox_id=%s channel=%s kind=%s attempts=%s error=%s",
            inbox_id, row.channel, dead_letter_kind(row), attempts, error[:80],
            extra={"event": "inbox_dead_letter", "inbox_id": inbox_id, "channel": row.channel,
                   "kind": dead_letter_kind(row), "attempts": attempts},
        )
    else:
        log.info("inbox message %s kept for retry: %s", inbox_id, error)


def dead_letter_kind(row: InboxMessage) -> str:
    """``message`` when the answer itself was never made, ``delivery`` when it was not sent."""
    return "delivery" if row.replies is not None else "message"


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
                InboxMessage.status.in_(LIVE_STATUSES),
                sa.or_(InboxMessage.claimed_until.is_(None), InboxMessage.claimed_until < now),
            )
            .values(claimed_until=now + dt.timedelta(seconds=seconds))
        )
        db.commit()
        return result.rowcount == 1


def done_after(response: Response, inbox_id: int) -> Response:
    """Mark ``inbox_id`` done once ``response`` (its replies, as TwiML) has been sent."""
    app = current_app._get_current_object()  # noqa: SLF001 - used after the request
    response.call_on_close(lambda: mark_done(app, inbox_id))
    return response


def deliver_row(app: Flask, inbox_id: int) -> None:
    """Deliver the stored replies of one answered inbox message, then mark it done."""
    with session(_engine(app)) as db:
        row = db.get(InboxMessage, inbox_id)
    if row is None or row.status != "answered":
        return
    try:
        sender(app)(app, row.sender, row.replies or [])
    except SendError as exc:
        # A refusal for good (a blocked bot) goes to the dead letters at once.
        release(app, inbox_id, f"delivery failed: {exc}", permanent=exc.permanent)
        return
    mark_done(app, inbox_id)


def deliver_outcome(address: str, outcome: Outcome) -> None:
    """For channels that answer through their API: send the replies (or the holding text)."""
    app = current_app._get_current_object()  # noqa: SLF001 - also used by late threads
    messages = outcome.replies or [{"text": outcome.holding_text}]
    try:
        sender(app)(app, address, messages)
    except SendError as exc:
        if outcome.replies is not None:
            # Rasa answered; only the delivery is owed, and the worker retries it.
            release(app, outcome.inbox_id, f"delivery failed: {exc}", permanent=exc.permanent)
        else:
            log.warning("holding reply not delivered: %s", exc)
        return
    if outcome.replies is not None:
        mark_done(app, outcome.inbox_id)


def send_holding(app: Flask, address: str, down: bool, hint: object = None) -> None:
    """Tell a resident who has heard nothing yet that the answer is coming (best effort),
    in the conversation's language (``hint``: the message's metadata ``language``)."""
    text = holding_text(app, down, senders.conversation_language(app, address, hint))
    try:
        sender(app)(app, address, [{"text": text}])
    except SendError as exc:
        log.warning("holding reply not delivered: %s", exc)
