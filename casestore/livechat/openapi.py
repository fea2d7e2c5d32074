"""The /live-chats paths of the OpenAPI document (merged in by casestore/api/openapi.py)."""

from __future__ import annotations


def _errors(*codes: int) -> dict:
    return {str(code): {"$ref": f"#/components/responses/E{code}"} for code in codes}


def _json(properties: dict, description: str = "OK") -> dict:
    return {"description": description, "content": {"application/json": {
        "schema": {"type": "object", "properties": properties}}}}


_STR = {"type": "string"}
# The sender id's shape is the document's ChatAddress component (casestore/api/openapi.py).
_SENDER = {"$ref": "#/components/schemas/ChatAddress"}
_INT = {"type": "integer"}
_LINE = {"type": "object", "required": ["role", "text"], "properties": {
    "role": {"type": "string", "enum": ["resident", "assistant"]}, "text": _STR}}
_CHAT_STATE = {
    "id": _INT, "channel": _STR,
    "status": {"type": "string", "enum": ["waiting", "active", "missed", "callback", "ended"]},
    "position": _INT, "estimated_wait_minutes": _INT, "end_reason": _STR,
}
_HOURS = {"open_now": {"type": "boolean"}, "hours": _STR}


def livechat_paths() -> dict:
    """The live chat endpoints, in OpenAPI 3 form (paths relative to /api/v1)."""
    sender_body = {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "required": ["sender_id"], "properties": {
            "sender_id": _SENDER,
            "transcript": {"type": "array", "items": _LINE},
            "details": {"type": "object", "description": "slot values the assistant gathered"},
            "reason": {"type": "string", "enum": ["asked", "stuck"]}}}}}}
    route_body = {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "required": ["sender_id", "text"], "properties": {
            "sender_id": _SENDER, "text": _STR, "message_key": _STR}}}}}
    opened = {**_CHAT_STATE, **_HOURS, "message": _STR}
    return {
        "/live-chats": {"post": {
            "summary": "Queue a conversation for a 311 agent (service)",
            "requestBody": sender_body,
            "responses": {"201": _json(opened, "Queued (or missed: outside staffed hours)"),
                          "200": _json(opened, "The sender already waits or chats"),
                          **_errors(400, 401, 403, 422)},
        }},
        "/live-chats/route": {"post": {
            "summary": "Where a resident's message goes: the agent or the assistant (service)",
            "requestBody": route_body,
            "responses": {"200": _json({"routed": {"type": "boolean"}, "status": _STR,
                                        "replies": {"type": "array", "items": {
                                            "type": "object", "properties": {"text": _STR}}}}),
                          **_errors(400, 401, 403, 422)},
        }},
        "/live-chats/state": {"get": {
            "summary": "The sender's live chat status (service; the web chat widget polls it)",
            "parameters": [{"name": "sender_id", "in": "query", "required": True,
                            "schema": _SENDER}],
            "responses": {"200": _json(_CHAT_STATE), **_errors(401, 403, 422)},
        }},
        "/live-chats/availability": {"get": {
            "summary": "Whether agents are staffed now, and the staffed hours",
            "security": [],
            "responses": {"200": _json(_HOURS)},
        }},
    }
