"""Every process writes one JSON object per line (LOG_FORMAT=json, the default).

The case store and the channels apps are made in this process and their log
handler's stream is swapped for a buffer; gunicorn (with config/gunicorn.conf.py,
as the Procfile starts it) is run for real, for its own lines and its access log.
The action server and Rasa have theirs in tests/bot/test_metrics.py and
tests/bot/test_rasa_logs.py (they run in the assistant's environment).
"""

from __future__ import annotations

import io
import json
import logging
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from casestore.logs import configure_logging
from tests.fixtures.casestore import build_app, file_case
from tests.fixtures.channels import post_twilio, wait_for
from tests.fixtures.envs import bin_dir
from tests.fixtures.stack import free_port

REPO = Path(__file__).resolve().parent.parent
EMAIL = "ada.resident@example.com"
PHONE = "+14045550123"


def capture() -> io.StringIO:
    """Point the apps' root handler at a new buffer and return it."""
    buffer = io.StringIO()
    [handler] = [h for h in logging.getLogger().handlers if getattr(h, "_atl311", False)]
    handler.setStream(buffer)
    return buffer


def records(buffer: io.StringIO) -> list[dict]:
    """Every line written, parsed as JSON (fails on a line that is not)."""
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


def test_a_case_store_event_is_one_json_line_without_the_requesters_contact(cs_app,
                                                                           cs_service):
    buffer = capture()
    number = file_case(cs_service)["case_number"]
    [created] = [r for r in records(buffer) if r["event"] == "case_created"]
    assert (created["level"], created["logger"], created["case"]) == (
        "info", "casestore.api", number)
    assert created["timestamp"].endswith("Z")
    assert EMAIL not in buffer.getvalue() and PHONE not in buffer.getvalue()


def test_a_standard_library_record_in_the_case_store_is_json_too(cs_app):
    buffer = capture()
    logging.getLogger("sqlalchemy.pool").warning("pool %s exhausted", "casestore")
    last = records(buffer)[-1]
    assert (last["event"], last["level"], last["logger"]) == (
        "pool casestore exhausted", "warning", "sqlalchemy.pool")


def test_text_format_writes_key_value_lines(make_database_url, tmp_path):
    from casestore.migrate import upgrade_database

    url = make_database_url("logtext")
    upgrade_database(url)
    app = build_app(url, str(tmp_path), LOG_FORMAT="text")
    try:
        buffer = capture()
        logging.getLogger("casestore.test").warning("hello")
        assert buffer.getvalue().endswith("level='warning' logger='casestore.test' "
                                          "event='hello'\n")
    finally:
        app.extensions["casestore.engine"].dispose()
        configure_logging()  # back to JSON for the tests after this one


def test_a_channels_record_is_one_json_line_without_the_residents_phone(channels_app,
                                                                       fake_rasa):
    fake_rasa.stop()
    app = channels_app()
    buffer = capture()
    post_twilio(app.test_client(), "/sms", {
        "From": PHONE, "To": "+14045550000", "Body": f"my email is {EMAIL}",
        "MessageSid": "SM1", "AccountSid": "AC" + "0" * 32, "NumMedia": "0"})
    kept = [r for r in records(buffer) if r["logger"] == "channels.inbox"]
    assert [r["event"] for r in kept] == ["inbox message 1 kept for retry: rasa unreachable"]
    assert PHONE not in buffer.getvalue() and EMAIL not in buffer.getvalue()


def test_the_internal_app_logs_json_too(channels_app):
    channels_app.internal(channels_app())
    buffer = capture()
    logging.getLogger("channels.internal").info("ready")
    assert records(buffer)[-1]["event"] == "ready"


@pytest.fixture()
def gunicorn_casestore(make_database_url, tmp_path) -> Iterator[tuple[str, Path]]:
    """The case store under gunicorn with config/gunicorn.conf.py and two workers."""
    from casestore.migrate import upgrade_database

    url = make_database_url("gunicornlogs")
    upgrade_database(url)
    port = free_port()
    log = tmp_path / "gunicorn.log"
    env = {"PATH": "/usr/bin:/bin", "DATABASE_URL": url, "CASESTORE_VAR_DIR": str(tmp_path),
           "CASESTORE_SERVICE_TOKEN": "t" * 32, "CASESTORE_SECRET_KEY": "k" * 32,
           "TMPDIR": str(tmp_path)}
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [str(bin_dir("apps") / "gunicorn"), "--config", "config/gunicorn.conf.py",
             "--bind", f"127.0.0.1:{port}", "--workers", "2", "--access-logfile", "-",
             "casestore:create_app()"],
            cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"

    def up() -> bool:
        if process.poll() is not None:
            raise AssertionError(log.read_text()[-3000:])
        try:
            return requests.get(base + "/healthz", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    try:
        wait_for(up, 60, "the case store under gunicorn")
        yield base, log
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_gunicorn_writes_its_own_and_the_access_lines_as_json_without_the_query(
        gunicorn_casestore):
    base, log = gunicorn_casestore
    requests.get(f"{base}/cases/26000001?email={EMAIL}", timeout=5)
    wait_for(lambda: "/cases/26000001" in log.read_text(), 10, "the access line")
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    [access] = [r for r in lines if r.get("path") == "/cases/26000001"]
    assert {k: access[k] for k in ("event", "logger", "method", "status")} == {
        "event": "request", "logger": "gunicorn.access", "method": "GET", "status": 404}
    assert any(r["logger"] == "gunicorn.error" and r["event"].startswith("Listening at: ")
               for r in lines)
    assert EMAIL not in log.read_text()


def healthz_count(base: str) -> float:
    text = requests.get(f"{base}/metrics", timeout=5).text
    [total] = [line for line in text.splitlines() if line.startswith(
        'casestore_http_requests_total{method="GET",route="/healthz",status="200"}')]
    return float(total.rsplit(" ", 1)[1])


def test_gunicorns_workers_count_into_one_scrape(gunicorn_casestore):
    base, _ = gunicorn_casestore
    before = healthz_count(base)
    for _ in range(8):
        requests.get(f"{base}/healthz", timeout=5)
    # Whichever worker served each request and each scrape, the scrape sums them all.
    assert healthz_count(base) - before == 8.0
