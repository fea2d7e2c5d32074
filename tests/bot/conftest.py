"""Fixtures for the action tests: a real case store over HTTP and inline trackers.

The actions reach the case store only over HTTP, so their tests serve a real,
migrated case store app (werkzeug, in a thread) and point ``CASESTORE_URL`` at it.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from werkzeug.serving import make_server

from bot.actions import casestore_client
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
