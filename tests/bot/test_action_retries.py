"""An action call that got no answer is sent again; one the action server answered is not.

The first tests drive ``EndpointConfig.request`` (as Rasa's RemoteAction calls
it) against a plain socket server that follows a script per call: cut the
connection without an answer, or answer with a status. The last ones run the
real assistant with a proxy between Rasa and the action server that cuts the
confirming turn's ``action_submit_report``, as a replica killed mid-filing
would, before or after the action server filed the case.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import aiohttp
import pytest
import requests
from rasa.utils.endpoints import ClientResponseError, EndpointConfig

from bot import action_retries, kept_connections
from tests.bot.test_conversations import Resident, case_number_in, open311_cases
from tests.fixtures.database import database_profile
from tests.fixtures.stack import free_port, start_stack

REASONS = {200: "OK", 400: "Bad Request", 500: "Internal Server Error",
           502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}


@pytest.fixture(autouse=True)
def no_pauses(monkeypatch):
    """The pauses between attempts are for a real load balancer; none are needed here."""
    monkeypatch.setattr(action_retries, "RETRY_DELAYS", (0.0,) * len(action_retries.RETRY_DELAYS))


def call_through(script: list[str | int], body: dict | None = None) -> tuple[list[bytes], object]:
    """POST ``body`` through ``EndpointConfig.request`` to a server that answers its n-th
    call by ``script[n]`` ("cut": close with no answer; a status: answer it; past the end:
    cut). Returns the bodies the server read and Rasa's result (or the error raised)."""
    kept_connections.install()
    action_retries.install()
    seen: list[bytes] = []

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                      if line.lower().startswith(b"content-length:"))
        seen.append(await reader.readexactly(length))
        step = script[len(seen) - 1] if len(seen) <= len(script) else "cut"
        if step != "cut":
            answer = json.dumps({"answered": len(seen)}).encode()
            writer.write(f"HTTP/1.1 {step} {REASONS[step]}\r\nContent-Type: application/json"
                         f"\r\nContent-Length: {len(answer)}\r\n\r\n".encode() + answer)
            await writer.drain()
        writer.close()

    async def run() -> object:
        server = await asyncio.start_server(serve, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with server:
            endpoint = EndpointConfig(f"http://127.0.0.1:{port}/webhook")
            try:
                return await endpoint.request(json=body or {"next_action": "x"}, method="post")
            except Exception as error:  # the test looks at what Rasa would get
                return error

    return seen, asyncio.run(run())


def test_install_wraps_the_request_once():
    action_retries.install()
    first = EndpointConfig.request
    action_retries.install()
    assert EndpointConfig.request is first
    assert first._retried is True


def test_a_call_cut_without_an_answer_is_sent_again_and_its_answer_returned(caplog):
    body = {"next_action": "action_submit_report", "tracker": {"latest_message": "yes 4f1c"}}
    with caplog.at_level(logging.WARNING, logger="bot.action_retries"):
        seen, result = call_through(["cut", 200], body)
    assert result == {"answered": 2}
    assert [json.loads(b) for b in seen] == [body, body]
    assert "ServerDisconnectedError" in caplog.text
    assert "4f1c" not in caplog.text  # the resident's words are never logged


@pytest.mark.parametrize("status", [502, 503])
def test_a_load_balancers_bad_gateway_or_unavailable_is_sent_again(status):
    seen, result = call_through([status, 200])
    assert result == {"answered": 2}
    assert len(seen) == 2


@pytest.mark.parametrize("status", [400, 500, 504])
def test_an_answer_from_the_action_server_is_not_repeated(status):
    seen, result = call_through([status, 200])
    assert isinstance(result, ClientResponseError) and result.status == status
    assert len(seen) == 1


def test_a_server_that_never_answers_fails_after_the_last_attempt():
    seen, result = call_through([])
    assert isinstance(result, aiohttp.ServerDisconnectedError)
    assert len(seen) == len(action_retries.RETRY_DELAYS) + 1


def test_a_refused_connection_counts_as_no_answer():
    refused = aiohttp.ClientConnectorError(
        aiohttp.client_reqrep.ConnectionKey("127.0.0.1", 1, False, None, None, None, None),
        ConnectionRefusedError(111, "Connection refused"))
    assert action_retries.should_retry(refused)
    assert not action_retries.should_retry(asyncio.TimeoutError())
    assert not action_retries.should_retry(ValueError("not a network error"))


# --- the real assistant, with the filing cut -------------------------------------------


class CuttingProxy:
    """Forwards Rasa's action calls to the action server, and cuts the next ``times`` calls
    of ``cut_action``: ``when="before"`` closes them unsent (a replica killed before it
    acted), ``"after"`` forwards and closes without the answer (killed after the case
    store took it)."""

    def __init__(self) -> None:
        self.upstream = ""
        self.cut_action = ""
        self.when = ""
        self.times = 0
        self.calls: list[str] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                action = json.loads(body).get("next_action", "")
                proxy.calls.append(action)
                cut = action == proxy.cut_action and proxy.times > 0 and proxy.when
                if cut:
                    proxy.times -= 1
                if cut == "before":
                    return self.hang_up()
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() in ("content-type", "content-encoding", "authorization")}
                answer = requests.post(proxy.upstream + self.path, data=body, headers=headers,
                                       timeout=60)
                if cut == "after":
                    return self.hang_up()
                self.send_response(answer.status_code)
                self.send_header("Content-Type", answer.headers.get("Content-Type", ""))
                self.send_header("Content-Length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

            def hang_up(self) -> None:
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def cut_stack(make_database_url, tmp_path_factory) -> Iterator[tuple[object, CuttingProxy]]:
    """The assistant (Rasa, action server, case store) with the proxy on Rasa's action calls."""
    if database_profile() == "postgresql":  # the production profile's stores, as `stack`
        pytest.skip("runs once, on the embedded profile: the retry is in Rasa, not the stores")
    workdir = tmp_path_factory.mktemp("cut-stack")
    proxy = CuttingProxy()
    running = start_stack(make_database_url("cutcases"), f"sqlite:///{workdir / 'tracker.db'}",
                          workdir, action_endpoint_url=f"{proxy.url}/webhook")
    proxy.upstream = running.actions_url
    try:
        yield running, proxy
    finally:
        running.stop()
        proxy.stop()


# Fixed markers (random text would move the NLU's guess); two places, so the second
# report is not offered the first as a duplicate.
REPORTS = {"before": ("900 Dekalb Ave NE", "c41e0a27"),
           "after": ("123 Ralph McGill Blvd NE", "9b2d6f18")}


@pytest.mark.timeout(900)
@pytest.mark.parametrize("when", ["before", "after"])
def test_a_filing_cut_by_a_dying_replica_is_filed_once_and_the_number_given(cut_stack, when):
    stack, proxy = cut_stack
    place, marker = REPORTS[when]
    resident = Resident(stack)
    resident.say(f"someone spray painted tags on the wall at {place} {marker}")
    resident.answer_until_summary({"surface": "Wall", "offensive": "no"})
    proxy.calls.clear()
    proxy.cut_action, proxy.when, proxy.times = "action_submit_report", when, 1
    filed = resident.say("yes")
    case_number_in(filed)
    assert proxy.calls.count("action_submit_report") == 2  # cut once, sent again
    assert len(open311_cases(stack, "graffiti", marker)) == 1
    assert "trying again" in stack.logs["rasa"].read_text()


def test_a_filing_that_failed_for_good_is_filed_when_the_yes_comes_again(cut_stack):
    """Every attempt cut (the action servers all away longer than the retries last): Rasa
    answers nothing, the channels app takes that for a failure and delivers the same "yes"
    again later, and that files the report, once."""
    stack, proxy = cut_stack
    place, marker = "45 Ivan Allen Jr Blvd NW", "5e0b7a31"
    resident = Resident(stack)
    resident.say(f"someone spray painted tags on the wall at {place} {marker}")
    resident.answer_until_summary({"surface": "Wall", "offensive": "no"})
    attempts = len(action_retries.RETRY_DELAYS) + 1
    proxy.calls.clear()
    proxy.cut_action, proxy.when, proxy.times = "action_submit_report", "before", attempts
    assert stack.say(resident.sender, "yes", {"message_id": f"yes-{marker}"}) == []
    assert proxy.calls.count("action_submit_report") == attempts
    assert open311_cases(stack, "graffiti", marker) == []
    again = stack.say(resident.sender, "yes", {"message_id": f"yes-{marker}"})
    case_number_in("\n".join(m.get("text", "") for m in again))
    assert len(open311_cases(stack, "graffiti", marker)) == 1
