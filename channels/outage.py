"""What a resident gets while the channels database cannot be reached.

The inbox stores every message before answering it; when the database is down
there is nowhere to keep it. Instead of a 500 (Twilio does not retry an
inbound message, and ends a call on one), each door answers in its own way:

- SMS/MMS/WhatsApp: TwiML asking the resident to send it again in a few minutes,
  with the 911 line, so the words are not lost in silence;
- voice: the same, spoken, then the call ends politely;
- Telegram and Messenger: 503, so the platform delivers the update again later;
- web chat and everything else: 503 with ``Retry-After``; the widget resends
  the same message (same ``message_id``) with a growing wait.

Before any of that, a Twilio webhook rides out a short outage (``ride_out_outages``):
Twilio never resends an inbound message or a caller's words, so its views are run
again, with growing waits, for up to DATABASE_RIDE_OUT_SECONDS (under Twilio's 15-second
webhook timeout); PostgreSQL restarting or failing over usually takes less. Running
a view again is safe: the inbox stores a provider's message once, and nothing is
stored before the first database write fails. Only a longer outage gets the answers
above.

Only database connection failures are answered so; other errors stay errors.
The answers are in the conversation's language as far as it is known without the
database: the call's ``lang`` in its TwiML URLs, or the language this process last
saw for the number (``senders.recent_language``); else the default.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import Flask, Response, current_app, jsonify, request
from twilio.twiml.messaging_response import MessagingResponse
from twilio.twiml.voice_response import VoiceResponse

from channels import i18n, senders
from channels.channel_address import make
from channels.render import speech_text

log = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5
RIDE_OUT_FIRST_WAIT = 0.25
# The blueprints whose provider never redelivers: SMS/MMS/WhatsApp and voice.
NO_REDELIVERY = ("sms", "voice")
SMS_TEXT = i18n.N_("Sorry, we could not take your message just now. Please send it again "
                   "in a few minutes. If someone is in danger, call 911.")
VOICE_TEXT = i18n.N_("Sorry, we cannot take your call just now. Please call back in a few "
                     "minutes, or call {phone}. If someone is in danger, hang up and dial "
                     "9 1 1. Goodbye.")


def _known_language(door: str) -> str | None:
    """The conversation's language as far as it is known without the database."""
    form = request.form
    if door == "voice":
        address = make("voice", form.get("CallSid", ""))
        return i18n.normalize(current_app, request.args.get("lang")) or \
            senders.recent_language(current_app, address)
    sender = form.get("From", "")
    channel = "whatsapp" if sender.startswith("whatsapp:") else "sms"
    return senders.recent_language(current_app,
                                   make(channel, sender.removeprefix("whatsapp:")))


def _database_unreachable(exc: sa.exc.DBAPIError) -> bool:
    return isinstance(exc, sa.exc.OperationalError | sa.exc.InterfaceError) or bool(
        exc.connection_invalidated
    )


def answer_outage(exc: sa.exc.DBAPIError) -> Response | tuple[Response, int, dict]:
    """The channel's own answer while the database is unreachable (see the module doc)."""
    if not _database_unreachable(exc):
        raise exc
    door = request.blueprint or ""
    # Ids only: the request carries a resident's number and words.
    log.warning("channels database unreachable: %s on %s", type(exc).__name__, door or "-")
    if door == "sms":
        reply = MessagingResponse()
        reply.message(i18n.gettext(_known_language(door), SMS_TEXT))
        return Response(str(reply), mimetype="text/xml")
    if door == "voice":
        lang = _known_language(door)
        spoken = i18n.speech_language(current_app, lang)
        call = VoiceResponse()
        call.say(i18n.gettext(lang, VOICE_TEXT,
                              phone=speech_text(current_app.config["CITY_311_PHONE"])),
                 **({"language": spoken} if spoken else {}))
        call.hangup()
        return Response(str(call), mimetype="text/xml")
    body = jsonify(error="unavailable",
                   message="The service is briefly unavailable. Please try again shortly.")
    return body, 503, {"Retry-After": str(RETRY_AFTER_SECONDS)}


def install_outage_answers(app: Flask) -> None:
    """Answer database outages per channel instead of with a 500."""
    app.register_error_handler(sa.exc.DBAPIError, answer_outage)


def riding_out(view: Callable[..., Any]) -> Callable[..., Any]:
    """``view``, run again with growing waits while the database is unreachable, for up
    to DATABASE_RIDE_OUT_SECONDS; then the error goes on to ``answer_outage``."""

    @functools.wraps(view)
    def patient(*args: Any, **kwargs: Any) -> Any:
        deadline = time.monotonic() + current_app.config["DATABASE_RIDE_OUT_SECONDS"]
        wait = RIDE_OUT_FIRST_WAIT
        while True:
            try:
                return view(*args, **kwargs)
            except sa.exc.DBAPIError as exc:
                if not _database_unreachable(exc) or time.monotonic() + wait > deadline:
                    raise
                log.warning("channels database unreachable: %s; trying again in %.2f s",
                            type(exc).__name__, wait)
                time.sleep(wait)  # a backoff before trying the database again
                wait = min(wait * 2, 2.0)

    return patient


def ride_out_outages(app: Flask) -> None:
    """Make the views of providers that never redeliver ride out a short outage
    (call after their blueprints are registered)."""
    for endpoint, view in list(app.view_functions.items()):
        if endpoint.split(".", 1)[0] in NO_REDELIVERY:
            app.view_functions[endpoint] = riding_out(view)
