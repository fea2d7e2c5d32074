"""The ``report`` blueprint object, apart from its views so they import it without a loop."""

from flask import Blueprint

from casestore.maps import page_policy
from casestore.pages import PAGE_SECURITY_HEADERS, guard_pages

bp = Blueprint("report", __name__, template_folder="../templates")
guard_pages(bp, cache=False)

# The form is better with its own script (casestore/static/report.js: live search, address
# suggestions, "use my location") and asks the case store's own JSON API for suggestions
# (connect-src); the other pages' policy allows no script at all. A page with the map
# also gets the tile host (``casestore.maps.page_policy``).
REPORT_CSP = PAGE_SECURITY_HEADERS["Content-Security-Policy"].replace(
    "default-src 'none';", "default-src 'none'; script-src 'self'; connect-src 'self';")


@bp.after_request
def report_policy(response):
    """Send the form's Content-Security-Policy.

    Flask runs a blueprint's after-request hooks last-registered first, so this one
    sets the header before the shared hook of ``guard_pages``, which only fills it in.
    """
    response.headers.setdefault("Content-Security-Policy", page_policy(REPORT_CSP))
    return response
