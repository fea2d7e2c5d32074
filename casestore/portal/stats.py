"""Read-only queries behind the department queue and the supervisor dashboard.

Scoping lives here once: ``scoped(stmt, user)`` narrows any case query to the
department of a department-role user, so the queue, the counts and the
charts can never show another department's cases.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from casestore.models import OPEN_STATUSES, Case, utcnow
from casestore.numbering import parse_case_number

QUEUE_LIMIT = 200

# Age filter: code -> (label, min age, max age).
AGES = {
    "1d": ("Under 1 day", None, dt.timedelta(days=1)),
    "7d": ("1 to 7 days", dt.timedelta(days=1), dt.timedelta(days=7)),
    "30d": ("7 to 30 days", dt.timedelta(days=7), dt.timedelta(days=30)),
    "old": ("Over 30 days", dt.timedelta(days=30), None),
}


@dataclass
class QueueFilters:
    """What the queue's filter form asked for (all optional)."""

    q: str = ""
    service: str = ""
    status: str = ""
    age: str = ""
    department: str = ""
    language: str = ""  # one of the catalog's languages, checked by the view


def scoped(stmt, user):
    """Restrict a ``select`` over ``Case`` to what ``user`` may see."""
    if getattr(user, "role", None) == "department":
        return stmt.where(Case.department == (user.department or ""))
    return stmt


def queue(session: Session, user, filters: QueueFilters, now: dt.datetime | None = None,
          *, located: bool = False, limit: int = QUEUE_LIMIT):
    """Return ``(cases, more)``: open cases in scope, overdue first, then newest.

    ``located``: only cases with a map position (the queue map), up to ``limit``.
    """
    now = now or utcnow()
    stmt = scoped(sa.select(Case), user)
    if located:
        stmt = stmt.where(Case.lat.is_not(None), Case.long.is_not(None))
    if filters.status in OPEN_STATUSES:
        stmt = stmt.where(Case.status == filters.status)
    else:
        stmt = stmt.where(Case.status.in_(OPEN_STATUSES))
    if filters.service:
        stmt = stmt.where(Case.service_code == filters.service)
    if filters.department and getattr(user, "role", None) != "department":
        stmt = stmt.where(Case.department == filters.department)
    if filters.language:
        stmt = stmt.where(Case.language == filters.language)
    if filters.age in AGES:
        _, younger_than_min, older_limit = AGES[filters.age]
        if younger_than_min is not None:
            stmt = stmt.where(Case.created_at <= now - younger_than_min)
        if older_limit is not None:
            stmt = stmt.where(Case.created_at > now - older_limit)
    q = filters.q.strip()
    if q:
        number = parse_case_number(q)
        if number:
            stmt = stmt.where(Case.number == number)
        else:
            pattern = "%" + q.replace("%", "").replace("_", "").upper() + "%"
            stmt = stmt.where(
                sa.or_(
                    sa.func.upper(Case.address).like(pattern),
                    Case.address_normalized.like(pattern),
                )
            )
    overdue_first = sa.case((Case.expected_at < now, 0), else_=1)
    stmt = stmt.order_by(overdue_first, Case.created_at.desc(), Case.id.desc())
    rows = session.execute(stmt.limit(limit + 1)).scalars().all()
    return rows[:limit], len(rows) > limit


def counts(session: Session, user, now: dt.datetime | None = None) -> dict[str, int]:
    """Return the queue's counts in scope: open, new, overdue, waiting, withdrawals (pending)."""
    now = now or utcnow()
    open_cases = Case.status.in_(OPEN_STATUSES)
    stmt = scoped(
        sa.select(
            sa.func.count(Case.id),
            sa.func.count(Case.id).filter(Case.status == "new"),
            sa.func.count(Case.id).filter(Case.expected_at < now),
            sa.func.count(Case.id).filter(Case.status == "waiting_for_resident"),
            sa.func.count(Case.id).filter(Case.withdrawal_requested_at.is_not(None)),
        ).where(open_cases),
        user,
    )
    total, new, overdue, waiting, withdrawals = session.execute(stmt).one()
    return {"open": total, "new": new, "overdue": overdue, "waiting": waiting,
            "withdrawals": withdrawals}


def open_by_department(session: Session, user, overdue_only: bool = False) -> list[tuple[str, int]]:
    """Return ``(department code, open cases)`` pairs, largest first."""
    stmt = sa.select(Case.department, sa.func.count(Case.id)).where(
        Case.status.in_(OPEN_STATUSES)
    )
    if overdue_only:
        stmt = stmt.where(Case.expected_at < utcnow())
    stmt = scoped(stmt, user).group_by(Case.department)
    rows = session.execute(stmt).all()
    return sorted(((d, n) for d, n in rows), key=lambda r: (-r[1], r[0]))


def created_closed_per_day(
    session: Session, user, tz, days: int = 30, now: dt.datetime | None = None
) -> list[tuple[str, int, int]]:
    """Return ``(day, created, closed)`` for each of the last ``days`` local days, oldest first."""
    now = now or utcnow()
    today = now.astimezone(tz).date()
    first = today - dt.timedelta(days=days - 1)
    since = dt.datetime.combine(first, dt.time(), tzinfo=tz)
    created = session.execute(
        scoped(sa.select(Case.created_at).where(Case.created_at >= since), user)
    )
    closed = session.execute(
        scoped(sa.select(Case.closed_at).where(Case.closed_at >= since), user)
    )
    made = Counter(t.astimezone(tz).date() for (t,) in created)
    shut = Counter(t.astimezone(tz).date() for (t,) in closed)
    out = []
    for i in range(days):
        day = first + dt.timedelta(days=i)
        out.append((day.isoformat(), made[day], shut[day]))
    return out


def median_days_to_close(
    session: Session, user, names: dict[str, str], window_days: int = 90
) -> list[tuple[str, float]]:
    """Return ``(service name, median days open)`` for cases closed in the window, slowest first."""
    since = utcnow() - dt.timedelta(days=window_days)
    stmt = scoped(
        sa.select(Case.service_code, Case.created_at, Case.closed_at).where(
            Case.status == "closed", Case.closed_at >= since
        ),
        user,
    )
    spans: dict[str, list[float]] = defaultdict(list)
    for code, created, closed in session.execute(stmt):
        spans[code].append((closed - created).total_seconds() / 86400)
    medians = [(names.get(code, code), round(statistics.median(v), 1)) for code, v in spans.items()]
    return sorted(medians, key=lambda r: (-r[1], r[0]))
