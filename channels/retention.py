"""The retention purge: residents' messages are not kept longer than INBOX_RETENTION_DAYS.

Inbox rows hold what residents wrote and their phone numbers; the web chat
transcript holds whole conversations. After the retention period they go:
finished inbox rows (done and dead; a live one is still owed something),
transcript lines, notices, recorded Telegram photo ids, and per-address state
not touched since (except opt-outs: a STOP is kept until START, whatever its
age). The retry worker runs it every INBOX_PURGE_INTERVAL_SECONDS;
``flask --app channels purge`` runs it by hand.
"""

from __future__ import annotations

import datetime as dt
import logging

import sqlalchemy as sa
from flask import Flask

from channels.store import (
    LIVE_STATUSES,
    Address,
    InboxMessage,
    Notice,
    TelegramFile,
    TranscriptEntry,
    session,
    utcnow,
)

log = logging.getLogger(__name__)


def purge(app: Flask, now: dt.datetime | None = None) -> dict[str, int]:
    """Delete what is older than the retention period; returns rows deleted per table."""
    cutoff = (now or utcnow()) - dt.timedelta(days=app.config["INBOX_RETENTION_DAYS"])
    statements = {
        "inbox_messages": sa.delete(InboxMessage).where(
            InboxMessage.created_at < cutoff, InboxMessage.status.not_in(LIVE_STATUSES)),
        "transcript": sa.delete(TranscriptEntry).where(TranscriptEntry.created_at < cutoff),
        "notices": sa.delete(Notice).where(Notice.created_at < cutoff),
        "telegram_files": sa.delete(TelegramFile).where(TelegramFile.created_at < cutoff),
        "addresses": sa.delete(Address).where(
            Address.updated_at < cutoff, Address.opted_out.is_(False)),
    }
    deleted: dict[str, int] = {}
    with session(app.extensions["channels"]["engine"]) as db:
        for table, statement in statements.items():
            deleted[table] = db.execute(statement.execution_options(
                synchronize_session=False)).rowcount
        db.commit()
    if any(deleted.values()):
        log.info("event=retention_purge %s",
                 " ".join(f"{table}={count}" for table, count in deleted.items()))
    return deleted
