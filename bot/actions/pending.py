"""The durable queue of reports confirmed while the case store was down.

A resident who said "yes, file it" must not lose the report because the case
store was restarting: ``action_submit_report`` writes the ``NewCase`` body here,
with the idempotency key it already tried, and tells the resident it is saved.
``bot.actions.filing_worker`` files each row with that same key (so a report the
case store did take before its answer was lost comes back as the same case),
then tells the resident the case number on their channel.

One table, ``pending_reports``, in ``ACTIONS_DATABASE_URL`` (any SQLAlchemy URL;
default the SQLite file ``var/actions.sqlite3``; PostgreSQL in the production
profile, where every action server replica shares it). It is created on first
use. A row moves ``file`` -> ``notify`` -> ``done``:

- ``file``: the body waits to be filed;
- ``notify``: filed (``case_number``) or refused by the case store; ``notice`` is
  the text the resident is owed. The body, which holds contact details, is
  cleared at this step: nothing personal stays once it is no longer needed;
- ``done``: the notice was delivered, answered in the conversation, or cannot
  be delivered (``last_error`` says why).

Work is claimed with a lease: a conditional UPDATE sets ``lease_until`` (the
rowcount says who won), so two workers, or a worker and the resident's own
"try again", never handle one row at once, and a crashed worker's row comes
back by itself when the lease ends. Nothing here runs at
import (rasa-sdk imports every module of the package at start-up).
"""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import IntegrityError

from bot.actions import settings

ROOT = Path(__file__).resolve().parents[2]
LEASE = dt.timedelta(seconds=120)  # longer than a case store call plus a notice send

metadata = sa.MetaData()
pending_reports = sa.Table(
    "pending_reports",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("idempotency_key", sa.String(200), nullable=False, unique=True),
    sa.Column("sender", sa.String(200), nullable=False, index=True),
    sa.Column("service_code", sa.String(64), nullable=False),
    sa.Column("body", sa.JSON, nullable=True),
    sa.Column("state", sa.String(8), nullable=False, default="file"),
    sa.Column("case_number", sa.String(16), nullable=True),
    sa.Column("notice", sa.Text, nullable=True),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("next_attempt_at", sa.DateTime, nullable=False),
    sa.Column("lease_until", sa.DateTime, nullable=True),
    sa.Column("last_error", sa.String(64), nullable=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.Index("ix_pending_reports_due", "state", "next_attempt_at"),
)


def now() -> dt.datetime:
    """The current UTC time, naive (stored the same way on SQLite and PostgreSQL)."""
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def database_url() -> str:
    """``ACTIONS_DATABASE_URL``, else the SQLite file ``var/actions.sqlite3``."""
    url = settings.current().ACTIONS_DATABASE_URL
    return url or f"sqlite:///{ROOT / 'var' / 'actions.sqlite3'}"


_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


def engine() -> Engine:
    """The engine for ``database_url()``, made (and the table created) on first use."""
    url = database_url()
    with _engines_lock:
        found = _engines.get(url)
        if found is not None:
            return found
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite":
            if parsed.database:
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            made = sa.create_engine(url, future=True, connect_args={"timeout": 15})
        else:
            # A small pool: the worker and the occasional queued report, per process.
            made = sa.create_engine(url, future=True, pool_size=2, max_overflow=2,
                                    pool_pre_ping=True)
        create_table(made)
        _engines[url] = made
        return made


# Any fixed number, the same in every process: the advisory lock below.
SCHEMA_LOCK = 0x311_0001


def create_table(made: Engine) -> None:
    """Create the queue's table if it is missing, once even when replicas start together.

    On PostgreSQL two action servers starting at once on a new database would both
    find no table and both CREATE it; the second fails on the catalog's unique index
    (IntegrityError). A transaction-level advisory lock makes the second wait for
    the first's commit, and then find the table.
    """
    with made.begin() as conn:
        if made.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK})
        metadata.create_all(conn)


def dispose_engines() -> None:
    """Close every pooled connection (tests, before their database is dropped)."""
    with _engines_lock:
        for made in _engines.values():
            made.dispose()
        _engines.clear()


def enqueue(key: str, sender: str, body: dict[str, Any]) -> None:
    """Keep a confirmed report to file later; the same key twice keeps one row."""
    moment = now()
    try:
        with engine().begin() as conn:
            conn.execute(
                sa.insert(pending_reports).values(
                    idempotency_key=key,
                    sender=sender[:200],
                    service_code=str(body.get("service_code") or "")[:64],
                    body=body,
                    state="file",
                    attempts=0,
                    next_attempt_at=moment,
                    created_at=moment,
                    updated_at=moment,
                )
            )
    except IntegrityError:
        pass  # a retried turn queued the same report already: one row, one case


def due(limit: int = 20) -> list[dict[str, Any]]:
    """Rows whose next step (filing or the notice) is due, oldest first."""
    query = (
        sa.select(pending_reports)
        .where(pending_reports.c.state.in_(("file", "notify")))
        .where(pending_reports.c.next_attempt_at <= now())
        .where(
            sa.or_(
                pending_reports.c.lease_until.is_(None), pending_reports.c.lease_until <= now()
            )
        )
        .order_by(pending_reports.c.id)
        .limit(limit)
    )
    with engine().connect() as conn:
        return [dict(row) for row in conn.execute(query).mappings()]


def for_sender(sender: str) -> list[dict[str, Any]]:
    """The sender's rows not yet settled (``file`` or ``notify``), oldest first."""
    query = (
        sa.select(pending_reports)
        .where(pending_reports.c.sender == sender)
        .where(pending_reports.c.state.in_(("file", "notify")))
        .order_by(pending_reports.c.id)
    )
    with engine().connect() as conn:
        return [dict(row) for row in conn.execute(query).mappings()]


def get(row_id: int) -> dict[str, Any] | None:
    """One row by id."""
    query = sa.select(pending_reports).where(pending_reports.c.id == row_id)
    with engine().connect() as conn:
        row = conn.execute(query).mappings().first()
    return dict(row) if row else None


def claim(row: dict[str, Any], *, only_if_due: bool = True) -> bool:
    """Take ``row`` for one step under a lease; False when someone else has it.

    The UPDATE matches only the state the caller saw and no live lease, so of
    two claimants exactly one gets rowcount 1. ``only_if_due=False`` (the
    resident asking again) also takes a row that waits for its backoff, but
    never one under another claimant's lease.
    """
    moment = now()
    update = (
        sa.update(pending_reports)
        .where(pending_reports.c.id == row["id"])
        .where(pending_reports.c.state == row["state"])
        .where(
            sa.or_(
                pending_reports.c.lease_until.is_(None), pending_reports.c.lease_until <= moment
            )
        )
        .values(lease_until=moment + LEASE, updated_at=moment)
    )
    if only_if_due:
        update = update.where(pending_reports.c.next_attempt_at <= moment)
    with engine().begin() as conn:
        return conn.execute(update).rowcount == 1


def _update(row_id: int, **values: Any) -> None:
    with engine().begin() as conn:
        conn.execute(
            sa.update(pending_reports)
            .where(pending_reports.c.id == row_id)
            .values(updated_at=now(), lease_until=None, **values)
        )


def mark_filed(row_id: int, case_number: str | None, notice: str) -> None:
    """Filed (or refused, without a number): the notice is owed next; the body is forgotten."""
    _update(
        row_id,
        state="notify",
        case_number=case_number,
        notice=notice,
        body=None,
        attempts=0,
        next_attempt_at=now(),
        last_error=None,
    )


def mark_done(row_id: int, error: str | None = None) -> None:
    """Settled: the notice went out, was said in the conversation, or cannot be sent."""
    _update(row_id, state="done", next_attempt_at=now(), last_error=error)


def retry_later(row: dict[str, Any], error: str, first: float, cap: float) -> None:
    """Count a failed attempt and wait ``first`` × 2^(attempts-1) seconds, at most ``cap``."""
    attempts = int(row["attempts"]) + 1
    delay = min(first * 2 ** (attempts - 1), cap)
    _update(
        row["id"],
        attempts=attempts,
        last_error=error[:64],
        next_attempt_at=now() + dt.timedelta(seconds=delay),
    )
