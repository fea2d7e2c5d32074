"""HAProxy sends a webhook cut by a crashing channels replica to the other one.

``deploy/haproxy/haproxy.cfg`` runs here with the real HAProxy: ``channels_a`` is a
replica that passes its health check but dies (a TCP reset, as a SIGKILLed
process) on every webhook it is handed, ``channels_b`` answers. A provider that
sends the body of its POST in a later TCP segment than the headers (Python's
http.client does for a text body, and any network may split a request) must still
get the answer of ``channels_b``: HAProxy can replay a request only when it holds
the whole of it, which ``option http-buffer-request`` guarantees. Without it the
webhook was answered 502, and Twilio does not send a webhook again after an error
(the replica test lost one so, docs/operations.md "Replicas").
"""

from __future__ import annotations

import os
import socket
import socketserver
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.fixtures.channels import wait_for
from tests.fixtures.stack import free_port
from tests.replicas.cluster import HAPROXY_CONFIG, Haproxy, haproxy_binary

REPO = Path(__file__).resolve().parents[2]
COMPOSE_HAPROXY_CONFIG = REPO / "deploy" / "compose" / "haproxy.cfg"
BODY = b"From=%2B14045550100&Body=the+light+on+my+corner+is+out&MessageSid=SM0001"


class Crashing(socketserver.ThreadingTCPServer):
    """A replica that answers health checks and dies on every POST it is sent."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port: int) -> None:
        self.posts = 0
        self.post_headers = threading.Event()
        super().__init__(("127.0.0.1", port), CrashingHandler)


class CrashingHandler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = self.request.recv(65536)
            if not chunk:
                return
            data += chunk
        if data.startswith(b"GET "):
            self.request.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
                                 b"Connection: close\r\n\r\nok")
            return
        self.server.posts += 1
        self.server.post_headers.set()
        # SO_LINGER 0: close() resets the connection, as the kernel does for a killed process.
        self.request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                (1).to_bytes(4, "little") + (0).to_bytes(4, "little"))


class Answering(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self._answer(b"ok")

    def do_POST(self) -> None:  # noqa: N802
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self._answer(b"stored " + body)

    def _answer(self, body: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def _serve(server: socketserver.BaseServer) -> None:
    threading.Thread(target=server.serve_forever, daemon=True).start()


@pytest.fixture
def proxy(tmp_path: Path) -> Iterator[tuple[int, Crashing]]:
    """HAProxy on the project's config; channels_a crashes on POSTs, channels_b answers."""
    if haproxy_binary() is None:
        pytest.skip("haproxy not installed (apt-get install haproxy)")
    crashing = Crashing(free_port())
    answering = ThreadingHTTPServer(("127.0.0.1", free_port()), Answering)
    _serve(crashing)
    _serve(answering)
    bind = free_port()
    env = dict(os.environ, HAPROXY_ADMIN_SOCKET=str(tmp_path / "haproxy.sock"),
               HAPROXY_CHECK_INTER="200ms", CHANNELS_BIND=f"127.0.0.1:{bind}",
               CHANNELS_A=f"127.0.0.1:{crashing.server_address[1]}",
               CHANNELS_B=f"127.0.0.1:{answering.server_address[1]}")
    # The other backends point at ports where nothing listens: their servers stay down.
    for name in ("CHANNELS_INTERNAL", "CASESTORE", "RASA", "ACTIONS"):
        env[f"{name}_BIND"] = f"127.0.0.1:{free_port()}"
        env[f"{name}_A"] = f"127.0.0.1:{free_port()}"
        env[f"{name}_B"] = f"127.0.0.1:{free_port()}"
    haproxy = Haproxy(tmp_path, env)
    try:
        wait_for(lambda: haproxy.process.check() and all(
            haproxy.states().get(f"channels/channels_{r}") == "UP" for r in "ab"), 30,
            "HAProxy to see both channels replicas up")
        yield bind, crashing
    finally:
        haproxy.process.stop()
        crashing.shutdown()
        answering.shutdown()


def _post_in_two_segments(port: int, crashing: Crashing) -> bytes:
    """POST a webhook whose body follows its headers in a later segment; return the answer.

    The body leaves once the crashing replica has the headers (HAProxy forwarded
    them alone) or after half a second (HAProxy holds them until the body is in).
    """
    crashing.post_headers.clear()
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(b"POST /sms HTTP/1.1\r\nHost: chat.example\r\n"
                     b"Content-Type: application/x-www-form-urlencoded\r\n"
                     b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(BODY))
        crashing.post_headers.wait(0.5)
        sock.sendall(BODY)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


def test_a_webhook_cut_by_a_crashing_replica_is_answered_by_the_other(proxy):
    port, crashing = proxy
    answers = [_post_in_two_segments(port, crashing) for _ in range(4)]
    # leastconn takes turns between idle servers: the crashing replica got some of them.
    assert crashing.posts >= 1
    assert [a.split(b" ", 2)[1] for a in answers] == [b"200"] * 4
    assert all(a.endswith(b"stored " + BODY) for a in answers)


@pytest.mark.parametrize("config", [HAPROXY_CONFIG, COMPOSE_HAPROXY_CONFIG],
                         ids=["deploy", "compose"])
def test_the_channels_backend_holds_whole_requests_for_its_retries(config: Path):
    backend = config.read_text().split("\nbackend channels\n", 1)[1].split("\nbackend ", 1)[0]
    active = [line.strip() for line in backend.splitlines() if not line.strip().startswith("#")]
    assert "retry-on conn-failure empty-response" in active
    assert "option http-buffer-request" in active
