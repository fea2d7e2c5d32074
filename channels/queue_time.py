"""How long a request waited in the load balancer before it reached this app.

HAProxy (deploy/haproxy/haproxy.cfg) stamps each request to the public channels
app with ``X-Request-Start: t=<milliseconds since the epoch>`` as it arrives (the
header Heroku's router and APM tools use; nginx writes ``t=${msec}``, seconds with
a fraction). A webhook's wait for Rasa (``RASA_DEADLINE_SECONDS``) then counts from
that moment, not from when a thread took the request: when webhooks pile up in the
proxy's queue (every thread busy waiting on slow turns), each one that gets through
answers at once with the holding reply and frees its thread, so the queue drains
instead of growing until the proxy sheds a webhook that Twilio never sends again.

The header only ever shortens the caller's own wait: a client that forges it gets
the holding reply sooner, nothing more. Without it (no proxy, or one that does not
set it) nothing changes.
"""

from __future__ import annotations

import math
import time

HEADER = "X-Request-Start"
# A stamp further off than this is a clock problem, not a queue: ignored.
_PLAUSIBLE_SECONDS = 300.0


def stamp_seconds(value: str) -> float | None:
    """The epoch seconds in ``t=<number>`` (seconds, milliseconds or microseconds, told
    apart by size), or None when the value is not such a stamp."""
    text = value.strip()
    if text.startswith("t="):
        text = text[2:]
    try:
        number = float(text)
    except ValueError:
        return None
    if not (math.isfinite(number) and number > 0):
        return None
    if number > 1e14:
        return number / 1e6
    if number > 1e11:
        return number / 1e3
    return number


def waited_seconds(value: str | None, now: float | None = None) -> float:
    """Seconds between the proxy's stamp ``value`` and ``now`` (0 when there is no
    usable stamp, or the clocks disagree so that it lies in the future)."""
    started = stamp_seconds(value or "")
    if started is None:
        return 0.0
    waited = (time.time() if now is None else now) - started
    return waited if 0.0 < waited <= _PLAUSIBLE_SECONDS else 0.0
