"""Rasa's REST webhook answers only requests that carry the shared secret.

Against the real Rasa server of the ``stack`` fixture (``bot.input_channel`` is
the channel ``credentials.yml`` names), plus the channel's own start-up check.
"""

from __future__ import annotations

import uuid

import pytest
import requests

from bot.input_channel import SecuredRestInput

pytestmark = pytest.mark.timeout(900)


def post(stack, sender: str, headers: dict | None = None, params: dict | None = None):
    return requests.post(
        f"{stack.rasa_url}/webhooks/rest/webhook",
        json={"sender": sender, "message": "hello"},
        headers=headers or {},
        params=params,
        timeout=120,
    )


def user_turns(stack, sender: str) -> list[dict]:
    return [e for e in stack.tracker(sender)["events"] if e.get("event") == "user"]


def test_a_message_without_the_secret_gets_401_and_reaches_no_conversation(stack):
    sender = f"webchat:{uuid.uuid4().hex}"
    response = post(stack, sender)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.json() == {
        "error": "unauthorized", "message": "The webhook secret is required."
    }
    assert user_turns(stack, sender) == []


def test_a_message_with_a_wrong_secret_gets_403_and_reaches_no_conversation(stack):
    sender = f"webchat:{uuid.uuid4().hex}"
    response = post(stack, sender, headers={"Authorization": "Bearer not-the-secret-at-all"})
    assert response.status_code == 403
    assert response.json() == {"error": "forbidden", "message": "The webhook secret is wrong."}
    assert user_turns(stack, sender) == []


def test_the_api_token_is_not_the_webhook_secret(stack):
    response = post(stack, "webchat:api-token-probe",
                    headers={"Authorization": f"Bearer {stack.rasa_token}"})
    assert response.status_code == 403


def test_the_secret_in_the_url_does_not_count(stack):
    response = post(stack, "webchat:url-token-probe", params={"token": stack.webhook_token})
    assert response.status_code == 401


def test_a_message_with_the_secret_is_answered(stack):
    sender = f"webchat:{uuid.uuid4().hex}"
    response = post(stack, sender, headers={"Authorization": f"Bearer {stack.webhook_token}"})
    assert response.status_code == 200
    assert response.json() and response.json()[0]["recipient_id"] == sender
    assert [e["text"] for e in user_turns(stack, sender)] == ["hello"]


def test_the_channel_refuses_to_start_without_a_secret(monkeypatch):
    monkeypatch.delenv("RASA_WEBHOOK_TOKEN", raising=False)
    with pytest.raises(ValueError, match="RASA_WEBHOOK_TOKEN must be set"):
        SecuredRestInput.from_credentials(None)


def test_a_short_secret_is_refused_too(monkeypatch):
    monkeypatch.setenv("RASA_WEBHOOK_TOKEN", "short")
    with pytest.raises(ValueError, match="at least 16 characters"):
        SecuredRestInput.from_credentials(None)


@pytest.mark.parametrize(
    ("header", "status"),
    [
        (None, 401),
        ("", 401),
        ("Basic c2VjcmV0", 401),
        ("Bearer ", 401),
        ("Bearer a-wrong-secret-value", 403),
        ("Bearer the-right-secret-value", None),
        ("bearer the-right-secret-value", None),
    ],
)
def test_the_header_check(header, status):
    channel = SecuredRestInput("the-right-secret-value")
    assert channel.check(header) == status
