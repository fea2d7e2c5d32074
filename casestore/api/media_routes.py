"""``POST /api/v1/media``: a photo uploaded ahead of the case it will belong to.

The channels (MMS, WhatsApp, Telegram, Messenger) and staff tools send the
bytes here and put the answer's ``ref`` (``media:<token>``) in a new case's
``media_urls``, or in an ``info_added`` entry's. A refused file changes nothing.
"""

from __future__ import annotations

from flask import jsonify, request

from ..errors import CaseStoreError, ValidationError
from ..logs import get_logger
from ..media import MediaRefused, accepts_photos, ingest, media_ref
from ..models import PHOTO_SOURCES
from .access import allow, caller
from .blueprint import bp

log = get_logger("casestore.api")


class PhotoRefusedError(CaseStoreError):
    """The upload is not a photo the case store keeps (400), or is too big (413)."""

    def __init__(self, refused: MediaRefused) -> None:
        super().__init__(refused.reason, {"photo": refused.reason})
        self.status = refused.status
        self.code = "too_large" if refused.code == "too_large" else "not_an_image"


@bp.post("/media")
@allow("service", "staff")
@accepts_photos(1)
def upload_media():
    """Store one photo (``multipart/form-data``: ``photo``, ``source``); 201 with its ref."""
    upload = request.files.get("photo")
    if upload is None:
        raise ValidationError({"photo": "is required: a multipart/form-data file part"},
                              malformed=True)
    source = request.form.get("source") or ("staff" if caller().is_staff else "")
    if source not in PHOTO_SOURCES:
        raise ValidationError({"source": f"must be one of {', '.join(PHOTO_SOURCES)}"},
                              malformed=True)
    try:
        photo = ingest(upload.read(), source=source)
    except MediaRefused as exc:
        log.info("photo_refused", source=source, reason=exc.code)
        raise PhotoRefusedError(exc) from exc
    return jsonify({"id": photo.token, "ref": media_ref(photo.token)}), 201
