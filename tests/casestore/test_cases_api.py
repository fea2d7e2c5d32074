"""Creating and looking up cases through /api/v1: idempotency, privacy, scoping, bad input."""

from __future__ import annotations

import datetime as dt
import json
import threading
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from casestore.models import Activity, Case, OutboxMessage
from tests.fixtures.casestore import ApiClient, count, file_case, new_case_body, session_for

PRIVATE = ("Ada Resident", "ada.resident@example.com", "+14045550123", "4045550123")


def assert_no_private_data(response) -> None:
    text = response.get_data(as_text=True)
    for value in PRIVATE:
        assert value not in text


def test_creating_a_case_returns_201_with_number_routing_and_expected_date(cs_service):
    response = cs_service.post("/api/v1/cases", json=new_case_body())
    assert response.status_code == 201
    case = response.get_json()
    assert len(case["case_number"]) == 8 and case["case_number"].isdigit()
    assert response.headers["Location"].endswith(f"/api/v1/cases/{case['case_number']}")
    assert case["department"] == "ATLDOT"
    assert case["status"] == "new"
    assert case["address"] == "412 BOULEVARD SE"
    assert case["expected_at"] > case["created_at"]
    assert case["url"] == f"http://casestore.test/cases/{case['case_number']}"
    assert [e["kind"] for e in case["timeline"]] == ["opened"]
    assert_no_private_data(response)


def test_the_same_idempotency_key_never_makes_a_second_case(cs_app, cs_service):
    body = new_case_body(description="idempotent header")
    first = cs_service.post("/api/v1/cases", json=body, headers={"Idempotency-Key": "SM-abc-1"})
    again = cs_service.post("/api/v1/cases", json=body, headers={"Idempotency-Key": "SM-abc-1"})
    by_field = cs_service.post("/api/v1/cases", json={**body, "idempotency_key": "SM-abc-1"})
    assert first.status_code == 201
    assert again.status_code == 200 and by_field.status_code == 200
    assert again.get_json()["case_number"] == first.get_json()["case_number"]
    assert by_field.get_json()["case_number"] == first.get_json()["case_number"]
    assert count(cs_app, Case, Case.idempotency_key == "SM-abc-1") == 1


def test_concurrent_requests_with_one_key_make_one_case(cs_fresh_app):
    service = ApiClient(cs_fresh_app, "casestore-test-service-token")
    statuses: list[int] = []
    numbers: set[str] = set()
    barrier = threading.Barrier(6)
    lock = threading.Lock()

    def post() -> None:
        barrier.wait()
        response = service.post("/api/v1/cases", json=new_case_body(),
                                headers={"Idempotency-Key": "race-key"})
        with lock:
            statuses.append(response.status_code)
            numbers.add(response.get_json().get("case_number"))

    threads = [threading.Thread(target=post) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(statuses) == [200] * 5 + [201]
    assert len(numbers) == 1
    assert count(cs_fresh_app) == 1
    assert count(cs_fresh_app, Activity) == 1


@pytest.mark.parametrize("form", ["{n}", "{d}-{r}", "%23{n}", "ATL-{n}", "ATL311-{n}", "case {n}"])
def test_a_case_is_found_by_every_accepted_number_form(cs_client, cs_service, form):
    number = file_case(cs_service)["case_number"]
    path = form.format(n=number, d=number[:2], r=number[2:])
    response = cs_client.get(f"/api/v1/cases/{path}")
    assert response.status_code == 200
    assert response.get_json()["case_number"] == number


def test_public_and_service_lookups_never_show_requester_data(cs_client, cs_service):
    number = file_case(cs_service)["case_number"]
    for client in (cs_client, cs_service):
        response = client.get(f"/api/v1/cases/{number}")
        assert response.status_code == 200
        assert "requester" not in response.get_json()
        assert_no_private_data(response)
        assert_no_private_data(client.get(f"/api/v1/cases/{number}/activities"))


def test_staff_of_the_department_and_agents_see_the_requester(cs_service, cs_staff):
    number = file_case(cs_service)["case_number"]
    for role in ("dept", "agent", "supervisor"):
        body = cs_staff[role].get(f"/api/v1/cases/{number}").get_json()
        assert body["requester"]["email"] == "ada.resident@example.com"
        assert body["requester"]["channel_address"] == "sms:+14045550123"


def test_another_departments_clerk_gets_404_not_the_case(cs_service, cs_staff):
    number = file_case(cs_service)["case_number"]  # ATLDOT
    clerk = cs_staff["dept_dwm"]
    for path in (f"/api/v1/cases/{number}", f"/api/v1/cases/{number}/activities"):
        response = clerk.get(path)
        assert response.status_code == 404
        assert response.get_json()["error"] == "not_found"
        assert_no_private_data(response)
    posted = clerk.post(f"/api/v1/cases/{number}/activities", json={"kind": "update",
                                                                    "note": "mine now"})
    assert posted.status_code == 404
    listed = clerk.get(f"/api/v1/cases?q={number}").get_json()
    assert listed["total"] == 0


def test_listing_filters_by_status_service_department_date_and_address(cs_service, cs_staff):
    leak = file_case(cs_service, service_code="water_leak", address="77 Unique Test Rd NW",
                     attributes={"flowing_in_street": "yes"})
    agent = cs_staff["agent"]
    found = agent.get("/api/v1/cases?q=unique test&service_code=water_leak&status=open").get_json()
    assert [c["case_number"] for c in found["cases"]] == [leak["case_number"]]
    assert found["cases"][0]["requester"]["name"] == "Ada Resident"
    # Dates are the city's local days.
    today = dt.datetime.fromisoformat(leak["created_at"]).astimezone(
        ZoneInfo("America/New_York")).date().isoformat()
    dated = agent.get(f"/api/v1/cases?department=DWM&created_from={today}&created_to={today}")
    assert leak["case_number"] in [c["case_number"] for c in dated.get_json()["cases"]]
    assert agent.get("/api/v1/cases?status=closed&q=unique test").get_json()["total"] == 0
    dwm_only = cs_staff["dept"].get("/api/v1/cases?department=DWM").get_json()
    assert all(c["department"] == "ATLDOT" for c in dwm_only["cases"])


def test_date_filters_are_the_citys_local_days(cs_app, cs_service, cs_staff):
    number = file_case(cs_service, address="5 Late Night Test St")["case_number"]
    with session_for(cs_app) as session:
        case = session.execute(select(Case).where(Case.number == number)).scalar_one()
        # 03:00 UTC on 10 March 2026 is 23:00 on 9 March in Atlanta.
        case.created_at = dt.datetime(2026, 3, 10, 3, 0, tzinfo=dt.timezone.utc)
        session.commit()
    agent = cs_staff["agent"]
    on_the_9th = agent.get("/api/v1/cases?created_from=2026-03-09&created_to=2026-03-09"
                           "&q=late night test").get_json()
    on_the_10th = agent.get("/api/v1/cases?created_from=2026-03-10&created_to=2026-03-10"
                            "&q=late night test").get_json()
    assert [c["case_number"] for c in on_the_9th["cases"]] == [number]
    assert on_the_10th["total"] == 0


def test_nearby_finds_open_cases_of_the_service_at_the_point_or_address(cs_service):
    here = file_case(cs_service, address="900 Nearby Test Ave SE", lat=33.7001, long=-84.4001)
    far = file_case(cs_service, address="1 Far Away St", lat=33.8001, long=-84.4001)
    near = cs_service.get("/api/v1/cases/nearby?service_code=pothole&lat=33.70012&long=-84.40012")
    numbers = [c["case_number"] for c in near.get_json()["cases"]]
    assert here["case_number"] in numbers and far["case_number"] not in numbers
    by_address = cs_service.get(
        "/api/v1/cases/nearby?service_code=pothole&address=900 Nearby Test Avenue Southeast")
    assert [c["case_number"] for c in by_address.get_json()["cases"]] == [here["case_number"]]
    other_service = cs_service.get(
        "/api/v1/cases/nearby?service_code=graffiti&lat=33.70012&long=-84.40012")
    assert other_service.get_json()["cases"] == []
    assert_no_private_data(near)


def test_following_adds_the_resident_to_the_case_notices(cs_app, cs_service, cs_staff):
    number = file_case(cs_service)["case_number"]
    response = cs_service.post(f"/api/v1/cases/{number}/followers",
                               json={"channel_address": "telegram:998877"})
    assert response.status_code == 200
    assert_no_private_data(response)
    full = cs_staff["agent"].get(f"/api/v1/cases/{number}").get_json()
    assert [f["channel_address"] for f in full["followers"]] == ["telegram:998877"]
    assert full["timeline"][-1]["kind"] == "followed"
    again = cs_service.post(f"/api/v1/cases/{number}/followers",
                            json={"channel_address": "telegram:998877"})
    assert again.status_code == 200
    assert len(cs_staff["agent"].get(f"/api/v1/cases/{number}").get_json()["followers"]) == 1


def test_no_token_or_a_wrong_token_is_401(cs_client, cs_app):
    assert cs_client.post("/api/v1/cases", json=new_case_body()).status_code == 401
    assert cs_client.get("/api/v1/cases").status_code == 401
    wrong = ApiClient(cs_app, "not-a-token")
    response = wrong.get("/api/v1/cases/26000001")
    assert response.status_code == 401
    assert response.get_json()["error"] == "unauthorized"


def test_the_service_token_may_not_list_cases(cs_service):
    assert cs_service.get("/api/v1/cases").status_code == 403


def test_script_tags_are_stored_verbatim_and_returned_as_json_text(cs_service):
    script = '<script>alert("x")</script> & <b>'
    case = file_case(cs_service, description=script)
    response = cs_service.get(f"/api/v1/cases/{case['case_number']}")
    assert response.content_type == "application/json"
    assert response.get_json()["description"] == script


BAD_INPUTS = [
    ("malformed JSON", "{not json", 400, "body"),
    ("array body", json.dumps([1, 2]), 400, "body"),
    ("description as number", json.dumps(new_case_body(description=5)), 400, "description"),
    ("lat as text", json.dumps(new_case_body(lat="north")), 400, "lat"),
    ("attributes as list", json.dumps(new_case_body(attributes=["large"])), 400, "attributes"),
    ("unknown service", json.dumps(new_case_body(service_code="unicorns")), 422, "service_code"),
    ("long description", json.dumps(new_case_body(description="x" * 4001)), 422, "description"),
    ("bad email", json.dumps(new_case_body(requester={"email": "not-an-email"})), 422,
     "requester.email"),
    ("no location", json.dumps(new_case_body(address=None, lat=None, long=None)), 422, "address"),
    ("outside the city", json.dumps(new_case_body(lat=40.71, long=-74.0)), 422, "lat"),
    ("bad list value", json.dumps(new_case_body(attributes={"size": "huge",
                                                            "in_travel_lane": "yes"})),
     422, "attributes.size"),
    ("missing required detail", json.dumps(new_case_body(attributes={"size": "large"})), 422,
     "attributes.in_travel_lane"),
    ("unknown detail", json.dumps(new_case_body(attributes={"size": "large", "in_travel_lane":
                                                            "no", "colour": "red"})),
     422, "attributes.colour"),
    ("unknown channel", json.dumps(new_case_body(channel="pigeon")), 422, "channel"),
    ("bad media URL", json.dumps(new_case_body(media_urls=["javascript:alert(1)"])), 422,
     "media_urls"),
]


@pytest.mark.parametrize(("label", "raw", "status", "field"), BAD_INPUTS,
                         ids=[b[0] for b in BAD_INPUTS])
def test_bad_input_is_a_clear_4xx_and_writes_nothing(cs_fresh_app, label, raw, status, field):
    service = ApiClient(cs_fresh_app, "casestore-test-service-token")
    response = service.post("/api/v1/cases", data=raw,
                            headers={"Content-Type": "application/json"})
    assert response.status_code == status, response.get_json()
    body = response.get_json()
    assert body["error"] in ("malformed", "invalid") and body["message"]
    assert field in body["fields"]
    assert count(cs_fresh_app) == 0
    assert count(cs_fresh_app, OutboxMessage) == 0
    assert count(cs_fresh_app, Activity) == 0


def test_a_body_over_one_mebibyte_is_413_json(cs_app, cs_service):
    before = count(cs_app)
    huge = json.dumps(new_case_body(description="x" * (1024 * 1024)))
    response = cs_service.post("/api/v1/cases", data=huge,
                               headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert response.get_json()["error"] == "too_large"
    assert count(cs_app) == before


@pytest.mark.parametrize("query", ["created_from=2026-13-01", "created_to=yesterday",
                                   "page_size=5000", "page=zero", "status=lost"])
def test_invalid_search_parameters_are_4xx(cs_staff, query):
    response = cs_staff["agent"].get(f"/api/v1/cases?{query}")
    assert response.status_code in (400, 422)
    assert response.get_json()["fields"]


def test_unknown_api_paths_and_methods_answer_json(cs_client):
    missing = cs_client.get("/api/v1/nothing-here")
    assert missing.status_code == 404 and missing.get_json()["error"] == "not_found"
    wrong_method = cs_client.client.put("/api/v1/services")
    assert wrong_method.status_code == 405
    assert wrong_method.get_json()["error"] == "method_not_allowed"
