"""The action server's only way to the case store: its JSON API over HTTP.

Settings are read from the environment at first use (never at import):
``CASESTORE_URL`` (default ``http://localhost:8080``), ``CASESTORE_SERVICE_TOKEN``
(or the file ``var/service_token`` the case store writes on first run) and
``CASESTORE_TIMEOUT`` (seconds, default 5: far below Rasa's 60 s lock).

Every call is synchronous ``requests`` code meant to run in a worker thread:
the ``a*`` coroutines wrap them with ``asyncio.to_thread`` so one slow call
never stalls the action server's event loop. The catalog is cached for
``CATALOG_TTL`` seconds (default 60).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from pathlib import Path
from typing import Any

import requests

from bot.actions import settings
from bot.actions.metrics import count_casestore_failure

logger = logging.getLogger(__name__)


class CaseStoreError(Exception):
    """The case store answered with an error (``status`` and ``code`` from its body)."""

    def __init__(self, status: int, code: str = "", message: str = "", fields: dict | None = None):
        super().__init__(f"{status} {code}")
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields or {}


class CaseStoreUnavailableError(CaseStoreError):
    """The case store could not be reached or did not answer in time."""

    def __init__(self, reason: str):
        super().__init__(0, "unavailable", reason)


def _base_url() -> str:
    return settings.current().CASESTORE_URL


def _timeout() -> float:
    return settings.current().CASESTORE_TIMEOUT


def _token() -> str:
    token = settings.presented_token(settings.current().CASESTORE_SERVICE_TOKEN)
    if not token:
        path = Path(settings.current().CASESTORE_TOKEN_FILE)
        if path.is_file():
            token = path.read_text().strip()
    return token


def service_token() -> str:
    """The bearer token the actions present (``CASESTORE_SERVICE_TOKEN`` or its file)."""
    return _token()


_local = threading.local()


def _session() -> requests.Session:
    # One pooled session per worker thread: requests.Session is not thread-safe.
    session = getattr(_local, "session", None)
    if session is None:
        session = requests.Session()
        _local.session = session
    return session


def request(
    method: str,
    path: str,
    *,
    json: Any = None,
    params: dict | None = None,
    headers: dict | None = None,
    auth: bool = True,
) -> tuple[int, Any]:
    """Send one request to the case store and return ``(status, parsed JSON body)``.

    Raises ``CaseStoreUnavailableError`` on connection errors, timeouts and 5xx, and
    ``CaseStoreError`` on other non-2xx answers.
    """
    all_headers = {"Accept": "application/json", **(headers or {})}
    if auth and _token():
        all_headers["Authorization"] = f"Bearer {_token()}"
    try:
        response = _session().request(
            method,
            _base_url() + path,
            json=json,
            params=params,
            headers=all_headers,
            timeout=_timeout(),
        )
    except requests.RequestException as exc:
        # The exception text can hold the URL with query values; log the kind only.
        logger.warning(
            "case store unreachable: %s %s (%s)", method, path.split("?")[0], type(exc).__name__
        )
        count_casestore_failure("unreachable")
        raise CaseStoreUnavailableError(type(exc).__name__) from exc
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code >= 500:
        logger.warning("case store error %s on %s %s", response.status_code, method, path)
        count_casestore_failure("server_error")
        raise CaseStoreUnavailableError(f"HTTP {response.status_code}")
    if response.status_code >= 400:
        body = body if isinstance(body, dict) else {}
        raise CaseStoreError(
            response.status_code,
            str(body.get("error", "")),
            str(body.get("message", "")),
            body.get("fields"),
        )
    return response.status_code, body


# --- the catalog, cached ---------------------------------------------------

_catalog_lock = threading.Lock()
# One cached catalog per language: the case store returns its texts (service names,
# questions, choices, referral messages) in the language asked for.
_catalogs: dict[str, dict[str, Any]] = {}


def get_catalog(max_age: float | None = None, language: str | None = None) -> dict:
    """Return ``GET /api/v1/services`` (in ``language`` if given), cached ``CATALOG_TTL`` s."""
    ttl = settings.current().CATALOG_TTL if max_age is None else max_age
    key = language or ""
    with _catalog_lock:
        entry = _catalogs.get(key)
        cached = entry["value"] if entry else None
        if cached is not None and time.monotonic() - entry["at"] < ttl:
            return cached
    path = f"/api/v1/services?locale={language}" if language else "/api/v1/services"
    try:
        _, body = request("GET", path, auth=False)
    except CaseStoreUnavailableError:
        if cached is not None:
            return cached  # a stale catalog beats no catalog while the store restarts
        raise
    with _catalog_lock:
        _catalogs[key] = {"value": body, "at": time.monotonic()}
    return body


def clear_catalog_cache() -> None:
    """Forget the cached catalogs (tests, or after the catalog file changed)."""
    with _catalog_lock:
        _catalogs.clear()


def find_service(catalog: dict, code: str | None) -> dict | None:
    """Return the catalog's service with ``service_code == code``."""
    return next((s for s in catalog.get("services", []) if s.get("service_code") == code), None)


def service_attributes(service: dict | None) -> list[dict]:
    """Return a service's attributes in asking order."""
    return sorted(
        (service or {}).get("attributes", []), key=lambda a: (a.get("order", 0), a["code"])
    )


def find_referral(catalog: dict, topic: str) -> dict | None:
    """Return the catalog's referral for ``topic`` (emergency, power, animal)."""
    return next((r for r in catalog.get("referrals", []) if r.get("topic") == topic), None)


def department_name(catalog: dict, code: str) -> str:
    """Return a department's name from the catalog, or its code."""
    return next((d["name"] for d in catalog.get("departments", []) if d.get("code") == code), code)


# --- cases -----------------------------------------------------------------


def create_case(body: dict, idempotency_key: str) -> dict:
    """``POST /api/v1/cases``; the same key returns the first case, never a second one."""
    _, case = request(
        "POST",
        "/api/v1/cases",
        json={**body, "idempotency_key": idempotency_key},
        headers={"Idempotency-Key": idempotency_key},
    )
    return case


def get_case(number: str) -> dict | None:
    """``GET /api/v1/cases/<number>`` (public view); None when there is no such case."""
    try:
        _, case = request("GET", f"/api/v1/cases/{number}")
    except CaseStoreError as exc:
        if exc.status in (404, 422, 400):
            return None
        raise
    return case


def nearby_cases(
    service_code: str,
    address: str | None = None,
    lat: float | None = None,
    long: float | None = None,
) -> list[dict]:
    """``GET /api/v1/cases/nearby``: open cases of the service at the same place."""
    params: dict[str, Any] = {"service_code": service_code}
    if lat is not None and long is not None:
        params.update(lat=lat, long=long)
    if address:
        params["address"] = address
    _, body = request("GET", "/api/v1/cases/nearby", params=params)
    return list((body or {}).get("cases", []))


def place_inside(lat: float, long: float) -> bool:
    """``GET /api/v1/places/inside``: whether the point is inside the city limits."""
    _, body = request("GET", "/api/v1/places/inside", params={"lat": lat, "long": long})
    return bool((body or {}).get("inside"))


def follow_case(
    number: str, email: str | None, phone: str | None, channel_address: str | None
) -> dict:
    """``POST /api/v1/cases/<number>/followers``: add the resident to the case's notices."""
    body = {
        k: v
        for k, v in {"email": email, "phone": phone, "channel_address": channel_address}.items()
        if v
    }
    _, case = request("POST", f"/api/v1/cases/{number}/followers", json=body)
    return case


def add_info(number: str, note: str, media_urls: list[str], channel_address: str | None) -> dict:
    """``POST /api/v1/cases/<number>/activities`` with kind ``info_added``.

    The note stays private: a resident's words are public only once staff publish them.
    """
    body: dict[str, Any] = {"kind": "info_added", "note": note, "public": False}
    if media_urls:
        body["media_urls"] = media_urls
    if channel_address:
        body["channel_address"] = channel_address
    _, activity = request("POST", f"/api/v1/cases/{number}/activities", json=body)
    return activity


def request_withdrawal(
    number: str, reason: str | None, channel_address: str | None, email: str | None
) -> dict:
    """``POST /api/v1/cases/<number>/withdrawal``: the requester asks to withdraw their case.

    Returns ``{"status": "requested" | "kept_open", "case_number", "already_requested",
    "requested_at", "activity_id", "case"}``. Raises ``CaseStoreError`` with status 403
    (not the requester), 404 (no such case), 409 (already closed), 422 (bad values), and
    ``CaseStoreUnavailableError`` when the store cannot be reached.
    """
    body = {
        k: v
        for k, v in {"reason": reason, "channel_address": channel_address, "email": email}.items()
        if v
    }
    _, result = request("POST", f"/api/v1/cases/{number}/withdrawal", json=body)
    return result


async def acall(func, *args, **kwargs):
    """Run one of this module's blocking calls in a worker thread."""
    return await asyncio.to_thread(func, *args, **kwargs)
