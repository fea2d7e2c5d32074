"""Who may call an API route: the decorator and the request helpers routes share."""

from __future__ import annotations

import functools

from flask import g, request

from ..auth import Caller, current_caller
from ..errors import CaseStoreError, ForbiddenError, ValidationError


class UnauthorizedError(CaseStoreError):
    """No valid token or session."""

    status = 401
    code = "unauthorized"


def allow(*kinds: str):
    """Let only callers of ``kinds`` ("anonymous", "service", "staff") through; sets ``g.caller``.

    An invalid token is always 401 (never silently anonymous); a known caller
    of the wrong kind is 403; no token where one is needed is 401.
    """

    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            caller = current_caller()
            if caller is None:
                raise UnauthorizedError("The token is not valid.")
            if caller.kind not in kinds:
                if caller.kind == "anonymous" or "anonymous" in kinds:
                    raise UnauthorizedError("A service or staff token is required.")
                raise ForbiddenError("This token may not do that.")
            g.caller = caller
            return view(*args, **kwargs)

        return wrapper

    return decorator


def caller() -> Caller:
    """Return the caller the ``allow`` decorator accepted."""
    return g.caller


def json_body() -> dict:
    """Return the request's JSON object, or raise a 400 for anything else."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ValidationError({"body": "must be a JSON object"}, "Malformed JSON body.",
                              malformed=True)
    return data
