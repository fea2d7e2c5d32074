"""Staff sign-in, sessions, CSRF and department scope in the portal."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from casestore.models import Activity, Case
from tests.fixtures.portal import PortalClient, make_portal_app, new_case, session_for


def _timeline_kinds(app, number: str) -> list[str]:
    with session_for(app) as session:
        case = session.execute(select(Case).where(Case.number == number)).scalar_one()
        return [a.kind for a in session.execute(
            select(Activity).where(Activity.case_id == case.id).order_by(Activity.id)
        ).scalars()]


def test_portal_pages_need_a_signed_in_staff_member(portal_app):
    number = new_case(portal_app)
    client = portal_app.test_client()
    for path in ("/portal/", f"/portal/cases/{number}", "/portal/dashboard", "/portal/admin/staff"):
        response = client.get(path)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/portal/login")


def test_wrong_password_is_refused_without_saying_which_part_was_wrong(portal_app):
    client = PortalClient(portal_app)
    wrong = client.sign_in_staff("clerk.dot@atl311.example.org", "not the password")
    unknown = client.sign_in_staff("nobody@atl311.example.org")
    assert wrong.status_code == unknown.status_code == 401
    assert "Email or password is not right" in wrong.get_data(as_text=True)
    assert "Email or password is not right" in unknown.get_data(as_text=True)
    assert client.get("/portal/").status_code == 302


def test_session_cookie_is_secure_httponly_and_samesite_lax_by_default(portal_app):
    client = PortalClient(portal_app)
    response = client.sign_in_staff("clerk.dot@atl311.example.org")
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "; Secure" in cookie
    assert "Strict-Transport-Security" not in response.headers  # the public URL is http


def test_cookies_lose_secure_only_when_the_setting_turns_it_off(make_database_url, tmp_path):
    app = make_portal_app(make_database_url("plaincookie"), str(tmp_path),
                          SESSION_COOKIE_SECURE=False)
    try:
        response = PortalClient(app).sign_in_staff("clerk.dot@atl311.example.org")
        assert response.status_code == 302
        assert "Secure" not in response.headers["Set-Cookie"]
    finally:
        app.extensions["casestore.engine"].dispose()


def test_an_https_public_url_adds_hsts_to_every_answer(make_database_url, tmp_path):
    app = make_portal_app(make_database_url("hsts"), str(tmp_path),
                          PUBLIC_URL="https://311.example.gov")
    try:
        client = PortalClient(app)
        response = client.sign_in_staff("clerk.dot@atl311.example.org")
        assert "; Secure" in response.headers["Set-Cookie"]
        hsts = "max-age=31536000; includeSubDomains"
        assert response.headers["Strict-Transport-Security"] == hsts
        assert client.http.get("/api/v1/services").headers["Strict-Transport-Security"] == hsts
    finally:
        app.extensions["casestore.engine"].dispose()


def test_post_without_csrf_token_is_refused_and_changes_nothing(portal_app):
    number = new_case(portal_app)
    client = PortalClient(portal_app)
    client.sign_in_staff("clerk.dot@atl311.example.org")
    response = client.http.post(f"/portal/cases/{number}/acknowledge", data={})
    assert response.status_code == 400
    forged = client.http.post(f"/portal/cases/{number}/close",
                              data={"close-reason": "fixed", "close-comments": "done",
                                    "close-csrf_token": "forged"})
    assert forged.status_code == 400
    assert _timeline_kinds(portal_app, number) == ["opened"]


def test_department_clerk_gets_404_for_another_departments_case(portal_app):
    theirs = new_case(portal_app, "general_inquiry")
    ours = new_case(portal_app)
    client = PortalClient(portal_app)
    client.sign_in_staff("clerk.dot@atl311.example.org")
    assert client.get(f"/portal/cases/{ours}").status_code == 200
    assert client.get(f"/portal/cases/{theirs}").status_code == 404
    # Guessing neighbouring numbers reveals nothing either: same 404 as a missing case.
    assert client.get(f"/portal/cases/{int(theirs) + 500}").status_code == 404
    client.get(f"/portal/cases/{ours}")
    refused = client.submit(f"/portal/cases/{theirs}/acknowledge", {}, prefix="ack")
    assert refused.status_code == 404
    assert _timeline_kinds(portal_app, theirs) == ["opened"]


def test_department_queue_lists_only_its_own_cases(portal_app):
    theirs = new_case(portal_app, "general_inquiry")
    ours = new_case(portal_app)
    client = PortalClient(portal_app)
    client.sign_in_staff("clerk.dot@atl311.example.org")
    page = client.get("/portal/").get_data(as_text=True)
    assert ours[2:] in page
    assert theirs[2:] not in page
    agent = PortalClient(portal_app)
    agent.sign_in_staff("agent@atl311.example.org")
    everyone = agent.get("/portal/").get_data(as_text=True)
    assert ours[2:] in everyone and theirs[2:] in everyone


def test_queue_search_by_case_number_finds_that_case(portal_app):
    first, second = new_case(portal_app), new_case(portal_app)
    client = PortalClient(portal_app)
    client.sign_in_staff("agent@atl311.example.org")
    page = client.get(f"/portal/?q={first[:2]}-{first[2:]}").get_data(as_text=True)
    assert f"/portal/cases/{first}" in page
    assert f"/portal/cases/{second}" not in page


def test_department_clerk_cannot_reach_admin_or_dashboard(portal_app):
    client = PortalClient(portal_app)
    client.sign_in_staff("clerk.dot@atl311.example.org")
    assert client.get("/portal/admin/staff").status_code == 403
    assert client.get("/portal/dashboard").status_code == 403
    assert client.get("/portal/cases/new").status_code == 403


def test_sign_out_ends_the_session(portal_app):
    client = PortalClient(portal_app)
    client.sign_in_staff("agent@atl311.example.org")
    client.get("/portal/")
    assert client.submit("/portal/logout", {}).status_code == 302
    assert client.get("/portal/").status_code == 302


def test_sign_in_is_rate_limited_per_client(make_database_url, tmp_path):
    app = make_portal_app(make_database_url("loginlimit"), str(tmp_path), RATELIMIT_ENABLED=True,
                          PORTAL_LOGIN_RATE_LIMIT="3 per minute")
    try:
        client = PortalClient(app)
        codes = [client.sign_in_staff("agent@atl311.example.org", "wrong").status_code
                 for _ in range(4)]
        assert codes == [401, 401, 401, 429]
        # Even the right password waits until the window passes.
        assert client.sign_in_staff("agent@atl311.example.org").status_code == 429
    finally:
        app.extensions["casestore.engine"].dispose()


@pytest.mark.parametrize("email", ["clerk.dot@atl311.example.org", "agent@atl311.example.org"])
def test_staff_change_their_own_password(make_database_url, tmp_path, email):
    app = make_portal_app(make_database_url("password"), str(tmp_path))
    try:
        client = PortalClient(app)
        client.sign_in_staff(email)
        bad = client.submit("/portal/password", {"current": "wrong", "new": "x" * 12,
                                                 "confirm": "x" * 12}, page="/portal/password")
        assert bad.status_code == 422
        ok = client.submit("/portal/password", {"current": "correct horse battery",
                                                "new": "a much longer secret", "confirm":
                                                "a much longer secret"}, page="/portal/password")
        assert ok.status_code == 302
        fresh = PortalClient(app)
        assert fresh.sign_in_staff(email).status_code == 401
        assert fresh.sign_in_staff(email, "a much longer secret").status_code == 302
    finally:
        app.extensions["casestore.engine"].dispose()



def test_a_sign_in_with_an_address_that_is_not_an_email_is_a_plain_failed_sign_in(portal_app):
    client = PortalClient(portal_app)
    response = client.submit("/portal/login", {"email": "not-an-email", "password": "x"},
                             page="/portal/login")
    assert response.status_code == 401
    assert "Email or password is not right." in response.get_data(as_text=True)


def test_malformed_sign_in_form_gets_422(portal_app):
    resident = PortalClient(portal_app)
    response = resident.submit("/account/login", {"email": "", "password": ""},
                               page="/account/login")
    assert response.status_code == 422
