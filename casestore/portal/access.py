"""The case a portal page is about, for the signed-in staff member.

Department staff get the same 404 for another department's case as for a
number that does not exist, so guessing sequential numbers reveals nothing.
Sign-in, roles and the session limit (``staff_required``) are the pages
kernel's (``casestore.pages``).
"""

from __future__ import annotations

from flask import abort
from flask_login import current_user

from casestore.cases import find_case, staff_can_see
from casestore.db import get_session
from casestore.models import Case


def case_for_staff(number: str) -> Case:
    """Return the case the signed-in staff member may see, else abort with 404."""
    case = find_case(get_session(), number)
    if case is None or not staff_can_see(current_user, case):
        abort(404)
    return case
