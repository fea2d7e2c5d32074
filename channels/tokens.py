"""Token settings with more than one value, so a token can be rotated without a refusal.

A token setting (``CASESTORE_SERVICE_TOKEN``, ``RASA_WEBHOOK_TOKEN``,
``CHANNELS_INTERNAL_TOKEN``, ``ACTIONS_CHANNELS_TOKEN``) holds one value, or while
it is rotated several, comma-separated: this app presents the first and accepts
any (docs/operations.md, *Rotate secrets*).
"""

from __future__ import annotations


def values(setting: str | None) -> list[str]:
    """The values of a token setting, in order."""
    return [part.strip() for part in (setting or "").split(",") if part.strip()]


def presented(setting: str | None) -> str:
    """The value to present: the first ("" when the setting is empty)."""
    found = values(setting)
    return found[0] if found else ""
