"""The few case store calls the channels make (docs/api.md), with the service token.

One client and one timeout policy for every call: connect
(CASESTORE_CONNECT_TIMEOUT_SECONDS), read (CASESTORE_READ_TIMEOUT_SECONDS) and
the whole call (CASESTORE_DEADLINE_SECONDS). Error texts carry the method,
the path and the status, never a resident's address (START and STOP send it
in the body).
"""

from __future__ import annotations

import logging
import time
from typing import Any

import requests
from flask import Flask

from channels import tokens
from channels.deadlines import timed_request

log = logging.getLogger(__name__)
_session = requests.Session()  # one connection pool for every call to the case store


class CaseStoreError(Exception):
    """The case store refused or could not be reached.

    ``status`` is the HTTP status of a refusal (None when it could not be
    reached): a 4xx is final for that request, anything else may be retried.
    """

    def __init__(self, reason: str, status: int | None = None) -> None:
        super().__init__(reason)
        self.status = status

    @property
    def refused(self) -> bool:
        """True for a 4xx: retrying the same request would get the same answer."""
        return self.status is not None and 400 <= self.status < 500


def _call(
    app: Flask, method: str, path: str, extra_headers: dict[str, str] | None = None,
    **kwargs: Any,
) -> requests.Response:
    token = tokens.presented(app.config["CASESTORE_SERVICE_TOKEN"])
    headers = {"Authorization": f"Bearer {token}",
               **(extra_headers or {})}
    try:
        response = timed_request(
            _session, method, f"{app.config['CASESTORE_URL']}{path}", headers=headers,
            connect=app.config["CASESTORE_CONNECT_TIMEOUT_SECONDS"],
            read=app.config["CASESTORE_READ_TIMEOUT_SECONDS"],
            deadline=app.config["CASESTORE_DEADLINE_SECONDS"], **kwargs,
        )
    except requests.RequestException as exc:
        raise CaseStoreError(f"{method} {path}: {type(exc).__name__}") from exc
    if response.status_code >= 400:
        raise CaseStoreError(f"{method} {path}: {response.status_code}", response.status_code)
    return response


def add_activity(
    app: Flask, case_number: str, activity: dict[str, Any], idempotency_key: str = ""
) -> None:
    """POST an activity (``reopened``, ``info_added``) to a case.

    ``idempotency_key`` travels as ``Idempotency-Key``, so a retry after a lost
    answer is recognised by a case store that keeps keys for activities.
    """
    headers = {"Idempotency-Key": idempotency_key[:200]} if idempotency_key else {}
    _call(app, "POST", f"/api/v1/cases/{case_number}/activities", json=activity,
          extra_headers=headers)


def opt_out(app: Flask, address: str) -> None:
    """Tell the case store that ``address`` said STOP (no notices until START)."""
    _call(app, "POST", "/api/v1/opt-outs", json={"channel_address": address})


def opt_in(app: Flask, address: str) -> None:
    """Tell the case store that ``address`` said START (in the body: never in a URL,
    where access logs keep it)."""
    try:
        _call(app, "DELETE", "/api/v1/opt-outs", json={"channel_address": address})
    except CaseStoreError as exc:
        if exc.status != 404:  # not opted out there: nothing to undo
            raise


def _object(app: Flask, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
    """A call whose answer must be a JSON object (an answer that is not one: no status)."""
    try:
        body = _call(app, method, path, **kwargs).json()
    except ValueError as exc:
        raise CaseStoreError(f"{method} {path}: {type(exc).__name__}") from exc
    if not isinstance(body, dict):
        raise CaseStoreError(f"{method} {path}: not an object")
    return body


def upload_media(app: Flask, data: bytes, source: str) -> str:
    """Store a resident's photo in the case store (``POST /api/v1/media``); return its
    ``media:<id>`` reference. A photo the case store refuses (not an image, too big) is a
    4xx ``CaseStoreError``; an answer without a reference is one with no status."""
    body = _object(app, "POST", "/api/v1/media", data={"source": source},
                   files={"photo": ("photo", data, "application/octet-stream")})
    ref = body.get("ref")
    if not isinstance(ref, str) or not ref.startswith("media:"):
        raise CaseStoreError("POST /api/v1/media: no media reference")
    return ref


def route_live_chat(app: Flask, sender_id: str, text: str, message_key: str) -> dict[str, Any]:
    """Hand a message to the sender's live chat, if one is open:
    ``{"routed": bool, "replies": [{"text"}]?}``."""
    return _object(app, "POST", "/api/v1/live-chats/route", json={
        "sender_id": sender_id, "text": text, "message_key": message_key[:200]})


def live_chat_state(app: Flask, sender_id: str) -> dict[str, Any]:
    """``{"status": "none"|"waiting"|"active"|...}`` of the sender's live chat."""
    return _object(app, "GET", "/api/v1/live-chats/state", params={"sender_id": sender_id})


def agent_availability(app: Flask) -> dict[str, Any]:
    """``{"open_now": bool, "hours": str?}``: whether agents are staffed now."""
    return _object(app, "GET", "/api/v1/live-chats/availability")


_service_names: dict[tuple[str, str], tuple[float, list[str]]] = {}


def service_names(app: Flask, locale: str | None = None) -> list[str]:
    """The catalog's service names (voice speech hints), in ``locale`` when given (the
    case store's ``?locale=``), cached for ten minutes."""
    url = app.config["CASESTORE_URL"]
    key = (url, locale or "")
    cached = _service_names.get(key)
    if cached and time.monotonic() - cached[0] < 600:
        return cached[1]
    try:
        body = timed_request(
            _session, "GET", f"{url}/api/v1/services",
            params={"locale": locale} if locale else None,
            connect=app.config["CASESTORE_CONNECT_TIMEOUT_SECONDS"],
            read=app.config["CASESTORE_READ_TIMEOUT_SECONDS"],
            deadline=app.config["CASESTORE_DEADLINE_SECONDS"],
        ).json()
        names = [s["service_name"] for s in body.get("services", []) if s.get("service_name")]
    except (requests.RequestException, ValueError, AttributeError, TypeError, KeyError):
        return cached[1] if cached else []
    _service_names[key] = (time.monotonic(), names)
    return names
