"""Synonyms of list values: validated by catalog-check, served by /api/v1/services only."""

from __future__ import annotations

import shutil

import pytest

from casestore.catalog import SHIPPED_CONFIG, CatalogError, parse_catalog

BASE = """\
city:
  name: Testville
  short_name: T311
  phone: "311"
  timezone: America/New_York
  state: GA
  city_names: [Testville]
  limits: city_limits.geojson
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
        values:
          - key: small
            name: Small
            synonyms: {en: [tiny], es: [pequeño]}
          - key: large
            name: Large
            synonyms: {en: [huge], es: [grande]}
"""


def test_synonyms_are_loaded_per_language():
    size = parse_catalog(BASE, "mini.yml").service("pothole").attribute("size")
    assert size.to_json()["values"] == [
        {"key": "small", "name": "Small", "synonyms": {"en": ["tiny"], "es": ["pequeño"]}},
        {"key": "large", "name": "Large", "synonyms": {"en": ["huge"], "es": ["grande"]}},
    ]


def test_a_value_without_synonyms_serves_an_empty_mapping():
    text = BASE.replace("            synonyms: {en: [tiny], es: [pequeño]}\n", "")
    small = parse_catalog(text).service("pothole").attribute("size").to_json()["values"][0]
    assert small == {"key": "small", "name": "Small", "synonyms": {}}


@pytest.mark.parametrize(
    ("old", "new", "line", "words"),
    [
        ("en: [tiny]", "en: [tiny, no]", 25, "synonym False of value 'small'"),
        ("en: [tiny]", "en: [tiny, 3]", 25, "synonym 3 of value 'small'"),
        ("en: [tiny]", "en: tiny", 25, "synonyms 'en' must be a list"),
        ("{en: [huge], es: [grande]}", "{en: [huge, Tiny], es: [grande]}", 28,
         "'Tiny' is a synonym of both 'small' and 'large'"),
        ("{en: [huge], es: [grande]}", "{en: [huge], es: [pequeno]}", 28,
         "'pequeno' is a synonym of both 'small' and 'large'"),
        ("{en: [huge], es: [grande]}", "{en: [huge, small], es: [grande]}", 28,
         "'small' is a synonym of both 'small' and 'large'"),
        ("{en: [tiny], es: [pequeño]}", "{english: [tiny]}", 25, "not a language code"),
        ("{en: [tiny], es: [pequeño]}", "[tiny]", 25, "'synonyms' must be"),
    ],
)
def test_bad_synonyms_are_refused_with_the_line(old, new, line, words):
    assert old in BASE
    with pytest.raises(CatalogError) as caught:
        parse_catalog(BASE.replace(old, new, 1), "mini.yml")
    assert f"mini.yml, line {line}" in str(caught.value)
    assert words in str(caught.value)


def test_catalog_check_fails_on_a_shared_synonym(cs_app, tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text(BASE.replace("es: [grande]", "es: [grande, tiny]"), encoding="utf-8")
    shutil.copy(SHIPPED_CONFIG / "city_limits.geojson", tmp_path)  # city.limits, beside it
    result = cs_app.test_cli_runner().invoke(args=["catalog-check", str(bad)])
    assert result.exit_code != 0
    assert "'tiny' is a synonym of both 'small' and 'large'" in result.output


def test_services_endpoint_serves_the_shipped_synonyms(cs_client):
    body = cs_client.get("/api/v1/services").get_json()
    pothole = next(s for s in body["services"] if s["service_code"] == "pothole")
    large = next(v for v in pothole["attributes"][0]["values"] if v["key"] == "large")
    assert "huge" in large["synonyms"]["en"] and "grande" in large["synonyms"]["es"]


def test_open311_service_definition_keeps_the_spec_fields_only(cs_client):
    body = cs_client.get("/open311/v2/services/pothole.json").get_json()
    values = body["attributes"][0]["values"]
    assert values[0] == {"key": "small", "name": "Small"}


def test_every_list_value_of_the_shipped_catalog_has_english_and_spanish_synonyms(cs_client):
    body = cs_client.get("/api/v1/services").get_json()
    missing = [
        (s["service_code"], a["code"], v["key"])
        for s in body["services"]
        for a in s["attributes"]
        for v in a["values"]
        if not (v["synonyms"].get("en") and v["synonyms"].get("es"))
    ]
    assert missing == []


def test_a_free_text_question_serves_its_answer_words_and_others_serve_none(cs_client):
    body = cs_client.get("/api/v1/services").get_json()
    dead = next(s for s in body["services"] if s["service_code"] == "dead_animal")
    animal = next(a for a in dead["attributes"] if a["code"] == "animal_type")
    assert "deer" in animal["answer_words"]["en"] and "venado" in animal["answer_words"]["es"]
    pothole = next(s for s in body["services"] if s["service_code"] == "pothole")
    assert "answer_words" not in pothole["attributes"][0]


BILINGUAL = (BASE.replace("departments:", "  languages: [en, es]\ndepartments:")
             .replace('  phone: "311"\n', "  phone: {en: '311', es: '311'}\n")
             .replace("{code: DOT, name: Transportation}", "{code: DOT, name: {en: T, es: T}}")
             .replace("    name: Pothole\n", "    name: {en: Pothole, es: Bache}\n")
             .replace("    group: Streets\n", "    group: {en: Streets, es: Calles}\n")
             .replace("description: How big?", "description: {en: How big, es: Qué tan grande}")
             .replace("name: Small\n", "name: {en: Small, es: Chico}\n")
             .replace("name: Large\n", "name: {en: Large, es: Grande}\n"))


def test_a_bilingual_catalog_keeps_synonyms_per_language_in_every_language():
    catalog = parse_catalog(BILINGUAL, "bi.yml")
    for lang, small_name in (("en", "Small"), ("es", "Chico")):
        size = catalog.in_language(lang).service("pothole").attribute("size")
        assert size.to_json()["values"][0] == {
            "key": "small", "name": small_name, "synonyms": {"en": ["tiny"], "es": ["pequeño"]}}


def test_a_translated_value_name_counts_as_a_word_for_that_value_only():
    # "Grande" is large's Spanish name: also a synonym of small would make answers ambiguous.
    with pytest.raises(CatalogError) as caught:
        parse_catalog(BILINGUAL.replace("es: [pequeño]", "es: [pequeño, grande]"), "bi.yml")
    assert "'Grande' is a synonym of both 'small' and 'large'" in str(caught.value)
    # A value's own name in any language may repeat among its synonyms.
    parse_catalog(BILINGUAL.replace("es: [pequeño]", "es: [pequeño, chico]"), "bi.yml")


def test_the_spanish_services_document_keeps_synonyms_and_answer_words(cs_client):
    en = cs_client.get("/api/v1/services").get_json()
    es = cs_client.get("/api/v1/services?locale=es").get_json()

    def words(body):
        return [(s["service_code"], a["code"], a.get("answer_words"),
                 [(v["key"], v["synonyms"]) for v in a["values"]])
                for s in body["services"] for a in s["attributes"]]

    assert words(es) == words(en)


def test_every_list_value_has_several_spanish_synonyms(cs_client):
    body = cs_client.get("/api/v1/services").get_json()
    thin = [(s["service_code"], a["code"], v["key"])
            for s in body["services"] for a in s["attributes"] for v in a["values"]
            if len(v["synonyms"].get("es", [])) < 3]
    assert thin == []
