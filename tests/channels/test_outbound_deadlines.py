"""Every outbound call has a deadline: a provider that never answers costs a bounded wait.

The review's test 6 (H5): with Twilio's API replaced by a listener that accepts
connections and never answers, nine notices at once each get 502 send_failed
and the app's health check still answers. Timeouts here are short settings;
the tests assert outcomes, never durations.
"""

from __future__ import annotations

import asyncio
import concurrent.futures as cf
import socket
import threading
from collections.abc import Iterator

import pytest
import requests
from werkzeug.serving import make_server

from channels import casestore_client, telegram_api
from channels.deadlines import make_send_pool, run_send, timed_request
from channels.errors import SendError
from tests.fixtures.channels import INTERNAL_AUTH, wait_for

SHORT = {"OUTBOUND_CONNECT_TIMEOUT_SECONDS": 0.5, "OUTBOUND_READ_TIMEOUT_SECONDS": 0.5,
         "SEND_DEADLINE_SECONDS": 1.0, "SEND_POOL_SIZE": 2}


class SilentListener:
    """Accepts TCP connections and never answers (a provider in a brown-out)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.accepted: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted.append(conn)  # kept open, never read from or written to

    def close(self) -> None:
        for conn in self.accepted:
            conn.close()
        self.sock.close()


class Trickler:
    """Answers 200 with headers at once, then one body byte at a time, for ever."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.stop = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        try:
            conn, _ = self.sock.accept()
        except OSError:
            return
        conn.recv(65536)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 100000\r\n\r\n")
        # Each byte within the read timeout: only an overall deadline ends the call.
        while not self.stop.wait(0.05):
            try:
                conn.sendall(b" ")
            except OSError:
                return

    def close(self) -> None:
        self.stop.set()
        self.sock.close()


@pytest.fixture
def silent() -> Iterator[SilentListener]:
    listener = SilentListener()
    yield listener
    listener.close()


def serve(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def test_nine_notices_to_a_hung_twilio_each_get_502_and_health_still_answers(
        channels_app, silent):
    public = channels_app(TWILIO_API_BASE_URL=silent.url, **SHORT)
    internal = channels_app.internal(public)
    public_server, public_url = serve(public)
    internal_server, internal_url = serve(internal)
    try:
        with cf.ThreadPoolExecutor(9) as pool:
            sends = [pool.submit(requests.post, f"{internal_url}/internal/send", timeout=60,
                                 headers=INTERNAL_AUTH,
                                 json={"to": f"sms:+140455501{i:02d}", "text": "Case opened."})
                     for i in range(9)]
            health = requests.get(f"{public_url}/healthz", timeout=60)
            answers = [f.result() for f in sends]
    finally:
        public_server.shutdown()
        internal_server.shutdown()
    assert health.status_code == 200
    assert [(a.status_code, a.json()["error"]) for a in answers] == [(502, "send_failed")] * 9


def test_a_notice_that_timed_out_is_sent_by_the_next_attempt(channels_app, silent,
                                                             api_recorder):
    body = {"to": "sms:+14045550123", "text": "Case opened.", "dedupe_key": "outbox-7"}
    hung = channels_app.internal(channels_app(TWILIO_API_BASE_URL=silent.url, **SHORT))
    assert hung.test_client().post("/internal/send", json=body,
                                   headers=INTERNAL_AUTH).status_code == 502
    working = channels_app.internal(channels_app(
        CHANNELS_DATABASE_URL=hung.config["CHANNELS_DATABASE_URL"], **SHORT))
    retry = working.test_client().post("/internal/send", json=body, headers=INTERNAL_AUTH)
    assert retry.status_code == 200 and "duplicate" not in retry.get_json()
    assert len(api_recorder.calls("/Messages.json")) == 1


def test_a_send_still_waiting_for_a_worker_is_cancelled_and_never_runs():
    class App:  # run_send needs only the pool and the deadline
        config = {"SEND_DEADLINE_SECONDS": 0.2}
        extensions = {"channels": {"send_pool": make_send_pool(1)}}

    release, ran = threading.Event(), []
    busy = App.extensions["channels"]["send_pool"].submit(release.wait, 60)
    with pytest.raises(SendError) as failed:
        run_send(App, ran.append, "second")
    release.set()
    busy.result()
    App.extensions["channels"]["send_pool"].shutdown(wait=True)
    assert (str(failed.value), failed.value.permanent) == ("send timed out", False)
    assert ran == []


def test_a_telegram_call_past_its_timeout_raises_timeouterror_and_is_cancelled():
    cancelled = threading.Event()

    async def never() -> None:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise

    with pytest.raises(TimeoutError):  # the builtin one, also on Python 3.10
        telegram_api.run(never(), timeout=0.1)
    wait_for(cancelled.is_set, 10, "the coroutine to be cancelled")


def test_a_case_store_that_never_answers_raises_casestoreerror(channels_app, silent):
    app = channels_app(CASESTORE_URL=silent.url, CASESTORE_CONNECT_TIMEOUT_SECONDS=0.5,
                       CASESTORE_READ_TIMEOUT_SECONDS=0.5, CASESTORE_DEADLINE_SECONDS=1.0)
    with pytest.raises(casestore_client.CaseStoreError) as failed:
        casestore_client.add_activity(app, "26000123", {"kind": "info_added", "note": "x"})
    assert str(failed.value) == "POST /api/v1/cases/26000123/activities: ReadTimeout"
    assert failed.value.status is None


def test_an_answer_trickling_in_byte_by_byte_is_cut_at_the_overall_deadline():
    trickler = Trickler()
    try:
        with pytest.raises(requests.Timeout) as failed:
            timed_request(requests.Session(), "GET", trickler.url, connect=1.0, read=1.0,
                          deadline=0.5)
    finally:
        trickler.close()
    assert str(failed.value) == "no complete answer within 0.5 s"
