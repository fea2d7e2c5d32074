"""Places: the city limits polygon, /api/v1/places/inside and /suggest, where coordinates
came from (cases.location_source) and the portal's line about it."""

from __future__ import annotations

import shutil

import pytest

from casestore.catalog import SHIPPED_CONFIG, CatalogError, load_catalog, parse_catalog
from casestore.city_limits import LimitsError, load_limits
from casestore.geo import Suggestion, inside_city, suggest
from casestore.models import Case
from tests.fixtures.casestore import file_case, new_case_body, session_for
from tests.fixtures.open311 import file_request
from tests.fixtures.portal import PortalClient, new_case

LIMITS = SHIPPED_CONFIG / "city_limits.geojson"


# --- the polygon ------------------------------------------------------------------------

@pytest.mark.parametrize(("place", "lat", "long"), [
    ("Five Points", 33.7537, -84.3915),
    ("Buckhead", 33.8381, -84.3799),
    ("West End", 33.7365, -84.4131),
    ("Midtown", 33.7810, -84.3830),
    ("Kirkwood", 33.7550, -84.3200),
    ("East Atlanta", 33.7400, -84.3450),
    ("Southwest Atlanta (Greenbriar)", 33.6880, -84.4930),
])
def test_places_in_atlanta_are_inside_the_limits(place, lat, long):
    assert load_limits(LIMITS).contains(lat, long) is True


@pytest.mark.parametrize(("place", "lat", "long"), [
    ("Decatur square", 33.7748, -84.2963),
    ("East Point", 33.6795, -84.4394),
    ("Sandy Springs", 33.9304, -84.3733),
    ("Brookhaven", 33.8650, -84.3370),
    ("Marietta", 33.9526, -84.5499),
])
def test_neighbouring_cities_are_outside_the_limits(place, lat, long):
    assert load_limits(LIMITS).contains(lat, long) is False


def test_the_shipped_catalog_checks_points_against_the_polygon():
    city = load_catalog(SHIPPED_CONFIG / "catalog.yml").city
    # Inside the old rectangle, but the City of Decatur.
    assert (city.contains(33.7537, -84.3915), city.contains(33.7748, -84.2963)) == (True, False)


def test_the_catalog_gives_the_limits_bounds_for_a_first_map_view():
    bounds = load_catalog(SHIPPED_CONFIG / "catalog.yml").city.to_json()["bounds"]
    assert bounds == {"min_lat": 33.645, "max_lat": 33.887, "min_long": -84.555,
                      "max_long": -84.29}


def test_a_maps_first_view_is_the_city_limits_box(cs_app):
    from casestore.maps import city_bounds

    with cs_app.app_context():
        assert city_bounds() == [[33.645, -84.555], [33.887, -84.29]]


def test_a_catalog_with_the_old_bbox_is_refused_with_what_replaced_it():
    text = (SHIPPED_CONFIG / "catalog.yml").read_text(encoding="utf-8").replace(
        "  limits: city_limits.geojson\n",
        "  bbox: {min_lat: 33.6, max_lat: 33.9, min_long: -84.6, max_long: -84.25}\n")
    with pytest.raises(CatalogError, match="city.bbox was replaced by city.limits"):
        parse_catalog(text, "old.yml")


def test_a_limits_file_missing_beside_the_catalog_is_named_with_the_catalog_line(tmp_path):
    path = tmp_path / "catalog.yml"
    shutil.copy(SHIPPED_CONFIG / "catalog.yml", path)
    with pytest.raises(CatalogError) as caught:
        load_catalog(path)
    assert f"{tmp_path / 'city_limits.geojson'}: cannot read the city limits" in str(caught.value)


def test_a_city_replaces_the_polygon_with_its_own_file_beside_its_catalog(tmp_path):
    shutil.copy(SHIPPED_CONFIG / "catalog.yml", tmp_path / "catalog.yml")
    (tmp_path / "city_limits.geojson").write_text(
        '{"type": "Polygon", "coordinates": [[[-84.4, 33.7], [-84.3, 33.7], [-84.3, 33.8], '
        '[-84.4, 33.8], [-84.4, 33.7]]]}', encoding="utf-8")
    city = load_catalog(tmp_path / "catalog.yml").city
    assert (city.contains(33.75, -84.35), city.contains(33.75, -84.45)) == (True, False)


def test_a_limits_file_that_is_not_a_polygon_is_refused(tmp_path):
    path = tmp_path / "limits.geojson"
    path.write_text('{"type": "Point", "coordinates": [-84.39, 33.75]}', encoding="utf-8")
    with pytest.raises(LimitsError, match="must be Polygon or MultiPolygon"):
        load_limits(path)


# --- GET /api/v1/places/inside ------------------------------------------------------------

def test_inside_answers_true_for_a_point_in_the_city(cs_client):
    response = cs_client.get("/api/v1/places/inside?lat=33.7537&long=-84.3915")
    assert (response.status_code, response.get_json()) == (200, {"inside": True})


def test_inside_answers_false_for_decatur(cs_client):
    response = cs_client.get("/api/v1/places/inside?lat=33.7748&long=-84.2963")
    assert (response.status_code, response.get_json()) == (200, {"inside": False})


@pytest.mark.parametrize(("query", "field", "message"), [
    ("lat=abc&long=-84.39", "lat", "lat must be a number, e.g. lat=33.7537&long=-84.3915"),
    ("lat=33.75", "long", "long must be a number, e.g. lat=33.7537&long=-84.3915"),
    ("lat=nan&long=-84.39", "lat", "lat must be between -90 and 90"),
    ("lat=33.75&long=-200", "long", "long must be between -180 and 180"),
])
def test_inside_refuses_bad_numbers_with_400_naming_the_field(cs_client, query, field, message):
    response = cs_client.get(f"/api/v1/places/inside?{query}")
    assert response.status_code == 400
    assert response.get_json() == {"error": "malformed", "message": message,
                                   "fields": {field: message.split(" ", 1)[1].split(",")[0]}}


# --- suggestions ---------------------------------------------------------------------------

def test_suggest_completes_a_typed_prefix(cs_app):
    with cs_app.app_context():
        assert suggest("1205 peach") == [Suggestion("1205 Peachtree St NE", 33.788, -84.384)]


def test_suggest_matches_the_normalised_spelling(cs_app):
    with cs_app.app_context():
        assert [s.label for s in suggest("412 boulevard southeast")] == ["412 Boulevard SE"]


def test_suggest_forgives_a_misspelling_closest_first(cs_app):
    with cs_app.app_context():
        assert [s.label for s in suggest("1280 Peachtee St NE")] == [
            "1280 Peachtree St NE", "1205 Peachtree St NE"]


def test_suggest_lists_a_streets_known_addresses_up_to_the_limit(cs_app):
    with cs_app.app_context():
        assert [s.label for s in suggest("ralph mcgill", limit=3)] == [
            "760 Ralph McGill Blvd NE", "845 Ralph McGill Blvd NE", "88 Ralph McGill Blvd NE"]


def test_suggest_waits_for_two_characters(cs_app):
    with cs_app.app_context():
        assert suggest("4") == []


def test_inside_city_is_the_catalogs_polygon(cs_app):
    with cs_app.app_context():
        assert (inside_city(33.8381, -84.3799), inside_city(33.9304, -84.3733)) == (True, False)


def test_the_suggest_endpoint_is_public_and_gives_labels_and_points(cs_client):
    response = cs_client.get("/api/v1/places/suggest?q=412 Boulevard")
    assert response.status_code == 200
    assert response.get_json() == {"suggestions": [
        {"label": "412 Boulevard SE", "lat": 33.7445, "long": -84.3712}]}


def test_the_suggest_endpoint_refuses_a_limit_out_of_range(cs_client):
    response = cs_client.get("/api/v1/places/suggest?q=peachtree&limit=50")
    assert response.status_code == 400
    assert response.get_json()["message"] == "limit must be a whole number from 1 to 10"


@pytest.mark.parametrize("limit", ["\u2460", "\u00b2", "9" * 3_000],
                         ids=["circled_one", "superscript_two", "over_long"])
def test_the_suggest_endpoint_refuses_a_limit_in_other_digits_with_400(cs_client, limit):
    response = cs_client.get("/api/v1/places/suggest", query_string={"q": "peachtree",
                                                                     "limit": limit})
    assert response.status_code == 400
    assert response.get_json()["message"] == "limit must be a whole number from 1 to 10"


def test_places_lookups_are_rate_limited_per_client(make_database_url, tmp_path):
    from casestore.migrate import upgrade_database
    from tests.fixtures.casestore import build_app

    url = make_database_url("placeslimit")
    upgrade_database(url)
    app = build_app(url, str(tmp_path), RATELIMIT_ENABLED=True,
                    PLACES_RATE_LIMIT="2 per minute")
    client = app.test_client()
    statuses = [client.get("/api/v1/places/suggest?q=peachtree").status_code,
                client.get("/api/v1/places/inside?lat=33.75&long=-84.39").status_code,
                client.get("/api/v1/places/suggest?q=peachtree").status_code]
    app.extensions["casestore.engine"].dispose()
    assert statuses == [200, 200, 429]


# --- where coordinates came from -------------------------------------------------------------

def _source(app, number: str) -> str | None:
    with session_for(app) as session:
        return session.query(Case.location_source).filter(Case.number == number).scalar()


def test_a_location_shared_in_a_chat_channel_is_recorded_as_the_channels(cs_app, cs_service):
    case = file_case(cs_service)  # sms, with lat and long
    assert _source(cs_app, case["case_number"]) == "channel"


def test_the_caller_names_a_pin_the_resident_placed(cs_app, cs_service):
    case = file_case(cs_service, channel="web_form", location_source="resident_pin")
    assert _source(cs_app, case["case_number"]) == "resident_pin"


def test_a_typed_address_alone_has_no_location_source(cs_app, cs_service):
    case = file_case(cs_service, lat=None, long=None)
    assert _source(cs_app, case["case_number"]) is None


def test_no_caller_may_claim_the_geocoder_found_the_point(cs_service):
    response = cs_service.post("/api/v1/cases",
                               json=new_case_body(location_source="geocoder"))
    assert response.status_code == 422
    assert response.get_json()["fields"] == {
        "location_source": "must be one of resident_pin, device, open311, channel"}


def test_an_open311_point_is_recorded_as_open311(open311_app, o311):
    number = file_request(o311)
    assert _source(open311_app, number) == "open311"


def test_the_portal_case_page_says_where_the_point_came_from(portal_app):
    number = new_case(portal_app, lat=33.7445, long=-84.3712, location_source="resident_pin")
    client = PortalClient(portal_app)
    client.sign_in_staff("agent@atl311.example.org")
    page = client.get(f"/portal/cases/{number}").get_data(as_text=True)
    assert ('<p class="location-source"><strong>Location:</strong> pin placed by the resident'
            '</p>') in page
