"""Phone IVR through Twilio Voice: ``POST /voice`` greets, ``POST /voice/gather`` converses.

Every step is a ``<Gather input="speech dtmf">`` with speech hints from the
catalog's service names; buttons are read as "For Yes, press 1." and a case
number can be keyed and finished with ``#``. The menu: 1 report a problem
(the IVR asks for a description, which goes to the assistant), 2 case status
(the IVR asks for the number), 0 a person (``<Dial>`` to AGENT_PHONE_NUMBER). Silence gets one
reprompt and then a polite goodbye. The turn number travels in the action URL
(``?turn=n``) and makes the provider message id ``<CallSid>:<n>``, so a
repeated request is not processed twice. When the assistant is slow the
caller hears "one moment" and ``/voice/wait`` picks the reply up.
"""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Response, abort, current_app, request
from twilio.twiml.voice_response import Gather, VoiceResponse

from channels import addresses, casestore_client, livechat
from channels.inbox import Incoming, mark_done, receive
from channels.rasa_client import neutralise
from channels.render import all_buttons, pick_button, speech_text, voice_prompt
from channels.store import InboxMessage, session
from channels.twilio_api import twilio_signed

bp = Blueprint("voice", __name__, url_prefix="/voice")

MENU = (
    "Welcome to {city} 3 1 1. If this is an emergency, hang up and dial 9 1 1. "
    "To report a problem, press 1 or say report. "
    "To check the status of a case, press 2 or say status. "
    "To speak with a person, press 0."
)
REPORT_PROMPT = "Please describe the problem and where it is."
STATUS_PROMPT = "Please key your case number, then press the pound key. Or say the number."
_WAIT_ROUNDS = 3


def _xml(response: VoiceResponse) -> Response:
    return Response(str(response), mimetype="text/xml")


def _hints() -> str:
    names = casestore_client.service_names(current_app)
    return ", ".join(["report", "status", "agent"] + names)[:1000]


def gather(
    prompt: str, turn: int, buttons: list[dict[str, str]], step: str = "", silences: int = 0
) -> VoiceResponse:
    """A TwiML step that says ``prompt`` and listens; silence goes to /voice/silence.

    ``step`` is ``menu`` or ``status`` for the IVR's own questions (empty when
    the assistant asked); ``silences`` counts silences so far (one reprompt, then goodbye).
    """
    suffix = f"&step={step}" if step else ""
    response = VoiceResponse()
    options: dict[str, Any] = {
        "input": "speech dtmf",
        "action": f"/voice/gather?turn={turn}{suffix}",
        "method": "POST",
        "timeout": 6,
        "speech_timeout": "auto",
        "hints": _hints(),
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
    call_sid = request.form.get("CallSid", "")
    if not call_sid:
        abort(400, "CallSid is required.")
    return f"voice:{call_sid}"


def _turn() -> int:
    turn = request.args.get("turn", "1")
    if not turn.isdigit():
        abort(400, "turn must be a number.")
    return int(turn)


def _step() -> str:
    step = request.args.get("step", "")
    return step if step in ("menu", "report", "status") else ""


def _ask(address: str, turn: int, prompt: str, step: str = "") -> Response:
    """The IVR's own question (menu, describe the problem, key the case number)."""
    addresses.remember_prompt(current_app, address, prompt, [])
    return _xml(gather(prompt, turn, [], step=step))


def _speak(address: str, turn: int, messages: list[dict[str, Any]]) -> VoiceResponse:
    prompt = voice_prompt(messages) or "Is there anything else?"
    buttons = all_buttons(messages)
    addresses.remember_prompt(current_app, address, prompt, buttons)
    return gather(prompt, turn + 1, buttons)


@bp.post("")
@twilio_signed
def call_started():  # noqa: ANN201
    """Greeting and menu."""
    return _ask(_call_address(), 1, MENU.format(city=current_app.config["CITY_NAME"]), "menu")


def _menu_choice(digits: str, speech: str) -> str:
    words = speech.casefold()
    if digits == "0" or any(w in words for w in ("agent", "person", "operator", "representative")):
        return "agent"
    if digits == "1" or "report" in words:
        return "report"
    if digits == "2" or "status" in words:
        return "status"
    return ""


def _menu(address: str, turn: int, digits: str, speech: str) -> Response:
    choice = _menu_choice(digits, speech)
    if choice == "agent":
        closed = livechat.agent_line_closed_text(current_app)
        if closed:  # outside staffed hours: say when, and offer the assistant instead
            return _ask(address, turn + 1, f"{closed} To report a problem, press 1. "
                        "To check the status of a case, press 2.", "menu")
        response = VoiceResponse()
        response.say("Connecting you with a person. Please hold.")
        response.dial(current_app.config["AGENT_PHONE_NUMBER"])
        return _xml(response)
    if choice == "report":
        return _ask(address, turn + 1, REPORT_PROMPT)
    if choice == "status":
        return _ask(address, turn + 1, STATUS_PROMPT, "status")
    prompt = "Sorry, I did not get that. " + MENU.format(city=current_app.config["CITY_NAME"])
    return _ask(address, turn + 1, prompt, "menu")


@bp.post("/gather")
@twilio_signed
def gathered():  # noqa: ANN201
    """The caller spoke or keyed something: relay it and say the answer."""
    address, turn, step = _call_address(), _turn(), _step()
    digits = request.form.get("Digits", "").strip().rstrip("#")
    speech = request.form.get("SpeechResult", "").strip()
    if not digits and not speech:
        return _silence(address, turn, 1)
    if step == "menu":
        return _menu(address, turn, digits, speech)
    if step == "status":
        number = neutralise(digits or speech)
        text = current_app.config["STATUS_TEXT_TEMPLATE"].format(number=number)
    elif digits:
        button = pick_button(digits, addresses.offered_buttons(current_app, address))
        text = button["payload"] if button else digits
    else:
        text = neutralise(speech)
    outcome = receive(Incoming("voice", f"{address[6:]}:{turn}", address, text, speech or digits))
    if outcome.replies is not None:
        response = _xml(_speak(address, turn, outcome.replies))
        app = current_app._get_current_object()  # noqa: SLF001
        response.call_on_close(lambda: mark_done(app, outcome.inbox_id))
        return response
    if outcome.duplicate:
        return _xml(gather(addresses.last_prompt(current_app, address), turn + 1,
                           addresses.offered_buttons(current_app, address)))
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
    if not inbox_id.isdigit() or not rounds.isdigit():
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
            return _xml(_speak(address, turn, row.replies))
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
    return _silence(_call_address(), _turn(), int(count) if count.isdigit() else 2)


def _silence(address: str, turn: int, count: int) -> Response:
    if count <= 1:
        prompt = "Sorry, I did not hear anything. " + addresses.last_prompt(current_app, address)
        return _xml(gather(prompt, turn, addresses.offered_buttons(current_app, address),
                           step=_step(), silences=1))
    response = VoiceResponse()
    response.say("We did not hear anything. Thank you for calling. Goodbye.")
    response.hangup()
    return _xml(response)
