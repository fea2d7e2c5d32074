"""The geocoder: the offline provider, the providers chosen by GEOCODER, and the geocode job
that gives typed addresses coordinates off the request path, asking each address once."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from casestore.catalog import SHIPPED_CONFIG, get_catalog
from casestore.city_limits import load_limits
from casestore.geo import (
    GeocoderSettingError,
    GeocoderUnavailableError,
    Location,
    OfflineGeocoder,
    geocode_chore,
    geocode_pending,
    make_geocoder,
)
from casestore.geo.census import CensusGeocoder
from casestore.geo.job import provider_query
from casestore.geo.providers import GeopyGeocoder
from casestore.models import Case, GeocodeCache
from tests.fixtures.casestore import SERVICE_TOKEN, ApiClient, file_case, session_for

OFFLINE = OfflineGeocoder.from_files(SHIPPED_CONFIG)


class CountingGeocoder:
    """A provider of our own interface that knows a few addresses and counts the questions."""

    name = "counting"

    def __init__(self, known: dict[str, Location] | None = None, *, down: bool = False) -> None:
        self.known = known or {}
        self.down = down
        self.asked: list[str] = []

    def geocode(self, address: str) -> Location | None:
        self.asked.append(address)
        if self.down:
            raise GeocoderUnavailableError("ConnectTimeout")
        return self.known.get(address)


BOULEVARD = "412 Boulevard SE, Atlanta, GA"


def _file(app, address: str, **fields) -> str:
    body = {"address": address, "lat": None, "long": None, **fields}
    return file_case(ApiClient(app, SERVICE_TOKEN), **body)["case_number"]


def _case(app, number: str) -> tuple:
    with session_for(app) as session:
        case = session.execute(select(Case).where(Case.number == number)).scalar_one()
        return case.lat, case.long, case.location_source, case.geocoded_at is not None


def _run(app, geocoder):
    with session_for(app) as session:
        return geocode_pending(session, geocoder, get_catalog().city)


# --- the offline provider ----------------------------------------------------------------

def test_offline_finds_a_known_address_point():
    assert OFFLINE.geocode("412 Boulevard SE") == Location(33.7445, -84.3712)


def test_offline_matches_through_the_case_stores_normalisation():
    assert OFFLINE.geocode("1205 Peachtree Street Northeast, Atlanta, GA 30309") == \
        Location(33.788, -84.384)


def test_offline_interpolates_a_number_along_its_street_segment():
    # 2142 is 142/1500 of the way from 2000 (33.696, -84.46) to 3500 (33.685, -84.51).
    assert OFFLINE.geocode("2142 Campbellton Rd SW") == Location(33.694959, -84.464733)


def test_offline_takes_the_one_quadrant_a_street_has_when_none_is_typed():
    assert OFFLINE.geocode("88 Ralph McGill Blvd") == Location(33.7662, -84.3845)


def test_offline_places_a_crossing_where_the_two_streets_meet():
    assert OFFLINE.geocode("Ponce de Leon Ave NE & Monroe Dr NE") == Location(33.7727, -84.365)


@pytest.mark.parametrize("address", [
    "123 Main St",  # not a street of the files
    "99999 Peachtree St NE",  # past the street's last segment
    "Piedmont Park",  # a place, not an address
    "10th St NE & 14th St NE",  # streets that never meet
])
def test_offline_does_not_find_what_its_files_lack(address):
    assert OFFLINE.geocode(address) is None


def test_every_shipped_point_lies_inside_the_city_limits():
    limits = load_limits(SHIPPED_CONFIG / "city_limits.geojson")
    outside = [p.label for p in OFFLINE.points if not limits.contains(p.lat, p.long)]
    assert outside == []


# --- choosing the provider ------------------------------------------------------------------

@pytest.mark.parametrize(("setting", "kind", "name"), [
    ("offline", OfflineGeocoder, "offline"),
    ("nominatim", GeopyGeocoder, "nominatim"),
    ("arcgis", GeopyGeocoder, "arcgis"),
    ("census", CensusGeocoder, "census"),
])
def test_geocoder_setting_chooses_the_provider_without_calling_it(setting, kind, name):
    geocoder = make_geocoder({"GEOCODER": setting, "CATALOG_PATH": str(SHIPPED_CONFIG /
                                                                       "catalog.yml")})
    assert (type(geocoder), geocoder.name) == (kind, name)


def test_geocoder_none_turns_geocoding_off():
    assert make_geocoder({"GEOCODER": "none"}) is None


def test_an_unknown_geocoder_is_refused_with_the_choices():
    with pytest.raises(GeocoderSettingError, match="GEOCODER must be one of none, offline, "
                                                   "nominatim, arcgis, census, not 'google'"):
        make_geocoder({"GEOCODER": "google"})


def test_providers_are_asked_with_the_city_and_state_added(cs_app):
    with cs_app.app_context():
        city = get_catalog().city
        assert (provider_query("412 Boulevard SE", city),
                provider_query("412 Boulevard SE, Atlanta", city),
                provider_query("100 Atlanta Ave SE", city)) == (
            "412 Boulevard SE, Atlanta, GA", "412 Boulevard SE, Atlanta",
            "100 Atlanta Ave SE, Atlanta, GA")


# --- the geocode job --------------------------------------------------------------------------

def test_filing_a_case_never_geocodes_its_address(cs_fresh_app):
    number = _file(cs_fresh_app, "412 Boulevard SE")  # GEOCODER is offline, and knows it
    assert _case(cs_fresh_app, number) == (None, None, None, False)


def test_the_job_gives_a_typed_address_the_geocoders_point(cs_fresh_app):
    number = _file(cs_fresh_app, "412 Boulevard SE")
    geocoder = CountingGeocoder({BOULEVARD: Location(33.7445, -84.3712)})
    _run(cs_fresh_app, geocoder)
    assert _case(cs_fresh_app, number) == (33.7445, -84.3712, "geocoder", True)


def test_an_address_is_asked_once_then_answered_from_the_cache(cs_fresh_app):
    geocoder = CountingGeocoder({BOULEVARD: Location(33.7445, -84.3712)})
    _file(cs_fresh_app, "412 Boulevard SE")
    _run(cs_fresh_app, geocoder)
    second = _file(cs_fresh_app, "412 boulevard southeast")  # the same normalised address
    run = _run(cs_fresh_app, geocoder)
    assert (geocoder.asked, run.asked, _case(cs_fresh_app, second)) == (
        [BOULEVARD], 0, (33.7445, -84.3712, "geocoder", True))


def test_a_not_found_is_cached_too_and_the_case_is_not_asked_about_again(cs_fresh_app):
    geocoder = CountingGeocoder()
    first = _file(cs_fresh_app, "123 Nowhere Ln")
    _run(cs_fresh_app, geocoder)
    _run(cs_fresh_app, geocoder)  # the case was looked up: not taken again
    _file(cs_fresh_app, "123 Nowhere Lane")  # another case, same address: the cache answers
    _run(cs_fresh_app, geocoder)
    with session_for(cs_fresh_app) as session:
        cached = session.execute(select(GeocodeCache.provider, GeocodeCache.address_key,
                                        GeocodeCache.found)).all()
    assert (geocoder.asked, _case(cs_fresh_app, first), cached) == (
        ["123 Nowhere Ln, Atlanta, GA"], (None, None, None, True),
        [("counting", "123 NOWHERE LN", False)])


def test_a_provider_that_cannot_answer_leaves_the_case_for_the_next_pass(cs_fresh_app):
    number = _file(cs_fresh_app, "412 Boulevard SE")
    run = _run(cs_fresh_app, CountingGeocoder(down=True))
    later = CountingGeocoder({BOULEVARD: Location(33.7445, -84.3712)})
    before = _case(cs_fresh_app, number)
    _run(cs_fresh_app, later)
    assert (run.unavailable, before, later.asked, _case(cs_fresh_app, number)) == (
        True, (None, None, None, False), [BOULEVARD], (33.7445, -84.3712, "geocoder", True))


def test_a_point_outside_the_city_is_not_put_on_the_case(cs_fresh_app):
    number = _file(cs_fresh_app, "101 Clairemont Ave")
    # A namesake in the City of Decatur.
    _run(cs_fresh_app, CountingGeocoder({"101 Clairemont Ave, Atlanta, GA":
                                         Location(33.7748, -84.2963)}))
    assert _case(cs_fresh_app, number) == (None, None, None, True)


def test_the_job_leaves_a_pin_the_resident_placed_alone(cs_fresh_app):
    number = _file(cs_fresh_app, "412 Boulevard SE", lat=33.7441, long=-84.3710,
                   channel="web_form", location_source="resident_pin")
    geocoder = CountingGeocoder({BOULEVARD: Location(33.7445, -84.3712)})
    _run(cs_fresh_app, geocoder)
    assert (geocoder.asked, _case(cs_fresh_app, number)) == (
        [], (33.7441, -84.371, "resident_pin", False))


def test_the_notifiers_chore_uses_the_offline_files_by_default(cs_fresh_app):
    number = _file(cs_fresh_app, "1205 Peachtree St NE")
    with cs_fresh_app.app_context():
        located = geocode_chore()
    assert (located, _case(cs_fresh_app, number)) == (1, (33.788, -84.384, "geocoder", True))


def test_the_chore_puts_an_interpolated_point_on_the_case(cs_fresh_app):
    number = _file(cs_fresh_app, "2142 Campbellton Rd SW")
    with cs_fresh_app.app_context():
        geocode_chore()
    assert _case(cs_fresh_app, number) == (33.694959, -84.464733, "geocoder", True)


def test_the_chore_does_nothing_with_geocoder_none(cs_fresh_app):
    number = _file(cs_fresh_app, "1205 Peachtree St NE")
    cs_fresh_app.config["GEOCODER"] = "none"
    with cs_fresh_app.app_context():
        located = geocode_chore()
    assert (located, _case(cs_fresh_app, number)) == (0, (None, None, None, False))
