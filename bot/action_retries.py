"""Rasa's calls to the action server sent again when the replica dies under them.

Rasa 3.6 runs a custom action with one POST. When that POST fails, Rasa logs the
error and goes on *without the action's events*: the turn is saved as if the
action had run and said nothing. For ``action_submit_report`` that loses a
confirmed report: the form has closed, nothing was filed, and the resident's
next "yes" is answered "Great. What can I help you with?". The replica test
(tests/replicas) met exactly this once in eight runs, when an action server
replica was killed while it ran the filing: HAProxy answered Rasa 502.

``install`` wraps ``EndpointConfig.request`` so that a call which got no answer
from the action server itself (connection refused, reset, or closed before or
during the answer; a 502 or 503 from the load balancer, which is what those
become behind one) is sent again after ``RETRY_DELAYS``: by then the load
balancer (or Kubernetes' Service) sends it to a live replica. Anything the
action server did answer, including its own 500 and 400, goes to Rasa as before,
and so does a 504 (the replica is alive and still working on it: a second copy
would only add load).

Sending an action twice is safe because every action is safe to run twice for
the same tracker, as it already must be for a message the channels app delivers
again: filing carries the idempotency key of the confirming message
(``bot.actions.context.idempotency_key``), and following a case, asking for a
withdrawal and opening a live chat are set operations in the case store. A note
added to a case (``action_add_info``) is the one that can appear twice, and only
when the replica died after the case store took it and before Rasa heard back.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

logger = logging.getLogger(__name__)

# Seconds before each new attempt: HAProxy takes a dead replica out within a
# second (docs/operations.md, "Replicas"); Kubernetes' readiness takes a few.
RETRY_DELAYS: tuple[float, ...] = (0.25, 0.5, 1.0, 2.0, 4.0)
# Answers that come from a proxy with no replica behind it, not from an action server.
RETRY_STATUSES = frozenset({502, 503})


def should_retry(error: BaseException) -> bool:
    """True when ``error`` means the action server never answered this call."""
    import aiohttp
    from rasa.utils.endpoints import ClientResponseError  # Rasa's own, for status >= 400

    if isinstance(error, (ClientResponseError, aiohttp.ClientResponseError)):
        return error.status in RETRY_STATUSES
    return isinstance(error, (aiohttp.ClientConnectionError, aiohttp.ClientPayloadError))


def install() -> None:
    """Wrap ``EndpointConfig.request`` (idempotent; Rasa process only)."""
    from rasa.utils.endpoints import EndpointConfig

    if getattr(EndpointConfig.request, "_retried", False):
        return
    once = EndpointConfig.request

    async def request(self: EndpointConfig, *args: Any, **kwargs: Any) -> Any:
        for delay in RETRY_DELAYS:
            try:
                return await once(self, *args, **kwargs)
            except Exception as error:
                if not should_retry(error):
                    raise
                # The endpoint's URL and the error's kind only: never the request body.
                logger.warning("no answer from %s (%s); trying again in %.2f s",
                               self.url, type(error).__name__, delay)
            await asyncio.sleep(delay)
        return await once(self, *args, **kwargs)

    request._retried = True  # type: ignore[attr-defined]
    EndpointConfig.request = request  # type: ignore[method-assign]
