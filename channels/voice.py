"""Phone IVR through Twilio Voice: ``POST /voice`` greets, ``POST /voice/gather`` converses.

The greeting is open: "Tell me in a few words what you're calling about. Or
press 1 to report a problem, 2 for a case's status, 0 for a person." What the
caller says goes straight to the assistant as their first message; the keys
are shortcuts (1: the IVR asks for a description; 2: it asks for the case
number, keyed and finished with ``#`` or said; 0: ``<Dial>`` to
AGENT_PHONE_NUMBER, or the staffed hours when agents are off). Only a bare
menu word ("report", "status", "agent", "operator", "representative", "a
person") acts as its shortcut. Later in the call, asking the assistant for a
person ends in the same transfer: its hand-off action answers a phone caller
with a ``{"transfer": "agent"}`` marker instead of queueing a live chat.
Silence, unclear speech at the greeting (Twilio's Confidence under
``MIN_CONFIDENCE``) or an unknown key there gets one reprompt (``&retry=1``
in the action URL), then a polite goodbye.

Every step is a ``<Gather input="speech dtmf">`` whose speech hints are the
offered button titles, the menu words, the catalog's service names and common
problem words. Buttons are read as a short menu ("For Pothole, press 1 or say
pothole."); a key or the spoken title ("the pothole one") sends that button's
payload, anything else is free text for the assistant. The turn number
travels in the action URL (``?turn=n``) and makes the provider message id
``<CallSid>:<n>`` for every message the assistant gets, the first included, so
a repeated request is not processed twice. When the assistant is slow the
caller hears "one moment" and ``/voice/wait`` picks the reply up.

Languages: the greeting (and its one reprompt) ends with an offer per other
catalog language, spoken in that language: "Para español, oprima 9 o diga
español." (keys 9, 8, 7... in the catalog's order). The key, or the language's
name said ("español", "Spanish"), makes the call that language: it is remembered
for the call like any conversation's language (``senders.remember_language``),
every prompt is ``<Say language="es-US">`` inside ``<Gather language="es-US">``
(the translation's speech language) with that language's menu words, problem
words and service names as hints, the assistant's replies are spoken so, and the
call's language goes to the assistant as the metadata ``language``. When the
assistant switches the conversation's language, the call follows. The action
URLs of a call in another language than the default carry ``&lang=es`` (for the
outage answer, which cannot read the database). Calls in the default language
are unchanged but for the offer at the greeting.
"""

from __future__ import annotations

import re
import time
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Response, abort, current_app, request
from twilio.twiml.voice_response import Gather, VoiceResponse

from channels import casestore_client, i18n, livechat, senders
from channels.channel_address import ident_of, make
from channels.i18n import N_
from channels.inbox import Incoming, done_after, receive
from channels.intake import ascii_int, clean_text
from channels.rasa_client import neutralise
from channels.render import (
    all_buttons,
    pick_button,
    pick_spoken_button,
    speech_text,
    voice_prompt,
)
from channels.store import InboxMessage, session
from channels.twilio_api import twilio_signed

bp = Blueprint("voice", __name__, url_prefix="/voice")

GREETING = N_(
    "Welcome to {city} 3 1 1. If someone is in danger, hang up and dial 9 1 1. "
    "Tell me in a few words what you're calling about. "
    "Or press 1 to report a problem, 2 for a case's status, 0 for a person."
)
REPORT_PROMPT = N_("Please describe the problem and where it is.")
STATUS_PROMPT = N_("Please key your case number, then press the pound key. Or say the number.")
# Said alone at the greeting, these act as the keys; any other speech goes to the assistant.
# Each choice's words are one comma-separated text, so a translation brings its own words.
MENU_CHOICES = {
    # Translators: the word(s) a caller says alone at the greeting to report a problem,
    # comma-separated.
    "report": N_("report"),
    # Translators: the word(s) for a case's status, comma-separated.
    "status": N_("status"),
    # Translators: the words asking for a person, comma-separated.
    "agent": N_("agent, operator, representative, a person"),
}
MENU_WORDS = {word: choice for choice, words in MENU_CHOICES.items()
              for word in words.split(", ")}
MENU_KEYS = {"1": "report", "2": "status", "0": "agent"}
# The greeting's offer of each other language, said in that language ("Para español,
# oprima 9 o diga español."); the keys go to the catalog's languages after the default.
# Translators: said in your language at the English greeting; "English" is your
# language's own name, which callers may say to choose it.
LANGUAGE_OFFER = N_("For English, press {key} or say English.")
LANGUAGE_KEYS = ("9", "8", "7", "6", "5")
# Twilio's Confidence (0-1) under which speech at the greeting is asked again;
# 0 or missing means the recogniser gave no score, and the words are used.
MIN_CONFIDENCE = 0.4
# Speech hints besides the catalog's service names (Twilio: <= 500 entries of <= 100 chars).
# Translators: speech-recognition hints, comma-separated: everyday words for City problems.
PROBLEM_WORDS_TEXT = N_(
    "pothole, hole in the road, streetlight, street light out, traffic light, "
    "stop sign, sidewalk, trash, garbage, recycling, missed pickup, bulk pickup, "
    "trash can, graffiti, illegal dumping, abandoned car, parked car, "
    "blocking my driveway, dead animal, water leak, water main break, no water, "
    "sewer, sewage, storm drain, flooding, fire hydrant, fallen tree, tree down, "
    "high grass, overgrown, noise, loud music, speeding, homeless, water bill, "
    "case number, case status"
)
PROBLEM_WORDS = tuple(PROBLEM_WORDS_TEXT.split(", "))
_WAIT_ROUNDS = 3


def _xml(response: VoiceResponse) -> Response:
    return Response(str(response), mimetype="text/xml")


def _words_of(lang: str | None, text: str) -> list[str]:
    """A comma-separated translatable list in ``lang``, as its entries."""
    return [w.strip() for w in i18n.gettext(lang, text).split(",") if w.strip()]


def _menu_words(lang: str | None) -> dict[str, str]:
    """The bare words that act as the greeting's keys, in ``lang``: word -> choice."""
    if not _other(lang):
        return MENU_WORDS
    return {i18n.plain(word): choice for choice, words in MENU_CHOICES.items()
            for word in _words_of(lang, words)}


def _other(lang: str | None) -> bool:
    """True for a call in a language other than the catalog's default."""
    return bool(lang) and lang != i18n.default_language(current_app)


def _hints(buttons: list[dict[str, str]], lang: str | None = None, offers: bool = False) -> str:
    """Offered titles, menu words, the catalog's service names, problem words (in the call's
    language), and at the greeting the other languages' names: ", "-joined."""
    if _other(lang):
        names = casestore_client.service_names(current_app, lang)
        words = [w for ws in MENU_CHOICES.values() for w in _words_of(lang, ws)] \
            + names + _words_of(lang, PROBLEM_WORDS_TEXT)
    else:
        names = casestore_client.service_names(current_app)
        words = list(MENU_WORDS) + names + list(PROBLEM_WORDS)
    phrases = [b["title"] for b in buttons] + words
    if offers:
        phrases += [i18n.language_name(other) for other in _offered_languages().values()]
    hints: dict[str, str] = {}
    for phrase in phrases:
        # A name such as "Traffic safety request (speeding, speed humps)" gives each part.
        for part in re.split(r"[(),;/]", phrase):
            words_in = " ".join(re.findall(r"[\w'-]+", part))[:100].strip()
            if words_in and len(hints) < 500:
                hints.setdefault(words_in.casefold(), words_in)
    return ", ".join(hints.values())


def _offered_languages() -> dict[str, str]:
    """The other catalog languages the greeting offers: key -> language."""
    return dict(zip(LANGUAGE_KEYS, i18n.languages(current_app)[1:], strict=False))


def _say_options(lang: str | None) -> dict[str, str]:
    spoken = i18n.speech_language(current_app, lang)
    return {"language": spoken} if spoken else {}


def gather(
    prompt: str, turn: int, buttons: list[dict[str, str]], step: str = "", silences: int = 0,
    lang: str | None = None,
) -> VoiceResponse:
    """A TwiML step that says ``prompt`` and listens; silence goes to /voice/silence.

    ``step`` is ``menu`` or ``status`` for the IVR's own questions (empty when
    the assistant asked); ``silences`` counts misses so far (one reprompt, then
    goodbye): after one, the action URL carries ``&retry=1``. ``lang`` is the
    call's language: another than the default speaks and listens in it. The
    greeting (turn 1's menu, in the default language) offers the other languages.
    """
    suffix = f"&step={step}" if step else ""
    retry = "&retry=1" if silences else ""
    tongue = f"&lang={lang}" if _other(lang) else ""
    offers = step == "menu" and turn == 1 and not _other(lang)
    response = VoiceResponse()
    options: dict[str, Any] = {
        "input": "speech dtmf",
        "action": f"/voice/gather?turn={turn}{suffix}{retry}{tongue}",
        "method": "POST",
        "timeout": 6,
        "speech_timeout": "auto",
        "hints": _hints(buttons, lang, offers),
        **_say_options(lang),
    }
    if step == "menu" or (step != "status" and 0 < len(buttons) < 10):
        options["num_digits"] = 1
    else:
        options["finish_on_key"] = "#"  # case numbers are keyed and finished with #
    listen = Gather(**options)
    listen.say(prompt, **_say_options(lang))
    if offers:
        for key, other in _offered_languages().items():
            listen.say(i18n.gettext(other, LANGUAGE_OFFER, key=key), **_say_options(other))
    response.append(listen)
    response.redirect(f"/voice/silence?turn={turn}&count={silences + 1}{suffix}{tongue}",
                      method="POST")
    return response


def _call_address() -> str:
    call_sid = clean_text(request.form.get("CallSid", ""), 100)
    if not call_sid or len(call_sid) > 64:
        abort(400, "CallSid is required (at most 64 characters).")
    return make("voice", call_sid)


def _call_language(address: str) -> str:
    """The call's language: remembered for it (the caller's choice, then the assistant's
    last word), else the URL's ``lang``, else the default."""
    return senders.conversation_language(current_app, address, request.args.get("lang"))


def _turn() -> int:
    turn = ascii_int(request.args.get("turn", "1"))
    if turn is None or turn > 10_000:
        abort(400, "turn must be a number.")
    return turn


def _step() -> str:
    step = request.args.get("step", "")
    return step if step in ("menu", "report", "status") else ""


def _ask(address: str, turn: int, prompt: str, step: str = "", lang: str | None = None
         ) -> Response:
    """The IVR's own question (greeting, describe the problem, key the case number)."""
    senders.remember_prompt(current_app, address, prompt, [])
    return _xml(gather(prompt, turn, [], step=step, lang=lang))


def _speak(address: str, turn: int, messages: list[dict[str, Any]], lang: str) -> VoiceResponse:
    prompt = voice_prompt(messages, say_titles=True, lang=lang) or i18n.gettext(
        lang, "Is there anything else?")
    buttons = all_buttons(messages)
    senders.remember_prompt(current_app, address, prompt, buttons)
    return gather(prompt, turn + 1, buttons, lang=lang)


def _greeting(lang: str | None = None) -> str:
    return i18n.gettext(lang, GREETING, city=current_app.config["CITY_NAME"])


@bp.post("")
@twilio_signed
def call_started():  # noqa: ANN201
    """The open greeting: say what it is about, or press a key."""
    address = _call_address()
    lang = _call_language(address)
    return _ask(address, 1, _greeting(lang), "menu", lang)


def _menu_word(speech: str, lang: str | None = None) -> str:
    """The shortcut a bare menu word stands for ("Report." -> "report"), else ""."""
    if not _other(lang):
        return MENU_WORDS.get(" ".join(re.findall(r"[a-z]+", speech.casefold())), "")
    return _menu_words(lang).get(" ".join(re.findall(r"\w+", i18n.plain(speech))), "")


def _language_said(speech: str) -> str | None:
    """The offered language whose name ``speech`` is ("español", "Spanish", "en español")."""
    said = " ".join(re.findall(r"\w+", i18n.plain(speech)))
    default = i18n.default_language(current_app)
    for other in _offered_languages().values():
        names = {i18n.plain(i18n.language_name(other)),
                 i18n.plain(i18n.language_name(other, default))}
        if said in names or said in {f"en {n}" for n in names} or said in {f"in {n}"
                                                                          for n in names}:
            return other
    return None


def _unclear() -> bool:
    """Twilio scored the speech under ``MIN_CONFIDENCE`` (no score counts as clear)."""
    try:
        confidence = float(request.form.get("Confidence", ""))
    except ValueError:
        return False
    return 0 < confidence < MIN_CONFIDENCE


def _switch(address: str, turn: int, lang: str) -> Response:
    """The caller chose ``lang``: the call speaks it from now on, starting with the greeting."""
    senders.remember_language(current_app, address, lang)
    return _ask(address, turn + 1, _greeting(lang), "menu", lang)


def _menu(address: str, turn: int, digits: str, speech: str, lang: str) -> Response | None:
    """The greeting's answer: a key or menu word is a shortcut; None relays the speech."""
    chosen = None
    if not _other(lang):  # the other languages are offered in the default one
        chosen = _offered_languages().get(digits) if digits else _language_said(speech)
    if chosen:
        return _switch(address, turn, chosen)
    if digits:
        choice = MENU_KEYS.get(digits, "")
    elif _unclear():
        choice = ""
    else:
        choice = _menu_word(speech, lang)
        if not choice:
            return None  # the caller said what it is about: the assistant's first message
    if choice == "agent":
        return _transfer(address, turn, lang)
    if choice == "report":
        return _ask(address, turn + 1, i18n.gettext(lang, REPORT_PROMPT), lang=lang)
    if choice == "status":
        return _ask(address, turn + 1, i18n.gettext(lang, STATUS_PROMPT), "status", lang)
    return _missed(address, turn, _retried(), i18n.gettext(lang, "Sorry, I did not get that."),
                   lang)


def _transfer(address: str, turn: int, lang: str) -> Response:
    """Put the caller through to the agent line, or say its hours and offer the menu."""
    closed = livechat.agent_line_closed_text(current_app, lang) if _other(lang) \
        else livechat.agent_line_closed_text(current_app)
    if closed:  # outside staffed hours: say when, and offer the assistant instead
        offer = i18n.gettext(lang, "Tell me in a few words what you're calling about. "
                             "To report a problem, press 1. To check the status of a case, "
                             "press 2.")
        return _ask(address, turn + 1, f"{closed} {offer}", "menu", lang)
    response = VoiceResponse()
    response.say(i18n.gettext(lang, "Connecting you with a person. Please hold."),
                 **_say_options(lang))
    response.dial(current_app.config["AGENT_PHONE_NUMBER"])
    return _xml(response)


def _answer(address: str, turn: int, messages: list[dict[str, Any]]) -> Response:
    """The assistant's reply as TwiML (in the call's language, which the reply may have
    changed); its request for a person becomes the transfer."""
    lang = _call_language(address)
    if any(m.get("transfer") == "agent" for m in messages):
        return _transfer(address, turn, lang)
    return _xml(_speak(address, turn, messages, lang))


def _retried() -> bool:
    return request.args.get("retry") == "1"


@bp.post("/gather")
@twilio_signed
def gathered():  # noqa: ANN201
    """The caller spoke or keyed something: relay it and say the answer."""
    address, turn, step = _call_address(), _turn(), _step()
    lang = _call_language(address)
    digits = clean_text(request.form.get("Digits", ""), 100).strip().rstrip("#")
    speech = clean_text(request.form.get("SpeechResult", ""), 2000).strip()
    if not digits and not speech:
        return _missed(address, turn, _retried(), lang=lang)
    if step == "menu":
        answer = _menu(address, turn, digits, speech, lang)
        if answer is not None:
            return answer
    offered = senders.offered_buttons(current_app, address) if step != "status" else []
    button = pick_button(digits, offered) if digits else pick_spoken_button(speech, offered)
    if step == "status":
        number = neutralise(digits or speech)
        # The configured sentence, in the call's language when a translation has it.
        text = i18n.gettext(lang, current_app.config["STATUS_TEXT_TEMPLATE"], number=number)
    elif button is not None:
        text = button["payload"]  # offered to this caller: may be an intent ("/report_pothole")
    else:
        text = digits or neutralise(speech)
    call_turn = f"{ident_of(address)}:{turn}"  # CallSid:turn, the provider message id
    outcome = receive(Incoming("voice", call_turn, address, text, speech or digits,
                               {"language": lang}))
    if outcome.replies is not None:
        return done_after(_answer(address, turn, outcome.replies), outcome.inbox_id)
    if outcome.duplicate:
        return _xml(gather(senders.last_prompt(current_app, address), turn + 1,
                           senders.offered_buttons(current_app, address), lang=lang))
    tongue = f"&lang={lang}" if _other(lang) else ""
    response = VoiceResponse()
    response.say(i18n.gettext(lang, "One moment please."), **_say_options(lang))
    response.redirect(f"/voice/wait?turn={turn}&inbox={outcome.inbox_id}&round=1{tongue}",
                      method="POST")
    return _xml(response)


@bp.post("/wait")
@twilio_signed
def wait():  # noqa: ANN201
    """Pick up a slow reply; after a few rounds, apologise and give the 311 number."""
    address, turn = _call_address(), _turn()
    inbox_id, rounds = request.args.get("inbox", ""), request.args.get("round", "1")
    if ascii_int(inbox_id) is None or ascii_int(rounds) is None:
        abort(400, "inbox and round must be numbers.")
    deadline = time.monotonic() + current_app.config["RASA_DEADLINE_SECONDS"]
    while True:
        with session(current_app.extensions["channels"]["engine"]) as db:
            row = db.execute(
                sa.select(InboxMessage).where(
                    InboxMessage.id == int(inbox_id), InboxMessage.sender == address
                )
            ).scalar_one_or_none()
        if row is None:
            abort(404)
        if row.replies:
            return _answer(address, turn, row.replies)
        if time.monotonic() >= deadline:
            break
        time.sleep(0.25)  # server-side polling of our own inbox, bounded by the deadline
    lang = _call_language(address)
    tongue = f"&lang={lang}" if _other(lang) else ""
    response = VoiceResponse()
    if int(rounds) < _WAIT_ROUNDS:
        response.say(i18n.gettext(lang, "Still working on it."), **_say_options(lang))
        response.redirect(
            f"/voice/wait?turn={turn}&inbox={inbox_id}&round={int(rounds) + 1}{tongue}",
            method="POST")
    else:
        response.say(i18n.gettext(
            lang, "Sorry, our assistant is not available right now. We kept what you said. "
            "Please call back later, or call {phone}. Goodbye.",
            phone=speech_text(current_app.config["CITY_311_PHONE"])), **_say_options(lang))
        response.hangup()
    return _xml(response)


@bp.post("/silence")
@twilio_signed
def silence():  # noqa: ANN201
    """No input: repeat the question once, then say goodbye."""
    count = request.args.get("count", "1")
    misses = ascii_int(count)
    address = _call_address()
    return _missed(address, _turn(), misses is None or misses > 1,
                   lang=_call_language(address))


def _missed(
    address: str, turn: int, retried: bool, why: str = "", lang: str | None = None
) -> Response:
    """Nothing usable heard: the first time ask again (``why`` + the last question), then
    goodbye."""
    if not retried:
        why = why or i18n.gettext(lang, "Sorry, I did not hear anything.")
        asked = senders.last_prompt(current_app, address) or (
            _greeting(lang) if _step() == "menu" else "")
        prompt = f"{why} {asked}".strip()
        return _xml(gather(prompt, turn, senders.offered_buttons(current_app, address),
                           step=_step(), silences=1, lang=lang))
    response = VoiceResponse()
    response.say(i18n.gettext(lang, "We did not hear anything. Thank you for calling. Goodbye."),
                 **_say_options(lang))
    response.hangup()
    return _xml(response)
