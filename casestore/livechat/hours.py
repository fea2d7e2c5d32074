"""Staffed hours of the live chat desk (``LIVECHAT_HOURS``), in the city's timezone.

The setting is one or more rules separated by ``;``, each a day or day range
and a time range: ``"Mon-Fri 08:00-17:00"``, ``"Mon-Fri 08:00-17:00; Sat
09:00-13:00"``, ``"daily 00:00-24:00"``. ``"closed"`` (or an empty value)
means nobody is staffed. A range that wraps past Sunday (``Sat-Mon``) is
allowed; a time range must end after it starts (no overnight shifts).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from flask_babel import gettext

from ..i18n import N_

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Worded in the language being rendered (a chat line's, ``notify.line``); English msgids.
DAY_NAMES = (N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"), N_("Friday"),
             N_("Saturday"), N_("Sunday"))
_RULE = re.compile(
    r"^(?P<days>daily|[a-z]{3}(?:\s*-\s*[a-z]{3})?)\s+"
    r"(?P<start>\d{1,2}:\d{2})\s*-\s*(?P<end>\d{1,2}:\d{2})$"
)


@dataclass(frozen=True)
class Rule:
    """Staffed from ``start`` to ``end`` (minutes after midnight) on ``days`` (0 = Monday)."""

    days: tuple[int, ...]
    start: int
    end: int

    def describe(self) -> str:
        """E.g. ``Monday to Friday, 8:00 AM to 5:00 PM``."""
        if len(self.days) == 7:
            days = gettext("Every day")
        elif len(self.days) == 1:
            days = gettext(DAY_NAMES[self.days[0]])
        else:
            days = gettext("%(first)s to %(last)s", first=gettext(DAY_NAMES[self.days[0]]),
                           last=gettext(DAY_NAMES[self.days[-1]]))
        if (self.start, self.end) == (0, 24 * 60):
            return gettext("%(days)s, all day", days=days)
        return gettext("%(days)s, %(start)s to %(end)s", days=days, start=_clock(self.start),
                       end=_clock(self.end))


def _clock(minutes: int) -> str:
    if minutes in (0, 24 * 60):
        return gettext("midnight")
    hour, minute = divmod(minutes, 60)
    suffix = "AM" if hour < 12 else "PM"
    return f"{(hour - 1) % 12 + 1}:{minute:02d} {suffix}"


def _minutes(text: str, setting: str) -> int:
    hour, minute = (int(part) for part in text.split(":"))
    if hour > 24 or minute > 59 or (hour == 24 and minute):
        raise ValueError(f"LIVECHAT_HOURS {setting!r}: {text} is not a time of day")
    return hour * 60 + minute


def _days(text: str, setting: str) -> tuple[int, ...]:
    if text == "daily":
        return tuple(range(7))
    names = [part.strip() for part in text.split("-")]
    if any(name not in DAYS for name in names):
        raise ValueError(f"LIVECHAT_HOURS {setting!r}: days are Mon, Tue ... Sun or daily")
    first, last = DAYS.index(names[0]), DAYS.index(names[-1])
    return tuple((first + i) % 7 for i in range((last - first) % 7 + 1))


def parse_hours(setting: str | None) -> tuple[Rule, ...]:
    """Parse ``LIVECHAT_HOURS``; raise ValueError naming the bad part."""
    text = (setting or "").strip().lower()
    if text in ("", "closed", "none"):
        return ()
    rules = []
    for part in filter(None, (p.strip() for p in text.split(";"))):
        match = _RULE.match(part)
        if not match:
            raise ValueError(
                f"LIVECHAT_HOURS {setting!r}: expected rules like 'Mon-Fri 08:00-17:00'"
            )
        start = _minutes(match["start"], setting)
        end = _minutes(match["end"], setting)
        if end <= start:
            raise ValueError(f"LIVECHAT_HOURS {setting!r}: {part} ends before it starts")
        rules.append(Rule(_days(match["days"], setting), start, end))
    return tuple(rules)


def is_open(rules: tuple[Rule, ...], now: dt.datetime, timezone: str) -> bool:
    """Return True when ``now`` (aware) falls in a staffed period, in ``timezone``."""
    local = now.astimezone(ZoneInfo(timezone))
    minute = local.hour * 60 + local.minute
    return any(local.weekday() in r.days and r.start <= minute < r.end for r in rules)


def describe(rules: tuple[Rule, ...]) -> str:
    """The staffed hours as a sentence fragment residents read ("" when never staffed)."""
    if not rules:
        return ""
    return "; ".join(rule.describe() for rule in rules)
