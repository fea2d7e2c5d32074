"""The channel-address shape: written once in the case store and once in the OpenAPI document.

validation.py holds the patterns; the OpenAPI document's ``ChannelAddress`` and
``ChatAddress`` component schemas carry exactly those, and every channel
address or live chat sender id in the document refers to them. What the
document's pattern accepts is what the API accepts.
"""

from __future__ import annotations

import re

import pytest

from casestore.validation import CHANNEL_ADDRESS_PATTERN, CHAT_ADDRESS_PATTERN


def _document(cs_client) -> dict:
    return cs_client.get("/api/v1/openapi.json").get_json()


def _uses(node, name: str, where: str = "") -> list[tuple[str, object]]:
    """Every (place, schema) in the document whose property or parameter is ``name``."""
    found = []
    if isinstance(node, dict):
        if node.get("name") == name and "schema" in node:
            found.append((where, node["schema"]))
        for key, value in node.get("properties", {}).items() if isinstance(
                node.get("properties"), dict) else ():
            if key == name:
                found.append((f"{where}.{key}", value))
        for key, value in node.items():
            found += _uses(value, name, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _uses(value, name, f"{where}[{index}]")
    return found


def _refers_to(schema, component: str) -> bool:
    target = f"#/components/schemas/{component}"
    return schema.get("$ref") == target or any(
        part.get("$ref") == target for part in schema.get("allOf", []))


def test_the_components_carry_the_validation_patterns(cs_client):
    schemas = _document(cs_client)["components"]["schemas"]
    assert schemas["ChannelAddress"]["pattern"] == CHANNEL_ADDRESS_PATTERN
    assert schemas["ChatAddress"]["pattern"] == CHAT_ADDRESS_PATTERN
    assert _refers_to(schemas["ChatAddress"], "ChannelAddress")


def test_every_channel_address_in_the_document_refers_to_the_component(cs_client):
    uses = _uses(_document(cs_client), "channel_address")
    assert len(uses) >= 5  # contact, withdrawal, opt-out bodies and the path parameter
    assert [where for where, schema in uses if not _refers_to(schema, "ChannelAddress")] == []


def test_every_live_chat_sender_id_refers_to_the_chat_component(cs_client):
    uses = _uses(_document(cs_client)["paths"], "sender_id")
    assert len(uses) == 3  # opening, routing, the state poll
    assert [where for where, schema in uses if not _refers_to(schema, "ChatAddress")] == []


@pytest.mark.parametrize(("address", "documented"), [
    ("sms:+14045550123", True),
    ("telegram:12345", True),
    ("SMS:+14045550123", False),
    ("sms +14045550123", False),
    ("x:1", False),
])
def test_what_the_pattern_documents_is_what_the_api_accepts(cs_service, address, documented):
    assert bool(re.match(CHANNEL_ADDRESS_PATTERN, address)) is documented
    response = cs_service.post("/api/v1/opt-outs", json={"channel_address": address})
    assert response.status_code == (201 if documented else 422)
