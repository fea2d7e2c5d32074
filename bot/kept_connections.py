"""Rasa's calls to the action server over kept connections instead of a new one per call.

Rasa 3.6's ``EndpointConfig.request`` opens a new ``aiohttp.ClientSession`` for
every call and closes it after: every custom action and form validation pays
for a new TCP connection, on Rasa's side (connector, handshake: 7 % of the Rasa
process's time, py-spy under load) and on the action server's (a new
connection for its HTTP server). ``install`` gives each endpoint's settings
(headers, basic auth) one session per event loop, kept open, with the same
timeout Rasa sets. The connection pool drops a connection that sat idle
``IDLE_SECONDS``, shorter than the action server's keep-alive (Sanic's 5 s),
so Rasa never sends on a connection the server is closing; one the server
closed anyway (the action server restarted) is noticed by the pool and
replaced, as a new session would be.
"""

from __future__ import annotations

import asyncio
from typing import Any

IDLE_SECONDS = 2.0

_sessions: dict[tuple[Any, ...], Any] = {}


class KeptSession:
    """Stands in for a new session in ``async with endpoint.session() as session``,
    leaving the kept one open at the end of the block; anything else goes to it."""

    def __init__(self, session: Any) -> None:
        self._session = session

    async def __aenter__(self) -> Any:
        return self._session

    async def __aexit__(self, *_exc: object) -> None:
        return None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)


def install() -> None:
    """Replace ``EndpointConfig.session`` (idempotent; Rasa process only)."""
    import aiohttp
    from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT, EndpointConfig

    if getattr(EndpointConfig.session, "_kept", False):
        return

    def session(self: EndpointConfig) -> KeptSession:
        loop = asyncio.get_running_loop()
        auth = (self.basic_auth["username"], self.basic_auth["password"]) \
            if self.basic_auth else None
        key = (loop, tuple(sorted((self.headers or {}).items())), auth)
        kept = _sessions.get(key)
        if kept is None or kept.closed:
            for gone in [k for k in _sessions if k[0].is_closed()]:
                del _sessions[gone]  # sessions of loops that ended (tests run many)
            kept = aiohttp.ClientSession(
                headers=self.headers,
                auth=aiohttp.BasicAuth(*auth) if auth else None,
                timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
                connector=aiohttp.TCPConnector(keepalive_timeout=IDLE_SECONDS),
            )
            _sessions[key] = kept
        return KeptSession(kept)

    session._kept = True  # type: ignore[attr-defined]
    EndpointConfig.session = session  # type: ignore[method-assign]
