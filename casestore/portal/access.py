"""Who may use which portal page: sign-in, roles and department scope.

Department staff get the same 404 for another department's case as for a
number that does not exist, so guessing sequential numbers reveals nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort, redirect, request, session, url_for
from flask_login import current_user, logout_user

from casestore.auth import staff_session_valid
from casestore.cases import find_case, staff_can_see
from casestore.db import get_session
from casestore.models import Case

SUPERVISORS = ("supervisor", "admin")
REASSIGNERS = ("agent", "supervisor", "admin")
INTAKE = ("agent", "supervisor", "admin")


def session_expired() -> bool:
    """Return True when the staff sign-in is over (see ``casestore.auth.staff_session_valid``).

    Flask refreshes a permanent session on every request (a sliding window),
    so a hard limit from the moment of sign-in is kept separately, and a
    password change ends every session but the one that made it.
    """
    return not staff_session_valid(current_user)


def staff_required(*roles: str) -> Callable:
    """Decorate a view: signed-in, active staff (optionally of ``roles``) only."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            user = current_user
            if not user.is_authenticated or not getattr(user, "active", False):
                return redirect(url_for("portal.login", next=request.full_path))
            if session_expired():
                logout_user()
                session.pop("staff_login_at", None)
                session.pop("staff_pw", None)
                return redirect(url_for("portal.login", next=request.full_path))
            if roles and user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorate


def case_for_staff(number: str) -> Case:
    """Return the case the signed-in staff member may see, else abort with 404."""
    case = find_case(get_session(), number)
    if case is None or not staff_can_see(current_user, case):
        abort(404)
    return case
