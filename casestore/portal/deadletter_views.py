"""Supervisors' and admins' page listing the channels app's dead letters."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user

from casestore.channels_client import ChannelsUnavailableError, fetch_dead_letters
from casestore.logs import get_logger
from casestore.pages import SUPERVISORS, staff_required

from .blueprint import bp

log = get_logger("casestore.portal")


@bp.get("/admin/dead-letters")
@staff_required(*SUPERVISORS)
def dead_letters():
    """List what the channels app gave up on; say so plainly when it cannot be reached."""
    try:
        letters = fetch_dead_letters()
    except ChannelsUnavailableError as exc:
        log.warning("dead_letters_unavailable", error=str(exc), by=current_user.id)
        return render_template("portal/dead_letters.html", letters=None), 502
    return render_template("portal/dead_letters.html", letters=letters)
