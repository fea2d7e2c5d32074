"""SMS, MMS and WhatsApp through Twilio Messaging: ``POST /sms`` answers TwiML.

Buttons become numbered options ("Reply 1 for Yes") and a digit reply picks
the option. Long replies are split at sentence ends. Photos (MediaUrl0…) go to
the assistant as ``media_urls`` metadata, copied into the case store first by the
inbox worker (``channels.media``). HELP, STOP and START are answered
here: STOP is recorded in this app (nothing is sent to the number until START,
case notices included) and in the case store's opt-outs. A message from an
opted-out number is stored but not answered. With TWILIO_OPT_OUT_HANDLING
``twilio`` (the default: Twilio's opt-out handling is on for the number) STOP
and START on SMS are recorded but answered with an empty TwiML, since Twilio
already confirms them; ``app`` makes the app confirm them itself. WhatsApp
always gets the app's confirmation (Twilio handles no keywords there).

Keywords exist per language: the English ones always work, and each translation
adds its own (the translated keyword lists in channels/translations: PARAR,
CANCELAR, COMENZAR, AYUDA...). A keyword in another language is answered in that
language, which becomes the conversation's; an English one in the conversation's
language. Twilio recognises only English keywords by default (Spanish ones only
when added to a Messaging Service's Advanced Opt-Out), so the app confirms a
keyword itself unless Twilio said it handled it (``OptOutType``) or it is one of
Twilio's own.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Flask, Response, abort, current_app, request
from twilio.twiml.messaging_response import Message, MessagingResponse

from channels import casestore_client, i18n, senders
from channels.channel_address import make
from channels.i18n import N_
from channels.inbox import Incoming, Outcome, done_after, receive
from channels.intake import clean_text, is_ascii_digits
from channels.rasa_client import neutralise
from channels.render import all_buttons, pick_button, sms_parts
from channels.store import InboxMessage
from channels.twilio_api import twilio_signed

log = logging.getLogger(__name__)
bp = Blueprint("sms", __name__)

# The keywords as lists a translation extends with its own words (comma-separated); the
# English ones (Twilio's own, and the carriers') are recognised in every conversation.
KEYWORD_LISTS = {
    # Translators: single-word SMS keywords that opt out in your language, comma-separated
    # (the English ones always work too). Avoid everyday answers ("alto" is also "tall").
    "stop": N_("STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, OPTOUT, REVOKE"),
    # Translators: keywords that opt back in, comma-separated.
    "start": N_("START, UNSTOP, OPTIN"),
    # Translators: keywords asking for help, comma-separated.
    "help": N_("HELP, INFO"),
}
STOP_WORDS = set(KEYWORD_LISTS["stop"].split(", "))
START_WORDS = set(KEYWORD_LISTS["start"].split(", "))
HELP_WORDS = set(KEYWORD_LISTS["help"].split(", "))
_TWILIO_TYPES = {"STOP": "stop", "START": "start", "HELP": "help"}  # its OptOutType values


def _folded(text: str) -> str:
    return i18n.plain(text.strip().rstrip(".!¡")).upper().strip()


def keyword(app: Flask, text: str) -> tuple[str, str | None] | None:
    """``(kind, language)`` when ``text`` is a keyword: kind ``stop``, ``start`` or
    ``help``; language None for an English one (answered in the conversation's language),
    else the language whose keyword it is. None for any other text."""
    word = _folded(text)
    for kind, words in KEYWORD_LISTS.items():
        if word in {_folded(w) for w in words.split(",")}:
            return kind, None
    for lang in i18n.languages(app)[1:]:
        for kind, words in KEYWORD_LISTS.items():
            if word in {_folded(w) for w in i18n.gettext(lang, words).split(",")}:
                return kind, lang
    return None


def help_text(app: Flask, lang: str | None = None) -> str:
    """What HELP answers: what the service does and how to reach 311 by phone."""
    return i18n.gettext(
        lang, "{city} 311: text us to report a non-emergency City problem "
        "(potholes, missed pickups, streetlights...) or to check a case by its number. "
        "To talk to a person, call 311 or {phone}. "
        "In an emergency call 911. Reply STOP to stop messages.",
        city=app.config["CITY_NAME"], phone=app.config["CITY_311_PHONE"])


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
    found = keyword(app, row.text)
    told = _TWILIO_TYPES.get(str((row.meta or {}).get("opt_out_type", "")).upper())
    if found is None and told is not None:
        found = (told, None)  # a keyword Twilio's Advanced Opt-Out knows and we do not
    kind, keyword_lang = found or ("", None)
    # Twilio's opt-out handling (SMS only, not WhatsApp) confirms STOP and START
    # itself; a second confirmation from us would be refused by the carrier. It
    # knows its English keywords, and any it tells us it handled (OptOutType).
    twilio_confirms = (row.channel == "sms"
                       and app.config["TWILIO_OPT_OUT_HANDLING"] == "twilio"
                       and (told is not None or keyword_lang is None))
    if keyword_lang:
        senders.remember_language(app, row.sender, keyword_lang)
    lang = keyword_lang or senders.conversation_language(app, row.sender)
    city = app.config["CITY_NAME"]
    if kind == "stop":
        _set_opt_out(app, row.sender, True)
        return [] if twilio_confirms else [{"text": i18n.gettext(
            lang, "You are unsubscribed and will get no more messages from {city} 311, "
            "case updates included. Reply START to subscribe again.", city=city)}]
    if kind == "start":
        _set_opt_out(app, row.sender, False)
        return [] if twilio_confirms else [{"text": i18n.gettext(
            lang, "You are subscribed again to {city} 311 messages. How can we help?",
            city=city)}]
    if senders.is_opted_out(app, row.sender):
        return []
    if kind == "help":
        return [{"text": help_text(app, lang)}]
    return None


def twiml(app: Flask, address: str, messages: list[dict[str, Any]]) -> str:
    """TwiML with one <Message> per part; images ride on the first one."""
    response = MessagingResponse()
    images = [m["image"] for m in messages if m.get("image")]
    senders.remember_buttons(app, address, all_buttons(messages))  # "1" picks one later
    # The language of the "Reply 1 for …" lines (read only when there are options).
    lang = senders.conversation_language(app, address) if all_buttons(messages) else None
    for index, part in enumerate(sms_parts(messages, app.config["SMS_SEGMENT_CHARS"], lang)):
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
    opt_out_type = clean_text(form.get("OptOutType", ""), 16).strip()
    if opt_out_type:  # Twilio handled a keyword (and answered it): channels.sms.answer_keyword
        metadata["opt_out_type"] = opt_out_type
    button = pick_button(body, senders.offered_buttons(current_app, address))
    if button and is_ascii_digits(body.strip()):
        text = button["payload"]
    else:
        text = neutralise(body) or ("photo" if media else "")
    if not text:
        abort(400, "The message has no text and no photo.")
    outcome = receive(Incoming(channel, message_sid, address, text, body, metadata))
    return render_outcome(address, outcome)
