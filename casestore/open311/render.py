"""Rendering Open311 GeoReport v2 answers as XML or JSON, and its error format.

Every view builds one plain Python value (dicts, lists, strings, numbers,
booleans, ``None``) and hands it to :func:`respond` with the name of its XML
root. JSON gets that value as it is, so a list stays an array even with one
item; XML gets an ElementTree built from it, where each list item takes the
element name GeoReport gives it (``services`` -> ``service``...). User data is
only ever set as element text, so ElementTree escapes it.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET  # noqa: N817  (building, never parsing, untrusted XML)
from typing import Any

from flask import Response

XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>\n'

# The URL ending every GeoReport resource takes: ``services.xml``, ``services.json``.
FMT = "<any(xml,json):fmt>"

CONTENT_TYPES = {
    "xml": "text/xml; charset=utf-8",
    "json": "application/json; charset=utf-8",
}

# The element a list's items take in XML, keyed by the list's own element name.
LIST_ITEMS = {
    "services": "service",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "service_requests": "request",
    "service_request_updates": "request_update",
    "errors": "error",
    "notes": "note",
    "photos": "photo",
}

# Characters XML 1.0 cannot carry at all, even escaped; user text may contain them.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class Open311Error(Exception):
    """An answer in GeoReport's error format: ``errors/error/code,description``."""

    def __init__(self, status: int, *descriptions: str) -> None:
        super().__init__(status, descriptions)
        self.status = status
        self.descriptions = list(descriptions) or ["error"]


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return _XML_ILLEGAL.sub("", str(value))


def build_element(tag: str, value: Any) -> ET.Element:
    """Build the XML element ``tag`` for a plain Python value (recursively)."""
    element = ET.Element(tag)
    if isinstance(value, dict):
        for key, child in value.items():
            element.append(build_element(key, child))
    elif isinstance(value, (list, tuple)):
        item_tag = LIST_ITEMS.get(tag, "item")
        for child in value:
            element.append(build_element(item_tag, child))
    else:
        element.text = _text(value)
    return element


def to_xml(root: str, value: Any) -> str:
    """Serialise ``value`` under the element ``root``, with the XML declaration."""
    return XML_DECLARATION + ET.tostring(build_element(root, value), encoding="unicode")


def to_json(value: Any) -> str:
    """Serialise ``value`` as JSON text (UTF-8 characters kept as they are)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def respond(fmt: str, root: str, value: Any, status: int = 200) -> Response:
    """Answer ``value`` in the format ``fmt`` (``xml`` or ``json``)."""
    body = to_xml(root, value) if fmt == "xml" else to_json(value)
    return Response(body.encode("utf-8"), status=status, content_type=CONTENT_TYPES[fmt])


def error_response(fmt: str, error: Open311Error) -> Response:
    """Answer an :class:`Open311Error` as GeoReport's list of ``{code, description}``."""
    errors = [{"code": error.status, "description": text} for text in error.descriptions]
    return respond(fmt, "errors", errors, status=error.status)
