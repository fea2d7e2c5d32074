"""JSON errors for every failure under /api: never an HTML error page there."""

from __future__ import annotations

from flask import current_app, jsonify, request
from werkzeug.exceptions import HTTPException, InternalServerError

from ..errors import CaseStoreError

_CODES = {400: "malformed", 401: "unauthorized", 403: "forbidden", 404: "not_found",
          405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "malformed",
          422: "invalid", 429: "rate_limited"}


def error_response(status: int, code: str, message: str, fields: dict | None = None):
    """Return the API's error body ``{"error", "message", "fields"?}`` with ``status``."""
    body: dict = {"error": code, "message": message}
    if fields:
        body["fields"] = fields
    return jsonify(body), status


def _too_large() -> str:
    """Say which limit a 413 hit: the body's, or the photo upload's."""
    if request.max_content_length != current_app.config["MAX_CONTENT_LENGTH"]:
        return f"The photo is over {current_app.config['MEDIA_MAX_BYTES'] / (1024 * 1024):g} MB."
    return "Request body is over 1 MiB."


def init_errors(app) -> None:
    """Answer API requests' errors with JSON; other paths keep Flask's pages."""

    @app.errorhandler(CaseStoreError)
    def _service_error(exc: CaseStoreError):
        return jsonify(exc.to_json()), exc.status

    @app.errorhandler(InternalServerError)
    def _internal_error(exc: InternalServerError):
        # Unhandled exceptions arrive here; API callers still get the JSON error form.
        if request.path.startswith("/api/"):
            return error_response(500, "internal", "Something went wrong; try again later.")
        return exc

    previous = app.handle_http_exception

    def handle_http_exception(exc: HTTPException):
        if request.path.startswith("/api/") and exc.code is not None:
            code = _CODES.get(exc.code, "error")
            message = _too_large() if exc.code == 413 else exc.description
            response, status = error_response(exc.code, code, message or code)
            if exc.code == 405 and exc.valid_methods:
                response.headers["Allow"] = ", ".join(exc.valid_methods)
            return response, status
        return previous(exc)

    app.handle_http_exception = handle_http_exception
