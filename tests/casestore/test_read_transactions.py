"""On SQLite, anonymous reads take no write lock: they answer while a writer holds it."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy.engine import make_url

from casestore import db
from casestore.migrate import upgrade_database
from tests.fixtures.casestore import SERVICE_TOKEN, ApiClient, build_app, file_case
from tests.fixtures.database import database_profile

pytestmark = pytest.mark.skipif(database_profile() != "sqlite",
                                reason="PostgreSQL reads never take SQLite's write lock")


@pytest.fixture()
def locked_app(make_database_url, tmp_path, monkeypatch):
    """An app whose database another connection holds the write lock of.

    A short busy timeout makes a request that wants the lock fail at once
    instead of waiting out the default 30 s.
    """
    monkeypatch.setattr(db, "SQLITE_BUSY_TIMEOUT_MS", 200)
    url = make_database_url("readlock")
    upgrade_database(url)
    app = build_app(url, str(tmp_path), PROPAGATE_EXCEPTIONS=False)
    number = file_case(ApiClient(app, SERVICE_TOKEN))["case_number"]
    writer = sqlite3.connect(make_url(url).database, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    yield app, number
    writer.execute("ROLLBACK")
    writer.close()
    app.extensions["casestore.engine"].dispose()


@pytest.mark.parametrize("path", [
    "/api/v1/cases/{n}", "/api/v1/cases/{n}/activities", "/cases/{n}",
    "/open311/v2/requests/{n}.json", "/open311/v2/requests.json?service_request_id={n}",
])
def test_an_anonymous_read_answers_while_a_writer_holds_the_lock(locked_app, path):
    app, number = locked_app
    assert app.test_client().get(path.format(n=number)).status_code == 200


def test_a_write_still_waits_for_the_lock(locked_app):
    app, number = locked_app
    response = ApiClient(app, SERVICE_TOKEN).post(
        f"/api/v1/cases/{number}/activities", json={"kind": "info_added", "note": "More."})
    assert response.status_code == 500  # "database is locked" once the short timeout ran out
