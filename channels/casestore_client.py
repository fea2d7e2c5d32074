"""The few case store calls the channels make (docs/api.md), with the service token."""

from __future__ import annotations

import logging
import time
from typing import Any

import requests
from flask import Flask

log = logging.getLogger(__name__)


class CaseStoreError(Exception):
    """The case store refused or could not be reached."""


def _call(app: Flask, method: str, path: str, **kwargs: Any) -> requests.Response:
    headers = {"Authorization": f"Bearer {app.config['CASESTORE_SERVICE_TOKEN']}"}
    try:
        response = requests.request(
            method, f"{app.config['CASESTORE_URL']}{path}", headers=headers, timeout=10, **kwargs
        )
    except requests.RequestException as exc:
        raise CaseStoreError(f"{method} {path}: {type(exc).__name__}") from exc
    if response.status_code >= 400:
        raise CaseStoreError(f"{method} {path}: {response.status_code}")
    return response


def add_activity(app: Flask, case_number: str, activity: dict[str, Any]) -> None:
    """POST an activity (``reopened``, ``info_added``) to a case."""
    _call(app, "POST", f"/api/v1/cases/{case_number}/activities", json=activity)


def opt_out(app: Flask, address: str) -> None:
    """Tell the case store that ``address`` said STOP (no notices until START)."""
    _call(app, "POST", "/api/v1/opt-outs", json={"channel_address": address})


def opt_in(app: Flask, address: str) -> None:
    """Tell the case store that ``address`` said START."""
    try:
        _call(app, "DELETE", f"/api/v1/opt-outs/{requests.utils.quote(address, safe='')}")
    except CaseStoreError as exc:
        if ": 404" not in str(exc):  # not opted out there: nothing to undo
            raise


_service_names: dict[str, tuple[float, list[str]]] = {}


def service_names(app: Flask) -> list[str]:
    """The catalog's service names (voice speech hints), cached for ten minutes."""
    url = app.config["CASESTORE_URL"]
    cached = _service_names.get(url)
    if cached and time.monotonic() - cached[0] < 600:
        return cached[1]
    try:
        body = requests.get(f"{url}/api/v1/services", timeout=3).json()
        names = [s["service_name"] for s in body.get("services", []) if s.get("service_name")]
    except (requests.RequestException, ValueError, AttributeError, TypeError, KeyError):
        return cached[1] if cached else []
    _service_names[url] = (time.monotonic(), names)
    return names
