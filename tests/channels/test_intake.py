"""Intake hygiene: odd values on every public channels route get a clear answer, never a 500.

Unicode digits ("²", "①": ``isdigit()`` but not ``int()``), C0 control
characters, NUL (PostgreSQL refuses it in text), over-long and malformed
values. Each case names the route and the value; the answer must be 200, 400
or 404, and a stored message must be free of control characters.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa

from channels.store import InboxMessage, session
from tests.fixtures.channels import ApiRecorder, FakeRasa, channels_config, post_twilio

SESSION = "intake-session-0123456789"
TELEGRAM = {"X-Telegram-Bot-Api-Secret-Token": "telegram-secret"}
_ids = itertools.count(1)
ODD = ["²", "①", "a\x00b", "\x01\x1b[31m", "x" * 5000]


def _sms(client, **fields: str):
    # Ids differ per case: the app is shared, and a repeated id would be a duplicate.
    params = {"From": "+14045550123", "To": "+14045550000", "Body": "hi",
              "MessageSid": f"SMintake{next(_ids)}", "NumMedia": "0", **fields}
    return post_twilio(client, "/sms", params)


def _voice(path: str, **fields: str) -> Callable[[Any], Any]:
    def call(client):
        params = {"CallSid": f"CAintake{next(_ids)}", "From": "+14045550123", **fields}
        return post_twilio(client, path, params)
    return call


def _telegram(update: Any) -> Callable[[Any], Any]:
    def call(client):
        body = {**update, "update_id": next(_ids)} if isinstance(update.get("update_id"), int) \
            else update
        return client.post("/telegram", json=body, headers=TELEGRAM)
    return call


def _messenger(body: Any) -> Callable[[Any], Any]:
    def call(client):
        raw = json.dumps(body).replace('"m_', f'"m{next(_ids)}_').encode()
        signature = "sha256=" + hmac.new(b"app-secret", raw, hashlib.sha256).hexdigest()
        return client.post("/messenger", data=raw, content_type="application/json",
                           headers={"X-Hub-Signature-256": signature})
    return call


def _message(**message: Any) -> dict:
    return {"update_id": 7, "message": {"message_id": 1, "date": 1764345600, **message}}


def _event(**event: Any) -> dict:
    return {"object": "page", "entry": [{"id": "P", "time": 1, "messaging": [event]}]}


CHAT = {"id": 9, "type": "private"}
CASES: list[tuple[str, Callable[[Any], Any]]] = []
for value in ODD:
    CASES += [
        (f"sms Body {value[:8]!r}", lambda c, v=value: _sms(c, Body=v)),
        (f"sms From {value[:8]!r}", lambda c, v=value: _sms(c, From=v)),
        (f"sms MessageSid {value[:8]!r}", lambda c, v=value: _sms(c, MessageSid=v)),
        (f"sms NumMedia {value[:8]!r}", lambda c, v=value: _sms(c, NumMedia=v)),
        (f"sms MediaUrl0 {value[:8]!r}", lambda c, v=value: _sms(c, NumMedia="1", MediaUrl0=v)),
        (f"webchat text {value[:8]!r}", lambda c, v=value: c.post(
            "/webchat/messages", json={"session_id": SESSION, "text": v})),
        (f"webchat message_id {value[:8]!r}", lambda c, v=value: c.post(
            "/webchat/messages", json={"session_id": SESSION, "text": "hi", "message_id": v})),
        (f"webchat session_id {value[:8]!r}", lambda c, v=value: c.post(
            "/webchat/messages", json={"session_id": v, "text": "hi"})),
        (f"webchat title {value[:8]!r}", lambda c, v=value: c.post(
            "/webchat/messages", json={"session_id": SESSION, "payload": "/x", "title": v})),
        (f"webchat after {value[:8]!r}", lambda c, v=value: c.get(
            "/webchat/messages", query_string={"after": v},
            headers={"X-Chat-Session": SESSION})),
        (f"webchat header {value[:8]!r}", lambda c, v=value: c.get(
            "/webchat/messages", headers={"X-Chat-Session": v.replace("\x00", "")})),
        (f"voice Digits {value[:8]!r}", _voice("/voice/gather?turn=1&step=menu", Digits=value)),
        (f"voice Digits later {value[:8]!r}", _voice("/voice/gather?turn=2", Digits=value)),
        (f"voice status {value[:8]!r}", _voice("/voice/gather?turn=2&step=status", Digits=value)),
        (f"voice SpeechResult {value[:8]!r}", _voice("/voice/gather?turn=2",
                                                      SpeechResult=value)),
        (f"voice Confidence {value[:8]!r}", _voice("/voice/gather?turn=1&step=menu",
                                                    SpeechResult="report", Confidence=value)),
        (f"voice CallSid {value[:8]!r}", _voice("/voice", CallSid=value)),
        (f"telegram text {value[:8]!r}", _telegram(_message(chat=CHAT, text=value))),
        (f"telegram callback {value[:8]!r}", _telegram({"update_id": 8, "callback_query": {
            "id": "1", "from": {"id": 9, "is_bot": False, "first_name": "A"},
            "chat_instance": "1", "data": value,
            "message": {"message_id": 1, "date": 1, "chat": CHAT, "text": "x"}}})),
        (f"messenger text {value[:8]!r}", _messenger(_event(
            sender={"id": "55"}, message={"mid": "m_odd", "text": value}))),
        (f"messenger psid {value[:8]!r}", _messenger(_event(
            sender={"id": value}, message={"mid": "m_odd", "text": "hi"}))),
        (f"messenger mid {value[:8]!r}", _messenger(_event(
            sender={"id": "55"}, message={"mid": value, "text": "hi"}))),
    ]
for query in ("turn=%C2%B2", "turn=%E2%91%A0", "turn=99999999999999999999999", "turn=-1"):
    CASES.append((f"voice {query}", _voice(f"/voice/gather?{query}", Digits="1")))
for query in ("inbox=%C2%B2&round=1", "inbox=1&round=%E2%91%A0", "inbox=1&round=1&turn=%C2%B2"):
    CASES.append((f"voice wait {query}", _voice(f"/voice/wait?{query}")))
for query in ("count=%C2%B2", "count=%E2%91%A0", "count="):
    CASES.append((f"voice silence {query}", _voice(f"/voice/silence?turn=1&{query}")))
CASES += [
    ("telegram without chat", _telegram(_message(text="hi"))),
    ("telegram without text", _telegram(_message(chat=CHAT))),
    ("telegram chat not an object", _telegram(_message(chat="x", text="hi"))),
    ("telegram message not an object", _telegram({"update_id": 7, "message": "hi"})),
    ("telegram callback without message", _telegram({"update_id": 8, "callback_query": {
        "id": "1", "from": {"id": 9, "is_bot": False, "first_name": "A"},
        "chat_instance": "1", "data": "x"}})),
    ("telegram update_id as text", _telegram({"update_id": "²", "message": {}})),
    ("telegram photo without sizes", _telegram(_message(chat=CHAT, photo=[{}]))),
    ("telegram location of text", _telegram(_message(chat=CHAT, location={
        "latitude": "²", "longitude": "x"}))),
    ("telegram location NaN", _telegram(_message(chat=CHAT, location={
        "latitude": float("nan"), "longitude": float("inf")}))),
    ("messenger location NaN", _messenger(_event(sender={"id": "55"}, message={
        "mid": "m_n", "attachments": [{"type": "location", "payload": {
            "coordinates": {"lat": float("nan"), "long": 1}}}]}))),
    ("webchat location NaN", lambda c: c.post("/webchat/messages", json={
        "session_id": SESSION, "location": {"lat": float("nan"), "long": 0}})),
    ("telegram file ²", lambda c: c.get("/telegram/files/%C2%B2")),
    ("telegram file NUL", lambda c: c.get("/telegram/files/a%00b")),
    ("telegram file long", lambda c: c.get("/telegram/files/" + "a" * 5000)),
    ("messenger sender not an object", _messenger(_event(sender="55", message={"mid": "m"}))),
    ("messenger message not an object", _messenger(_event(sender={"id": "55"}, message="hi"))),
    ("messenger attachments odd", _messenger(_event(sender={"id": "55"}, message={
        "mid": "m_a", "attachments": [None, 3, {"type": "image", "payload": "x"},
                                      {"type": "location", "payload": {"coordinates": "x"}}]}))),
    ("messenger quick reply odd", _messenger(_event(sender={"id": "55"}, message={
        "mid": "m_q", "text": 5, "quick_reply": {"payload": None}}))),
    ("messenger postback odd", _messenger(_event(sender={"id": "55"}, postback={
        "payload": ["x"], "title": {"a": 1}}))),
    ("messenger entry odd", _messenger({"object": "page", "entry": [{"messaging": "x"}, None]})),
    ("messenger verify odd", lambda c: c.get("/messenger?hub.mode=subscribe"
                                             "&hub.verify_token=verify-token&hub.challenge=%00")),
    ("webchat body a list", lambda c: c.post("/webchat/messages", json=[1])),
    ("webchat location odd", lambda c: c.post("/webchat/messages", json={
        "session_id": SESSION, "location": {"lat": "NaN", "long": "²"}})),
    ("webchat location infinite", lambda c: c.post("/webchat/messages", json={
        "session_id": SESSION, "location": {"lat": 1e400, "long": 0}})),
    ("webchat session", lambda c: c.post("/webchat/session", data="\x00")),
    ("webchat live chat ²", lambda c: c.get("/webchat/live-chat?session_id=%C2%B2")),
    ("page", lambda c: c.get("/?x=%00")),
]


@pytest.fixture(scope="module")
def intake_app(make_database_url):
    """One channels app for every case (each case adds at most a row or two)."""
    from channels import create_app

    rasa, recorder = FakeRasa(), ApiRecorder()
    rasa.start()
    app = create_app(channels_config(rasa.url, recorder.url, make_database_url("intake")))
    yield app
    pool = app.extensions["channels"].get("send_pool")
    if pool is not None:
        pool.shutdown(wait=False, cancel_futures=True)
    app.extensions["channels"]["executor"].shutdown(wait=False, cancel_futures=True)
    app.extensions["channels"]["engine"].dispose()
    rasa.stop()
    recorder.close()


@pytest.mark.parametrize("call", [c for _, c in CASES], ids=[n for n, _ in CASES])
def test_odd_input_gets_a_clear_answer_never_a_500(intake_app, call):
    app = intake_app
    response = call(app.test_client())
    assert response.status_code in (200, 400, 404), response.get_data(as_text=True)[:300]
    if response.status_code == 400:
        assert response.json["error"] == "bad_request"
    with session(app.extensions["channels"]["engine"]) as db:
        stored = db.execute(sa.select(InboxMessage)).scalars().all()
    for row in stored:
        for text in (row.text, row.shown_text, row.sender, row.provider_id):
            assert not any(ord(ch) < 32 and ch not in "\t\n" for ch in text), repr(text)
