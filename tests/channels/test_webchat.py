"""Web chat JSON endpoints: relay to Rasa, transcript, bad input."""

from __future__ import annotations

from tests.fixtures.channels import make_retries_due, wait_for

SESSION = "session-0123456789abcdef"  # 22+ characters, as the server issues them


def test_a_typed_message_reaches_rasa_with_its_sender_id_and_message_id(channels_app, fake_rasa):
    client = channels_app().test_client()
    response = client.post("/webchat/messages", json={
        "session_id": SESSION, "text": "there is a pothole", "message_id": "m-1"})
    assert response.status_code == 200
    assert response.json["messages"] == [{"text": "echo: there is a pothole"}]
    sent = fake_rasa.received[0]
    assert sent["sender"] == f"webchat:{SESSION}"
    assert sent["message"] == "there is a pothole"
    assert sent["metadata"]["message_id"] == f"{SESSION}:m-1"  # scoped by the session
    assert sent["metadata"]["channel"] == "webchat"
    assert sent["authorization"] == "Bearer rasa-secret"
    assert "token" not in sent["query"]


def test_free_text_starting_with_a_slash_does_not_reach_rasa_as_an_intent(channels_app, fake_rasa):
    client = channels_app().test_client()
    client.post("/webchat/messages", json={
        "session_id": SESSION, "text": '/inform{"case_number": "26000001"}'})
    assert not fake_rasa.received[0]["message"].startswith("/")


def test_a_button_payload_we_offered_goes_to_rasa_as_is(channels_app, fake_rasa):
    fake_rasa.reply = lambda body: [{"text": "Is it large?", "buttons": [
        {"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]}]
    client = channels_app().test_client()
    first = client.post("/webchat/messages", json={"session_id": SESSION, "text": "pothole"})
    assert first.json["messages"][0]["buttons"][0] == {"title": "Yes", "payload": "/affirm"}
    client.post("/webchat/messages", json={"session_id": SESSION, "payload": "/affirm",
                                           "title": "Yes"})
    assert fake_rasa.received[-1]["message"] == "/affirm"


def test_a_payload_never_offered_is_neutralised(channels_app, fake_rasa):
    client = channels_app().test_client()
    client.post("/webchat/messages", json={"session_id": SESSION, "payload": "/restart"})
    assert fake_rasa.received[-1]["message"] == "restart"


def test_the_transcript_survives_a_reload(channels_app):
    client = channels_app().test_client()
    client.post("/webchat/messages", json={"session_id": SESSION, "text": "hello"})
    entries = client.get("/webchat/messages", headers={"X-Chat-Session": SESSION}).json["entries"]
    assert [(e["role"], e["text"]) for e in entries] == [
        ("resident", "hello"), ("assistant", "echo: hello")]


def test_a_resent_message_id_is_processed_once(channels_app, fake_rasa):
    client = channels_app().test_client()
    body = {"session_id": SESSION, "text": "hello", "message_id": "same"}
    client.post("/webchat/messages", json=body)
    again = client.post("/webchat/messages", json=body)
    assert again.status_code == 200
    assert again.json["duplicate"] is True
    assert len(fake_rasa.received) == 1


def test_a_shared_location_travels_as_metadata(channels_app, fake_rasa):
    client = channels_app().test_client()
    client.post("/webchat/messages", json={
        "session_id": SESSION, "location": {"lat": 33.749, "long": -84.388}})
    assert fake_rasa.received[0]["metadata"]["location"] == {"lat": 33.749, "long": -84.388}


def test_malformed_bodies_get_400_and_reach_nothing(channels_app, fake_rasa):
    client = channels_app().test_client()
    bad_bodies = [["a"], {"session_id": "x", "text": "hi"}, {"session_id": SESSION, "text": 5},
                  {"session_id": SESSION, "location": {"lat": "a"}}]
    assert client.post("/webchat/messages", data="{not json",
                       content_type="application/json").status_code == 400
    for body in bad_bodies:
        assert client.post("/webchat/messages", json=body).status_code == 400, body
    assert fake_rasa.received == []


def test_an_oversized_body_gets_413(channels_app, fake_rasa):
    client = channels_app().test_client()
    response = client.post("/webchat/messages", json={"session_id": SESSION, "text": "x" * 70000})
    assert response.status_code == 413
    assert fake_rasa.received == []


def test_an_empty_rasa_answer_gives_a_holding_reply_and_the_worker_delivers_later(
        channels_app, fake_rasa):
    from channels.retry import run_once

    app = channels_app()
    client = app.test_client()
    fake_rasa.reply = lambda body: []
    response = client.post("/webchat/messages", json={"session_id": SESSION, "text": "hello"})
    assert response.json["pending"] is True
    assert "on its way" in response.json["messages"][0]["text"]
    fake_rasa.reply = lambda body: [{"text": "Hi there"}]
    make_retries_due(app)
    wait_for(lambda: run_once(app))
    after = response.json["last_entry_id"]
    entries = client.get(f"/webchat/messages?session_id={SESSION}&after={after}").json["entries"]
    assert [e["text"] for e in entries] == ["Hi there"]


def test_the_page_has_a_labelled_input_and_a_live_log(channels_app):
    page = channels_app().test_client().get("/").get_data(as_text=True)
    assert '<label for="message">' in page
    assert 'role="log"' in page
    assert "Use my location" in page


def test_the_server_issues_a_128_bit_session_id(channels_app):
    client = channels_app().test_client()
    first, second = (client.post("/webchat/session") for _ in range(2))
    assert first.status_code == 200
    assert first.headers["Cache-Control"] == "no-store"
    ids = [first.json["session_id"], second.json["session_id"]]
    assert [len(i) for i in ids] == [22, 22]
    assert ids[0] != ids[1]
    assert client.post("/webchat/messages", json={
        "session_id": ids[0], "text": "hello"}).status_code == 200


def test_a_session_id_shorter_than_22_characters_is_refused(channels_app, fake_rasa):
    client = channels_app().test_client()
    short = "s" * 21
    assert client.post("/webchat/messages", json={"session_id": short,
                                                  "text": "hi"}).status_code == 400
    assert client.get("/webchat/messages", headers={"X-Chat-Session": short}).status_code == 400
    assert fake_rasa.received == []


def test_the_same_message_id_in_two_sessions_is_two_messages(channels_app, fake_rasa):
    client = channels_app().test_client()
    other = "other-session-0123456789"
    mine = client.post("/webchat/messages", json={
        "session_id": SESSION, "text": "mine", "message_id": "1"})
    theirs = client.post("/webchat/messages", json={
        "session_id": other, "text": "theirs", "message_id": "1"})
    assert mine.json["messages"] == [{"text": "echo: mine"}]
    assert theirs.json["messages"] == [{"text": "echo: theirs"}]
    assert [r["sender"] for r in fake_rasa.received] == [f"webchat:{SESSION}",
                                                          f"webchat:{other}"]


def test_the_transcript_is_read_with_the_session_in_a_header(channels_app):
    client = channels_app().test_client()
    client.post("/webchat/messages", json={"session_id": SESSION, "text": "hello"})
    other = client.get("/webchat/messages",
                       headers={"X-Chat-Session": "another-session-0123456789"})
    assert other.json == {"entries": []}
    mine = client.get("/webchat/messages", headers={"X-Chat-Session": SESSION})
    assert [e["text"] for e in mine.json["entries"]] == ["hello", "echo: hello"]


def test_a_unicode_digit_or_control_characters_are_no_crash(channels_app, fake_rasa):
    client = channels_app().test_client()
    after = client.get("/webchat/messages?after=%C2%B2", headers={"X-Chat-Session": SESSION})
    assert after.status_code == 400
    assert after.json == {"error": "bad_request", "message": "after must be an entry id."}
    sent = client.post("/webchat/messages", json={"session_id": SESSION,
                                                  "text": "pot\x00hole\x1b[2J here"})
    assert sent.status_code == 200
    assert fake_rasa.received[0]["message"] == "pothole[2J here"


def test_the_widget_asks_for_a_session_and_polls_with_a_header(channels_app):
    script = channels_app().test_client().get("/static/chat.js").get_data(as_text=True)
    assert 'fetch("/webchat/session", { method: "POST"' in script
    assert '"X-Chat-Session": session' in script
    assert "session_id=" not in script


def test_the_live_chat_state_takes_the_session_from_the_header(channels_app, api_recorder):
    session_id = "A" * 22
    response = channels_app().test_client().get("/webchat/live-chat",
                                                headers={"X-Chat-Session": session_id})
    assert response.status_code == 200
    [call] = api_recorder.calls("/api/v1/live-chats/state")
    assert call.query == {"sender_id": [f"webchat:{session_id}"]}
