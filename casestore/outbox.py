"""Queueing notices in the notification outbox, inside the caller's transaction.

A notice row is added in the same transaction as the change that causes it,
so a change is never committed without its notice, nor a notice without its
change. The notifier (notifier.py) delivers rows later.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import Activity, Case, OptOut, OutboxMessage
from .validation import split_channel_address

# Channel-address prefixes the channels app can send to; web chat has no way
# to reach a resident after the conversation, so it is skipped.
MESSAGE_TRANSPORTS = ("sms", "whatsapp", "telegram", "messenger")


def transport_of(channel_address: str | None) -> str | None:
    """Return the transport of a channel address (``sms:+1404...`` -> ``sms``) or None."""
    parts = split_channel_address(channel_address)
    if parts is None:
        return None
    prefix = parts[0].lower()
    return prefix if prefix in MESSAGE_TRANSPORTS else None


def resident_recipients(case: Case) -> list[tuple[str, str]]:
    """Return (transport, recipient) pairs for the requester and every follower."""
    people = [(case.requester_email, case.requester_address)]
    people += [(f.email, f.channel_address) for f in case.followers]
    pairs: list[tuple[str, str]] = []
    for email, address in people:
        if email:
            pairs.append(("email", email))
        transport = transport_of(address)
        if transport:
            pairs.append((transport, address))
    return list(dict.fromkeys(pairs))


def _opted_out(session: Session, pairs: list[tuple[str, str]]) -> set[str]:
    addresses = {r if t != "email" else f"email:{r}" for t, r in pairs}
    if not addresses:
        return set()
    rows = session.execute(
        select(OptOut.channel_address).where(OptOut.channel_address.in_(addresses))
    ).scalars()
    return set(rows)


def enqueue(
    session: Session,
    case: Case,
    event: str,
    activity: Activity,
    recipients: list[tuple[str, str]] | None = None,
) -> list[OutboxMessage]:
    """Add outbox rows for ``event`` on ``case`` (default recipients: requester and followers).

    Opted-out addresses are skipped (an email opt-out is stored as
    ``email:<address>``). The dedupe key (activity + transport + recipient)
    keeps one row per person per change even when they appear twice.
    """
    pairs = resident_recipients(case) if recipients is None else recipients
    blocked = _opted_out(session, pairs)
    wanted = {}
    for transport, recipient in pairs:
        if (recipient if transport != "email" else f"email:{recipient}") in blocked:
            continue
        key = f"{case.number}:{activity.id}:{event}:{transport}:{recipient}"[:400]
        wanted[key] = (transport, recipient)
    if not wanted:
        return []
    existing = set(session.execute(
        select(OutboxMessage.dedupe_key).where(OutboxMessage.dedupe_key.in_(list(wanted)))
    ).scalars())
    rows = [
        OutboxMessage(
            case_id=case.id,
            event=event,
            transport=transport,
            recipient=recipient,
            payload={"case_number": case.number, "activity_id": activity.id, "event": event},
            dedupe_key=key,
        )
        for key, (transport, recipient) in wanted.items()
        if key not in existing
    ]
    session.add_all(rows)
    session.flush()
    return rows
