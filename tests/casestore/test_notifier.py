"""The notifier delivers outbox rows over real SMTP and to the channels app, retrying failures."""

from __future__ import annotations

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from sqlalchemy import select

from casestore.channels_client import SEND_TIMEOUT
from casestore.migrate import upgrade_database
from casestore.models import OutboxMessage, utcnow
from casestore.notifier import LEASE, SMTP_TIMEOUT_SECONDS, claim_due, deliver_due
from tests.fixtures.casestore import SERVICE_TOKEN, ApiClient, build_app, file_case, session_for

INTERNAL_TOKEN = "casestore-to-channels-internal-token"


class Recorder(BaseHTTPRequestHandler):
    """Stands in for the channels app's /internal/send; answers with ``status``."""

    status = 200
    seen: list = []

    def do_POST(self):  # noqa: N802 - http.server's name
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).seen.append((self.path, self.headers.get("Authorization"), body))
        self.send_response(type(self).status)
        self.end_headers()

    def log_message(self, *args):  # keep test output quiet
        pass


@pytest.fixture()
def recorder():
    handler = type("Rec", (Recorder,), {"seen": [], "status": 200})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, handler
    server.shutdown()
    server.server_close()


@pytest.fixture()
def notifier_app(make_database_url, tmp_path, smtp_server, recorder):
    url = make_database_url("notifier")
    upgrade_database(url)
    server, _handler = recorder
    app = build_app(url, str(tmp_path), SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server.port,
                    MAIL_FROM="ATL311 <no-reply@atl311.test>",
                    CHANNELS_INTERNAL_URL=f"http://127.0.0.1:{server.server_port}",
                    CHANNELS_INTERNAL_TOKEN=INTERNAL_TOKEN)
    yield app
    app.extensions["casestore.engine"].dispose()


def outbox(app) -> list[OutboxMessage]:
    with session_for(app) as session:
        return session.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars().all()


def run(app, now=None) -> int:
    with app.app_context():
        return deliver_due(now)


def test_email_notice_is_delivered_over_smtp_once(notifier_app, smtp_server):
    service = ApiClient(notifier_app, SERVICE_TOKEN)
    number = file_case(service, requester={"email": "ada@example.com"})["case_number"]
    smtp_server.start()
    try:
        assert run(notifier_app) == 1
        assert run(notifier_app) == 0
    finally:
        smtp_server.stop()
    inbox = smtp_server.inbox
    assert len(inbox.messages) == 1
    recipients, message = inbox.recipients[0], inbox.messages[0]
    assert recipients == ["ada@example.com"]
    assert number[2:] in message["Subject"]
    [row] = outbox(notifier_app)
    assert row.status == "sent" and row.sent_at is not None and row.attempts == 1


def test_smtp_down_means_retry_with_backoff_then_delivery_once_it_is_back(notifier_app,
                                                                          smtp_server):
    service = ApiClient(notifier_app, SERVICE_TOKEN)
    file_case(service, requester={"email": "ada@example.com"})
    start = utcnow()
    assert run(notifier_app, start) == 0  # nothing listens on the port yet
    [row] = outbox(notifier_app)
    assert row.status == "pending" and row.attempts == 1
    assert row.next_attempt_at > start and "ConnectionRefused" in row.last_error
    assert run(notifier_app, start + dt.timedelta(seconds=1)) == 0  # still backing off
    assert outbox(notifier_app)[0].attempts == 1
    second_try = row.next_attempt_at + dt.timedelta(seconds=1)
    assert run(notifier_app, second_try) == 0
    [row] = outbox(notifier_app)
    assert row.attempts == 2
    assert row.next_attempt_at - second_try > dt.timedelta(seconds=45)  # the wait doubled
    smtp_server.start()
    try:
        later = row.next_attempt_at + dt.timedelta(seconds=1)
        assert run(notifier_app, later) == 1
        assert run(notifier_app, later + dt.timedelta(hours=2)) == 0
    finally:
        smtp_server.stop()
    assert len(smtp_server.inbox.messages) == 1
    assert outbox(notifier_app)[0].status == "sent"


def test_two_notifiers_at_once_never_send_a_notice_twice(notifier_app, smtp_server):
    service = ApiClient(notifier_app, SERVICE_TOKEN)
    for i in range(12):
        file_case(service, requester={"email": f"person{i}@example.com"})
    smtp_server.start()
    results: list[int] = []
    try:
        threads = [threading.Thread(target=lambda: results.append(run(notifier_app)))
                   for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        smtp_server.stop()
    assert sum(results) == 12
    delivered = sorted(r[0] for r in smtp_server.inbox.recipients)
    assert delivered == sorted(f"person{i}@example.com" for i in range(12))
    assert all(row.status == "sent" for row in outbox(notifier_app))


def test_a_row_claimed_by_a_notifier_that_died_comes_due_again_after_the_lease(notifier_app):
    service = ApiClient(notifier_app, SERVICE_TOKEN)
    file_case(service, requester={"email": "ada@example.com"})
    now = utcnow()
    with notifier_app.app_context():
        [row_id] = claim_due(now)  # the notifier that claimed it is killed before sending
        assert claim_due(now + LEASE - dt.timedelta(seconds=1)) == []
        assert claim_due(now + LEASE + dt.timedelta(seconds=1)) == [row_id]


def test_the_lease_outlives_the_slowest_send():
    # SMTP: connect, EHLO, STARTTLS, login and DATA may each wait the whole timeout.
    assert LEASE.total_seconds() > 5 * SMTP_TIMEOUT_SECONDS
    assert LEASE.total_seconds() > sum(SEND_TIMEOUT)


def test_channel_notices_go_to_the_channels_internal_app_with_its_own_token(notifier_app,
                                                                           recorder):
    _server, handler = recorder
    service = ApiClient(notifier_app, SERVICE_TOKEN)
    number = file_case(service, requester={"channel_address": "telegram:5551"})["case_number"]
    assert run(notifier_app) == 1
    [(path, auth, body)] = handler.seen
    assert path == "/internal/send"
    assert auth == f"Bearer {INTERNAL_TOKEN}"  # not the service token: one per direction
    assert body["to"] == "telegram:5551"
    assert number[2:] in body["text"] and isinstance(body["buttons"], list)
    assert body["case_number"] == number and body["event"] == "opened"


def test_a_failing_channels_app_keeps_the_row_for_later(notifier_app, recorder):
    _server, handler = recorder
    handler.status = 503
    service = ApiClient(notifier_app, SERVICE_TOKEN)
    file_case(service, requester={"channel_address": "sms:+14045550188"})
    assert run(notifier_app) == 0
    [row] = outbox(notifier_app)
    assert row.status == "pending" and row.attempts == 1 and "503" in row.last_error
    handler.status = 200
    assert run(notifier_app, row.next_attempt_at) == 1
    assert len(handler.seen) == 2


def test_without_smtp_host_email_is_written_to_the_local_outbox_folder(cs_fresh_app):
    service = ApiClient(cs_fresh_app, SERVICE_TOKEN)
    file_case(service, requester={"email": "local@example.com"})
    result = cs_fresh_app.test_cli_runner().invoke(args=["notifier", "--once"])
    assert result.exit_code == 0 and "delivered 1" in result.output
    files = list((Path(cs_fresh_app.config["VAR_DIR"]) / "outbox").glob("*.eml"))
    assert len(files) == 1
    assert "To: local@example.com" in files[0].read_text()


def test_an_opted_out_address_is_marked_dead_and_not_retried(notifier_app, recorder):
    _server, handler = recorder
    handler.status = 409  # the channels app: this address said STOP
    service = ApiClient(notifier_app, SERVICE_TOKEN)
    file_case(service, requester={"channel_address": "sms:+14045550199"})
    assert run(notifier_app) == 0
    [row] = outbox(notifier_app)
    assert row.status == "dead" and "409" in row.last_error
    assert run(notifier_app, row.next_attempt_at + dt.timedelta(hours=2)) == 0
    assert len(handler.seen) == 1
