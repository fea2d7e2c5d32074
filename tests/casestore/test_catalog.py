"""The service catalog: the shipped file, its JSON, and refusing malformed files by line."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
import yaml

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
  limits: city_limits.geojson
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
    shutil.copy(SHIPPED.parent / "city_limits.geojson", tmp_path)  # city.limits, beside it
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
    shutil.copy(SHIPPED.parent / "city_limits.geojson", tmp_path)
    failed = runner.invoke(args=["catalog-check", str(bad)])
    assert failed.exit_code != 0
    assert "line 15" in failed.output


# --- texts per language (city.languages) ------------------------------------

BILINGUAL = """\
city:
  name: Testville
  short_name: T311
  phone: {en: "311 (outside the city: 555-0100)", es: "311 (fuera de la ciudad: 555-0100)"}
  timezone: America/New_York
  state: GA
  city_names: [Testville]
  languages: [en, es]
  limits: city_limits.geojson
departments:
  - code: DOT
    name: {en: Transportation, es: Transporte}
services:
  - code: pothole
    name: {en: Pothole, es: Bache}
    department: DOT
    group: {en: Streets, es: Calles}
    target_days: 5
    description:
      en: A hole in a street.
      es: Un hoyo en una calle.
    attributes:
      - code: size
        description: {en: "How big?", es: "¿Qué tan grande?"}
        datatype: singlevaluelist
        datatype_description: {en: Small or large, es: Pequeño o grande}
        required: true
        values:
          - {key: small, name: {en: Small, es: Pequeño}}
          - {key: "yes", name: {en: "Yes", es: "Sí"}}
referrals:
  - topic: power
    name: {en: Power Co, es: Power Co}
    phone: 555-0100
    message: {en: Call Power Co., es: Llame a Power Co.}
    keywords: [power out]
"""


def test_a_bilingual_catalog_keeps_the_default_text_in_each_field():
    catalog = parse_catalog(BILINGUAL, "bi.yml")
    pothole = catalog.service("pothole")
    assert catalog.city.languages == ("en", "es") and catalog.language == "en"
    assert (pothole.name, pothole.group, pothole.description) == (
        "Pothole", "Streets", "A hole in a street.")
    size = pothole.attribute("size")
    assert (size.description, size.datatype_description) == ("How big?", "Small or large")
    assert [v.name for v in size.values] == ["Small", "Yes"]
    assert catalog.department_name("DOT") == "Transportation"
    assert catalog.referral("power").message == "Call Power Co."
    assert pothole.translations("name") == {"en": "Pothole", "es": "Bache"}
    assert size.values[1].translations("name") == {"en": "Yes", "es": "Sí"}


def test_in_language_gives_every_text_in_that_language_as_plain_strings():
    catalog = parse_catalog(BILINGUAL, "bi.yml")
    es = catalog.in_language("es")
    assert es.language == "es"
    pothole = es.service("pothole")
    assert (pothole.name, pothole.group, pothole.description) == (
        "Bache", "Calles", "Un hoyo en una calle.")
    size = pothole.attribute("size")
    assert (size.description, size.datatype_description) == ("¿Qué tan grande?",
                                                             "Pequeño o grande")
    assert [v.name for v in size.values] == ["Pequeño", "Sí"]
    assert es.city.phone == "311 (fuera de la ciudad: 555-0100)"
    assert catalog.city.phone == "311 (outside the city: 555-0100)"
    assert es.department_name("DOT") == "Transporte"
    assert (es.referral("power").name, es.referral("power").message) == ("Power Co",
                                                                        "Llame a Power Co.")
    # Everything else is the same catalog.
    assert pothole.code == "pothole" and pothole.department == "DOT" and size.required
    assert es.to_json()["services"][0]["service_name"] == "Bache"
    # The original is untouched; each language is built once and back again is the original.
    assert catalog.service("pothole").name == "Pothole"
    assert catalog.in_language("es") is es
    assert es.in_language("en") is catalog


@pytest.mark.parametrize("lang", ["fr", "", "EN", "es-US"])
def test_in_language_falls_back_to_the_default_for_an_undeclared_language(lang):
    catalog = parse_catalog(BILINGUAL, "bi.yml")
    assert catalog.in_language(lang) is catalog
    assert catalog.in_language("es").in_language(lang) is catalog


def test_a_one_language_catalog_takes_plain_text_and_ignores_in_language():
    catalog = parse_catalog(MINIMAL, "mini.yml")
    assert catalog.city.languages == ("en",)
    assert catalog.in_language("es") is catalog
    assert catalog.service("pothole").translations("name") == {}


@pytest.mark.parametrize(
    ("old", "new", "line", "words"),
    [
        # a plain string in a two-language catalog is the default language only
        ("    name: {en: Pothole, es: Bache}\n", "    name: Pothole\n", 15,
         "'name' lacks es: write it as {en: ..., es: ...}"),
        ("        description: {en: \"How big?\", es: \"¿Qué tan grande?\"}\n",
         "        description: {en: \"How big?\"}\n", 24, "'description' lacks es"),
        ("      es: Un hoyo en una calle.\n", "", 20, "'description' lacks es"),
        ("          - {key: small, name: {en: Small, es: Pequeño}}\n",
         "          - {key: small, name: {en: Small, es: Pequeño, fr: Petit}}\n", 29,
         "'name': 'fr' is not one of the catalog's languages (city.languages: en, es)"),
        ("          - {key: \"yes\", name: {en: \"Yes\", es: \"Sí\"}}\n",
         "          - {key: \"yes\", name: {en: Yes, es: \"Sí\"}}\n", 30,
         "'name' in 'en' must be non-empty text, not True (quote Yes/No)"),
        ("    name: {en: Transportation, es: Transporte}\n",
         "    name: {en: Transportation, es: \"\"}\n", 12, "'name' in 'es' must be non-empty"),
        ("    message: {en: Call Power Co., es: Llame a Power Co.}\n",
         "    message: {es: Llame a Power Co.}\n", 35, "'message' lacks en"),
        ("        datatype_description: {en: Small or large, es: Pequeño o grande}\n",
         "        datatype_description: [Small, large]\n", 26,
         "'datatype_description' must be text or a mapping of languages to text"),
    ],
)
def test_a_text_lacking_a_declared_language_or_naming_another_is_refused_by_line(
        old, new, line, words):
    assert old in BILINGUAL
    with pytest.raises(CatalogError) as caught:
        parse_catalog(BILINGUAL.replace(old, new), "bi.yml")
    assert f"bi.yml, line {line}: " in str(caught.value)
    assert words in str(caught.value)


def test_catalog_check_names_the_line_of_a_missing_spanish_text(cs_app, tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text(BILINGUAL.replace("    group: {en: Streets, es: Calles}\n",
                                     "    group: {en: Streets}\n"), encoding="utf-8")
    shutil.copy(SHIPPED.parent / "city_limits.geojson", tmp_path)
    result = cs_app.test_cli_runner().invoke(args=["catalog-check", str(bad)])
    assert result.exit_code != 0
    assert f"{bad}, line 17: 'group' lacks es" in result.output
    ok = cs_app.test_cli_runner().invoke(args=["catalog-check"])
    assert ok.exit_code == 0 and "languages en, es" in ok.output


# What residents read, per class: every one must exist in each declared language.
RESIDENT_TEXTS = {
    "department": ("name",),
    "service": ("name", "group", "description"),
    "attribute": ("description", "datatype_description"),
    "value": ("name",),
    "referral": ("name", "message"),
}


def test_every_resident_facing_text_of_the_shipped_catalog_is_in_every_language():
    catalog = load_catalog(SHIPPED)
    languages = set(catalog.city.languages)
    assert {"en", "es"} <= languages
    items = [("department", d.code, d) for d in catalog.departments.values()]
    items += [("referral", r.topic, r) for r in catalog.referrals]
    for service in catalog.services.values():
        items.append(("service", service.code, service))
        for attribute in service.attributes:
            items.append(("attribute", f"{service.code}.{attribute.code}", attribute))
            items += [("value", f"{service.code}.{attribute.code}.{v.key}", v)
                      for v in attribute.values]
    lacking = [
        (kind, where, name)
        for kind, where, item in items
        for name in RESIDENT_TEXTS[kind]
        if getattr(item, name)  # an optional text left out is left out in every language
        and (set(item.translations(name)) != languages
             or not all(t.strip() for t in item.translations(name).values()))
    ]
    assert lacking == []
    assert len(items) > 200


def test_the_shipped_file_writes_each_resident_facing_text_as_a_mapping_of_every_language():
    # Read apart from the parser: what a city editor sees in config/catalog.yml.
    raw = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    languages = raw["city"]["languages"]
    found = []

    def check(kind: str, where: str, item: dict) -> None:
        for name in RESIDENT_TEXTS[kind]:
            if name in item:
                found.append(name)
                text = item[name]
                assert isinstance(text, dict) and list(text) == languages, (where, name, text)
                assert all(isinstance(t, str) and t.strip() for t in text.values()), (where, name)

    for department in raw["departments"]:
        check("department", department["code"], department)
    for referral in raw["referrals"]:
        check("referral", referral["topic"], referral)
    for service in raw["services"]:
        check("service", service["code"], service)
        for attribute in service.get("attributes") or []:
            check("attribute", f"{service['code']}.{attribute['code']}", attribute)
            for value in attribute.get("values") or []:
                check("value", f"{service['code']}.{attribute['code']}.{value['key']}", value)
    assert len(found) > 300


def test_the_shipped_spanish_reads_as_spanish():
    es = load_catalog(SHIPPED).in_language("es")
    assert es.service("pothole").name == "Bache"
    assert es.service("streetlight_out").name == "Alumbrado público apagado"
    assert es.service("pothole").attribute("size").description == "¿Qué tan grande es el bache?"
    assert [v.name for v in es.service("pothole").attribute("in_travel_lane").values] == [
        "Sí", "No"]
    assert es.referral("emergency").message.startswith("Esto parece una emergencia.")
    # Only texts change: codes, keys, numbers and keywords are the catalog's own.
    en = load_catalog(SHIPPED)
    assert [s.code for s in es.services.values()] == [s.code for s in en.services.values()]
    assert es.referral("power").phone == en.referral("power").phone
    assert es.service("pothole").keywords == en.service("pothole").keywords


def test_services_endpoint_speaks_the_locale_asked_for(cs_client):
    default = cs_client.get("/api/v1/services")
    assert "Accept-Language" in default.headers["Vary"]
    body = default.get_json()
    pothole = next(s for s in body["services"] if s["service_code"] == "pothole")
    assert pothole["service_name"] == "Pothole"
    for query, headers in (("?locale=es", {}), ("?locale=es-US", {}), ("?locale=es_MX", {}),
                           ("", {"Accept-Language": "es-US,es;q=0.9,en;q=0.8"}),
                           ("", {"Accept-Language": "fr-CA, es;q=0.5"})):
        es = cs_client.get(f"/api/v1/services{query}", headers=headers).get_json()
        bache = next(s for s in es["services"] if s["service_code"] == "pothole")
        assert bache["service_name"] == "Bache", (query, headers)
        assert bache["group"] == "Calles y tránsito"
        assert bache["attributes"][0]["description"] == "¿Qué tan grande es el bache?"
        assert bache["attributes"][0]["values"][0]["name"] == "Pequeño"
        # the same shape, the synonyms of every language as before
        assert set(bache) == set(pothole)
        assert bache["attributes"][0]["values"][0]["synonyms"] == (
            pothole["attributes"][0]["values"][0]["synonyms"])
        assert {"code": "DWM", "name": "Departamento de Gestión de Cuencas Hidrográficas"} in (
            es["departments"])
        # The city block is the same but for its phone line, a sentence per language.
        assert {**es["city"], "phone": None} == {**body["city"], "phone": None}
        assert es["city"]["phone"] == "311 o al 404-546-0311 (desde fuera de la ciudad)"


@pytest.mark.parametrize(("query", "headers"), [
    ("", {}), ("?locale=fr", {}), ("?locale=", {}), ("?locale=en", {"Accept-Language": "es"}),
    ("?locale=fr", {"Accept-Language": "es"}), ("", {"Accept-Language": "en-US,en;q=0.9"}),
    ("", {"Accept-Language": "de, fr;q=0.8"}),
])
def test_services_endpoint_without_a_known_locale_is_the_default_catalog(cs_client, query,
                                                                         headers):
    plain = cs_client.get("/api/v1/services", headers={"Accept-Language": ""}).get_data()
    assert cs_client.get(f"/api/v1/services{query}", headers=headers).get_data() == plain
