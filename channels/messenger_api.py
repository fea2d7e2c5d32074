"""Messenger Send API calls (Graph API under MESSENGER_API_BASE_URL)."""

from __future__ import annotations

from typing import Any

import requests
from flask import Flask

from channels.errors import SendError


def _post(app: Flask, body: dict[str, Any]) -> None:
    try:
        response = requests.post(
            f"{app.config['MESSENGER_API_BASE_URL']}/me/messages",
            params={"access_token": app.config["MESSENGER_PAGE_TOKEN"]},
            json=body,
            timeout=10,
        )
    except requests.RequestException as exc:
        raise SendError(type(exc).__name__) from exc
    if response.status_code >= 400:
        raise SendError(f"send api answered {response.status_code}")


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
