"""The JSON API under /api/v1 (see docs/api.md and /api/v1/openapi.json)."""

from __future__ import annotations

from flask import Flask

from . import errors as _errors
from . import media_routes as _media_routes  # noqa: F401  (POST /media)
from . import places_routes as _places_routes  # noqa: F401  (/places/*)
from . import routes as _routes  # noqa: F401  (registers the routes)
from .blueprint import bp

__all__ = ["bp", "init_api"]


def init_api(app: Flask) -> None:
    """Set up what the API needs on the app: JSON errors (its limits: ``casestore.limits``)."""
    _errors.init_errors(app)
