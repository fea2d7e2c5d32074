"""Public pages without a prefix: /cases/<case_number> and its "not fixed?" reopen page."""

from flask import Blueprint

from casestore.portal.web import require_csrf, security_headers, too_many_requests

bp = Blueprint("public", __name__, template_folder="../templates")
bp.before_request(require_csrf)
bp.register_error_handler(429, too_many_requests)
bp.after_request(security_headers)

from . import views  # noqa: E402,F401
