"""The OpenAPI 3 document of /api/v1, served at /api/v1/openapi.json.

Written by hand to match docs/api.md; a test checks that every route of the
API blueprint appears here.
"""

from __future__ import annotations

from ..activities import POSTABLE_KINDS
from ..media.photos import MEDIA_REF_PATTERN
from ..models import ACTIVITY_KINDS, CHANNELS, CLOSE_REASONS, PHOTO_SOURCES, STATUSES
from ..validation import CHANNEL_ADDRESS_PATTERN, CHAT_ADDRESS_PATTERN


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict, description: str = "OK") -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_ERR = {str(code): {"$ref": f"#/components/responses/E{code}"}
        for code in (400, 401, 403, 404, 409, 413, 422)}


def _errors(*codes: int) -> dict:
    return {str(c): _ERR[str(c)] for c in codes}


_NUMBER = {"name": "number", "in": "path", "required": True, "schema": {"type": "string"},
           "description": ("Case number; 26000123, 26-000123, #26000123, or with one of "
                           "the catalog's case_number_prefixes (XYZ-26000123)")}
_STR = {"type": "string"}
_NSTR = {"type": "string", "nullable": True}
_NNUM = {"type": "number", "nullable": True}


def _q(name: str, schema: dict | None = None, description: str = "") -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema or _STR,
            "description": description}


# The channel-address shape, written once here (from validation.py) and referenced.
_CHANNEL_ADDRESS = {"type": "string", "pattern": CHANNEL_ADDRESS_PATTERN,
                    "example": "sms:+14045550123",
                    "description": "a resident's address on a channel: <channel>:<id there>"}
_CHAT_ADDRESS = {"allOf": [_ref("ChannelAddress")], "pattern": CHAT_ADDRESS_PATTERN,
                 "description": "a live chat's sender id: a ChannelAddress on a chat channel"}
_NULLABLE_ADDRESS = {"allOf": [_ref("ChannelAddress")], "nullable": True}

_ACTIVITY = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"}, "kind": {"type": "string", "enum": list(ACTIVITY_KINDS)},
        "note": _STR, "public": {"type": "boolean"}, "author": _STR,
        "created_at": {"type": "string", "format": "date-time"}, "data": {"type": "object"},
    },
}
_CONTACT = {"type": "object", "properties": {
    "name": _NSTR, "email": _NSTR, "phone": _NSTR, "channel_address": _NULLABLE_ADDRESS}}
_CASE = {
    "type": "object",
    "description": "The public view (rules: docs/security.md). A privacy: private service "
                   "gives only case_number, service_code, service_name, privacy, status, "
                   "status_label and url; the service token also gets description, every "
                   "attribute, media_urls, residents' notes and language. media_urls: only "
                   "the photos staff made public; a resident's note only once staff "
                   "published it.",
    "required": ["case_number", "service_code", "service_name", "privacy", "status",
                 "status_label", "url"],
    "properties": {
        "privacy": {"type": "string", "enum": ["public", "private"]},
        "address_precision": {"type": "string", "enum": ["exact", "block"]},
        "case_number": _STR, "service_code": _STR, "service_name": _STR, "department": _STR,
        "department_name": _STR, "status": {"type": "string", "enum": list(STATUSES)},
        "status_label": _STR, "description": _STR, "address": _NSTR, "lat": _NNUM,
        "long": _NNUM, "attributes": {"type": "object"},
        "media_urls": {"type": "array", "items": _STR},
        "channel": {"type": "string", "enum": list(CHANNELS)},
        "created_at": {"type": "string", "format": "date-time"},
        "updated_at": {"type": "string", "format": "date-time"},
        "expected_at": {"type": "string", "format": "date-time", "nullable": True},
        "closed_at": {"type": "string", "format": "date-time", "nullable": True},
        "close_reason": {"type": "string", "enum": list(CLOSE_REASONS), "nullable": True},
        "closure_comments": _NSTR, "duplicate_of": _NSTR, "referred_to": _NSTR,
        "latest_public_note": _NSTR, "url": _STR,
        "timeline": {"type": "array", "items": _ref("Activity")},
        "language": {"type": "string", "example": "es",
                     "description": "the resident's language (ISO 639-1, one of the "
                                    "catalog's city.languages): the case's notices and "
                                    "emails speak it. Service token and staff only."},
    },
}
_PENDING_WITHDRAWAL = {"type": "object", "nullable": True, "properties": {
    "status": {"type": "string", "enum": ["requested", "kept_open"]},
    "requested_at": {"type": "string", "format": "date-time"},
    "reason": {"type": "string", "description": "the resident's words (staff only)"},
    "activity_id": {"type": "integer"}}}
_CASE_FULL = {"allOf": [_ref("Case"), {"type": "object", "properties": {
    "public_photos": {"type": "array", "items": {"type": "integer"},
                      "description": "numbers of the photos staff made public (1 = first)"},
    "requester": _ref("Contact"), "followers": {"type": "array", "items": _ref("Contact")},
    "withdrawal_requested": {"type": "boolean"}, "withdrawal": _PENDING_WITHDRAWAL,
    "location_source": {"type": "string", "nullable": True,
                        "enum": ["resident_pin", "device", "geocoder", "open311", "channel"],
                        "description": "where lat/long came from (geocoder: the case store's "
                                       "geocode job, from the address)"}}}]}
_WITHDRAWAL_REQUEST = {"type": "object", "properties": {
    "reason": {"type": "string", "maxLength": 1000,
               "description": "the resident's words; internal, never public"},
    "channel_address": {"allOf": [_ref("ChannelAddress")],
                        "description": "the conversation's channel address"},
    "email": {"type": "string", "format": "email"}},
    "description": "channel_address and/or email: one must be the requester's"}
_WITHDRAWAL = {"type": "object", "required": ["status", "case_number"], "properties": {
    "status": {"type": "string", "enum": ["requested", "kept_open"],
               "description": "requested: the department will close it as withdrawn; "
                              "kept_open: the City checks this service anyway"},
    "case_number": _STR, "already_requested": {"type": "boolean"},
    "requested_at": {"type": "string", "format": "date-time"},
    "activity_id": {"type": "integer"}, "case": _ref("Case")}}
_NEW_CASE = {
    "type": "object",
    "required": ["service_code", "channel"],
    "properties": {
        "service_code": _STR, "description": {"type": "string", "maxLength": 4000},
        "address": {"type": "string", "maxLength": 300}, "lat": {"type": "number"},
        "long": {"type": "number"}, "attributes": {"type": "object"},
        "media_urls": {"type": "array", "items": _STR, "maxItems": 10,
                       "description": "http(s) links (kept private, never fetched) and "
                                      "media:<id> refs from POST /media (at most 5 per case)"},
        "channel": {"type": "string", "enum": list(CHANNELS)}, "requester": _ref("Contact"),
        "idempotency_key": {"type": "string", "maxLength": 200},
        "location_source": {"type": "string",
                            "enum": ["resident_pin", "device", "open311", "channel"],
                            "description": "where lat/long came from: a pin the resident "
                                           "placed, the resident's device position, an "
                                           "Open311 client, a location shared in a chat; "
                                           "absent: open311 or channel by the channel"},
        "language": {"type": "string", "example": "es",
                     "description": "the resident's language: one of the catalog's "
                                    "city.languages, or a tag whose primary subtag is one "
                                    "(es-US is kept as es); absent: the catalog's default. "
                                    "Any other value is refused with 400."},
    },
}
_NEW_ACTIVITY = {
    "type": "object",
    "required": ["kind"],
    "properties": {
        "kind": {"type": "string", "enum": list(POSTABLE_KINDS)},
        "note": _STR, "public": {"type": "boolean"}, "media_urls": {"type": "array", "items": _STR},
        "department": _STR, "status": _STR,
        "reason": {"type": "string", "enum": list(CLOSE_REASONS)}, "comments": _STR,
        "duplicate_of": _STR, "referred_to": _STR,
    },
}
_VISIBILITY_BODY = {"required": True, "content": {"application/json": {"schema": {
    "type": "object", "required": ["public"], "properties": {"public": {"type": "boolean"}},
    "additionalProperties": False}}}}
_PHOTO = {"type": "object", "properties": {
    "photo": {"type": "integer"}, "url": _STR, "public": {"type": "boolean"}}}
_ADDRESS_BODY = {"required": True, "content": {"application/json": {"schema": {
    "type": "object", "required": ["channel_address"],
    "properties": {"channel_address": _ref("ChannelAddress")}}}}}
_ERROR = {"type": "object", "required": ["error", "message"], "properties": {
    "error": _STR, "message": _STR, "fields": {"type": "object"}}}


def openapi_document(title: str = "311 case store API") -> dict:
    """Return the OpenAPI 3.0 document as a dict (with the live chat paths merged in)."""
    document = _core_document()
    document["info"]["title"] = title
    from ..livechat.openapi import livechat_paths

    document["paths"].update(livechat_paths())
    return document


def _core_document() -> dict:
    from ..livechat.openapi import livechat_paths

    case_list = {"type": "object", "properties": {
        "cases": {"type": "array", "items": _ref("CaseFull")}, "total": {"type": "integer"},
        "page": {"type": "integer"}, "page_size": {"type": "integer"}}}
    public_list = {"type": "object", "properties": {
        "cases": {"type": "array", "items": _ref("Case")}}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "311 case store API", "version": "1",
                 "description": "Cases, their activity and the service catalog. See docs/api.md."},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}, {}],
        "paths": {
            "/services": {"get": {
                "summary": "The service catalog (texts in the locale's language, else the "
                           "Accept-Language's, else the default)",
                "security": [],
                "parameters": [{"name": "locale", "in": "query", "required": False,
                                "schema": _STR}],
                "responses": {"200": _json({"type": "object"})}}},
            "/openapi.json": {"get": {"summary": "This document", "security": [],
                                      "responses": {"200": _json({"type": "object"})}}},
            "/places/inside": {"get": {
                "summary": "Whether a point is inside the city limits (the catalog's polygon)",
                "security": [],
                "parameters": [_q("lat", {"type": "number"}), _q("long", {"type": "number"})],
                "responses": {"200": _json({"type": "object", "properties": {
                    "inside": {"type": "boolean"}}}), **_errors(400)}}},
            "/places/suggest": {"get": {
                "summary": "Known addresses of the City matching typed text (no case data)",
                "security": [],
                "parameters": [_q("q"), _q("limit", {"type": "integer", "maximum": 10})],
                "responses": {"200": _json({"type": "object", "properties": {
                    "suggestions": {"type": "array", "items": {"type": "object", "properties": {
                        "label": _STR, "lat": {"type": "number"},
                        "long": {"type": "number"}}}}}}),
                              **_errors(400), "429": {"description": "Too many requests"}}}},
            "/cases": {
                "post": {
                    "summary": "Create a case (idempotent with Idempotency-Key)",
                    "parameters": [{"name": "Idempotency-Key", "in": "header",
                                    "required": False, "schema": _STR}],
                    "requestBody": {"required": True, "content": {
                        "application/json": {"schema": _ref("NewCase")}}},
                    "responses": {"201": _json(_ref("Case"), "Created"),
                                  "200": _json(_ref("Case"), "Already created with this key"),
                                  **_errors(400, 401, 403, 413, 422)},
                },
                "get": {
                    "summary": "List and search cases (staff)",
                    "parameters": [_q("status", description="comma-separated; 'open' = any open"),
                                   _q("service_code"), _q("department"),
                                   _q("created_from", {"type": "string", "format": "date"}),
                                   _q("created_to", {"type": "string", "format": "date"}),
                                   _q("q", description="case number or address text"),
                                   _q("page", {"type": "integer", "minimum": 1}),
                                   _q("page_size", {"type": "integer", "maximum": 200})],
                    "responses": {"200": _json(case_list), **_errors(400, 401, 403, 422)},
                },
            },
            "/cases/nearby": {"get": {
                "summary": "Open cases of a service near a point or at the same address",
                "parameters": [_q("service_code"), _q("lat", {"type": "number"}),
                               _q("long", {"type": "number"}), _q("address"),
                               _q("radius_m", {"type": "integer", "maximum": 2000})],
                "responses": {"200": _json(public_list), **_errors(400, 401, 422)},
            }},
            "/cases/{number}": {"get": {
                "summary": "A case: public view, or CaseFull for staff of its department",
                "parameters": [_NUMBER],
                "responses": {"200": _json({"oneOf": [_ref("Case"), _ref("CaseFull")]}),
                              **_errors(401, 404), "429": {"description": "Too many lookups"}},
            }},
            "/cases/{number}/followers": {"post": {
                "summary": "Follow a case (get its notices)",
                "parameters": [_NUMBER],
                "requestBody": {"required": True, "content": {
                    "application/json": {"schema": _ref("Contact")}}},
                "responses": {"200": _json(_ref("Case")), **_errors(400, 401, 403, 404, 422)},
            }},
            "/cases/{number}/activities": {
                "post": {
                    "summary": "Record an activity (staff; service: info_added, reopened)",
                    "parameters": [_NUMBER],
                    "requestBody": {"required": True, "content": {
                        "application/json": {"schema": _ref("NewActivity")}}},
                    "responses": {"201": _json(_ref("Activity"), "Created"),
                                  **_errors(400, 401, 403, 404, 409, 422)},
                },
                "get": {
                    "summary": "The timeline (public entries; all for staff)",
                    "parameters": [_NUMBER],
                    "responses": {"200": _json({"type": "object", "properties": {
                        "activities": {"type": "array", "items": _ref("Activity")}}}),
                        **_errors(401, 404)},
                },
            },
            "/cases/{number}/activities/{activity_id}": {"patch": {
                "summary": "Make a resident's note (info_added, reopened) public or private "
                           "again (staff who may see the case); logged as made_public/"
                           "made_private",
                "parameters": [_NUMBER, {"name": "activity_id", "in": "path", "required": True,
                                         "schema": {"type": "integer"}}],
                "requestBody": _VISIBILITY_BODY,
                "responses": {"200": _json(_ref("Activity")),
                              **_errors(400, 401, 403, 404, 422)},
            }},
            "/cases/{number}/media/{photo}": {"patch": {
                "summary": "Make a photo public or private again (staff who may see the "
                           "case; 1 = the first of media_urls)",
                "parameters": [_NUMBER, {"name": "photo", "in": "path", "required": True,
                                         "schema": {"type": "integer", "minimum": 1}}],
                "requestBody": _VISIBILITY_BODY,
                "responses": {"200": _json(_PHOTO), **_errors(400, 401, 403, 404, 422)},
            }},
            "/media": {"post": {
                "summary": "Upload one photo ahead of its case (service or staff): decoded "
                           "and re-encoded without metadata; put the answer's ref in a "
                           "case's media_urls. 400 not an image, 413 over MEDIA_MAX_BYTES",
                "requestBody": {"required": True, "content": {"multipart/form-data": {
                    "schema": {"type": "object", "required": ["photo"], "properties": {
                        "photo": {"type": "string", "format": "binary"},
                        "source": {"type": "string", "enum": list(PHOTO_SOURCES)}}}}}},
                "responses": {"201": _json({"type": "object", "properties": {
                    "id": _STR, "ref": {"type": "string", "pattern": MEDIA_REF_PATTERN}}},
                    "Stored"), **_errors(400, 401, 403, 413)},
            }},
            "/cases/{number}/withdrawal": {"post": {
                "summary": "The requester withdraws their case (service token; matched by "
                           "channel address or email)",
                "parameters": [_NUMBER],
                "requestBody": {"required": True, "content": {
                    "application/json": {"schema": _ref("WithdrawalRequest")}}},
                "responses": {"201": _json(_ref("Withdrawal"), "Recorded"),
                              "200": _json(_ref("Withdrawal"), "Already pending (same request)"),
                              **_errors(400, 401, 403, 404, 409, 422)},
            }},
            "/opt-outs": {
                "post": {
                    "summary": "STOP: no more messages to a channel address (service)",
                    "requestBody": _ADDRESS_BODY,
                    "responses": {"201": _json({"type": "object"}, "Recorded"),
                                  "200": _json({"type": "object"}, "Already recorded"),
                                  **_errors(400, 401, 403, 422)},
                },
                "delete": {
                    "summary": "START, the address in the body (kept out of access logs)",
                    "requestBody": _ADDRESS_BODY,
                    "responses": {"204": {"description": "Removed"},
                                  **_errors(400, 401, 403, 422)},
                },
            },
            "/opt-outs/{channel_address}": {"delete": {
                "summary": "START: messages may go to the address again (service)",
                "parameters": [{"name": "channel_address", "in": "path", "required": True,
                                "schema": _ref("ChannelAddress")}],
                "responses": {"204": {"description": "Removed"}, **_errors(401, 403)},
            }},
            **livechat_paths(),
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {"Case": _CASE, "CaseFull": _CASE_FULL, "NewCase": _NEW_CASE,
                        "Activity": _ACTIVITY, "NewActivity": _NEW_ACTIVITY,
                        "Contact": _CONTACT, "Error": _ERROR,
                        "WithdrawalRequest": _WITHDRAWAL_REQUEST, "Withdrawal": _WITHDRAWAL,
                        "ChannelAddress": _CHANNEL_ADDRESS, "ChatAddress": _CHAT_ADDRESS},
            "responses": {f"E{code}": _json(_ref("Error"), text) for code, text in (
                (400, "Malformed JSON or wrong types"), (401, "No valid token"),
                (403, "Not allowed"), (404, "No such case (or not yours to see)"),
                (409, "Does not fit the case's state"), (413, "Body over 1 MiB"),
                (422, "Invalid values"))},
        },
    }
