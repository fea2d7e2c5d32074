"""No hostile value gives a 500 anywhere in the case store.

Walks the app's url_map and sends Unicode digits, control characters, NUL,
over-long, malformed and unencodable values to every route, in the path, the
query string, a JSON body and a form body (with a valid CSRF token, so the
form code runs), as anonymous, the service, and staff by token and by cookie.
Every answer must be a clear refusal or a normal page: below 500.
"""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote, urlencode

import pytest
from werkzeug.routing import Rule

from casestore.auth import create_staff_token
from casestore.hygiene import MESSAGE
from casestore.models import StaffUser
from tests.fixtures.casestore import (
    SERVICE_TOKEN,
    ApiClient,
    count,
    file_case,
    new_case_body,
    session_for,
)
from tests.fixtures.portal import PortalClient, make_portal_app

HOSTILE = {
    "superscript_two": "²",
    "circled_one": "①",
    "arabic_indic": "٢٦٠٠٠١٢٣",
    "control": "a\x01b\x1bc\x7f",
    "nul": "26\x0000123",
    "over_long": "9" * 3_000,
    "huge_number": "1e999",
    "not_a_number": "NaN",
    "percent_junk": "%zz%[]",
    "emoji": "🕳️",
}
# A lone surrogate cannot travel in a URL or a form, only as a JSON escape.
SURROGATE = "\ud800"

FIELDS = (
    "service_code", "description", "address", "address_string", "address_id", "lat", "long",
    "channel", "kind", "note", "public", "channel_address", "email", "phone", "department",
    "status", "reason", "comments", "duplicate_of", "referred_to", "sender_id", "text",
    "callback_phone", "message_key", "idempotency_key", "language", "token", "password",
    "confirm", "current", "new", "name", "role", "active", "first_name", "last_name",
    "media_url", "photo_url", "contact_name", "contact_email", "contact_phone", "api_key",
    "jurisdiction_id", "requester_name", "requester_email", "requester_phone", "case_number",
    "event", "location", "details", "transcript", "danger", "q", "after",
)
# The portal's action forms are prefixed (``close-reason``); their fields get the value too.
FORM_PREFIXES = ("ack-", "note-", "info-", "close-", "dup-", "reopen-", "reassign-",
                 "withdrawn-", "keep-")
PREFIXED = ("note", "reason", "comments", "department", "duplicate_of", "public", "status",
            "referred_to")
QUERY = (
    "q", "status", "service_code", "department", "page", "page_size", "start_date", "end_date",
    "updated_after", "updated_before", "lat", "long", "radius", "address", "service_request_id",
    "jurisdiction_id", "api_key", "extensions", "token", "next", "after", "sender_id", "channel",
    "sort", "kind", "from", "to", "days", "format", "limit",
)
SKIP = {"portal.logout", "account.logout", "static", "livechat.static"}
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class _EmptyDeadLetters(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 - http.server's name
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"dead_letters": []}')

    def log_message(self, *args):  # keep test output quiet
        pass


@pytest.fixture(scope="module")
def channels_stand_in():
    """The channels app's internal list, so the dead-letter page has something to read."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _EmptyDeadLetters)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def walk(make_database_url, tmp_path_factory, channels_stand_in):
    """The app, a real case number, and one client per kind of caller."""
    app = make_portal_app(make_database_url("hygiene"), str(tmp_path_factory.mktemp("hygiene")),
                          CHANNELS_INTERNAL_URL=channels_stand_in)
    number = file_case(ApiClient(app, SERVICE_TOKEN))["case_number"]
    with session_for(app) as session:
        admin = session.query(StaffUser).filter_by(role="admin").first()
        token = create_staff_token(session, admin)
    callers = {"anonymous": (app.test_client(), {}),
               "service": (app.test_client(), {"Authorization": f"Bearer {SERVICE_TOKEN}"}),
               "staff_token": (app.test_client(), {"Authorization": f"Bearer {token}"})}
    client = PortalClient(app)
    assert client.sign_in_staff("admin@atl311.example.org").status_code == 302
    callers["admin_cookie"] = (client.http, {})
    yield app, number, callers
    app.extensions["casestore.engine"].dispose()


def _csrf(client) -> str:
    page = client.get("/portal/password").get_data(as_text=True)
    if "csrf_token" not in page:
        page = client.get("/account/login").get_data(as_text=True)
    return _CSRF.search(page).group(1)


def _path(rule: Rule, value: str | None, number: str) -> str:
    """The rule's URL with every argument set to ``value`` (None: a real, valid value)."""
    path = rule.rule
    for match in re.finditer(r"<([^>]+)>", rule.rule):
        spec = match.group(1)
        conv, _, arg = spec.rpartition(":")
        if conv.startswith("any("):
            replacement = conv[4:-1].split(",")[0].strip()
        elif conv == "int":
            replacement = "1"
        elif value is None:
            replacement = {"number": number, "service_request_id": number,
                           "service_code": "pothole"}.get(arg, "x")
        else:
            replacement = quote(value, safe="")
        path = path.replace(match.group(0), replacement, 1)
    return path


def _requests(rule: Rule, value: str, number: str, csrf: str):
    """Yield (method, url, kwargs) that put ``value`` everywhere the rule can take it."""
    methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
    hostile_path = _path(rule, value, number)
    valid_path = _path(rule, None, number)
    query = urlencode({k: value for k in QUERY})
    fields = {k: value for k in FIELDS}
    nested = {**fields, "requester": {"name": value, "email": value, "phone": value,
                                      "channel_address": value},
              "attributes": {"size": value, "in_travel_lane": value}, "media_urls": [value]}
    form = {**fields, **{f"{p}{k}": value for p in FORM_PREFIXES for k in PREFIXED}}
    form["csrf_token"] = csrf
    for method in methods:
        paths = {hostile_path, valid_path}
        for path in paths:
            if method == "GET":
                yield method, f"{path}?{query}", {}
            else:
                yield method, f"{path}?{query}", {"data": json.dumps(nested),
                                                  "content_type": "application/json"}
                yield method, path, {"data": form}


def _rules(app) -> list[Rule]:
    return [r for r in app.url_map.iter_rules() if r.endpoint not in SKIP]


@pytest.mark.parametrize("caller", ["anonymous", "service", "staff_token", "admin_cookie"])
@pytest.mark.parametrize("label", sorted(HOSTILE))
def test_no_route_answers_500_to_hostile_values(walk, caller, label):
    app, number, callers = walk
    client, headers = callers[caller]
    csrf = _csrf(client)
    failures = []
    for rule in _rules(app):
        for method, url, kwargs in _requests(rule, HOSTILE[label], number, csrf):
            failure = _failure(client, method, url, headers, kwargs)
            if failure:
                failures.append(f"{method} {rule.rule} -> {failure}")
    assert sorted(set(failures)) == []


@pytest.mark.parametrize("caller", ["anonymous", "service", "staff_token"])
def test_a_lone_surrogate_in_json_never_answers_500(walk, caller):
    app, number, callers = walk
    client, headers = callers[caller]
    body = json.dumps({**{k: SURROGATE for k in FIELDS},
                       "requester": {"name": SURROGATE, "email": SURROGATE},
                       "attributes": {"size": SURROGATE}})
    failures = []
    for rule in _rules(app):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS", "GET"}):
            url = _path(rule, None, number)
            failure = _failure(client, method, url, headers,
                               {"data": body, "content_type": "application/json"})
            if failure:
                failures.append(f"{method} {rule.rule} -> {failure}")
    assert failures == []


def _body_of(kind: str, text: str):
    if kind == "json":
        return {"data": json.dumps({**new_case_body(), "description": text}),
                "content_type": "application/json"}
    return {"data": {"email": text, "password": "x"}}


@pytest.mark.parametrize(("method", "url", "kind"), [
    ("POST", "/api/v1/cases", "json"),
    ("GET", "/api/v1/cases/26%0000001", None),
    ("GET", "/open311/v2/requests.json?service_code=pot%00hole", None),
    ("POST", "/account/login", "form"),
])
@pytest.mark.parametrize("text", ["deep\x00hole", "deep\ud800hole"])
def test_unstorable_text_is_refused_with_400_and_changes_nothing(walk, method, url, kind,
                                                                 text):
    app, _number, callers = walk
    client, headers = callers["service"]
    if kind == "form" and "\ud800" in text:
        pytest.skip("a form cannot carry an unpaired surrogate")
    before = count(app)
    response = client.open(url, method=method, headers=headers,
                           **(_body_of(kind, text) if kind else {}))
    assert response.status_code == 400
    assert MESSAGE in response.get_data(as_text=True)
    assert count(app) == before


def _failure(client, method: str, url: str, headers: dict, kwargs: dict) -> str | None:
    """Return what went wrong (a 5xx, or an exception the app let through), else None."""
    try:
        response = client.open(url, method=method, headers=headers, **kwargs)
    except Exception as exc:  # noqa: BLE001 - the test app re-raises what would be a 500
        return type(exc).__name__
    return str(response.status_code) if response.status_code >= 500 else None
