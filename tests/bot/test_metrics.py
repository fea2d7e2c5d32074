"""The action server's GET /metrics (actions by name, the queue, the token) and its JSON log.

One real action server (``python -m bot.actions.serve``, as the Procfile starts
it) for the module, with METRICS_TOKEN set and the case store nowhere.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from bot.actions import pending
from bot.actions.metrics import action_name, refusal
from tests.fixtures.channels import wait_for
from tests.fixtures.envs import bin_dir
from tests.fixtures.stack import free_port

REPO = Path(__file__).resolve().parents[2]
TOKEN = "scrape-me"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
PHONE = "+14045550123"
EMAIL = "ada.resident@example.com"
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


@dataclass
class ActionServer:
    url: str
    log: Path
    database_url: str


@pytest.fixture(scope="module")
def action_server(tmp_path_factory) -> Iterator[ActionServer]:
    folder = tmp_path_factory.mktemp("actions")
    port, database_url = free_port(), f"sqlite:///{folder / 'actions.sqlite3'}"
    log = folder / "actions.log"
    env = {"PATH": "/usr/bin:/bin", "ACTIONS_PORT": str(port), "METRICS_TOKEN": TOKEN,
           "ACTIONS_DATABASE_URL": database_url, "CASESTORE_SERVICE_TOKEN": "t" * 32,
           "CASESTORE_URL": f"http://127.0.0.1:{free_port()}", "PENDING_POLL_SECONDS": "3600",
           "ACTIONS_CHANNELS_TOKEN": "c" * 32}
    with open(log, "wb") as out:
        process = subprocess.Popen([str(bin_dir("assistant") / "python"), "-m",
                                    "bot.actions.serve"], cwd=REPO, env=env, stdout=out,
                                   stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"

    def up() -> bool:
        if process.poll() is not None:
            raise AssertionError(log.read_text()[-3000:])
        try:
            return requests.get(url + "/health", timeout=2).status_code == 200
        except requests.RequestException:
            return False

    try:
        wait_for(up, 90, "the action server")
        yield ActionServer(url, log, database_url)
    finally:
        process.terminate()
        process.wait(timeout=20)


def scrape(server: ActionServer) -> Samples:
    response = requests.get(server.url + "/metrics", headers=AUTH, timeout=10)
    assert response.status_code == 200, response.text
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(response.text)
            for s in family.samples}


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def call(server: ActionServer, action: str) -> requests.Response:
    tracker = {"sender_id": f"sms:{PHONE}", "slots": {}, "events": [], "paused": False,
               "latest_message": {"text": f"my email is {EMAIL}", "intent": {}, "entities": []},
               "followup_action": None, "active_loop": {}, "latest_action_name": "action_listen"}
    return requests.post(server.url + "/webhook", timeout=30, json={
        "next_action": action, "sender_id": f"sms:{PHONE}", "version": "3.6.21",
        "domain": {}, "tracker": tracker})


def test_an_action_run_is_counted_under_its_name(action_server):
    labels = {"action": "action_reset_report", "outcome": "ok"}
    before = value(scrape(action_server), "actions_runs_total", **labels)
    assert call(action_server, "action_reset_report").status_code == 200
    assert value(scrape(action_server), "actions_runs_total", **labels) - before == 1.0


def test_an_unregistered_name_is_counted_as_unknown_not_found(action_server):
    before = scrape(action_server)
    assert call(action_server, "action_not_in_this_package").status_code == 404
    after = scrape(action_server)
    labels = {"action": "unknown", "outcome": "not_found"}
    assert value(after, "actions_runs_total", **labels) - value(
        before, "actions_runs_total", **labels) == 1.0
    assert not [key for key in after if "action_not_in_this_package" in str(key)]


def test_the_queue_gauges_count_the_reports_held(action_server, monkeypatch):
    monkeypatch.setenv("ACTIONS_DATABASE_URL", action_server.database_url)
    try:
        pending.enqueue("k1", "sms:+1", {"service_code": "pothole"})
        pending.enqueue("k2", "sms:+2", {"service_code": "pothole"})
    finally:
        pending.dispose_engines()
    samples = scrape(action_server)
    assert (value(samples, "actions_queued_reports", state="file"),
            value(samples, "actions_queued_reports", state="notify"),
            value(samples, "actions_queued_reports_due")) == (2.0, 0.0, 2.0)


def test_metrics_without_the_token_are_401(action_server):
    response = requests.get(action_server.url + "/metrics", timeout=10)
    assert (response.status_code, response.headers["WWW-Authenticate"]) == (401, "Bearer")


def test_metrics_with_another_token_are_403(action_server):
    response = requests.get(action_server.url + "/metrics", timeout=10,
                            headers={"Authorization": "Bearer scrape-you"})
    assert response.status_code == 403


def test_metrics_are_prometheus_text(action_server):
    response = requests.get(action_server.url + "/metrics", headers=AUTH, timeout=10)
    names = {f.name for f in text_string_to_metric_families(response.text)}
    assert response.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    assert {"actions_runs", "actions_casestore_failures", "actions_queued_reports"} <= names


def test_every_line_the_action_server_writes_is_json_without_contact_details(action_server):
    call(action_server, "action_reset_report")
    lines = action_server.log.read_text().splitlines()
    parsed = [json.loads(line) for line in lines]
    assert {"timestamp", "level", "logger", "event"} <= set(parsed[0])
    assert any(r["event"].startswith("action server on http://") for r in parsed)
    assert PHONE not in "\n".join(lines) and EMAIL not in "\n".join(lines)


def test_a_token_is_not_needed_when_none_is_set():
    assert refusal("", None) is None


def test_a_compressed_call_names_its_action():
    import zlib

    body = zlib.compress(json.dumps({"next_action": "action_check_status"}).encode())
    assert action_name(body, "deflate", frozenset({"action_check_status"})) == (
        "action_check_status")


def test_an_unreachable_case_store_is_counted(monkeypatch):
    from prometheus_client import REGISTRY

    from bot.actions import casestore_client

    monkeypatch.setenv("CASESTORE_URL", f"http://127.0.0.1:{free_port()}")
    labels = {"kind": "unreachable"}
    before = REGISTRY.get_sample_value("actions_casestore_failures_total", labels) or 0.0
    with pytest.raises(casestore_client.CaseStoreUnavailableError):
        casestore_client.request("GET", "/api/v1/cases/26000001")
    after = REGISTRY.get_sample_value("actions_casestore_failures_total", labels)
    assert after - before == 1.0
