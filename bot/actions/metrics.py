"""Prometheus metrics of the action server: ``GET /metrics`` on its own port (5055).

What is measured (docs/operations.md, *What to watch*):

- every action Rasa asks for: ``actions_runs_total`` by action name and outcome
  (``ok``; ``rejected``, a form's validation said no; ``not_found``; ``error``,
  the action raised) and ``actions_run_duration_seconds`` by action name. Names
  are the registered actions' (a fixed list from this package); any other name
  a caller sends is counted as ``unknown``, so no label carries free text;
- failed case store calls by kind: ``actions_casestore_failures_total``
  (``count_casestore_failure``, called where the call fails);
- read from the queue at each scrape: reports confirmed while the case store
  was down, still to file (``file``) or whose number the resident is still
  owed (``notify``), and those due now.

One Sanic worker serves it, so the counters live in the process (a
``PROMETHEUS_MULTIPROC_DIR`` in the environment is honoured all the same).
``METRICS_TOKEN`` set: ``/metrics`` answers only ``Authorization: Bearer <token>``.
"""

from __future__ import annotations

import hmac
import json
import time
import zlib
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric

from bot.actions import pending, settings

# The classic text format's type: what generate_latest writes and every Prometheus reads.
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
OUTCOMES = {200: "ok", 400: "rejected", 404: "not_found"}
# Kinds of failed case store calls; anything else is "other".
CASESTORE_KINDS = frozenset({"unreachable", "server_error"})

RUNS = Counter(
    "actions_runs_total",
    "Actions run for Rasa, by action and outcome (ok, rejected, not_found, error).",
    ["action", "outcome"],
)
DURATION = Histogram(
    "actions_run_duration_seconds",
    "Time an action took, by action (case store calls included).",
    ["action"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
CASESTORE_FAILURES = Counter(
    "actions_casestore_failures_total",
    "Case store calls that failed, by kind: unreachable (no answer in time) or "
    "server_error (a 5xx); refusals (4xx) are answers, not failures.",
    ["kind"],
)


def count_casestore_failure(kind: str) -> None:
    """Count one failed case store call; ``kind`` is one of CASESTORE_KINDS (else ``other``)."""
    CASESTORE_FAILURES.labels(kind if kind in CASESTORE_KINDS else "other").inc()


def registered_actions(package: str = "bot.actions") -> frozenset[str]:
    """The names of the actions ``package`` registers with rasa-sdk."""
    from rasa_sdk.executor import ActionExecutor

    executor = ActionExecutor()
    executor.register_package(package)
    return frozenset(executor.actions)


def action_name(body: bytes, content_encoding: str | None, known: frozenset[str]) -> str:
    """The action a /webhook call asks for, if it is one of ``known``; else ``unknown``."""
    try:
        raw = zlib.decompress(body) if content_encoding == "deflate" else body
        name = json.loads(raw or b"null").get("next_action")
    except (ValueError, AttributeError, zlib.error):
        return "unknown"
    return name if name in known else "unknown"


class QueueCollector:
    """Gauges read from the queue of reports held through a case store outage."""

    def collect(self) -> Iterator[Metric]:
        """Yield the queue's gauges (``up`` 0 when the queries fail)."""
        up = GaugeMetricFamily("actions_queue_database_up",
                               "1 when the scrape's queries answered, else 0.")
        try:
            queued, due = self._read()
        except sa.exc.SQLAlchemyError:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        gauge = GaugeMetricFamily(
            "actions_queued_reports",
            "Reports confirmed while the case store was down: to file (file) or whose "
            "case number the resident is still owed (notify).", labels=["state"])
        for state in ("file", "notify"):
            gauge.add_metric([state], queued.get(state, 0))
        yield gauge
        due_gauge = GaugeMetricFamily("actions_queued_reports_due",
                                      "Queued reports whose next attempt is now or past.")
        due_gauge.add_metric([], due)
        yield due_gauge

    def _read(self) -> tuple[dict[str, int], int]:
        table = pending.pending_reports.c
        live = table.state.in_(("file", "notify"))
        with pending.engine().connect() as conn:
            queued = dict(conn.execute(sa.select(table.state, sa.func.count())
                                       .where(live).group_by(table.state)).all())
            due = conn.execute(sa.select(sa.func.count()).where(
                live, table.next_attempt_at <= pending.now())).scalar_one()
        return queued, due


def _counters() -> bytes:
    """The counters in text: summed over every worker's files when prometheus_client runs in
    multiprocess mode (it reads PROMETHEUS_MULTIPROC_DIR itself), else this process's."""
    registry = CollectorRegistry()
    try:
        multiprocess.MultiProcessCollector(registry)
    except ValueError:  # no multiprocess folder: the counters live in this process
        return generate_latest(REGISTRY)
    return generate_latest(registry)


def exposition(queue: CollectorRegistry) -> bytes:
    """The text ``/metrics`` answers: the counters, then the queue's gauges."""
    counters = _counters()
    return counters + generate_latest(queue)


def refusal(token: str, authorization: str | None) -> tuple[int, str] | None:
    """(status, text) when ``token`` is set and ``authorization`` does not present it."""
    if not token:
        return None
    scheme, _, presented = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not presented:
        return 401, "metrics need a bearer token\n"
    if not hmac.compare_digest(presented.strip().encode(), token.encode()):
        return 403, "wrong metrics token\n"
    return None


def init_metrics(app: Any, package: str = "bot.actions") -> None:
    """Count the actions the Sanic ``app`` runs and serve ``GET /metrics`` on it."""
    from sanic import response

    known = registered_actions(package)
    queue = CollectorRegistry()
    queue.register(QueueCollector())

    @app.middleware("request")
    async def start_timer(request: Any) -> None:
        request.ctx.metrics_started = time.perf_counter()

    @app.middleware("response")
    async def count_action(request: Any, answer: Any) -> None:
        if request.path != "/webhook" or request.method != "POST":
            return
        name = action_name(request.body, request.headers.get("Content-Encoding"), known)
        RUNS.labels(name, OUTCOMES.get(answer.status, "error")).inc()
        started = getattr(request.ctx, "metrics_started", None)
        if started is not None:
            DURATION.labels(name).observe(time.perf_counter() - started)

    @app.get("/metrics")
    async def metrics(request: Any) -> Any:
        refused = refusal(settings.current().METRICS_TOKEN, request.headers.get("Authorization"))
        if refused is not None:
            status, text = refused
            headers = {"WWW-Authenticate": "Bearer"} if status == 401 else {}
            return response.text(text, status=status, headers=headers)
        return response.raw(exposition(queue), content_type=CONTENT_TYPE,
                            headers={"Cache-Control": "no-store"})
