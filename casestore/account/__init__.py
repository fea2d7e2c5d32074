"""Resident pages under /account: sign-up, sign-in, password reset and the Case Status tab."""

from flask import Blueprint

from casestore.portal.web import no_store, require_csrf, security_headers, too_many_requests

bp = Blueprint("account", __name__, template_folder="../templates")
bp.before_request(require_csrf)
bp.register_error_handler(429, too_many_requests)
bp.after_request(security_headers)
bp.after_request(no_store)

from . import views  # noqa: E402,F401
