"""What a resident said without being asked.

``volunteered`` reads any message of a report (the first one included) with
``extract.mine`` for the details the form would otherwise ask: catalog answers
said in passing, an email, a phone number, a name. It only fills what is still
empty; the form then skips those questions and shows the values in its
summary instead. The contact question's answer is read by ``extract.parse_contact``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from bot.actions import extract

EMPTY = (None, "-")  # unanswered, or skipped ("-" is report_form.SKIPPED)


def volunteered(
    text: str,
    attributes: list[dict],
    answers: dict[str, Any],
    contact: dict[str, Any],
    tz: str = "America/New_York",
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """Slot values this message gives that are still empty (never overwrites an answer)."""
    if not text or text.startswith("/"):
        return {}
    remaining = [a for a in attributes if a["code"] not in answers]
    mined = extract.mine(text, remaining, now or dt.datetime.now(dt.timezone.utc), tz)
    found: dict[str, Any] = {}
    new_answers = {k: v for k, v in mined.attributes.items() if k not in answers}
    if new_answers:
        found["attributes"] = {**answers, **new_answers}
    for slot, value in mined.slots().items():
        if contact.get(slot) in EMPTY:
            found[slot] = value
    return found


def description_of(text: str) -> str:
    """The message as a description, without the contact details it carried."""
    return extract.mine(text, [], dt.datetime.now(dt.timezone.utc)).remainder()
