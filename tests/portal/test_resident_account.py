"""Resident accounts: sign-up with an emailed link, sign-in, reset, and the Case Status tab."""

from __future__ import annotations

import re

from sqlalchemy import select

from casestore.catalog import get_catalog
from casestore.models import Case, OutboxMessage
from casestore.notices import render_email
from tests.fixtures.portal import PortalClient, new_case, session_for, unique_email

PASSWORD = "resident password 1"


def emailed_link(app, email: str, event: str) -> str:
    """Render the newest ``event`` email queued for ``email`` and return its link's path."""
    with session_for(app) as session:
        row = session.execute(
            select(OutboxMessage).where(OutboxMessage.recipient == email,
                                        OutboxMessage.event == event)
            .order_by(OutboxMessage.id.desc())
        ).scalars().first()
        assert row is not None, f"no {event} email queued for {email}"
        _subject, text, _html = render_email(row, None, get_catalog())
    url = re.search(r"http://casestore\.test(\S+)", text).group(1)
    return url


def signed_up(app, email: str) -> PortalClient:
    """Sign up as ``email`` and follow the confirmation link; return the signed-in client."""
    client = PortalClient(app)
    response = client.submit("/account/signup",
                             {"email": email, "password": PASSWORD, "confirm": PASSWORD},
                             page="/account/signup")
    assert response.status_code == 200 and "Check your email" in client.last_html
    assert client.get(emailed_link(app, email, "account_confirm")).status_code == 302
    return client


def test_signup_confirms_the_email_by_link_and_shows_cases_from_any_channel(portal_app):
    email = unique_email()
    by_sms = new_case(portal_app, channel="sms", requester={"email": email.upper()})
    by_chat = new_case(portal_app, "general_inquiry", channel="webchat",
                       requester={"email": email})
    someone_else = new_case(portal_app, requester={"email": unique_email()})
    client = signed_up(portal_app, email)
    page = client.get("/account/").get_data(as_text=True)
    assert f"Case {by_sms[:2]}-{by_sms[2:]}" in page
    assert f"Case {by_chat[:2]}-{by_chat[2:]}" in page
    assert someone_else[2:] not in page
    assert "Atlanta Department of Transportation" in page and "Expected by" in page


def test_unconfirmed_account_cannot_sign_in(portal_app):
    email = unique_email()
    client = PortalClient(portal_app)
    client.submit("/account/signup", {"email": email, "password": PASSWORD, "confirm": PASSWORD},
                  page="/account/signup")
    response = client.submit("/account/login", {"email": email, "password": PASSWORD},
                             page="/account/login")
    assert response.status_code == 401
    assert "Confirm your email first" in response.get_data(as_text=True)
    assert client.get("/account/").status_code == 302


def test_signup_answer_does_not_reveal_an_existing_account(portal_app):
    email = unique_email()
    signed_up(portal_app, email)
    again = PortalClient(portal_app)
    response = again.submit("/account/signup",
                            {"email": email, "password": "another password!", "confirm":
                             "another password!"}, page="/account/signup")
    assert response.status_code == 200 and "Check your email" in again.last_html


def test_followed_cases_show_on_the_case_status_tab(portal_app):
    email = unique_email()
    followed = new_case(portal_app, requester={"email": unique_email()})
    with session_for(portal_app) as session:
        from casestore.cases import find_case
        from casestore.followers import add_follower

        add_follower(session, find_case(session, followed), {"email": email})
    client = signed_up(portal_app, email)
    assert followed[2:] in client.get("/account/").get_data(as_text=True)


def test_resident_answers_a_request_for_information(portal_app):
    email = unique_email()
    number = new_case(portal_app, requester={"email": email})
    staff = PortalClient(portal_app)
    staff.sign_in_staff("clerk.dot@atl311.example.org")
    staff.get(f"/portal/cases/{number}")
    staff.submit(f"/portal/cases/{number}/request-info", {"note": "Which lane is it in?"}, "info")
    client = signed_up(portal_app, email)
    page = client.get("/account/").get_data(as_text=True)
    assert "Which lane is it in?" in page and "Answer the question" in page
    response = client.submit(f"/account/cases/{number}/notes",
                             {"note": "The left lane", "photo_url": "https://img.example.org/1.jpg"},
                             prefix=f"c{number}")
    assert response.status_code == 302
    with session_for(portal_app) as session:
        case = session.execute(select(Case).where(Case.number == number)).scalar_one()
        assert case.status == "in_progress"
        assert case.activities[-1].kind == "info_added"
        assert case.activities[-1].note == "The left lane"
        assert "https://img.example.org/1.jpg" in case.media_urls


def test_resident_cannot_add_to_someone_elses_case(portal_app):
    other = new_case(portal_app, requester={"email": unique_email()})
    client = signed_up(portal_app, unique_email())
    client.get("/account/")
    name, token = client.csrf()
    response = client.http.post(f"/account/cases/{other}/notes",
                                data={f"c{other}-note": "hi", f"c{other}-csrf_token": token})
    assert response.status_code == 404


def test_account_post_without_csrf_token_is_refused(portal_app):
    email = unique_email()
    number = new_case(portal_app, requester={"email": email})
    client = signed_up(portal_app, email)
    response = client.http.post(f"/account/cases/{number}/notes", data={f"c{number}-note": "x"})
    assert response.status_code == 400
    with session_for(portal_app) as session:
        case = session.execute(select(Case).where(Case.number == number)).scalar_one()
        assert [a.kind for a in case.activities] == ["opened"]


def test_password_reset_by_emailed_link_works_once(portal_app):
    email = unique_email()
    signed_up(portal_app, email)
    client = PortalClient(portal_app)
    client.submit("/account/forgot", {"email": email}, page="/account/forgot")
    link = emailed_link(portal_app, email, "password_reset")
    client.get(link)
    token = link.split("token=", 1)[1]
    response = client.submit("/account/reset", {"token": token, "password": "brand new secret",
                                                 "confirm": "brand new secret"})
    assert response.status_code == 302
    assert PortalClient(portal_app).get(link).status_code == 404  # used: the hash changed
    fresh = PortalClient(portal_app)
    ok = fresh.submit("/account/login", {"email": email, "password": "brand new secret"},
                      page="/account/login")
    assert ok.status_code == 302


def test_forgot_password_gives_the_same_answer_for_unknown_emails(portal_app):
    client = PortalClient(portal_app)
    response = client.submit("/account/forgot", {"email": unique_email()}, page="/account/forgot")
    assert response.status_code == 200 and "If " in client.last_html
