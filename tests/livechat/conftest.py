"""Fixtures for the live chat tests: a served case store and a served channels app, wired together.

``desk`` gives a real case store (portal staff of every role, always staffed
unless a test changes ``LIVECHAT_HOURS``) and a real channels app, each
served by werkzeug on a free port, pointing at each other, with the Twilio
API replaced by the ``api_recorder`` and Rasa by the ``fake_rasa`` stand-in
(whose ``reply`` a test may script, for instance to run the handoff action
the way the trained assistant would). ``desk.restart_channels()`` stops the
channels app and starts a new instance on the same port and databases.

``live_desk`` is the same pair with the channels relaying to the real
assistant (the session ``stack``); ``handoff_as_rasa_would`` runs the handoff
action on Rasa's real tracker until the rules route the intent to it.
"""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from werkzeug.serving import make_server

from tests.fixtures.browser import chromium  # noqa: F401 - the browser tests' fixture
from tests.fixtures.casestore import SERVICE_TOKEN, session_for
from tests.fixtures.channels import channels_config, post_twilio
from tests.fixtures.portal import PortalClient, make_portal_app

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
    cs_app.config["CHANNELS_URL"] = made.channels.url
    yield made
    made.channels.stop()
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


@pytest.fixture
def live_desk(stack, make_database_url, tmp_path_factory, api_recorder, bot_env):
    """The console's case store and a channels app relaying to the real Rasa, both served."""
    from channels import create_app

    cs_app = make_portal_app(make_database_url("lcbrowser"), str(tmp_path_factory.mktemp("lcb")),
                             LIVECHAT_HOURS=ALWAYS)
    casestore = Served(cs_app).start()
    cs_app.config["CASESTORE_URL"] = casestore.url
    bot_env(casestore.url)
    channels_app = create_app(channels_config(
        stack.rasa_url, api_recorder.url, make_database_url("lcbrowserch"),
        CASESTORE_URL=casestore.url, CASESTORE_SERVICE_TOKEN=SERVICE_TOKEN,
        RASA_AUTH_TOKEN=stack.rasa_token, RASA_DEADLINE_SECONDS=60))
    channels = Served(channels_app).start()
    cs_app.config["CHANNELS_URL"] = channels.url
    yield casestore, channels
    channels.stop()
    _stop_channels(channels_app)
    casestore.stop()
    cs_app.extensions["casestore.engine"].dispose()


def handoff_as_rasa_would(stack, channels_url: str, sender: str) -> str:
    """Run action_handoff_to_agent on Rasa's real tracker and send its reply as Rasa would.

    Stands in for the rules that will route the human_agent intent to the action
    (docs/livechat.md); the reply goes out through the channels' /internal/send.
    """
    import requests

    from bot.actions.handoff import ActionHandoffToAgent

    tracker = Tracker.from_dict(stack.tracker(sender))
    messages = run_action(ActionHandoffToAgent(), tracker)
    for message in messages:
        requests.post(f"{channels_url}/internal/send",
                      json={"to": sender, "text": message["text"]},
                      headers={"Authorization": f"Bearer {SERVICE_TOKEN}"},
                      timeout=10).raise_for_status()
    return messages[0]["text"]
