"""One public view of a case: the same rules on every anonymous view.

Each rule is checked on each view that can show a case anonymously: the API
(``/api/v1/cases/<n>``), its timeline (``/activities``), the public page
(``/cases/<n>``), the reopen page, and Open311 in JSON and XML.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from casestore.account.tokens import reopen_token
from casestore.catalog import CatalogError, parse_catalog
from casestore.disclosure import block_address
from casestore.models import Case
from tests.fixtures.casestore import file_case, session_for

OPEN311 = "/open311/v2/requests"


def close(staff, number: str) -> None:
    response = staff.post(f"/api/v1/cases/{number}/activities",
                          json={"kind": "closed", "reason": "fixed", "comments": "Crew done."})
    assert response.status_code == 201, response.get_json()


def reopen_link(app, number: str) -> str:
    with session_for(app) as session:
        case = session.execute(select(Case).where(Case.number == number)).scalar_one()
        with app.app_context():
            return f"/cases/{number}/reopen?token={reopen_token(number, case.closed_at)}"


def anonymous_bodies(app, client, number: str, *, reopen: bool = False) -> dict[str, str]:
    """Return every anonymous view of the case as text, by view name."""
    web = app.test_client()
    bodies = {
        "api": client.get(f"/api/v1/cases/{number}"),
        "activities": client.get(f"/api/v1/cases/{number}/activities"),
        "page": web.get(f"/cases/{number}"),
        "open311 json": web.get(f"{OPEN311}/{number}.json?extensions=true"),
        "open311 xml": web.get(f"{OPEN311}/{number}.xml?extensions=true"),
        "open311 list": web.get(f"{OPEN311}.json?extensions=true&service_request_id={number}"),
    }
    if reopen:
        bodies["reopen page"] = web.get(reopen_link(app, number))
    for name, response in bodies.items():
        assert response.status_code == 200, name
    return {name: response.get_data(as_text=True) for name, response in bodies.items()}


# --- services about a person ---------------------------------------------------


@pytest.fixture(scope="module")
def water_bill(cs_app, cs_clients):
    _, service, staff = cs_clients
    case = file_case(service, service_code="water_bill", description="My bill doubled",
                     address="77 Quietplace Ave SW", lat=33.7401, long=-84.3901,
                     attributes={"account_number": "BBTEST-123"})
    note = staff["dept_dwm"].post(f"/api/v1/cases/{case['case_number']}/activities",
                                  json={"kind": "update", "note": "Meter re-read booked."})
    assert note.status_code == 201
    return case["case_number"]


def test_a_private_case_in_the_api_is_its_number_service_and_status(cs_client, water_bill):
    assert cs_client.get(f"/api/v1/cases/{water_bill}").get_json() == {
        "case_number": water_bill, "service_code": "water_bill",
        "service_name": "Water bill question", "privacy": "private", "status": "new",
        "status_label": "New", "url": f"http://casestore.test/cases/{water_bill}",
    }


def test_a_private_case_has_no_public_timeline(cs_client, water_bill):
    assert cs_client.get(f"/api/v1/cases/{water_bill}/activities").get_json() == {
        "activities": []}


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_private_case_in_open311_keeps_only_number_service_and_status(cs_app, water_bill, fmt):
    response = cs_app.test_client().get(f"{OPEN311}/{water_bill}.{fmt}?extensions=true")
    if fmt == "json":
        record = response.get_json()[0]
        shown = {k: v for k, v in record.items() if v not in (None, [])}
        assert shown == {"service_request_id": water_bill, "status": "open",
                         "service_name": "Water bill question", "service_code": "water_bill",
                         "extended_attributes": {"channel": None, "photos": [],
                                                 "duplicate_of": None, "language": None}}
    else:
        text = response.get_data(as_text=True)
        assert f"<service_request_id>{water_bill}</service_request_id>" in text
        assert "<status>open</status>" in text and "<agency_responsible />" in text


def test_a_private_case_shows_nothing_personal_on_any_view(cs_app, cs_client, cs_staff,
                                                           water_bill):
    close(cs_staff["dept_dwm"], water_bill)
    bodies = anonymous_bodies(cs_app, cs_client, water_bill, reopen=True)
    for name, body in bodies.items():
        for secret in ("BBTEST-123", "Quietplace", "QUIETPLACE", "33.74", "My bill doubled",
                       "Watershed", "Meter re-read", "Crew done"):
            assert secret not in body, (name, secret)
    assert "Water bill question" in bodies["page"] and "Closed" in bodies["page"]
    assert "Water bill question" in bodies["reopen page"]


def test_private_services_are_left_out_of_open311_lists_and_updates(cs_app, water_bill):
    web = cs_app.test_client()
    listed = web.get(f"{OPEN311}.json?service_code=water_bill").get_json()
    updates = web.get("/open311/v2/servicerequestupdates.json").get_json()
    assert listed == []
    assert [u for u in updates if u["service_request_id"] == water_bill] == []


def test_the_service_token_still_sees_the_report_but_not_the_address(cs_service, water_bill):
    view = cs_service.get(f"/api/v1/cases/{water_bill}").get_json()
    assert view["attributes"] == {"account_number": "BBTEST-123"}
    assert view["department_name"] == "Department of Watershed Management"
    assert view["address"] is None and view["lat"] is None


# --- attributes, residents' words, photos, authors --------------------------


@pytest.fixture(scope="module")
def graffiti(cs_app, cs_clients):
    """A public case with a free-text and a public list answer, a photo, a resident's note
    and a staff note."""
    _, service, staff = cs_clients
    number = file_case(service, service_code="graffiti", description="Tags on the bridge",
                       address="1 Peachtree St NE", lat=33.7551, long=-84.3885,
                       attributes={"surface": "my neighbour's garage at 12 Elm",
                                   "offensive": "no"},
                       media_urls=["https://api.twilio.com/Accounts/ACsecret99/Media/ME1"]
                       )["case_number"]
    added = service.post(f"/api/v1/cases/{number}/activities", json={
        "kind": "info_added", "note": "call me 404-555-0199", "public": True,
        "media_urls": ["https://api.twilio.com/Accounts/ACsecret99/Media/ME2"]})
    assert added.status_code == 201
    staffed = staff["agent"].post(f"/api/v1/cases/{number}/activities",
                                  json={"kind": "update", "note": "Crew scheduled Friday."})
    assert staffed.status_code == 201
    return number


def test_only_attributes_the_catalog_marks_public_are_shown(cs_client, graffiti):
    assert cs_client.get(f"/api/v1/cases/{graffiti}").get_json()["attributes"] == {
        "offensive": "no"}


def test_residents_words_photos_and_free_text_answers_are_on_no_public_view(
        cs_app, cs_client, graffiti):
    bodies = anonymous_bodies(cs_app, cs_client, graffiti)
    for name, body in bodies.items():
        for secret in ("555-0199", "ACsecret99", "12 Elm", "Test agent"):
            assert secret not in body, (name, secret)
        assert "Crew scheduled Friday." in body, name  # the City's note is public


def test_the_public_timeline_shows_city_entries_with_authors_by_role(cs_client, graffiti):
    entries = cs_client.get(f"/api/v1/cases/{graffiti}/activities").get_json()["activities"]
    assert [(e["kind"], e["note"], e["author"]) for e in entries] == [
        ("opened", "", "ATL311 assistant"),
        ("update", "Crew scheduled Friday.", "City staff"),
    ]
    assert cs_client.get(f"/api/v1/cases/{graffiti}").get_json()["timeline"] == entries


def test_the_public_view_names_no_photo(cs_client, graffiti):
    view = cs_client.get(f"/api/v1/cases/{graffiti}").get_json()
    assert view["media_urls"] == []
    assert view["latest_public_note"] == "Crew scheduled Friday."


def test_the_service_token_sees_the_residents_note_photos_and_answers(cs_service, graffiti):
    view = cs_service.get(f"/api/v1/cases/{graffiti}").get_json()
    assert view["attributes"]["surface"] == "my neighbour's garage at 12 Elm"
    assert len(view["media_urls"]) == 2
    notes = cs_service.get(f"/api/v1/cases/{graffiti}/activities").get_json()["activities"]
    assert [(n["kind"], n["note"], n["public"]) for n in notes if n["kind"] == "info_added"] == [
        ("info_added", "call me 404-555-0199", False)]


# --- the location at the service's precision ---------------------------------


@pytest.fixture(scope="module")
def missed_garbage(cs_app, cs_clients):
    _, service, _ = cs_clients
    return file_case(service, service_code="missed_garbage", description="Cart skipped",
                     address="412 Boulevard SE Apt 3", lat=33.740512, long=-84.371234,
                     attributes={"pickup_day": "thursday", "cart_out_by_7": "yes"}
                     )["case_number"]


def test_a_home_service_shows_its_hundred_block_in_the_api(cs_client, missed_garbage):
    view = cs_client.get(f"/api/v1/cases/{missed_garbage}").get_json()
    assert (view["address"], view["lat"], view["long"], view["address_precision"]) == (
        "400 BLOCK OF BOULEVARD SE", 33.741, -84.371, "block")


def test_a_home_service_shows_its_hundred_block_on_every_view(cs_app, cs_client, cs_staff,
                                                              missed_garbage):
    close(cs_staff["agent"], missed_garbage)
    bodies = anonymous_bodies(cs_app, cs_client, missed_garbage, reopen=True)
    for name in ("api", "page", "open311 json", "open311 xml", "reopen page"):
        assert "400 BLOCK OF BOULEVARD SE" in bodies[name], name
    for name, body in bodies.items():
        assert "412" not in body and "33.7405" not in body and "Apt" not in body, name


def test_a_place_service_shows_its_exact_address(cs_client, cs_service):
    number = file_case(cs_service)["case_number"]  # a pothole at 412 Boulevard SE
    view = cs_client.get(f"/api/v1/cases/{number}").get_json()
    assert (view["address"], view["lat"], view["address_precision"]) == (
        "412 BOULEVARD SE", 33.7405, "exact")


@pytest.mark.parametrize(("address", "block"), [
    ("412 Boulevard SE", "400 BLOCK OF BOULEVARD SE"),
    ("1250 peachtree st ne #4", "1200 BLOCK OF PEACHTREE ST NE"),
    ("55 Trinity Ave SW Unit 2B", "0 BLOCK OF TRINITY AVE SW"),
    ("Peachtree St and 10th St", "PEACHTREE ST AND 10TH ST"),
    ("", None),
])
def test_block_address(address, block):
    assert block_address(address) == block


# --- the catalog flags ----------------------------------------------------------

CATALOG = """
city: {name: Testville, short_name: TV, phone: "311", timezone: UTC, state: GA,
       city_names: [Testville], limits: city_limits.geojson}
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
        values: [{key: small, name: Small}]
"""


@pytest.mark.parametrize(("old", "new", "words"), [
    ("    target_days: 5\n", "    target_days: 5\n    privacy: secret\n",
     "privacy must be one of public, private"),
    ("    target_days: 5\n", "    target_days: 5\n    address_precision: street\n",
     "address_precision must be one of exact, block"),
    ("        values: [{key: small, name: Small}]\n",
     "        values: [{key: small, name: Small}]\n        public: true\n    privacy: private\n",
     "service 'pothole' is private: its attribute 'size' cannot be public"),
    ("        datatype: singlevaluelist\n        values: [{key: small, name: Small}]\n",
     "        datatype: string\n        public: true\n",
     "attribute 'size': only list attributes may be public"),
])
def test_catalog_check_refuses_privacy_flags_that_would_leak(old, new, words):
    with pytest.raises(CatalogError) as refused:
        parse_catalog(CATALOG.replace(old, new), "catalog.yml")
    assert words in str(refused.value)


def test_the_catalog_marks_services_about_people_private():
    from casestore.catalog import load_catalog
    from casestore.config import REPO_ROOT

    catalog = load_catalog(REPO_ROOT / "config" / "catalog.yml")
    assert {s.code for s in catalog.services.values() if s.private} == {
        "water_bill", "smoke_alarm", "encampment", "job_assistance", "business_license",
        "noise_complaint", "general_inquiry"}
