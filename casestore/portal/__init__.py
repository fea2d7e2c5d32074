"""Staff portal under /portal: queue, case pages and actions, dashboard, admin.

Views live in modules named for what they do; importing them at the end
registers their routes on ``bp``. Registering ``bp`` also sets up what all
page blueprints share (``web.init_pages``: cookies, CSRF, filters, limiter).
"""

from flask import Blueprint

from .web import init_pages, no_store, require_csrf, security_headers, too_many_requests

bp = Blueprint("portal", __name__, template_folder="../templates")
bp.record_once(lambda state: init_pages(state.app))
bp.before_request(require_csrf)
bp.register_error_handler(429, too_many_requests)
bp.after_request(security_headers)
bp.after_request(no_store)

from . import (  # noqa: E402,F401
    admin_views,
    case_views,
    deadletter_views,
    desk_views,
    session_views,
)
