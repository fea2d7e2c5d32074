"""The portal's dead-letter page: supervisors and admins read the channels app's list over HTTP."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.fixtures.portal import PortalClient, make_portal_app
from tests.fixtures.stack import free_port

TOKEN = "casestore-to-channels-internal-test"
LETTERS = {"dead_letters": [
    {"id": 41, "channel": "telegram", "kind": "delivery", "attempts": 8,
     "last_error": "PermanentSendError: 403 bot was blocked by the user",
     "created_at": "2026-12-01T14:05:00Z", "dead_at": "2026-12-01T16:10:00Z"},
    {"id": 7, "channel": "sms", "kind": "message", "attempts": 12, "last_error": "RasaTimeout",
     "created_at": "2026-11-30T09:00:00+00:00", "dead_at": "2026-11-30T12:00:00+00:00"},
]}


class ChannelsStandIn(BaseHTTPRequestHandler):
    """Answers GET /internal/dead-letters like the channels app: JSON for the right bearer."""

    status = 200
    body: bytes = json.dumps(LETTERS).encode()
    seen: list = []

    def do_GET(self):  # noqa: N802 - http.server's name
        type(self).seen.append((self.path, self.headers.get("Authorization")))
        ok = self.headers.get("Authorization") == f"Bearer {TOKEN}"
        self.send_response(type(self).status if ok else 401)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(type(self).body if ok else b'{"error": "unauthorized"}')

    def log_message(self, *args):  # keep test output quiet
        pass


@pytest.fixture()
def stand_in():
    handler = type("Channels", (ChannelsStandIn,), {"seen": []})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, handler
    server.shutdown()
    server.server_close()


@pytest.fixture()
def app_for(make_database_url, tmp_path):
    apps = []

    def make(channels_url: str):
        app = make_portal_app(make_database_url("deadletters"), str(tmp_path / str(len(apps))),
                              CHANNELS_INTERNAL_URL=channels_url, CHANNELS_INTERNAL_TOKEN=TOKEN)
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.extensions["casestore.engine"].dispose()


def signed_in(app, email: str) -> PortalClient:
    client = PortalClient(app)
    assert client.sign_in_staff(email).status_code == 302
    return client


def test_a_supervisor_sees_the_dead_letters_the_channels_app_lists(app_for, stand_in):
    server, handler = stand_in
    app = app_for(f"http://127.0.0.1:{server.server_port}")
    response = signed_in(app, "super@atl311.example.org").get("/portal/admin/dead-letters")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert handler.seen == [("/internal/dead-letters", f"Bearer {TOKEN}")]
    assert "PermanentSendError: 403 bot was blocked by the user" in page
    assert "RasaTimeout" in page and "not delivered" in page and "never answered" in page
    assert page.index("<td>41</td>") < page.index("<td>7</td>")  # the channels app's order
    assert "Dec 1, 2026 11:10 AM" in page  # dead_at in the city's time (Atlanta, UTC-5)


def test_an_admin_sees_the_page_and_an_empty_list_says_so(app_for, stand_in):
    server, handler = stand_in
    handler.body = b'{"dead_letters": []}'
    app = app_for(f"http://127.0.0.1:{server.server_port}")
    response = signed_in(app, "admin@atl311.example.org").get("/portal/admin/dead-letters")
    assert response.status_code == 200 and "No dead letters." in response.get_data(as_text=True)


@pytest.mark.parametrize("email", ["agent@atl311.example.org", "clerk.dot@atl311.example.org"])
def test_agents_and_department_staff_may_not_see_it(app_for, stand_in, email):
    server, handler = stand_in
    app = app_for(f"http://127.0.0.1:{server.server_port}")
    assert signed_in(app, email).get("/portal/admin/dead-letters").status_code == 403
    assert handler.seen == []


def test_an_unreachable_channels_app_gets_a_clear_message(app_for):
    app = app_for(f"http://127.0.0.1:{free_port()}")  # nothing listens there
    response = signed_in(app, "super@atl311.example.org").get("/portal/admin/dead-letters")
    assert response.status_code == 502
    assert "The channels app could not be reached" in response.get_data(as_text=True)


@pytest.mark.parametrize(("status", "body"), [(500, b"oops"), (200, b"<html>not json</html>"),
                                              (200, b'{"letters": []}')])
def test_a_wrong_answer_from_the_channels_app_gets_the_same_message(app_for, stand_in, status,
                                                                    body):
    server, handler = stand_in
    handler.status, handler.body = status, body
    app = app_for(f"http://127.0.0.1:{server.server_port}")
    response = signed_in(app, "admin@atl311.example.org").get("/portal/admin/dead-letters")
    assert response.status_code == 502
    assert "The channels app could not be reached" in response.get_data(as_text=True)
