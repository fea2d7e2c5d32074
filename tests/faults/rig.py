"""The fault rig: the whole service under supervisord, steady traffic, faults in turn, a ledger.

Used by ``tests/faults/test_fault_suite.py`` (asserts the ledger) and
``bench/faults.py`` (prints it with the recovery times). Production profile
only: PostgreSQL for the case store, the channels inbox, the tracker store and
the action server's queue; a Redis server of its own (so stopping it disturbs
nobody else); a real SMTP server (aiosmtpd); the provider-API recorder behind
a proxy that can make Twilio's API hang.

``start_rig(workdir, admin_url)`` starts everything from the real Procfile
(``bin/supervisord-conf``, as ``bin/run``); ``run_suite(rig)`` runs the
traffic, applies every fault in ``FAULTS`` in turn, waits for the service to
drain and returns the ``Ledger``.

Traffic: one resident at a time per channel (web chat, signed SMS, signed
voice, Telegram), each filing a pothole report in a few turns, new resident
after new resident. Each provider is modelled as it behaves: the web chat
widget resends a failed message with the same id, waiting longer each time;
Twilio retries only a refused connection (not an error answer or a cut one) for
SMS and voice; a resident told to send a text again does; Telegram resends an
update until it gets a 2xx.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import hmac
import itertools
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import threading
import time
import urllib.parse
import uuid
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Protocol

import requests
import sqlalchemy as sa
from twilio.request_validator import RequestValidator

from casestore.notifier import notice_key
from tests.faults.supervised import REPO, Supervised, answers
from tests.fixtures.channels import ApiRecorder, TcpProxy
from tests.fixtures.database import create_postgres_database, drop_postgres_database
from tests.fixtures.envs import bin_dir
from tests.fixtures.smtp import SmtpServer
from tests.fixtures.stack import free_port

TWILIO_TOKEN = "fault-suite-twilio-token"
TWILIO_SID = "AC" + "f" * 32
TELEGRAM_TOKEN = "525252:FAULT-suite-token"
TELEGRAM_SECRET = "fault-suite-telegram-secret"
MESSENGER_PAGE_ID = "311000311"
MESSENGER_APP_SECRET = "fault-suite-messenger-secret"
# Every fault in turn: the processes (kill -9, supervisord restarts them), then the
# servers they depend on (each away for OUTAGE_SECONDS), then the providers.
PROCESS_FAULTS = ("rasa", "actions", "casestore", "notifier", "channels", "channels-internal")
SERVER_FAULTS = ("postgresql", "redis", "smtp", "twilio")
OUTAGE_SECONDS = 8.0
# How long a resident waits for the real answer after a holding reply before giving up
# (the app still owes it and the ledger still counts it).
PATIENCE_SECONDS = 150.0
# After the last fault, how long the service may take to deliver everything owed.
DRAIN_SECONDS = 150.0
HTTP_TIMEOUT = 40.0
# The widget's waits between resends of one message (channels/static/chat.js).
WIDGET_RESEND_WAITS = (1.0, 2.0, 4.0, 8.0, 15.0)
# While the channels database is down an SMS is answered "please send it again"
# (channels/outage.py); the resident does, a few seconds later.
SEND_AGAIN = "Please send it again"
RESIDENT_RESENDS = 6
RESIDENT_RESEND_WAIT = 3.0

CASE_NUMBER = re.compile(r"(?<![\d-])(\d{2})-?(\d{6})(?![\d-])")
HOLDING = re.compile(r"reply is on its way|assistant is unavailable|one moment please|"
                     r"still working on it|we kept what you said", re.I)
FILE_QUESTION = re.compile(r"shall i file|should i file|file it\?|ready to file|want me to file|"
                           r"submit (it|this)\?|send (it|this) to the city\?", re.I)
ANSWERS = [
    (FILE_QUESTION, "yes"),
    (re.compile(r"how big", re.I), "medium"),
    (re.compile(r"travel lane|where cars drive", re.I), "no"),
    (re.compile(r"did you mean|which (one|of these)|pick one|choose one", re.I), "pothole"),
    (re.compile(r"file a new one", re.I), "no, file a new one"),
]
# Each resident reports a different place: the same one twice would be offered as a duplicate.
OPENING = ("Pothole, medium sized, not in the travel lane, by the curb at {house} Cleveland Ave SW."
           " email me: {email}")
VOICE_OPENING = "there is a medium pothole by the curb at {house} Cleveland Ave SW, not in the lane"
FILED = re.compile(r"case number is|número de caso es", re.I)
_houses = itertools.count(101, 2)
MAX_TURNS = 7


# --- the pieces -----------------------------------------------------------------------------


class HangingProxy(TcpProxy):
    """A proxy in front of the recorder that can accept connections and never answer."""

    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self.hanging = False
        self.held: list[socket.socket] = []
        super().__init__(upstream_host, upstream_port)

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            if self.hanging:
                self.held.append(client)  # read nothing, answer nothing
                continue
            try:
                upstream = socket.create_connection(self.upstream, timeout=10)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._open.update((client, upstream))
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def release(self) -> int:
        """Stop hanging; drop the held connections (as a brown-out ends); return how many."""
        self.hanging = False
        held, self.held = self.held, []
        for conn in held:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
            conn.close()
        return len(held)


class RedisServer:
    """A redis-server of the rig's own on a fixed port (stopping it disturbs nobody else)."""

    def __init__(self, workdir: Path) -> None:
        self.port, self.workdir = free_port(), workdir
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait(lambda: _connects(self.port), 30, "redis-server")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)
            self.process = None


def _connects(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _wait(condition: Callable[[], Any], timeout: float, what: str) -> Any:
    """Poll ``condition`` until truthy; raise after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out waiting for {what}")
        time.sleep(0.25)


class Service(Protocol):
    """What residents, probes and the ledger need of a running service: the fault rig's
    ``Rig``, or the replica rig's cluster (tests/replicas/cluster.py)."""

    urls: dict[str, str]  # "channels": where residents' providers post
    databases: dict[str, str]  # "channels" (inbox), "cases" (cases, outbox)
    recorder: ApiRecorder  # Twilio's and Telegram's APIs
    smtp: SmtpServer


@dataclass
class Rig:
    """Everything the suite started, and how to reach it."""

    workdir: Path
    supervised: Supervised
    env: dict[str, str]
    urls: dict[str, str]
    databases: dict[str, str]
    admin: sa.engine.Engine
    recorder: ApiRecorder
    twilio: HangingProxy
    smtp: SmtpServer
    redis: RedisServer
    created: list[str] = field(default_factory=list)

    def health(self, name: str) -> bool:
        """Whether process ``name`` answers its own health check (notifier: it runs)."""
        checks = {
            "casestore": f"{self.urls['casestore']}/healthz",
            "channels": f"{self.urls['channels']}/healthz",
            "channels-internal": f"{self.urls['channels-internal']}/internal/healthz",
            "actions": f"{self.urls['actions']}/health",
            "rasa": f"{self.urls['rasa']}/status?token={self.env['RASA_AUTH_TOKEN']}",
        }
        if name not in checks:
            return self.supervised.pid(name) != 0
        return answers(checks[name])

    def stop(self) -> None:
        """Stop every process and server and drop the rig's databases."""
        with contextlib.suppress(Exception):
            self.supervised.stop()
        self.twilio.release()
        self.twilio.stop()
        self.recorder.close()
        self.smtp.stop()
        self.redis.stop()
        for name in self.created:
            with contextlib.suppress(Exception):
                drop_postgres_database(self.admin, name)
        self.admin.dispose()


def service_env(workdir: Path, databases: dict[str, str], urls: dict[str, str],
                redis_url: str, twilio_url: str, recorder_url: str,
                smtp_port: int) -> dict[str, str]:
    """The environment every process of a rig shares: fresh secrets, the databases
    (``cases``, ``channels``, ``tracker``, ``actions``), where each process reaches the
    others (``urls``: casestore, channels, channels-internal, rasa, actions), the
    providers' stand-ins (Twilio's API at ``twilio_url``, Telegram's and Messenger's at
    ``recorder_url``), and short polls and backoff caps so a run takes minutes.
    Ports and binds are the caller's."""
    tokens = {name: secrets.token_urlsafe(18) for name in
              ("CASESTORE_SERVICE_TOKEN", "CASESTORE_SECRET_KEY", "RASA_AUTH_TOKEN",
               "RASA_WEBHOOK_TOKEN", "CHANNELS_INTERNAL_TOKEN", "ACTIONS_CHANNELS_TOKEN")}
    drop = ("REDIS_URL", "DATABASE_URL", "TRACKER_STORE_URL", "CHANNELS_DATABASE_URL")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(tokens)
    env.update({
        "RASA_TELEMETRY_ENABLED": "false", "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        "RASA_RUNTIME_DIR": str(workdir),
        "DATABASE_URL": databases["cases"],
        "TRACKER_STORE_URL": databases["tracker"],
        "CHANNELS_DATABASE_URL": databases["channels"],
        "ACTIONS_DATABASE_URL": databases["actions"],
        "REDIS_URL": redis_url,
        "CASESTORE_URL": urls["casestore"],
        "CASESTORE_VAR_DIR": str(workdir / "casestore-var"),
        "CHANNELS_URL": urls["channels"],
        "CHANNELS_INTERNAL_URL": urls["channels-internal"],
        "RASA_URL": urls["rasa"],
        "ACTION_ENDPOINT_URL": f"{urls['actions']}/webhook",
        "PUBLIC_BASE_URL": urls["channels"],
        "TWILIO_ACCOUNT_SID": TWILIO_SID, "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
        "TWILIO_FROM_NUMBER": "+14045550000", "TWILIO_API_BASE_URL": twilio_url,
        "TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN, "TELEGRAM_SECRET_TOKEN": TELEGRAM_SECRET,
        "TELEGRAM_API_BASE_URL": recorder_url,
        "MESSENGER_PAGE_TOKEN": "fault-suite-page-token",
        "MESSENGER_APP_SECRET": MESSENGER_APP_SECRET,
        "MESSENGER_VERIFY_TOKEN": "fault-suite-verify-token",
        "MESSENGER_API_BASE_URL": recorder_url,
        "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp_port),
        "MAIL_FROM": "ATL311 <no-reply@atl311.example.org>",
        # Short polls and backoff caps so the run stays within minutes.
        "NOTIFIER_POLL_SECONDS": "0.5", "RETRY_POLL_SECONDS": "0.3",
        "RETRY_MAX_BACKOFF_SECONDS": "2", "RASA_DEADLINE_SECONDS": "10",
        # The backoff is capped at 2 s instead of 300 s: the attempts before a dead letter
        # are raised to match, so a message still has minutes (not 20 s) of retries, as
        # it has with the defaults (10 attempts over about a quarter of an hour).
        "INBOX_MAX_ATTEMPTS": "200",
        "PENDING_POLL_SECONDS": "0.5", "PENDING_RETRY_SECONDS": "1",
        "CASESTORE_LOOKUP_RATE_LIMIT": "10000 per minute",
        "CASESTORE_OPEN311_LIST_RATE_LIMIT": "10000 per minute",
        "WEBCHAT_RATE_LIMIT": "10000 per minute",
        "LIVECHAT_HOURS": "daily 00:00-24:00",
        "SESSION_COOKIE_SECURE": "false", "CHANNELS_COOKIE_SECURE": "false",
    })
    return env


def start_rig(workdir: Path, admin_url: str) -> Rig:
    """Start the whole service from the Procfile on fresh PostgreSQL databases."""
    model = REPO / "models" / "atl311.tar.gz"
    if not model.exists():
        raise RuntimeError("no trained model: run bin/train first")
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT", future=True)
    run_id = uuid.uuid4().hex[:8]
    created, databases = [], {}
    for label in ("cases", "channels", "tracker", "actions"):
        name = f"atl311_faults_{run_id}_{label}"
        databases[label] = create_postgres_database(admin, name)
        created.append(name)
    recorder = ApiRecorder()
    recorder_port = int(urllib.parse.urlsplit(recorder.url).port)
    twilio = HangingProxy("127.0.0.1", recorder_port)
    smtp = SmtpServer()
    smtp.start()
    redis = RedisServer(workdir)
    redis.start()
    ports = {name: free_port() for name in
             ("casestore", "channels", "channels-internal", "actions", "rasa")}
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    env = service_env(workdir, databases, urls, redis.url, twilio.url, recorder.url, smtp.port)
    env.update({
        "BIND_HOST": "127.0.0.1",
        "CASESTORE_PORT": str(ports["casestore"]), "CASESTORE_WORKERS": "2",
        "CHANNELS_PORT": str(ports["channels"]), "CHANNELS_THREADS": "8",
        "CHANNELS_INTERNAL_HOST": "127.0.0.1",
        "CHANNELS_INTERNAL_PORT": str(ports["channels-internal"]),
        "ACTIONS_HOST": "127.0.0.1", "ACTIONS_PORT": str(ports["actions"]),
        "RASA_HOST": "127.0.0.1", "RASA_PORT": str(ports["rasa"]),
    })
    subprocess.run([str(bin_dir("apps") / "flask"), "--app", "casestore", "init"], cwd=REPO,
                   env=env, check=True, capture_output=True, timeout=180)
    supervised = Supervised(workdir, env)
    rig = Rig(workdir, supervised, env, urls, databases, admin, recorder, twilio, smtp, redis,
              created)
    try:
        for name in ("casestore", "channels", "channels-internal", "actions", "rasa",
                     "notifier"):
            _wait(lambda n=name: supervised._alive() and rig.health(n), 400, name)
    except BaseException:
        rig.stop()
        raise
    return rig


# --- residents ------------------------------------------------------------------------------


@dataclass
class Sent:
    """One message a resident's provider delivered (or tried to) to a webhook."""

    channel: str
    provider_id: str
    sender: str
    text: str
    phase: str = "steady"  # the fault under way when it was sent
    accepted: bool = False  # the webhook answered 2xx (at some attempt)
    heard: bool = False  # the resident saw a real (not holding) reply to it
    sent_at: float = 0.0  # time.monotonic() when the resident sent it
    heard_at: float | None = None  # time.monotonic() when the real reply reached them
    failure: str = ""  # how the last failed attempt failed (status or error, and when)


@dataclass
class Conversation:
    channel: str
    sender: str
    confirm_ids: list[str] = field(default_factory=list)
    number: str | None = None
    outcome: str = "running"
    phase: str = "steady"
    transcript: list[tuple[str, str | None]] = field(default_factory=list)


class Resident:
    """One conversation on one channel; ``say`` returns the real reply text or None."""

    def __init__(self, rig: Service, channel: str, traffic: Traffic) -> None:
        self.rig, self.channel, self.traffic = rig, channel, traffic
        self.stop = traffic.stop
        self.url = rig.urls["channels"]
        self.http = requests.Session()
        ident = uuid.uuid4().hex
        # Letters only: digits in the address could read as a case number.
        self.email = "fault-" + "".join(chr(97 + int(c, 16)) for c in ident[:10]) + \
            "@example.org"
        self.number = f"+1404{int(ident[:8], 16) % 10_000_000:07d}"
        self.chat_id = 800_000_000 + int(ident[:8], 16) % 100_000_000
        self.session_id = f"faults{ident[:20]}"
        self.house = next(_houses)
        self.call_sid = "CA" + ident
        self.psid = str(7_000_000_000_000_000 + int(ident[:14], 16) % 10**15)
        self.sender = {"webchat": f"webchat:{self.session_id}", "sms": f"sms:{self.number}",
                       "telegram": f"telegram:{self.chat_id}",
                       "voice": f"voice:{self.call_sid}",
                       "messenger": f"messenger:{self.psid}"}[channel]
        self.action: str | None = None
        self.last_entry = 0
        self.message_no = 0
        self.buttons: list[dict[str, str]] = []

    def record(self, provider_id: str, text: str) -> Sent:
        item = Sent(self.channel, provider_id, self.sender, text, self.traffic.phase,
                    sent_at=time.monotonic())
        with self.traffic.lock:
            self.traffic.sent.append(item)
        return item

    def opening(self) -> str:
        if self.channel == "voice":
            return VOICE_OPENING.format(house=self.house)
        return OPENING.format(house=self.house, email=self.email)

    def start(self) -> bool:
        if self.channel != "voice":
            return True
        try:
            twiml = self._signed("/voice", self._voice_params())
        except requests.RequestException:
            return False
        root = ET.fromstring(twiml)  # noqa: S314 - TwiML from our own channels app
        gather = root.find("Gather")
        self.action = gather.get("action") if gather is not None else None
        return self.action is not None

    def say(self, text: str) -> tuple[Sent, str | None]:
        return getattr(self, f"_say_{self.channel}")(text)

    # web chat: the widget resends with the same message id, then waits for late lines.
    def _say_webchat(self, text: str) -> tuple[Sent, str | None]:
        message_id = uuid.uuid4().hex
        item = self.record(message_id, text)
        body = {"session_id": self.session_id, "message_id": message_id, "text": text}
        data = None
        for wait in (*WIDGET_RESEND_WAITS, None):
            try:
                response = self.http.post(f"{self.url}/webchat/messages", json=body,
                                          timeout=HTTP_TIMEOUT)
                if response.ok:
                    data = response.json()
                    break
            except requests.RequestException:
                pass
            if wait is not None:
                time.sleep(wait)  # the widget's own resend pace, not a synchronisation
        if data is None:
            return item, None
        item.accepted = True
        self.last_entry = max(self.last_entry, data.get("last_entry_id") or 0)
        texts = [m.get("text", "") for m in data.get("messages") or []]
        if data.get("pending") or HOLDING.search(" ".join(texts)):
            texts = self._late_webchat()
        return item, "\n".join(texts) if texts else None

    def _late_webchat(self) -> list[str]:
        return self._poll(self._new_webchat_answers)

    def _new_webchat_answers(self) -> list[str]:
        """The assistant's real answers in the transcript since the last entry seen."""
        try:
            entries = self.http.get(f"{self.url}/webchat/messages", timeout=HTTP_TIMEOUT,
                                    params={"session_id": self.session_id,
                                            "after": self.last_entry}).json()["entries"]
        except (requests.RequestException, ValueError, KeyError):
            entries = []
        for entry in entries:
            self.last_entry = max(self.last_entry, entry.get("id") or 0)
        return [e["text"] for e in entries
                if e.get("role") == "assistant" and not HOLDING.search(e.get("text", ""))]

    # SMS: Twilio retries a refused connection only; late replies come through its API.
    # Asked to send it again (the channels database was down), the resident does.
    def _say_sms(self, text: str) -> tuple[Sent, str | None]:
        for _ in range(RESIDENT_RESENDS):
            item, said = self._send_sms(text)
            if said is None or SEND_AGAIN not in said:
                return item, said
            time.sleep(RESIDENT_RESEND_WAIT)  # a resident's pace, not a synchronisation
        return item, said

    def _send_sms(self, text: str) -> tuple[Sent, str | None]:
        sid = "SM" + uuid.uuid4().hex
        item = self.record(sid, text)
        params = {"From": self.number, "To": "+14045550000", "Body": text, "MessageSid": sid,
                  "AccountSid": TWILIO_SID, "NumMedia": "0"}
        before = len(self._api_texts())
        twiml = self._twilio_post("/sms", params, item)
        if twiml is None:
            return item, None
        item.accepted = True
        root = ET.fromstring(twiml)  # noqa: S314 - TwiML from our own channels app
        bodies = [b.text or "" for b in root.iter("Body")] or \
                 [m.text or "" for m in root.iter("Message")]
        said = "\n".join(t for t in bodies if t.strip())
        if said and not HOLDING.search(said):
            return item, said
        late = self._poll(lambda: [t for t in self._api_texts()[before:]
                                   if not HOLDING.search(t) and "we received case" not in t])
        return item, "\n".join(late) if late else None

    def _api_texts(self) -> list[str]:
        return [r.form.get("Body", [""])[0] for r in self.rig.recorder.calls("/Messages.json")
                if r.form.get("To", [""])[0] == self.number]

    # Telegram resends an update until it gets a 2xx; replies come through the Bot API.
    def _say_telegram(self, text: str) -> tuple[Sent, str | None]:
        self.message_no += 1
        update_id = int(uuid.uuid4().int % 2_000_000_000)
        item = self.record(str(update_id), text)
        chat = {"id": self.chat_id, "type": "private", "first_name": "Resident"}
        update = {"update_id": update_id, "message": {
            "message_id": self.message_no, "date": int(time.time()), "chat": chat,
            "from": {"id": self.chat_id, "is_bot": False, "first_name": "Resident"},
            "text": text}}
        return self._redeliver(item, lambda: requests.post(
            f"{self.url}/telegram", json=update, timeout=HTTP_TIMEOUT,
            headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}), self._bot_texts)

    def _redeliver(self, item: Sent, post: Callable[[], requests.Response],
                   texts: Callable[[], list[str]]) -> tuple[Sent, str | None]:
        """Post as a provider redelivers (until a 2xx, once a second, for PATIENCE_SECONDS),
        then wait for the real reply among ``texts()`` (Telegram's and Meta's way)."""
        before = len(texts())
        deadline = time.monotonic() + PATIENCE_SECONDS
        while True:
            try:
                if post().ok:
                    item.accepted = True
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                break
            time.sleep(1.0)  # the provider's own redelivery pace, not a synchronisation
        if not item.accepted:
            return item, None
        late = self._poll(lambda: [t for t in texts()[before:]
                                   if not HOLDING.search(t) and "we received case" not in t])
        return item, "\n".join(late) if late else None

    def _bot_texts(self) -> list[str]:
        return [str(r.params.get("text", "")) for r in self.rig.recorder.calls("/sendMessage")
                if str(r.params.get("chat_id")) == str(self.chat_id)]

    # Messenger: Meta redelivers a page event until it gets a 2xx; replies come through
    # the Send API.
    def _say_messenger(self, text: str) -> tuple[Sent, str | None]:
        mid = "m_" + uuid.uuid4().hex
        item = self.record(mid, text)
        now = int(time.time() * 1000)
        raw = json.dumps({"object": "page", "entry": [{"id": MESSENGER_PAGE_ID, "time": now,
                          "messaging": [{"sender": {"id": self.psid},
                                         "recipient": {"id": MESSENGER_PAGE_ID},
                                         "timestamp": now,
                                         "message": {"mid": mid, "text": text}}]}]}).encode()
        signature = "sha256=" + hmac.new(MESSENGER_APP_SECRET.encode(), raw,
                                         hashlib.sha256).hexdigest()
        return self._redeliver(item, lambda: requests.post(
            f"{self.url}/messenger", data=raw, timeout=HTTP_TIMEOUT,
            headers={"Content-Type": "application/json", "X-Hub-Signature-256": signature}),
            self._page_texts)

    def _page_texts(self) -> list[str]:
        return [text for psid, text in messenger_sends(self.rig.recorder) if psid == self.psid]

    # Voice: what the caller hears in the call; a failed webhook ends the call.
    def _say_voice(self, text: str) -> tuple[Sent, str | None]:
        action = self.action or "/voice/gather?turn=1"
        turn = urllib.parse.parse_qs(urllib.parse.urlsplit(action).query).get("turn", ["1"])[0]
        item = self.record(f"{self.call_sid}:{turn}", text)
        said: list[str] = []
        path, params = action, self._voice_params(SpeechResult=text, Confidence="0.92")
        for _ in range(12):
            twiml = self._twilio_post(path, params, item)
            if twiml is None:
                self.action = None
                return item, None
            item.accepted = True
            root = ET.fromstring(twiml)  # noqa: S314 - TwiML from our own channels app
            said += [s.text or "" for s in root.iter("Say")]
            gather = root.find("Gather")
            if gather is not None:
                self.action = gather.get("action")
                break
            redirect = root.find("Redirect")
            if redirect is None or "/voice/wait" not in (redirect.text or ""):
                self.action = None
                break
            path, params = redirect.text.strip(), self._voice_params()
        real = [s for s in said if s.strip() and not HOLDING.search(s)]
        return item, "\n".join(real) if real else None

    def _voice_params(self, **extra: str) -> dict[str, str]:
        return {"CallSid": self.call_sid, "AccountSid": TWILIO_SID, "From": self.number,
                "To": "+14045460311", "CallStatus": "in-progress", **extra}

    def _signed(self, path: str, params: dict[str, str]) -> str:
        signature = RequestValidator(TWILIO_TOKEN).compute_signature(self.url + path, params)
        response = requests.post(self.url + path, data=params, timeout=HTTP_TIMEOUT,
                                 headers={"X-Twilio-Signature": signature})
        response.raise_for_status()
        return response.text

    def _twilio_post(self, path: str, params: dict[str, str], item: Sent) -> str | None:
        """Twilio's way: retry a refused connection (a few times), never an answered error.
        A failure is noted on ``item`` (status or error, seconds after sending), so a lost
        message in the ledger says what the provider got."""
        for _ in range(3):
            try:
                return self._signed(path, params)
            except requests.ConnectionError as exc:
                item.failure = self._failure(type(exc).__name__, item)
                if "refused" not in str(exc).lower():
                    return None
            except requests.HTTPError as exc:
                item.failure = self._failure(f"HTTP {exc.response.status_code}", item)
                return None
            except requests.RequestException as exc:
                item.failure = self._failure(type(exc).__name__, item)
                return None
        return None

    @staticmethod
    def _failure(what: str, item: Sent) -> str:
        return f"{what} at {time.monotonic() - item.sent_at:.1f} s"

    def _poll(self, found: Callable[[], list[str]]) -> list[str]:
        """``found()`` once it is not empty, or [] when the resident's patience runs out."""
        try:
            return _wait(found, PATIENCE_SECONDS, "a reply")
        except TimeoutError:
            return []


def messenger_sends(recorder: ApiRecorder) -> list[tuple[str, str]]:
    """(PSID, text) of every Send API call the recorder received, in order."""
    sends = []
    for call in recorder.calls("/me/messages"):
        body = call.json or {}
        sends.append((str((body.get("recipient") or {}).get("id")),
                      str((body.get("message") or {}).get("text", ""))))
    return sends


def answer_for(reply: str) -> str:
    """What the resident says to the assistant's last reply."""
    for pattern, answer in ANSWERS:
        if pattern.search(reply):
            return answer
    return "skip"


def converse(resident: Resident, conversation: Conversation) -> None:
    """Run one report conversation to its case number (or until it cannot go on)."""
    if not resident.start():
        conversation.outcome = "call failed"
        return
    text = resident.opening()
    for _ in range(MAX_TURNS):
        if resident.stop.is_set():  # the run is ending: residents start nothing new
            conversation.outcome = "stopped"
            return
        item, reply = resident.say(text)
        conversation.transcript.append((text, reply))
        if text == "yes":
            conversation.confirm_ids.append(item.provider_id)
        if reply is None:
            conversation.outcome = "no answer"
            return
        item.heard, item.heard_at = True, time.monotonic()
        match = CASE_NUMBER.search(reply)
        if match and FILED.search(reply):
            conversation.number = "".join(match.groups())
            conversation.outcome = "filed"
            return
        text = answer_for(reply)
        if resident.channel == "voice" and resident.action is None:
            conversation.outcome = "call ended"
            return
    conversation.outcome = "too many turns"


class Traffic:
    """A steady mix: ``per_channel`` residents at a time on each of ``channels`` (one on
    each of ``CHANNELS`` by default; "messenger" can be added), new after new, until
    stopped."""

    CHANNELS = ("webchat", "sms", "voice", "telegram")

    def __init__(self, rig: Service, per_channel: int = 1,
                 channels: tuple[str, ...] = CHANNELS) -> None:
        self.rig = rig
        self.channels = channels
        self.sent: list[Sent] = []
        self.conversations: list[Conversation] = []
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.phase = "steady"
        self.threads = [threading.Thread(target=self._loop, args=(c,), daemon=True)
                        for c in channels for _ in range(per_channel)]

    def _loop(self, channel: str) -> None:
        while not self.stop.is_set():
            resident = Resident(self.rig, channel, self)
            conversation = Conversation(channel, resident.sender, phase=self.phase)
            with self.lock:
                self.conversations.append(conversation)
            try:
                converse(resident, conversation)
            except Exception as exc:  # noqa: BLE001 - a harness slip must not stop the traffic
                conversation.outcome = f"harness error {type(exc).__name__}"
            if conversation.outcome != "filed":
                # A caller whose call failed tries again a little later, not in a tight loop.
                self.stop.wait(1.0)

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def finish(self, timeout: float) -> None:
        """Start no new conversation; let the running ones end (within ``timeout``)."""
        self.stop.set()
        deadline = time.monotonic() + timeout
        for thread in self.threads:
            thread.join(max(0.1, deadline - time.monotonic()))


# --- faults ---------------------------------------------------------------------------------


@dataclass
class FaultResult:
    name: str
    how: str
    back_seconds: float | None = None  # the process answers / the server is back
    service_seconds: float | None = None  # a web chat turn through everything is answered
    note: str = ""
    started_at: dt.datetime | None = None  # UTC, naive like the inbox's columns
    ended_at: dt.datetime | None = None
    backlog_seconds: float | None = None  # every message received meanwhile is answered


def probe_turn(rig: Service) -> bool:
    """One web chat turn through channels, Rasa and the actions: a real reply?"""
    session_id = f"probe{uuid.uuid4().hex[:20]}"
    try:
        response = requests.post(f"{rig.urls['channels']}/webchat/messages", timeout=15,
                                 json={"session_id": session_id, "text": "hello",
                                       "message_id": uuid.uuid4().hex})
        data = response.json()
    except (requests.RequestException, ValueError):
        return False
    texts = " ".join(m.get("text", "") for m in data.get("messages") or [])
    return response.ok and not data.get("pending") and bool(texts) and not HOLDING.search(texts)


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def _since(start: float) -> float:
    return round(time.monotonic() - start, 1)


def kill_process(rig: Rig, name: str) -> FaultResult:
    """kill -9 one process; time until it answers again and until the service does."""
    result = FaultResult(name, "kill -9, restarted by supervisord")
    old = rig.supervised.kill9(name)
    start = time.monotonic()
    rig.supervised.wait_running(name, timeout=120, other_than=old)
    _wait(lambda: rig.health(name), 400, f"{name} healthy again")
    result.back_seconds = _since(start)
    _wait(lambda: probe_turn(rig), 400, "a web chat turn after the restart")
    result.service_seconds = _since(start)
    return result


def _databases_of(rig: Rig) -> list[str]:
    return [sa.engine.make_url(url).database for url in rig.databases.values()]


def postgresql_outage(rig: Rig) -> FaultResult:
    """The rig's databases refuse connections and lose every backend for OUTAGE_SECONDS.

    The server itself is shared with other test runs on this machine, so it is
    not restarted: its effect on this service (every connection cut, none
    accepted for a while) is made per database instead.
    """
    result = FaultResult("postgresql", f"all backends terminated, connections refused "
                                       f"{OUTAGE_SECONDS:.0f} s")
    names = _databases_of(rig)
    start = time.monotonic()
    with rig.admin.connect() as conn:
        for name in names:
            conn.execute(sa.text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
        for name in names:
            conn.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                 "WHERE datname = :n AND pid <> pg_backend_pid()"), {"n": name})
    time.sleep(OUTAGE_SECONDS)  # the outage's length, not a synchronisation
    with rig.admin.connect() as conn:
        for name in names:
            conn.execute(sa.text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
    restored = time.monotonic()
    result.back_seconds = 0.0
    _wait(lambda: probe_turn(rig), 300, "a web chat turn after PostgreSQL")
    result.service_seconds = _since(restored)
    result.note = f"outage started {restored - start:.0f} s before"
    return result


def redis_outage(rig: Rig) -> FaultResult:
    """The rig's own Redis stops for OUTAGE_SECONDS and starts again empty."""
    result = FaultResult("redis", f"redis-server stopped {OUTAGE_SECONDS:.0f} s, restarted empty")
    rig.redis.stop()
    time.sleep(OUTAGE_SECONDS)  # the outage's length
    rig.redis.start()
    restored = time.monotonic()
    result.back_seconds = 0.0
    _wait(lambda: probe_turn(rig), 300, "a web chat turn after Redis")
    result.service_seconds = _since(restored)
    return result


def smtp_outage(rig: Rig) -> FaultResult:
    """The SMTP server stops for OUTAGE_SECONDS; time from its return to the next mail."""
    result = FaultResult("smtp", f"SMTP server stopped {OUTAGE_SECONDS:.0f} s")
    rig.smtp.stop()
    time.sleep(OUTAGE_SECONDS)  # the outage's length
    before = len(rig.smtp.inbox.messages)
    rig.smtp.start()
    restored = time.monotonic()
    result.back_seconds = 0.0
    try:
        _wait(lambda: len(rig.smtp.inbox.messages) > before, 240, "an email after SMTP")
        result.service_seconds = _since(restored)
    except TimeoutError:
        result.note = "no email delivered within 240 s of the SMTP server's return"
    return result


def twilio_hang(rig: Rig) -> FaultResult:
    """Twilio's API accepts connections and never answers for OUTAGE_SECONDS."""
    result = FaultResult("twilio", f"API accepts and never answers {OUTAGE_SECONDS:.0f} s")
    rig.twilio.hanging = True
    time.sleep(OUTAGE_SECONDS)  # the brown-out's length
    held = rig.twilio.release()
    before = len(rig.recorder.calls("/Messages.json"))
    restored = time.monotonic()
    result.back_seconds = 0.0
    result.note = f"{held} requests held unanswered"
    try:
        _wait(lambda: len(rig.recorder.calls("/Messages.json")) > before, 240,
              "an SMS through the API after the hang")
        result.service_seconds = _since(restored)
    except TimeoutError:
        result.note += "; no SMS sent within 240 s after the hang ended"
    _wait(lambda: probe_turn(rig), 300, "a web chat turn after the Twilio hang")
    return result


SERVER_FAULT_ACTIONS = {"postgresql": postgresql_outage, "redis": redis_outage,
                        "smtp": smtp_outage, "twilio": twilio_hang}


# --- the ledger -----------------------------------------------------------------------------


@dataclass
class Ledger:
    """What happened to every message, report and notice (see ``lines()``)."""

    inbound: Counter = field(default_factory=Counter)
    by_channel: dict[str, Counter] = field(default_factory=dict)
    reports: Counter = field(default_factory=Counter)
    notices: Counter = field(default_factory=Counter)
    faults: list[FaultResult] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # residents' view; not ledger failures
    conversations: Counter = field(default_factory=Counter)
    # Per conversation, its messages as Rasa's tracker holds them (the replica rig's
    # check, tests/replicas/cluster.py): "in order", or what went wrong.
    turns: Counter = field(default_factory=Counter)
    seconds: float = 0.0

    @property
    def lost(self) -> int:
        return self.inbound["lost"] + self.inbound["unanswered"] + self.reports["missing"] + \
            self.notices["undelivered"] + self.notices["missing"]

    @property
    def doubled(self) -> int:
        return self.reports["doubled"] + self.notices["doubled"]

    def lines(self) -> list[str]:
        """The ledger as printed by bench/faults.py."""
        out = ["inbound messages (by channel):"]
        for channel, counts in sorted(self.by_channel.items()):
            out.append(f"  {channel:<9} " + "  ".join(f"{k} {v}" for k, v in sorted(
                counts.items())))
        out.append("  all       " + "  ".join(f"{k} {v}" for k, v in sorted(
            self.inbound.items())))
        out.append("conversations: " + "  ".join(f"{k} {v}" for k, v in sorted(
            self.conversations.items())))
        out.append("confirmed reports: " + "  ".join(f"{k} {v}" for k, v in sorted(
            self.reports.items())))
        out.append("notices: " + "  ".join(f"{k} {v}" for k, v in sorted(
            self.notices.items())))
        if self.turns:
            out.append("turns in Rasa's tracker (conversations): " + "  ".join(
                f"{k} {v}" for k, v in sorted(self.turns.items())))
        out.append(f"{'fault':<18} {'how':<58} {'back s':>7} {'service s':>9} "
                   f"{'backlog s':>9}")
        for f in self.faults:
            back, service, backlog = ("-" if v is None else f"{v:.1f}" for v in (
                f.back_seconds, f.service_seconds, f.backlog_seconds))
            out.append(f"{f.name:<18} {f.how:<58} {back:>7} {service:>9} {backlog:>9}"
                       + (f"  ({f.note})" if f.note else ""))
        out += [f"problem: {p}" for p in self.problems]
        out += [f"note: {n}" for n in self.notes]
        return out


def _rows(url: str, query: str) -> list[Any]:
    engine = sa.create_engine(url, future=True)
    try:
        with engine.connect() as conn:
            return list(conn.execute(sa.text(query)))
    finally:
        engine.dispose()


def _owed(rig: Service) -> int:
    inbox = _rows(rig.databases["channels"],
                  "SELECT count(*) FROM inbox_messages WHERE status NOT IN ('done', 'dead')")
    outbox = _rows(rig.databases["cases"], "SELECT count(*) FROM outbox WHERE status='pending'")
    return inbox[0][0] + outbox[0][0]


def drain(rig: Service, timeout: float = DRAIN_SECONDS) -> bool:
    """Wait until nothing is owed (inbox answered, outbox sent or dead); True if it happened."""
    try:
        _wait(lambda: _owed(rig) == 0, timeout, "the service to deliver everything owed")
        return True
    except TimeoutError:
        return False


def build_ledger(rig: Service, traffic: Traffic, faults: list[FaultResult]) -> Ledger:
    """Compare what residents sent and confirmed with what the service stored, filed, sent."""
    ledger = Ledger(faults=faults)
    # The inbox may scope a provider's id (web chat: "<session>:<id>", Telegram:
    # "<chat>:<update>"): a row is the message's when its id is the id or ends with ":<id>".
    inbox: dict[tuple[str, str], tuple[str, str | None]] = {}
    for row in _rows(rig.databases["channels"],
                     "SELECT channel, provider_id, status, last_error FROM inbox_messages"):
        state = (row.status, row.last_error)
        inbox[(row.channel, row.provider_id)] = state
        inbox.setdefault((row.channel, row.provider_id.rsplit(":", 1)[-1]), state)
    seen: set[tuple[str, str]] = set()
    for item in traffic.sent:
        key = (item.channel, item.provider_id)
        if key in seen:
            continue
        seen.add(key)
        counts = ledger.by_channel.setdefault(item.channel, Counter())
        counts["sent"] += 1
        ledger.inbound["sent"] += 1
        state = inbox.get(key)
        if state is None:
            outcome = "lost"
            ledger.problems.append(
                f"{item.channel} message never stored (during {item.phase}; the webhook "
                f"{'accepted' if item.accepted else 'failed and the provider did not retry'}"
                f"{': ' + item.failure if item.failure and not item.accepted else ''})")
        elif state[0] == "done":
            outcome = "answered"
        elif state[0] == "dead":
            outcome = "dead-lettered"
            ledger.problems.append(f"{item.channel} message dead-lettered (sent during "
                                   f"{item.phase}): {state[1]}")
        else:
            outcome = "unanswered"
            ledger.problems.append(f"{item.channel} message left {state[0]} (sent during "
                                   f"{item.phase}): {state[1]}")
        counts[outcome] += 1
        ledger.inbound[outcome] += 1
    stored_ids = set(inbox)
    ledger.conversations.update(f"{c.channel} {c.outcome}" for c in traffic.conversations)
    cases = Counter(r[0] for r in _rows(
        rig.databases["cases"], "SELECT requester_address FROM cases"))
    for conversation in traffic.conversations:
        confirmed = any((conversation.channel, pid) in stored_ids
                        for pid in conversation.confirm_ids)
        filed = cases.get(conversation.sender, 0)
        if confirmed:
            ledger.reports["confirmed"] += 1
            kind = {0: "missing", 1: "filed once"}.get(filed, "doubled")
            ledger.reports[kind] += 1
            if kind != "filed once":
                yes = next((s for s in traffic.sent if s.provider_id in conversation.confirm_ids),
                           None)
                ledger.problems.append(
                    f"{conversation.channel} report confirmed during "
                    f"{yes.phase if yes else '?'}, filed {filed} times "
                    f"(resident's view: {conversation.outcome}; last reply: "
                    f"{(conversation.transcript or [('', '')])[-1][1]!r:.160})")
        elif filed:
            ledger.reports["filed unconfirmed"] += 1
            ledger.problems.append(f"{conversation.channel} report filed without a stored yes")
    for conversation in traffic.conversations:
        if conversation.outcome not in ("filed", "stopped"):
            said, reply = (conversation.transcript or [("(nothing yet)", None)])[-1]
            ledger.notes.append(f"{conversation.channel} conversation begun during "
                                f"{conversation.phase} ended '{conversation.outcome}' after "
                                f"{said!r:.40} -> {reply!r:.80}")
    _notice_ledger(rig, ledger)
    done = _rows(rig.databases["channels"],
                 "SELECT created_at, done_at FROM inbox_messages WHERE done_at IS NOT NULL")
    for fault in faults:
        if fault.started_at is None:
            continue
        during = [d for c, d in done if fault.started_at <= c <= fault.ended_at]
        if during:
            fault.backlog_seconds = round((max(during) - fault.started_at).total_seconds(), 1)
    return ledger


def _notice_ledger(rig: Service, ledger: Ledger) -> None:
    rows = _rows(rig.databases["cases"],
                 "SELECT o.transport, o.recipient, o.status, o.last_error, c.number, "
                 "o.attempts, o.next_attempt_at, o.id, o.dedupe_key "
                 "FROM outbox o JOIN cases c ON c.id = o.case_id WHERE o.event = 'opened'")
    # How often the channels app sent a notice again after taking over the claim of a
    # sender killed mid-send (channels/deliveries.py: at least once across a crash).
    resends = dict(_rows(rig.databases["channels"],
                         "SELECT dedupe_key, resends FROM notice_deliveries"))
    mails = []  # (recipient, subject and text) of every email received
    for message in rig.smtp.inbox.messages:
        parts = [str(message.get("Subject", ""))]
        parts += [p.get_content() for p in message.walk() if p.get_content_type() == "text/plain"]
        mails.append((str(message.get("To", "")), "\n".join(parts)))
    sms = Counter((r.form.get("To", [""])[0], r.form.get("Body", [""])[0])
                  for r in rig.recorder.calls("/Messages.json"))
    bot = Counter((str(r.params.get("chat_id")), str(r.params.get("text", "")))
                  for r in rig.recorder.calls("/sendMessage"))
    page = Counter(messenger_sends(rig.recorder))
    for transport, recipient, status, error, number, attempts, due, row_id, key in rows:
        shown = f"{number[:2]}-{number[2:]}"
        if transport == "email":
            delivered = sum(1 for to, text in mails if to == recipient and shown in text)
        elif transport in ("sms", "whatsapp"):
            to = recipient.split(":", 1)[1]
            delivered = sum(n for (dest, body), n in sms.items()
                            if dest == to and f"we received case {shown}" in body)
        elif transport == "telegram":
            chat = recipient.split(":", 1)[1]
            delivered = sum(n for (dest, text), n in bot.items()
                            if dest == chat and f"we received case {shown}" in text)
        elif transport == "messenger":
            psid = recipient.split(":", 1)[1]
            delivered = sum(n for (dest, text), n in page.items()
                            if dest == psid and f"we received case {shown}" in text)
        else:
            delivered = 0
        ledger.notices["queued"] += 1
        if status == "dead":
            ledger.notices["dead-lettered"] += 1
        elif status != "sent":
            ledger.notices["undelivered"] += 1
            ledger.problems.append(f"{transport} notice left {status} after {attempts} "
                                   f"attempts, next attempt {due}: {error}")
        elif delivered == 1:
            ledger.notices["delivered once"] += 1
        elif delivered == 0:
            ledger.notices["missing"] += 1
            ledger.problems.append(f"{transport} notice marked sent, never received")
        elif delivered - 1 <= resends.get(
                notice_key(SimpleNamespace(id=row_id, dedupe_key=key)), 0):
            # The first sender died with the provider's call in flight; nobody could
            # know whether it went out, so it was sent again: one notice twice, none lost.
            ledger.notices["resent after a sender was killed mid-send"] += 1
            ledger.notes.append(f"{transport} notice received {delivered} times: its sender "
                                "was killed mid-send and the claim taken over")
        else:
            ledger.notices["doubled"] += 1
            ledger.problems.append(f"{transport} notice received {delivered} times")


def run_suite(rig: Rig, faults: tuple[str, ...] | None = None,
              log: Callable[[str], None] = lambda _: None) -> Ledger:
    """Traffic, every fault in turn, drain, ledger."""
    started = time.monotonic()
    wanted = faults or PROCESS_FAULTS + SERVER_FAULTS
    procfile_names = {line.split(":", 1)[0] for line in
                      (REPO / "Procfile").read_text().splitlines() if ":" in line}
    traffic = Traffic(rig)
    traffic.start()
    _wait(lambda: any(c.outcome == "filed" for c in traffic.conversations), 300,
          "a first report filed before any fault")
    results: list[FaultResult] = []
    for name in wanted:
        if name in PROCESS_FAULTS and name not in procfile_names:
            continue
        log(f"fault: {name}")
        traffic.phase = name
        started_at = _utcnow()
        try:
            result = (kill_process(rig, name) if name in PROCESS_FAULTS
                      else SERVER_FAULT_ACTIONS[name](rig))
        except TimeoutError as exc:
            result = FaultResult(name, "did not recover", note=str(exc))
        traffic.phase = "steady"
        result.started_at, result.ended_at = started_at, _utcnow()
        results.append(result)
        log(f"  back {result.back_seconds} s, service {result.service_seconds} s {result.note}")
    traffic.finish(PATIENCE_SECONDS + 30)
    drained = drain(rig)
    ledger = build_ledger(rig, traffic, results)
    if not drained:
        ledger.problems.append(f"still owed {DRAIN_SECONDS:.0f} s after the last fault: "
                               f"{_owed(rig)} messages or notices")
    ledger.seconds = round(time.monotonic() - started, 1)
    return ledger


@contextlib.contextmanager
def running_rig(workdir: Path, admin_url: str) -> Iterator[Rig]:
    """``start_rig`` for a ``with`` block; everything stopped and dropped at its end."""
    rig = start_rig(workdir, admin_url)
    try:
        yield rig
    finally:
        rig.stop()


def interrupt_handler() -> None:
    """Turn SIGTERM into KeyboardInterrupt so a stopped bench still cleans up."""
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
