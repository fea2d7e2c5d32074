"""``POST /sms/status``: Twilio's status callback for the notices sent through it.

``/internal/send`` asks Twilio to report each notice message here (when
PUBLIC_BASE_URL is https, as Twilio requires). The request is signed like
every Twilio webhook (``X-Twilio-Signature``, 403 otherwise). A notice counts
as delivered only when Twilio says ``delivered`` (or ``read``) for each of its
parts; ``undelivered``, ``failed`` or ``canceled`` makes it dead, with Twilio's
error code as the reason (``channels.deliveries``).
"""

from __future__ import annotations

import re

from flask import Blueprint, Flask, Response, abort, current_app, request

from channels import deliveries
from channels.twilio_api import twilio_signed

bp = Blueprint("delivery_status", __name__)

_SID = re.compile(r"^(SM|MM)[0-9a-fA-F]{32}$")
_STATUS = re.compile(r"^[a-z_]{1,16}$")


def status_callback_url(app: Flask) -> str | None:
    """The callback URL to give Twilio, or None when Twilio could not reach it (not https)."""
    base = app.config["PUBLIC_BASE_URL"]
    return f"{base}/sms/status" if base.startswith("https://") else None


@bp.post("/sms/status")
@twilio_signed
def message_status():  # noqa: ANN201
    """Record one status of one message; 204."""
    sid = request.form.get("MessageSid", "")
    status = request.form.get("MessageStatus", "")
    error_code = request.form.get("ErrorCode", "")
    if not _SID.match(sid) or not _STATUS.match(status) or not error_code.isascii() \
            or not (error_code == "" or error_code.isdecimal()):
        abort(400, "MessageSid, MessageStatus and a numeric ErrorCode are expected.")
    deliveries.record_status(current_app, sid, status, error_code or None)
    return Response(status=204)
