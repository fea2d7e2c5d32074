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

While the secret is rotated the variable holds several, comma-separated
(``new,old``), and each is accepted (docs/operations.md, *Rotate secrets*).

Nothing of the request (body, sender) is read or logged before the check.
The secret comes from the Rasa process's environment (``bot/serve_rasa.py``
puts it there), never from ``credentials.yml``: Rasa leaves a missing
``${VAR}`` there as the literal text, which would become a guessable secret.
Without a secret of at least 16 characters the channel refuses to start.

Each reply list ends with one more item, ``{"custom": {"language": "es"}}``: the
conversation's language after the turn (the ``language`` slot), so the channels app
speaks its own texts (a holding reply, the phone's voice) in the language the
assistant now uses. The channels app strips it; other REST clients may ignore it.
The slot is taken from the tracker as Rasa saves it at the end of the turn (the
tracker store's ``save`` is wrapped once) rather than read back from the store, which
replays the whole session's events a second time (bench/rasa_bench.py, whole-turn
median: 84 and 125 ms reading it back, 75-89 ms from the save, 78-97 ms with no
marker at all, on runs minutes apart on a shared 2-core machine).
"""

from __future__ import annotations

import hmac
import json
import os
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import action_response_check, action_retries, event_types, kept_connections

# sender -> the language slot of its tracker as last saved; taken by the turn's reply.
# Bounded: trackers saved outside the webhook (the HTTP API) are never taken.
_saved_languages: OrderedDict[str, str] = OrderedDict()
MAX_REMEMBERED = 10_000

SECRET_VARIABLE = "RASA_WEBHOOK_TOKEN"  # noqa: S105 - the variable's name, not a secret
MIN_SECRET_LENGTH = 16


class SecuredRestInput(RestInput):
    """``rest`` channel that answers 401/403 unless the request carries the shared secret."""

    def __init__(self, secret: str) -> None:
        # One secret, or while it is rotated several, comma-separated: any is accepted.
        secrets = [part.strip() for part in secret.split(",") if part.strip()]
        if not secrets or any(len(part) < MIN_SECRET_LENGTH for part in secrets):
            raise ValueError(
                f"{SECRET_VARIABLE} must be set to a secret of at least "
                f"{MIN_SECRET_LENGTH} characters"
            )
        self._secrets = [part.encode() for part in secrets]

    @classmethod
    def name(cls) -> str:
        """Keep the built-in channel's name, so the path stays ``/webhooks/rest/webhook``."""
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> SecuredRestInput:
        """Build the channel; the secret is read from the environment (see the module doc).

        Rasa builds its channels once, at start, in its own process: the place to
        install the action-answer check that is built once (bot.action_response_check),
        the table of event types (bot.event_types), the kept connections to the
        action server (bot.kept_connections) and the retry of an action call that
        got no answer (bot.action_retries).
        """
        action_response_check.install()
        event_types.install()
        kept_connections.install()
        action_retries.install()
        return cls(os.environ.get(SECRET_VARIABLE, ""))

    def check(self, authorization: str | None) -> int | None:
        """Return None when ``authorization`` carries the secret, else the status to answer."""
        scheme, _, given = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not given.strip():
            return 401
        # compare_digest, against every value: the time taken must not tell how much of
        # a guess was right, nor which value it was.
        matches = [hmac.compare_digest(given.strip().encode(), secret)
                   for secret in self._secrets]
        return None if any(matches) else 403

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        """Rasa's REST routes, each behind the secret check (blueprint request middleware)."""
        blueprint = super().blueprint(on_new_message)

        @blueprint.on_request
        async def require_secret(request: Request) -> HTTPResponse | None:
            remember_saved_languages(getattr(getattr(request.app.ctx, "agent", None),
                                             "tracker_store", None))
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

        @blueprint.on_response
        async def add_language(request: Request, reply: HTTPResponse) -> HTTPResponse | None:
            if request.method != "POST" or reply.status != 200 or not reply.body:
                return None  # a stream, an error, or the health route: nothing to add
            return with_language_marker(request, reply)

        return blueprint


def remember_saved_languages(store: Any) -> None:
    """Wrap ``store.save`` (once per store: a reloaded model brings a new agent) so each
    saved tracker's ``language`` slot is kept for the reply of its turn."""
    if store is None or getattr(store, "_saves_languages", False):
        return
    save = store.save

    async def saving(tracker: Any, *args: Any, **kwargs: Any) -> None:
        await save(tracker, *args, **kwargs)
        value = tracker.get_slot("language")
        if isinstance(value, str):
            _saved_languages[tracker.sender_id] = value
            _saved_languages.move_to_end(tracker.sender_id)
            while len(_saved_languages) > MAX_REMEMBERED:
                _saved_languages.popitem(last=False)

    store.save = saving
    store._saves_languages = True


def with_language_marker(request: Request, reply: HTTPResponse) -> HTTPResponse | None:
    """Return ``reply`` with the language marker appended (None: leave it as it is)."""
    try:
        messages = json.loads(reply.body)
        sender = (request.json or {}).get("sender")
    except (ValueError, TypeError, AttributeError):
        return None
    if not isinstance(messages, list) or not isinstance(sender, str):
        return None
    language = _saved_languages.pop(sender, None)
    if not language:
        return None
    messages.append({"recipient_id": sender, "custom": {"language": language}})
    return response.json(messages, status=reply.status)
