"""Routes of /api/v1 (skeleton; filled in next)."""

from __future__ import annotations

from flask import jsonify

from ..catalog import get_catalog
from . import bp


@bp.get("/services")
def services():
    """The service catalog as JSON."""
    return jsonify(get_catalog().to_json())
