"""The case store's one way to the channels app: its internal app over HTTP.

Everything the case store asks of the channels app goes through here, to
``CHANNELS_INTERNAL_URL`` with the bearer ``CHANNELS_INTERNAL_TOKEN`` (one token
per caller and direction, never the service token):

- ``send_channel_message``: ``POST /internal/send``, a line to a resident's
  channel address (case notices from the notifier, live chat's lines).
  ``UndeliverableError`` when the channels app says it never can be sent (409:
  the address said STOP; 422: no API reaches it); ``requests`` errors for
  anything worth retrying.
- ``fetch_dead_letters``: ``GET /internal/dead-letters`` for the portal's
  *Dead letters* page; ``ChannelsUnavailableError`` when it cannot be read.

Nothing personal is logged here; callers log by their own ids.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import requests
from flask import current_app

from casestore.auth import token_values

# Connect and read timeouts. A send may wait for a provider's API behind the channels
# app; the dead-letter page must answer within seconds even when the channels app hangs.
SEND_TIMEOUT = (3, 15)
READ_TIMEOUT = (3, 5)


class UndeliverableError(Exception):
    """The channels app says this line can never be delivered (opted out, unreachable)."""


class ChannelsUnavailableError(Exception):
    """The channels app could not be asked, or did not answer with what was asked."""


def channels_internal_token() -> str:
    """The bearer for the channels' internal app: CHANNELS_INTERNAL_TOKEN, else the
    file ``init`` made. Not the service token: one token per caller and direction."""
    configured = token_values(current_app.config.get("CHANNELS_INTERNAL_TOKEN"))
    if configured:
        return configured[0]  # while it is rotated, the new value comes first
    path = Path(current_app.config["VAR_DIR"]) / "channels_internal_token"
    return path.read_text().strip() if path.is_file() else ""


def _url(path: str) -> str:
    return f"{current_app.config['CHANNELS_INTERNAL_URL']}{path}"


def _headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {channels_internal_token()}"}


def send_channel_message(recipient: str, text: str, buttons: list | None = None, *,
                         case_number: str | None = None, event: str | None = None,
                         dedupe_key: str | None = None) -> None:
    """Ask the channels app to send ``text`` to a channel address (app context needed).

    ``case_number`` and ``event`` let the channels app tie the resident's reply
    (YES/NO after a closure, an answer after a question) to the case. Raises
    ``UndeliverableError`` for 409 (STOP) and 422 (no way to reach the
    address), and ``requests`` errors for anything worth retrying.
    ``dedupe_key`` (the outbox row's) makes a retried notice recognisable.
    """
    body = {"to": recipient, "text": text, "buttons": buttons or []}
    if case_number and event:
        body.update(case_number=case_number, event=event)
    if dedupe_key:
        # The channels app remembers sent keys: a retry after a lost answer is not sent twice.
        body["dedupe_key"] = dedupe_key
    response = requests.post(_url("/internal/send"), json=body, headers=_headers(),
                             timeout=SEND_TIMEOUT)
    if response.status_code in (409, 422):
        raise UndeliverableError(f"channels app answered {response.status_code}")
    response.raise_for_status()


@dataclass(frozen=True)
class DeadLetter:
    """One message or delivery the channels app gave up on (nothing personal in it)."""

    id: int
    channel: str
    kind: str
    attempts: int
    last_error: str
    created_at: dt.datetime | None
    dead_at: dt.datetime | None


def _when(value: object) -> dt.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.timezone.utc)


def _letter(item: dict) -> DeadLetter:
    return DeadLetter(
        id=int(item["id"]), channel=str(item["channel"]), kind=str(item["kind"]),
        attempts=int(item["attempts"]), last_error=str(item.get("last_error") or ""),
        created_at=_when(item.get("created_at")), dead_at=_when(item.get("dead_at")),
    )


def fetch_dead_letters() -> list[DeadLetter]:
    """Return the channels app's dead letters, newest first; raise ``ChannelsUnavailableError``.

    The list holds ids, channel, kind, attempts, the error class and times.
    """
    try:
        response = requests.get(_url("/internal/dead-letters"), timeout=READ_TIMEOUT,
                                headers=_headers())
        response.raise_for_status()
        items = response.json()["dead_letters"]
        return [_letter(item) for item in items]
    except (requests.RequestException, ValueError, KeyError, TypeError) as exc:
        # ValueError also covers a body that is not JSON and a malformed time.
        raise ChannelsUnavailableError(type(exc).__name__) from exc
