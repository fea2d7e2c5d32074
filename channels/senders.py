"""Per-sender state, keyed by channel address: buttons last offered, the call's last
question, STOP opt-outs, the conversation's language and the case notices awaiting a reply.

Not to be confused with street addresses (casestore/addresses.py,
bot/actions/addresses.py): a sender here is ``sms:+1404…``, ``telegram:123``…
(see ``channels.channel_address``).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from typing import Any

import sqlalchemy as sa
from flask import Flask
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from channels import i18n
from channels.store import Address, Notice, session, utcnow


def _engine(app: Flask) -> sa.engine.Engine:
    return app.extensions["channels"]["engine"]


def ensure(db: Session, address: str) -> None:
    """Create the row of ``address`` unless it exists; safe when requests race.

    ``INSERT … ON CONFLICT DO NOTHING`` (SQLite and PostgreSQL alike): two
    first messages from one new number both succeed, one of them inserting.
    """
    dialect = db.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.execute(
        insert(Address)
        .values(address=address, last_buttons=[], opted_out=False, updated_at=utcnow())
        .on_conflict_do_nothing(index_elements=["address"])
    )


def lock(db: Session, address: str) -> None:
    """Hold the row of ``address`` until ``db`` commits: one sender's arrivals queue here.

    PostgreSQL takes a row lock; SQLite's INSERT in ``ensure`` already holds
    the database's write lock until the commit.
    """
    ensure(db, address)
    db.execute(sa.select(Address.address).where(Address.address == address).with_for_update())


def _update(app: Flask, address: str, **values: Any) -> None:
    with session(_engine(app)) as db:
        ensure(db, address)
        db.execute(sa.update(Address).where(Address.address == address)
                   .values(updated_at=utcnow(), **values))
        db.commit()


def remember_buttons(app: Flask, address: str, buttons: list[dict[str, str]]) -> None:
    """Keep the buttons just offered to ``address`` so "1" can pick one later."""
    _update(app, address, last_buttons=list(buttons))


def remember_prompt(app: Flask, address: str, prompt: str, buttons: list[dict[str, str]]) -> None:
    """Keep what a call was last asked, to repeat it once after silence."""
    _update(app, address, last_prompt=prompt, last_buttons=list(buttons))


def last_prompt(app: Flask, address: str) -> str:
    """What the call at ``address`` was last asked ("" when nothing yet)."""
    with session(_engine(app)) as db:
        row = db.get(Address, address)
        return (row.last_prompt or "") if row else ""


def offered_buttons(app: Flask, address: str) -> list[dict[str, str]]:
    """The buttons last offered to ``address`` (empty when none)."""
    with session(_engine(app)) as db:
        row = db.get(Address, address)
        return list(row.last_buttons or []) if row else []


def set_opted_out(app: Flask, address: str, opted_out: bool) -> None:
    """Record STOP (True) or START (False) for ``address``."""
    _update(app, address, opted_out=opted_out)


def is_opted_out(app: Flask, address: str) -> bool:
    """True when ``address`` said STOP and has not said START since."""
    with session(_engine(app)) as db:
        row = db.get(Address, address)
        return bool(row and row.opted_out)


# The last languages seen, in memory (per app): what the outage answers (channels.outage) use
# while the database is unreachable. Bounded; lost on restart, which only means the default.
_RECENT_MAX = 10_000
_recent_lock = threading.Lock()


def _recent(app: Flask, address: str, language: str) -> None:
    with _recent_lock:
        recent = app.extensions["channels"].setdefault("recent_languages", OrderedDict())
        recent[address] = language
        recent.move_to_end(address)
        while len(recent) > _RECENT_MAX:
            recent.popitem(last=False)


def remember_language(app: Flask, address: str, language: str) -> None:
    """Keep the conversation's language ("es"): the app's own texts to ``address`` use it."""
    _update(app, address, language=language)
    _recent(app, address, language)


def language(app: Flask, address: str) -> str | None:
    """The language remembered for ``address`` (None when not known yet)."""
    with session(_engine(app)) as db:
        row = db.get(Address, address)
        found = row.language if row else None
    if found:
        _recent(app, address, found)
    return found


def conversation_language(app: Flask, address: str, hint: object = None) -> str:
    """The language of the app's own texts to ``address``: the one remembered for the
    conversation (the assistant's last word, or the resident's choice), else the
    channel's ``hint`` (a message's metadata ``language``), else the catalog's default."""
    return i18n.pick(app, language(app, address), hint)


def recent_language(app: Flask, address: str) -> str | None:
    """The language last seen for ``address`` by this app, without the database."""
    with _recent_lock:
        return app.extensions["channels"].get("recent_languages", {}).get(address)


def record_notice(app: Flask, address: str, case_number: str, event: str) -> None:
    """Remember that a notice about ``case_number`` went to ``address``."""
    with session(_engine(app)) as db:
        db.add(Notice(address=address, case_number=case_number, event=event))
        db.commit()


def open_notice(app: Flask, address: str) -> Notice | None:
    """The latest unanswered notice to ``address`` still inside the reply window."""
    since = utcnow() - dt.timedelta(hours=app.config["NOTICE_REPLY_WINDOW_HOURS"])
    with session(_engine(app)) as db:
        latest = db.execute(
            sa.select(Notice)
            .where(Notice.address == address, Notice.created_at >= since)
            .order_by(Notice.id.desc())
            .limit(1)
        ).scalar_one_or_none()
    return latest if latest is not None and latest.answered_at is None else None


def close_notice(app: Flask, notice_id: int) -> None:
    """The resident answered this notice; later replies go to the assistant."""
    with session(_engine(app)) as db:
        db.execute(sa.update(Notice).where(Notice.id == notice_id).values(answered_at=utcnow()))
        db.commit()
