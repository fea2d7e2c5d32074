"""The channels app's dead letters, read over HTTP for the portal's admin page.

The channels app lists the messages and deliveries it gave up on at
``GET /internal/dead-letters`` on its internal address (``CHANNELS_INTERNAL_URL``,
bearer ``CHANNELS_INTERNAL_TOKEN``). Nothing in the list is personal: ids,
channel, kind, attempts, the error class and times.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import requests
from flask import current_app

from .notifier import channels_internal_token

# Connect and read timeouts: the page answers within seconds even when the channels app hangs.
TIMEOUT = (3, 5)


class ChannelsUnavailableError(Exception):
    """The channels app could not be asked, or did not answer with the list."""


@dataclass(frozen=True)
class DeadLetter:
    """One message or delivery the channels app gave up on."""

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
    """Return the channels app's dead letters, newest first; raise ``ChannelsUnavailableError``."""
    url = f"{current_app.config['CHANNELS_INTERNAL_URL']}/internal/dead-letters"
    try:
        response = requests.get(url, timeout=TIMEOUT,
                                headers={"Authorization": f"Bearer {channels_internal_token()}"})
        response.raise_for_status()
        items = response.json()["dead_letters"]
        return [_letter(item) for item in items]
    except (requests.RequestException, ValueError, KeyError, TypeError) as exc:
        # ValueError also covers a body that is not JSON and a malformed time.
        raise ChannelsUnavailableError(type(exc).__name__) from exc
