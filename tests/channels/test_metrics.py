"""GET /metrics of both channels apps: Prometheus text, routes not paths, inbox gauges, token."""

from __future__ import annotations

import datetime as dt

import pytest
from prometheus_client.parser import text_string_to_metric_families

from channels.deliveries import NoticeDelivery
from channels.errors import SendError
from channels.metrics import count_rasa_failure, counting_sender
from channels.store import InboxMessage, session, utcnow
from tests.fixtures.channels import INTERNAL_AUTH, post_twilio

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]
PHONE = "+14045550199"


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


def sms(body: str, sid: str) -> dict:
    return {"From": PHONE, "To": "+14045550000", "Body": body, "MessageSid": sid,
            "AccountSid": "AC" + "0" * 32, "NumMedia": "0"}


def test_metrics_are_prometheus_text(channels_app):
    response = channels_app().test_client().get("/metrics")
    names = {f.name for f in text_string_to_metric_families(response.get_data(as_text=True))}
    assert response.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    assert {"channels_http_requests", "channels_inbox_due", "channels_inbox_dead_letters",
            "channels_send_failures", "channels_rasa_failures"} <= names


def test_a_text_is_counted_under_the_public_apps_sms_route(channels_app, fake_rasa):
    fake_rasa.reply = lambda body: [{"text": "What is the address?"}]
    app = channels_app()
    labels = {"app": "public", "method": "POST", "route": "/sms", "status": "200"}
    before = value(scrape(app), "channels_http_requests_total", **labels)
    post_twilio(app.test_client(), "/sms", sms("pothole", "SM1"))
    after = scrape(app)
    assert value(after, "channels_http_requests_total", **labels) - before == 1.0
    assert not [key for key in after if PHONE in str(key)]


def test_a_route_with_an_id_is_labelled_with_its_pattern(channels_app):
    app = channels_app()
    before = scrape(app)
    app.test_client().get("/telegram/files/AgACAgQAAxkBAAIB")
    after = scrape(app)
    grown = {dict(k[1])["route"] for k, v in after.items()
             if k[0] == "channels_http_requests_total" and v > before.get(k, 0.0)}
    assert grown == {"/telegram/files/<file_id>", "/metrics"}
    assert not [key for key in after if "AgACAgQAAxkBAAIB" in str(key)]


def test_the_internal_app_counts_under_its_own_label(channels_app):
    internal = channels_app.internal(channels_app())
    labels = {"app": "internal", "method": "GET", "route": "/internal/dead-letters",
              "status": "200"}
    before = value(scrape(internal), "channels_http_requests_total", **labels)
    assert internal.test_client().get("/internal/dead-letters",
                                      headers=INTERNAL_AUTH).status_code == 200
    assert value(scrape(internal), "channels_http_requests_total", **labels) - before == 1.0


def test_the_inbox_gauges_count_the_rows_there(channels_app):
    app = channels_app()
    now = utcnow()
    rows = ([("pending", now - dt.timedelta(minutes=1))] * 2
            + [("pending", now + dt.timedelta(hours=1)), ("answered", now)]
            + [("dead", now)] * 3 + [("done", now)])
    with session(app.extensions["channels"]["engine"]) as db:
        db.add_all(InboxMessage(channel="sms", provider_id=f"SM{i}", sender="sms:+1", text="x",
                                shown_text="x", meta={}, status=status, attempts=1,
                                next_attempt_at=when, created_at=now - dt.timedelta(minutes=2))
                   for i, (status, when) in enumerate(rows))
        db.add(NoticeDelivery(dedupe_key="k1", address="sms:+1", case_number="26000001",
                              status="dead"))
        db.commit()
    samples = scrape(app)
    assert [value(samples, name) for name in (
        "channels_inbox_pending", "channels_inbox_answered_undelivered", "channels_inbox_due",
        "channels_inbox_dead_letters", "channels_notice_dead_letters")] == [
        3.0, 1.0, 3.0, 3.0, 1.0]
    assert value(samples, "channels_inbox_oldest_live_age_seconds") >= 120.0


def test_an_empty_inbox_has_no_age(channels_app):
    samples = scrape(channels_app())
    assert (value(samples, "channels_inbox_pending"),
            value(samples, "channels_inbox_oldest_live_age_seconds"),
            value(samples, "channels_database_up")) == (0.0, 0.0, 1.0)


def test_a_transient_send_failure_is_counted_by_channel(channels_app, api_recorder):
    internal = channels_app.internal(channels_app())
    labels = {"channel": "sms", "permanent": "false"}
    before = value(scrape(internal), "channels_send_failures_total", **labels)
    api_recorder.fail_with = 500
    response = internal.test_client().post("/internal/send", headers=INTERNAL_AUTH, json={
        "to": f"sms:{PHONE}", "text": "Case 26000123 is closed."})
    assert response.status_code == 502
    after = scrape(internal)
    assert value(after, "channels_send_failures_total", **labels) - before == 1.0
    assert not [key for key in after if PHONE in str(key)]


def test_a_permanent_refusal_is_counted_as_permanent():
    def refuse(app, address, messages):  # noqa: ANN001, ANN202
        raise SendError("blocked", permanent=True)

    labels = {"channel": "telegram", "permanent": "true"}
    before = _counter("channels_send_failures_total", labels)
    with pytest.raises(SendError):
        counting_sender(refuse)(None, "telegram:424242", [])
    assert _counter("channels_send_failures_total", labels) - before == 1.0


def test_an_address_of_no_known_channel_is_labelled_other():
    def refuse(app, address, messages):  # noqa: ANN001, ANN202
        raise SendError("no way")

    before = _counter("channels_send_failures_total", {"channel": "other", "permanent": "false"})
    with pytest.raises(SendError):
        counting_sender(refuse)(None, "pigeon:ada@example.com", [])
    assert _counter("channels_send_failures_total",
                    {"channel": "other", "permanent": "false"}) - before == 1.0


def test_a_rasa_failure_reason_outside_the_list_is_counted_as_other():
    before = _counter("channels_rasa_failures_total", {"reason": "other"})
    count_rasa_failure("rasa answered 418 to +14045550199")
    assert _counter("channels_rasa_failures_total", {"reason": "other"}) - before == 1.0


def _counter(name: str, labels: dict[str, str]) -> float:
    from prometheus_client import REGISTRY

    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_with_a_token_set_metrics_without_one_are_401(channels_app):
    response = channels_app(METRICS_TOKEN="scrape-me").test_client().get("/metrics")
    assert (response.status_code, response.headers["WWW-Authenticate"]) == (401, "Bearer")


def test_with_a_token_set_metrics_with_another_are_403(channels_app):
    response = channels_app(METRICS_TOKEN="scrape-me").test_client().get(
        "/metrics", headers={"Authorization": "Bearer scrape-you"})
    assert response.status_code == 403


def test_with_a_token_set_metrics_with_it_are_answered(channels_app):
    samples = scrape(channels_app(METRICS_TOKEN="scrape-me"),
                     {"Authorization": "Bearer scrape-me"})
    assert value(samples, "channels_database_up") == 1.0


def test_rasa_down_is_counted_as_an_unreachable_turn(channels_app, fake_rasa):
    fake_rasa.stop()
    app = channels_app()
    before = value(scrape(app), "channels_rasa_failures_total", reason="unreachable")
    post_twilio(app.test_client(), "/sms", sms("pothole", "SM1"))
    assert value(scrape(app), "channels_rasa_failures_total", reason="unreachable") - before == 1.0


def test_an_empty_rasa_answer_is_counted_as_empty(channels_app, fake_rasa):
    fake_rasa.reply = lambda body: []
    app = channels_app()
    before = value(scrape(app), "channels_rasa_failures_total", reason="empty")
    post_twilio(app.test_client(), "/sms", sms("pothole", "SM1"))
    assert value(scrape(app), "channels_rasa_failures_total", reason="empty") - before == 1.0
