"""Telegram webhook: secret token, Updates as Telegram sends them, Bot API replies."""

from __future__ import annotations

from tests.fixtures.channels import wait_for

SECRET = {"X-Telegram-Bot-Api-Secret-Token": "telegram-secret"}
USER = {"id": 424242, "is_bot": False, "first_name": "Ada", "language_code": "en"}
CHAT = {"id": 424242, "first_name": "Ada", "type": "private"}


def text_update(update_id: int, text: str, **message: object) -> dict:
    entities = ([{"offset": 0, "length": len(text.split()[0]), "type": "bot_command"}]
                if text.startswith("/") else [])
    body = {"message_id": update_id, "from": USER, "chat": CHAT, "date": 1764345600,
            "text": text, **message}
    if entities:
        body["entities"] = entities
    return {"update_id": update_id, "message": body}


def sent_messages(recorder) -> list[dict]:
    return [c.params for c in recorder.calls("/sendMessage")]


def test_a_message_is_relayed_and_answered_with_an_inline_keyboard(
        channels_app, fake_rasa, api_recorder):
    fake_rasa.reply = lambda body: [{"text": "Is it large?", "buttons": [
        {"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]}]
    client = channels_app().test_client()
    response = client.post("/telegram", json=text_update(1001, "pothole"), headers=SECRET)
    assert response.status_code == 200
    assert fake_rasa.received[0]["sender"] == "telegram:424242"
    assert fake_rasa.received[0]["metadata"]["message_id"] == "424242:1001"  # scoped by chat
    sent = sent_messages(api_recorder)[0]
    assert sent["chat_id"] == "424242"
    assert sent["text"] == "Is it large?"
    assert sent["reply_markup"] == {"inline_keyboard": [
        [{"text": "Yes", "callback_data": "/affirm"}], [{"text": "No", "callback_data": "/deny"}]]}
    assert api_recorder.calls("/bot123456:TEST-token/sendMessage")


def test_a_pressed_button_is_answered_and_sends_its_payload(channels_app, fake_rasa, api_recorder):
    fake_rasa.reply = lambda body: [{"text": "Large?", "buttons": [
        {"title": "Yes", "payload": "/affirm"}]}]
    client = channels_app().test_client()
    client.post("/telegram", json=text_update(1001, "pothole"), headers=SECRET)
    callback = {"update_id": 1002, "callback_query": {
        "id": "9988", "from": USER, "chat_instance": "-1", "data": "/affirm",
        "message": {"message_id": 5, "from": {"id": 777, "is_bot": True, "first_name": "ATL311"},
                    "chat": CHAT, "date": 1764345601, "text": "Large?"}}}
    assert client.post("/telegram", json=callback, headers=SECRET).status_code == 200
    assert api_recorder.calls("/answerCallbackQuery")[0].params["callback_query_id"] == "9988"
    assert fake_rasa.received[-1]["message"] == "/affirm"


def test_start_and_status_commands_become_plain_requests(channels_app, fake_rasa):
    client = channels_app().test_client()
    client.post("/telegram", json=text_update(1, "/start"), headers=SECRET)
    client.post("/telegram", json=text_update(2, "/status 26-000123"), headers=SECRET)
    assert fake_rasa.received[0]["message"] == "hello"
    assert fake_rasa.received[1]["message"] == "what is the status of case 26-000123"


def test_a_shared_location_and_a_photo_travel_as_metadata(channels_app, fake_rasa, api_recorder):
    client = channels_app().test_client()
    location = {"update_id": 3, "message": {"message_id": 3, "from": USER, "chat": CHAT,
                                            "date": 1764345600,
                                            "location": {"latitude": 33.749,
                                                         "longitude": -84.388}}}
    photo = {"update_id": 4, "message": {"message_id": 4, "from": USER, "chat": CHAT,
                                         "date": 1764345600, "caption": "here it is",
                                         "photo": [
        {"file_id": "small-id", "file_unique_id": "s", "width": 90, "height": 60},
        {"file_id": "large-id", "file_unique_id": "l", "width": 1280, "height": 960}]}}
    api_recorder.answers["/file/bot"] = (200, b"photo bytes")  # the Bot API's file download
    api_recorder.answers["/api/v1/media"] = (201, {"id": "p" * 32, "ref": "media:" + "p" * 32})
    client.post("/telegram", json=location, headers=SECRET)
    client.post("/telegram", json=photo, headers=SECRET)
    assert fake_rasa.received[0]["metadata"]["location"] == {"lat": 33.749, "long": -84.388}
    media = fake_rasa.received[1]["metadata"]["media_urls"]
    assert media == ["media:" + "p" * 32]  # its case store copy (channels/media.py)
    assert fake_rasa.received[1]["message"] == "here it is"
    image = client.get("/telegram/files/large-id")
    assert image.status_code == 200
    assert "TEST-token" not in media[0]


def test_a_wrong_or_missing_secret_gets_403(channels_app, fake_rasa):
    client = channels_app().test_client()
    update = text_update(5, "hi")
    assert client.post("/telegram", json=update,
                       headers={"X-Telegram-Bot-Api-Secret-Token": "guess"}).status_code == 403
    assert client.post("/telegram", json=update).status_code == 403
    assert fake_rasa.received == []


def test_a_redelivered_update_is_processed_once(channels_app, fake_rasa, api_recorder):
    client = channels_app().test_client()
    client.post("/telegram", json=text_update(6, "hi"), headers=SECRET)
    assert client.post("/telegram", json=text_update(6, "hi"), headers=SECRET).status_code == 200
    assert len(fake_rasa.received) == 1
    assert len(sent_messages(api_recorder)) == 1


def test_unknown_update_kinds_are_acknowledged_and_ignored(channels_app, fake_rasa):
    client = channels_app().test_client()
    poll = {"update_id": 7, "poll": {"id": "1", "question": "?", "options": [],
                                     "total_voter_count": 0, "is_closed": False,
                                     "is_anonymous": True, "type": "regular",
                                     "allows_multiple_answers": False}}
    sticker_only = {"update_id": 8, "message": {"message_id": 8, "from": USER, "chat": CHAT,
                                                "date": 1764345600}}
    assert client.post("/telegram", json=poll, headers=SECRET).status_code == 200
    assert client.post("/telegram", json=sticker_only, headers=SECRET).status_code == 200
    assert client.post("/telegram", data="nope", headers=SECRET,
                       content_type="application/json").status_code == 400
    assert fake_rasa.received == []


def test_the_channel_is_off_without_its_tokens(channels_app):
    client = channels_app(TELEGRAM_BOT_TOKEN="").test_client()
    assert client.post("/telegram", json=text_update(9, "hi"), headers=SECRET).status_code == 404


def test_the_set_webhook_command_sends_the_secret_token(channels_app, api_recorder):
    app = channels_app()
    result = app.test_cli_runner().invoke(args=["telegram-set-webhook"])
    assert result.exit_code == 0, result.output
    call = wait_for(lambda: api_recorder.calls("/setWebhook"))[0]
    assert call.params["url"] == "https://atl311.example.org/telegram"
    assert call.params["secret_token"] == "telegram-secret"


def test_an_oversized_update_gets_413(channels_app, fake_rasa):
    client = channels_app().test_client()
    update = text_update(10, "x" * 70000)
    assert client.post("/telegram", json=update, headers=SECRET).status_code == 413
    assert fake_rasa.received == []


PHOTO = {"update_id": 4, "message": {"message_id": 4, "from": USER, "chat": CHAT,
                                     "date": 1764345600, "photo": [
    {"file_id": "large-id", "file_unique_id": "l", "width": 1280, "height": 960}]}}


def test_a_recorded_photo_is_served_as_an_image_that_is_never_sniffed(channels_app, fake_rasa,
                                                                     api_recorder):
    client = channels_app().test_client()
    client.post("/telegram", json=PHOTO, headers=SECRET)
    image = client.get("/telegram/files/large-id")
    assert image.status_code == 200
    assert image.headers["Content-Type"] == "image/jpeg"
    assert image.headers["X-Content-Type-Options"] == "nosniff"
    assert image.get_data() == b'{"file": "bytes"}'  # the recorder's bytes, passed through
    assert api_recorder.calls("/getFile")[0].params["file_id"] == "large-id"


def test_a_file_id_no_resident_sent_is_404_without_asking_telegram(channels_app, api_recorder):
    client = channels_app().test_client()
    assert client.get("/telegram/files/someone-elses-file").status_code == 404
    assert api_recorder.calls("/getFile") == []


def test_a_photo_over_the_size_cap_is_not_passed_on(channels_app, fake_rasa, api_recorder):
    client = channels_app(TELEGRAM_FILE_MAX_BYTES=8).test_client()
    client.post("/telegram", json=PHOTO, headers=SECRET)
    assert client.get("/telegram/files/large-id").status_code == 404


def test_an_update_without_a_chat_is_acknowledged_and_stores_nothing(channels_app, fake_rasa):
    client = channels_app().test_client()
    update = {"update_id": 11, "message": {"message_id": 11, "date": 1764345600, "text": "hi"}}
    response = client.post("/telegram", json=update, headers=SECRET)
    assert response.status_code == 200
    assert fake_rasa.received == []
