"""The service catalog: the shipped file, its JSON, and refusing malformed files by line."""

from __future__ import annotations

import datetime as dt

import pytest

from casestore.catalog import CatalogError, load_catalog, parse_catalog
from casestore.config import REPO_ROOT

SPEC_SERVICES = {
    "pothole": "ATLDOT", "sidewalk_repair": "ATLDOT", "streetlight_out": "ATLDOT",
    "traffic_signal": "ATLDOT", "street_sign": "ATLDOT", "traffic_safety": "ATLDOT",
    "parking_violation": "ATLDOT", "ice_on_road": "ATLDOT", "missed_garbage": "DPW",
    "missed_recycling": "DPW", "missed_yard_trimmings": "DPW", "bulk_pickup": "DPW",
    "cart_request": "DPW", "illegal_dumping": "DPW", "dead_animal": "DPW", "water_leak": "DWM",
    "sewer_backup": "DWM", "storm_drain": "DWM", "no_water": "DWM", "fire_hydrant": "DWM",
    "water_bill": "DWM", "overgrown_lot": "CODE", "graffiti": "CODE", "junk_vehicle": "APD",
    "noise_complaint": "APD", "fallen_tree": "ARBOR", "park_maintenance": "DPR",
    "encampment": "MOH", "smoke_alarm": "AFRD", "city_facility": "DEAM",
    "business_license": "DOF", "job_assistance": "DOL", "general_inquiry": "MOCS",
}
SHIPPED = REPO_ROOT / "config" / "catalog.yml"

MINIMAL = """\
city:
  name: Testville
  short_name: T311
  phone: "311"
  timezone: America/New_York
  state: GA
  city_names: [Testville]
  bbox: {min_lat: 33.0, max_lat: 34.0, min_long: -85.0, max_long: -84.0}
  holidays: [2026-12-25]
departments:
  - {code: DOT, name: Transportation}
services:
  - code: pothole
    name: Pothole
    department: DOT
    group: Streets
    target_days: 5
    attributes:
      - code: size
        description: How big?
        datatype: singlevaluelist
        required: true
        values: [{key: small, name: Small}]
"""


def test_shipped_catalog_routes_every_service_of_the_spec_to_its_department():
    catalog = load_catalog(SHIPPED)
    assert {code: s.department for code, s in catalog.services.items()} == SPEC_SERVICES


def test_shipped_catalog_asks_the_details_the_spec_lists():
    catalog = load_catalog(SHIPPED)
    pothole = catalog.service("pothole")
    assert [a.code for a in pothole.attributes] == ["size", "in_travel_lane"]
    assert pothole.attribute("size").value_keys() == {"small", "medium", "large"}
    assert pothole.target_days == 5
    assert catalog.service("general_inquiry").attributes == ()
    with_questions = [s for s in catalog.services.values() if s.code != "general_inquiry"]
    assert all(s.attributes and s.keywords for s in with_questions)


def test_shipped_catalog_refers_emergencies_power_and_animals():
    catalog = load_catalog(SHIPPED)
    assert catalog.referral("power").phone == "888-891-0938"
    assert catalog.referral("animal").phone == "404-613-0358"
    assert catalog.match_referral("the power line is down on my street").topic == "power"
    assert dt.date(2026, 11, 26) in catalog.city.holidays


def test_services_endpoint_serves_the_catalog_as_documented(cs_client):
    body = cs_client.get("/api/v1/services").get_json()
    assert body["city"]["short_name"] == "ATL311"
    assert {"code": "DWM", "name": "Department of Watershed Management"} in body["departments"]
    pothole = next(s for s in body["services"] if s["service_code"] == "pothole")
    assert set(pothole) == {"service_code", "service_name", "description", "department",
                            "group", "keywords", "target_days", "privacy", "address_precision",
                            "attributes"}
    assert set(pothole["attributes"][0]) == {"code", "description", "datatype",
                                             "datatype_description", "required", "order",
                                             "values", "public"}
    assert {r["topic"] for r in body["referrals"]} == {"emergency", "power", "animal"}


@pytest.mark.parametrize(
    ("old", "new", "line", "words"),
    [
        ("    department: DOT\n", "    department: NOPE\n", 15, "unknown department"),
        ("        datatype: singlevaluelist\n", "        datatype: colour\n", 21, "datatype"),
        ("    target_days: 5\n", "    target_days: five\n", 17, "target_days"),
        ("  holidays: [2026-12-25]\n", "  holidays: [Christmas]\n", 9, "holiday"),
        ("  - {code: DOT, name: Transportation}\n",
         "  - {code: DOT, name: Transportation\n", 12, "not valid YAML"),
        ("    group: Streets\n", "    group: Streets\n    group: Roads\n", 17, "duplicate key"),
    ],
)
def test_malformed_catalog_is_refused_with_the_file_and_line(tmp_path, old, new, line, words):
    assert old in MINIMAL
    path = tmp_path / "catalog.yml"
    path.write_text(MINIMAL.replace(old, new))
    with pytest.raises(CatalogError) as caught:
        load_catalog(path)
    message = str(caught.value)
    assert str(path) in message
    assert f"line {line}" in message
    assert words in message


def test_minimal_catalog_loads():
    catalog = parse_catalog(MINIMAL, "mini.yml")
    assert catalog.service("pothole").attribute("size").required is True


def test_catalog_check_command_reports_ok_and_names_the_bad_line(cs_app, tmp_path):
    runner = cs_app.test_cli_runner()
    ok = runner.invoke(args=["catalog-check"])
    assert ok.exit_code == 0 and "33 services" in ok.output
    bad = tmp_path / "bad.yml"
    bad.write_text(MINIMAL.replace("    department: DOT\n", "    department: NOPE\n"))
    failed = runner.invoke(args=["catalog-check", str(bad)])
    assert failed.exit_code != 0
    assert "line 15" in failed.output
