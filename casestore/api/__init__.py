"""The JSON API under /api/v1 (see docs/api.md and /api/v1/openapi.json)."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("api", __name__)

from . import errors as _errors  # noqa: E402
from . import routes as _routes  # noqa: E402,F401


def init_api(app) -> None:
    """Set up what the API needs on the app: JSON errors (its limits: ``casestore.limits``)."""
    _errors.init_errors(app)
