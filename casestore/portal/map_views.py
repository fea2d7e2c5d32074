"""The queue map: the queue's open cases that have a map position, clustered on a map.

``/portal/map`` takes the queue's own filters (``case_views.queue_filters``)
and scope (a department clerk sees their department's cases only), so the
"List" and "Map" tabs show the same cases. The markers are embedded in the
page (``data-points``) and each links to the case's portal page; the same
cases are listed as text below the map, which is all there is when
``MAP_TILE_URL`` is unset.
"""

from __future__ import annotations

from flask import render_template, request, url_for
from flask_login import current_user

from casestore.catalog import get_catalog
from casestore.db import get_session
from casestore.models import utcnow
from casestore.pages import case_number_display, staff_required

from . import stats
from .blueprint import bp
from .case_views import queue_choices, queue_filters, queue_row

# Markers on one map at most: clustering keeps this many readable.
MAP_LIMIT = 1000


@bp.get("/map")
@staff_required()
def queue_map():
    """The queue's located open cases on a map, with the queue's filters."""
    catalog = get_catalog()
    filters = queue_filters(request.args)
    rows, more = stats.queue(get_session(), current_user, filters, utcnow(),
                             located=True, limit=MAP_LIMIT)
    cases = [{**queue_row(row, catalog), "lat": row.lat, "long": row.long} for row in rows]
    points = [{"lat": c["lat"], "long": c["long"],
               "label": f"{case_number_display(c['number'])} · {c['service_name']}",
               "url": url_for("portal.case", number=c["number"])} for c in cases]
    return render_template("portal/map.html", cases=cases, points=points, more=more,
                           filters=filters,
                           **queue_choices(catalog))
