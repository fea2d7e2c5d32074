"""Who made a change to a case: the ``Author`` every service-layer write takes.

A ground-floor module beside ``models``: cases, activities, followers,
withdrawals and publishing all name authors, and none of them needs another
to do so.
"""

from __future__ import annotations

from dataclasses import dataclass

from .models import StaffUser


@dataclass(frozen=True)
class Author:
    """Who made a change: ``staff`` (id = staff user id), ``resident``, ``system`` or ``service``.

    ``name`` is shown publicly on the timeline, so for residents it is never
    their real name.
    """

    type: str
    id: int | None
    name: str

    @classmethod
    def staff(cls, user: StaffUser) -> Author:
        """Return the author for a staff user (shown as their name)."""
        return cls("staff", user.id, user.name)


# Stored on activity rows and shown to staff; the public views label them from
# the catalog's city block (casestore/disclosure.py).
SYSTEM = Author("system", None, "311")
SERVICE = Author("service", None, "311 assistant")
RESIDENT = Author("resident", None, "Resident")
