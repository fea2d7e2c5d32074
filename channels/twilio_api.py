"""Twilio: webhook signature checks and the Messages API for replies and notices sent later."""

from __future__ import annotations

import json
import logging
import threading
from functools import wraps
from typing import Any

import requests
from flask import Flask, abort, current_app, request
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from channels import tokens
from channels.deadlines import call_timeouts
from channels.errors import SendError

log = logging.getLogger(__name__)


def signature_valid() -> bool:
    """Check X-Twilio-Signature against PUBLIC_BASE_URL + the path, as Twilio signed it.

    While the auth token is rotated (Twilio's secondary token promoted), the setting
    holds both, comma-separated, and a signature by either is good.
    """
    signature = request.headers.get("X-Twilio-Signature", "")
    auth_tokens = tokens.values(current_app.config["TWILIO_AUTH_TOKEN"])
    if not auth_tokens or not signature:
        return False
    # Behind a proxy the app sees an internal URL; Twilio signed the public one.
    url = current_app.config["PUBLIC_BASE_URL"] + request.full_path.rstrip("?")
    params = request.form.to_dict(flat=True)
    try:
        return any([RequestValidator(token).validate(url, params, signature)
                    for token in auth_tokens])
    except (TypeError, ValueError, KeyError):
        return False


def twilio_signed(view):  # noqa: ANN001, ANN201 - a Flask view decorator
    """Answer 403 (before anything is stored) unless the request is signed by Twilio."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any):  # noqa: ANN202
        if not signature_valid():
            abort(403)
        return view(*args, **kwargs)

    return wrapper


# Twilio's error codes for a message that can never be delivered, so it is not
# retried: 21211 invalid number, 21610 the number replied STOP to us at the
# carrier, 21614 not a mobile number, 63016 WhatsApp outside the 24-hour window.
PERMANENT_CODES = frozenset({21211, 21610, 21614, 63016})


class _TimedHttpClient(TwilioHttpClient):
    """twilio's HTTP client with a connect and a read timeout clipped to the send's deadline.

    twilio 8 accepts one number as its timeout and defaults to none at all.
    """

    def __init__(self, connect: float, read: float) -> None:
        self._calls = threading.local()
        self.connect_timeout, self.read_timeout = connect, read
        super().__init__(timeout=read)

    @property
    def timeout(self) -> tuple[float, float]:
        """This thread's call timeouts: the parent reads them when no timeout is passed."""
        return getattr(self._calls, "timeout", None) or (self.connect_timeout, self.read_timeout)

    @timeout.setter
    def timeout(self, _value: float | None) -> None:
        pass  # the parent's constructor sets one number; ours are per call

    def request(self, *args: Any, **kwargs: Any):  # noqa: ANN201 - twilio's Response
        kwargs.pop("timeout", None)
        # Per thread: several sends share this client, each with its own deadline.
        self._calls.timeout = call_timeouts(self.connect_timeout, self.read_timeout)
        try:
            return super().request(*args, timeout=None, **kwargs)
        finally:
            self._calls.timeout = None


def _client(app: Flask) -> Client:
    client = app.extensions["channels"].get("twilio_client")
    if client is None:
        http = _TimedHttpClient(app.config["OUTBOUND_CONNECT_TIMEOUT_SECONDS"],
                                app.config["OUTBOUND_READ_TIMEOUT_SECONDS"])
        client = Client(app.config["TWILIO_ACCOUNT_SID"],
                        tokens.presented(app.config["TWILIO_AUTH_TOKEN"]),
                        http_client=http)
        client.api.base_url = app.config["TWILIO_API_BASE_URL"]
        app.extensions["channels"]["twilio_client"] = client
    return client


def whatsapp_template(
    app: Flask, kind: str, fields: dict[str, str]
) -> tuple[str, str] | None:
    """The approved template (content SID, ContentVariables JSON) for a notice ``kind``.

    TWILIO_WHATSAPP_TEMPLATES maps a kind to a content SID, or to
    ``{"content_sid", "variables"}`` whose values are filled from ``fields``
    (``{case_number}``, ``{text}``, ``{event}``). None when the kind has none.
    """
    raw = app.config["TWILIO_WHATSAPP_TEMPLATES"]
    try:
        table = json.loads(raw) if isinstance(raw, str) and raw.strip() else (raw or {})
    except ValueError:
        log.error("TWILIO_WHATSAPP_TEMPLATES is not valid JSON")
        return None
    entry = table.get(kind) if isinstance(table, dict) else None
    if isinstance(entry, str):
        entry = {"content_sid": entry}
    if not isinstance(entry, dict) or not entry.get("content_sid"):
        return None
    variables = entry.get("variables") or {"1": "{case_number}", "2": "{text}"}
    values = {str(k): str(v).format_map(_Blank(fields)) for k, v in variables.items()}
    return str(entry["content_sid"]), json.dumps(values, ensure_ascii=False)


class _Blank(dict):
    """format_map fields: an unknown name gives "" rather than a KeyError."""

    def __missing__(self, key: str) -> str:
        return ""


def outbound_configured(app: Flask) -> bool:
    """True when the Messages API can be used (an account and a sender or a service)."""
    return bool(app.config["TWILIO_ACCOUNT_SID"] and (
        app.config["TWILIO_FROM_NUMBER"] or app.config["TWILIO_MESSAGING_SERVICE_SID"]))


def send_sms(
    app: Flask,
    address: str,
    bodies: list[str],
    media_urls: list[str],
    *,
    template: tuple[str, str] | None = None,
    status_callback: str | None = None,
) -> list[str]:
    """Send to an ``sms:`` or ``whatsapp:`` address through the Messages API.

    ``bodies`` go out as one message each (media on the first), or, with
    ``template`` (content SID, variables JSON), one approved template message
    instead. Through TWILIO_MESSAGING_SERVICE_SID when set, else from
    TWILIO_FROM_NUMBER. Returns the message SIDs. Raises SendError, permanent
    for Twilio's never-deliverable codes.
    """
    if not outbound_configured(app):
        raise SendError("outbound SMS is not configured")
    kind, number = address.split(":", 1)
    to = f"whatsapp:{number}" if kind == "whatsapp" else number
    sender: dict[str, Any]
    if app.config["TWILIO_MESSAGING_SERVICE_SID"]:
        sender = {"messaging_service_sid": app.config["TWILIO_MESSAGING_SERVICE_SID"]}
    else:
        origin = app.config["TWILIO_FROM_NUMBER"]
        sender = {"from_": f"whatsapp:{origin}" if kind == "whatsapp" else origin}
    if status_callback:
        sender["status_callback"] = status_callback
    if template is not None:
        calls = [{"content_sid": template[0], "content_variables": template[1]}]
    else:
        calls = [{"body": body, **({"media_url": media_urls} if media_urls and i == 0 else {})}
                 for i, body in enumerate(bodies)]
    sids = []
    for call in calls:
        try:
            message = _client(app).messages.create(to=to, **sender, **call)
        except TwilioRestException as exc:
            permanent = exc.code in PERMANENT_CODES
            raise SendError(f"twilio error {exc.code or exc.status}", permanent=permanent) from exc
        except (TwilioException, requests.RequestException) as exc:
            raise SendError(type(exc).__name__) from exc
        sids.append(str(message.sid))
    return sids
