"""Exceptions the service layer raises; the HTTP layers map them to status codes."""

from __future__ import annotations


class CaseStoreError(Exception):
    """Base class: a request the case store refuses, with an HTTP status and error code."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, fields: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}

    def to_json(self) -> dict:
        """Return the body of the API error: error code, message and per-field problems."""
        body: dict = {"error": self.code, "message": self.message}
        if self.fields:
            body["fields"] = dict(self.fields)
        return body


class ValidationError(CaseStoreError):
    """Valid JSON with invalid values (422), or wrong types when ``malformed`` (400)."""

    status = 422
    code = "invalid"

    def __init__(
        self,
        fields: dict[str, str],
        message: str = "Some fields are not valid.",
        *,
        malformed: bool = False,
    ) -> None:
        super().__init__(message, fields)
        if malformed:
            self.status = 400
            self.code = "malformed"


class NotFoundError(CaseStoreError):
    """No such case (or one the caller may not see)."""

    status = 404
    code = "not_found"


class ConflictError(CaseStoreError):
    """The change does not fit the case's state (e.g. closing a closed case)."""

    status = 409
    code = "conflict"


class ForbiddenError(CaseStoreError):
    """The caller is known but may not do this."""

    status = 403
    code = "forbidden"


class IdempotencyMismatchError(CaseStoreError):
    """An ``Idempotency-Key`` the caller already used, sent again with a different body."""

    status = 422
    code = "idempotency_key_reused"
