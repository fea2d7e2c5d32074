"""The notifier: delivers outbox rows by email (SMTP) or through the channels app.

Run ``flask --app casestore notifier`` (``--once`` for one pass). Rows are
claimed with a lease (their ``next_attempt_at`` pushed ahead) so two
notifiers never take the same row: PostgreSQL with ``FOR UPDATE SKIP
LOCKED``, SQLite with a conditional single-statement ``UPDATE``. A failure
keeps the row pending with exponential backoff (capped); nothing is deleted.
Only what the channels app calls undeliverable (the address said STOP, or no
API can reach it) is marked ``dead`` instead of retried.
"""

from __future__ import annotations

import datetime as dt
import signal
import smtplib
import threading
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import requests
from flask import current_app
from sqlalchemy import select, update

from .auth import service_token
from .catalog import get_catalog
from .db import engine, new_session
from .logs import get_logger
from .models import Case, OutboxMessage, utcnow
from .notices import render_email, render_text

log = get_logger("casestore.notifier")

BATCH = 50
LEASE = dt.timedelta(minutes=5)  # a crashed notifier's claims come due again after this
BACKOFF_BASE_SECONDS = 30
BACKOFF_CAP_SECONDS = 3600


def backoff(attempts: int) -> dt.timedelta:
    """Return the wait before attempt ``attempts + 1``: 30 s doubling, at most an hour."""
    return dt.timedelta(seconds=min(BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0),
                                    BACKOFF_CAP_SECONDS))


def claim_due(now: dt.datetime, limit: int = BATCH) -> list[int]:
    """Claim up to ``limit`` due rows for this notifier; return their ids."""
    lease_until = now + LEASE
    due = (OutboxMessage.status == "pending") & (OutboxMessage.next_attempt_at <= now)
    session = new_session()
    try:
        if engine().dialect.name == "postgresql":
            ids = session.execute(
                select(OutboxMessage.id).where(due).order_by(OutboxMessage.next_attempt_at)
                .limit(limit).with_for_update(skip_locked=True)
            ).scalars().all()
            if ids:
                session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids))
                                .values(next_attempt_at=lease_until))
            session.commit()
            return list(ids)
        candidates = session.execute(
            select(OutboxMessage.id).where(due).order_by(OutboxMessage.next_attempt_at)
            .limit(limit)
        ).scalars().all()
        session.commit()
        claimed = []
        for row_id in candidates:
            # Only the notifier whose UPDATE still sees the row due gets it.
            result = session.execute(
                update(OutboxMessage).where(OutboxMessage.id == row_id, due)
                .values(next_attempt_at=lease_until)
            )
            session.commit()
            if result.rowcount == 1:
                claimed.append(row_id)
        return claimed
    finally:
        session.close()


def send_email(recipient: str, subject: str, text: str, html: str, row_id: int) -> None:
    """Send by SMTP, or write an .eml file under var/outbox/ when SMTP_HOST is unset."""
    cfg = current_app.config
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = cfg["MAIL_FROM"]
    message["To"] = recipient
    message["Message-ID"] = make_msgid(idstring=f"outbox-{row_id}")
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    if not cfg.get("SMTP_HOST"):
        folder = Path(cfg["VAR_DIR"]) / "outbox"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{row_id:08d}.eml").write_bytes(bytes(message))
        return
    with smtplib.SMTP(cfg["SMTP_HOST"], cfg["SMTP_PORT"], timeout=15) as smtp:
        if cfg.get("SMTP_STARTTLS"):
            smtp.starttls()
        if cfg.get("SMTP_USER"):
            smtp.login(cfg["SMTP_USER"], cfg.get("SMTP_PASSWORD") or "")
        smtp.send_message(message)


class UndeliverableError(Exception):
    """The channels app says this notice can never be delivered (opted out, unreachable)."""


def send_channel_message(recipient: str, text: str, buttons: list | None = None, *,
                         case_number: str | None = None, event: str | None = None) -> None:
    """Ask the channels app to send ``text`` to a channel address.

    ``case_number`` and ``event`` let the channels app tie the resident's reply
    (YES/NO after a closure, an answer after a question) to the case. Raises
    ``UndeliverableError`` for 409 (STOP) and 422 (no way to reach the
    address), and ``requests`` errors for anything worth retrying.
    """
    body = {"to": recipient, "text": text, "buttons": buttons or []}
    if case_number and event:
        body.update(case_number=case_number, event=event)
    response = requests.post(
        f"{current_app.config['CHANNELS_URL']}/internal/send",
        json=body,
        headers={"Authorization": f"Bearer {service_token() or ''}"},
        timeout=15,
    )
    if response.status_code in (409, 422):
        raise UndeliverableError(f"channels app answered {response.status_code}")
    response.raise_for_status()


def _render(row: OutboxMessage, case: Case | None):
    # Account emails (confirmation, password reset) have no case; case notices must.
    if row.case_id is not None and case is None:
        raise LookupError("the case of this notice is gone")
    if row.transport == "email":
        return render_email(row, case, get_catalog())
    return render_text(row, case, get_catalog())


def _send(row: OutboxMessage, content) -> None:
    if row.transport == "email":
        send_email(row.recipient, *content, row_id=row.id)
    else:
        send_channel_message(row.recipient, content, case_number=(row.payload or {}).get(
            "case_number"), event=row.event)


def deliver(row_id: int, now: dt.datetime | None = None) -> bool:
    """Deliver one claimed row; record success, or the failure and its next attempt."""
    session = new_session()
    try:
        row = session.get(OutboxMessage, row_id)
        if row is None or row.status != "pending":
            return False
        try:
            content = _render(row, session.get(Case, row.case_id) if row.case_id else None)
            # End the read transaction before the network: on SQLite it holds the write lock.
            session.commit()
            _send(row, content)
        except Exception as exc:  # noqa: BLE001 - any failure must keep the row for a retry
            session.rollback()
            failed = session.get(OutboxMessage, row_id)
            failed.attempts += 1
            if isinstance(exc, UndeliverableError):
                failed.status = "dead"  # kept for the record, never retried
            failed.next_attempt_at = (now or utcnow()) + backoff(failed.attempts)
            failed.last_error = f"{type(exc).__name__}: {exc}"[:500]
            session.commit()
            log.warning("notice_failed", outbox_id=row_id, notice=failed.event,
                        transport=failed.transport, attempts=failed.attempts,
                        error=type(exc).__name__)
            return False
        result = session.execute(
            update(OutboxMessage).where(OutboxMessage.id == row_id,
                                        OutboxMessage.status == "pending")
            .values(status="sent", sent_at=utcnow(), attempts=OutboxMessage.attempts + 1,
                    last_error=None)
        )
        session.commit()
        log.info("notice_sent", outbox_id=row_id, notice=row.event, transport=row.transport)
        return result.rowcount == 1
    finally:
        session.close()


def deliver_due(now: dt.datetime | None = None) -> int:
    """Claim and deliver every due row once; return how many were sent."""
    moment = now or utcnow()
    sent = 0
    while True:
        ids = claim_due(moment)
        for row_id in ids:
            sent += deliver(row_id, moment)
        if len(ids) < BATCH:
            return sent


def run_notifier(*, once: bool = False) -> int:
    """Deliver due rows; with ``once`` a single pass, else poll until SIGINT/SIGTERM."""
    if once:
        return deliver_due()
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    log.info("notifier_started")
    total = 0
    while not stop.is_set():
        try:
            total += deliver_due()
        except Exception as exc:  # noqa: BLE001 - a database hiccup must not end the loop
            log.error("notifier_pass_failed", error=type(exc).__name__)
        from .livechat.sweep import sweep  # late: livechat sends through this module

        sweep()  # tells residents whose live chat waited past its timeout
        stop.wait(current_app.config["NOTIFIER_POLL_SECONDS"])
    log.info("notifier_stopped", sent=total)
    return total
