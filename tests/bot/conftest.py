"""Fixtures for the action tests: a real case store over HTTP and inline trackers.

The actions reach the case store only over HTTP, so their tests serve a real,
migrated case store app (werkzeug, in a thread) and point ``CASESTORE_URL`` at it.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from werkzeug.serving import make_server

from bot.actions import casestore_client, pending
from tests.fixtures.casestore import SERVICE_TOKEN
from tests.fixtures.stack import free_port


class LiveCaseStore:
    """A case store answering on ``url`` (service token ``token``)."""

    def __init__(self, url: str, token: str):
        self.url = url
        self.token = token

    def api(self, method: str, path: str, **kwargs) -> requests.Response:
        """Call the JSON API with the service token."""
        headers = {"Authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
        return requests.request(method, self.url + path, headers=headers, timeout=10, **kwargs)


@pytest.fixture(scope="module")
def live_casestore(cs_app) -> Iterator[LiveCaseStore]:
    """The case store core tests' app (fresh migrated database), served over HTTP."""
    port = free_port()
    server = make_server("127.0.0.1", port, cs_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveCaseStore(f"http://127.0.0.1:{port}", SERVICE_TOKEN)
    finally:
        server.shutdown()


@pytest.fixture()
def store_env(live_casestore, monkeypatch) -> LiveCaseStore:
    """Point the actions at the live case store, with an empty catalog cache."""
    monkeypatch.setenv("CASESTORE_URL", live_casestore.url)
    monkeypatch.setenv("CASESTORE_SERVICE_TOKEN", live_casestore.token)
    casestore_client.clear_catalog_cache()
    yield live_casestore
    casestore_client.clear_catalog_cache()


def make_tracker(
    slots: dict[str, Any] | None = None,
    text: str = "",
    intent: str = "inform",
    metadata: dict | None = None,
    entities: list[dict] | None = None,
    sender: str = "webchat:test-resident",
    requested_slot: str | None = None,
    events: list[dict] | None = None,
    active_loop: str | None = None,
) -> Tracker:
    """Build a rasa-sdk tracker inline, as the action server would receive it."""
    all_slots = dict(slots or {})
    if requested_slot:
        all_slots["requested_slot"] = requested_slot
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": 1.0},
        "entities": entities or [],
        "metadata": metadata or {},
    }
    return Tracker(
        sender,
        all_slots,
        latest,
        events or [],
        False,
        None,
        {"name": active_loop} if active_loop else {},
        "action_listen",
    )


def run(coroutine):
    """Run an action coroutine to completion."""
    return asyncio.run(coroutine)


def texts(dispatcher: CollectingDispatcher) -> list[str]:
    """The texts the action said."""
    return [m.get("text") or m.get("response") for m in dispatcher.messages]


def slot_events(events: list[dict]) -> dict[str, Any]:
    """The slot values an action returned, as a dict."""
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


class SendRecorder:
    """The channels app's ``POST /internal/send``, recorded.

    ``sent`` holds each call's ``{"to", "text", "dedupe_key", "authorization"}``;
    ``status`` is what it answers (200 by default). ``port`` 0 picks a free one;
    ``stop()`` makes the port refuse connections."""

    def __init__(self, port: int = 0) -> None:
        self.sent: list[dict[str, Any]] = []
        self.status = 200
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if self.path == "/internal/send" and recorder.status == 200:
                    recorder.sent.append(
                        {**body, "authorization": self.headers.get("Authorization")}
                    )
                data = json.dumps({"status": "sent"} if recorder.status == 200
                                  else {"error": "failing"}).encode()
                self.send_response(recorder.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        """Stop answering; connections to the port are refused afterwards."""
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture()
def send_recorder(monkeypatch) -> Iterator[SendRecorder]:
    """A recorded ``/internal/send`` the queued-report worker posts its notices to."""
    recorder = SendRecorder()
    monkeypatch.setenv("CHANNELS_INTERNAL_URL", recorder.url)
    monkeypatch.setenv("ACTIONS_CHANNELS_TOKEN", "internal-test-token")
    yield recorder
    recorder.stop()


@pytest.fixture()
def actions_db(make_database_url, monkeypatch) -> Iterator[str]:
    """A fresh, empty database for the action server's queue of reports (one per test)."""
    url = make_database_url("actions")
    monkeypatch.setenv("ACTIONS_DATABASE_URL", url)
    # Fast retries: a test drives the worker by calling process_due() itself.
    monkeypatch.setenv("PENDING_RETRY_SECONDS", "0")
    yield url
    pending.dispose_engines()
