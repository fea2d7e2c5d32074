"""Maps in a real browser: tiles from a local tile server, markers, clusters, privacy, fallbacks.

The case store is served over HTTP (``live_casestore``) and headless Chromium
loads its pages; ``MAP_TILE_URL`` points at ``tile_server`` on 127.0.0.1,
which records every tile asked for. The pages' own Content-Security-Policy is
in force (except for the axe checks, which inject axe-core), so a tile or a
script the policy refuses shows up as a console error. The queue map's
staff-only data is checked with Flask's test client.
"""

from __future__ import annotations

import json
import re
import threading

import pytest
from flask import Blueprint, render_template_string
from werkzeug.serving import make_server

from casestore.pages import guard_pages
from tests.fixtures.browser import LiveServer, serious_violations
from tests.fixtures.portal import PortalClient, make_portal_app, new_case, unique_email
from tests.fixtures.tiles import tile_server  # noqa: F401  (fixture)
from tests.portal.test_browser import staff_page

# Grant Park (Boulevard SE): the cases of the pages under test.
HERE = (33.74012, -84.37988)
CLERK = "clerk.dot@atl311.example.org"
AGENT = "agent@atl311.example.org"  # sees every department's cases


@pytest.fixture()
def maps_on(live_casestore, tile_server):  # noqa: F811
    """Maps drawn with the local tile server; its record starts empty."""
    live_casestore.app.config.update(MAP_TILE_URL=tile_server.template,
                                     MAP_ATTRIBUTION="Test tiles")
    tile_server.requests.clear()
    yield tile_server
    live_casestore.app.config.update(MAP_TILE_URL=None, MAP_ATTRIBUTION=None)


@pytest.fixture()
def maps_off(live_casestore):
    """No tile URL: the pages show the address and the outside link."""
    live_casestore.app.config.update(MAP_TILE_URL=None, MAP_ATTRIBUTION=None)
    yield


def watched(page) -> list[str]:
    """Collect the page's script errors and console errors (a refused tile or script is one)."""
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))


    def console(msg) -> None:
        # The browser's own favicon request (the app has none) is not the page's doing.
        if msg.type == "error" and not msg.location.get("url", "").endswith("/favicon.ico"):
            errors.append(msg.text)

    page.on("console", console)
    return errors


def visitor(browser, bypass_csp: bool = False):
    return browser.new_context(bypass_csp=bypass_csp).new_page()


def pothole_here(app, **fields) -> str:
    return new_case(app, lat=HERE[0], long=HERE[1], address="412 Boulevard SE", **fields)


def recycling_here(app) -> str:
    """A block-precision service: its public point is rounded to 3 decimals."""
    return new_case(app, "missed_recycling", lat=33.74123, long=-84.38044,
                    address="420 Boulevard SE Apt 3", attributes={"pickup_day": "monday"})


# --- The portal case page ---------------------------------------------------------------


def test_portal_case_page_loads_tiles_from_the_tile_server_and_shows_the_marker(
        chromium, live_casestore, maps_on):
    number = pothole_here(live_casestore.app)
    page = staff_page(chromium, live_casestore, CLERK)
    errors = watched(page)
    page.goto(f"{live_casestore.url}/portal/cases/{number}")
    page.wait_for_selector("#case-map img.leaflet-tile-loaded")
    marker = page.locator("#case-map .leaflet-marker-icon")
    assert (marker.count(), marker.get_attribute("alt")) == (1, "412 BOULEVARD SE")
    assert maps_on.zooms() == {17}
    assert page.locator("#case-map .leaflet-control-attribution").inner_text().endswith(
        "Test tiles")
    assert errors == []


# --- The queue map ----------------------------------------------------------------------


def test_queue_map_clusters_the_filtered_cases_only(chromium, live_casestore, maps_on):
    app = live_casestore.app
    street = "Clustermap"
    shown = [new_case(app, lat=33.7480 + i * 0.00005, long=-84.3880,
                      address=f"{10 + i} {street} St") for i in range(3)]
    other_service = new_case(app, "missed_recycling", lat=33.7481, long=-84.3881,
                             address=f"20 {street} St", attributes={"pickup_day": "monday"})
    page = staff_page(chromium, live_casestore, AGENT)
    errors = watched(page)
    page.goto(f"{live_casestore.url}/portal/map?q={street}&service=pothole")
    page.wait_for_selector("#queue-map .marker-cluster")
    points = json.loads(page.locator("#queue-map").get_attribute("data-points"))
    assert sorted(p["url"].rsplit("/", 1)[1] for p in points) == sorted(shown)
    assert page.locator("#queue-map .marker-cluster").inner_text() == "3"
    assert other_service not in page.content()
    assert errors == []


def test_queue_and_map_tabs_keep_the_filters(chromium, live_casestore, maps_on):
    page = staff_page(chromium, live_casestore, CLERK)
    page.goto(f"{live_casestore.url}/portal/?service=pothole&status=new")
    with page.expect_navigation():
        page.get_by_role("link", name="Map", exact=True).click()
    assert page.url == f"{live_casestore.url}/portal/map?service=pothole&status=new"


# --- The public case page ---------------------------------------------------------------


def test_public_case_page_shows_the_rounded_point_as_a_circle(chromium, live_casestore,
                                                              maps_on):
    number = recycling_here(live_casestore.app)
    page = visitor(chromium)
    errors = watched(page)
    page.goto(f"{live_casestore.url}/cases/{number}")
    page.wait_for_selector("#case-map path.map-precision")
    shown = page.locator("#case-map")
    assert (shown.get_attribute("data-lat"), shown.get_attribute("data-long"),
            shown.get_attribute("data-radius")) == ("33.741", "-84.38", "100")
    assert page.locator("#case-map .leaflet-marker-icon").count() == 0
    assert "33.74123" not in page.content() and "APT 3" not in page.content()
    assert errors == []


def test_public_case_page_of_a_private_service_has_no_map_and_no_place(chromium,
                                                                       live_casestore, maps_on):
    number = new_case(live_casestore.app, "general_inquiry", lat=33.7405, long=-84.3801,
                      address="430 Boulevard SE", attributes={})
    page = visitor(chromium)
    page.goto(f"{live_casestore.url}/cases/{number}")
    content = page.content()
    assert page.locator("[data-map]").count() == 0
    assert ("leaflet" in content, "430" in content, "33.74" in content) == (False, False, False)


# --- Around here ------------------------------------------------------------------------


def test_around_here_lists_nearby_open_public_cases_only(chromium, live_casestore, maps_on):
    app = live_casestore.app
    # Midtown, away from the other tests' cases.
    near = new_case(app, lat=33.78410, long=-84.38320, address="1000 Peachtree St NE")
    private = new_case(app, "general_inquiry", lat=33.78420, long=-84.38330,
                       address="1010 Peachtree St NE", attributes={})
    far = new_case(app, lat=33.80500, long=-84.38800, address="2000 Peachtree Rd NE")
    page = visitor(chromium)
    errors = watched(page)
    page.goto(f"{live_casestore.url}/around?lat=33.784&long=-84.383&radius=500")
    page.wait_for_selector("#around-map .leaflet-marker-icon, #around-map .marker-cluster")
    links = page.locator(".around-case a").evaluate_all("els => els.map(e => e.pathname)")
    assert links == [f"/cases/{near}"]
    assert private not in page.content() and far not in page.content()
    assert errors == []


# --- Without a tile URL -----------------------------------------------------------------


@pytest.mark.parametrize("path", ["/portal/cases/{number}", "/cases/{number}",
                                  "/around?lat=33.740&long=-84.380", "/portal/map"])
def test_without_a_tile_url_pages_show_the_place_as_text_and_run_no_script(
        chromium, live_casestore, maps_off, path):
    number = pothole_here(live_casestore.app)
    page = staff_page(chromium, live_casestore, CLERK)
    errors = watched(page)
    page.goto(live_casestore.url + path.format(number=number))
    assert (page.locator("[data-map]").count(), page.locator("script").count()) == (0, 0)
    assert errors == []


def test_without_a_tile_url_the_case_page_links_to_an_outside_map(chromium, live_casestore,
                                                                  maps_off):
    number = pothole_here(live_casestore.app)
    page = staff_page(chromium, live_casestore, CLERK)
    page.goto(f"{live_casestore.url}/portal/cases/{number}")
    link = page.get_by_role("link", name="Open in a map (external site)")
    assert link.get_attribute("href") == (
        "https://www.openstreetmap.org/?mlat=33.74012&mlon=-84.37988#map=18/33.74012/-84.37988")
    assert "Latitude 33.74012, longitude -84.37988." in page.locator(".map-text").inner_text()


# --- Accessibility ----------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/portal/cases/{number}", "/portal/map", "/cases/{number}",
                                  "/cases/{block}", "/around?lat=33.740&long=-84.380"])
def test_map_pages_have_no_serious_accessibility_violations(chromium, live_casestore, maps_on,
                                                            path):
    number, block = pothole_here(live_casestore.app), recycling_here(live_casestore.app)
    page = staff_page(chromium, live_casestore, CLERK, bypass_csp=True)
    page.goto(live_casestore.url + path.format(number=number, block=block))
    page.wait_for_selector(".leaflet-container")
    assert serious_violations(page) == []


# --- Policy and staff-only data (Flask test client) --------------------------------------


def _csp(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return {d.split()[0]: d for d in (p.strip() for p in policy.split(";"))}


def test_a_page_with_a_map_allows_its_own_scripts_and_the_tile_host_only(live_casestore,
                                                                          maps_on):
    number = pothole_here(live_casestore.app)
    response = live_casestore.app.test_client().get(f"/cases/{number}")
    csp = _csp(response)
    assert (csp["script-src"], csp["img-src"]) == (
        "script-src 'self'", f"img-src 'self' https: data: {maps_on.origin}")


def test_a_page_without_a_map_keeps_the_no_script_policy(live_casestore, maps_on):
    response = live_casestore.app.test_client().get("/account/login")
    csp = _csp(response)
    assert ("script-src" in csp, csp["img-src"]) == (False, "img-src 'self' https: data:")


def test_the_queue_map_needs_a_signed_in_staff_member(live_casestore):
    response = live_casestore.app.test_client().get("/portal/map")
    assert (response.status_code, response.headers["Location"].split("?")[0]) == (
        302, "/portal/login")


def test_the_queue_map_of_a_department_clerk_holds_their_departments_cases_only(
        live_casestore, maps_on):
    app = live_casestore.app
    street = "Scopemap"
    dot = new_case(app, lat=33.7530, long=-84.3900, address=f"1 {street} Ave")
    dpw = new_case(app, "missed_recycling", lat=33.7531, long=-84.3901,
                   address=f"2 {street} Ave", attributes={"pickup_day": "monday"},
                   requester={"email": unique_email()})
    clerk = PortalClient(app)
    clerk.sign_in_staff(CLERK)
    html = clerk.get(f"/portal/map?q={street}").get_data(as_text=True)
    points = json.loads(re.search(r"data-points='([^']*)'", html).group(1).replace("&#39;", "'"))
    assert [p["url"] for p in points] == [f"/portal/cases/{dot}"]
    assert dpw not in html


# --- The pin picker (the /report form's; here on a page of its own) ----------------------

PICKER_PAGE = """{% extends "base.html" %}{% from "_map.html" import pin_picker %}
{% block content %}<h1>Pin test</h1><form method="post">
<div class="field"><label for="address">Address</label>
<input type="text" id="address" name="address"></div>
{{ pin_picker(id='pin') }}</form>{% endblock %}"""


@pytest.fixture(scope="module")
def picker_server(make_database_url, tmp_path_factory, tile_server):  # noqa: F811
    """A case store with one more page, a form holding the pin picker, served over HTTP."""
    app = make_portal_app(make_database_url("picker"), str(tmp_path_factory.mktemp("picker")),
                          MAP_TILE_URL=tile_server.template, MAP_ATTRIBUTION="Test tiles")
    bp = Blueprint("picker_test", __name__)
    guard_pages(bp)  # the pages' headers, Content-Security-Policy included
    bp.add_url_rule("/picker-test", "page", lambda: render_template_string(PICKER_PAGE))
    app.register_blueprint(bp)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveServer(app, f"http://127.0.0.1:{server.server_port}")
    server.shutdown()
    thread.join()
    app.extensions["casestore.engine"].dispose()


def picker_page(browser, server, bypass_csp: bool = False):
    page = visitor(browser, bypass_csp)
    errors = watched(page)
    page.goto(f"{server.url}/picker-test")
    page.wait_for_selector("#pin img.leaflet-tile-loaded")
    return page, errors


def pin_inputs(page) -> tuple[str, str, str]:
    return tuple(page.locator(f"#pin-{name}").input_value() for name in ("lat", "long", "source"))


def test_clicking_the_map_puts_the_pin_in_the_hidden_inputs(chromium, picker_server):
    page, errors = picker_page(chromium, picker_server)
    page.locator("#pin").click()
    lat, long, source = pin_inputs(page)
    assert source == "resident_pin"
    assert page.locator("#pin-status").inner_text() == (
        f"Pin placed at latitude {lat}, longitude {long}.")
    assert errors == []


def test_enter_on_the_focused_map_drops_the_pin_at_its_centre(chromium, picker_server):
    page, _ = picker_page(chromium, picker_server)
    page.locator("#pin").focus()
    page.keyboard.press("Enter")
    assert (page.locator("#pin .leaflet-marker-icon").count(), pin_inputs(page)[2]) == (
        1, "resident_pin")


def test_the_remove_button_shows_only_once_a_pin_is_placed(chromium, picker_server):
    # style.css's [hidden] rule: a button's display: inline-block must not beat the attribute.
    page, _ = picker_page(chromium, picker_server)
    before = page.locator("#pin-clear").is_visible()
    page.locator("#pin").click()
    assert (before, page.locator("#pin-clear").is_visible()) == (False, True)


def test_removing_the_pin_empties_the_inputs(chromium, picker_server):
    page, _ = picker_page(chromium, picker_server)
    page.locator("#pin").click()
    page.get_by_role("button", name="Remove the pin").click()
    assert (pin_inputs(page), page.locator("#pin .leaflet-marker-icon").count()) == (
        ("", "", ""), 0)


def test_another_script_can_move_the_pin(chromium, picker_server):
    page, _ = picker_page(chromium, picker_server)
    page.evaluate("""document.getElementById('pin').dispatchEvent(new CustomEvent('pin:set',
        {detail: {lat: 33.75, long: -84.39, source: 'device'}}))""")
    assert pin_inputs(page) == ("33.750000", "-84.390000", "device")


def test_the_pin_picker_has_no_serious_accessibility_violations(chromium, picker_server):
    page, _ = picker_page(chromium, picker_server, bypass_csp=True)
    page.locator("#pin").click()
    assert serious_violations(page) == []
