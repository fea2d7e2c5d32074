"""The channels app's own small database: the durable inbox and per-address state.

Tables (created on start; the schema is small and owned by this app alone):

- ``inbox_messages``: every incoming message, written before anything else.
  Unique on (channel, provider_id) so a redelivered webhook finds its first
  copy. ``status`` moves pending -> answered (Rasa replied, delivery owed)
  -> done (replies went out).
- ``addresses``: per channel address, the buttons last offered (a digit reply
  picks one) and whether the address said STOP.
- ``notices``: case notices sent to an address, so a YES/NO or a reply to an
  information request is tied to its case.
- ``transcript``: the web chat conversation, so a reloaded page shows it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, declarative_base

Base = declarative_base()


def utcnow() -> dt.datetime:
    """Naive UTC now (SQLite keeps no zone; every column here is UTC)."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class InboxMessage(Base):
    """One message a resident sent, exactly once per provider message id."""

    __tablename__ = "inbox_messages"
    __table_args__ = (sa.UniqueConstraint("channel", "provider_id", name="uq_inbox_provider"),)

    id = sa.Column(sa.Integer, primary_key=True)
    channel = sa.Column(sa.String(16), nullable=False)
    provider_id = sa.Column(sa.String(200), nullable=False)
    sender = sa.Column(sa.String(200), nullable=False, index=True)
    text = sa.Column(sa.Text, nullable=False, default="")  # what Rasa receives
    shown_text = sa.Column(sa.Text, nullable=False, default="")  # what the resident saw sent
    meta = sa.Column(sa.JSON, nullable=False, default=dict)
    status = sa.Column(sa.String(16), nullable=False, default="pending", index=True)
    attempts = sa.Column(sa.Integer, nullable=False, default=0)
    next_attempt_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    claimed_until = sa.Column(sa.DateTime)
    replies = sa.Column(sa.JSON)
    last_error = sa.Column(sa.String(300))
    created_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    done_at = sa.Column(sa.DateTime)


class Address(Base):
    """State kept per channel address (``sms:+1404…``)."""

    __tablename__ = "addresses"

    address = sa.Column(sa.String(200), primary_key=True)
    last_buttons = sa.Column(sa.JSON, nullable=False, default=list)
    last_prompt = sa.Column(sa.Text)  # voice: what to repeat after silence
    opted_out = sa.Column(sa.Boolean, nullable=False, default=False)
    updated_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)


class Notice(Base):
    """A case notice delivered to an address through POST /internal/send."""

    __tablename__ = "notices"

    id = sa.Column(sa.Integer, primary_key=True)
    address = sa.Column(sa.String(200), nullable=False, index=True)
    case_number = sa.Column(sa.String(16), nullable=False)
    event = sa.Column(sa.String(32), nullable=False)
    created_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)
    answered_at = sa.Column(sa.DateTime)


class TranscriptEntry(Base):
    """One line of a web chat conversation (resident or assistant)."""

    __tablename__ = "transcript"

    id = sa.Column(sa.Integer, primary_key=True)
    address = sa.Column(sa.String(200), nullable=False, index=True)
    role = sa.Column(sa.String(16), nullable=False)  # resident | assistant
    text = sa.Column(sa.Text, nullable=False, default="")
    buttons = sa.Column(sa.JSON, nullable=False, default=list)
    image = sa.Column(sa.String(1000))
    created_at = sa.Column(sa.DateTime, nullable=False, default=utcnow)


def make_engine(url: str) -> sa.engine.Engine:
    """Create the engine for ``url`` and the tables if they are missing."""
    kwargs: dict[str, Any] = {"future": True}
    if url.startswith("sqlite"):
        # Request threads and the retry worker write concurrently: wait for the
        # lock instead of failing with "database is locked".
        kwargs["connect_args"] = {"timeout": 30, "check_same_thread": False}
        # SQLAlchemy 1.4 gives file SQLite a NullPool: a new connection (and PRAGMA)
        # per session, which cost more than the queries here. Keep connections.
        kwargs["poolclass"] = sa.pool.QueuePool
        kwargs["pool_size"] = 8
        kwargs["max_overflow"] = 32
    else:
        kwargs["pool_pre_ping"] = True
    engine = sa.create_engine(url, **kwargs)
    if url.startswith("sqlite"):
        @sa.event.listens_for(engine, "connect")
        def _wal(dbapi_conn, _record):  # noqa: ANN001 - DB-API objects
            dbapi_conn.execute("PRAGMA journal_mode=WAL")
    Base.metadata.create_all(engine)
    return engine


def session(engine: sa.engine.Engine) -> Session:
    """A new 2.0-style session; use it as a context manager."""
    return Session(engine, future=True, expire_on_commit=False)
