"""Web chat JSON endpoints: relay to Rasa, transcript, bad input."""

from __future__ import annotations

from tests.fixtures.channels import make_retries_due, wait_for

SESSION = "session-0123456789"


def test_a_typed_message_reaches_rasa_with_its_sender_id_and_message_id(channels_app, fake_rasa):
    client = channels_app().test_client()
    response = client.post("/webchat/messages", json={
        "session_id": SESSION, "text": "there is a pothole", "message_id": "m-1"})
    assert response.status_code == 200
    assert response.json["messages"] == [{"text": "echo: there is a pothole"}]
    sent = fake_rasa.received[0]
    assert sent["sender"] == f"webchat:{SESSION}"
    assert sent["message"] == "there is a pothole"
    assert sent["metadata"]["message_id"] == "m-1"
    assert sent["metadata"]["channel"] == "webchat"
    assert "token=rasa-secret" in sent["query"]


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
    entries = client.get(f"/webchat/messages?session_id={SESSION}").json["entries"]
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
