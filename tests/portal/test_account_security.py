"""Sign-in hardening: a confirmation link confirms once, no timing oracle on resident
sign-in, and a password change ends the account's other sessions (residents and staff)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

import casestore.auth
from casestore.auth import hash_password
from casestore.models import Resident, StaffUser, utcnow
from tests.fixtures.casestore import new_case_body
from tests.fixtures.portal import PASSWORD as STAFF_PASSWORD
from tests.fixtures.portal import PortalClient, session_for, unique_email
from tests.portal.test_resident_account import PASSWORD, emailed_link, signed_up

CLERK = "clerk.dot@atl311.example.org"


def sign_in_resident(app, email: str, password: str = PASSWORD) -> PortalClient:
    client = PortalClient(app)
    response = client.submit("/account/login", {"email": email, "password": password},
                             page="/account/login")
    assert response.status_code == 302
    return client


def test_the_confirmation_link_confirms_once_and_never_signs_in_again(portal_app):
    email = unique_email()
    signed_up(portal_app, email)  # the first use confirmed and signed that client in
    link = emailed_link(portal_app, email, "account_confirm")
    stranger = PortalClient(portal_app)
    again = stranger.get(link)
    assert again.status_code == 302 and again.headers["Location"] == "/account/login"
    assert stranger.get("/account/").status_code == 302  # not signed in
    page = stranger.get("/account/login").get_data(as_text=True)
    assert "Your email address is already confirmed. Sign in with your password." in page


def test_the_first_use_of_the_confirmation_link_records_the_confirmation(portal_app):
    email = unique_email()
    signed_up(portal_app, email)
    with session_for(portal_app) as session:
        resident = session.execute(select(Resident).where(Resident.email == email)).scalar_one()
        assert resident.email_confirmed_at is not None


def test_resident_sign_in_with_an_unknown_email_still_verifies_a_hash(portal_app, monkeypatch):
    email = unique_email()
    signed_up(portal_app, email)
    verified: list[str] = []
    real = casestore.auth.verify_password

    def counting(password_hash: str, password: str) -> bool:
        verified.append(password_hash[:9])
        return real(password_hash, password)

    monkeypatch.setattr(casestore.auth, "verify_password", counting)
    for who in (unique_email(), email):
        client = PortalClient(portal_app)
        response = client.submit("/account/login", {"email": who, "password": "wrong password!"},
                                 page="/account/login")
        assert response.status_code == 401
        assert "Email or password is not right." in response.get_data(as_text=True)
    # One argon2 verification each: the unknown address against the dummy hash.
    assert verified == ["$argon2id", "$argon2id"]


def test_a_password_reset_ends_the_residents_other_sessions(portal_app):
    email = unique_email()
    signed_up(portal_app, email)
    elsewhere = sign_in_resident(portal_app, email)
    assert elsewhere.get("/account/").status_code == 200
    resetting = PortalClient(portal_app)
    resetting.submit("/account/forgot", {"email": email}, page="/account/forgot")
    link = emailed_link(portal_app, email, "password_reset")
    resetting.get(link)
    token = link.split("token=", 1)[1]
    done = resetting.submit("/account/reset", {"token": token, "password": "brand new secret",
                                               "confirm": "brand new secret"})
    assert done.status_code == 302
    assert resetting.get("/account/").status_code == 200  # the session that changed it goes on
    ended = elsewhere.get("/account/")
    assert ended.status_code == 302 and ended.headers["Location"].startswith("/account/login")


def test_a_staff_password_change_ends_the_other_sessions_pages_and_api(portal_app):
    email = unique_email("staff")
    with session_for(portal_app) as session:
        session.add(StaffUser(email=email, name="Kim Clerk", role="department",
                              department="ATLDOT", password_hash=hash_password(STAFF_PASSWORD)))
        session.commit()
    first, second = PortalClient(portal_app), PortalClient(portal_app)
    for client in (first, second):
        assert client.sign_in_staff(email).status_code == 302
    assert second.http.get("/api/v1/cases").status_code == 200
    changed = first.submit("/portal/password", {"current": STAFF_PASSWORD,
                                                "new": "a much newer password", "confirm":
                                                "a much newer password"}, page="/portal/password")
    assert changed.status_code == 302
    assert first.get("/portal/").status_code == 200  # the session that changed it goes on
    kicked = second.get("/portal/")
    assert kicked.status_code == 302 and kicked.headers["Location"].startswith("/portal/login")
    assert second.http.get("/api/v1/cases").status_code == 401


def test_a_portal_cookie_past_the_8_hour_limit_is_not_staff_on_the_api(portal_app):
    client = PortalClient(portal_app)
    client.sign_in_staff(CLERK)
    assert client.http.get("/api/v1/cases").status_code == 200
    with client.http.session_transaction() as session:
        session["staff_login_at"] = (utcnow() - dt.timedelta(hours=9)).isoformat()
    assert client.http.get("/api/v1/cases").status_code == 401
    assert client.http.post("/api/v1/cases", json=new_case_body()).status_code == 401
