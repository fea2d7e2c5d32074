"""Dead letters: the messages the channels gave up on, for operators.

A message goes ``dead`` (``channels.inbox.release``) after INBOX_MAX_ATTEMPTS
failed attempts, after INBOX_MAX_AGE_HOURS, or at once when a provider refuses
it for good. Each is logged at CRITICAL (``event=inbox_dead_letter``) and
listed here: ``GET /internal/dead-letters`` (bearer CHANNELS_INTERNAL_TOKEN;
blueprint ``deadletters``) and ``flask --app channels dead-letters``. Neither
shows what the resident wrote or their address: ids, channel, kind
(``message``: never answered; ``delivery``: answered, not delivered),
attempts, the error class and times.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Flask, current_app, jsonify

from channels.inbox import dead_letter_kind
from channels.internal import authorised
from channels.store import InboxMessage, session

bp = Blueprint("deadletters", __name__)

MAX_LISTED = 500


def _iso(value: Any) -> str | None:
    return value.isoformat() + "Z" if value is not None else None


def dead_letters(app: Flask, limit: int = MAX_LISTED) -> list[dict[str, Any]]:
    """The newest dead letters first, without message text or addresses."""
    with session(app.extensions["channels"]["engine"]) as db:
        rows = db.execute(
            sa.select(InboxMessage)
            .where(InboxMessage.status == "dead")
            .order_by(InboxMessage.dead_at.desc(), InboxMessage.id.desc())
            .limit(limit)
        ).scalars().all()
    return [
        {
            "id": row.id,
            "channel": row.channel,
            "kind": dead_letter_kind(row),
            "attempts": row.attempts,
            "last_error": row.last_error or "",
            "created_at": _iso(row.created_at),
            "dead_at": _iso(row.dead_at),
        }
        for row in rows
    ]


@bp.get("/internal/dead-letters")
def list_dead_letters():  # noqa: ANN201
    """``{"dead_letters": [...]}``, newest first (at most 500)."""
    if not authorised("CHANNELS_INTERNAL_TOKEN"):  # the case store's portal only
        return jsonify(error="unauthorized", message="The internal token is required."), 401
    return jsonify(dead_letters=dead_letters(current_app))
