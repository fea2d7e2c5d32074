"""Prometheus metrics of the channels apps: ``GET /metrics`` on each (8000 and 8001).

What is measured (docs/operations.md, *What to watch*):

- every HTTP request: ``channels_http_requests_total`` and
  ``channels_http_request_duration_seconds`` by ``app`` (public, internal),
  method, route and status. The route is the URL rule (``/telegram/files/<file_id>``),
  never the path, which can hold ids and tokens; no label holds personal data;
- failed provider sends (Twilio, Telegram, Messenger) by channel and whether
  the provider refused for good: ``channels_send_failures_total``, counted
  around the app's sender (``app.extensions["channels"]["send"]``);
- failed Rasa turns by reason: ``channels_rasa_failures_total``
  (``count_rasa_failure``, called where the call to Rasa fails);
- read from the database at each scrape: the inbox's live rows (pending,
  answered with the reply still owed), those due for a retry, the age of the
  oldest live one, its dead letters and the dead notices.

The public app runs several threads in one gunicorn worker and the internal
app its own gunicorn: with ``PROMETHEUS_MULTIPROC_DIR`` set (config/gunicorn.conf.py
gives each gunicorn its own) a scrape sums every worker of that gunicorn.
``METRICS_TOKEN`` set: ``/metrics`` answers only ``Authorization: Bearer <token>``.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable, Iterator
from typing import Any

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

from channels.errors import SendError

# The classic text format's type: what generate_latest writes and every Prometheus reads.
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "unmatched"  # no route matched: the path itself is never a label
CHANNELS = frozenset({"sms", "whatsapp", "telegram", "messenger", "webchat", "voice"})
# Why a Rasa turn failed; anything else is "other" (labels never carry free text).
RASA_REASONS = frozenset({"unreachable", "timeout", "error_status", "bad_answer", "empty"})

REQUESTS = Counter(
    "channels_http_requests_total",
    "HTTP requests answered, by app (public, internal), method, route pattern and status.",
    ["app", "method", "route", "status"],
)
LATENCY = Histogram(
    "channels_http_request_duration_seconds",
    "Time from the request reaching the app to its answer, by app, method, route and status.",
    ["app", "method", "route", "status"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 7.5, 10.0, 15.0),
)
SEND_FAILURES = Counter(
    "channels_send_failures_total",
    "Sends a provider refused or that did not reach it, by channel; permanent=true when "
    "the provider will never take the message (it goes to the dead letters at once).",
    ["channel", "permanent"],
)
RASA_FAILURES = Counter(
    "channels_rasa_failures_total",
    "Turns Rasa did not answer usefully, by reason: unreachable, timeout, error_status "
    "(an error answer), bad_answer (no JSON), empty (nothing to say).",
    ["reason"],
)


def count_rasa_failure(reason: str) -> None:
    """Count one failed Rasa turn; ``reason`` is one of RASA_REASONS (else ``other``)."""
    RASA_FAILURES.labels(reason if reason in RASA_REASONS else "other").inc()


def channel_label(address: str) -> str:
    """The channel of a channel address (``sms:+1404…`` -> ``sms``), never the address."""
    channel = address.split(":", 1)[0].lower() if isinstance(address, str) else ""
    return channel if channel in CHANNELS else "other"


def counting_sender(send: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap the app's sender so each SendError it raises is counted, then raised again."""

    def send_counted(app: Flask, address: str, *args: Any, **kwargs: Any) -> Any:
        try:
            return send(app, address, *args, **kwargs)
        except SendError as exc:
            SEND_FAILURES.labels(channel_label(address),
                                 "true" if exc.permanent else "false").inc()
            raise

    send_counted.__wrapped__ = send  # type: ignore[attr-defined]
    return send_counted


def _route_label() -> str:
    rule = request.url_rule
    return rule.rule if rule is not None else UNMATCHED


def _start_timer() -> None:
    g.metrics_started = time.perf_counter()


def _counter_for(app_label: str) -> Callable[[Response], Response]:
    def count(response: Response) -> Response:
        method = request.method if request.method in METHODS else "other"
        labels = (app_label, method, _route_label(), str(response.status_code))
        REQUESTS.labels(*labels).inc()
        started = g.get("metrics_started")
        if started is not None:
            LATENCY.labels(*labels).observe(time.perf_counter() - started)
        return response

    return count


class DatabaseCollector:
    """Gauges read from the channels database at each scrape."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def collect(self) -> Iterator[Metric]:
        """Yield the inbox and notice gauges (``up`` 0 when the queries fail)."""
        up = GaugeMetricFamily("channels_database_up",
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
        # Imported here: the tables' modules load the app's models, which the factory does.
        from channels.deliveries import NoticeDelivery
        from channels.store import LIVE_STATUSES, InboxMessage, utcnow

        now = utcnow()
        inbox = InboxMessage.__table__.c
        with self.app.extensions["channels"]["engine"].connect() as conn:
            by_status = dict(conn.execute(
                sa.select(inbox.status, sa.func.count())
                .where(inbox.status.in_([*LIVE_STATUSES, "dead"])).group_by(inbox.status)).all())
            oldest = conn.execute(sa.select(sa.func.min(inbox.created_at))
                                  .where(inbox.status.in_(LIVE_STATUSES))).scalar_one()
            due = conn.execute(sa.select(sa.func.count()).where(
                inbox.status.in_(LIVE_STATUSES), inbox.next_attempt_at <= now)).scalar_one()
            notices = NoticeDelivery.__table__.c
            dead_notices = conn.execute(sa.select(sa.func.count())
                                        .where(notices.status == "dead")).scalar_one()
        age = max(0.0, (now - oldest).total_seconds()) if oldest else 0.0
        return [
            ("channels_inbox_pending", "Messages waiting for Rasa's answer.",
             by_status.get("pending", 0)),
            ("channels_inbox_answered_undelivered",
             "Messages Rasa answered whose reply has not reached the resident yet.",
             by_status.get("answered", 0)),
            ("channels_inbox_due",
             "Live messages (pending or answered) whose next attempt is now or past.", due),
            ("channels_inbox_oldest_live_age_seconds",
             "Age of the oldest message something is still owed on; 0 when none.", age),
            ("channels_inbox_dead_letters",
             "Messages given up on (flask --app channels dead-letters), until purged.",
             by_status.get("dead", 0)),
            ("channels_notice_dead_letters",
             "Case notices given up on (/internal/dead-letters), until purged.", dead_notices),
        ]


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
    """The text ``/metrics`` answers: counters (every worker's), then the database gauges."""
    counters = _counters()
    return counters + generate_latest(app.extensions["channels"]["metrics"])


def _bearer_refusal(token: str) -> Response | None:
    if not token:
        return None
    scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not presented:
        return Response("metrics need a bearer token\n", 401, mimetype="text/plain",
                        headers={"WWW-Authenticate": "Bearer"})
    if not hmac.compare_digest(presented.strip().encode(), token.encode()):
        return Response("wrong metrics token\n", 403, mimetype="text/plain")
    return None


def metrics_view() -> Response:
    """``GET /metrics``: Prometheus text, behind METRICS_TOKEN when it is set."""
    refusal = _bearer_refusal(current_app.config.get("METRICS_TOKEN") or "")
    if refusal is not None:
        return refusal
    response = Response(exposition(current_app), mimetype="text/plain")
    response.headers["Content-Type"] = CONTENT_TYPE
    response.headers["Cache-Control"] = "no-store"
    return response


def init_metrics(app: Flask, app_label: str) -> None:
    """Count ``app``'s requests as ``app_label`` and its failed sends; serve ``GET /metrics``."""
    registry = CollectorRegistry()
    registry.register(DatabaseCollector(app))
    extension = app.extensions["channels"]
    extension["metrics"] = registry
    extension["send"] = counting_sender(extension["send"])
    app.before_request_funcs.setdefault(None, []).insert(0, _start_timer)
    app.after_request(_counter_for(app_label))
    app.add_url_rule("/metrics", "metrics", metrics_view, methods=["GET"])
