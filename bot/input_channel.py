"""Rasa's REST channel behind a shared secret: only the channels app may speak to the bot.

Rasa's ``--auth-token`` protects its HTTP API, not the channel webhooks: the
built-in ``rest`` channel takes any ``sender`` from anyone who reaches the port
(who could then file cases in another resident's name, read the replies, or send
``/intent{...}`` past the channels app's neutralising). ``SecuredRestInput``
is the same channel, at the same path (``/webhooks/rest/webhook``), that first
checks ``Authorization: Bearer <RASA_WEBHOOK_TOKEN>`` in constant time:

- no ``Authorization`` header, or not a bearer one: ``401`` with
  ``WWW-Authenticate: Bearer``;
- a wrong secret: ``403``.

Nothing of the request (body, sender) is read or logged before the check.
The secret comes from the Rasa process's environment (``bot/serve_rasa.py``
puts it there), never from ``credentials.yml``: Rasa leaves a missing
``${VAR}`` there as the literal text, which would become a guessable secret.
Without a secret of at least 16 characters the channel refuses to start.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

SECRET_VARIABLE = "RASA_WEBHOOK_TOKEN"  # noqa: S105 - the variable's name, not a secret
MIN_SECRET_LENGTH = 16


class SecuredRestInput(RestInput):
    """``rest`` channel that answers 401/403 unless the request carries the shared secret."""

    def __init__(self, secret: str) -> None:
        if len(secret) < MIN_SECRET_LENGTH:
            raise ValueError(
                f"{SECRET_VARIABLE} must be set to a secret of at least "
                f"{MIN_SECRET_LENGTH} characters"
            )
        self._secret = secret.encode()

    @classmethod
    def name(cls) -> str:
        """Keep the built-in channel's name, so the path stays ``/webhooks/rest/webhook``."""
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> SecuredRestInput:
        """Build the channel; the secret is read from the environment (see the module doc)."""
        return cls(os.environ.get(SECRET_VARIABLE, ""))

    def check(self, authorization: str | None) -> int | None:
        """Return None when ``authorization`` carries the secret, else the status to answer."""
        scheme, _, given = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not given.strip():
            return 401
        # compare_digest: the time taken must not tell how much of a guess was right.
        return None if hmac.compare_digest(given.strip().encode(), self._secret) else 403

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        """Rasa's REST routes, each behind the secret check (blueprint request middleware)."""
        blueprint = super().blueprint(on_new_message)

        @blueprint.on_request
        async def require_secret(request: Request) -> HTTPResponse | None:
            status = self.check(request.headers.get("Authorization"))
            if status == 401:
                return response.json(
                    {"error": "unauthorized", "message": "The webhook secret is required."},
                    status=401,
                    headers={"WWW-Authenticate": "Bearer"},
                )
            if status == 403:
                return response.json(
                    {"error": "forbidden", "message": "The webhook secret is wrong."},
                    status=403,
                )
            return None

        return blueprint
