"""Twilio: webhook signature checks and the Messages API for replies sent later."""

from __future__ import annotations

from functools import wraps
from typing import Any

import requests
from flask import Flask, abort, current_app, request
from twilio.base.exceptions import TwilioException
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from channels.errors import SendError


def signature_valid() -> bool:
    """Check X-Twilio-Signature against PUBLIC_BASE_URL + the path, as Twilio signed it."""
    token = current_app.config["TWILIO_AUTH_TOKEN"]
    signature = request.headers.get("X-Twilio-Signature", "")
    if not token or not signature:
        return False
    # Behind a proxy the app sees an internal URL; Twilio signed the public one.
    url = current_app.config["PUBLIC_BASE_URL"] + request.full_path.rstrip("?")
    try:
        return RequestValidator(token).validate(url, request.form.to_dict(flat=True), signature)
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


def _client(app: Flask) -> Client:
    client = app.extensions["channels"].get("twilio_client")
    if client is None:
        client = Client(app.config["TWILIO_ACCOUNT_SID"], app.config["TWILIO_AUTH_TOKEN"])
        client.api.base_url = app.config["TWILIO_API_BASE_URL"]
        app.extensions["channels"]["twilio_client"] = client
    return client


def send_sms(app: Flask, address: str, bodies: list[str], media_urls: list[str]) -> None:
    """Send ``bodies`` to an ``sms:`` or ``whatsapp:`` address through the Messages API."""
    if not (app.config["TWILIO_ACCOUNT_SID"] and app.config["TWILIO_FROM_NUMBER"]):
        raise SendError("outbound SMS is not configured")
    kind, number = address.split(":", 1)
    sender = app.config["TWILIO_FROM_NUMBER"]
    to = number
    if kind == "whatsapp":
        sender, to = f"whatsapp:{sender}", f"whatsapp:{number}"
    for index, body in enumerate(bodies):
        extra = {"media_url": media_urls} if media_urls and index == 0 else {}
        try:
            _client(app).messages.create(to=to, from_=sender, body=body, **extra)
        except (TwilioException, requests.RequestException) as exc:
            raise SendError(type(exc).__name__) from exc
