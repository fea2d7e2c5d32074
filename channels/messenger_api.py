"""Messenger Send API calls: Graph API under MESSENGER_API_BASE_URL, MESSENGER_GRAPH_VERSION."""

from __future__ import annotations

import re
from typing import Any

import requests
from flask import Flask

from channels.deadlines import call_timeouts, remaining, timed_request
from channels.errors import SendError

# Graph API errors that no retry can fix: 10/2018278 outside the 24-hour window
# (or a tag not allowed), 551 "this person isn't available right now", 200 with
# 2018108/1545041 the person cannot receive messages from the page, 100/2018001
# no such person.
_PERMANENT = {(10, 2018278), (551, None), (551, 1545041), (200, 2018108), (200, 1545041),
              (100, 2018001)}
_session = requests.Session()


def send_url(app: Flask) -> str:
    """The Send API URL: MESSENGER_API_BASE_URL, the Graph version, ``/me/messages``."""
    base = app.config["MESSENGER_API_BASE_URL"]
    version = app.config["MESSENGER_GRAPH_VERSION"].strip("/")
    if version and not re.search(r"/v\d+\.\d+$", base):  # a base that names its own wins
        base = f"{base}/{version}"
    return f"{base}/me/messages"


def _permanent(response: requests.Response) -> bool:
    try:
        error = response.json().get("error") or {}
        key = (int(error.get("code")), error.get("error_subcode"))
    except (ValueError, TypeError, AttributeError):
        return False
    return key in _PERMANENT or (key[0], None) in _PERMANENT


def _post(app: Flask, body: dict[str, Any]) -> None:
    connect, read = call_timeouts(app.config["OUTBOUND_CONNECT_TIMEOUT_SECONDS"],
                                  app.config["OUTBOUND_READ_TIMEOUT_SECONDS"])
    left = remaining()
    try:
        response = timed_request(
            _session, "POST", send_url(app),
            params={"access_token": app.config["MESSENGER_PAGE_TOKEN"]},
            json=body, connect=connect, read=read,
            deadline=left if left is not None else app.config["SEND_DEADLINE_SECONDS"],
        )
    except requests.RequestException as exc:
        raise SendError(type(exc).__name__) from exc
    if response.status_code >= 400:
        raise SendError(f"send api answered {response.status_code}",
                        permanent=_permanent(response))


def send_messages(
    app: Flask, psid: str, messages: list[dict[str, Any]], notice: bool = False
) -> None:
    """Send each message to ``psid``: text with quick replies for buttons, images as such.

    A case ``notice`` may come days after the resident's last message, outside
    Messenger's 24-hour reply window: it goes out tagged ``ACCOUNT_UPDATE`` (an
    update on something the resident asked for) instead of as a ``RESPONSE``.
    """
    kind = {"messaging_type": "MESSAGE_TAG", "tag": "ACCOUNT_UPDATE"} if notice else {
        "messaging_type": "RESPONSE"}
    for message in messages:
        if message.get("image"):
            _post(
                app,
                {
                    "recipient": {"id": psid},
                    **kind,
                    "message": {
                        "attachment": {"type": "image", "payload": {"url": message["image"]}}
                    },
                },
            )
        text = message.get("text") or ""
        buttons = message.get("buttons") or []
        if not text and not buttons:
            continue
        body: dict[str, Any] = {"text": text[:2000] or "…"}
        if buttons:
            # Messenger allows 13 quick replies with titles of 20 characters.
            body["quick_replies"] = [
                {"content_type": "text", "title": b["title"][:20], "payload": b["payload"]}
                for b in buttons[:13]
            ]
        _post(app, {"recipient": {"id": psid}, **kind, "message": body})
