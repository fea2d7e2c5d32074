"""Actions on the portal's case page: each one a timeline entry with its author."""

from __future__ import annotations

from sqlalchemy import select

from casestore.models import Activity, Case, Follower, OutboxMessage
from tests.fixtures.portal import PortalClient, new_case, session_for, unique_email

DOT_CLERK = "clerk.dot@atl311.example.org"


def _case(app, number: str) -> dict:
    with session_for(app) as session:
        case = session.execute(select(Case).where(Case.number == number)).scalar_one()
        entries = session.execute(
            select(Activity).where(Activity.case_id == case.id).order_by(Activity.id)
        ).scalars().all()
        outbox = session.execute(
            select(OutboxMessage.event).where(OutboxMessage.case_id == case.id)
        ).scalars().all()
        followers = session.execute(
            select(Follower.email).where(Follower.case_id == case.id)
        ).scalars().all()
        return {
            "status": case.status, "department": case.department,
            "close_reason": case.close_reason, "comments": case.closure_comments,
            "kinds": [a.kind for a in entries], "authors": [a.author_name for a in entries],
            "public": [a.public for a in entries], "outbox": outbox, "followers": followers,
        }


def _signed_in(app, email: str = DOT_CLERK, number: str | None = None) -> PortalClient:
    client = PortalClient(app)
    client.sign_in_staff(email)
    if number:
        client.get(f"/portal/cases/{number}")
    return client


def test_clerk_acknowledges_receipt_as_an_authored_timeline_entry(portal_app):
    number = new_case(portal_app)
    client = _signed_in(portal_app, number=number)
    assert client.submit(f"/portal/cases/{number}/acknowledge", {}, "ack").status_code == 302
    case = _case(portal_app, number)
    assert case["status"] == "acknowledged"
    assert case["kinds"][-1] == "acknowledged" and case["authors"][-1] == "Dana Clerk"


def test_internal_update_is_kept_off_the_public_page(portal_app):
    number = new_case(portal_app)
    client = _signed_in(portal_app, number=number)
    client.submit(f"/portal/cases/{number}/notes",
                  {"kind": "update", "note": "Crew scheduled for Tuesday", "public": "y"}, "note")
    client.get(f"/portal/cases/{number}")
    client.submit(f"/portal/cases/{number}/notes",
                  {"kind": "inspection", "note": "Supervisor note: contractor X"}, "note")
    case = _case(portal_app, number)
    assert case["kinds"][-2:] == ["update", "inspection"]
    assert case["public"][-2:] == [True, False]
    public = portal_app.test_client().get(f"/cases/{number}").get_data(as_text=True)
    assert "Crew scheduled for Tuesday" in public
    assert "contractor X" not in public
    staff_page = client.get(f"/portal/cases/{number}").get_data(as_text=True)
    assert "contractor X" in staff_page and "Internal" in staff_page


def test_repair_and_follow_up_are_recorded(portal_app):
    number = new_case(portal_app)
    client = _signed_in(portal_app, number=number)
    client.submit(f"/portal/cases/{number}/notes", {"kind": "repair", "note": "Patched",
                                                     "public": "y"}, "note")
    client.get(f"/portal/cases/{number}")
    client.submit(f"/portal/cases/{number}/notes", {"kind": "follow_up", "note": "Recheck in a"
                                                     " week", "public": "y"}, "note")
    case = _case(portal_app, number)
    assert case["kinds"][-2:] == ["repair", "follow_up"]
    assert case["status"] == "in_progress"


def test_requesting_information_waits_for_the_resident_and_queues_a_notice(portal_app):
    number = new_case(portal_app, requester={"email": unique_email()})
    client = _signed_in(portal_app, number=number)
    response = client.submit(f"/portal/cases/{number}/request-info",
                             {"note": "Which side of the street?"}, "info")
    assert response.status_code == 302
    case = _case(portal_app, number)
    assert case["status"] == "waiting_for_resident"
    assert "info_requested" in case["outbox"]


def test_close_needs_both_reason_and_comments(portal_app):
    number = new_case(portal_app)
    client = _signed_in(portal_app, number=number)
    response = client.submit(f"/portal/cases/{number}/close", {"reason": "fixed", "comments": ""},
                             "close")
    assert response.status_code == 422
    assert "Closure comments are required" in response.get_data(as_text=True)
    client.get(f"/portal/cases/{number}")
    no_reason = client.submit(f"/portal/cases/{number}/close", {"comments": "done"}, "close")
    assert no_reason.status_code == 422
    assert _case(portal_app, number)["status"] == "new"


def test_close_with_reason_and_comments_then_reopen(portal_app):
    number = new_case(portal_app, requester={"email": unique_email()})
    client = _signed_in(portal_app, number=number)
    closed = client.submit(f"/portal/cases/{number}/close",
                           {"reason": "fixed", "comments": "Filled with hot asphalt."}, "close")
    assert closed.status_code == 302
    case = _case(portal_app, number)
    assert (case["status"], case["close_reason"]) == ("closed", "fixed")
    assert "closed" in case["outbox"]
    page = client.get(f"/portal/cases/{number}").get_data(as_text=True)
    assert "Reopen case" in page
    reopened = client.submit(f"/portal/cases/{number}/reopen", {"note": "Hole is back"}, "reopen")
    assert reopened.status_code == 302
    assert _case(portal_app, number)["status"] == "in_progress"


def test_duplicate_moves_followers_to_the_parent_case(portal_app):
    parent = new_case(portal_app)
    resident = unique_email()
    child = new_case(portal_app, requester={"email": resident})
    client = _signed_in(portal_app, number=child)
    response = client.submit(f"/portal/cases/{child}/duplicate",
                             {"parent": f"{parent[:2]}-{parent[2:]}",
                              "comments": "Same pothole as the other report."}, "dup")
    assert response.status_code == 302
    assert _case(portal_app, child)["close_reason"] == "duplicate"
    assert resident in _case(portal_app, parent)["followers"]


def test_duplicate_of_an_unknown_case_is_refused(portal_app):
    child = new_case(portal_app)
    client = _signed_in(portal_app, number=child)
    response = client.submit(f"/portal/cases/{child}/duplicate",
                             {"parent": "99999999", "comments": "dup"}, "dup")
    assert response.status_code == 422
    assert 'id="dup-parent-error"' in response.get_data(as_text=True)
    assert _case(portal_app, child)["status"] == "new"


def test_agent_reassigns_and_the_case_keeps_its_number(portal_app):
    number = new_case(portal_app, requester={"email": unique_email()})
    client = _signed_in(portal_app, "agent@atl311.example.org", number=number)
    response = client.submit(f"/portal/cases/{number}/reassign",
                             {"department": "DPW", "note": "Debris, not a pothole"}, "reassign")
    assert response.status_code == 302
    case = _case(portal_app, number)
    assert case["department"] == "DPW" and case["status"] != "closed"
    assert "reassigned" in case["outbox"]
    # The ATLDOT clerk no longer sees it; the DPW clerk now does.
    assert _signed_in(portal_app).get(f"/portal/cases/{number}").status_code == 404
    dpw = _signed_in(portal_app, "clerk.dpw@atl311.example.org")
    assert dpw.get(f"/portal/cases/{number}").status_code == 200


def test_department_clerk_cannot_reassign(portal_app):
    number = new_case(portal_app)
    client = _signed_in(portal_app, number=number)
    assert "Reassign to another department" not in client.last_html
    response = client.submit(f"/portal/cases/{number}/reassign", {"department": "DPW"})
    assert response.status_code == 403
    assert _case(portal_app, number)["department"] == "ATLDOT"


def test_agent_files_a_walk_in_case_with_its_intake_channel(portal_app):
    client = _signed_in(portal_app, "agent@atl311.example.org")
    form = client.get("/portal/cases/new?service_code=pothole")
    assert "How big is the pothole?" in form.get_data(as_text=True)
    response = client.submit("/portal/cases/new?service_code=pothole", {
        "service_code": "pothole", "channel": "walk_in", "description": "Caller at the desk",
        "address": "55 Trinity Ave SW", "attr-size": "small", "attr-in_travel_lane": "no",
        "requester_name": "Walk In", "requester_email": unique_email(),
    })
    assert response.status_code == 302
    number = response.headers["Location"].rsplit("/", 1)[-1]
    with session_for(portal_app) as session:
        case = session.execute(select(Case).where(Case.number == number)).scalar_one()
        assert (case.channel, case.attributes["size"]) == ("walk_in", "small")
        assert session.get(Activity, case.activities[0].id).author_name == "Alex Agent"


def test_intake_form_reports_missing_required_details(portal_app):
    client = _signed_in(portal_app, "agent@atl311.example.org")
    client.get("/portal/cases/new?service_code=pothole")
    response = client.submit("/portal/cases/new?service_code=pothole", {
        "service_code": "pothole", "channel": "fax", "description": "Faxed in",
        "address": "55 Trinity Ave SW",
    })
    assert response.status_code == 422
    assert "size" in response.get_data(as_text=True)
