"""The service token may hold the new and the old value while it is rotated ("new,old")."""

from __future__ import annotations

import pytest

from casestore.auth import is_service_token
from casestore.channels_client import channels_internal_token
from tests.fixtures.casestore import build_app


@pytest.fixture()
def rotating_app(make_database_url, tmp_path):
    from casestore.migrate import upgrade_database

    url = make_database_url("rotation")
    upgrade_database(url)
    app = build_app(url, str(tmp_path), SERVICE_TOKEN="new-service-token, old-service-token",
                    CHANNELS_INTERNAL_TOKEN="new-internal-token,old-internal-token")
    yield app
    app.extensions["casestore.engine"].dispose()


@pytest.mark.parametrize(("token", "accepted"), [
    ("new-service-token", True),
    ("old-service-token", True),
    ("new-service-token, old-service-token", False),
    ("another-token", False),
    ("", False),
])
def test_either_value_of_a_service_token_being_rotated_is_accepted(rotating_app, token,
                                                                   accepted):
    with rotating_app.app_context():
        assert is_service_token(token) is accepted


def test_the_api_answers_the_old_service_token_during_a_rotation(rotating_app):
    client = rotating_app.test_client()
    # The service may look any case up: an unknown number is "not found", not "who are you".
    statuses = [client.get("/api/v1/cases/26999999",
                           headers={"Authorization": f"Bearer {token}"}).status_code
                for token in ("old-service-token", "another-token")]
    assert statuses == [404, 401]


def test_the_case_store_presents_the_first_internal_token(rotating_app):
    with rotating_app.app_context():
        assert channels_internal_token() == "new-internal-token"
