"""Admin pages (staff, roles, Open311 keys), the supervisor dashboard, queue filters, expiry."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select, update

from casestore.auth import find_api_key
from casestore.models import Case, StaffUser, utcnow
from tests.fixtures.portal import PortalClient, new_case, session_for


def _admin(app) -> PortalClient:
    client = PortalClient(app)
    client.sign_in_staff("admin@atl311.example.org")
    return client


def test_admin_adds_a_department_staff_member_who_can_then_sign_in(portal_app):
    admin = _admin(portal_app)
    response = admin.submit("/portal/admin/staff", {
        "name": "New Clerk", "email": "new.clerk@atl311.example.org", "role": "department",
        "department": "DWM", "password": "a long first password",
    }, page="/portal/admin/staff")
    assert response.status_code == 302
    newcomer = PortalClient(portal_app)
    assert newcomer.sign_in_staff("new.clerk@atl311.example.org",
                                  "a long first password").status_code == 302
    assert "Department of Watershed Management" in newcomer.get("/portal/").get_data(as_text=True)


def test_department_role_without_a_department_is_refused(portal_app):
    admin = _admin(portal_app)
    response = admin.submit("/portal/admin/staff", {
        "name": "No Dept", "email": "nodept@atl311.example.org", "role": "department",
        "department": "", "password": "a long first password",
    }, page="/portal/admin/staff")
    assert response.status_code == 422
    with session_for(portal_app) as session:
        assert session.execute(select(StaffUser).where(
            StaffUser.email == "nodept@atl311.example.org")).first() is None


def test_admin_changes_a_role_and_can_stop_someone_signing_in(portal_app):
    admin = _admin(portal_app)
    admin.submit("/portal/admin/staff", {
        "name": "Temp", "email": "temp@atl311.example.org", "role": "agent", "department": "",
        "password": "a long first password"}, page="/portal/admin/staff")
    with session_for(portal_app) as session:
        temp_id = session.execute(select(StaffUser.id).where(
            StaffUser.email == "temp@atl311.example.org")).scalar_one()
    temp = PortalClient(portal_app)
    temp.sign_in_staff("temp@atl311.example.org", "a long first password")
    assert temp.get("/portal/cases/new").status_code == 200
    admin.submit(f"/portal/admin/staff/{temp_id}", {"role": "department", "department": "DPR",
                                                    "active": "y"},
                 page=f"/portal/admin/staff/{temp_id}")
    assert temp.get("/portal/cases/new").status_code == 403  # the role applies at once
    admin.submit(f"/portal/admin/staff/{temp_id}", {"role": "department", "department": "DPR"},
                 page=f"/portal/admin/staff/{temp_id}")  # "active" unticked
    assert temp.get("/portal/").status_code == 302


def test_api_key_is_shown_once_and_revoking_it_disables_it(portal_app):
    admin = _admin(portal_app)
    page = admin.submit("/portal/admin/api-keys", {"name": "SeeClickFix"},
                        page="/portal/admin/api-keys").get_data(as_text=True)
    key = re.search(r'<p class="key-once">([^<]+)</p>', page).group(1)
    assert key not in admin.get("/portal/admin/api-keys").get_data(as_text=True)
    with session_for(portal_app) as session:
        row = find_api_key(session, key)
        assert row is not None and row.name == "SeeClickFix"
        key_id = row.id
    admin.submit(f"/portal/admin/api-keys/{key_id}/revoke", {})
    with session_for(portal_app) as session:
        assert find_api_key(session, key) is None


def test_non_admins_cannot_issue_keys(portal_app):
    supervisor = PortalClient(portal_app)
    supervisor.sign_in_staff("super@atl311.example.org")
    supervisor.get("/portal/")
    assert supervisor.submit("/portal/admin/api-keys", {"name": "x"}).status_code == 403


def test_dashboard_draws_its_four_charts_from_the_cases(portal_app):
    closed = new_case(portal_app, "general_inquiry")
    new_case(portal_app)
    with session_for(portal_app) as session:
        now = utcnow()
        session.execute(update(Case).where(Case.number == closed).values(
            status="closed", close_reason="fixed", closure_comments="ok",
            closed_at=now, created_at=now - dt.timedelta(days=3)))
        session.commit()
    supervisor = PortalClient(portal_app)
    supervisor.sign_in_staff("super@atl311.example.org")
    html = supervisor.get("/portal/dashboard").get_data(as_text=True)
    assert html.count("<svg") == 4
    assert "ATLDOT" in html
    assert "General question or other issue: 3" in html  # median days to close
    assert "<script" not in html  # charts need no JavaScript and nothing from the internet


def test_queue_filters_by_status_service_and_age(portal_app):
    old = new_case(portal_app)
    fresh = new_case(portal_app, "general_inquiry")
    with session_for(portal_app) as session:
        session.execute(update(Case).where(Case.number == old).values(
            created_at=utcnow() - dt.timedelta(days=40), expected_at=utcnow() - dt.timedelta(
                days=30)))
        session.commit()
    agent = PortalClient(portal_app)
    agent.sign_in_staff("agent@atl311.example.org")
    aged = agent.get("/portal/?age=old").get_data(as_text=True)
    assert f"/portal/cases/{old}" in aged and f"/portal/cases/{fresh}" not in aged
    by_service = agent.get("/portal/?service=general_inquiry").get_data(as_text=True)
    assert f"/portal/cases/{fresh}" in by_service and f"/portal/cases/{old}" not in by_service
    everything = agent.get("/portal/").get_data(as_text=True)
    assert everything.index(f"/portal/cases/{old}") < everything.index(f"/portal/cases/{fresh}")
    assert "Overdue" in everything
    waiting = agent.get("/portal/?status=waiting_for_resident").get_data(as_text=True)
    assert f"/portal/cases/{old}" not in waiting


def test_staff_session_ends_after_its_hard_limit(portal_app):
    client = PortalClient(portal_app)
    client.sign_in_staff("agent@atl311.example.org")
    assert client.get("/portal/").status_code == 200
    with client.http.session_transaction() as session:
        session["staff_login_at"] = (utcnow() - dt.timedelta(hours=9)).isoformat()
    assert client.get("/portal/").status_code == 302
