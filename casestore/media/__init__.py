"""Photos the case store keeps itself: stored, checked, stripped and served.

``ingest`` takes an upload's bytes (form, API, channels) and keeps a clean JPEG
and a thumbnail in the media store (``store``); ``attach`` gives stored photos
to a case, which lists each in ``media_urls`` as ``media:<token>``. Only photos
staff made public are served at ``/media/<token>``. Details: docs/casestore.md,
"Photos".
"""

from .images import MediaRefused
from .photos import (
    MEDIA_REF_PREFIX,
    attach,
    check_attachable,
    ingest,
    media_ref,
    photo_for_ref,
    ref_token,
)
from .uploads import UploadRequest, accepts_photos

__all__ = [
    "MEDIA_REF_PREFIX",
    "MediaRefused",
    "UploadRequest",
    "accepts_photos",
    "attach",
    "check_attachable",
    "ingest",
    "media_ref",
    "photo_for_ref",
    "ref_token",
]
