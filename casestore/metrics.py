"""Prometheus metrics of the case store: ``GET /metrics`` in the text format.

What is measured (docs/operations.md, *What to watch*, says what each means and
when to page someone):

- every HTTP request: ``casestore_http_requests_total`` and
  ``casestore_http_request_duration_seconds``, labelled by method, route and
  status. The route is the URL rule (``/cases/<number>``), never the path:
  paths carry case numbers, tokens and emails, and no label may hold
  personal data;
- read from the database when scraped (a collector, so every worker answers
  the same): the notification outbox's pending and due rows, the age of its
  oldest pending row, its dead letters, live chats waiting for an agent, and
  whether the database answered at all.

gunicorn runs several workers: with ``PROMETHEUS_MULTIPROC_DIR`` set
(config/gunicorn.conf.py does it for every gunicorn of the Procfile) the
counters live in files there and a scrape sums every worker's; unset (tests,
``flask run``), they live in the process.

``METRICS_TOKEN`` set: ``/metrics`` answers only ``Authorization: Bearer
<token>`` (401 without one, 403 with another). Unset: it answers whoever
reaches it, so the proxy in front must not route it (docs/operations.md).
"""

from __future__ import annotations

import datetime as dt
import hmac
import time
from collections.abc import Iterator

import sqlalchemy as sa
from flask import Flask, Response, current_app, g, request
from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric

from .models import LiveChat, OutboxMessage, utcnow

# The classic text format's type: what generate_latest writes, and what every Prometheus
# (2.x too) reads; prometheus_client's CONTENT_TYPE_LATEST names 1.0.0 since 0.22.
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# Methods are labels as they come; anything else a client invents is one "other".
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "unmatched"  # no route matched (404, 405): the path itself is never a label

REQUESTS = Counter(
    "casestore_http_requests_total",
    "HTTP requests answered, by method, route pattern and status.",
    ["method", "route", "status"],
)
LATENCY = Histogram(
    "casestore_http_request_duration_seconds",
    "Time from the request reaching the app to its answer, by method, route pattern and status.",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)


def route_label() -> str:
    """The current request's route pattern (``/cases/<number>``), or ``unmatched``."""
    rule = request.url_rule
    return rule.rule if rule is not None else UNMATCHED


def method_label() -> str:
    """The current request's method, or ``other`` for a method no route uses."""
    return request.method if request.method in METHODS else "other"


def _start_timer() -> None:
    g.metrics_started = time.perf_counter()


def _count(response: Response) -> Response:
    labels = (method_label(), route_label(), str(response.status_code))
    REQUESTS.labels(*labels).inc()
    started = g.get("metrics_started")
    if started is not None:
        LATENCY.labels(*labels).observe(time.perf_counter() - started)
    return response


class DatabaseCollector:
    """Gauges read from the case store's database at each scrape."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def collect(self) -> Iterator[Metric]:
        """Yield the outbox, live chat and database gauges (``up`` 0 when the query fails)."""
        up = GaugeMetricFamily("casestore_database_up",
                               "1 when the scrape's queries answered, else 0.")
        try:
            values = self._read()
        except sa.exc.SQLAlchemyError:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        for name, documentation, value in values:
            gauge = GaugeMetricFamily(name, documentation)
            gauge.add_metric([], value)
            yield gauge

    def _read(self) -> list[tuple[str, str, float]]:
        now = utcnow()
        outbox = OutboxMessage.__table__.c
        with self.app.extensions["casestore.engine"].connect() as conn:
            pending, oldest = conn.execute(
                sa.select(sa.func.count(), sa.func.min(outbox.created_at))
                .where(outbox.status == "pending")).one()
            due = conn.execute(sa.select(sa.func.count()).where(
                outbox.status == "pending", outbox.next_attempt_at <= now)).scalar_one()
            dead = conn.execute(sa.select(sa.func.count())
                                .where(outbox.status == "dead")).scalar_one()
            chats = LiveChat.__table__.c
            waiting = conn.execute(sa.select(sa.func.count())
                                   .where(chats.status == "waiting")).scalar_one()
        age = max(0.0, (now - _aware_utc(oldest)).total_seconds()) if oldest else 0.0
        return [
            ("casestore_outbox_pending", "Notices in the outbox not yet delivered.", pending),
            ("casestore_outbox_due",
             "Notices in the outbox whose next attempt is now or past (the notifier's backlog).",
             due),
            ("casestore_outbox_oldest_pending_age_seconds",
             "Age of the oldest undelivered notice; 0 when none is pending.", age),
            ("casestore_outbox_dead_letters",
             "Notices the notifier gave up on (kept for the record, never retried).", dead),
            ("casestore_livechat_waiting", "Live chats waiting for an agent.", waiting),
        ]


def _aware_utc(value: dt.datetime) -> dt.datetime:
    # The column type answers aware UTC; an aggregate may come back naive on SQLite.
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.timezone.utc)


def _counters() -> bytes:
    """The counters in text: summed over every worker's files when prometheus_client runs in
    multiprocess mode (it reads PROMETHEUS_MULTIPROC_DIR itself), else this process's."""
    registry = CollectorRegistry()
    try:
        multiprocess.MultiProcessCollector(registry)
    except ValueError:  # no multiprocess folder: the counters live in this process
        return generate_latest(REGISTRY)
    return generate_latest(registry)


def exposition(app: Flask) -> bytes:
    """The text ``/metrics`` answers: the process's (or every worker's) counters, then
    the database gauges."""
    counters = _counters()
    return counters + generate_latest(app.extensions["casestore.metrics"])


def bearer_refusal(token: str | None) -> Response | None:
    """The 401/403 answer when ``token`` is set and the request does not present it."""
    if not token:
        return None
    header = request.headers.get("Authorization", "")
    scheme, _, presented = header.partition(" ")
    if scheme.lower() != "bearer" or not presented:
        return Response("metrics need a bearer token\n", 401, mimetype="text/plain",
                        headers={"WWW-Authenticate": "Bearer"})
    if not hmac.compare_digest(presented.strip().encode(), token.encode()):
        return Response("wrong metrics token\n", 403, mimetype="text/plain")
    return None


def metrics_view() -> Response:
    """``GET /metrics``: Prometheus text, behind METRICS_TOKEN when it is set."""
    refusal = bearer_refusal(current_app.config.get("METRICS_TOKEN"))
    if refusal is not None:
        return refusal
    response = Response(exposition(current_app), mimetype="text/plain")
    response.headers["Content-Type"] = CONTENT_TYPE
    response.headers["Cache-Control"] = "no-store"
    return response


def init_metrics(app: Flask) -> None:
    """Count every request of ``app`` and serve ``GET /metrics``."""
    registry = CollectorRegistry()
    registry.register(DatabaseCollector(app))
    app.extensions["casestore.metrics"] = registry
    # First of the before_request functions: one that answers early (a refusal) is timed too.
    app.before_request_funcs.setdefault(None, []).insert(0, _start_timer)
    app.after_request(_count)
    app.add_url_rule("/metrics", "metrics", metrics_view, methods=["GET"])
