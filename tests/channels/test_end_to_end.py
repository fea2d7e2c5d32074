"""Each channel end to end: the real Rasa, action server and case store behind gunicorn.

A whole pothole report per channel, ending in a case found through Open311,
and a status lookup; outbound API calls are asserted at the recorder. Then
Rasa is taken away mid-conversation and brought back.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import re
from collections.abc import Callable

import requests
import sqlalchemy as sa
from PIL import Image

from channels.store import InboxMessage
from tests.fixtures.channels import running_notifier, wait_for

CASE = re.compile(r"case number is (\d\d)-?(\d{6})")
Turn = Callable[[str, dict | None], list[dict]]


def converse(send: Turn, opening: str) -> str:
    """Drive a report: pick a button when offered (the last one with "file it", "Large" or
    "No" in it, else the first), say "skip" otherwise; return the filed case number."""
    messages = send(opening, None)
    for _ in range(15):
        text = " ".join(m.get("text", "") for m in messages)
        found = CASE.search(text)
        if found:
            return found.group(1) + found.group(2)
        buttons = [b for m in messages for b in m.get("buttons") or []]
        if buttons:
            preferred = [b for b in buttons if b["title"] in ("Yes, file it", "Large", "No")]
            messages = send("", (preferred or buttons)[0])
        else:
            messages = send("skip", None)
    raise AssertionError(f"no case filed; last answer: {messages}")


def inbox_status(live, provider_id: str) -> str | None:
    """The channels inbox status of the message the provider calls ``provider_id``."""
    engine = sa.create_engine(live.database_url)
    try:
        with engine.connect() as db:
            return db.execute(sa.select(InboxMessage.status).where(
                InboxMessage.provider_id == provider_id)).scalar_one_or_none()
    finally:
        engine.dispose()


def open311_case(live, number: str) -> dict:
    response = requests.get(f"{live.stack.casestore_url}/open311/v2/requests/{number}.json",
                            timeout=10)
    assert response.status_code == 200
    return response.json()[0]


def twiml_messages(xml: str, buttons: list[dict]) -> list[dict]:
    """Read a TwiML answer back into messages; numbered options become the offered buttons."""
    bodies = re.findall(r"<Body>(.*?)</Body>", xml, re.S)
    text = " ".join(bodies).replace("&amp;", "&").replace("&quot;", '"').replace("&#x27;", "'")
    options = re.findall(r"Reply (\d+) for (.+)", text)
    offered = [{"title": title.strip(), "digit": digit} for digit, title in options]
    buttons[:] = offered
    return [{"text": text, "buttons": offered}]


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (90, 90, 90)).save(out, "JPEG")
    return out.getvalue()


def test_sms_files_a_case_with_a_photo_and_numbered_options_and_looks_it_up(live_channels):
    live, counter = live_channels, iter(range(1000))
    buttons: list[dict] = []

    # Twilio's media host is the recorder (TWILIO_API_BASE_URL): the channels copy the photo
    # into the case store (channels/media.py) and the case keeps that copy, not the URL.
    media_path = "/2010-04-01/Accounts/AC0/Messages/MMe2e/Media/MEe2e"
    photo = live.recorder.url + media_path
    live.recorder.answers[media_path] = (200, _jpeg())

    def send(text: str, button: dict | None) -> list[dict]:
        body = button["digit"] if button else text
        sequence = next(counter)
        params = {"From": "+14045550101", "To": "+14045550000", "Body": body, "NumMedia": "0",
                  "MessageSid": f"SMe2e{sequence:04d}", "AccountSid": "AC" + "0" * 32}
        if sequence == 0:  # the opening MMS carries a photo of the pothole
            params.update(NumMedia="1", MediaUrl0=photo, MediaContentType0="image/jpeg")
        response = live.signed_post("/sms", params)
        assert response.status_code == 200
        return twiml_messages(response.text, buttons)

    number = converse(send, "there is a pothole at 100 Peachtree St NW")
    case = open311_case(live, number)
    assert case["service_code"] == "pothole"
    assert case["address"] == "100 Peachtree St NW"
    assert case["media_url"] is None  # a resident's photo is not public (the URL names the account)
    trusted = requests.get(f"{live.stack.casestore_url}/api/v1/cases/{number}", timeout=10,
                           headers={"Authorization": f"Bearer {live.stack.service_token}"})
    stored = trusted.json()["media_urls"]
    assert (len(stored), stored[0][:6]) == (1, "media:")
    status = send(f"status of case {number}", None)[0]["text"]
    assert "Pothole" in status and number[:2] in status


def test_voice_files_a_case_by_speech_and_keypad_and_reads_its_status(live_channels):
    live = live_channels
    call = {"CallSid": "CAe2e0001", "From": "+14045550102", "To": "+14045550000",
            "AccountSid": "AC" + "0" * 32}
    state = {"action": "/voice"}

    def step(params: dict) -> str:
        response = live.signed_post(state["action"], {**call, **params})
        assert response.status_code == 200
        action = re.search(r'<Gather action="([^"]+)"', response.text)
        if action:
            state["action"] = action.group(1).replace("&amp;", "&")
        return response.text

    def send(text: str, button: dict | None) -> list[dict]:
        xml = step({"Digits": button["digit"]} if button else {"SpeechResult": text,
                                                               "Confidence": "0.93"})
        said = " ".join(re.findall(r"<Say>(.*?)</Say>", xml, re.S))
        assert "http" not in said
        options = re.findall(r"For (.+?), press (\d)(?: or say [^.]*)?\.", said)
        return [{"text": said, "buttons": [{"title": t, "digit": d} for t, d in options]}]

    menu = step({})
    assert "press 1" in menu and 'input="speech dtmf"' in menu and "Pothole" in menu  # hints
    step({"Digits": "1"})
    number = converse(send, "there is a pothole at 55 Trinity Ave SW")
    assert open311_case(live, number)["address"] == "55 Trinity Ave SW"

    call["CallSid"] = "CAe2e0002"
    state["action"] = "/voice"
    step({})
    assert 'finishOnKey="#"' in step({"Digits": "2"})
    said = step({"Digits": number})
    assert "Pothole" in said


def test_telegram_files_a_case_with_inline_keyboards_and_answers_status(live_channels):
    live, ids = live_channels, iter(range(500000, 501000))
    chat = {"id": 880001, "type": "private", "first_name": "Ada"}
    user = {"id": 880001, "is_bot": False, "first_name": "Ada"}
    headers = {"X-Telegram-Bot-Api-Secret-Token": "telegram-secret"}

    def sent_since(before: int) -> list[dict]:
        calls = [c.params for c in live.recorder.calls("/sendMessage")][before:]
        return [{"text": c["text"], "buttons": [
            {"title": row[0]["text"], "payload": row[0]["callback_data"]}
            for row in (c.get("reply_markup") or {}).get("inline_keyboard", [])]}
            for c in calls if str(c["chat_id"]) == str(chat["id"])]

    def send(text: str, button: dict | None) -> list[dict]:
        before = len(live.recorder.calls("/sendMessage"))
        update_id = next(ids)
        if button:
            update = {"update_id": update_id, "callback_query": {
                "id": f"cb{update_id}", "from": user, "chat_instance": "1",
                "data": button["payload"], "message": {
                    "message_id": update_id, "date": 1764345600, "chat": chat, "text": "?",
                    "from": {"id": 777, "is_bot": True, "first_name": "ATL311"}}}}
        else:
            update = {"update_id": update_id, "message": {
                "message_id": update_id, "date": 1764345600, "chat": chat, "from": user,
                "text": text}}
        assert requests.post(f"{live.url}/telegram", json=update, headers=headers,
                             timeout=120).status_code == 200
        return sent_since(before)

    number = converse(send, "pothole at 200 Edgewood Ave SE")
    assert open311_case(live, number)["address"] == "200 Edgewood Ave SE"
    assert live.recorder.calls("/answerCallbackQuery")
    assert "Pothole" in send(f"/status {number}", None)[0]["text"]


def test_messenger_files_a_case_with_quick_replies_and_answers_status(live_channels):
    live, mids = live_channels, iter(range(1000))
    psid = "990001"

    def sent_since(before: int) -> list[dict]:
        calls = [c.json for c in live.recorder.calls("/me/messages")][before:]
        return [{"text": c["message"].get("text", ""), "buttons": [
            {"title": q["title"], "payload": q["payload"]}
            for q in c["message"].get("quick_replies", [])]}
            for c in calls if c["recipient"]["id"] == psid]

    def send(text: str, button: dict | None) -> list[dict]:
        before = len(live.recorder.calls("/me/messages"))
        message = {"mid": f"m_e2e_{next(mids)}", "text": button["title"] if button else text}
        if button:
            message["quick_reply"] = {"payload": button["payload"]}
        body = {"object": "page", "entry": [{"id": "PAGE", "time": 1764345600000, "messaging": [
            {"sender": {"id": psid}, "recipient": {"id": "PAGE"}, "timestamp": 1764345600000,
             "message": message}]}]}
        raw = json.dumps(body).encode()
        signature = "sha256=" + hmac.new(b"app-secret", raw, hashlib.sha256).hexdigest()
        response = requests.post(f"{live.url}/messenger", data=raw, timeout=120, headers={
            "Content-Type": "application/json", "X-Hub-Signature-256": signature})
        assert response.status_code == 200
        # Messenger events are stored, then answered in the background: wait for the
        # message's inbox row to be done, when every reply of the turn has gone out.
        wait_for(lambda: inbox_status(live, message["mid"]) == "done", 120, "the reply")
        return sent_since(before)

    number = converse(send, "there's a pothole at 300 Auburn Ave NE")
    assert open311_case(live, number)["address"] == "300 Auburn Ave NE"
    assert "Pothole" in send(f"status of case {number}", None)[0]["text"]


def test_rasa_stopped_mid_conversation_gets_a_holding_reply_then_the_answer_by_api(
        live_channels):
    live = live_channels
    sent = lambda: [c.form for c in live.recorder.calls("/Messages.json")  # noqa: E731
                    if c.form.get("To") == ["+14045550103"]]

    def sms(body: str, sid: str):
        return live.signed_post("/sms", {"From": "+14045550103", "To": "+14045550000",
                                         "Body": body, "MessageSid": sid, "NumMedia": "0"})

    first = sms("there is a pothole at 400 Spring St NW", "SMdown0001")
    assert "How big" in first.text
    live.rasa_proxy.stop()
    try:
        held = sms("3", "SMdown0002")
        assert held.status_code == 200
        assert "404-546-0311" in held.text
        assert sent() == []
    finally:
        live.rasa_proxy.start()
    later = wait_for(sent, 120, "the reply through Twilio's Messages API")
    assert "travel lane" in later[0]["Body"][0]
    assert "Reply 1 for Yes" in later[0]["Body"][0]
    wait_for(lambda: "pending" not in live.inbox_statuses(), 60, "the inbox to drain")


def test_case_notices_reach_the_resident_by_sms_no_reopens_and_an_answer_lands_on_the_case(
        live_channels, tmp_path):
    """The case store's notifier delivers through /internal/send; the closed notice's
    "Reply YES or NO" is answered NO by SMS and the case is open again."""
    live, counter = live_channels, iter(range(1000))
    phone, buttons = "+14045550104", []
    texts_to_resident = lambda: [c.form["Body"][0]  # noqa: E731
                                 for c in live.recorder.calls("/Messages.json")
                                 if c.form.get("To") == [phone]]

    def send(text: str, button: dict | None) -> list[dict]:
        params = {"From": phone, "To": "+14045550000", "Body": button["digit"] if button else text,
                  "NumMedia": "0", "MessageSid": f"SMnotice{next(counter):04d}"}
        return twiml_messages(live.signed_post("/sms", params).text, buttons)

    number = converse(send, "there is a pothole at 150 Ralph McGill Blvd NE")
    with running_notifier(live, tmp_path, "closer@example.org") as token:
        wait_for(lambda: any(number[2:] in t for t in texts_to_resident()), 60,
                 "the opened notice by SMS")
        closed = requests.post(
            f"{live.stack.casestore_url}/api/v1/cases/{number}/activities", timeout=10,
            headers={"Authorization": f"Bearer {token}"},
            json={"kind": "closed", "reason": "fixed", "comments": "Crew filled the pothole."})
        assert closed.status_code == 201, closed.text
        notice = wait_for(lambda: [t for t in texts_to_resident() if "YES or NO" in t], 60,
                          "the closed notice by SMS")
        assert "Crew filled the pothole." in notice[0]
        answer = send("NO it is still there", None)[0]["text"]
        assert f"reopened case {number}" in answer
        # The staff view: the resident's reopening words are not public.
        case = requests.get(f"{live.stack.casestore_url}/api/v1/cases/{number}", timeout=10,
                            headers={"Authorization": f"Bearer {token}"}).json()
        assert case["status"] != "closed"
        assert any(a["kind"] == "reopened" for a in case["timeline"])

        asked = requests.post(
            f"{live.stack.casestore_url}/api/v1/cases/{number}/activities", timeout=10,
            headers={"Authorization": f"Bearer {token}"},
            json={"kind": "info_requested", "note": "Which lane is the hole in?"})
        assert asked.status_code == 201, asked.text
        wait_for(lambda: [t for t in texts_to_resident() if "Which lane" in t], 60,
                 "the information request by SMS")
        assert f"added that to case {number}" in send("the right lane", None)[0]["text"]
        full = requests.get(f"{live.stack.casestore_url}/api/v1/cases/{number}", timeout=10,
                            headers={"Authorization": f"Bearer {token}"}).json()
        assert any(a["kind"] == "info_added" and a["note"] == "the right lane"
                   for a in full["timeline"])


SAFETY = "If someone is in danger, call 911 now."


def sms_sender(live, sender: str, prefix: str) -> Callable[[str], str]:
    """Signed SMS from ``sender``; returns the TwiML reply's text."""
    counter = iter(range(1000))

    def send(text: str) -> str:
        params = {"From": sender, "To": "+14045550000", "Body": text, "NumMedia": "0",
                  "MessageSid": f"{prefix}{next(counter):04d}", "AccountSid": "AC" + "0" * 32}
        response = live.signed_post("/sms", params)
        assert response.status_code == 200
        return twiml_messages(response.text, [])[0]["text"]

    return send


def test_sms_danger_gets_911_first_in_the_first_message_and_mid_report(live_channels):
    first = sms_sender(live_channels, "+14045550111", "SMdanger1")
    assert first("theres smoke pouring out of my neighbors house and i hear a baby crying") \
        .startswith(SAFETY)
    mid = sms_sender(live_channels, "+14045550112", "SMdanger2")
    assert "Pothole" in mid("big pothole at 412 Boulevard SE")
    reply = mid("oh god a man just collapsed on the sidewalk and hes not breathing")
    assert reply.startswith(SAFETY)
    assert "Your case number" not in mid("yes")


def test_voice_danger_said_at_the_open_greeting_gets_911_first(live_channels):
    call = {"CallSid": "CAdanger01", "From": "+14045550113", "To": "+14045550000",
            "AccountSid": "AC" + "0" * 32}
    menu = live_channels.signed_post("/voice", call)
    action = re.search(r'<Gather action="([^"]+)"', menu.text).group(1).replace("&amp;", "&")
    answer = live_channels.signed_post(action, {
        **call, "SpeechResult": "my husband fell down the stairs and he wont wake up",
        "Confidence": "0.91"})
    said = " ".join(re.findall(r"<Say>(.*?)</Say>", answer.text, re.S))
    assert said.startswith(SAFETY)


def test_telegram_danger_mid_report_gets_911_first_and_files_nothing(live_channels):
    live, ids = live_channels, iter(range(600000, 601000))
    chat = {"id": 880002, "type": "private", "first_name": "Bo"}
    headers = {"X-Telegram-Bot-Api-Secret-Token": "telegram-secret"}

    def send(text: str) -> str:
        before = len(live.recorder.calls("/sendMessage"))
        update_id = next(ids)
        update = {"update_id": update_id, "message": {
            "message_id": update_id, "date": 1764345600, "chat": chat,
            "from": {"id": 880002, "is_bot": False, "first_name": "Bo"}, "text": text}}
        assert requests.post(f"{live.url}/telegram", json=update, headers=headers,
                             timeout=120).status_code == 200
        calls = [c.params for c in live.recorder.calls("/sendMessage")][before:]
        return " ".join(c["text"] for c in calls if str(c["chat_id"]) == str(chat["id"]))

    assert "Graffiti" in send("somebody tagged the wall at 77 Auburn Ave NE")
    assert send("wait theres a guy outside waving a gun at people").startswith(SAFETY)
    assert "Your case number" not in send("yes")
