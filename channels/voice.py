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
"""

from __future__ import annotations

import re
import time
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Response, abort, current_app, request
from twilio.twiml.voice_response import Gather, VoiceResponse

from channels import casestore_client, livechat, senders
from channels.channel_address import ident_of, make
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

GREETING = (
    "Welcome to {city} 3 1 1. If someone is in danger, hang up and dial 9 1 1. "
    "Tell me in a few words what you're calling about. "
    "Or press 1 to report a problem, 2 for a case's status, 0 for a person."
)
REPORT_PROMPT = "Please describe the problem and where it is."
STATUS_PROMPT = "Please key your case number, then press the pound key. Or say the number."
# Said alone at the greeting, these act as the keys; any other speech goes to the assistant.
MENU_WORDS = {
    "report": "report", "status": "status", "agent": "agent", "operator": "agent",
    "representative": "agent", "a person": "agent",
}
MENU_KEYS = {"1": "report", "2": "status", "0": "agent"}
# Twilio's Confidence (0-1) under which speech at the greeting is asked again;
# 0 or missing means the recogniser gave no score, and the words are used.
MIN_CONFIDENCE = 0.4
# Speech hints besides the catalog's service names (Twilio: <= 500 entries of <= 100 chars).
PROBLEM_WORDS = (
    "pothole", "hole in the road", "streetlight", "street light out", "traffic light",
    "stop sign", "sidewalk", "trash", "garbage", "recycling", "missed pickup", "bulk pickup",
    "trash can", "graffiti", "illegal dumping", "abandoned car", "parked car",
    "blocking my driveway", "dead animal", "water leak", "water main break", "no water",
    "sewer", "sewage", "storm drain", "flooding", "fire hydrant", "fallen tree", "tree down",
    "high grass", "overgrown", "noise", "loud music", "speeding", "homeless", "water bill",
    "case number", "case status",
)
_WAIT_ROUNDS = 3


def _xml(response: VoiceResponse) -> Response:
    return Response(str(response), mimetype="text/xml")


def _hints(buttons: list[dict[str, str]]) -> str:
    """Offered titles, menu words, the catalog's service names, problem words: ", "-joined."""
    names = casestore_client.service_names(current_app)
    phrases = [b["title"] for b in buttons] + list(MENU_WORDS) + names + list(PROBLEM_WORDS)
    hints: dict[str, str] = {}
    for phrase in phrases:
        # A name such as "Traffic safety request (speeding, speed humps)" gives each part.
        for part in re.split(r"[(),;/]", phrase):
            words = " ".join(re.findall(r"[\w'-]+", part))[:100].strip()
            if words and len(hints) < 500:
                hints.setdefault(words.casefold(), words)
    return ", ".join(hints.values())


def gather(
    prompt: str, turn: int, buttons: list[dict[str, str]], step: str = "", silences: int = 0
) -> VoiceResponse:
    """A TwiML step that says ``prompt`` and listens; silence goes to /voice/silence.

    ``step`` is ``menu`` or ``status`` for the IVR's own questions (empty when
    the assistant asked); ``silences`` counts misses so far (one reprompt, then
    goodbye): after one, the action URL carries ``&retry=1``.
    """
    suffix = f"&step={step}" if step else ""
    retry = "&retry=1" if silences else ""
    response = VoiceResponse()
    options: dict[str, Any] = {
        "input": "speech dtmf",
        "action": f"/voice/gather?turn={turn}{suffix}{retry}",
        "method": "POST",
        "timeout": 6,
        "speech_timeout": "auto",
        "hints": _hints(buttons),
    }
    if step == "menu" or (step != "status" and 0 < len(buttons) < 10):
        options["num_digits"] = 1
    else:
        options["finish_on_key"] = "#"  # case numbers are keyed and finished with #
    listen = Gather(**options)
    listen.say(prompt)
    response.append(listen)
    response.redirect(f"/voice/silence?turn={turn}&count={silences + 1}{suffix}", method="POST")
    return response


def _call_address() -> str:
    call_sid = clean_text(request.form.get("CallSid", ""), 100)
    if not call_sid or len(call_sid) > 64:
        abort(400, "CallSid is required (at most 64 characters).")
    return make("voice", call_sid)


def _turn() -> int:
    turn = ascii_int(request.args.get("turn", "1"))
    if turn is None or turn > 10_000:
        abort(400, "turn must be a number.")
    return turn


def _step() -> str:
    step = request.args.get("step", "")
    return step if step in ("menu", "report", "status") else ""


def _ask(address: str, turn: int, prompt: str, step: str = "") -> Response:
    """The IVR's own question (greeting, describe the problem, key the case number)."""
    senders.remember_prompt(current_app, address, prompt, [])
    return _xml(gather(prompt, turn, [], step=step))


def _speak(address: str, turn: int, messages: list[dict[str, Any]]) -> VoiceResponse:
    prompt = voice_prompt(messages, say_titles=True) or "Is there anything else?"
    buttons = all_buttons(messages)
    senders.remember_prompt(current_app, address, prompt, buttons)
    return gather(prompt, turn + 1, buttons)


def _greeting() -> str:
    return GREETING.format(city=current_app.config["CITY_NAME"])


@bp.post("")
@twilio_signed
def call_started():  # noqa: ANN201
    """The open greeting: say what it is about, or press a key."""
    return _ask(_call_address(), 1, _greeting(), "menu")


def _menu_word(speech: str) -> str:
    """The shortcut a bare menu word stands for ("Report." -> "report"), else ""."""
    return MENU_WORDS.get(" ".join(re.findall(r"[a-z]+", speech.casefold())), "")


def _unclear() -> bool:
    """Twilio scored the speech under ``MIN_CONFIDENCE`` (no score counts as clear)."""
    try:
        confidence = float(request.form.get("Confidence", ""))
    except ValueError:
        return False
    return 0 < confidence < MIN_CONFIDENCE


def _menu(address: str, turn: int, digits: str, speech: str) -> Response | None:
    """The greeting's answer: a key or menu word is a shortcut; None relays the speech."""
    if digits:
        choice = MENU_KEYS.get(digits, "")
    elif _unclear():
        choice = ""
    else:
        choice = _menu_word(speech)
        if not choice:
            return None  # the caller said what it is about: the assistant's first message
    if choice == "agent":
        return _transfer(address, turn)
    if choice == "report":
        return _ask(address, turn + 1, REPORT_PROMPT)
    if choice == "status":
        return _ask(address, turn + 1, STATUS_PROMPT, "status")
    return _missed(address, turn, _retried(), "Sorry, I did not get that. ")


def _transfer(address: str, turn: int) -> Response:
    """Put the caller through to the agent line, or say its hours and offer the menu."""
    closed = livechat.agent_line_closed_text(current_app)
    if closed:  # outside staffed hours: say when, and offer the assistant instead
        return _ask(address, turn + 1, f"{closed} Tell me in a few words what you're "
                    "calling about. To report a problem, press 1. "
                    "To check the status of a case, press 2.", "menu")
    response = VoiceResponse()
    response.say("Connecting you with a person. Please hold.")
    response.dial(current_app.config["AGENT_PHONE_NUMBER"])
    return _xml(response)


def _answer(address: str, turn: int, messages: list[dict[str, Any]]) -> Response:
    """The assistant's reply as TwiML; its request for a person becomes the transfer."""
    if any(m.get("transfer") == "agent" for m in messages):
        return _transfer(address, turn)
    return _xml(_speak(address, turn, messages))


def _retried() -> bool:
    return request.args.get("retry") == "1"


@bp.post("/gather")
@twilio_signed
def gathered():  # noqa: ANN201
    """The caller spoke or keyed something: relay it and say the answer."""
    address, turn, step = _call_address(), _turn(), _step()
    digits = clean_text(request.form.get("Digits", ""), 100).strip().rstrip("#")
    speech = clean_text(request.form.get("SpeechResult", ""), 2000).strip()
    if not digits and not speech:
        return _missed(address, turn, _retried())
    if step == "menu":
        answer = _menu(address, turn, digits, speech)
        if answer is not None:
            return answer
    offered = senders.offered_buttons(current_app, address) if step != "status" else []
    button = pick_button(digits, offered) if digits else pick_spoken_button(speech, offered)
    if step == "status":
        number = neutralise(digits or speech)
        text = current_app.config["STATUS_TEXT_TEMPLATE"].format(number=number)
    elif button is not None:
        text = button["payload"]  # offered to this caller: may be an intent ("/report_pothole")
    else:
        text = digits or neutralise(speech)
    call_turn = f"{ident_of(address)}:{turn}"  # CallSid:turn, the provider message id
    outcome = receive(Incoming("voice", call_turn, address, text, speech or digits))
    if outcome.replies is not None:
        return done_after(_answer(address, turn, outcome.replies), outcome.inbox_id)
    if outcome.duplicate:
        return _xml(gather(senders.last_prompt(current_app, address), turn + 1,
                           senders.offered_buttons(current_app, address)))
    response = VoiceResponse()
    response.say("One moment please.")
    response.redirect(f"/voice/wait?turn={turn}&inbox={outcome.inbox_id}&round=1", method="POST")
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
    response = VoiceResponse()
    if int(rounds) < _WAIT_ROUNDS:
        response.say("Still working on it.")
        response.redirect(
            f"/voice/wait?turn={turn}&inbox={inbox_id}&round={int(rounds) + 1}", method="POST"
        )
    else:
        response.say(
            "Sorry, our assistant is not available right now. We kept what you said. "
            f"Please call back later, or call {speech_text(current_app.config['CITY_311_PHONE'])}. "
            "Goodbye."
        )
        response.hangup()
    return _xml(response)


@bp.post("/silence")
@twilio_signed
def silence():  # noqa: ANN201
    """No input: repeat the question once, then say goodbye."""
    count = request.args.get("count", "1")
    misses = ascii_int(count)
    return _missed(_call_address(), _turn(), misses is None or misses > 1)


def _missed(
    address: str, turn: int, retried: bool, why: str = "Sorry, I did not hear anything. "
) -> Response:
    """Nothing usable heard: the first time ask again (``why`` + the last question), then
    goodbye."""
    if not retried:
        asked = senders.last_prompt(current_app, address)
        prompt = why + (asked or (_greeting() if _step() == "menu" else ""))
        return _xml(gather(prompt, turn, senders.offered_buttons(current_app, address),
                           step=_step(), silences=1))
    response = VoiceResponse()
    response.say("We did not hear anything. Thank you for calling. Goodbye.")
    response.hangup()
    return _xml(response)
