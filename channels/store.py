"""The channels app's own small database: the durable inbox and per-address state.

Tables (created on start; the schema is small and owned by this app alone):

- ``inbox_messages``: every incoming message, written before anything else.
  Unique on (channel, provider_id) so a redelivered webhook finds its first
  copy (ids a client chooses are scoped by the sender). ``status`` moves
  pending -> answered (Rasa replied, delivery owed) -> done (replies went
  out), or to dead (given up after INBOX_MAX_ATTEMPTS, INBOX_MAX_AGE_HOURS or
  a permanent provider refusal; listed by ``flask --app channels dead-letters``).
- ``addresses``: per channel address, the buttons last offered (a digit reply
  picks one), whether the address said STOP and the conversation's language
  (the assistant's last word on it, or the resident's choice: ``channels.i18n``).
- ``notices``: case notices sent to an address, so a YES/NO or a reply to an
  information request is tied to its case.
- ``transcript``: the web chat conversation, so a reloaded page shows it.
- ``telegram_files``: photo file ids residents sent, the only ones
  ``/telegram/files/<id>`` serves.

Rows older than INBOX_RETENTION_DAYS are purged (``channels.retention``).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, declarative_base

log = logging.getLogger(__name__)
Base = declarative_base()

# Statuses of a message something is still owed on; "done" and "dead" are final.
LIVE_STATUSES = ("pending", "answered")


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
    dead_at = sa.Column(sa.DateTime)


# The retry worker's query: due live rows in order, and per sender its oldest live row.
sa.Index("ix_inbox_due", InboxMessage.status, InboxMessage.next_attempt_at)
sa.Index("ix_inbox_sender_live", InboxMessage.sender, InboxMessage.status, InboxMessage.id)
sa.Index("ix_inbox_created", InboxMessage.created_at)


class Address(Base):
    """State kept per channel address (``sms:+1404…``)."""

    __tablename__ = "addresses"

    address = sa.Column(sa.String(200), primary_key=True)
    last_buttons = sa.Column(sa.JSON, nullable=False, default=list)
    last_prompt = sa.Column(sa.Text)  # voice: what to repeat after silence
    opted_out = sa.Column(sa.Boolean, nullable=False, default=False)
    language = sa.Column(sa.String(8))  # "en", "es"...; None: not known yet
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
    created_at = sa.Column(sa.DateTime, nullable=False, default=utcnow, index=True)


class TelegramFile(Base):
    """A photo a resident sent on Telegram: ``/telegram/files/<file_id>`` serves only these."""

    __tablename__ = "telegram_files"

    file_id = sa.Column(sa.String(200), primary_key=True)
    created_at = sa.Column(sa.DateTime, nullable=False, default=utcnow, index=True)


def _upgrade(engine: sa.engine.Engine) -> None:
    """Add what later versions added to tables an older version created (additive only)."""
    inspector = sa.inspect(engine)  # one look at the schema for every check below
    columns = {c["name"] for c in inspector.get_columns("inbox_messages")}
    steps = [] if "dead_at" in columns else [
        lambda: _execute(engine, "ALTER TABLE inbox_messages ADD COLUMN dead_at TIMESTAMP")]
    if "language" not in {c["name"] for c in inspector.get_columns("addresses")}:
        steps.append(lambda: _execute(engine, "ALTER TABLE addresses ADD COLUMN language "
                                              "VARCHAR(8)"))
    if inspector.has_table("notice_deliveries") and "resends" not in {
            c["name"] for c in inspector.get_columns("notice_deliveries")}:
        steps.append(lambda: _execute(engine, "ALTER TABLE notice_deliveries ADD COLUMN resends "
                                              "INTEGER NOT NULL DEFAULT 0"))
    for table in (InboxMessage.__table__, TranscriptEntry.__table__):
        steps += [lambda index=index: index.create(engine, checkfirst=True)
                  for index in table.indexes]
    for step in steps:
        try:
            step()
        except sa.exc.DBAPIError:
            # Another process (a second gunicorn worker) made the same change first.
            log.info("schema step already applied elsewhere")


def _execute(engine: sa.engine.Engine, statement: str) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text(statement))


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
    _create_tables(engine)
    _upgrade(engine)
    return engine


def _create_tables(engine: sa.engine.Engine, attempts: int = 3) -> None:
    """Create the missing tables. Every worker does this at start: on a new database two
    can both find a table missing, and the slower CREATE then fails ("already exists");
    looking again finds it made."""
    for attempt in range(1, attempts + 1):
        try:
            Base.metadata.create_all(engine)
            return
        except (sa.exc.OperationalError, sa.exc.ProgrammingError, sa.exc.IntegrityError):
            if attempt == attempts:
                raise


def session(engine: sa.engine.Engine) -> Session:
    """A new 2.0-style session; use it as a context manager."""
    return Session(engine, future=True, expire_on_commit=False)
