"""Fixtures for the live chat tests: a served case store and a served channels app, wired together.

``desk`` gives a real case store (portal staff of every role, always staffed
unless a test changes ``LIVECHAT_HOURS``) and a real channels app, each
served by werkzeug on a free port, pointing at each other, with the Twilio
API replaced by the ``api_recorder`` and Rasa by the ``fake_rasa`` stand-in
(whose ``reply`` a test may script, for instance to run the handoff action
the way the trained assistant would). ``desk.restart_channels()`` stops the
channels app and starts a new instance on the same port and databases.

``live_desk`` is a channels app relaying to the real assistant (the session
``stack``), served on the port the stack's case store sends to
(``stack.channels_url``) and routing through that case store, where the real
action server queues the chat; ``LiveDesk.agent()`` is a new portal agent of
the stack's case store with a ``StackAgent`` client signed in over HTTP.
"""

from __future__ import annotations

import asyncio
import re
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from werkzeug.serving import make_server

from tests.fixtures.browser import chromium  # noqa: F401 - the browser tests' fixture
from tests.fixtures.casestore import SERVICE_TOKEN, session_for
from tests.fixtures.channels import INTERNAL_TOKEN, channels_config, post_twilio
from tests.fixtures.portal import _CSRF, PASSWORD, PortalClient, make_portal_app

ALWAYS = "daily 00:00-24:00"


@dataclass
class Served:
    """One Flask app served over HTTP on 127.0.0.1 in a thread."""

    app: Any
    port: int = 0
    server: Any = None
    thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Served:
        self.server = make_server("127.0.0.1", self.port, self.app, threaded=True)
        self.port = self.server.server_port
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


def _stop_channels(app) -> None:
    stop = app.extensions["channels"].get("retry_stop")
    if stop is not None:
        stop.set()
    app.extensions["channels"]["executor"].shutdown(wait=True)
    app.extensions["channels"]["send_pool"].shutdown(wait=True)
    app.extensions["channels"]["engine"].dispose()


@dataclass
class Desk:
    """The case store and the channels app of one test."""

    casestore: Served
    channels: Served
    channels_db: str
    rasa: Any
    recorder: Any
    made: list = field(default_factory=list)
    internal: Served | None = None  # the channels' internal app: the case store sends here

    @property
    def cs_app(self):
        return self.casestore.app

    def new_channels_app(self):
        from channels import create_app

        config = channels_config(self.rasa.url, self.recorder.url, self.channels_db,
                                 CASESTORE_URL=self.casestore.url,
                                 CASESTORE_SERVICE_TOKEN=SERVICE_TOKEN)
        app = create_app(config)
        self.made.append(app)
        return app

    def new_internal_app(self):
        from channels import create_internal_app

        app = create_internal_app(channels_config(
            self.rasa.url, self.recorder.url, self.channels_db, CASESTORE_URL=self.casestore.url,
            CASESTORE_SERVICE_TOKEN=SERVICE_TOKEN))
        self.made.append(app)
        return app

    def restart_channels(self) -> None:
        """Stop the channels app and start a new instance on the same port and databases."""
        port = self.channels.port
        self.channels.stop()
        _stop_channels(self.channels.app)
        self.channels = Served(self.new_channels_app(), port).start()

    def agent(self, email: str = "agent@atl311.example.org") -> PortalClient:
        """A signed-in console client for ``email``."""
        client = PortalClient(self.cs_app)
        client.sign_in_staff(email)
        return client

    def sms(self, number: str, body: str, sid: str):
        """A signed Twilio SMS webhook to the channels app; returns the response."""
        params = {"From": number, "To": "+14045550000", "Body": body, "MessageSid": sid,
                  "NumMedia": "0"}
        return post_twilio(self.channels.app.test_client(), "/sms", params)

    def sms_sent_to(self, number: str) -> list[str]:
        """Texts sent to ``number`` through the Twilio API so far."""
        return [r.form.get("Body", [""])[0] for r in self.recorder.calls("/Messages.json")
                if r.form.get("To", [""])[0] == number]


@pytest.fixture
def desk(make_database_url, tmp_path_factory, fake_rasa, api_recorder, bot_env):
    """A served case store and channels app pointing at each other (see the module docstring)."""
    cs_app = make_portal_app(make_database_url("livechat"), str(tmp_path_factory.mktemp("lc")),
                             LIVECHAT_HOURS=ALWAYS, LIVECHAT_WAIT_TIMEOUT_S=600)
    casestore = Served(cs_app).start()
    cs_app.config["CASESTORE_URL"] = casestore.url
    bot_env(casestore.url)  # the handoff action, when the Rasa stand-in runs it
    made = Desk(casestore, None, make_database_url("lcchannels"), fake_rasa, api_recorder)
    made.channels = Served(made.new_channels_app()).start()
    made.internal = Served(made.new_internal_app()).start()
    cs_app.config["CHANNELS_INTERNAL_URL"] = made.internal.url
    cs_app.config["CHANNELS_INTERNAL_TOKEN"] = INTERNAL_TOKEN
    yield made
    made.channels.stop()
    made.internal.stop()
    for app in made.made:
        _stop_channels(app)
    casestore.stop()
    cs_app.extensions["casestore.engine"].dispose()


@pytest.fixture
def bot_env(monkeypatch):
    """Point the action server's case store client at a URL (returns the setter)."""
    from bot.actions import casestore_client

    def point(url: str) -> None:
        monkeypatch.setenv("CASESTORE_URL", url)
        monkeypatch.setenv("CASESTORE_SERVICE_TOKEN", SERVICE_TOKEN)
        monkeypatch.setenv("CASESTORE_TIMEOUT", "5")
        casestore_client.clear_catalog_cache()

    return point


def tracker(sender: str, events: list[dict] | None = None, slots: dict | None = None,
            text: str = "can I talk to someone", intent: str = "human_agent") -> Tracker:
    """An inline tracker whose latest message asked for a person."""
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.99}, "entities": []}
    return Tracker(sender, slots or {}, latest, events or [], False, None, {}, "action_listen")


def run_action(action, track: Tracker) -> list[dict]:
    """Run a rasa-sdk action as the action server would; return the messages it sent."""
    dispatcher = CollectingDispatcher()
    # Its own thread: Playwright's sync API keeps an event loop running in this one.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, action.run(dispatcher, track, {})).result()
    return dispatcher.messages


def handoff_rasa(rasa, trigger: str = "person") -> None:
    """Script the Rasa stand-in: a message with ``trigger`` runs action_handoff_to_agent.

    This is what the trained assistant does once domain and rules route the
    human_agent intent to the action (see docs/livechat.md); other messages
    get a plain assistant answer.
    """
    from bot.actions.handoff import ActionHandoffToAgent

    history: dict[str, list[dict]] = {}

    def reply(body: dict) -> list[dict]:
        sender, text = body["sender"], body["message"]
        events = history.setdefault(sender, [])
        events.append({"event": "user", "text": text})
        if trigger in text:
            answer = run_action(ActionHandoffToAgent(), tracker(sender, list(events),
                                                                {"service_code": "pothole"}))
        else:
            answer = [{"text": f"assistant: {text}"}]
        events.extend({"event": "bot", "text": m.get("text", "")} for m in answer)
        return [{"text": m.get("text", "")} for m in answer]

    rasa.reply = reply


def chat_rows(app) -> list:
    """Every live chat row, oldest first."""
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from casestore.models import LiveChat

    with session_for(app) as session:
        return session.execute(select(LiveChat).options(selectinload(LiveChat.messages))
                               .order_by(LiveChat.id)).scalars().all()


class StackAgent:
    """A portal agent of the stack's case store, over HTTP as a browser without scripts would.

    Each POST carries the CSRF token of the form on the page it is posted from.
    """

    def __init__(self, casestore_url: str, email: str) -> None:
        self.base = casestore_url
        self.email = email
        self.http = requests.Session()
        self.last_html = ""

    def get(self, path: str) -> requests.Response:
        """GET a page and remember it for its CSRF token."""
        response = self.http.get(self.base + path, timeout=30)
        response.raise_for_status()
        self.last_html = response.text
        return response

    def submit(self, path: str, data: dict, page: str) -> requests.Response:
        """Read ``page``, then POST ``data`` with its form's CSRF token; return the final page."""
        self.get(page)
        tokens = [value for name, value in _CSRF.findall(self.last_html) if name == "csrf_token"]
        assert tokens, f"no csrf_token on {page}"
        response = self.http.post(self.base + path, data={**data, "csrf_token": tokens[0]},
                                  timeout=30)
        response.raise_for_status()
        self.last_html = response.text
        return response

    def sign_in(self, password: str = PASSWORD) -> None:
        """Sign in at the portal's login form."""
        self.submit("/portal/login", {"email": self.email, "password": password},
                    page="/portal/login")
        assert "/portal/login" not in self.http.get(self.base + "/portal/live-chat",
                                                    timeout=30).url, "not signed in"

    def chat_page(self, chat_id: int) -> str:
        """The chat's console page (transcript, live messages, filing form)."""
        return self.get(f"/portal/live-chat/{chat_id}").text


@dataclass
class LiveDesk:
    """A channels app relaying to the real assistant, wired to the stack's case store."""

    stack: Any
    channels: Served

    def new_agent(self, name: str = "Alex Agent") -> str:
        """Add an agent (password ``PASSWORD``) to the stack's case store; return the email."""
        email = f"agent.{uuid.uuid4().hex[:8]}@atl311.example.org"
        self.stack.create_staff(email, "agent", PASSWORD, name=name)
        return email

    def agent(self, name: str = "Alex Agent") -> StackAgent:
        """A new agent in the stack's case store, signed in over HTTP."""
        agent = StackAgent(self.stack.casestore_url, self.new_agent(name))
        agent.sign_in()
        return agent

    def chat_state(self, sender: str) -> dict:
        """The sender's live chat in the stack's case store (id, status; no personal data)."""
        response = requests.get(f"{self.stack.casestore_url}/api/v1/live-chats/state",
                                params={"sender_id": sender},
                                headers={"Authorization": f"Bearer {self.stack.service_token}"},
                                timeout=10)
        response.raise_for_status()
        return response.json()


FILED = re.compile(r"Case (\d{2})-(\d+) filed from this chat")


def filed_case_number(html: str) -> str:
    """The case number (digits only) in the console's "filed from this chat" notice."""
    found = FILED.search(html)
    assert found, "no filed case notice on the page"
    return found.group(1) + found.group(2)


@pytest.fixture
def live_desk(stack, make_database_url, api_recorder):
    """A channels app relaying to the real Rasa on ``stack.channels_url`` (see LiveDesk)."""
    from channels import create_app, create_internal_app

    config = channels_config(
        stack.rasa_url, api_recorder.url, make_database_url("lcstackch"),
        CASESTORE_URL=stack.casestore_url, CASESTORE_SERVICE_TOKEN=stack.service_token,
        RASA_WEBHOOK_TOKEN=stack.webhook_token, RASA_DEADLINE_SECONDS=60,
        CHANNELS_INTERNAL_TOKEN=stack.internal_token)
    channels_app, internal_app = create_app(config), create_internal_app(config)
    channels = Served(channels_app, stack.channels_port).start()
    internal = Served(internal_app, stack.channels_internal_port).start()
    yield LiveDesk(stack, channels)
    channels.stop()
    internal.stop()
    _stop_channels(channels_app)
    _stop_channels(internal_app)
