"""Open, close and information-request notices through a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from casestore.authors import SYSTEM
from casestore.models import OutboxMessage, utcnow
from casestore.notifier import deliver_due
from tests.fixtures.portal import PortalClient, make_portal_app, new_case, session_for, unique_email


@pytest.fixture()
def smtp(smtp_server):
    """A running SMTP server on a free port."""
    smtp_server.start()
    return smtp_server


@pytest.fixture()
def mail_app(make_database_url, tmp_path, smtp):
    """A case store app sending email to the test's SMTP server."""
    app = make_portal_app(make_database_url("mail"), str(tmp_path),
                          SMTP_HOST="127.0.0.1", SMTP_PORT=smtp.port)
    yield app
    app.extensions["casestore.engine"].dispose()


def run_notifier(app, later: dt.timedelta = dt.timedelta(0)) -> int:
    """One notifier pass (``--once``), as if ``later`` had passed (retries come due)."""
    with app.app_context():
        return deliver_due(utcnow() + later)


def parts(message) -> tuple[str, str]:
    """Return (plain text, HTML) of a multipart/alternative email."""
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    return text, html


def staff_on(app, number: str) -> PortalClient:
    client = PortalClient(app)
    client.sign_in_staff("clerk.dot@atl311.example.org")
    client.get(f"/portal/cases/{number}")
    return client


def test_opened_notice_arrives_with_number_service_address_date_and_link(mail_app, smtp):
    inbox = smtp.inbox
    resident = unique_email()
    number = new_case(mail_app, requester={"email": resident})
    assert run_notifier(mail_app) == 1
    [message] = inbox.to(resident)
    text, html = parts(message)
    grouped = f"{number[:2]}-{number[2:]}"
    assert grouped in message["Subject"] and "Pothole" in message["Subject"]
    for body in (text, html):
        assert grouped in body and "Pothole" in body
        assert "412 BOULEVARD SE" in body.upper()
        assert f"http://casestore.test/cases/{number}" in body
        assert "Expected by" in body


def test_closed_notice_gives_reason_comments_and_a_working_reopen_link(mail_app, smtp):
    inbox = smtp.inbox
    resident = unique_email()
    number = new_case(mail_app, requester={"email": resident})
    staff_on(mail_app, number).submit(
        f"/portal/cases/{number}/close",
        {"reason": "fixed", "comments": "Crew filled it with hot asphalt."}, "close")
    run_notifier(mail_app)
    closed = [m for m in inbox.to(resident) if "closed" in m["Subject"]]
    assert len(closed) == 1
    text, html = parts(closed[0])
    assert "Fixed" in text and "Crew filled it with hot asphalt." in text
    assert "Crew filled it with hot asphalt." in html
    link = text.split("Not fixed?", 1)[1].split("http://casestore.test", 1)[1].split()[0]
    resident_browser = PortalClient(mail_app)
    page = resident_browser.get(link)
    assert page.status_code == 200 and "Reopen my case" in page.get_data(as_text=True)
    token = link.split("token=", 1)[1]
    response = resident_browser.submit(link.split("?", 1)[0], {"token": token,
                                                               "note": "Still a hole"})
    assert response.status_code == 302
    page = mail_app.test_client().get(f"/cases/{number}").get_data(as_text=True)
    # Open again; the resident's reason goes to the department, not to the public page.
    assert "status-in_progress" in page and "Still a hole" not in page
    # The link was for that closure: now it only says the case is open again.
    again = PortalClient(mail_app).get(link).get_data(as_text=True)
    assert "open again" in again and "Reopen my case" not in again


def test_reopen_link_expires_after_30_days(mail_app, smtp, monkeypatch):
    number = new_case(mail_app, requester={"email": unique_email()})
    staff_on(mail_app, number).submit(f"/portal/cases/{number}/close",
                                      {"reason": "fixed", "comments": "Done."}, "close")
    with session_for(mail_app) as session:
        from casestore.account.tokens import reopen_token
        from casestore.cases import find_case

        case = find_case(session, number)
        token = reopen_token(number, case.closed_at)
    import casestore.public.views as views

    monkeypatch.setattr(views, "utcnow", lambda: utcnow() + dt.timedelta(days=31))
    page = PortalClient(mail_app).get(f"/cases/{number}/reopen?token={token}")
    assert page.status_code == 404


def test_info_requested_notice_carries_the_question_and_how_to_answer(mail_app, smtp):
    inbox = smtp.inbox
    resident = unique_email()
    number = new_case(mail_app, requester={"email": resident})
    staff_on(mail_app, number).submit(f"/portal/cases/{number}/request-info",
                                      {"note": "Is it in the bike lane?"}, "info")
    run_notifier(mail_app)
    [message] = [m for m in inbox.to(resident) if "more information" in m["Subject"]]
    text, html = parts(message)
    assert "Is it in the bike lane?" in text and "Is it in the bike lane?" in html
    assert "http://casestore.test/account/" in text


def test_markup_in_a_note_is_text_in_the_html_email(mail_app, smtp):
    inbox = smtp.inbox
    resident = unique_email()
    number = new_case(mail_app, requester={"email": resident})
    staff_on(mail_app, number).submit(f"/portal/cases/{number}/close", {
        "reason": "fixed", "comments": "<script>alert(1)</script> done"}, "close")
    run_notifier(mail_app)
    [message] = [m for m in inbox.to(resident) if "closed" in m["Subject"]]
    _text, html = parts(message)
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_notices_wait_while_smtp_is_down_and_go_out_once_when_it_returns(mail_app, smtp):
    inbox = smtp.inbox
    residents = [unique_email() for _ in range(3)]
    for resident in residents:
        new_case(mail_app, requester={"email": resident})
    smtp.stop()
    assert run_notifier(mail_app) == 0
    with session_for(mail_app) as session:
        pending = session.execute(
            select(func.count()).select_from(OutboxMessage)
            .where(OutboxMessage.status == "pending", OutboxMessage.attempts == 1)
        ).scalar_one()
        assert pending == 3
    smtp.start()
    assert run_notifier(mail_app) == 0  # still backing off
    assert run_notifier(mail_app, dt.timedelta(hours=2)) == 3
    assert run_notifier(mail_app, dt.timedelta(hours=4)) == 0
    assert sorted(m["To"] for m in inbox.messages) == sorted(residents)


def test_a_city_can_override_one_notice_template(make_database_url, tmp_path, smtp):
    inbox = smtp.inbox
    folder = tmp_path / "city-templates" / "email"
    folder.mkdir(parents=True)
    (folder / "opened.subject.txt").write_text("Ticket {{ number_display }} is in our system\n")
    app = make_portal_app(make_database_url("override"), str(tmp_path), SMTP_HOST="127.0.0.1",
                          SMTP_PORT=smtp.port, NOTICE_TEMPLATES_DIR=str(folder.parent))
    try:
        resident = unique_email()
        number = new_case(app, requester={"email": resident})
        run_notifier(app)
        [message] = inbox.to(resident)
        assert message["Subject"] == f"Ticket {number[:2]}-{number[2:]} is in our system"
        assert f"/cases/{number}" in parts(message)[0]  # the body still uses the default
    finally:
        app.extensions["casestore.engine"].dispose()


def test_channel_notices_are_short_and_invite_a_reply(portal_app):
    from casestore.activities import add_activity
    from casestore.cases import find_case
    from casestore.catalog import get_catalog
    from casestore.notices import render_text
    from casestore.pages import case_number_display

    number = new_case(portal_app, channel="sms", requester={"channel_address": "sms:+14045550123"})
    with session_for(portal_app) as session:
        case = find_case(session, number)
        add_activity(session, get_catalog(), case, "info_requested", author=SYSTEM,
                     note="Which corner?" * 200)
        add_activity(session, get_catalog(), case, "closed", author=SYSTEM,
                     reason="fixed", comments="Patched.")
        rows = {r.event: r for r in session.execute(
            select(OutboxMessage).where(OutboxMessage.case_id == case.id)).scalars()}
        asked = render_text(rows["info_requested"], case, get_catalog())
        closed = render_text(rows["closed"], case, get_catalog())
    assert len(asked) <= 1000 and "Which corner?" in asked
    assert case_number_display(number) in closed
    assert "Patched." in closed and "Reply YES or NO" in closed


def test_resident_is_told_when_the_case_moves_to_another_department(mail_app, smtp):
    resident = unique_email()
    number = new_case(mail_app, requester={"email": resident})
    agent = PortalClient(mail_app)
    agent.sign_in_staff("agent@atl311.example.org")
    agent.get(f"/portal/cases/{number}")
    agent.submit(f"/portal/cases/{number}/reassign", {"department": "DWM"}, "reassign")
    run_notifier(mail_app)
    [moved] = [m for m in smtp.inbox.to(resident) if "moved" in m["Subject"]]
    text, _html = parts(moved)
    assert "Department of Watershed Management" in text
    assert f"{number[:2]}-{number[2:]}" in text
