"""Open311 discovery, service list and service definitions, in XML and JSON."""

from __future__ import annotations

import pytest

from tests.fixtures.open311 import (
    BASE,
    DATETIME,
    JURISDICTION,
    error_descriptions,
    parse_xml,
)


def test_discovery_xml_lists_the_v2_endpoint_with_both_formats(o311):
    root = parse_xml(o311.get(f"{BASE}/discovery.xml"))
    assert root.tag == "discovery"
    assert DATETIME.match(root.findtext("changeset"))
    assert root.findtext("contact")
    assert root.findtext("key_service")
    endpoints = root.find("endpoints")
    assert [e.tag for e in endpoints] == ["endpoint"]
    endpoint = endpoints.find("endpoint")
    assert endpoint.findtext("specification") == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint.findtext("url") == "http://casestore.test/open311/v2"
    assert endpoint.findtext("type") == "production"
    assert DATETIME.match(endpoint.findtext("changeset"))
    assert [f.text for f in endpoint.find("formats")] == ["text/xml", "application/json"]
    assert [f.tag for f in endpoint.find("formats")] == ["format", "format"]


def test_discovery_json_keeps_endpoints_and_formats_as_arrays(o311):
    response = o311.get(f"{BASE}/discovery.json")
    assert response.status_code == 200
    assert response.content_type == "application/json; charset=utf-8"
    body = response.get_json()
    assert set(body) == {"changeset", "contact", "key_service", "endpoints"}
    assert isinstance(body["endpoints"], list) and len(body["endpoints"]) == 1
    assert body["endpoints"][0]["formats"] == ["text/xml", "application/json"]


def test_services_xml_gives_every_catalog_service_with_its_fields(o311, open311_app):
    root = parse_xml(o311.get(f"{BASE}/services.xml"))
    assert root.tag == "services"
    services = list(root)
    assert {s.tag for s in services} == {"service"}
    codes = [s.findtext("service_code") for s in services]
    assert "pothole" in codes and "general_inquiry" in codes
    pothole = services[codes.index("pothole")]
    assert [child.tag for child in pothole] == [
        "service_code", "service_name", "description", "metadata", "type", "keywords", "group",
    ]
    assert pothole.findtext("service_name") == "Pothole"
    assert pothole.findtext("metadata") == "true"
    assert pothole.findtext("type") == "realtime"
    assert "pothole" in pothole.findtext("keywords").split(", ")
    assert pothole.findtext("group") == "Streets and Traffic"


def test_services_json_matches_the_xml_and_marks_services_without_attributes(o311):
    body = o311.get(f"{BASE}/services.json").get_json()
    xml = parse_xml(o311.get(f"{BASE}/services.xml"))
    xml_codes = [s.findtext("service_code") for s in xml]
    assert isinstance(body, list)
    assert [s["service_code"] for s in body] == xml_codes
    by_code = {s["service_code"]: s for s in body}
    assert by_code["pothole"]["metadata"] is True
    assert by_code["general_inquiry"]["metadata"] is False
    assert all(isinstance(s["keywords"], str) for s in body)


def test_service_definition_xml_describes_list_attributes_with_values(o311):
    root = parse_xml(o311.get(f"{BASE}/services/pothole.xml"))
    assert root.tag == "service_definition"
    assert root.findtext("service_code") == "pothole"
    attributes = root.find("attributes")
    assert [a.tag for a in attributes] == ["attribute", "attribute"]
    size = attributes.find("attribute")
    assert size.findtext("variable") == "true"
    assert size.findtext("code") == "size"
    assert size.findtext("datatype") == "singlevaluelist"
    assert size.findtext("required") == "true"
    assert size.findtext("order") == "1"
    assert size.findtext("datatype_description")
    assert size.findtext("description") == "How big is the pothole?"
    values = size.find("values")
    assert [v.tag for v in values] == ["value"] * 3
    assert [(v.findtext("key"), v.findtext("name")) for v in values] == [
        ("small", "Small"), ("medium", "Medium"), ("large", "Large"),
    ]


def test_service_definition_json_keeps_attributes_and_values_as_arrays(o311):
    body = o311.get(f"{BASE}/services/pothole.json").get_json()
    assert body["service_code"] == "pothole"
    assert isinstance(body["attributes"], list)
    first = body["attributes"][0]
    assert first["required"] is True and first["order"] == 1 and first["variable"] is True
    assert first["values"][0] == {"key": "small", "name": "Small"}
    orders = [a["order"] for a in body["attributes"]]
    assert orders == sorted(orders)


def test_service_definition_of_a_service_without_details_has_an_empty_list(o311):
    body = o311.get(f"{BASE}/services/general_inquiry.json").get_json()
    assert body == {"service_code": "general_inquiry", "attributes": []}
    root = parse_xml(o311.get(f"{BASE}/services/general_inquiry.xml"))
    assert list(root.find("attributes")) == []


@pytest.mark.parametrize("fmt", ["xml", "json"])
def test_unknown_service_code_answers_404_in_the_error_format(o311, fmt):
    response = o311.get(f"{BASE}/services/no_such_service.{fmt}")
    assert error_descriptions(response, fmt, 404) == ["service_code was not found"]


@pytest.mark.parametrize("jurisdiction", [JURISDICTION, "ATLANTA", "atl311", ""])
def test_the_citys_jurisdiction_id_or_an_empty_one_is_accepted(o311, jurisdiction):
    response = o311.get(f"{BASE}/services.json", query_string={"jurisdiction_id": jurisdiction})
    assert response.status_code == 200
    assert len(response.get_json()) > 10


@pytest.mark.parametrize("fmt", ["xml", "json"])
@pytest.mark.parametrize("path", ["discovery", "services", "services/pothole", "requests"])
def test_another_jurisdiction_id_answers_404(o311, fmt, path):
    response = o311.get(f"{BASE}/{path}.{fmt}", query_string={"jurisdiction_id": "boston.gov"})
    assert error_descriptions(response, fmt, 404) == ["jurisdiction_id was not found"]


def test_a_format_other_than_xml_or_json_is_not_served(o311):
    assert o311.get(f"{BASE}/services.html").status_code == 404



# --- the catalog's texts in the resident's language (locale / Accept-Language) ---------

SPANISH = [
    ({"locale": "es"}, {}),
    ({"locale": "es-US"}, {}),
    ({}, {"Accept-Language": "es-US,es;q=0.9,en;q=0.8"}),
    ({}, {"Accept-Language": "es"}),
]


@pytest.mark.parametrize(("query", "headers"), SPANISH)
def test_services_json_speaks_spanish_by_locale_or_accept_language(o311, query, headers):
    response = o311.get(f"{BASE}/services.json", query_string=query, headers=headers)
    assert "Accept-Language" in response.headers["Vary"]
    by_code = {s["service_code"]: s for s in response.get_json()}
    assert by_code["pothole"]["service_name"] == "Bache"
    assert by_code["pothole"]["group"] == "Calles y tránsito"
    assert by_code["pothole"]["description"].startswith("Un hoyo o pavimento roto")
    assert by_code["streetlight_out"]["service_name"] == "Alumbrado público apagado"
    # Codes and keywords are not texts: they stay as they are.
    assert "pothole" in by_code["pothole"]["keywords"].split(", ")


@pytest.mark.parametrize(("query", "headers"), SPANISH)
def test_service_definition_speaks_spanish_by_locale_or_accept_language(o311, query, headers):
    body = o311.get(f"{BASE}/services/pothole.json", query_string=query,
                    headers=headers).get_json()
    size, lane = body["attributes"]
    assert size["description"] == "¿Qué tan grande es el bache?"
    assert size["datatype_description"].startswith("Pequeño (menos que un plato)")
    assert size["values"] == [{"key": "small", "name": "Pequeño"},
                              {"key": "medium", "name": "Mediano"},
                              {"key": "large", "name": "Grande"}]
    assert lane["values"] == [{"key": "yes", "name": "Sí"}, {"key": "no", "name": "No"}]


def test_spanish_xml_is_well_formed_utf8(o311):
    root = parse_xml(o311.get(f"{BASE}/services/pothole.xml", query_string={"locale": "es"}))
    assert root.find("attributes/attribute").findtext("description") == (
        "¿Qué tan grande es el bache?")
    services = parse_xml(o311.get(f"{BASE}/services.xml", headers={"Accept-Language": "es"}))
    names = {s.findtext("service_code"): s.findtext("service_name") for s in services}
    assert names["pothole"] == "Bache"


@pytest.mark.parametrize("path", ["services.json", "services.xml", "services/pothole.json",
                                  "services/pothole.xml"])
@pytest.mark.parametrize(("query", "headers"), [
    ({}, {}), ({"locale": "fr"}, {}), ({"locale": "en"}, {"Accept-Language": "es"}),
    ({}, {"Accept-Language": "en-US,en;q=0.9"}), ({}, {"Accept-Language": "zh-CN"}),
])
def test_without_a_known_locale_the_documents_are_the_default_ones(o311, path, query, headers):
    plain = o311.get(f"{BASE}/{path}", headers={"Accept-Language": ""}).get_data()
    assert o311.get(f"{BASE}/{path}", query_string=query, headers=headers).get_data() == plain
    assert b"Bache" not in plain


def test_an_unknown_service_in_spanish_is_still_a_404(o311):
    response = o311.get(f"{BASE}/services/no_such_service.json", query_string={"locale": "es"})
    assert error_descriptions(response, "json", 404) == ["service_code was not found"]
