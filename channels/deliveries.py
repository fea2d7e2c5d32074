"""What became of each notice sent through ``POST /internal/send``.

Two tables, created with the others on start:

- ``notice_deliveries``: one row per notice. ``dedupe_key`` (the case store's
  outbox key, optional) is unique: a notice the notifier sends again after a
  timeout or a crash is recognised and not sent twice. ``status`` moves
  ``sending`` (claimed by one request) -> ``sent`` (the provider took it;
  Twilio still has to deliver it) -> ``delivered``, or ``dead`` with
  ``reason`` (the provider refused it for good, or Twilio reported it
  undelivered or failed, with its error code).
- ``notice_messages``: the Twilio message SIDs of a delivery (one per SMS
  part), each with the last status Twilio's status callback reported.

A failed send that may succeed later deletes its claim, so the notifier's
retry can send it; a claim left by a crashed process expires.

Delivery is at least once across a crash. A process killed while the provider
call is in flight leaves a ``sending`` claim, and nobody can know whether the
provider took the message: Twilio's, Telegram's and Messenger's send APIs have
no idempotency key to ask with. The notifier's retry takes the expired claim
and sends again, and ``resends`` counts it (with a ``notice_resent_after_crash``
warning): a resident may get that one notice twice, never none. Losing an
"info requested" notice costs more than repeating a "case opened" one.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.exc import IntegrityError

from channels.store import Base, session, utcnow

log = logging.getLogger(__name__)

DELIVERED = frozenset({"delivered", "read"})
FAILED = frozenset({"undelivered", "failed", "canceled"})


class NoticeDelivery(Base):
    """One notice handed to a provider (or being handed)."""

    __tablename__ = "notice_deliveries"

    id = sa.Column(sa.Integer, primary_key=True)
    dedupe_key = sa.Column(sa.String(200), unique=True)  # NULL when the caller sent none
    address = sa.Column(sa.String(200), nullable=False, index=True)
    event = sa.Column(sa.String(32))
    case_number = sa.Column(sa.String(16))
    status = sa.Column(sa.String(16), nullable=False, default="sending", index=True)
    reason = sa.Column(sa.String(300))
    # Times a claim left by a crashed sender was taken over and the notice sent again.
    resends = sa.Column(sa.Integer, nullable=False, default=0, server_default="0")
    created_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    updated_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)


class NoticeMessage(Base):
    """One Twilio message of a notice and the last status Twilio reported for it."""

    __tablename__ = "notice_messages"

    sid = sa.Column(sa.String(64), primary_key=True)
    # NULL while a callback has come before the send returned its SIDs.
    delivery_id = sa.Column(sa.Integer, index=True)
    status = sa.Column(sa.String(16), nullable=False, default="queued")
    error_code = sa.Column(sa.String(16))
    updated_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)


@dataclass
class Claim:
    """The outcome of ``claim``: a new delivery id, or the earlier one's status."""

    delivery_id: int | None = None
    duplicate_status: str | None = None  # sent / delivered / dead: answered as a duplicate
    busy: bool = False  # another request is sending it right now


def _engine(app: Flask) -> sa.engine.Engine:
    return app.extensions["channels"]["engine"]


def claim(
    app: Flask, dedupe_key: str | None, address: str, event: str | None, case_number: str | None
) -> Claim:
    """Start a delivery; with a ``dedupe_key`` already seen, say what became of it."""
    row = NoticeDelivery(dedupe_key=dedupe_key, address=address, event=event,
                         case_number=case_number, status="sending")
    with session(_engine(app)) as db:
        db.add(row)
        try:
            db.commit()
            return Claim(delivery_id=row.id)
        except IntegrityError:
            db.rollback()
        earlier = db.execute(
            sa.select(NoticeDelivery).where(NoticeDelivery.dedupe_key == dedupe_key)
        ).scalar_one_or_none()
        if earlier is None:  # the claim that collided was just released: take it now
            return claim(app, dedupe_key, address, event, case_number)
        if earlier.status != "sending":
            return Claim(duplicate_status=earlier.status)
        # A claim older than a whole send was left by a process that died mid-send.
        stale = utcnow() - dt.timedelta(seconds=app.config["SEND_DEADLINE_SECONDS"] * 2 + 5)
        taken = db.execute(
            sa.update(NoticeDelivery)
            .where(NoticeDelivery.id == earlier.id, NoticeDelivery.status == "sending",
                   NoticeDelivery.updated_at < stale)
            .values(updated_at=utcnow(), resends=NoticeDelivery.resends + 1)
        )
        db.commit()
        if taken.rowcount != 1:
            return Claim(busy=True)
        log.warning("notice_resent_after_crash",
                    extra={"delivery_id": earlier.id, "notice": earlier.event})
        return Claim(delivery_id=earlier.id)


def release(app: Flask, delivery_id: int) -> None:
    """The send failed but may succeed later: forget the claim so a retry can send."""
    with session(_engine(app)) as db:
        db.execute(sa.delete(NoticeDelivery).where(NoticeDelivery.id == delivery_id))
        db.commit()


def mark_dead(app: Flask, delivery_id: int, reason: str) -> None:
    """The provider will never deliver this notice; keep it, with why, for operators."""
    with session(_engine(app)) as db:
        db.execute(
            sa.update(NoticeDelivery).where(NoticeDelivery.id == delivery_id)
            .values(status="dead", reason=reason[:300], updated_at=utcnow())
        )
        db.commit()
    log.warning("notice %s dead: %s", delivery_id, reason)


def mark_sent(app: Flask, delivery_id: int, sids: list[str], awaits_callback: bool) -> None:
    """The provider took the notice. With Twilio status callbacks it counts as
    delivered only when Twilio says so; otherwise the provider's acceptance is
    the delivery."""
    with session(_engine(app)) as db:
        delivery = db.get(NoticeDelivery, delivery_id)
        delivery.status = "sent" if awaits_callback else "delivered"
        delivery.updated_at = utcnow()
        for sid in sids:
            known = db.get(NoticeMessage, sid)
            if known is None:
                db.add(NoticeMessage(sid=sid, delivery_id=delivery_id))
            else:
                known.delivery_id = delivery_id
        db.commit()
    if awaits_callback and sids:
        _settle(app, delivery_id)


def record_status(app: Flask, sid: str, status: str, error_code: str | None) -> None:
    """Take one Twilio status callback for message ``sid`` and settle its notice."""
    with session(_engine(app)) as db:
        message = db.get(NoticeMessage, sid)
        if message is None:
            message = NoticeMessage(sid=sid)
            db.add(message)
        # Callbacks can arrive out of order: a final status is never overwritten.
        if message.status not in DELIVERED | FAILED:
            message.status = status[:16]
            message.error_code = (error_code or None) and error_code[:16]
            message.updated_at = utcnow()
        try:
            db.commit()
        except IntegrityError:  # the send recorded the SID at the same moment
            db.rollback()
            return record_status(app, sid, status, error_code)
        delivery_id = message.delivery_id
    if delivery_id is not None:
        _settle(app, delivery_id)
    return None


def _settle(app: Flask, delivery_id: int) -> None:
    """Delivered when every part is; dead (with Twilio's code) when any part failed."""
    with session(_engine(app)) as db:
        parts = db.execute(
            sa.select(NoticeMessage).where(NoticeMessage.delivery_id == delivery_id)
        ).scalars().all()
        failed = [p for p in parts if p.status in FAILED]
        if failed:
            reason = f"twilio {failed[0].status}" + (
                f" (error {failed[0].error_code})" if failed[0].error_code else "")
            values = {"status": "dead", "reason": reason}
        elif parts and all(p.status in DELIVERED for p in parts):
            values = {"status": "delivered", "reason": None}
        else:
            return
        db.execute(
            sa.update(NoticeDelivery)
            .where(NoticeDelivery.id == delivery_id,
                   NoticeDelivery.status.in_(("sent", "delivered")))
            .values(updated_at=utcnow(), **values)
        )
        db.commit()
    if values["status"] == "dead":
        log.warning("notice %s dead: %s", delivery_id, values["reason"])


def dead_notices(app: Flask, limit: int = 100) -> list[NoticeDelivery]:
    """The newest notices that will never arrive, for the operators' dead-letter views."""
    with session(_engine(app)) as db:
        return list(db.execute(
            sa.select(NoticeDelivery).where(NoticeDelivery.status == "dead")
            .order_by(NoticeDelivery.id.desc()).limit(limit)
        ).scalars())
