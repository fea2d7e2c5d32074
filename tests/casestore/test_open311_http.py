"""Open311 over real HTTP: the case store under gunicorn, driven the way an outside client does.

A client files a report form-encoded, follows it by id and by token, and reads
it back in XML, seeing real headers from a real server.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import xml.etree.ElementTree as ET  # noqa: N817
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from casestore.migrate import upgrade_database
from casestore.models import ApiKey
from tests.fixtures.channels import wait_for
from tests.fixtures.open311 import XML_DECLARATION
from tests.fixtures.stack import free_port

REPO = Path(__file__).resolve().parents[2]
KEY = "open311-http-test-key"


def _answers(url: str, process: subprocess.Popen) -> bool:
    if process.poll() is not None:
        raise RuntimeError(f"the case store exited with {process.returncode}")
    try:
        return requests.get(url, timeout=5).status_code == 200
    except requests.RequestException:  # not listening yet, or still loading the app
        return False


@pytest.fixture(scope="module")
def server(make_database_url, tmp_path_factory):
    """Base URL of a gunicorn-served case store with one Open311 api_key."""
    url = make_database_url("open311http")
    upgrade_database(url)
    engine = create_engine(url, future=True)
    with Session(engine) as session:
        session.add(ApiKey(name="HTTP client", key_hash=hashlib.sha256(KEY.encode()).hexdigest()))
        session.commit()
    engine.dispose()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "CASESTORE_VAR_DIR": str(tmp_path_factory.mktemp("open311-http-var")),
        "CASESTORE_URL": base,
        "CASESTORE_SECRET_KEY": "http-test-secret",
        "CASESTORE_SERVICE_TOKEN": "http-test-service-token",
        "OPEN311_JURISDICTION_ID": "atlanta.example.gov",
    }
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "--bind", f"127.0.0.1:{port}",
         "--workers", "1", "casestore:create_app()"],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: _answers(f"{base}/healthz", process), 120, "the case store to start")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_a_client_files_a_report_and_follows_it_over_http(server):
    filed = requests.post(f"{server}/open311/v2/requests.json", timeout=10, data={
        "api_key": KEY, "jurisdiction_id": "atlanta.example.gov", "service_code": "pothole",
        "lat": "33.7531", "long": "-84.3915", "attribute[size]": "medium",
        "attribute[in_travel_lane]": "no", "description": "Hole near the crosswalk",
        "email": "someone@example.com",
    })
    assert filed.status_code == 201
    assert filed.headers["Content-Type"] == "application/json; charset=utf-8"
    number = filed.json()[0]["service_request_id"]

    one = requests.get(f"{server}/open311/v2/requests/{number}.xml", timeout=10)
    assert one.status_code == 200
    assert one.headers["Content-Type"] == "text/xml; charset=utf-8"
    assert one.content.startswith(XML_DECLARATION)
    record = ET.fromstring(one.content).find("request")  # noqa: S314 - our own server
    assert record.findtext("service_request_id") == number
    assert record.findtext("description") == "Hole near the crosswalk"
    assert "someone@example.com" not in one.text

    listing = requests.get(f"{server}/open311/v2/requests.json", timeout=10,
                           params={"service_code": "pothole", "status": "open"})
    assert number in [r["service_request_id"] for r in listing.json()]


def test_an_oversized_post_is_refused_in_the_error_format(server):
    before = requests.get(f"{server}/open311/v2/requests.json", timeout=10).json()
    response = requests.post(f"{server}/open311/v2/requests.json", timeout=30, data={
        "api_key": KEY, "service_code": "general_inquiry", "address_string": "1 Main St",
        "description": "x" * (2 * 1024 * 1024),
    })
    assert response.status_code == 413
    errors = response.json()
    assert errors[0]["code"] == 413 and errors[0]["description"]
    after = requests.get(f"{server}/open311/v2/requests.json", timeout=10).json()
    assert after == before


def test_a_wrong_key_over_http_is_forbidden(server):
    response = requests.post(f"{server}/open311/v2/requests.xml", timeout=10, data={
        "api_key": "guess", "service_code": "general_inquiry", "address_string": "1 Main St",
    })
    assert response.status_code == 403
    root = ET.fromstring(response.content)  # noqa: S314 - our own server
    assert [(e.findtext("code"), e.findtext("description")) for e in root] == [
        ("403", "api_key was not provided or is not valid")
    ]
