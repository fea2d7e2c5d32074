"""A resident withdrawing a case they filed, and the department settling it.

``request_withdrawal`` records the requester's request (only theirs: the
channel address or email that filed the case must match) as an internal
``withdrawal_requested`` entry and marks the case with
``withdrawal_requested_at`` until staff settle it: ``close_withdrawn``
closes it with the reason ``withdrawn`` (the usual closed notice goes out),
``keep_open`` records why it stays open. For a service the catalog marks
``withdrawable: false`` the City checks the problem anyway, so the request is
answered ``kept_open``: a note for the department, the case stays open.

Like the rest of the service layer, each function validates first, writes
the change and its timeline entry, commits once, and raises a
``casestore.errors`` exception with nothing written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import validation as v
from .activities import add_activity
from .catalog import Catalog
from .errors import ConflictError, ForbiddenError, ValidationError
from .models import Activity, Case, utcnow

if TYPE_CHECKING:
    from .authors import Author

MAX_REASON = 1000
MAX_STAFF_NOTE = 2000
WITHDRAWN_COMMENTS = "Withdrawn by resident: closed at the resident's request."


class NotRequesterError(ForbiddenError):
    """The caller's channel address and email are not the requester's (403)."""

    code = "not_requester"


class CaseClosedError(ConflictError):
    """The case is already closed: there is nothing to withdraw (409)."""

    code = "case_closed"


class NoPendingWithdrawalError(ConflictError):
    """Staff settled a withdrawal that is not (or no longer) pending (409)."""

    code = "no_pending_withdrawal"


@dataclass(frozen=True)
class WithdrawalResult:
    """What ``request_withdrawal`` did: the pending entry, and whether it is new."""

    entry: Activity
    created: bool

    @property
    def status(self) -> str:
        """``requested`` (the department decides) or ``kept_open`` (the City checks anyway)."""
        return (self.entry.data or {}).get("outcome", "requested")



def matched_by(case: Case, channel_address: str | None, email: str | None) -> str | None:
    """Return ``channel_address``/``email`` when it is the requester's own, else None.

    Only the requester counts (never a follower). A phone number is the same
    person on SMS, WhatsApp and voice, so ``voice:+1404...`` matches a case
    filed from ``sms:+1404...``.
    """
    if channel_address and case.requester_address:
        if channel_address == case.requester_address:
            return "channel_address"
        phone = v.phone_of(channel_address)
        if phone is not None and phone == v.phone_of(case.requester_address):
            return "channel_address"
    if email and case.requester_email and email.casefold() == case.requester_email.casefold():
        return "email"
    return None


def _locked(session: Session, case: Case) -> Case:
    """Re-read the case row with a row lock (PostgreSQL) so two requests cannot both record.

    SQLite needs no lock: every transaction there starts with BEGIN IMMEDIATE.
    """
    return session.execute(
        select(Case).where(Case.id == case.id).with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()


def _latest_request(session: Session, case: Case) -> Activity | None:
    return session.execute(
        select(Activity).where(Activity.case_id == case.id,
                               Activity.kind == "withdrawal_requested")
        .order_by(Activity.id.desc()).limit(1)
    ).scalar_one_or_none()


def request_withdrawal(
    session: Session, catalog: Catalog, case: Case, data: dict, *, author: Author
) -> WithdrawalResult:
    """Record the requester's request to withdraw ``case``; commits.

    ``data``: ``reason`` (optional, at most 1,000 characters), ``channel_address``
    and/or ``email`` (at least one). Raises ``NotRequesterError`` (403) when
    neither is the requester's (the same answer whatever else they match),
    ``CaseClosedError`` (409) for a closed case. A second request while one is
    pending returns the pending one (``created=False``) and writes nothing.
    """
    if not isinstance(data, dict):
        raise ValidationError({"body": "must be a JSON object"}, malformed=True)
    problems = v.Problems()
    reason = v.text(problems, data, "reason", MAX_REASON) or ""
    address = v.channel_address(problems, data.get("channel_address"), "channel_address")
    email = v.email(problems, data.get("email"), "email")
    problems.raise_if_any()
    if address is None and email is None:
        raise ValidationError({"channel_address": "give the channel_address or email that "
                                                  "filed the case"})
    via = matched_by(case, address, email)
    if via is None:
        raise NotRequesterError("Only the person who filed this case can withdraw it, from the "
                                "phone number, chat or email that filed it.")
    case = _locked(session, case)
    # The refusals below end the transaction (and the row lock) with nothing written.
    if case.status == "closed":
        error = CaseClosedError(f"Case {case.number} is already closed.")
        session.commit()
        raise error
    if case.withdrawal_requested_at is not None:
        existing = _latest_request(session, case)
        if existing is not None:
            session.commit()
            return WithdrawalResult(existing, created=False)
    service = catalog.service(case.service_code)
    outcome = "kept_open" if service is not None and not service.withdrawable else "requested"
    now = utcnow()
    entry = Activity(kind="withdrawal_requested", note=reason, public=False,
                     author_type=author.type, author_id=author.id, author_name=author.name,
                     data={"outcome": outcome, "matched_by": via}, created_at=now)
    case.activities.append(entry)
    case.withdrawal_requested_at = now
    case.updated_at = now
    session.commit()
    return WithdrawalResult(entry, created=True)


def close_withdrawn(session: Session, catalog: Catalog, case: Case, *, author: Author) -> Activity:
    """Close a case whose withdrawal is pending (reason ``withdrawn``); the closed notice goes."""
    if case.status == "closed":
        raise CaseClosedError(f"Case {case.number} is already closed.")
    if case.withdrawal_requested_at is None:
        raise NoPendingWithdrawalError(f"Case {case.number} has no pending withdrawal request.")
    return add_activity(session, catalog, case, "closed", author=author, reason="withdrawn",
                        comments=WITHDRAWN_COMMENTS)


def keep_open(
    session: Session, catalog: Catalog, case: Case, *, author: Author, note: str,
    public: bool = False,
) -> Activity:
    """Settle a pending withdrawal by keeping the case open, with a note saying why; commits."""
    if not isinstance(note, str) or not note.strip():
        raise ValidationError({"note": "say why the case stays open"})
    if len(note.strip()) > MAX_STAFF_NOTE:
        raise ValidationError({"note": f"must be at most {MAX_STAFF_NOTE:,} characters"})
    if case.status == "closed":
        raise CaseClosedError(f"Case {case.number} is already closed.")
    if case.withdrawal_requested_at is None:
        raise NoPendingWithdrawalError(f"Case {case.number} has no pending withdrawal request.")
    now = utcnow()
    case.activities.append(Activity(
        kind="withdrawal_declined", note=note.strip(), public=bool(public),
        author_type=author.type, author_id=author.id, author_name=author.name,
        data={}, created_at=now))
    case.withdrawal_requested_at = None
    case.updated_at = now
    session.commit()
    return case.activities[-1]
