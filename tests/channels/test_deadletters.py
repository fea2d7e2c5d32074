"""Dead letters, the retry worker's choice of due rows, per-sender order, the retention purge."""

from __future__ import annotations

import datetime as dt
import logging

import sqlalchemy as sa

from channels import senders
from channels.retention import purge
from channels.retry import due_messages, run_once
from channels.store import (
    Address,
    InboxMessage,
    Notice,
    TelegramFile,
    TranscriptEntry,
    session,
    utcnow,
)
from tests.fixtures.channels import INTERNAL_AUTH, make_retries_due, post_twilio

PHONE = "+14045550123"
SECRET = {"X-Telegram-Bot-Api-Secret-Token": "telegram-secret"}


def sms(body: str, sid: str) -> dict:
    return {"From": PHONE, "To": "+14045550000", "Body": body, "MessageSid": sid,
            "NumMedia": "0"}


def rows(app) -> list[tuple[str, int]]:
    with session(app.extensions["channels"]["engine"]) as db:
        return [tuple(r) for r in db.execute(
            sa.select(InboxMessage.status, InboxMessage.attempts).order_by(InboxMessage.id))]


def add_rows(app, *values: dict) -> list[int]:
    """Insert inbox rows directly (the state a long outage leaves behind)."""
    now = utcnow()
    with session(app.extensions["channels"]["engine"]) as db:
        made = [InboxMessage(**{"channel": "sms", "text": "x", "shown_text": "x", "meta": {},
                                "status": "pending", "attempts": 0, "next_attempt_at": now,
                                "created_at": now, **v}) for v in values]
        db.add_all(made)
        db.commit()
        return [m.id for m in made]


def test_a_message_is_dead_after_the_last_allowed_attempt(channels_app, fake_rasa, caplog):
    fake_rasa.stop()
    app = channels_app(INBOX_MAX_ATTEMPTS=2)
    post_twilio(app.test_client(), "/sms", sms("my phone is 404-555-0199", "SM1"))
    assert rows(app) == [("pending", 1)]
    make_retries_due(app)
    with caplog.at_level(logging.INFO, logger="channels.inbox"):
        assert run_once(app) == 1
    assert rows(app) == [("dead", 2)]
    alert = [r for r in caplog.records if r.levelno == logging.CRITICAL]
    assert [r.getMessage() for r in alert] == [
        "event=inbox_dead_letter inbox_id=1 channel=sms kind=message attempts=2 "
        "error=rasa unreachable"]
    assert "0199" not in caplog.text and PHONE not in caplog.text


def test_a_message_older_than_the_age_limit_is_dead_at_its_next_failure(channels_app, fake_rasa):
    fake_rasa.stop()
    app = channels_app(INBOX_MAX_AGE_HOURS=1.0)
    post_twilio(app.test_client(), "/sms", sms("pothole", "SM1"))
    with session(app.extensions["channels"]["engine"]) as db:
        db.execute(sa.update(InboxMessage).values(
            created_at=utcnow() - dt.timedelta(hours=2), next_attempt_at=utcnow()))
        db.commit()
    run_once(app)
    assert rows(app) == [("dead", 2)]


def test_a_bot_blocked_by_the_resident_is_a_dead_delivery_without_more_attempts(
        channels_app, fake_rasa, api_recorder):
    app = channels_app()
    api_recorder.fail_with = 403  # Telegram: "Forbidden: bot was blocked by the user"
    update = {"update_id": 5, "message": {"message_id": 1, "date": 1764345600,
                                          "from": {"id": 9, "is_bot": False, "first_name": "A"},
                                          "chat": {"id": 9, "type": "private"}, "text": "hi"}}
    app.test_client().post("/telegram", json=update, headers=SECRET)
    make_retries_due(app)
    run_once(app)
    with session(app.extensions["channels"]["engine"]) as db:
        row = db.execute(sa.select(InboxMessage)).scalar_one()
    assert row.status == "dead"
    assert row.attempts <= 2  # never the full INBOX_MAX_ATTEMPTS
    assert len(fake_rasa.received) == 1
    dead = channels_app.internal(app).test_client().get("/internal/dead-letters",
                                                        headers=INTERNAL_AUTH)
    assert [(d["channel"], d["kind"]) for d in dead.json["dead_letters"]] == [
        ("telegram", "delivery")]


def test_hundreds_of_waiting_rows_do_not_hide_a_newer_retry(channels_app, fake_rasa, api_recorder):
    app = channels_app()
    later = utcnow() + dt.timedelta(days=1)
    add_rows(app, *({"provider_id": f"OLD{i}", "sender": f"sms:+1678555{i:04d}",
                     "status": "answered", "replies": [{"text": "x"}],
                     "next_attempt_at": later} for i in range(600)))
    fake_rasa.stop()
    post_twilio(app.test_client(), "/sms", sms("pothole", "SM-NEW"))
    fake_rasa.start()
    with session(app.extensions["channels"]["engine"]) as db:
        db.execute(sa.update(InboxMessage).where(InboxMessage.provider_id == "SM-NEW")
                   .values(next_attempt_at=utcnow()))
        db.commit()
    assert run_once(app) == 1
    assert [c.form["Body"] for c in api_recorder.calls("/Messages.json")] == [["echo: pothole"]]


def test_a_live_earlier_message_holds_back_its_senders_later_ones(channels_app):
    app = channels_app()
    later = utcnow() + dt.timedelta(days=1)
    first, second, other = add_rows(
        app, {"provider_id": "A1", "sender": "sms:+14045550001", "next_attempt_at": later},
        {"provider_id": "A2", "sender": "sms:+14045550001"},
        {"provider_id": "B1", "sender": "sms:+14045550002"})
    assert due_messages(app) == [other]
    assert first < second


def test_a_dead_message_does_not_hold_back_its_sender(channels_app):
    app = channels_app()
    dead, second = add_rows(
        app, {"provider_id": "A1", "sender": "sms:+14045550001", "status": "dead",
              "dead_at": utcnow()},
        {"provider_id": "A2", "sender": "sms:+14045550001"})
    assert due_messages(app) == [second]
    assert dead < second


def test_due_rows_come_oldest_due_first_and_limited(channels_app):
    app = channels_app()
    now = utcnow()
    ids = add_rows(app, *({"provider_id": f"P{i}", "sender": f"sms:+1404555{i:04d}",
                           "next_attempt_at": now - dt.timedelta(seconds=i)} for i in range(30)))
    assert due_messages(app, limit=3) == [ids[29], ids[28], ids[27]]


def test_the_dead_letter_list_needs_the_internal_token_and_shows_no_text(channels_app):
    app = channels_app()
    created = dt.datetime(2026, 11, 30, 8, 0, 0)
    dead_at = dt.datetime(2026, 11, 30, 9, 0, 0)
    add_rows(app, {"provider_id": "SM9", "sender": f"sms:{PHONE}", "text": "my address is 12 Elm",
                   "status": "dead", "attempts": 10, "last_error": "rasa timed out",
                   "created_at": created, "dead_at": dead_at})
    client = channels_app.internal(app).test_client()
    assert app.test_client().get("/internal/dead-letters").status_code == 404  # not public
    assert client.get("/internal/dead-letters").status_code == 401
    assert client.get("/internal/dead-letters",
                      headers={"Authorization": "Bearer wrong"}).status_code == 401
    response = client.get("/internal/dead-letters", headers=INTERNAL_AUTH)
    assert response.json == {"dead_letters": [{
        "id": 1, "channel": "sms", "kind": "message", "attempts": 10,
        "last_error": "rasa timed out", "created_at": "2026-11-30T08:00:00Z",
        "dead_at": "2026-11-30T09:00:00Z"}]}


def test_the_dead_letters_command_lists_ids_and_errors_only(channels_app):
    app = channels_app()
    add_rows(app, {"provider_id": "SM9", "sender": f"sms:{PHONE}", "text": "12 Elm St",
                   "status": "dead", "attempts": 3, "last_error": "delivery failed: Forbidden",
                   "replies": [{"text": "ok"}], "created_at": dt.datetime(2026, 11, 30, 8),
                   "dead_at": dt.datetime(2026, 11, 30, 9)})
    result = app.test_cli_runner().invoke(args=["dead-letters"])
    assert result.exit_code == 0
    assert result.output.splitlines()[1].split() == [
        "1", "sms", "delivery", "3", "2026-11-30T08:00:00Z", "2026-11-30T09:00:00Z",
        "delivery", "failed:", "Forbidden"]
    assert "Elm" not in result.output and PHONE not in result.output


def test_the_purge_deletes_what_is_older_than_the_retention_but_keeps_live_rows_and_stops(
        channels_app):
    app = channels_app(INBOX_RETENTION_DAYS=90.0)
    old = utcnow() - dt.timedelta(days=91)
    add_rows(app, {"provider_id": "OLD-DONE", "sender": "sms:+14045550001", "status": "done",
                   "created_at": old},
             {"provider_id": "OLD-DEAD", "sender": "sms:+14045550001", "status": "dead",
              "created_at": old},
             {"provider_id": "OLD-LIVE", "sender": "sms:+14045550001", "created_at": old},
             {"provider_id": "NEW-DONE", "sender": "sms:+14045550001", "status": "done"})
    with session(app.extensions["channels"]["engine"]) as db:
        db.add_all([TranscriptEntry(address="webchat:a", role="resident", text="old",
                                    created_at=old),
                     TranscriptEntry(address="webchat:a", role="resident", text="new"),
                     Notice(address="sms:+14045550001", case_number="26000001", event="closed",
                            created_at=old),
                     TelegramFile(file_id="old-file", created_at=old),
                     Address(address="sms:+14045550002", last_buttons=[], opted_out=False,
                             updated_at=old),
                     Address(address="sms:+14045550003", last_buttons=[], opted_out=True,
                             updated_at=old)])
        db.commit()
    assert purge(app) == {"inbox_messages": 2, "transcript": 1, "notices": 1,
                          "telegram_files": 1, "addresses": 1}
    with session(app.extensions["channels"]["engine"]) as db:
        left = list(db.execute(sa.select(InboxMessage.provider_id)
                               .order_by(InboxMessage.id)).scalars())
        texts = list(db.execute(sa.select(TranscriptEntry.text)).scalars())
    assert left == ["OLD-LIVE", "NEW-DONE"]
    assert texts == ["new"]
    assert senders.is_opted_out(app, "sms:+14045550003") is True


def test_the_purge_command_reports_what_it_deleted(channels_app):
    app = channels_app()
    result = app.test_cli_runner().invoke(args=["purge"])
    assert result.exit_code == 0
    assert result.output == (
        "inbox_messages=0 transcript=0 notices=0 telegram_files=0 addresses=0\n")
