"""Staff portal under /portal: queue, case pages and actions, dashboard, admin.

Views live in modules named for what they do; importing them registers their
routes on ``blueprint.bp``. What all page blueprints share (cookies, CSRF,
filters, headers, ``staff_required``) is the pages kernel, ``casestore.pages``,
which ``create_app`` installs.
"""

from . import (  # noqa: F401  (register their routes)
    admin_views,
    case_views,
    deadletter_views,
    desk_views,
    languages,
    map_views,
    photo_views,
    session_views,
)
from .blueprint import bp

__all__ = ["bp"]
