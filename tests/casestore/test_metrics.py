"""GET /metrics of the case store: Prometheus text, routes not paths, outbox gauges, token."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from casestore.migrate import upgrade_database
from casestore.models import LiveChat, OutboxMessage
from tests.fixtures.casestore import build_app, file_case, session_for

REPO = Path(__file__).resolve().parents[2]
# One gunicorn worker's share: two requests it answered, counted into the shared folder.
WORKER = """
from casestore.metrics import REQUESTS
REQUESTS.labels("GET", "/healthz", "200").inc(2)
"""
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(app, headers: dict | None = None) -> Samples:
    """Every sample /metrics answers, keyed by (name, sorted labels)."""
    response = app.test_client().get("/metrics", headers=headers or {})
    assert response.status_code == 200, response.get_data(as_text=True)
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(response.get_data(as_text=True))
            for s in family.samples}


def value(samples: Samples, name: str, **labels: str) -> float:
    """One sample's value; 0 when the series does not exist yet."""
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def requests_of(samples: Samples, route: str, status: str, method: str = "GET") -> float:
    return value(samples, "casestore_http_requests_total", method=method, route=route,
                 status=status)


def test_metrics_are_prometheus_text(cs_app):
    response = cs_app.test_client().get("/metrics")
    names = {f.name for f in text_string_to_metric_families(response.get_data(as_text=True))}
    assert response.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    assert {"casestore_http_requests", "casestore_http_request_duration_seconds",
            "casestore_outbox_due", "casestore_outbox_dead_letters"} <= names


def test_a_case_page_is_counted_under_its_route_pattern_not_its_number(cs_app, cs_service):
    number = file_case(cs_service)["case_number"]
    before = scrape(cs_app)
    assert cs_app.test_client().get(f"/cases/{number}").status_code == 200
    after = scrape(cs_app)
    assert requests_of(after, "/cases/<number>", "200") - requests_of(
        before, "/cases/<number>", "200") == 1.0
    assert not [key for key in after if number in str(key)]


def test_the_request_is_timed_in_the_same_labels(cs_app, cs_service):
    number = file_case(cs_service)["case_number"]
    labels = {"method": "GET", "route": "/cases/<number>", "status": "200"}
    before = value(scrape(cs_app), "casestore_http_request_duration_seconds_count", **labels)
    cs_app.test_client().get(f"/cases/{number}")
    after = value(scrape(cs_app), "casestore_http_request_duration_seconds_count", **labels)
    assert after - before == 1.0


def test_a_path_no_route_matches_is_counted_as_unmatched_without_the_path(cs_app):
    before = scrape(cs_app)
    assert cs_app.test_client().get("/nowhere/ada.resident@example.com").status_code == 404
    after = scrape(cs_app)
    assert requests_of(after, "unmatched", "404") - requests_of(before, "unmatched", "404") == 1.0
    assert not [key for key in after if "example.com" in str(key)]


def test_a_refused_api_call_is_counted_with_its_status(cs_app, cs_client):
    before = scrape(cs_app)
    assert cs_client.post("/api/v1/cases", json={}).status_code == 401
    after = scrape(cs_app)
    route = "/api/v1/cases"
    assert requests_of(after, route, "401", "POST") - requests_of(before, route, "401",
                                                                  "POST") == 1.0


def test_the_outbox_gauges_count_the_rows_there(cs_fresh_app):
    now = dt.datetime.now(dt.timezone.utc)
    rows = ([("pending", now - dt.timedelta(minutes=5))] * 3
            + [("pending", now + dt.timedelta(hours=1))]
            + [("dead", now)] * 2 + [("sent", now)])
    with session_for(cs_fresh_app) as session:
        session.add_all(OutboxMessage(event="opened", transport="email", recipient=f"r{i}@x.test",
                                      payload={}, status=status, next_attempt_at=when,
                                      created_at=now - dt.timedelta(minutes=10))
                        for i, (status, when) in enumerate(rows))
        session.commit()
    samples = scrape(cs_fresh_app)
    assert (value(samples, "casestore_outbox_pending"), value(samples, "casestore_outbox_due"),
            value(samples, "casestore_outbox_dead_letters")) == (4.0, 3.0, 2.0)
    assert value(samples, "casestore_outbox_oldest_pending_age_seconds") >= 600.0


def test_an_empty_outbox_has_no_age(cs_fresh_app):
    samples = scrape(cs_fresh_app)
    assert (value(samples, "casestore_outbox_pending"),
            value(samples, "casestore_outbox_oldest_pending_age_seconds"),
            value(samples, "casestore_database_up")) == (0.0, 0.0, 1.0)


def test_waiting_live_chats_are_counted(cs_fresh_app):
    with session_for(cs_fresh_app) as session:
        session.add_all([LiveChat(sender_id="webchat:a", channel="webchat", status="waiting"),
                         LiveChat(sender_id="webchat:b", channel="webchat", status="active")])
        session.commit()
    assert value(scrape(cs_fresh_app), "casestore_livechat_waiting") == 1.0


@pytest.fixture(scope="module")
def guarded(make_database_url, tmp_path_factory):
    """A case store whose /metrics needs METRICS_TOKEN."""
    url = make_database_url("metricstoken")
    upgrade_database(url)
    app = build_app(url, str(tmp_path_factory.mktemp("metrics-var")), METRICS_TOKEN="scrape-me")
    yield app
    app.extensions["casestore.engine"].dispose()


def test_with_a_token_set_metrics_without_one_are_401(guarded):
    response = guarded.test_client().get("/metrics")
    assert (response.status_code, response.headers["WWW-Authenticate"]) == (401, "Bearer")


def test_with_a_token_set_metrics_with_another_are_403(guarded):
    response = guarded.test_client().get("/metrics", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 403


def test_with_a_token_set_metrics_with_it_are_answered(guarded):
    assert value(scrape(guarded, {"Authorization": "Bearer scrape-me"}),
                 "casestore_database_up") == 1.0


def test_a_scrape_sums_every_worker_process_in_multiprocess_mode(cs_app, tmp_path, monkeypatch):
    env = {"PATH": "/usr/bin:/bin", "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    for _ in range(2):
        subprocess.run([sys.executable, "-c", WORKER], cwd=REPO, env=env, check=True)
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    assert value(scrape(cs_app), "casestore_http_requests_total", method="GET",
                 route="/healthz", status="200") == 4.0
