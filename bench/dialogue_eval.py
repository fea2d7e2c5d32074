"""Replay scripted resident conversations through the channels app and score the outcomes.

    .venv/bin/python bench/dialogue_eval.py --start [--only NAME] [--channel sms] [--verbose]
    .venv/bin/python bench/dialogue_eval.py --channels-url URL --casestore-url URL \\
        [--service-token T] [--staff-token T] [--twilio-token T] [--telegram-secret T] \\
        [--public-base-url URL] [--recorder-port N]

Scripts are ``bench/dialogues/*.yml`` (files whose name starts with ``_`` hold
only a header that applies to every file). A file is a mapping with an optional
header and ``conversations:``:

- ``said_questions``: ``{name: regex}``, the question that asks for each thing a
  resident may already have given (``email``, ``address``, ``size``...);
- ``common_answers``: ``[{when, say, channel?}]`` tried after a conversation's
  own ``answers`` (the summary's "shall I file it" -> yes, optional questions -> skip);
- ``voice_menu``: ``{when: regex, choices: {report: ..., status: ...}}``: when a
  call's greeting is a menu, the caller first picks the choice for the
  conversation's goal (or ``menu:`` in the conversation); an open greeting
  gets the opening message straight away.

Each conversation: ``name``, ``channel`` (webchat|sms|voice|telegram), ``turns``
(the opening message or messages, sent whatever the bot answers), ``answers``
(``[{when: regex on the bot's last reply, case-insensitive, say: text}]``, first
match wins; a reply that matches none fails the conversation as an
"unexpected question"), ``said`` (keys of ``said_questions``: asking for one of
them again fails the conversation), ``max_turns`` (8), ``setup`` (``{case:
{service_code, address, description, attributes?, status?}}``: a case created
through the case store API for this resident before the conversation) and
``language`` (``en``, or the file's ``language:``; a script marked ``language: es``
fails when a bot reply reads as English, see ``english_sentences``) and
``expect``, one of::

    filed: {service_code, address?, email?, attributes?}   # checked in the case store
    emergency: true        # a reply says to call 911, nothing filed for this sender
    referral: power|animal
    status: "{case}" | "any" | "{filed:NAME}"   # a reply gives that case's status
    handoff: true          # a reply says a person will join
    withdraw: "{case}"     # the resident's case is withdrawn (or the request recorded)

Placeholders in ``turns``/``say``/``expect``: ``{case}``, ``{case_dashed}``,
``{case_spoken}`` (the setup case), ``{filed:NAME}`` (the case an earlier
conversation filed), ``{opening}`` (the first opening message).

Resident turns are counted until the outcome (a report: up to and including
the message whose reply carries the new case number). Prints one line per
conversation, per-channel and per-outcome rows, failure categories and a
``SUMMARY`` line last. Transcripts go to stdout only with ``--verbose``;
nothing is written to files.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import uuid
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
import yaml
from twilio.request_validator import RequestValidator

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

CHANNELS = ("webchat", "sms", "voice", "telegram")
OUTCOMES = ("filed", "emergency", "referral", "status", "handoff", "withdraw")
TWILIO_TOKEN = "dialogue-eval-twilio-token"  # noqa: S105 - a local test stack's
TWILIO_SID = "AC" + "e" * 32
TELEGRAM_BOT_TOKEN = "424242:DIALOGUE-eval-token"  # noqa: S105
TELEGRAM_SECRET = "dialogue-eval-telegram-secret"  # noqa: S105
HTTP_TIMEOUT = 130
THINK_SECONDS = 1.0
LATE_REPLY_WAIT = 20  # seconds to wait for a reply delivered after a holding answer

CASE_NUMBER = re.compile(r"(?<![\d-])(\d{2})-?(\d{6})(?![\d-])")
HOLDING = re.compile(r"reply is on its way|assistant is unavailable|one moment please|"
                     r"still working on it|"
                     r"respuesta (ya )?(est[aá]|va) en camino|asistente no est[aá] disponible|"
                     r"\bun momento,? por favor|(sigo|seguimos) trabajando", re.I)
EMERGENCY = re.compile(r"\b(call|dial|llame|marque)\b[^.]{0,20}(911|9 1 1|nine one one)", re.I)
REFERRALS = {
    "power": re.compile(r"georgia power|888-891-0938|8 8 8", re.I),
    "animal": re.compile(r"animal services|404-613-0358", re.I),
}
HANDOFF = re.compile(r"connecting you|will join|agent will|person will|in line|"
                     r"(le|lo|la) (comunico|comunicamos|conecto|conectamos|transfiero|"
                     r"transferimos|paso|pasamos) con|comunic[aá]ndol[oa]|"
                     r"conect[aá]ndol[oa]|transfiri[eé]ndol[oa]|se unir[aá]|"
                     r"(agente|persona) (le|lo|la) (atender[aá]|contestar[aá])|en la fila|en cola|"
                     r"chatting with .*agent|transferring you", re.I)
STATUS_WORDS = re.compile(r"\b(new|acknowledged|in progress|waiting|closed|open|received|"
                          r"nuev[oa]|recibid[oa]|confirmad[oa]|en (proceso|curso|progreso|espera)|"
                          r"esperando|abiert[oa]|cerrad[oa])\b", re.I)
NOT_FOUND = re.compile(r"couldn't find|could not find|isn't a case number|"
                       r"no (encontr|pude encontrar)|no es un n[uú]mero de caso|no reconozco",
                       re.I)
# The Spanish a status reply may give for the case store's English status_label, when no
# translation file says it (bot/actions, casestore translations are read first).
SPANISH_STATUS = {
    "new": ("nuevo", "nueva", "recibido", "recibida"),
    "acknowledged": ("recibido", "recibida", "confirmado", "confirmada", "reconocido"),
    "in progress": ("en proceso", "en curso", "en progreso", "en trámite", "en tramite"),
    "waiting for resident": ("esperando", "en espera"),
    "closed": ("cerrado", "cerrada"),
}
# Common English words no Spanish sentence uses (not "a", "no", "me", "he", "of", "and",
# "or", which Spanish or catalog names share). Two in one sentence make it English.
ENGLISH_WORDS = frozenset(
    "the your you please is are what we our this that will with for to it it's can "
    "have would there here which when how be was been if i'm i'll i've you're we'll "
    "let's don't can't won't".split()
)
LANGUAGE_FAILURE = "reply not in Spanish"
DIGIT_WORDS = "zero one two three four five six seven eight nine".split()
SUFFIXES = {
    "STREET": "ST", "AVENUE": "AVE", "ROAD": "RD", "DRIVE": "DR", "BOULEVARD": "BLVD",
    "PARKWAY": "PKWY", "LANE": "LN", "PLACE": "PL", "COURT": "CT", "CIRCLE": "CIR",
    "TERRACE": "TER", "AV": "AVE", "HIGHWAY": "HWY", "NORTHEAST": "NE", "NORTHWEST": "NW",
    "SOUTHEAST": "SE", "SOUTHWEST": "SW", "JUNIOR": "JR", "NORTH": "N", "SOUTH": "S",
    "EAST": "E", "WEST": "W",
}


def address_key(value: str | None) -> str:
    """Compare addresses loosely (as bench/nlu_eval.py does): upper case, no punctuation,
    standard suffix and direction abbreviations."""
    words = re.sub(r"[^\w\s&]", " ", (value or "").upper()).split()
    return " ".join(SUFFIXES.get(w, w) for w in words)


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0..1) by nearest rank (as bench/channels_bench.py)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def spoken(number: str) -> str:
    return " ".join(DIGIT_WORDS[int(d)] for d in number)


# --- scripts ----------------------------------------------------------------------------------


@dataclass
class Conversation:
    name: str
    channel: str
    turns: list[str]
    answers: list[dict[str, Any]]
    expect: dict[str, Any]
    said: list[str] = field(default_factory=list)
    max_turns: int = 8
    setup: dict[str, Any] = field(default_factory=dict)
    menu: str | None = None
    header: dict[str, Any] = field(default_factory=dict)
    source: str = ""
    language: str = "en"

    @property
    def goal(self) -> str:
        return next((k for k in OUTCOMES if k in self.expect), "?")


class ScriptError(ValueError):
    pass


def load_scripts(folder: Path) -> list[Conversation]:
    """Read every ``*.yml`` in ``folder``; ``_*.yml`` headers apply to all files."""
    files = sorted(folder.glob("*.yml"))
    shared: dict[str, Any] = {"said_questions": {}, "common_answers": [], "voice_menu": None}
    for path in files:
        if path.name.startswith("_"):
            data = yaml.safe_load(path.read_text()) or {}
            shared["said_questions"].update(data.get("said_questions") or {})
            shared["common_answers"] += data.get("common_answers") or []
            shared["voice_menu"] = data.get("voice_menu") or shared["voice_menu"]
    conversations: list[Conversation] = []
    names: set[str] = set()
    for path in files:
        if path.name.startswith("_"):
            continue
        data = yaml.safe_load(path.read_text()) or {}
        if isinstance(data, list):
            data = {"conversations": data}
        header = {
            "said_questions": {**shared["said_questions"], **(data.get("said_questions") or {})},
            # The file's own common answers first, then the shared ones.
            "common_answers": (data.get("common_answers") or []) + shared["common_answers"],
            "voice_menu": data.get("voice_menu") or shared["voice_menu"],
            "language": str(data.get("language") or "en"),
        }
        for raw in data.get("conversations") or []:
            conv = _conversation(raw, header, path.name)
            if conv.name in names:
                raise ScriptError(f"{path.name}: duplicate conversation name {conv.name!r}")
            names.add(conv.name)
            conversations.append(conv)
    return conversations


def _conversation(raw: dict[str, Any], header: dict[str, Any], source: str) -> Conversation:
    name = raw.get("name")
    if not name:
        raise ScriptError(f"{source}: a conversation without a name")
    channel = raw.get("channel")
    if channel not in CHANNELS:
        raise ScriptError(f"{source}:{name}: channel must be one of {CHANNELS}")
    turns = raw.get("turns")
    turns = [turns] if isinstance(turns, str) else list(turns or [])
    if not turns:
        raise ScriptError(f"{source}:{name}: turns (the opening message) is required")
    expect = raw.get("expect") or {}
    if sum(1 for k in OUTCOMES if k in expect) != 1:
        raise ScriptError(f"{source}:{name}: expect needs exactly one of {OUTCOMES}")
    answers = list(raw.get("answers") or [])
    for answer in answers + header["common_answers"]:
        if "when" not in answer or "say" not in answer:
            raise ScriptError(f"{source}:{name}: every answer needs when and say")
        re.compile(answer["when"])
    said = list(raw.get("said") or [])
    for key in said:
        if key not in header["said_questions"]:
            raise ScriptError(f"{source}:{name}: said {key!r} has no said_questions entry")
    return Conversation(
        name=str(name), channel=channel, turns=[str(t) for t in turns], answers=answers,
        expect=expect, said=said, max_turns=int(raw.get("max_turns", 8)),
        setup=raw.get("setup") or {}, menu=raw.get("menu"), header=header, source=source,
        language=str(raw.get("language") or header.get("language") or "en"),
    )


# --- the case store ---------------------------------------------------------------------------


class CaseStore:
    def __init__(self, url: str, service_token: str, staff_token: str = "") -> None:
        self.url = url.rstrip("/")
        self.service = {"Authorization": f"Bearer {service_token}"}
        self.staff = {"Authorization": f"Bearer {staff_token}"} if staff_token else None

    def case(self, number: str, full: bool = False) -> dict[str, Any] | None:
        headers = self.staff if full and self.staff else self.service
        response = requests.get(f"{self.url}/api/v1/cases/{number}", headers=headers, timeout=30)
        if response.status_code == 404:
            return None
        response.raise_for_status()
        return response.json()

    def create(self, body: dict[str, Any]) -> dict[str, Any]:
        response = requests.post(f"{self.url}/api/v1/cases", json=body, headers=self.service,
                                 timeout=30)
        if response.status_code >= 300:
            raise RuntimeError(f"setup case refused: {response.status_code} {response.text[:300]}")
        return response.json()

    def activity(self, number: str, body: dict[str, Any]) -> None:
        if not self.staff:
            raise RuntimeError("setting a setup case's status needs --staff-token")
        response = requests.post(f"{self.url}/api/v1/cases/{number}/activities", json=body,
                                 headers=self.staff, timeout=30)
        if response.status_code >= 300:
            raise RuntimeError(f"setup activity refused: {response.status_code} "
                               f"{response.text[:300]}")

    def cases_of(self, sender: str) -> list[str] | None:
        """Numbers of the recent cases whose requester is ``sender`` (None without staff)."""
        if not self.staff:
            return None
        response = requests.get(f"{self.url}/api/v1/cases", params={"page_size": 200},
                                headers=self.staff, timeout=30)
        response.raise_for_status()
        return [c["case_number"] for c in response.json().get("cases", [])
                if (c.get("requester") or {}).get("channel_address") == sender]


# --- channel drivers --------------------------------------------------------------------------


@dataclass
class Reply:
    text: str
    buttons: list[dict[str, str]] = field(default_factory=list)
    ended: bool = False  # the call hung up or was transferred


class Context:
    """What the drivers need to reach the running channels app."""

    def __init__(self, args: argparse.Namespace, recorder: Any) -> None:
        self.channels_url = args.channels_url.rstrip("/")
        self.public_base = (args.public_base_url or args.channels_url).rstrip("/")
        self.twilio_token = args.twilio_token
        self.telegram_secret = args.telegram_secret
        self.recorder = recorder
        self.lock = threading.Lock()
        self.counter = int(time.time()) % 100000 * 1000

    def next_id(self) -> int:
        with self.lock:
            self.counter += 1
            return self.counter


def _join(texts: list[str]) -> str:
    return "\n".join(t.strip() for t in texts if t and t.strip())


class WebchatDriver:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.session_id = f"eval{uuid.uuid4().hex[:24]}"
        self.sender = f"webchat:{self.session_id}"
        self.buttons: list[dict[str, str]] = []
        self.http = requests.Session()

    def start(self) -> Reply | None:
        return None

    def say(self, text: str) -> Reply:
        body: dict[str, Any] = {"session_id": self.session_id, "message_id": uuid.uuid4().hex}
        button = _button_for(text, self.buttons)
        if button:
            body.update(payload=button["payload"], title=button["title"])
        else:
            body["text"] = text
        response = self.http.post(f"{self.ctx.channels_url}/webchat/messages", json=body,
                                  timeout=HTTP_TIMEOUT)
        response.raise_for_status()
        data = response.json()
        messages = data.get("messages") or []
        if data.get("pending"):
            messages = self._late(data.get("last_entry_id") or 0)
        self.buttons = [b for m in messages for b in m.get("buttons") or []]
        return Reply(_join([m.get("text", "") for m in messages]), self.buttons)

    def _late(self, after: int) -> list[dict[str, Any]]:
        deadline = time.monotonic() + LATE_REPLY_WAIT
        while time.monotonic() < deadline:
            time.sleep(0.5)
            entries = self.http.get(f"{self.ctx.channels_url}/webchat/messages",
                                    params={"session_id": self.session_id, "after": after},
                                    timeout=30).json().get("entries", [])
            found = [e for e in entries if e["role"] == "assistant"]
            if found:
                return found
        return []


class SmsDriver:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.number = f"+1404{ctx.next_id() % 10_000_000:07d}"
        self.sender = f"sms:{self.number}"

    def start(self) -> Reply | None:
        return None

    def say(self, text: str) -> Reply:
        params = {"From": self.number, "To": "+14045550000", "Body": text,
                  "MessageSid": "SM" + uuid.uuid4().hex, "AccountSid": TWILIO_SID,
                  "NumMedia": "0"}
        before = len(self._api_messages())
        xml = _signed_post(self.ctx, "/sms", params).text
        root = ET.fromstring(xml)  # noqa: S314 - TwiML from our own channels app
        bodies = [(b.text or "") for b in root.iter("Body")]
        if not bodies:  # <Message>text</Message> without <Body>
            bodies = [(m.text or "") for m in root.iter("Message")]
        text_out = _join(bodies)
        if HOLDING.search(text_out) and self.ctx.recorder is not None:
            deadline = time.monotonic() + LATE_REPLY_WAIT
            while time.monotonic() < deadline:
                late = self._api_messages()[before:]
                if late:
                    time.sleep(0.3)
                    text_out = _join([m.get("Body", "") for m in self._api_messages()[before:]])
                    break
                time.sleep(0.3)
        return Reply(text_out)

    def _api_messages(self) -> list[dict[str, str]]:
        if self.ctx.recorder is None:
            return []
        return [{k: v[0] for k, v in r.form.items()}
                for r in self.ctx.recorder.calls("/Messages.json")
                if r.form.get("To", [""])[0] == self.number]


def _signed_post(ctx: Context, path: str, params: dict[str, str]) -> requests.Response:
    signature = RequestValidator(ctx.twilio_token).compute_signature(ctx.public_base + path,
                                                                     params)
    response = requests.post(ctx.channels_url + path, data=params, timeout=HTTP_TIMEOUT,
                             headers={"X-Twilio-Signature": signature})
    response.raise_for_status()
    return response


class VoiceDriver:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.call_sid = "CA" + uuid.uuid4().hex
        self.number = f"+1678{ctx.next_id() % 10_000_000:07d}"
        self.sender = f"voice:{self.call_sid}"
        self.action: str | None = None

    def _params(self, **extra: str) -> dict[str, str]:
        return {"CallSid": self.call_sid, "AccountSid": TWILIO_SID, "From": self.number,
                "To": "+14045460311", "CallStatus": "in-progress", **extra}

    def start(self) -> Reply | None:
        return self._follow("/voice", self._params())

    def say(self, text: str) -> Reply:
        if self.action is None:
            return Reply("(the call has ended)", ended=True)
        keyed = text.strip().replace(" ", "")
        if re.fullmatch(r"[0-9*#]+", keyed):
            params = self._params(Digits=keyed)
        else:
            params = self._params(SpeechResult=text, Confidence="0.91")
        return self._follow(self.action, params)

    def _follow(self, path: str, params: dict[str, str]) -> Reply:
        said: list[str] = []
        for _ in range(8):  # /voice/wait rounds
            twiml = _signed_post(self.ctx, path, params).text
            root = ET.fromstring(twiml)  # noqa: S314 - TwiML from our own channels app
            said += [(s.text or "") for s in root.iter("Say")]
            gather = root.find("Gather")
            if gather is not None:
                self.action = gather.get("action")
                return Reply(_join(said))
            redirect = root.find("Redirect")
            if redirect is not None and "/voice/wait" in (redirect.text or ""):
                path = redirect.text.strip()
                params = self._params()
                continue
            self.action = None  # <Hangup/>, <Dial> or nothing more: the call is over
            return Reply(_join(said), ended=True)
        self.action = None
        return Reply(_join(said) + "\n(still waiting after 8 rounds)", ended=True)


class TelegramDriver:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.chat_id = 700_000_000 + ctx.next_id() % 100_000_000
        self.sender = f"telegram:{self.chat_id}"
        self.buttons: list[dict[str, str]] = []
        self.message_id = 0

    def start(self) -> Reply | None:
        return None

    def _sent(self) -> list[dict[str, Any]]:
        return [r.params for r in self.ctx.recorder.calls("/sendMessage")
                if str(r.params.get("chat_id")) == str(self.chat_id)]

    def say(self, text: str) -> Reply:
        self.message_id += 1
        chat = {"id": self.chat_id, "type": "private", "first_name": "Resident"}
        user = {"id": self.chat_id, "is_bot": False, "first_name": "Resident"}
        update: dict[str, Any] = {"update_id": self.ctx.next_id()}
        button = _button_for(text, self.buttons)
        if button:
            update["callback_query"] = {
                "id": uuid.uuid4().hex[:16], "from": user, "chat_instance": "1",
                "data": button["payload"][:64],
                "message": {"message_id": self.message_id, "date": int(time.time()),
                            "chat": chat, "text": "(buttons)"},
            }
        else:
            update["message"] = {"message_id": self.message_id, "date": int(time.time()),
                                 "chat": chat, "from": user, "text": text}
        before = len(self._sent())
        response = requests.post(f"{self.ctx.channels_url}/telegram", json=update,
                                 timeout=HTTP_TIMEOUT,
                                 headers={"X-Telegram-Bot-Api-Secret-Token":
                                          self.ctx.telegram_secret})
        response.raise_for_status()
        # The webhook sends the replies before it answers; a holding reply means the real
        # one comes later through the Bot API.
        deadline = time.monotonic() + 10
        sent = self._sent()[before:]
        while not sent and time.monotonic() < deadline:
            time.sleep(0.2)
            sent = self._sent()[before:]
        deadline = time.monotonic() + LATE_REPLY_WAIT
        while sent and HOLDING.search(sent[-1].get("text", "")) and time.monotonic() < deadline:
            time.sleep(0.3)
            sent = self._sent()[before:]
        sent = [m for m in sent if not HOLDING.search(m.get("text", ""))] or sent
        self.buttons = []
        for message in sent:
            markup = message.get("reply_markup") or {}
            for row in markup.get("inline_keyboard") or []:
                for key in row:
                    self.buttons.append({"title": key.get("text", ""),
                                         "payload": key.get("callback_data", "")})
        return Reply(_join([m.get("text", "") for m in sent]), list(self.buttons))


def _button_for(text: str, buttons: list[dict[str, str]]) -> dict[str, str] | None:
    """The offered button whose title is what the resident says (they tap it)."""
    wanted = text.strip().casefold()
    return next((b for b in buttons if b["title"].strip().casefold() == wanted), None)


DRIVERS = {"webchat": WebchatDriver, "sms": SmsDriver, "voice": VoiceDriver,
           "telegram": TelegramDriver}


# --- one conversation -------------------------------------------------------------------------


@dataclass
class Result:
    conv: Conversation
    ok: bool = False
    category: str = ""
    detail: str = ""
    turns: int = 0
    case_number: str | None = None
    transcript: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0
    not_spanish: str = ""  # the first reply of a ``language: es`` script that reads as English


class ConversationFailedError(Exception):
    def __init__(self, category: str, detail: str = "") -> None:
        super().__init__(f"{category}: {detail}")
        self.category, self.detail = category, detail


class Runner:
    def __init__(self, ctx: Context, store: CaseStore, verbose: bool) -> None:
        self.ctx = ctx
        self.store = store
        self.verbose = verbose
        self.filed: dict[str, str] = {}  # conversation name -> case number it filed
        self.known: set[str] = set()  # case numbers that existed before a conversation
        self.print_lock = threading.Lock()
        self.catalog: dict[str, dict[str, str]] = {}  # language -> code -> service name

    # placeholders
    def fill(self, text: str, values: dict[str, str]) -> str:
        def sub(match: re.Match) -> str:
            key = match.group(1)
            if key.startswith("filed:"):
                number = self.filed.get(key[6:])
                if not number:
                    raise ConversationFailedError("setup failed",
                                                  f"conversation {key[6:]} filed no case")
                return number
            if key in values:
                return values[key]
            return match.group(0)

        return re.sub(r"\{([a-z_]+(?::[^}]+)?)\}", sub, text)

    def setup(self, conv: Conversation, sender: str) -> dict[str, str]:
        values: dict[str, str] = {}
        spec = conv.setup.get("case")
        if spec:
            body = {"service_code": spec["service_code"],
                    "channel": spec.get("channel", "web_form"),
                    "description": spec.get("description", "Reported for the dialogue eval."),
                    "address": spec["address"], "attributes": spec.get("attributes") or {},
                    "requester": {"channel_address": sender, **(spec.get("requester") or {})},
                    "idempotency_key": f"dialogue-eval-{uuid.uuid4().hex}"}
            if spec.get("own") is False:
                body.pop("requester")
            number = self.store.create(body)["case_number"]
            for kind in spec.get("activities") or []:
                self.store.activity(number, kind if isinstance(kind, dict) else
                                    {"kind": kind, "public": True})
            values.update(case=number, case_dashed=f"{number[:2]}-{number[2:]}",
                          case_spoken=spoken(number))
            with self.print_lock:
                self.known.add(number)
        return values

    def run(self, conv: Conversation) -> Result:
        result = Result(conv)
        start = time.monotonic()
        try:
            self._run(conv, result)
            result.ok, result.category = True, "ok"
        except ConversationFailedError as exc:
            result.category, result.detail = exc.category, exc.detail
        except (requests.RequestException, ET.ParseError, RuntimeError, KeyError) as exc:
            result.category, result.detail = "harness or HTTP error", f"{type(exc).__name__}: {exc}"
            if self.verbose:
                traceback.print_exc()
        result.seconds = time.monotonic() - start
        if result.not_spanish:
            # An English reply usually derails what follows too: it is the failure to report.
            then = "" if result.ok else f" (then: {result.category}: {result.detail})"
            result.ok, result.category = False, LANGUAGE_FAILURE
            result.detail = f'"{result.not_spanish}"{then}'
        if result.ok and result.case_number and conv.goal == "filed":
            self.filed[conv.name] = result.case_number
        return result

    def _run(self, conv: Conversation, result: Result) -> None:
        driver = DRIVERS[conv.channel](self.ctx)
        if conv.channel == "telegram" and self.ctx.recorder is None:
            raise ConversationFailedError(
                "not run", "Telegram needs the API recorder (--start or --recorder-port)")
        values = self.setup(conv, driver.sender)
        openings = [self.fill(t, values) for t in conv.turns]
        values["opening"] = openings[0]
        filed = conv.expect.get("filed") or {}
        if filed.get("service_code"):
            values["service"] = self.service_name(filed["service_code"], conv.language)
        expect = {k: (self.fill(v, values) if isinstance(v, str) else v)
                  for k, v in conv.expect.items()}
        resident_numbers: set[str] = set()
        said_check = {k: re.compile(conv.header["said_questions"][k], re.I) for k in conv.said}
        goal = conv.goal
        target = str(expect.get(goal) or "")
        target_number = "".join(CASE_NUMBER.search(target).groups()) \
            if CASE_NUMBER.search(target) else None

        def log(role: str, text: str) -> None:
            result.transcript.append((role, text))

        def send(text: str) -> Reply:
            if result.turns and conv.channel in ("sms", "voice"):
                # A person takes seconds to answer; without a pause the next webhook can arrive
                # before the channels app marked the last TwiML answer done (call_on_close),
                # and it is queued behind it with a holding reply.
                time.sleep(THINK_SECONDS)
            result.turns += 1
            log("resident", text)
            resident_numbers.update("".join(m) for m in CASE_NUMBER.findall(text))
            reply = driver.say(text)
            log("bot", reply.text + (f"  [buttons: {', '.join(b['title'] for b in reply.buttons)}]"
                                     if reply.buttons else ""))
            if conv.language == "es" and not result.not_spanish:
                shown = "\n".join([reply.text] + [b["title"] for b in reply.buttons])
                if english_sentences(shown, keep_out=[t for r, t in result.transcript
                                                      if r == "resident"]):
                    result.not_spanish = reply.text.strip()
            return reply

        def reached(reply: Reply) -> bool:
            """Whether this reply shows the expected outcome (raises on a wrong one)."""
            text = reply.text
            numbers = ["".join(m) for m in CASE_NUMBER.findall(text)]
            new = [n for n in numbers if n not in self.known and n not in resident_numbers
                   and n != target_number]
            if goal == "filed":
                if new:
                    result.case_number = new[0]
                    with self.print_lock:
                        self.known.add(new[0])
                    return True
                return False
            if new and self.store.case(new[0]) is not None:
                result.case_number = new[0]
                with self.print_lock:
                    self.known.add(new[0])
                raise ConversationFailedError(f"filed instead of {goal}", f"case {new[0]}")
            if goal == "emergency":
                return bool(EMERGENCY.search(text))
            if goal == "referral":
                return bool(REFERRALS[str(expect["referral"])].search(text))
            if goal == "handoff":
                return bool(HANDOFF.search(text))
            if goal == "status":
                if NOT_FOUND.search(text):
                    return False
                if target_number:
                    return target_number in numbers and bool(STATUS_WORDS.search(text))
                return bool(numbers) and bool(STATUS_WORDS.search(text))
            if goal == "withdraw":
                return self._withdrawn(target_number, text)
            return False

        def check_said(reply: Reply) -> None:
            for key, pattern in said_check.items():
                if pattern.search(questions_only(reply.text, conv.language)):
                    raise ConversationFailedError(f"asked again for {key}", reply.text[:160])

        reply = driver.start()
        if reply is not None:
            log("bot", reply.text)
            menu = conv.header.get("voice_menu")
            choice = conv.menu  # the caller presses or says this first, whatever the greeting
            if not choice and menu and re.search(menu["when"], reply.text, re.I):
                choice = (menu.get("choices") or {}).get(goal)
            if choice:
                reply = send(self.fill(str(choice), values))
        for index, opening in enumerate(openings):
            if reply is not None and reply.ended:
                raise ConversationFailedError("call ended", reply.text[:160])
            reply = send(opening)
            if reached(reply):
                break
            if not reply.text.strip():
                raise ConversationFailedError("no reply", "nothing came after the holding answer")
            if index < len(openings) - 1:
                check_said(reply)
        else:
            while True:
                if reply.ended:
                    raise ConversationFailedError("call ended", reply.text[:160])
                if not reply.text.strip():
                    raise ConversationFailedError("no reply", "")
                check_said(reply)
                if result.turns >= conv.max_turns:
                    raise ConversationFailedError(
                        "too many turns", f"after {result.turns}: {reply.text[:120]}")
                answer = self._answer(conv, reply.text)
                if answer is None:
                    raise ConversationFailedError("unexpected question", reply.text[:200])
                reply = send(self.fill(answer, values))
                if reached(reply):
                    break
        self.verify(conv, goal, expect, result, driver.sender, target_number, conv.language)

    def _answer(self, conv: Conversation, text: str) -> str | None:
        own, common = conv.answers, conv.header["common_answers"]
        ordered = ([a for a in own if a.get("first")] + [a for a in common if a.get("first")]
                   + [a for a in own if not a.get("first")]
                   + [a for a in common if not a.get("first")])
        text = unquoted(text)
        for answer in ordered:
            if answer.get("channel") and conv.channel not in str(answer["channel"]).split("|"):
                continue
            if re.search(answer["when"], text, re.I):
                return str(answer["say"])
        return None

    def service_name(self, code: str, language: str = "en") -> str:
        """The catalog's name for ``code`` in ``language`` (what a resident taps or says)."""
        if language not in self.catalog:
            response = requests.get(f"{self.store.url}/api/v1/services",
                                    params={"locale": language} if language != "en" else None,
                                    timeout=30)
            response.raise_for_status()
            self.catalog[language] = {s["service_code"]: s["service_name"]
                                      for s in response.json().get("services", [])}
        return self.catalog[language].get(code, code.replace("_", " "))

    def _withdrawn(self, number: str | None, text: str) -> bool:
        if not number:
            return bool(re.search(r"withdr|retir", text, re.I))
        case = self.store.case(number, full=True) or {}
        if case.get("close_reason") == "withdrawn" or case.get("withdrawal_requested"):
            return True
        if case.get("withdrawal") or (self.store.staff is None and re.search(r"withdr|retir",
                                                                            text, re.I)):
            return True
        return False

    def verify(self, conv: Conversation, goal: str, expect: dict[str, Any], result: Result,
               sender: str, target_number: str | None, language: str = "en") -> None:
        if goal == "filed":
            want = expect["filed"] or {}
            case = self.store.case(result.case_number, full=True)
            if case is None:
                raise ConversationFailedError("case number not in the case store",
                                              result.case_number)
            problems = []
            if want.get("service_code") and case.get("service_code") != want["service_code"]:
                problems.append(f"service {case.get('service_code')} != {want['service_code']}")
                category = "filed as the wrong service"
            if want.get("address") and address_key(case.get("address")) != \
                    address_key(want["address"]):
                problems.append(f"address {case.get('address')!r} != {want['address']!r}")
            if want.get("email") and self.store.staff:
                got = ((case.get("requester") or {}).get("email") or "").casefold()
                if got != str(want["email"]).casefold():
                    problems.append(f"email {got!r} != {want['email']!r}")
            for key, value in (want.get("attributes") or {}).items():
                got = (case.get("attributes") or {}).get(key)
                if _norm(got) != _norm(value):
                    problems.append(f"attribute {key}={got!r} != {value!r}")
            if problems:
                category = "filed as the wrong service" if any(
                    p.startswith("service") for p in problems) else "filed with wrong details"
                raise ConversationFailedError(category, "; ".join(problems))
            with self.print_lock:
                self.known.add(result.case_number)
        elif goal == "emergency":
            mine = self.store.cases_of(sender)
            if mine:
                raise ConversationFailedError("filed instead of emergency", ", ".join(mine))
        elif goal == "status" and target_number:
            case = self.store.case(target_number)
            label = (case or {}).get("status_label") or ""
            bot_text = " ".join(t for r, t in result.transcript if r == "bot")
            said = bot_text.casefold()
            if label and not any(form.casefold() in said for form in status_forms(label, language)):
                raise ConversationFailedError("wrong status", f"expected {label!r}")


def questions_only(text: str, language: str = "en") -> str:
    """The bot's own words minus its summary: "Here's your report: ... Shall I file it?"
    lists what the resident said ("Pickup day: Wednesday"); it asks for none of it."""
    text = re.sub(r"Here's your report:.*?Shall I file it\?", "", unquoted(text), flags=re.S)
    if language == "es":
        text = _without_spanish_summary(text)
    return text


def _without_spanish_summary(text: str) -> str:
    """Drop a Spanish summary ("Su reporte: ... ¿Lo envío?") up to its closing question,
    whatever its exact words: from "reporte:"/"resumen:" to the last question's start."""
    start = re.search(r"(?:reporte|resumen|informe|solicitud)[^:\n?¿]{0,40}:", text, re.I)
    if not start:
        return text
    rest = text[start.end():]
    cut = rest.rfind("¿")
    if cut < 0:
        mark = rest.rfind("?")
        if mark < 0:
            return text
        cut = max(rest.rfind("\n", 0, mark), rest.rfind(". ", 0, mark)) + 1
    return text[:start.start()] + rest[cut:]


_CATALOG_NAMES: list[str] | None = None


def catalog_names() -> list[str]:
    """Every name config/catalog.yml gives (city, departments, services, groups, list
    values, referrals) in every language, longest first: a Spanish reply may quote them."""
    global _CATALOG_NAMES  # noqa: PLW0603 - read once per run
    if _CATALOG_NAMES is None:
        found: set[str] = set()

        def walk(node: Any) -> None:
            if isinstance(node, dict):
                for key, value in node.items():
                    if key in ("name", "group", "short_name"):
                        texts = value.values() if isinstance(value, dict) else [value]
                        found.update(str(t) for t in texts if isinstance(t, str) and t.strip())
                    walk(value)
            elif isinstance(node, list):
                for item in node:
                    walk(item)

        path = REPO / "config" / "catalog.yml"
        walk(yaml.safe_load(path.read_text()) if path.is_file() else {})
        _CATALOG_NAMES = sorted(found, key=len, reverse=True)
    return _CATALOG_NAMES


def english_sentences(text: str, keep_out: list[str] | tuple[str, ...] = ()) -> list[str]:
    """The sentences of a bot reply that read as English: two or more common English
    function words ("the", "your", "please", "is", "what", "we", "you"...) in one sentence.

    Quoted text, the resident's own messages (``keep_out``), catalog names, case numbers,
    emails and URLs are left out first: a Spanish reply may carry them as they are.
    """
    text = unquoted(text)
    for own in sorted((k.strip() for k in keep_out if k and k.strip()), key=len, reverse=True):
        text = text.replace(own, " ")
    text = re.sub(r"https?://\S+|www\.\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+", " ", text)
    for name in catalog_names():
        text = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", " ", text, flags=re.I)
    text = re.sub(r"#?\b(?:ATL(?:311)?-?)?\d[\d-]*\b", " ", text)
    flagged = []
    for sentence in re.split(r"[.!?¿¡;:\n]+", text):
        words = re.findall(r"[a-z]+(?:'[a-z]+)?", sentence.casefold().replace("’", "'"))
        if sum(1 for w in words if w in ENGLISH_WORDS) >= 2:
            flagged.append(" ".join(sentence.split()))
    return flagged


def status_forms(label: str, language: str) -> list[str]:
    """How a reply in ``language`` may name the case store's ``status_label``: the label,
    its translations in the apps' es catalogs when present, and the usual Spanish words."""
    forms = [label]
    if language == "es":
        forms += list(SPANISH_STATUS.get(label.casefold(), ()))
        for po in (REPO / "casestore" / "translations", REPO / "bot" / "actions" / "translations"):
            path = po / language / "LC_MESSAGES" / "messages.po"
            if not path.is_file():
                continue
            from babel.messages.pofile import read_po

            with path.open("rb") as handle:
                message = read_po(handle).get(label)
            if message is not None and isinstance(message.string, str) and message.string:
                forms.append(message.string)
    return forms


def unquoted(text: str) -> str:
    """The bot's own words: text it quotes back (the resident's description) left out."""
    return re.sub(r'"[^"]*"|“[^”]*”|«[^»]*»', '""', text)


def _norm(value: Any) -> Any:
    if isinstance(value, list):
        return sorted(str(v).casefold() for v in value)
    return str(value).casefold() if value is not None else None


# --- running ----------------------------------------------------------------------------------


def print_transcript(result: Result) -> None:
    print(f"--- {result.conv.name} ({result.conv.channel}, {result.conv.source})")
    for role, text in result.transcript:
        label = "  RESIDENT" if role == "resident" else "  BOT     "
        for i, line in enumerate(text.splitlines() or [""]):
            print(f"{label if i == 0 else ' ' * 10}: {line}")
    print(f"  => {result.category} {result.detail}".rstrip())


def report(results: list[Result], elapsed: float) -> None:
    def row(label: str, items: list[Result]) -> str:
        n = len(items)
        ok = sum(r.ok for r in items)
        filed = [r.turns for r in items if r.ok and r.conv.goal == "filed"]
        turns = [r.turns for r in items if r.ok]
        med = f"{statistics.median(filed):.1f}" if filed else "-"
        p90 = f"{percentile(filed, 0.9):.0f}" if filed else "-"
        all_med = f"{statistics.median(turns):.1f}" if turns else "-"
        return (f"{label:<14} {n:>4} {ok:>4} {ok / n if n else 0:>8.2f} {len(filed):>8} "
                f"{med:>12} {p90:>9} {all_med:>12}")

    header = (f"{'':<14} {'n':>4} {'ok':>4} {'success':>8} {'reports':>8} "
              f"{'report_med':>12} {'report_p90':>9} {'median_turns':>12}")
    print()
    print("per channel " + header[12:])
    for channel in CHANNELS:
        items = [r for r in results if r.conv.channel == channel]
        if items:
            print(row(channel, items))
    print(row("all", results))
    print()
    print("per outcome " + header[12:])
    for goal in OUTCOMES:
        items = [r for r in results if r.conv.goal == goal]
        if items:
            print(row(goal, items))
    languages = sorted({r.conv.language for r in results})
    if len(languages) > 1:
        print()
        print("per language" + header[12:])
        for language in languages:
            print(row(language, [r for r in results if r.conv.language == language]))
    failures = Counter(r.category for r in results if not r.ok)
    if failures:
        print()
        print("failures by category")
        for category, count in failures.most_common():
            names = ", ".join(r.conv.name for r in results
                              if not r.ok and r.category == category)
            print(f"  {count:>3}  {category}: {names}")
    n = len(results)
    ok = sum(r.ok for r in results)
    reports = [r for r in results if r.conv.goal == "filed"]
    filed = [r.turns for r in reports if r.ok]
    by_channel = {c: [r.ok for r in results if r.conv.channel == c] for c in CHANNELS}
    per_channel = " ".join(f"{c}={sum(oks) / len(oks):.2f}" for c, oks in by_channel.items() if oks)
    print()
    print(f"SUMMARY conversations={n} success={ok / n if n else 0:.2f} "
          f"reports={len(reports)} reports_filed_ok={len(filed)} "
          f"report_median_turns={statistics.median(filed) if filed else 'NA'} "
          f"report_p90_turns={percentile(filed, 0.9) if filed else 'NA'} "
          f"{per_channel} elapsed_s={elapsed:.0f}")


def run_all(conversations: list[Conversation], runner: Runner, parallel: int) -> list[Result]:
    # Conversations that use another conversation's case run after the others.
    later = [c for c in conversations if "{filed:" in yaml.safe_dump(
        {"t": c.turns, "a": c.answers, "e": c.expect})]
    first = [c for c in conversations if c not in later]
    results: dict[str, Result] = {}

    def one(conv: Conversation) -> None:
        result = runner.run(conv)
        results[conv.name] = result
        with runner.print_lock:
            if runner.verbose:
                print_transcript(result)
            mark = "ok  " if result.ok else "FAIL"
            print(f"{mark} {conv.channel:<8} {conv.goal:<9} turns={result.turns:<2} "
                  f"{result.seconds:5.1f}s {conv.name}"
                  + ("" if result.ok else f"  [{result.category}] "
                          f"{result.detail[:400 if result.category == LANGUAGE_FAILURE else 150]}"),
                  flush=True)

    import concurrent.futures as cf

    for batch in (first, later):
        if parallel <= 1:
            for conv in batch:
                one(conv)
        else:
            with cf.ThreadPoolExecutor(max_workers=parallel) as pool:
                list(pool.map(one, batch))
    return [results[c.name] for c in conversations]


def start_everything(args: argparse.Namespace, workdir: Path, cleanup: list) -> Any:
    """Start the stack, a provider recorder and the channels app; fill ``args``' URLs."""
    from channels_bench import start_channels

    import tests.fixtures.stack as stack_module
    from tests.fixtures.channels import ApiRecorder
    from tests.fixtures.stack import APPS_BIN, start_stack

    print("starting the stack (training if stale; Rasa takes about a minute to load)...",
          flush=True)
    real_subprocess = stack_module.subprocess
    if args.no_train:  # use models/atl311.tar.gz as it is, even if bin/train calls it stale
        def run(argv, *a, **kw):  # noqa: ANN001, ANN202
            if str(argv[0]).endswith("bin/train"):
                return subprocess.CompletedProcess(argv, 0)
            return real_subprocess.run(argv, *a, **kw)

        stack_module.subprocess = type("NoTrain", (), {
            "run": staticmethod(run), "Popen": subprocess.Popen,
            "STDOUT": subprocess.STDOUT, "DEVNULL": subprocess.DEVNULL,
            "TimeoutExpired": subprocess.TimeoutExpired,
            "CompletedProcess": subprocess.CompletedProcess})
    try:
        stack = start_stack(f"sqlite:///{workdir / 'cases.sqlite3'}",
                            f"sqlite:///{workdir / 'tracker.sqlite3'}", workdir)
    finally:
        stack_module.subprocess = real_subprocess
    cleanup.append(stack.stop)
    recorder = ApiRecorder()
    cleanup.append(recorder.close)
    # A staff token, so the evaluation can read requesters' emails and withdrawal requests.
    email = f"dialogue-eval-{uuid.uuid4().hex[:6]}@localhost"
    stack.create_staff(email, "admin", uuid.uuid4().hex, name="Dialogue Eval")
    token = subprocess.run([str(APPS_BIN / "flask"), "--app", "casestore", "staff-token", email],
                           cwd=REPO, env=stack._casestore_env, capture_output=True,  # noqa: SLF001
                           text=True, check=True, timeout=120).stdout.strip().splitlines()[-1]
    saved = dict(os.environ)
    os.environ.update({
        "TWILIO_ACCOUNT_SID": TWILIO_SID, "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
        "TWILIO_FROM_NUMBER": "+14045550000", "TWILIO_API_BASE_URL": recorder.url,
        "TELEGRAM_BOT_TOKEN": TELEGRAM_BOT_TOKEN, "TELEGRAM_SECRET_TOKEN": TELEGRAM_SECRET,
        "TELEGRAM_API_BASE_URL": recorder.url, "RETRY_POLL_SECONDS": "0.5",
        "CHANNELS_THREADS": os.environ.get("CHANNELS_THREADS", "4"),
    })
    try:
        process, url = start_channels(stack.rasa_url, stack.webhook_token, stack.casestore_url,
                                      stack.service_token, workdir)
    finally:
        os.environ.clear()
        os.environ.update(saved)

    def stop_channels() -> None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    cleanup.append(stop_channels)
    args.channels_url, args.casestore_url = url, stack.casestore_url
    args.service_token, args.staff_token = stack.service_token, token
    args.twilio_token, args.telegram_secret = TWILIO_TOKEN, TELEGRAM_SECRET
    args.public_base_url = url
    return recorder


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--start", action="store_true", help="start the whole stack here")
    parser.add_argument("--no-train", action="store_true",
                        help="with --start: skip bin/train, use models/atl311.tar.gz as it is")
    parser.add_argument("--keep-workdir", action="store_true",
                        help="with --start: keep the stack's temporary folder (its logs)")
    parser.add_argument("--scripts", default=str(REPO / "bench" / "dialogues"))
    parser.add_argument("--only", action="append", help="run this conversation (repeatable)")
    parser.add_argument("--channel", choices=CHANNELS)
    parser.add_argument("--verbose", action="store_true", help="print every transcript")
    parser.add_argument("--parallel", type=int, default=1, help="conversations at once")
    parser.add_argument("--channels-url")
    parser.add_argument("--casestore-url")
    parser.add_argument("--service-token", default=os.environ.get("CASESTORE_SERVICE_TOKEN", ""))
    parser.add_argument("--staff-token", default=os.environ.get("CASESTORE_STAFF_TOKEN", ""),
                        help="optional: lets the evaluation check emails and withdrawals")
    parser.add_argument("--twilio-token", default=os.environ.get("TWILIO_AUTH_TOKEN", ""))
    parser.add_argument("--telegram-secret", default=os.environ.get("TELEGRAM_SECRET_TOKEN", ""))
    parser.add_argument("--public-base-url", help="PUBLIC_BASE_URL of the channels app "
                        "(Twilio signatures); default --channels-url")
    parser.add_argument("--recorder-port", type=int,
                        help="serve the provider-API recorder on this port (the running "
                        "channels app's TELEGRAM_API_BASE_URL/TWILIO_API_BASE_URL)")
    args = parser.parse_args()

    conversations = load_scripts(Path(args.scripts))
    if args.only:
        conversations = [c for c in conversations if c.name in args.only]
    if args.channel:
        conversations = [c for c in conversations if c.channel == args.channel]
    if not conversations:
        print("no conversation matches", file=sys.stderr)
        return 2
    if not args.start and not (args.channels_url and args.casestore_url):
        parser.error("give --start, or --channels-url and --casestore-url")

    cleanup: list = []
    workdir = Path(tempfile.mkdtemp(prefix="dialogue-eval-"))
    started = time.monotonic()
    try:
        recorder = None
        if args.start:
            recorder = start_everything(args, workdir, cleanup)
        else:
            if not args.service_token and (REPO / "var" / "service_token").is_file():
                args.service_token = (REPO / "var" / "service_token").read_text().strip()
            if args.recorder_port:
                recorder = _recorder_on(args.recorder_port)
                cleanup.append(recorder.close)
        ready = time.monotonic()
        if args.start:
            print(f"stack ready in {ready - started:.0f} s; {len(conversations)} conversations",
                  flush=True)
        ctx = Context(args, recorder)
        runner = Runner(ctx, CaseStore(args.casestore_url, args.service_token, args.staff_token),
                        args.verbose)
        results = run_all(conversations, runner, args.parallel)
        print(f"\nconversations took {time.monotonic() - ready:.0f} s "
              f"(whole run {time.monotonic() - started:.0f} s)")
        report(results, time.monotonic() - started)
        return 0
    finally:
        for stop in reversed(cleanup):
            try:
                stop()
            except Exception as exc:  # noqa: BLE001 - keep stopping the rest
                print(f"cleanup: {type(exc).__name__}: {exc}", file=sys.stderr)
        if args.keep_workdir:
            print(f"the stack's process logs are in {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def _recorder_on(port: int) -> Any:
    """The tests' ApiRecorder, but on a fixed port a running channels app points at."""
    from http.server import ThreadingHTTPServer

    from tests.fixtures.channels import ApiRecorder

    recorder = ApiRecorder()
    handler = recorder.server.RequestHandlerClass
    recorder.close()
    recorder.server = ThreadingHTTPServer(("127.0.0.1", port), handler)
    recorder.url = f"http://127.0.0.1:{port}"
    threading.Thread(target=recorder.server.serve_forever, daemon=True).start()
    return recorder


if __name__ == "__main__":
    sys.exit(main())
