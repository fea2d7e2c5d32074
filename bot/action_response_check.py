"""Check the action server's answers against Rasa's schema with a validator built once.

Rasa 3.6 checks every answer of the action server (each custom action and each
form validation) with ``jsonschema.validate(result, schema)``. That call first
re-checks the *schema* against the JSON Schema meta-schema and builds a new
validator, every time: profiled with py-spy over whole turns, it was a third of
the Rasa process's CPU (about 20 ms of a 60 ms turn on this 2-core machine), for a
schema that is a constant. ``install`` swaps in the same check with the schema
checked once and one validator reused; an invalid answer still raises Rasa's
``ValidationError`` with Rasa's message.
"""

from __future__ import annotations

from typing import Any

_MESSAGE = (
    ". Failed to validate Action server response from API, make sure your response "
    "from the Action endpoint is valid. For more information about the format visit "
    "https://rasa.com/docs/rasa/custom-actions"
)


def install() -> None:
    """Replace ``RemoteAction._validate_action_result`` (idempotent; Rasa process only)."""
    from jsonschema import ValidationError
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    if getattr(RemoteAction._validate_action_result, "_checked_once", False):
        return
    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema)

    def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
        try:
            validator.validate(result)
        except ValidationError as error:
            error.message += _MESSAGE
            raise
        return True

    _validate_action_result._checked_once = True  # type: ignore[attr-defined]
    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
