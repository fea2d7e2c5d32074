"""SMS, MMS and WhatsApp through Twilio Messaging: ``POST /sms`` answers TwiML.

Buttons become numbered options ("Reply 1 for Yes") and a digit reply picks
the option. Long replies are split at sentence ends. Photos (MediaUrl0…) go to
the assistant as ``media_urls`` metadata. HELP, STOP and START are answered
here: STOP is recorded in this app (nothing is sent to the number until START,
case notices included) and in the case store's opt-outs. A message from an
opted-out number is stored but not answered. With TWILIO_OPT_OUT_HANDLING
``twilio`` (the default: Twilio's opt-out handling is on for the number) STOP
and START on SMS are recorded but answered with an empty TwiML, since Twilio
already confirms them; ``app`` makes the app confirm them itself. WhatsApp
always gets the app's confirmation (Twilio handles no keywords there).
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Flask, Response, abort, current_app, request
from twilio.twiml.messaging_response import Message, MessagingResponse

from channels import casestore_client, senders
from channels.channel_address import make
from channels.inbox import Incoming, Outcome, done_after, receive
from channels.intake import clean_text, is_ascii_digits
from channels.rasa_client import neutralise
from channels.render import all_buttons, pick_button, sms_parts
from channels.store import InboxMessage
from channels.twilio_api import twilio_signed

log = logging.getLogger(__name__)
bp = Blueprint("sms", __name__)

STOP_WORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE"}
START_WORDS = {"START", "UNSTOP", "OPTIN"}
HELP_WORDS = {"HELP", "INFO"}


def help_text(app: Flask) -> str:
    """What HELP answers: what the service does and how to reach 311 by phone."""
    return (
        f"{app.config['CITY_NAME']} 311: text us to report a non-emergency City problem "
        "(potholes, missed pickups, streetlights...) or to check a case by its number. "
        f"To talk to a person, call 311 or {app.config['CITY_311_PHONE']}. "
        "In an emergency call 911. Reply STOP to stop messages."
    )


def _set_opt_out(app: Flask, address: str, opted_out: bool) -> None:
    senders.set_opted_out(app, address, opted_out)
    try:
        (casestore_client.opt_out if opted_out else casestore_client.opt_in)(app, address)
    except casestore_client.CaseStoreError as exc:
        # Our own record already stops every message we send; log without the number.
        log.warning("case store opt-out change not recorded: %s", exc)


def answer_keyword(app: Flask, row: InboxMessage) -> list[dict[str, Any]] | None:
    """HELP, STOP and START, and silence towards an opted-out number (a local handler)."""
    if row.channel not in ("sms", "whatsapp"):
        return None
    word = row.text.strip().upper().rstrip(".!")
    # Twilio's opt-out handling (SMS only, not WhatsApp) confirms STOP and START
    # itself; a second confirmation from us would be refused by the carrier.
    twilio_confirms = (row.channel == "sms"
                       and app.config["TWILIO_OPT_OUT_HANDLING"] == "twilio")
    if word in STOP_WORDS:
        _set_opt_out(app, row.sender, True)
        return [] if twilio_confirms else [{
            "text": "You are unsubscribed and will get no more messages from "
                    f"{app.config['CITY_NAME']} 311, case updates included. "
                    "Reply START to subscribe again."}]
    if word in START_WORDS:
        _set_opt_out(app, row.sender, False)
        return [] if twilio_confirms else [{
            "text": f"You are subscribed again to {app.config['CITY_NAME']} 311 "
                    "messages. How can we help?"}]
    if senders.is_opted_out(app, row.sender):
        return []
    if word in HELP_WORDS:
        return [{"text": help_text(app)}]
    return None


def twiml(app: Flask, address: str, messages: list[dict[str, Any]]) -> str:
    """TwiML with one <Message> per part; images ride on the first one."""
    response = MessagingResponse()
    images = [m["image"] for m in messages if m.get("image")]
    senders.remember_buttons(app, address, all_buttons(messages))  # "1" picks one later
    for index, part in enumerate(sms_parts(messages, app.config["SMS_SEGMENT_CHARS"])):
        message = Message()
        message.body(part)
        if index == 0:
            for url in images:
                message.media(url)
        response.append(message)
    return str(response)


def _xml(body: str, inbox_id: int | None = None) -> Response:
    response = Response(body, mimetype="text/xml")
    return response if inbox_id is None else done_after(response, inbox_id)


def render_outcome(address: str, outcome: Outcome) -> Response:
    """The TwiML answer for one outcome of ``receive``."""
    app = current_app._get_current_object()  # noqa: SLF001
    if outcome.duplicate:
        if outcome.replies:
            return _xml(twiml(app, address, outcome.replies), outcome.inbox_id)
        return _xml(str(MessagingResponse()))
    if outcome.replies is None:
        return _xml(twiml(app, address, [{"text": outcome.holding_text}]))
    return _xml(twiml(app, address, outcome.replies), outcome.inbox_id)


@bp.post("/sms")
@twilio_signed
def incoming_sms():  # noqa: ANN201
    """A text (SMS, MMS or WhatsApp) from a resident."""
    form = request.form
    sender = clean_text(form.get("From", ""), 100).strip()
    message_sid = clean_text(form.get("MessageSid", ""), 100).strip()
    if not sender or not message_sid:
        abort(400, "From and MessageSid are required.")
    if len(sender) > 64 or len(message_sid) > 64:
        abort(400, "From and MessageSid are at most 64 characters.")
    channel = "whatsapp" if sender.startswith("whatsapp:") else "sms"
    address = make(channel, sender.removeprefix("whatsapp:"))
    body = clean_text(form.get("Body", ""), 1600)
    try:
        count = min(int(form.get("NumMedia", "0") or 0), 10)
    except ValueError:
        abort(400, "NumMedia must be a number.")
    media = [clean_text(form[f"MediaUrl{i}"], 1000) for i in range(count)
             if form.get(f"MediaUrl{i}")]

    metadata: dict[str, Any] = {"media_urls": media} if media else {}
    button = pick_button(body, senders.offered_buttons(current_app, address))
    if button and is_ascii_digits(body.strip()):
        text = button["payload"]
    else:
        text = neutralise(body) or ("photo" if media else "")
    if not text:
        abort(400, "The message has no text and no photo.")
    outcome = receive(Incoming(channel, message_sid, address, text, body, metadata))
    return render_outcome(address, outcome)
