"""Every activity kind, its status change, who may post it, and what a refusal leaves behind."""

from __future__ import annotations

import pytest

from casestore.models import Activity, OutboxMessage
from tests.fixtures.casestore import count, file_case


def post(client, number: str, **body):
    return client.post(f"/api/v1/cases/{number}/activities", json=body)


def status_of(client, number: str) -> str:
    return client.get(f"/api/v1/cases/{number}").get_json()["status"]


@pytest.fixture()
def number(cs_service) -> str:
    return file_case(cs_service)["case_number"]


def test_acknowledging_a_new_case_moves_it_to_acknowledged(cs_staff, number):
    response = post(cs_staff["dept"], number, kind="acknowledged", note="We have it.")
    assert response.status_code == 201
    entry = response.get_json()
    assert entry["kind"] == "acknowledged" and entry["author"] == "Test dept"
    assert entry["data"] == {"from_status": "new", "to_status": "acknowledged"}
    assert status_of(cs_staff["dept"], number) == "acknowledged"
    again = post(cs_staff["dept"], number, kind="acknowledged")
    assert again.status_code == 409


@pytest.mark.parametrize(("kind", "status"), [("inspection", "in_progress"),
                                              ("repair", "in_progress"),
                                              ("update", "new"), ("follow_up", "new")])
def test_work_notes_are_recorded_and_field_work_starts_progress(cs_staff, number, kind, status):
    response = post(cs_staff["agent"], number, kind=kind, note=f"{kind} done")
    assert response.status_code == 201
    assert status_of(cs_staff["agent"], number) == status
    assert post(cs_staff["agent"], number, kind=kind).status_code == 422  # note required


def test_internal_notes_stay_off_the_public_timeline(cs_client, cs_staff, number):
    post(cs_staff["agent"], number, kind="update", note="crew suspects a gas line", public=False)
    public = cs_client.get(f"/api/v1/cases/{number}").get_json()
    assert "crew suspects" not in str(public)
    staff_view = cs_staff["agent"].get(f"/api/v1/cases/{number}/activities").get_json()
    assert [a["note"] for a in staff_view["activities"]][-1] == "crew suspects a gas line"


def test_asking_the_resident_waits_for_them_and_their_answer_resumes_work(
        cs_app, cs_client, cs_service, cs_staff, number):
    asked = post(cs_staff["dept"], number, kind="info_requested", note="Which lane is it in?")
    assert asked.status_code == 201
    assert status_of(cs_client, number) == "waiting_for_resident"
    assert cs_client.get(f"/api/v1/cases/{number}").get_json()["latest_public_note"] == \
        "Which lane is it in?"
    answered = post(cs_service, number, kind="info_added", note="The right lane.",
                    media_urls=["https://example.com/photo.jpg"],
                    channel_address="sms:+14045550123")
    assert answered.status_code == 201
    assert answered.get_json()["author"] == "Resident"
    case = cs_client.get(f"/api/v1/cases/{number}").get_json()
    assert case["status"] == "in_progress"
    assert case["media_urls"] == []  # a resident's photo is not public
    trusted = cs_service.get(f"/api/v1/cases/{number}").get_json()
    assert trusted["media_urls"] == ["https://example.com/photo.jpg"]


def test_reassigning_keeps_the_number_and_open_status(cs_staff, number):
    post(cs_staff["agent"], number, kind="acknowledged")
    response = post(cs_staff["agent"], number, kind="reassigned", department="DWM",
                    note="This is a water main, not a pothole.")
    assert response.status_code == 201
    assert response.get_json()["data"] == {"from_department": "ATLDOT", "to_department": "DWM"}
    moved = cs_staff["dept_dwm"].get(f"/api/v1/cases/{number}").get_json()
    assert moved["case_number"] == number
    assert moved["department"] == "DWM" and moved["status"] == "acknowledged"
    assert cs_staff["dept"].get(f"/api/v1/cases/{number}").status_code == 404


def test_department_staff_may_not_reassign_and_unknown_departments_are_refused(cs_staff, number):
    assert post(cs_staff["dept"], number, kind="reassigned", department="DWM").status_code == 403
    refused = post(cs_staff["agent"], number, kind="reassigned", department="NASA")
    assert refused.status_code == 422 and "department" in refused.get_json()["fields"]


def test_status_change_accepts_open_statuses_only(cs_staff, number):
    assert post(cs_staff["agent"], number, kind="status_changed",
                status="in_progress").status_code == 201
    assert status_of(cs_staff["agent"], number) == "in_progress"
    assert post(cs_staff["agent"], number, kind="status_changed",
                status="closed").status_code == 422
    assert post(cs_staff["agent"], number, kind="status_changed",
                status="in_progress").status_code == 409


@pytest.mark.parametrize("body", [
    {"kind": "closed"},
    {"kind": "closed", "reason": "fixed"},
    {"kind": "closed", "reason": "fixed", "comments": "   "},
    {"kind": "closed", "comments": "Filled the hole."},
    {"kind": "closed", "reason": "magic", "comments": "Gone."},
    {"kind": "closed", "reason": "duplicate", "comments": "Same as another."},
])
def test_closing_needs_a_reason_and_comments_and_a_refusal_changes_nothing(
        cs_app, cs_staff, number, body):
    activities = count(cs_app, Activity)
    outbox = count(cs_app, OutboxMessage)
    response = cs_staff["agent"].post(f"/api/v1/cases/{number}/activities", json=body)
    assert response.status_code == 422
    assert status_of(cs_staff["agent"], number) == "new"
    assert count(cs_app, Activity) == activities
    assert count(cs_app, OutboxMessage) == outbox


def test_closing_as_fixed_records_reason_comments_and_time(cs_client, cs_staff, number):
    response = post(cs_staff["dept"], number, kind="closed", reason="fixed",
                    comments="Crew filled the pothole with hot asphalt.")
    assert response.status_code == 201
    case = cs_client.get(f"/api/v1/cases/{number}").get_json()
    assert case["status"] == "closed" and case["close_reason"] == "fixed"
    assert case["closure_comments"] == "Crew filled the pothole with hot asphalt."
    assert case["closed_at"] is not None
    assert case["latest_public_note"] == "Crew filled the pothole with hot asphalt."
    assert post(cs_staff["dept"], number, kind="repair", note="more").status_code == 409


def test_not_city_responsibility_names_who_is_responsible(cs_client, cs_service, cs_staff):
    number = file_case(cs_service, service_code="fallen_tree",
                       description="tree lying on the power line",
                       attributes={"blocking_road": "no", "on_power_lines": "yes"})["case_number"]
    response = post(cs_staff["agent"], number, kind="closed", reason="not_city_responsibility",
                    comments="The line belongs to the utility.")
    assert response.status_code == 201
    assert cs_client.get(f"/api/v1/cases/{number}").get_json()["referred_to"] == \
        "Georgia Power, 888-891-0938"
    named = file_case(cs_service)["case_number"]
    post(cs_staff["agent"], named, kind="closed", reason="not_city_responsibility",
         comments="Private road.", referred_to="Fulton County Public Works")
    assert cs_client.get(f"/api/v1/cases/{named}").get_json()["referred_to"] == \
        "Fulton County Public Works"


def test_closing_as_duplicate_moves_the_requester_and_followers_to_the_parent(
        cs_app, cs_service, cs_staff):
    parent = file_case(cs_service, requester={"email": "parent@example.com"})["case_number"]
    child = file_case(cs_service, requester={"email": "child@example.com",
                                             "channel_address": "sms:+14045550999"})["case_number"]
    cs_service.post(f"/api/v1/cases/{child}/followers", json={"email": "neighbour@example.com"})
    response = post(cs_staff["agent"], child, kind="closed", reason="duplicate",
                    duplicate_of=f"ATL-{parent}", comments="Already reported.")
    assert response.status_code == 201
    assert response.get_json()["data"]["duplicate_of"] == parent
    full = cs_staff["agent"].get(f"/api/v1/cases/{parent}").get_json()
    emails = {f["email"] for f in full["followers"]}
    assert emails == {"child@example.com", "neighbour@example.com"}
    assert cs_staff["agent"].get(f"/api/v1/cases/{child}").get_json()["duplicate_of"] == parent
    assert post(cs_staff["agent"], parent, kind="closed", reason="duplicate",
                duplicate_of=parent, comments="self").status_code == 422


def test_reopening_a_closed_case_needs_a_note_and_clears_the_closure(cs_service, cs_staff, number):
    post(cs_staff["agent"], number, kind="closed", reason="fixed", comments="Done.")
    assert post(cs_service, number, kind="reopened").status_code == 422
    response = post(cs_service, number, kind="reopened", note="The hole is back.")
    assert response.status_code == 201
    case = cs_staff["agent"].get(f"/api/v1/cases/{number}").get_json()
    assert case["status"] == "in_progress"
    assert case["close_reason"] is None and case["closed_at"] is None
    assert post(cs_service, number, kind="reopened", note="again").status_code == 409


def test_the_service_token_posts_only_resident_kinds(cs_service, number):
    for kind in ("acknowledged", "closed", "update", "reassigned"):
        assert post(cs_service, number, kind=kind, note="x").status_code == 403


def test_unknown_or_reserved_kinds_are_refused(cs_app, cs_staff, number):
    before = count(cs_app, Activity)
    for kind in ("opened", "followed", "teleported"):
        assert post(cs_staff["agent"], number, kind=kind, note="x").status_code == 422
    assert post(cs_staff["agent"], number, note="x").status_code == 422
    assert cs_staff["agent"].post(f"/api/v1/cases/{number}/activities",
                                  data="[").status_code == 400
    assert count(cs_app, Activity) == before
