"""A larger body limit for the views that take photos, and only for them.

``MAX_CONTENT_LENGTH`` (1 MiB) stays the limit of every other request. A view
decorated with ``accepts_photos(n)`` takes ``n`` photos of ``MEDIA_MAX_BYTES``
each plus a margin for the rest of its form. The limit has to be known before
any ``before_request`` hook reads the form (``casestore.hygiene`` does), so the
request class works it out from the matched view, like Flask 3.1's settable
``request.max_content_length`` but declared on the view.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Request, current_app

# Room for the form's other fields and the multipart boundaries.
FORM_MARGIN = 256 * 1024


def accepts_photos(count: int) -> Callable:
    """Decorate a view (below its route decorator): its body may carry ``count`` photos."""

    def decorate(view: Callable) -> Callable:
        view.accepts_photos = count  # functools.wraps in outer decorators copies it
        return view

    return decorate


class UploadRequest(Request):
    """Flask's request, with a body limit that a view may raise with ``accepts_photos``."""

    @property
    def max_content_length(self) -> int | None:  # type: ignore[override]
        """``MAX_CONTENT_LENGTH``, or room for the photos the matched view accepts."""
        limit = super().max_content_length
        if not current_app or self.url_rule is None:
            return limit
        view = current_app.view_functions.get(self.url_rule.endpoint)
        count = getattr(view, "accepts_photos", 0)
        if not count:
            return limit
        return count * int(current_app.config["MEDIA_MAX_BYTES"]) + FORM_MARGIN
