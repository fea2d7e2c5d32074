"""Relays one message to Rasa's REST channel and checks that the answer is real.

Rasa 3.6 fails quietly: its REST channel answers ``200 []`` after an internal
error, so an empty answer is treated as a failure here, like an error status
or a refused connection. The caller decides what the resident hears meanwhile.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import requests

from channels.deadlines import timed_request
from channels.metrics import count_rasa_failure

log = logging.getLogger(__name__)
_session = requests.Session()  # kept connections: a turn must not pay for a new one


class TurnError(Exception):
    """Rasa gave no usable answer; ``down`` says it could not be reached at all."""

    def __init__(self, reason: str, down: bool = False) -> None:
        super().__init__(reason)
        self.down = down


def neutralise(text: str) -> str:
    """Free text must not start with "/": Rasa would take it as an intent with entities."""
    text = text.strip()
    while text.startswith("/"):
        text = text[1:].lstrip()
    return text


@dataclass
class Turn:
    """Rasa's answer to one message: what to render, and the conversation's language after
    it (from the reply list's ``{"custom": {"language": "es"}}``; None when absent)."""

    messages: list[dict[str, Any]] = field(default_factory=list)
    language: str | None = None


def reply_language(raw: list[Any]) -> str | None:
    """The language the assistant's reply list ends with (``{"custom": {"language": …}}``)."""
    found = None
    for item in raw:
        custom = item.get("custom") if isinstance(item, dict) else None
        if isinstance(custom, dict) and isinstance(custom.get("language"), str):
            found = custom["language"].strip()[:16] or found
    return found


def normalise_messages(raw: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Keep what every channel can render: text, buttons (title, payload) and an image.

    One custom marker passes too: ``{"transfer": "agent"}``, the assistant asking
    the phone channel to put the caller through to a person. The language marker
    (``{"custom": {"language": "es"}}``, see ``reply_language``) is never rendered.
    """
    messages = []
    for item in raw:
        if not isinstance(item, dict):
            continue
        message: dict[str, Any] = {"text": str(item.get("text") or "")}
        buttons = [
            {"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))}
            for b in item.get("buttons") or []
            if b.get("title") and b.get("payload")
        ]
        if buttons:
            message["buttons"] = buttons
        if item.get("image"):
            message["image"] = str(item["image"])
        custom = item.get("custom")
        if isinstance(custom, dict) and custom.get("transfer") == "agent":
            message["transfer"] = "agent"
        if message["text"] or buttons or "image" in message or "transfer" in message:
            messages.append(message)
    return messages


def send_to_rasa(
    rasa_url: str,
    auth_token: str,
    sender: str,
    text: str,
    metadata: dict[str, Any],
    timeout: float,
    connect_timeout: float = 3.0,
) -> Turn:
    """POST one message to ``{rasa_url}/webhooks/rest/webhook``; return its normalised
    messages and the conversation's language (the reply list's last item, not rendered).

    ``auth_token`` is the webhook secret (``RASA_WEBHOOK_TOKEN``), sent as
    ``Authorization: Bearer``: never in the URL, where access logs would keep it.
    Raises TurnError when Rasa cannot be reached, answers an error, or answers
    nothing at all. ``timeout`` bounds each read and the whole call;
    ``connect_timeout`` the connection.
    """
    headers = {"Authorization": f"Bearer {auth_token}"} if auth_token else {}
    try:
        response = timed_request(
            _session, "POST", f"{rasa_url}/webhooks/rest/webhook",
            headers=headers,
            json={"sender": sender, "message": text, "metadata": metadata},
            connect=connect_timeout, read=timeout, deadline=timeout,
        )
    except requests.ConnectionError as exc:
        count_rasa_failure("unreachable")
        raise TurnError("rasa unreachable", down=True) from exc
    except requests.Timeout as exc:
        count_rasa_failure("timeout")
        raise TurnError("rasa timed out") from exc
    if response.status_code >= 500:
        count_rasa_failure("error_status")
        raise TurnError(f"rasa answered {response.status_code}", down=True)
    if response.status_code != 200:
        count_rasa_failure("error_status")
        raise TurnError(f"rasa answered {response.status_code}")
    try:
        body = response.json()
    except ValueError as exc:
        count_rasa_failure("bad_answer")
        raise TurnError("rasa answered no JSON") from exc
    raw = body if isinstance(body, list) else []
    messages = normalise_messages(raw)
    if not messages:  # a language marker alone is still nothing to say
        count_rasa_failure("empty")
        raise TurnError("rasa answered nothing")
    return Turn(messages, reply_language(raw))


def rasa_reachable(rasa_url: str, timeout: float = 2.0) -> bool:
    """True when Rasa's server answers its status root within ``timeout`` (each phase)."""
    try:
        return timed_request(_session, "GET", f"{rasa_url}/", connect=timeout, read=timeout,
                             deadline=timeout).status_code == 200
    except requests.RequestException:
        return False
