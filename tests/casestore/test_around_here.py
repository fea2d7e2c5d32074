"""The public "around here" page (/around): open public cases near a place, nothing private.

Flask's test client against a migrated case store; each test files its cases
in its own part of the city, so the tests of the module do not see each
other's cases.
"""

from __future__ import annotations

import json
import re
import uuid

import pytest

from casestore.cases import find_case
from casestore.nearby import PAGE_SIZE
from tests.fixtures.casestore import build_app, session_for
from tests.fixtures.portal import new_case, unique_email

ROW = re.compile(r'<li class="around-case">\s*<a href="/cases/(\d+)">')
POINTS = re.compile(r"data-points='([^']*)'")


def listed(html: str) -> list[str]:
    """The case numbers the page lists, in its order."""
    return ROW.findall(html)


def around(app, query: str) -> tuple[int, str]:
    response = app.test_client().get(f"/around?{query}")
    return response.status_code, response.get_data(as_text=True)


def test_open_public_cases_within_the_radius_are_listed_nearest_first(portal_app):
    # West End: 33.760, -84.420
    farther = new_case(portal_app, lat=33.7620, long=-84.4200, address="200 Lee St SW")
    nearest = new_case(portal_app, lat=33.7601, long=-84.4200, address="100 Lee St SW")
    outside = new_case(portal_app, lat=33.7700, long=-84.4200, address="900 Lee St SW")
    status, html = around(portal_app, "lat=33.760&long=-84.420&radius=500")
    assert (status, listed(html)) == (200, [nearest, farther])
    assert outside not in html


def test_closed_cases_are_not_listed(portal_app):
    # Inman Park: 33.770, -84.360
    open_case = new_case(portal_app, lat=33.7701, long=-84.3600, address="10 Euclid Ave NE")
    closed = new_case(portal_app, lat=33.7702, long=-84.3600, address="12 Euclid Ave NE")
    with session_for(portal_app) as session:
        find_case(session, closed).status = "closed"
        session.commit()
    _, html = around(portal_app, "lat=33.770&long=-84.360")
    assert listed(html) == [open_case]


def test_a_private_service_is_never_listed_nor_drawn(portal_app):
    # Berkeley Park: 33.800, -84.400
    private = new_case(portal_app, "general_inquiry", lat=33.8001, long=-84.4000,
                       address="1700 Northside Dr NW", attributes={})
    _, html = around(portal_app, "lat=33.800&long=-84.400")
    assert (listed(html), private in html, "NORTHSIDE" in html.upper()) == ([], False, False)


def test_a_block_precision_case_shows_its_hundred_block_and_rounded_point(portal_app):
    # Capitol View: 33.720, -84.400
    portal_app.config["MAP_TILE_URL"] = "https://tiles.example.org/{z}/{x}/{y}.png"
    try:
        number = new_case(portal_app, "missed_recycling", lat=33.72046, long=-84.40012,
                          address="1234 Dill Ave SW Apt 5", attributes={"pickup_day": "monday"})
        _, html = around(portal_app, "lat=33.720&long=-84.400")
    finally:
        portal_app.config["MAP_TILE_URL"] = None
    points = json.loads(POINTS.search(html).group(1))
    assert [(p["lat"], p["long"], p["url"]) for p in points] == [
        (33.72, -84.4, f"/cases/{number}")]
    assert "1200 BLOCK OF DILL AVE SW" in html
    assert ("1234" in html, "APT 5" in html.upper(), "33.72046" in html) == (False, False, False)


def test_distance_is_measured_from_the_public_point_not_the_stored_one(portal_app):
    # Stored 232 m east of the centre, shown (rounded) 277 m east: outside a 250 m radius,
    # so moving the centre about cannot find the stored point.
    number = new_case(portal_app, "missed_recycling", lat=33.7500, long=-84.44749,
                      address="10 Westview Dr SW", attributes={"pickup_day": "friday"})
    _, html = around(portal_app, "lat=33.750&long=-84.450&radius=250")
    assert number not in listed(html)


def test_the_page_shows_no_personal_data_or_description(portal_app):
    # Buckhead: 33.830, -84.370
    email = unique_email("private.person")
    number = new_case(portal_app, lat=33.8301, long=-84.3700, address="3000 Piedmont Rd NE",
                      description="My neighbour Jane Roe left it",
                      requester={"name": "Jane Resident", "email": email,
                                 "phone": "+14045550199"})
    _, html = around(portal_app, "lat=33.830&long=-84.370")
    assert listed(html) == [number]
    leaks = [t for t in ("Jane", email, "4045550199", "neighbour") if t in html]
    assert leaks == []


def test_results_come_twenty_a_page(portal_app):
    # Adair Park: 33.700, -84.420
    numbers = [new_case(portal_app, lat=33.7000 + i * 0.00001, long=-84.4200,
                        address=f"{100 + i} Murphy Ave SW") for i in range(PAGE_SIZE + 1)]
    _, first = around(portal_app, "lat=33.700&long=-84.420")
    _, second = around(portal_app, "lat=33.700&long=-84.420&page=2")
    assert (len(listed(first)), listed(second)) == (PAGE_SIZE, [numbers[-1]])
    assert 'rel="next"' in first


@pytest.mark.parametrize(("odd", "long"), [("\u2460", -84.38), ("\u00b2", -84.41),
                                           ("9" * 3_000, -84.44)],
                         ids=["circled_one", "superscript_two", "over_long"])
def test_a_page_or_radius_in_other_digits_falls_back_to_the_defaults(portal_app, odd, long):
    # str.isdigit() takes "①" and "²" but int() does not: read as no page, no radius.
    near = new_case(portal_app, lat=33.8601, long=long + 0.0001, address="10 Odd Digits Way SW")
    query = {"lat": "33.860", "long": f"{long:.3f}", "page": odd, "radius": odd}
    response = portal_app.test_client().get("/around", query_string=query)
    status, html = response.status_code, response.get_data(as_text=True)
    assert (status, listed(html)) == (200, [near])


def test_an_unreadable_place_is_a_400_with_the_form(portal_app):
    status, html = around(portal_app, "lat=north&long=-84.4")
    assert status == 400
    assert "That place could not be read" in html


def test_the_page_speaks_spanish(portal_app):
    _, html = around(portal_app, "lat=33.760&long=-84.420&lang=es")
    assert "<h1>Solicitudes abiertas por aquí</h1>" in html


def test_the_page_counts_against_the_lookup_limit(make_database_url, tmp_path):
    from casestore.migrate import upgrade_database

    url = make_database_url("aroundlimit")
    upgrade_database(url)
    app = build_app(url, str(tmp_path), RATELIMIT_ENABLED=True, LOOKUP_RATE_LIMIT="2 per hour",
                    RATELIMIT_KEY_PREFIX=f"casestore-test-{uuid.uuid4().hex}", REDIS_URL=None)
    client = app.test_client()
    codes = [client.get("/around?lat=33.760&long=-84.420").status_code for _ in range(3)]
    app.extensions["casestore.engine"].dispose()
    assert codes == [200, 200, 429]


def test_a_known_address_is_the_place(portal_app):
    # 500 Edgewood Ave NE is in the City's address points (config/address_points.csv).
    near = new_case(portal_app, lat=33.7546, long=-84.3709, address="502 Edgewood Ave NE")
    _, html = around(portal_app, "address=500+edgewood+ave")
    assert ("Around 500 Edgewood Ave NE." in html, listed(html)) == (True, [near])


def test_an_unknown_address_says_so(portal_app):
    status, html = around(portal_app, "address=1+Nowhere+Lane")
    assert (status, listed(html)) == (200, [])
    assert '"1 Nowhere Lane" is not among the addresses this page knows.' in html
