"""A token setting may hold the new and the old value while it is rotated ("new,old").

The channels app accepts either on its internal app and presents the first to
Rasa and the case store (docs/operations.md, *Rotate secrets*).
"""

from __future__ import annotations

from channels import tokens

NEW, OLD = "new-internal-token-0123", "old-internal-token-0123"
SESSION = "session-0123456789abcdef"


def test_the_internal_app_accepts_both_values_of_a_token_being_rotated(channels_app):
    internal = channels_app.internal(
        channels_app(CHANNELS_INTERNAL_TOKEN=f"{NEW},{OLD}")).test_client()
    statuses = [internal.get("/internal/dead-letters",
                             headers={"Authorization": f"Bearer {token}"}).status_code
                for token in (NEW, OLD, "another-token-0123", f"{NEW},{OLD}")]
    assert statuses == [200, 200, 401, 401]


def test_the_relay_to_rasa_presents_the_first_webhook_secret(channels_app, fake_rasa):
    app = channels_app(RASA_WEBHOOK_TOKEN="new-webhook-secret-01, old-webhook-secret-01")
    response = app.test_client().post("/webchat/messages",
                                      json={"session_id": SESSION, "text": "hello"})
    assert response.status_code == 200
    assert [call["authorization"] for call in fake_rasa.received] == [
        "Bearer new-webhook-secret-01"]


def test_a_token_setting_splits_into_its_values():
    assert tokens.values(" new-a , old-b ,") == ["new-a", "old-b"]
    assert tokens.presented("new-a,old-b") == "new-a"
    assert tokens.presented("") == ""
    assert tokens.values(None) == []


def test_a_text_signed_with_either_twilio_auth_token_is_taken(channels_app):
    from tests.fixtures.channels import TWILIO_TOKEN, post_twilio, twilio_signature

    app = channels_app(TWILIO_AUTH_TOKEN=f"new-twilio-auth-token,{TWILIO_TOKEN}")
    client = app.test_client()
    statuses = []
    for number, token in enumerate(("new-twilio-auth-token", TWILIO_TOKEN, "another-token")):
        params = {"From": "+14045550101", "To": "+14045550000", "Body": "hello",
                  "MessageSid": f"SM{number:032d}"}
        signature = twilio_signature("/sms", params, token=token)
        statuses.append(post_twilio(client, "/sms", params, signature=signature).status_code)
    assert statuses == [200, 200, 403]
