"""Case numbers ``YYNNNNNN``: issuing them safely, and reading them back from people.

A number is issued from the ``case_counters`` row of the year, incremented by
an ``UPDATE`` inside the transaction that creates the case. The row lock (the
database-wide write lock on SQLite, see db.py) makes concurrent creators queue,
so numbers are unique and a rolled-back case never burns a visible gap in
anyone else's number.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .errors import CaseStoreError
from .models import CaseCounter

MAX_SEQUENCE = 999_999
_DEFAULT_PREFIXES = ("ATL311", "ATL")


class NumbersExhaustedError(CaseStoreError):
    """The year's 999,999 numbers are used up (503: nothing a caller can fix)."""

    status = 503
    code = "unavailable"


def next_case_number(session: Session, now: dt.datetime, timezone: str = "UTC") -> str:
    """Return the next number of ``now``'s year (in ``timezone``), in the open transaction."""
    year = now.astimezone(ZoneInfo(timezone)).year % 100
    bump = update(CaseCounter).where(CaseCounter.year == year).values(last=CaseCounter.last + 1)
    if session.execute(bump).rowcount == 0:
        # First case of the year. Two creators may race to insert the row: the
        # loser's savepoint rolls back and it bumps the winner's row instead.
        try:
            with session.begin_nested():
                session.add(CaseCounter(year=year, last=0))
        except IntegrityError:
            pass
        session.execute(bump)
    last = session.execute(select(CaseCounter.last).where(CaseCounter.year == year)).scalar_one()
    if last > MAX_SEQUENCE:
        raise NumbersExhaustedError(f"all case numbers of year {year:02d} are used")
    return f"{year:02d}{last:06d}"


def format_case_number(number: str) -> str:
    """Return the grouped display form ``26-000123``."""
    return f"{number[:2]}-{number[2:]}" if len(number) == 8 else number


def parse_case_number(text: object, prefixes: tuple[str, ...] = _DEFAULT_PREFIXES) -> str | None:
    """Return the 8 digits of a case number written as people write it, or None.

    Accepts ``26000123``, ``26-000123``, ``#26000123``, ``case 26000123``,
    ``ATL-26000123``, ``ATL311-26000123`` and spaces or dashes anywhere between
    digits. Anything else (fewer or more digits, other words) gives None.
    """
    if not isinstance(text, str):
        return None
    s = text.strip().upper()
    if len(s) > 64:
        return None
    s = re.sub(r"^(CASE|REQUEST|TICKET)\s*(NUMBER|NO\.?)?\s*[:#]?\s*", "", s)
    for prefix in sorted(prefixes, key=len, reverse=True):
        if re.match(rf"^{re.escape(prefix.upper())}[\s\-#:]*(?=\d)", s):
            s = re.sub(rf"^{re.escape(prefix.upper())}[\s\-#:]*", "", s, count=1)
            break
    s = s.lstrip("#").strip()
    if not re.fullmatch(r"[\d\s\-]+", s or "x"):
        return None
    digits = re.sub(r"[\s\-]", "", s)
    return digits if re.fullmatch(r"\d{8}", digits) else None
