"""Staff publish a resident's note or photo through the API; nearby skips private services.

``PATCH /api/v1/cases/<n>/activities/<id>`` and ``PATCH /api/v1/cases/<n>/media/<photo>``
with ``{"public": true|false}`` (staff who may see the case). The anonymous views then
show the note's text and the photo's link, and stop showing them when made private.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from casestore.models import Activity, Case
from tests.fixtures.casestore import file_case, session_for

OPEN311 = "/open311/v2/requests"
NOTE = "The hole is now 40 cm wide and filled with water"
PHOTO_1 = "https://api.twilio.com/Accounts/ACpub1/Messages/MM1/Media/ME1"
PHOTO_2 = "https://api.twilio.com/Accounts/ACpub1/Messages/MM1/Media/ME2"


def _pothole(service) -> tuple[str, int]:
    """File a pothole with two photos and a resident's note; return (number, note id)."""
    number = file_case(service, media_urls=[PHOTO_1, PHOTO_2])["case_number"]
    added = service.post(f"/api/v1/cases/{number}/activities",
                         json={"kind": "info_added", "note": NOTE})
    assert added.status_code == 201, added.get_json()
    return number, added.get_json()["id"]


def _log(app, number: str) -> list[tuple]:
    """Return the case's made_public/made_private entries as (kind, author, public, data)."""
    with session_for(app) as session:
        case = session.execute(select(Case).where(Case.number == number)).scalar_one()
        rows = session.execute(select(Activity).where(
            Activity.case_id == case.id, Activity.kind.in_(("made_public", "made_private")),
        ).order_by(Activity.id)).scalars()
        return [(a.kind, a.author_name, a.public, a.note, a.data) for a in rows]


def _note_of(view_entries: list[dict], entry_id: int) -> str | None:
    return next((e["note"] for e in view_entries if e["id"] == entry_id), None)


def test_a_published_note_is_on_the_anonymous_case_and_timeline(cs_client, cs_service, cs_staff):
    number, entry = _pothole(cs_service)
    response = cs_staff["dept"].patch(f"/api/v1/cases/{number}/activities/{entry}",
                                      json={"public": True})
    assert response.status_code == 200
    assert (response.get_json()["public"], response.get_json()["note"]) == (True, NOTE)
    view = cs_client.get(f"/api/v1/cases/{number}").get_json()
    timeline = cs_client.get(f"/api/v1/cases/{number}/activities").get_json()["activities"]
    assert _note_of(view["timeline"], entry) == NOTE
    assert _note_of(timeline, entry) == NOTE
    assert [e["author"] for e in timeline if e["id"] == entry] == ["Resident"]


def test_a_published_note_is_in_open311_notes_and_updates(cs_app, cs_service, cs_staff):
    number, entry = _pothole(cs_service)
    cs_staff["agent"].patch(f"/api/v1/cases/{number}/activities/{entry}", json={"public": True})
    web = cs_app.test_client()
    record = web.get(f"{OPEN311}/{number}.json?extensions=true").get_json()[0]
    updates = web.get("/open311/v2/servicerequestupdates.json").get_json()
    assert [n["description"] for n in record["notes"] if n["type"] == "info_added"] == [NOTE]
    assert [u["description"] for u in updates if u["update_id"] == str(entry)] == [NOTE]


def test_an_unpublished_note_leaves_every_anonymous_view(cs_app, cs_client, cs_service, cs_staff):
    number, entry = _pothole(cs_service)
    path = f"/api/v1/cases/{number}/activities/{entry}"
    cs_staff["dept"].patch(path, json={"public": True})
    response = cs_staff["dept"].patch(path, json={"public": False})
    assert (response.status_code, response.get_json()["public"]) == (200, False)
    web = cs_app.test_client()
    for body in (cs_client.get(f"/api/v1/cases/{number}"),
                 cs_client.get(f"/api/v1/cases/{number}/activities"),
                 web.get(f"/cases/{number}"),
                 web.get(f"{OPEN311}/{number}.json?extensions=true")):
        assert NOTE not in body.get_data(as_text=True)
    timeline = cs_client.get(f"/api/v1/cases/{number}/activities").get_json()["activities"]
    assert [e["kind"] for e in timeline] == ["opened"]


def test_a_published_photo_is_the_only_photo_on_the_anonymous_views(cs_app, cs_client, cs_service,
                                                                    cs_staff):
    number, _ = _pothole(cs_service)
    response = cs_staff["dept"].patch(f"/api/v1/cases/{number}/media/2", json={"public": True})
    assert response.get_json() == {"photo": 2, "url": PHOTO_2, "public": True}
    record = cs_app.test_client().get(f"{OPEN311}/{number}.json?extensions=true").get_json()[0]
    assert cs_client.get(f"/api/v1/cases/{number}").get_json()["media_urls"] == [PHOTO_2]
    assert (record["media_url"], record["extended_attributes"]["photos"]) == (PHOTO_2, [PHOTO_2])
    page = cs_app.test_client().get(f"/cases/{number}").get_data(as_text=True)
    assert PHOTO_2 in page and PHOTO_1 not in page


def test_an_unpublished_photo_leaves_the_anonymous_views(cs_app, cs_client, cs_service, cs_staff):
    number, _ = _pothole(cs_service)
    cs_staff["dept"].patch(f"/api/v1/cases/{number}/media/1", json={"public": True})
    response = cs_staff["dept"].patch(f"/api/v1/cases/{number}/media/1", json={"public": False})
    assert response.get_json() == {"photo": 1, "url": PHOTO_1, "public": False}
    record = cs_app.test_client().get(f"{OPEN311}/{number}.json").get_json()[0]
    assert cs_client.get(f"/api/v1/cases/{number}").get_json()["media_urls"] == []
    assert record["media_url"] is None


def test_staff_see_which_photos_are_public(cs_service, cs_staff):
    number, _ = _pothole(cs_service)
    cs_staff["dept"].patch(f"/api/v1/cases/{number}/media/2", json={"public": True})
    view = cs_staff["dept"].get(f"/api/v1/cases/{number}").get_json()
    assert (view["media_urls"], view["public_photos"]) == ([PHOTO_1, PHOTO_2], [2])


def test_each_change_is_logged_as_an_internal_staff_entry_without_the_residents_words(
        cs_app, cs_service, cs_staff):
    number, entry = _pothole(cs_service)
    cs_staff["dept"].patch(f"/api/v1/cases/{number}/activities/{entry}", json={"public": True})
    cs_staff["dept"].patch(f"/api/v1/cases/{number}/media/1", json={"public": True})
    cs_staff["agent"].patch(f"/api/v1/cases/{number}/activities/{entry}", json={"public": False})
    assert _log(cs_app, number) == [
        ("made_public", "Test dept", False, "", {"activity_id": entry, "entry_kind": "info_added"}),
        ("made_public", "Test dept", False, "", {"photo": 1}),
        ("made_private", "Test agent", False, "", {"activity_id": entry,
                                                    "entry_kind": "info_added"}),
    ]


def test_asking_for_what_already_is_so_logs_nothing(cs_app, cs_service, cs_staff):
    number, entry = _pothole(cs_service)
    for _ in range(2):
        response = cs_staff["dept"].patch(f"/api/v1/cases/{number}/media/1",
                                          json={"public": True})
        assert response.status_code == 200
    assert [row[0] for row in _log(cs_app, number)] == ["made_public"]


def test_staff_of_another_department_get_404_and_nothing_changes(cs_app, cs_client, cs_service,
                                                                 cs_staff):
    number, entry = _pothole(cs_service)
    note = cs_staff["dept_dwm"].patch(f"/api/v1/cases/{number}/activities/{entry}",
                                      json={"public": True})
    photo = cs_staff["dept_dwm"].patch(f"/api/v1/cases/{number}/media/1", json={"public": True})
    assert (note.status_code, photo.status_code) == (404, 404)
    view = cs_client.get(f"/api/v1/cases/{number}").get_json()
    assert (_note_of(view["timeline"], entry), view["media_urls"]) == (None, [])
    assert _log(cs_app, number) == []


@pytest.mark.parametrize("who, status", [("anonymous", 401), ("service", 403)])
def test_only_staff_may_publish(cs_clients, cs_app, who, status):
    anonymous, service, _ = cs_clients
    number, entry = _pothole(service)
    client = anonymous if who == "anonymous" else service
    assert client.patch(f"/api/v1/cases/{number}/activities/{entry}",
                        json={"public": True}).status_code == status
    assert client.patch(f"/api/v1/cases/{number}/media/1",
                        json={"public": True}).status_code == status
    assert _log(cs_app, number) == []


def test_a_staff_entry_or_the_opened_entry_is_not_published_this_way(cs_app, cs_service,
                                                                     cs_staff):
    number, _ = _pothole(cs_service)
    staff_note = cs_staff["dept"].post(f"/api/v1/cases/{number}/activities", json={
        "kind": "inspection", "note": "Crew notes", "public": False}).get_json()["id"]
    response = cs_staff["dept"].patch(f"/api/v1/cases/{number}/activities/{staff_note}",
                                      json={"public": True})
    assert response.status_code == 422
    assert response.get_json()["fields"] == {
        "public": "only a resident's added information or reopening note is published this way"}
    assert _log(cs_app, number) == []


@pytest.mark.parametrize("body, status, fields", [
    ({"public": "yes"}, 400, {"public": "must be true or false"}),
    ({}, 422, {"public": "must be true or false"}),
    ({"public": True, "note": "edited"}, 422,
     {"note": "cannot be changed here; send only public"}),
])
def test_a_bad_body_gets_a_clear_answer_and_changes_nothing(cs_app, cs_service, cs_staff, body,
                                                            status, fields):
    number, entry = _pothole(cs_service)
    response = cs_staff["dept"].patch(f"/api/v1/cases/{number}/activities/{entry}", json=body)
    assert (response.status_code, response.get_json()["fields"]) == (status, fields)
    assert _log(cs_app, number) == []


@pytest.mark.parametrize("path", ["media/3", "media/0", "media/²", "activities/999999",
                                  "activities/abc"])
def test_an_unknown_photo_or_entry_is_404(cs_app, cs_service, cs_staff, path):
    number, _ = _pothole(cs_service)
    response = cs_staff["dept"].patch(f"/api/v1/cases/{number}/{path}", json={"public": True})
    assert response.status_code == 404
    assert _log(cs_app, number) == []


# --- "already reported nearby" ---------------------------------------------------


@pytest.fixture(scope="module")
def smoke_alarm(cs_clients) -> str:
    _, service, _ = cs_clients
    return file_case(service, service_code="smoke_alarm", description="Need two alarms",
                     address="88 Privateplace Ave SW", lat=33.7101, long=-84.4101,
                     attributes={"alarm_count": 2, "tenure": "renter"})["case_number"]


def test_the_service_tokens_nearby_search_leaves_out_private_services(cs_service, smoke_alarm):
    by_point = cs_service.get(
        "/api/v1/cases/nearby?service_code=smoke_alarm&lat=33.7101&long=-84.4101")
    by_address = cs_service.get(
        "/api/v1/cases/nearby?service_code=smoke_alarm&address=88 Privateplace Ave SW")
    assert (by_point.status_code, by_point.get_json()) == (200, {"cases": []})
    assert (by_address.status_code, by_address.get_json()) == (200, {"cases": []})


def test_staff_nearby_finds_a_private_case_without_its_address(cs_staff, smoke_alarm):
    found = cs_staff["agent"].get(
        "/api/v1/cases/nearby?service_code=smoke_alarm&lat=33.7101&long=-84.4101").get_json()
    mine = [c for c in found["cases"] if c["case_number"] == smoke_alarm]
    assert [(c["privacy"], c.get("address"), c.get("lat")) for c in mine] == [
        ("private", None, None)]
