"""Refusing text no database can store, before any view sees it.

PostgreSQL refuses NUL in text and no driver can encode an unpaired UTF-16
surrogate (JSON allows ``"\\ud800"``), so either would reach the database as
an exception and a 500. Every request is checked once, in one place: the
path, the query string, form fields and JSON bodies; one that carries such a
character gets 400 with a clear message and changes nothing. Other control
characters and non-ASCII digits are ordinary text here; each field's own
validation decides about them.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask, request
from werkzeug.exceptions import BadRequest

UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
MESSAGE = "Text may not contain NUL or unpaired surrogate characters."
_MAX_DEPTH = 50  # deeper JSON is refused too: nobody sends it in good faith


def _bad_json(value: Any, depth: int = 0) -> bool:
    if depth > _MAX_DEPTH:
        return True
    if isinstance(value, str):
        return UNSTORABLE.search(value) is not None
    if isinstance(value, dict):
        return any(_bad_json(k, depth + 1) or _bad_json(v, depth + 1) for k, v in value.items())
    if isinstance(value, list):
        return any(_bad_json(v, depth + 1) for v in value)
    return False


def _bad_pairs(pairs) -> bool:
    return any(UNSTORABLE.search(k) or UNSTORABLE.search(v) for k, v in pairs)


def refuse_unstorable_text() -> None:
    """``before_request``: 400 when any part of the request holds text no database stores."""
    if UNSTORABLE.search(request.path) or _bad_pairs(request.args.items(multi=True)):
        raise BadRequest(MESSAGE)
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if request.is_json:
        if _bad_json(request.get_json(silent=True)):
            raise BadRequest(MESSAGE)
    elif request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        if _bad_pairs(request.form.items(multi=True)):
            raise BadRequest(MESSAGE)


def init_hygiene(app: Flask) -> None:
    """Check every request of ``app`` for unstorable text before its view runs."""
    app.before_request(refuse_unstorable_text)
