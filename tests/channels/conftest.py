"""Fixtures of the channels tests: a case store that can refuse, fail and hang; real servers.

- ``casestore_standin``: a local HTTP server in the case store's place that
  answers what the test says (``status``: 201, 404, 409, 503…) or holds every
  request until ``release()`` (a case store that hangs), recording each call.
- ``served_casestore``: the real case store app (``cs_app``) served over HTTP,
  for the scenarios where its own answer matters (a reopen of an open case).
- ``serve``: serves any WSGI app (the channels app itself) on a free port, so
  concurrent requests go through a real threaded server.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from werkzeug.serving import make_server

from tests.fixtures.casestore import SERVICE_TOKEN, ApiClient


@dataclass
class Call:
    """One request the stand-in received."""

    method: str
    path: str
    headers: dict[str, str]
    json: Any


@dataclass
class CaseStoreStandIn:
    """The case store's place, scripted: ``status`` answers every call; ``hold()`` hangs."""

    status: int = 201
    calls: list[Call] = field(default_factory=list)
    url: str = ""
    _gate: threading.Event | None = None
    _server: ThreadingHTTPServer | None = None

    def hold(self) -> None:
        """Keep every request waiting (no answer) until ``release()``."""
        self._gate = threading.Event()

    def release(self) -> None:
        """Let held requests (and later ones) be answered."""
        if self._gate is not None:
            self._gate.set()

    def calls_to(self, fragment: str) -> list[Call]:
        """The recorded calls whose path contains ``fragment``."""
        return [c for c in list(self.calls) if fragment in c.path]

    def start(self) -> None:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                standin.calls.append(Call(self.command, self.path, dict(self.headers.items()),
                                          json.loads(raw) if raw else None))
                if standin._gate is not None:
                    standin._gate.wait(60)
                status = standin.status
                body = json.dumps({} if status < 400 else {"error": "refused",
                                                           "message": "scripted"}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_DELETE = _handle  # noqa: N815 - http.server's names

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.release()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


@pytest.fixture
def casestore_standin() -> Iterator[CaseStoreStandIn]:
    """A scripted case store for one test (answers 201 until told otherwise)."""
    standin = CaseStoreStandIn()
    standin.start()
    yield standin
    standin.stop()


@pytest.fixture
def serve() -> Iterator[Callable[[Any], str]]:
    """Factory: ``serve(app)`` serves a WSGI app on a free port (threaded); returns its URL."""
    servers = []

    def start(app: Any) -> str:
        server = make_server("127.0.0.1", 0, app, threaded=True)
        servers.append(server)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{server.server_port}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@dataclass
class ServedCaseStore:
    """The real case store over HTTP, and a service client of the same app."""

    url: str
    token: str
    service: ApiClient


@pytest.fixture(scope="module")
def served_casestore(cs_app) -> Iterator[ServedCaseStore]:
    """The real case store app (one per module) served on a free port."""
    server = make_server("127.0.0.1", 0, cs_app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield ServedCaseStore(f"http://127.0.0.1:{server.server_port}", SERVICE_TOKEN,
                          ApiClient(cs_app, SERVICE_TOKEN))
    server.shutdown()
    server.server_close()
