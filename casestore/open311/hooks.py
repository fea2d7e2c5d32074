"""Blueprint-wide Open311 behaviour: the jurisdiction check and the error format.

Every refusal inside /open311/v2 (ours, or Flask's own 400/405/413) answers in
GeoReport's ``errors/error`` body, in the format the URL asked for.
"""

from __future__ import annotations

from flask import request
from werkzeug.exceptions import HTTPException

from . import bp
from .context import check_jurisdiction
from .render import Open311Error, error_response


def _format() -> str:
    fmt = (request.view_args or {}).get("fmt")
    return fmt if fmt in ("xml", "json") else "xml"


@bp.before_request
def _jurisdiction() -> None:
    check_jurisdiction(request.values)


@bp.errorhandler(Open311Error)
def _open311_error(error: Open311Error):
    return error_response(_format(), error)


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    status = error.code or 500
    return error_response(_format(), Open311Error(status, error.description or error.name))
