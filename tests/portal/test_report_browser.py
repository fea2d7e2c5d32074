"""The web form /report in a real browser: a resident reports a problem from start to end.

Headless Debian Chromium through Playwright against the case store served over
HTTP (``live_casestore``), with JavaScript and without it, on a desktop window
and a 375 px phone. Each report ends with the case in the case store and the
opened email delivered by the notifier to a real SMTP server (aiosmtpd). The
pages' own Content-Security-Policy is in force except for the axe checks,
which inject axe-core. Maps draw tiles from the local ``tile_server``.
"""

from __future__ import annotations

import random
import uuid

import pytest
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import select

from casestore.models import Case, Follower, Photo, utcnow
from casestore.notifier import deliver_due
from tests.fixtures.browser import serious_violations
from tests.fixtures.portal import new_case, session_for, unique_email
from tests.fixtures.tiles import tile_server  # noqa: F401  (fixture)

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 740}
# Inside the city limits, kilometres apart: "use my location" reports Downtown, the
# accessibility walk's earlier case is in Buckhead (the map's pin lands mid-city).
DOWNTOWN = (33.7541, -84.3902)
BUCKHEAD = (33.8200, -84.3700)


@pytest.fixture(scope="module", autouse=True)
def quick_hands(live_casestore):
    """Playwright fills a form in well under the minimum fill time a person needs."""
    live_casestore.app.config["REPORT_MIN_FILL_SECONDS"] = 0


@pytest.fixture()
def smtp(smtp_server, live_casestore):
    """The live case store sends its email to a running SMTP server for this test."""
    smtp_server.start()
    live_casestore.app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server.port)
    yield smtp_server
    live_casestore.app.config.update(SMTP_HOST=None)


@pytest.fixture()
def maps_on(live_casestore, tile_server):  # noqa: F811
    live_casestore.app.config.update(MAP_TILE_URL=tile_server.template,
                                     MAP_ATTRIBUTION="Test tiles")
    yield tile_server
    live_casestore.app.config.update(MAP_TILE_URL=None, MAP_ATTRIBUTION=None)


@pytest.fixture()
def photo(tmp_path):
    """A small JPEG, as a phone would take."""
    path = tmp_path / "pothole.jpg"
    Image.new("RGB", (640, 480), (90, 90, 90)).save(path, "JPEG")
    return path


# Every house number once per test run: two tests at one address would meet the
# form's "already reported here?" step (random numbers collided once in a CI run).
_HOUSES = iter(random.Random(uuid.uuid4().int).sample(range(1000, 10000), 9000))


def an_address() -> str:
    """A street address no other test reports at."""
    return f"{next(_HOUSES)} Ralph David Abernathy Blvd SW"


def new_page(browser, *, javascript: bool = True, viewport: dict = DESKTOP, **context):
    return browser.new_context(java_script_enabled=javascript, viewport=viewport,
                               **context).new_page()


def submit(page, locator) -> None:
    with page.expect_navigation():
        locator.click()


def choose_pothole(page, server, javascript: bool) -> None:
    """Step 1: search the list for the service and open it."""
    page.goto(f"{server.url}/report")
    page.fill("#q", "pothole")
    if javascript:
        expect(page.locator("#service-count")).to_have_text("1 service matches.")
    else:
        submit(page, page.get_by_role("button", name="Search"))
    submit(page, page.get_by_role("link", name="Pothole", exact=True))


def fill_report(page, address: str, email: str) -> None:
    page.get_by_label("Large").check()
    page.get_by_label("Yes").check()
    page.fill("#address", address)
    page.fill("#description", "Deep hole in the right lane")
    page.fill("#email", email)


def filed_case(app, address: str) -> Case:
    with session_for(app) as session:
        return session.execute(select(Case).where(Case.address == address)).scalar_one()


def opened_subjects(app, smtp, email: str) -> list[str]:
    """Run the notifier once and return the subjects of the emails ``email`` received."""
    with app.app_context():
        deliver_due(utcnow())
    return [m["Subject"] for m in smtp.inbox.to(email)]


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "375px"])
@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_a_resident_reports_a_pothole_with_a_photo_and_gets_the_opened_email(
        chromium, live_casestore, smtp, photo, javascript, viewport):
    server, address, email = live_casestore, an_address(), unique_email()
    page = new_page(chromium, javascript=javascript, viewport=viewport)
    choose_pothole(page, server, javascript)
    fill_report(page, address, email)
    page.set_input_files("#photos", str(photo))
    submit(page, page.get_by_role("button", name="Send the report"))

    shown = page.locator(".case-number").inner_text()
    case = filed_case(server.app, address)
    with session_for(server.app) as session:
        photos = session.execute(select(Photo.source).where(Photo.case_id == case.id)) \
            .scalars().all()
    assert shown == f"{case.number[:2]}-{case.number[2:]}"
    assert (case.service_code, case.channel, case.attributes, case.requester_email, photos) == \
        ("pothole", "web_form", {"size": "large", "in_travel_lane": "yes"}, email, ["form"])
    assert opened_subjects(server.app, smtp, email) == [f"ATL311 case {shown} received: Pothole"]


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_no_page_of_the_form_is_wider_than_a_375px_phone(chromium, live_casestore, javascript):
    server = live_casestore
    page = new_page(chromium, javascript=javascript, viewport=PHONE)
    widths = {}
    for path in ("/report", "/report/pothole"):
        page.goto(server.url + path)
        widths[path] = page.evaluate("document.documentElement.scrollWidth")
    submit(page, page.get_by_role("button", name="Send the report"))  # the page with errors
    widths["errors"] = page.evaluate("document.documentElement.scrollWidth")
    assert widths == {"/report": 375, "/report/pothole": 375, "errors": 375}


def test_keyboard_alone_is_enough_to_report(chromium, live_casestore):
    server, address = live_casestore, an_address()
    page = new_page(chromium)
    page.goto(f"{server.url}/report")

    def tab_to(selector: str) -> None:
        for _ in range(80):
            page.keyboard.press("Tab")
            if page.evaluate("(s) => document.activeElement.matches(s)", selector):
                return
        raise AssertionError(f"Tab never reached {selector}")

    tab_to("#q")
    page.keyboard.type("pothole")
    expect(page.locator("#service-count")).to_have_text("1 service matches.")
    tab_to("a[href$='/report/pothole']")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    tab_to("#attr_size-0")
    page.keyboard.press("ArrowDown")  # Small -> Medium: arrows move within a radio group
    tab_to("#attr_in_travel_lane-0")
    page.keyboard.press("Space")
    tab_to("#address")
    page.keyboard.type(address)
    tab_to("#submit")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    case = filed_case(server.app, address)
    assert case.attributes == {"size": "medium", "in_travel_lane": "yes"}


def test_use_my_location_files_the_device_position(chromium, live_casestore):
    server = live_casestore
    lat, long = DOWNTOWN[0] + uuid.uuid4().int % 1000 / 1e6, DOWNTOWN[1]
    page = new_page(chromium, geolocation={"latitude": lat, "longitude": long},
                    permissions=["geolocation"])
    page.goto(f"{server.url}/report/pothole")
    page.get_by_label("Large").check()
    page.get_by_label("No").check()
    page.get_by_role("button", name="Use my location").click()
    expect(page.locator("#report-pin-source")).to_have_value("device")
    assert page.locator("#locate-status").inner_text() == \
        f"Your location is set: latitude {lat:.6f}, longitude {long:.6f}."
    submit(page, page.get_by_role("button", name="Send the report"))
    with session_for(server.app) as session:
        case = session.execute(select(Case).where(Case.lat == round(lat, 6))).scalar_one()
    assert (case.long, case.location_source, case.address) == (round(long, 6), "device", None)


def test_a_pin_on_the_map_files_the_point_the_resident_chose(chromium, live_casestore, maps_on):
    server = live_casestore
    page = new_page(chromium)
    page.goto(f"{server.url}/report/pothole")
    page.get_by_label("Small").check()
    page.get_by_label("No").check()
    page.wait_for_selector("#report-pin img.leaflet-tile-loaded")
    page.locator("#report-pin").click()
    expect(page.locator("#report-pin-source")).to_have_value("resident_pin")
    lat = float(page.input_value("#report-pin-lat"))
    long = float(page.input_value("#report-pin-long"))
    submit(page, page.get_by_role("button", name="Send the report"))
    with session_for(server.app) as session:
        case = session.execute(select(Case).where(Case.lat == lat, Case.long == long)) \
            .scalar_one()
    assert (case.service_code, case.location_source) == ("pothole", "resident_pin")


def test_address_suggestions_come_from_the_places_endpoint(chromium, live_casestore):
    server = live_casestore
    page = new_page(chromium)
    page.goto(f"{server.url}/report/pothole")
    expected = page.request.get(f"{server.url}/api/v1/places/suggest?q=55%20Trin&limit=5").json()
    page.locator("#address").press_sequentially("55 Trin")
    expect(page.locator("#address-suggestions option")).to_have_count(len(expected["suggestions"]))
    options = page.eval_on_selector_all("#address-suggestions option", "os => os.map(o => o.value)")
    assert options == [s["label"] for s in expected["suggestions"]] == ["55 Trinity Ave SW"]


def test_without_javascript_a_resident_follows_the_open_case_nearby_instead(chromium,
                                                                            live_casestore):
    server, address, email = live_casestore, an_address(), unique_email()
    earlier = new_case(server.app, address=address)
    page = new_page(chromium, javascript=False)
    page.goto(f"{server.url}/report/pothole")
    fill_report(page, address, email)
    submit(page, page.get_by_role("button", name="Send the report"))
    assert page.locator("h1").inner_text() == "Is one of these your problem?"
    page.get_by_label(f"Case {earlier[:2]}-{earlier[2:]}").check()
    submit(page, page.get_by_role("button", name="Follow this case"))
    assert page.locator("h1").inner_text() == f"You follow case {earlier[:2]}-{earlier[2:]}"
    with session_for(server.app) as session:
        cases = session.execute(select(Case.number).where(Case.address == address)).scalars()
        followers = session.execute(select(Follower.email).join(Case)
                                    .where(Case.number == earlier)).scalars().all()
        assert (list(cases), followers) == ([earlier], [email])


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "375px"])
def test_every_page_of_the_form_has_no_serious_accessibility_violations(
        chromium, live_casestore, maps_on, viewport):
    server, address = live_casestore, an_address()
    earlier = new_case(server.app, address=address, lat=BUCKHEAD[0], long=BUCKHEAD[1])
    page = new_page(chromium, viewport=viewport, bypass_csp=True)
    found = {}

    def check(name: str) -> None:
        problems = serious_violations(page)
        if problems:
            found[name] = problems

    page.goto(f"{server.url}/report")
    check("choose")
    page.goto(f"{server.url}/report?q=zzzz")
    check("no match")
    page.goto(f"{server.url}/report/pothole")
    page.wait_for_selector("#report-pin img.leaflet-tile-loaded")
    check("form with map")
    submit(page, page.get_by_role("button", name="Send the report"))
    check("form with errors")
    fill_report(page, address, unique_email())
    submit(page, page.get_by_role("button", name="Send the report"))
    page.wait_for_selector("#nearby-map .leaflet-marker-icon")
    check("nearby cases with map")
    page.get_by_label(f"Case {earlier[:2]}-{earlier[2:]}").check()
    submit(page, page.get_by_role("button", name="Follow this case"))
    check("followed")
    page.goto(f"{server.url}/report/pothole")
    fill_report(page, an_address(), unique_email())
    submit(page, page.get_by_role("button", name="Send the report"))
    check("filed")
    assert page.url.endswith("/report/filed") and found == {}
