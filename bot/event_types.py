"""Rasa's event classes looked up by type name in a table instead of a walk of the class tree.

Rasa 3.6 turns each stored event back into an object with
``Event.resolve_by_type(type_name)``, which walks every subclass of ``Event``
(and asks ``inspect.isabstract`` of each) until one has that ``type_name``.
A tracker is read back whole on every turn, so this runs for every event of the
conversation on every turn: profiled with py-spy under load, 7 % of the Rasa
process's time. ``install`` keeps a table from type name to class, filled from
that same walk; a name not in it (an event class imported later) walks again,
and an unknown name still ends as Rasa's does (``default``, None for the old
``topic``, or ValueError).
"""

from __future__ import annotations

from typing import Any

_classes: dict[str, Any] = {}


def install() -> None:
    """Replace ``Event.resolve_by_type`` (idempotent; Rasa process only)."""
    from rasa.shared.core.events import Event

    original = Event.__dict__["resolve_by_type"].__func__
    if getattr(original, "_table", False):
        return

    def resolve_by_type(type_name: str, default: Any = None) -> Any:
        found = _classes.get(type_name)
        if found is not None:
            return found
        found = original(type_name, default)
        if found is not None and found is not default:
            _classes[type_name] = found
        return found

    resolve_by_type._table = True  # type: ignore[attr-defined]
    Event.resolve_by_type = staticmethod(resolve_by_type)  # type: ignore[method-assign]
