"""The notifier: delivers outbox rows by email (SMTP) or through the channels app.

Run ``flask --app casestore notifier`` (``--once`` for one pass). Rows are
claimed with a lease (their ``next_attempt_at`` pushed ahead) so two
notifiers never take the same row: PostgreSQL with ``FOR UPDATE SKIP
LOCKED``, SQLite with a conditional single-statement ``UPDATE``. A failure
keeps the row pending with exponential backoff (capped); nothing is deleted.
Channel notices go out through ``channels_client`` (the one way to the channels app).
Only what the channels app calls undeliverable (the address said STOP, or no
API can reach it) is marked ``dead`` instead of retried.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import signal
import smtplib
import ssl
import threading
from collections.abc import Callable, Sequence
from email.message import EmailMessage
from email.utils import parseaddr
from pathlib import Path

from flask import current_app
from sqlalchemy import select, update

from .catalog import get_catalog
from .channels_client import UndeliverableError, send_channel_message
from .db import engine, new_session
from .logs import get_logger
from .models import Case, OutboxMessage, utcnow
from .notices import render_email, render_text

log = get_logger("casestore.notifier")

BACKOFF_BASE_SECONDS = 30
BACKOFF_CAP_SECONDS = 3600
SMTP_TIMEOUT_SECONDS = 15
# A claimed row comes due again after this, so a notifier killed mid-send leaves its one
# row waiting this long (5 minutes once outlasted the fault suite's 150 s drain). It must
# outlive any send, or a second notifier could take the row while the first still sends:
# a send stops at the first stalled step (SMTP: connect, EHLO, STARTTLS, login, DATA,
# each at most SMTP_TIMEOUT_SECONDS; the channels app: channels_client.SEND_TIMEOUT,
# 18 s), so 90 s leaves room for a slow server that never quite stalls.
LEASE = dt.timedelta(seconds=90)


def backoff(attempts: int) -> dt.timedelta:
    """Return the wait before attempt ``attempts + 1``: 30 s doubling, at most an hour."""
    return dt.timedelta(seconds=min(BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0),
                                    BACKOFF_CAP_SECONDS))


def claim_due(now: dt.datetime, limit: int = 1) -> list[int]:
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


class InsecureSmtpError(Exception):
    """The settings would send SMTP credentials over an unencrypted connection."""


SMTP_SECURITY_MODES = ("starttls", "ssl", "none")


def smtp_security(cfg) -> str:
    """Return how the SMTP connection is protected: ``starttls``, ``ssl`` or ``none``.

    ``SMTP_SECURITY`` says it; unset, ``SMTP_STARTTLS=true`` means starttls and
    port 465 means implicit TLS (SMTPS), as mail providers document them.
    """
    mode = cfg.get("SMTP_SECURITY")
    if mode:
        if mode not in SMTP_SECURITY_MODES:
            raise ValueError(f"SMTP_SECURITY must be one of {', '.join(SMTP_SECURITY_MODES)}")
        return mode
    if cfg.get("SMTP_STARTTLS"):
        return "starttls"
    return "ssl" if int(cfg.get("SMTP_PORT") or 25) == 465 else "none"


def smtp_tls_context(cfg) -> ssl.SSLContext:
    """A verifying TLS context: the system's CAs, or only ``SMTP_CA_FILE`` when set."""
    return ssl.create_default_context(cafile=cfg.get("SMTP_CA_FILE") or None)


def message_id(dedupe_key: str | None, row_id: int, mail_from: str) -> str:
    """Return a Message-ID that every attempt of one notice shares.

    It is derived from the outbox row's dedupe key, so a resend after a
    timeout carries the same id and mail systems (and people) can tell it is
    the same message.
    """
    seed = dedupe_key or f"outbox-{row_id}"
    digest = hashlib.sha256(seed.encode("utf-8")).hexdigest()[:32]
    domain = parseaddr(mail_from)[1].rpartition("@")[2] or "localhost"
    return f"<notice.{digest}@{domain}>"


def send_email(recipient: str, subject: str, text: str, html: str, row_id: int,
               dedupe_key: str | None = None) -> None:
    """Send by SMTP, or write an .eml file under var/outbox/ when SMTP_HOST is unset.

    TLS is verified (``ssl.create_default_context``); credentials are only
    ever sent inside TLS: with ``SMTP_USER`` set and no TLS the send is
    refused with ``InsecureSmtpError`` (logged, the notice stays pending).
    """
    cfg = current_app.config
    message = EmailMessage()
    message["Subject"] = subject
    # Unset MAIL_FROM names the sender after the catalog's city (config/catalog.yml).
    mail_from = cfg["MAIL_FROM"] or f"{get_catalog().city.short_name} <no-reply@localhost>"
    message["From"] = mail_from
    message["To"] = recipient
    message["Message-ID"] = message_id(dedupe_key, row_id, mail_from)
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    if not cfg.get("SMTP_HOST"):
        folder = Path(cfg["VAR_DIR"]) / "outbox"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{row_id:08d}.eml").write_bytes(bytes(message))
        return
    mode = smtp_security(cfg)
    if cfg.get("SMTP_USER") and mode == "none":
        log.error("smtp_login_refused", reason="no TLS: set SMTP_SECURITY=starttls or ssl",
                  host=cfg["SMTP_HOST"], port=cfg["SMTP_PORT"])
        raise InsecureSmtpError("SMTP_USER is set but the connection has no TLS; "
                                "set SMTP_SECURITY=starttls or ssl")
    host, port = cfg["SMTP_HOST"], cfg["SMTP_PORT"]
    if mode == "ssl":
        smtp = smtplib.SMTP_SSL(host, port, timeout=SMTP_TIMEOUT_SECONDS,
                                context=smtp_tls_context(cfg))
    else:
        smtp = smtplib.SMTP(host, port, timeout=SMTP_TIMEOUT_SECONDS)
    with smtp:
        if mode == "starttls":
            smtp.starttls(context=smtp_tls_context(cfg))
        if cfg.get("SMTP_USER"):
            smtp.login(cfg["SMTP_USER"], cfg.get("SMTP_PASSWORD") or "")
        smtp.send_message(message)


def _render(row: OutboxMessage, case: Case | None):
    # Account emails (confirmation, password reset) have no case; case notices must.
    if row.case_id is not None and case is None:
        raise LookupError("the case of this notice is gone")
    if row.transport == "email":
        return render_email(row, case, get_catalog())
    return render_text(row, case, get_catalog())


def notice_key(row: OutboxMessage) -> str:
    """Return the key under which the channels app remembers this notice as sent.

    The same for every attempt of one outbox row; a hash of the row's dedupe
    key, because that key names the recipient (a phone number) and the
    channels app keeps what it receives.
    """
    seed = row.dedupe_key or f"outbox-{row.id}"
    return "notice:" + hashlib.sha256(seed.encode("utf-8")).hexdigest()[:40]


def _send(row: OutboxMessage, content) -> None:
    if row.transport == "email":
        send_email(row.recipient, *content, row_id=row.id, dedupe_key=row.dedupe_key)
    else:
        send_channel_message(row.recipient, content, case_number=(row.payload or {}).get(
            "case_number"), event=row.event, dedupe_key=notice_key(row))


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
        # One row at a time: a notifier killed in the middle of a pass leaves only the row
        # it was sending to its lease, not a whole claimed batch (the fault suite kills it).
        ids = claim_due(moment)
        if not ids:
            return sent
        sent += deliver(ids[0], moment)


def run_notifier(*, once: bool = False, chores: Sequence[Callable[[], object]] = ()) -> int:
    """Deliver due rows; with ``once`` a single pass, else poll until SIGINT/SIGTERM.

    ``chores`` run after every pass of the loop (not with ``once``): periodic
    jobs of other features that want a process that runs anyway, given by the
    command that composes the loop (cli.py's ``notifier``), so this module
    names none of them.
    """
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
        for chore in chores:
            try:
                chore()
            except Exception as exc:  # noqa: BLE001 - one chore's failure must not end the loop
                log.error("notifier_chore_failed", chore=getattr(chore, "__name__", "?"),
                          error=type(exc).__name__)
        stop.wait(current_app.config["NOTIFIER_POLL_SECONDS"])
    log.info("notifier_stopped", sent=total)
    return total
