"""The agents' console under /portal/live-chat: access, CSRF, taking, replying, filing, ending."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from sqlalchemy import select

from casestore.livechat import service
from casestore.livechat.settings import livechat_settings
from casestore.media import ingest
from casestore.models import Case, LiveChat, LiveChatMessage, StaffUser, utcnow
from tests.fixtures.casestore import session_for
from tests.fixtures.portal import PortalClient, make_portal_app
from tests.livechat.conftest import ALWAYS

AGENT = "agent@atl311.example.org"
SUPERVISOR = "super@atl311.example.org"


@pytest.fixture(scope="module")
def app(make_database_url, tmp_path_factory):
    made = make_portal_app(make_database_url("lcconsole"), str(tmp_path_factory.mktemp("lcc")),
                           LIVECHAT_HOURS=ALWAYS, CHANNELS_INTERNAL_URL="http://127.0.0.1:9")
    yield made
    made.extensions["casestore.engine"].dispose()


def _open(app, sender: str, **extra) -> int:
    with session_for(app) as session:
        chat, _ = service.open_chat(session, {"sender_id": sender, **extra}, livechat_settings(),
                                    utcnow())
        return chat.id


def _chat(app, chat_id: int) -> LiveChat:
    with session_for(app) as session:
        return session.get(LiveChat, chat_id)


def _signed_in(app, email: str = AGENT) -> PortalClient:
    client = PortalClient(app)
    client.sign_in_staff(email)
    return client


def test_the_console_needs_a_signed_in_agent(app):
    anonymous = app.test_client().get("/portal/live-chat")
    department = _signed_in(app, "clerk.dot@atl311.example.org").get("/portal/live-chat")
    assert anonymous.status_code == 302 and "/portal/login" in anonymous.headers["Location"]
    assert department.status_code == 403


def test_the_queue_shows_channel_and_waiting_time_but_taking_without_csrf_changes_nothing(app):
    chat_id = _open(app, "whatsapp:+14045550301")
    agent = _signed_in(app)
    page = agent.get("/portal/live-chat")
    assert f"Take chat {chat_id}" in agent.last_html and "WhatsApp" in agent.last_html
    assert page.status_code == 200
    refused = agent.http.post(f"/portal/live-chat/{chat_id}/take", data={})
    assert refused.status_code == 400
    assert _chat(app, chat_id).status == "waiting"


def test_the_second_agent_to_take_a_chat_is_told_it_is_taken(app):
    chat_id = _open(app, "sms:+14045550302")
    first, second = _signed_in(app), _signed_in(app, SUPERVISOR)
    first.get("/portal/live-chat")
    second.get("/portal/live-chat")
    won = first.submit(f"/portal/live-chat/{chat_id}/take", {})
    lost = second.submit(f"/portal/live-chat/{chat_id}/take", {})
    assert won.headers["Location"].endswith(f"/portal/live-chat/{chat_id}")
    assert lost.headers["Location"].endswith("/portal/live-chat")
    second.get("/portal/live-chat")
    assert "Another agent already took this chat" in second.last_html
    with session_for(app) as session:
        chat = session.get(LiveChat, chat_id)
        first_id = session.execute(select(StaffUser.id).where(StaffUser.email == AGENT)).scalar()
    assert (chat.status, chat.agent_id) == ("active", first_id)


def test_only_the_agent_who_took_the_chat_can_reply(app):
    chat_id = _open(app, "sms:+14045550303")
    taker, other = _signed_in(app), _signed_in(app, SUPERVISOR)
    taker.submit(f"/portal/live-chat/{chat_id}/take", {}, page="/portal/live-chat")
    other.get("/portal/live-chat")
    refused = other.submit(f"/portal/live-chat/{chat_id}/messages", {"text": "hi"})
    sent = taker.submit(f"/portal/live-chat/{chat_id}/messages", {"text": "Hi, I'm Alex"},
                        page=f"/portal/live-chat/{chat_id}")
    assert refused.status_code == 409 and sent.status_code == 303
    with session_for(app) as session:
        lines = session.execute(select(LiveChatMessage.text).where(
            LiveChatMessage.chat_id == chat_id, LiveChatMessage.sender == "agent")).scalars().all()
    assert lines == ["Hi, I'm Alex"]


def test_the_chat_page_shows_what_the_resident_told_the_assistant_escaped(app):
    chat_id = _open(app, "webchat:console-escape-1", transcript=[
        {"role": "resident", "text": "<script>alert(1)</script> pothole"},
        {"role": "assistant", "text": "Where is it?"}])
    agent = _signed_in(app)
    agent.get(f"/portal/live-chat/{chat_id}")
    assert "&lt;script&gt;alert(1)&lt;/script&gt; pothole" in agent.last_html
    assert "<script>alert(1)" not in agent.last_html
    assert "Where is it?" in agent.last_html


def test_filing_from_the_chat_starts_from_the_gathered_details_and_records_the_agent(app):
    chat_id = _open(app, "sms:+14045550304", details={
        "service_code": "pothole", "location": "412 Boulevard SE",
        "description": "deep hole", "attributes": {"size": "large"}})
    agent = _signed_in(app)
    agent.submit(f"/portal/live-chat/{chat_id}/take", {}, page="/portal/live-chat")
    agent.get(f"/portal/live-chat/{chat_id}")
    html = agent.last_html
    assert 'value="412 Boulevard SE"' in html and ">deep hole</textarea>" in html
    assert '<option value="large" selected>' in html and 'value="+14045550304"' in html

    filed = agent.submit(f"/portal/live-chat/{chat_id}/case", {
        "service_code": "pothole", "description": "deep hole", "address": "412 Boulevard SE",
        "attr-size": "large", "attr-in_travel_lane": "yes", "requester_phone": "+14045550304"})
    assert filed.status_code == 303
    with session_for(app) as session:
        chat = session.get(LiveChat, chat_id)
        case = session.get(Case, chat.case_id)
        opened = case.activities[0]
        assert (case.channel, case.requester_address) == ("live_chat", "sms:+14045550304")
        assert opened.author_name == "Alex Agent"
        assert opened.data["live_chat_id"] == chat_id and opened.data["resident_channel"] == "sms"
        assert opened.data["taken_by"] == "Alex Agent"


def test_a_case_filed_with_missing_details_is_refused_and_nothing_is_created(app):
    chat_id = _open(app, "sms:+14045550305", details={"service_code": "pothole"})
    agent = _signed_in(app)
    agent.submit(f"/portal/live-chat/{chat_id}/take", {}, page="/portal/live-chat")
    agent.get(f"/portal/live-chat/{chat_id}")
    refused = agent.submit(f"/portal/live-chat/{chat_id}/case",
                           {"service_code": "pothole", "description": "hole"})
    assert refused.status_code == 422 and "The case was not filed" in agent.last_html
    assert _chat(app, chat_id).case_id is None


def test_looking_a_case_up_from_the_chat_shows_its_status(app):
    from tests.fixtures.portal import new_case

    number = new_case(app)
    chat_id = _open(app, "sms:+14045550306")
    agent = _signed_in(app)
    agent.get(f"/portal/live-chat/{chat_id}?case={number}")
    assert f"{number[:2]}-{number[2:]}" in agent.last_html and "Pothole" in agent.last_html


def test_ending_the_chat_hands_the_resident_back_and_routes_to_the_assistant_again(app):
    sender = "sms:+14045550307"
    chat_id = _open(app, sender)
    agent = _signed_in(app)
    agent.submit(f"/portal/live-chat/{chat_id}/take", {}, page="/portal/live-chat")
    ended = agent.submit(f"/portal/live-chat/{chat_id}/end", {},
                         page=f"/portal/live-chat/{chat_id}")
    assert ended.status_code == 303
    with session_for(app) as session:
        chat = session.get(LiveChat, chat_id)
        told = [m.text for m in chat.messages if m.sender == "system"]
        routed = service.route_message(session, {"sender_id": sender, "text": "thanks"},
                                       livechat_settings(), utcnow())
    assert (chat.status, chat.end_reason) == ("ended", "agent")
    assert "back with the ATL311 assistant" in told[-1]
    assert routed == {"routed": False}


def test_console_pages_send_the_portal_headers_and_allow_only_their_own_script(app):
    agent = _signed_in(app)
    page = agent.get(f"/portal/live-chat/{_open(app, 'sms:+14045550308')}")
    policy = page.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "script-src 'self'" in policy
    assert "'unsafe-inline'" not in policy and "<script>" not in agent.last_html
    assert agent.http.get("/portal/live-chat/static/console.js").status_code == 200


def _photo(app) -> str:
    """Store a photo as the channels app does for an MMS (on no case yet); its token."""
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, "JPEG")
    with app.test_request_context():
        return ingest(out.getvalue(), source="sms").token


def _resident_says(app, sender: str, text: str) -> None:
    with session_for(app) as session:
        routed = service.route_message(session, {"sender_id": sender, "text": text},
                                       livechat_settings(), utcnow())
    assert routed["routed"] is True


def test_a_photo_the_resident_sends_is_a_link_to_the_staff_photo_route(app):
    sender, token = "sms:+14045550309", _photo(app)
    chat_id = _open(app, sender)
    _resident_says(app, sender, f"Here it is\nPhoto: media:{token}")
    agent = _signed_in(app)
    agent.get(f"/portal/live-chat/{chat_id}")
    lines = agent.http.get(f"/portal/live-chat/{chat_id}/messages.json").get_json()["messages"]
    assert (f'Here it is\nPhoto: <a href="/portal/media/{token}" target="_blank" '
            f'rel="noopener">media:{token}</a>') in agent.last_html
    assert lines[-1]["parts"] == [{"text": "Here it is\nPhoto: "},
                                  {"text": f"media:{token}", "href": f"/portal/media/{token}"}]


def test_the_agent_opens_a_photo_sent_in_a_live_chat_before_any_case_has_it(app):
    sender, token = "sms:+14045550310", _photo(app)
    _open(app, sender)
    _resident_says(app, sender, f"Photo: media:{token}")
    response = _signed_in(app).http.get(f"/portal/media/{token}")
    assert (response.status_code, response.mimetype) == (200, "image/jpeg")


def test_a_photo_on_no_case_and_in_no_chat_stays_hidden_from_agents(app):
    token = _photo(app)
    assert _signed_in(app).http.get(f"/portal/media/{token}").status_code == 404


def test_a_department_clerk_cannot_open_a_live_chat_photo(app):
    sender, token = "sms:+14045550311", _photo(app)
    _open(app, sender)
    _resident_says(app, sender, f"Photo: media:{token}")
    clerk = _signed_in(app, "clerk.dot@atl311.example.org")
    assert clerk.http.get(f"/portal/media/{token}").status_code == 404


def test_an_agent_line_naming_a_photo_stays_plain_text(app):
    sender, token = "sms:+14045550312", _photo(app)
    chat_id = _open(app, sender)
    agent = _signed_in(app)
    agent.submit(f"/portal/live-chat/{chat_id}/take", {}, page="/portal/live-chat")
    agent.submit(f"/portal/live-chat/{chat_id}/messages", {"text": f"media:{token}"},
                 page=f"/portal/live-chat/{chat_id}")
    lines = agent.http.get(f"/portal/live-chat/{chat_id}/messages.json").get_json()["messages"]
    assert lines[-1]["parts"] == [{"text": f"media:{token}"}]


def test_the_photos_sent_in_the_chat_go_on_the_case_the_agent_files(app):
    sender, first, second = "sms:+14045550312", _photo(app), _photo(app)
    chat_id = _open(app, sender, details={"service_code": "pothole",
                                          "location": "412 Boulevard SE"})
    _resident_says(app, sender, f"Photo: media:{first}")
    _resident_says(app, sender, f"another one\nPhoto: media:{second}\nPhoto: media:{first}")
    case = _file_chat(app, sender, chat_id)
    assert case.media_urls == [f"media:{first}", f"media:{second}"]
    assert case.public_media == []


def _file_chat(app, sender: str, chat_id: int) -> Case:
    agent = _signed_in(app)
    agent.submit(f"/portal/live-chat/{chat_id}/take", {}, page="/portal/live-chat")
    agent.get(f"/portal/live-chat/{chat_id}")
    filed = agent.submit(f"/portal/live-chat/{chat_id}/case", {
        "service_code": "pothole", "description": "deep hole", "address": "412 Boulevard SE",
        "attr-size": "large", "attr-in_travel_lane": "yes", "requester_phone": sender[4:]})
    assert filed.status_code == 303
    with session_for(app) as session:
        return session.get(Case, session.get(LiveChat, chat_id).case_id)


def test_a_photo_already_on_another_case_does_not_stop_the_filing(app):
    sender, token = "sms:+14045550313", _photo(app)
    first_chat = _open(app, sender)
    _resident_says(app, sender, f"Photo: media:{token}")
    assert _file_chat(app, sender, first_chat).media_urls == [f"media:{token}"]
    _signed_in(app).submit(f"/portal/live-chat/{first_chat}/end", {},
                           page=f"/portal/live-chat/{first_chat}")
    second_chat = _open(app, sender)
    _resident_says(app, sender, f"the same one again\nPhoto: media:{token}")
    assert _file_chat(app, sender, second_chat).media_urls == []
