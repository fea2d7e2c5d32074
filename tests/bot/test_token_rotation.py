"""Token settings may hold the new and the old value while they are rotated ("new,old")."""

from __future__ import annotations

import pytest

from bot.actions.settings import presented_token
from bot.input_channel import SecuredRestInput

NEW, OLD = "new-webhook-secret-01", "old-webhook-secret-01"


@pytest.mark.parametrize(("header", "status"), [
    (f"Bearer {NEW}", None),
    (f"Bearer {OLD}", None),
    ("Bearer another-secret-value1", 403),
    (f"Bearer {NEW},{OLD}", 403),
])
def test_the_webhook_accepts_either_secret_while_it_is_rotated(header, status):
    assert SecuredRestInput(f"{NEW}, {OLD}").check(header) == status


def test_every_value_of_the_webhook_secret_must_be_long_enough():
    with pytest.raises(ValueError, match="at least 16 characters"):
        SecuredRestInput(f"{NEW},short")


def test_the_action_server_presents_the_first_value():
    assert presented_token("new-service-token, old-service-token") == "new-service-token"
    assert presented_token("") == ""
