"""The internal app: ``/internal/*`` apart from the public app, its own token, notice dedupe."""

from __future__ import annotations

import datetime as dt
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from channels import deliveries
from channels.store import make_engine, session
from tests.fixtures.channels import INTERNAL_AUTH

REPO = Path(__file__).resolve().parents[2]
NOTICE = {"to": "sms:+14045550123", "text": "Case 26000123 was opened.",
          "case_number": "26000123", "event": "opened"}


@pytest.mark.parametrize("path", ["/internal/send", "/internal/dead-letters"])
def test_the_public_app_serves_nothing_under_internal(channels_app, api_recorder, path):
    client = channels_app().test_client()
    response = client.open(path, method="POST" if path.endswith("send") else "GET",
                           json=NOTICE, headers=INTERNAL_AUTH)
    assert response.status_code == 404
    assert api_recorder.calls("/Messages.json") == []


def test_the_service_token_towards_the_case_store_does_not_open_the_internal_app(
        channels_app, api_recorder):
    internal = channels_app.internal(channels_app()).test_client()
    response = internal.post("/internal/send", json=NOTICE,
                             headers={"Authorization": "Bearer service-token"})
    assert response.status_code == 401
    assert api_recorder.calls("/Messages.json") == []


def test_the_internal_app_lists_dead_letters_with_its_token(channels_app):
    internal = channels_app.internal(channels_app()).test_client()
    assert internal.get("/internal/dead-letters").status_code == 401
    assert internal.get("/internal/dead-letters", headers=INTERNAL_AUTH).status_code == 200


ACTIONS_AUTH = {"Authorization": "Bearer actions-channels-token"}


def test_the_action_servers_own_token_sends_a_notice(channels_app, api_recorder):
    internal = channels_app.internal(
        channels_app(ACTIONS_CHANNELS_TOKEN="actions-channels-token")).test_client()
    response = internal.post("/internal/send", json=NOTICE, headers=ACTIONS_AUTH)
    assert response.get_json() == {"status": "sent", "channel": "sms"}
    assert len(api_recorder.calls("/Messages.json")) == 1


def test_the_action_servers_token_does_not_list_dead_letters(channels_app):
    internal = channels_app.internal(
        channels_app(ACTIONS_CHANNELS_TOKEN="actions-channels-token")).test_client()
    assert internal.get("/internal/dead-letters", headers=ACTIONS_AUTH).status_code == 401


def test_an_unset_action_server_token_opens_nothing(channels_app, api_recorder):
    internal = channels_app.internal(channels_app(ACTIONS_CHANNELS_TOKEN="")).test_client()
    response = internal.post("/internal/send", json=NOTICE, headers={"Authorization": "Bearer "})
    assert response.status_code == 401
    assert api_recorder.calls("/Messages.json") == []


def test_the_internal_app_has_its_own_health_check(channels_app):
    internal = channels_app.internal(channels_app()).test_client()
    response = internal.get("/internal/healthz")
    assert (response.status_code, response.get_json()) == (200, {"status": "ok"})


def test_a_notice_sent_again_with_the_same_dedupe_key_is_not_sent_twice(channels_app,
                                                                        api_recorder):
    internal = channels_app.internal(channels_app()).test_client()
    body = {**NOTICE, "dedupe_key": "outbox-41"}
    first = internal.post("/internal/send", json=body, headers=INTERNAL_AUTH)
    again = internal.post("/internal/send", json=body, headers=INTERNAL_AUTH)
    assert first.get_json() == {"status": "sent", "channel": "sms"}
    assert (again.status_code, again.get_json()) == (
        200, {"status": "sent", "channel": "sms", "duplicate": True})
    assert len(api_recorder.calls("/Messages.json")) == 1


def test_two_notices_with_different_keys_both_go_out(channels_app, api_recorder):
    internal = channels_app.internal(channels_app()).test_client()
    for key in ("outbox-1", "outbox-2"):
        assert internal.post("/internal/send", json={**NOTICE, "dedupe_key": key},
                             headers=INTERNAL_AUTH).get_json().get("duplicate") is None
    assert len(api_recorder.calls("/Messages.json")) == 2


def test_a_key_being_sent_by_another_request_answers_503(channels_app, api_recorder):
    app = channels_app.internal(channels_app())
    held = deliveries.claim(app, "outbox-5", NOTICE["to"], "opened", "26000123")
    response = app.test_client().post("/internal/send", json={**NOTICE, "dedupe_key": "outbox-5"},
                                      headers=INTERNAL_AUTH)
    assert held.delivery_id is not None
    assert (response.status_code, response.get_json()["error"]) == (503, "send_in_progress")
    assert api_recorder.calls("/Messages.json") == []


def test_a_malformed_dedupe_key_is_refused_and_nothing_is_sent(channels_app, api_recorder):
    internal = channels_app.internal(channels_app()).test_client()
    response = internal.post("/internal/send", json={**NOTICE, "dedupe_key": "two words"},
                             headers=INTERNAL_AUTH)
    assert response.status_code == 422
    assert response.get_json()["fields"] == {
        "dedupe_key": "1 to 200 printable ASCII characters without spaces"}
    assert api_recorder.calls("/Messages.json") == []


def test_init_makes_the_internal_token_apart_from_the_service_token(make_database_url,
                                                                    tmp_path):
    env = {**os.environ, "DATABASE_URL": make_database_url("inittoken"),
           "CASESTORE_VAR_DIR": str(tmp_path)}
    env.pop("CASESTORE_SERVICE_TOKEN", None)
    env.pop("CHANNELS_INTERNAL_TOKEN", None)
    subprocess.run([str(Path(sys.executable).parent / "flask"), "--app", "casestore", "init"],
                   cwd=REPO, env=env, check=True, capture_output=True)
    internal, service = tmp_path / "channels_internal_token", tmp_path / "service_token"
    actions = tmp_path / "actions_channels_token"
    assert stat.S_IMODE(internal.stat().st_mode) == 0o600
    assert stat.S_IMODE(actions.stat().st_mode) == 0o600
    assert len(internal.read_text().strip()) >= 32
    assert len({internal.read_text(), service.read_text(), actions.read_text()}) == 3


def _expire_claim(app, key: str) -> None:
    """Age a ``sending`` claim past its deadline, as a sender killed mid-send leaves it."""
    with session(app.extensions["channels"]["engine"]) as db:
        db.execute(sa.update(deliveries.NoticeDelivery)
                   .where(deliveries.NoticeDelivery.dedupe_key == key)
                   .values(updated_at=dt.datetime(2020, 1, 1)))
        db.commit()


def _resends(app, key: str) -> int:
    with session(app.extensions["channels"]["engine"]) as db:
        return db.execute(sa.select(deliveries.NoticeDelivery.resends)
                          .where(deliveries.NoticeDelivery.dedupe_key == key)).scalar_one()


def test_a_claim_left_by_a_sender_killed_mid_send_is_sent_again_and_counted(
        channels_app, api_recorder, caplog):
    app = channels_app.internal(channels_app())
    deliveries.claim(app, "outbox-6", NOTICE["to"], "opened", "26000123")
    _expire_claim(app, "outbox-6")
    response = app.test_client().post("/internal/send", json={**NOTICE, "dedupe_key": "outbox-6"},
                                      headers=INTERNAL_AUTH)
    assert response.get_json() == {"status": "sent", "channel": "sms"}
    assert len(api_recorder.calls("/Messages.json")) == 1
    assert _resends(app, "outbox-6") == 1
    warned = [r for r in caplog.records if r.getMessage() == "notice_resent_after_crash"]
    assert [(r.notice, hasattr(r, "to")) for r in warned] == [("opened", False)]


def test_a_notice_sent_at_the_first_claim_counts_no_resend(channels_app, api_recorder):
    app = channels_app.internal(channels_app())
    app.test_client().post("/internal/send", json={**NOTICE, "dedupe_key": "outbox-8"},
                           headers=INTERNAL_AUTH)
    assert _resends(app, "outbox-8") == 0


def test_an_older_deliveries_table_gets_the_resends_column(make_database_url):
    url = make_database_url("olddeliveries")
    old = sa.create_engine(url, future=True)
    with old.begin() as conn:
        conn.execute(sa.text(
            "CREATE TABLE notice_deliveries (id INTEGER PRIMARY KEY, dedupe_key VARCHAR(200) "
            "UNIQUE, address VARCHAR(200) NOT NULL, event VARCHAR(32), case_number VARCHAR(16), "
            "status VARCHAR(16) NOT NULL, reason VARCHAR(300), created_at TIMESTAMP NOT NULL, "
            "updated_at TIMESTAMP NOT NULL)"))
        conn.execute(sa.text(
            "INSERT INTO notice_deliveries (id, dedupe_key, address, status, created_at, "
            "updated_at) VALUES (1, 'outbox-1', 'sms:+1', 'sent', '2026-01-01', '2026-01-01')"))
    old.dispose()
    engine = make_engine(url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT resends FROM notice_deliveries")).scalar_one() == 0
    engine.dispose()
