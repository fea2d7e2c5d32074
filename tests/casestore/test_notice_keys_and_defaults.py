"""A channel notice carries its outbox dedupe key to the channels app (the same on every
attempt, with no phone number in it); residents' words are not public by default."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from casestore.activities import add_activity
from casestore.authors import RESIDENT
from casestore.cases import find_case
from casestore.catalog import get_catalog
from casestore.migrate import upgrade_database
from casestore.models import OutboxMessage
from casestore.notifier import deliver_due, notice_key
from tests.fixtures.casestore import (
    SERVICE_TOKEN,
    ApiClient,
    build_app,
    clients_for,
    file_case,
    session_for,
)

INTERNAL_TOKEN = "casestore-to-channels-test-token"


class SendRecorder(BaseHTTPRequestHandler):
    """Stands in for the channels app's POST /internal/send; answers the next status queued."""

    statuses: list[int] = []
    bodies: list[dict] = []

    def do_POST(self):  # noqa: N802 - http.server's name
        type(self).bodies.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(type(self).statuses.pop(0) if type(self).statuses else 200)
        self.end_headers()

    def log_message(self, *args):  # keep test output quiet
        pass


@pytest.fixture()
def channels_stand_in():
    handler = type("Send", (SendRecorder,), {"statuses": [], "bodies": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, handler
    server.shutdown()
    server.server_close()


@pytest.fixture()
def app(make_database_url, tmp_path, channels_stand_in):
    url = make_database_url("noticekeys")
    upgrade_database(url)
    server, _handler = channels_stand_in
    base = f"http://127.0.0.1:{server.server_port}"
    built = build_app(url, str(tmp_path), CHANNELS_URL=base, CHANNELS_INTERNAL_URL=base,
                      CHANNELS_INTERNAL_TOKEN=INTERNAL_TOKEN)
    yield built
    built.extensions["casestore.engine"].dispose()


def test_a_retried_notice_carries_the_same_dedupe_key_without_the_phone(app, channels_stand_in):
    _server, handler = channels_stand_in
    handler.statuses = [503]  # the first attempt fails; the retry goes through
    file_case(ApiClient(app, SERVICE_TOKEN), requester={"channel_address": "sms:+14045550177"})
    with app.app_context():
        assert deliver_due() == 0
    with session_for(app) as session:
        row = session.execute(select(OutboxMessage)).scalar_one()
    with app.app_context():
        assert deliver_due(row.next_attempt_at) == 1
    first, second = handler.bodies
    assert first["dedupe_key"] == second["dedupe_key"] == notice_key(row)
    assert first["dedupe_key"].startswith("notice:") and len(first["dedupe_key"]) == 47
    assert "4045550177" not in first["dedupe_key"]


def test_two_notices_have_two_keys(app, channels_stand_in):
    _server, handler = channels_stand_in
    service = ApiClient(app, SERVICE_TOKEN)
    for phone in ("+14045550171", "+14045550172"):
        file_case(service, requester={"channel_address": f"sms:{phone}"})
    with app.app_context():
        assert deliver_due() == 2
    assert len({body["dedupe_key"] for body in handler.bodies}) == 2


def post(client, number: str, **body):
    return client.post(f"/api/v1/cases/{number}/activities", json=body)


def test_what_the_service_posts_for_a_resident_is_not_public(app):
    service = ApiClient(app, SERVICE_TOKEN)
    number = file_case(service)["case_number"]
    unsaid = post(service, number, kind="info_added", note="call me at 404-555-0199")
    asked_public = post(service, number, kind="info_added", note="my plate is ABC123",
                        public=True)
    assert unsaid.status_code == asked_public.status_code == 201
    assert unsaid.get_json()["public"] is False
    assert asked_public.get_json()["public"] is False  # only staff make a resident's words public
    timeline = ApiClient(app, None).get(f"/api/v1/cases/{number}/activities").get_json()
    assert [a["kind"] for a in timeline["activities"]] == ["opened"]


def test_the_service_gets_400_for_a_public_flag_that_is_not_a_boolean(app):
    service = ApiClient(app, SERVICE_TOKEN)
    number = file_case(service)["case_number"]
    response = post(service, number, kind="info_added", note="hello", public="yes")
    assert response.status_code == 400
    assert response.get_json()["fields"] == {"public": "must be true or false"}


def test_a_residents_page_note_defaults_to_not_public(app):
    number = file_case(ApiClient(app, SERVICE_TOKEN))["case_number"]
    with app.app_context(), session_for(app) as session:
        note = add_activity(session, get_catalog(), find_case(session, number), "info_added",
                            author=RESIDENT, note="the account page's note")
        assert note.public is False


def test_a_staff_note_defaults_to_public(app):
    _anonymous, service, staff = clients_for(app)
    number = file_case(service)["case_number"]
    response = post(staff["agent"], number, kind="update", note="Crew scheduled for Tuesday")
    assert response.status_code == 201 and response.get_json()["public"] is True
