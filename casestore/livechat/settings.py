"""Live chat settings, read at first use from the app config (casestore/config.py).

``LIVECHAT_HOURS`` (default ``Mon-Fri 08:00-17:00``, see hours.py) in the
catalog city's timezone, and ``LIVECHAT_WAIT_TIMEOUT_S`` (default 600): how
long a chat may wait for an agent before the resident is told nobody is free
and offered the assistant or a call back.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from ..catalog import get_catalog
from .hours import Rule, describe, is_open, parse_hours

DEFAULT_HOURS = "Mon-Fri 08:00-17:00"
DEFAULT_WAIT_TIMEOUT_S = 600


@dataclass(frozen=True)
class LiveChatSettings:
    """The desk's staffed hours, the city's timezone and the wait timeout."""

    rules: tuple[Rule, ...]
    timezone: str
    wait_timeout_s: float

    def open_at(self, now) -> bool:
        """True when agents are staffed at ``now``."""
        return is_open(self.rules, now, self.timezone)

    @property
    def hours_text(self) -> str:
        """The staffed hours as residents read them."""
        return describe(self.rules)


def _setting(name: str, default):
    value = current_app.config.get(name)
    return default if value is None or value == "" else value


def livechat_settings() -> LiveChatSettings:
    """Return the current app's live chat settings (a bad value raises ValueError)."""
    return LiveChatSettings(
        rules=parse_hours(str(_setting("LIVECHAT_HOURS", DEFAULT_HOURS))),
        timezone=get_catalog().city.timezone,
        wait_timeout_s=float(_setting("LIVECHAT_WAIT_TIMEOUT_S", DEFAULT_WAIT_TIMEOUT_S)),
    )
