"""The action server's answers are still checked against Rasa's schema after the swap."""

from __future__ import annotations

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

from bot import action_response_check


@pytest.fixture(scope="module")
def action() -> RemoteAction:
    """A remote action with the check built once installed."""
    action_response_check.install()
    return RemoteAction("action_start_report", None)


def test_install_replaces_the_check_once():
    action_response_check.install()
    first = RemoteAction._validate_action_result
    action_response_check.install()
    assert RemoteAction._validate_action_result is first
    assert first._checked_once is True


def test_a_valid_answer_passes(action):
    answer = {"events": [{"event": "slot", "name": "language", "value": "es"}],
              "responses": [{"text": "Hola"}]}
    assert action._validate_action_result(answer) is True


def test_an_invalid_answer_raises_with_rasas_message(action):
    with pytest.raises(ValidationError) as raised:
        action._validate_action_result({"events": "not a list"})
    assert raised.value.message.endswith(
        "Failed to validate Action server response from API, make sure your response "
        "from the Action endpoint is valid. For more information about the format visit "
        "https://rasa.com/docs/rasa/custom-actions")
