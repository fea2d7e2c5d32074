"""The JSON endpoints under /api/v1/live-chats: who may call them, bad input, what they answer."""

from __future__ import annotations

import pytest

from casestore.models import LiveChat, LiveChatMessage
from tests.fixtures.casestore import SERVICE_TOKEN, ApiClient, clients_for, count
from tests.fixtures.portal import make_portal_app
from tests.livechat.conftest import ALWAYS


@pytest.fixture(scope="module")
def app(make_database_url, tmp_path_factory):
    made = make_portal_app(make_database_url("lcapi"), str(tmp_path_factory.mktemp("lcapi")),
                           LIVECHAT_HOURS=ALWAYS, CHANNELS_INTERNAL_URL="http://127.0.0.1:9")
    yield made
    made.extensions["casestore.engine"].dispose()


@pytest.fixture(scope="module")
def clients(app):
    anonymous, _, staff = clients_for(app)
    return anonymous, ApiClient(app, SERVICE_TOKEN), staff["agent"]


def _opening(sender: str, **extra) -> dict:
    return {"sender_id": sender,
            "transcript": [{"role": "resident", "text": "my name is Ada, call 404-555-0100"}],
            "details": {"contact_name": "Ada Resident", "service_code": "pothole"}, **extra}


def test_opening_needs_the_service_token(clients, app):
    anonymous, _, agent = clients
    before = count(app, LiveChat)
    assert anonymous.post("/api/v1/live-chats", json=_opening("sms:+14045550001")).status_code \
        == 401
    assert agent.post("/api/v1/live-chats", json=_opening("sms:+14045550001")).status_code == 403
    assert count(app, LiveChat) == before


@pytest.mark.parametrize(("body", "status", "field"), [
    ("not json", 400, "body"),
    ({"sender_id": "voice:CA1"}, 422, "sender_id"),
    ({"sender_id": "sms:+1404; DROP TABLE"}, 422, "sender_id"),
    ({}, 422, "sender_id"),
    ({"sender_id": "sms:+14045550002", "transcript": "hello"}, 400, "transcript"),
    ({"sender_id": "sms:+14045550002", "transcript": [{"role": "agent", "text": "x"}]}, 400,
     "transcript"),
    ({"sender_id": "sms:+14045550002", "details": ["x"]}, 400, "details"),
    ({"sender_id": "sms:+14045550002", "reason": "bored"}, 422, "reason"),
])
def test_bad_openings_get_a_clear_4xx_and_change_nothing(clients, app, body, status, field):
    _, service, _ = clients
    before = count(app, LiveChat)
    kwargs = {"data": body, "content_type": "application/json"} if isinstance(body, str) \
        else {"json": body}
    response = service.post("/api/v1/live-chats", **kwargs)
    assert response.status_code == status
    assert field in response.get_json()["fields"]
    assert count(app, LiveChat) == before


def test_opening_answers_the_queue_place_and_never_the_transcript_or_personal_data(clients):
    _, service, _ = clients
    first = service.post("/api/v1/live-chats", json=_opening("webchat:api-open-1"))
    again = service.post("/api/v1/live-chats", json=_opening("webchat:api-open-1"))
    body = first.get_json()
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json()["id"] == body["id"]
    assert body["status"] == "waiting" and body["position"] >= 1 and body["open_now"] is True
    assert "in line" in body["message"]
    raw = first.get_data(as_text=True)
    assert "Ada" not in raw and "404-555-0100" not in raw and "api-open-1" not in raw


def test_route_sends_an_open_chats_messages_to_the_agent_and_others_to_the_assistant(clients,
                                                                                   app):
    _, service, _ = clients
    service.post("/api/v1/live-chats", json=_opening("telegram:1234567"))
    routed = service.post("/api/v1/live-chats/route",
                          json={"sender_id": "telegram:1234567", "text": "hello?"}).get_json()
    other = service.post("/api/v1/live-chats/route",
                         json={"sender_id": "telegram:7654321", "text": "hello?"}).get_json()
    assert routed["routed"] is True and routed["status"] == "waiting"
    assert other == {"routed": False}
    assert count(app, LiveChatMessage, LiveChatMessage.text == "hello?") == 1


def test_route_refuses_a_message_without_text(clients, app):
    _, service, _ = clients
    before = count(app, LiveChatMessage)
    response = service.post("/api/v1/live-chats/route", json={"sender_id": "telegram:1234567"})
    assert response.status_code == 422 and "text" in response.get_json()["fields"]
    assert count(app, LiveChatMessage) == before


def test_state_tells_the_widget_whether_a_chat_is_open(clients):
    _, service, _ = clients
    service.post("/api/v1/live-chats", json=_opening("webchat:api-state-1"))
    open_state = service.get("/api/v1/live-chats/state?sender_id=webchat:api-state-1").get_json()
    none_state = service.get("/api/v1/live-chats/state?sender_id=webchat:api-state-2").get_json()
    assert open_state["status"] == "waiting" and none_state == {"status": "none"}
    assert service.get("/api/v1/live-chats/state?sender_id=nonsense").status_code == 422


def test_availability_is_public(clients, app):
    anonymous, _, _ = clients
    body = anonymous.get("/api/v1/live-chats/availability").get_json()
    assert body == {"open_now": True, "hours": "Every day, all day"}


def test_the_openapi_document_lists_every_live_chat_route(clients, app):
    anonymous, _, _ = clients
    document = anonymous.get("/api/v1/openapi.json").get_json()
    documented = {(path, method) for path, ops in document["paths"].items() for method in ops}
    routes = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("livechat_api.")]
    assert routes
    for rule in routes:
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (rule.rule.removeprefix("/api/v1"), method.lower()) in documented
