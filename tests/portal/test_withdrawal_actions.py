"""The department's side of a resident's withdrawal: badge, reason, close or keep open."""

from __future__ import annotations

from sqlalchemy import select

from casestore.catalog import get_catalog
from casestore.models import Activity, Case, OutboxMessage
from casestore.notices import render_email, render_text
from tests.fixtures.casestore import SERVICE_TOKEN
from tests.fixtures.portal import PortalClient, new_case, session_for, unique_email

DOT_CLERK = "clerk.dot@atl311.example.org"
DPW_CLERK = "clerk.dpw@atl311.example.org"
PHONE = "sms:+14045550142"


def _filed(app, **fields) -> tuple[str, str]:
    """File a pothole case from an SMS resident with an email; return (number, email)."""
    email = unique_email()
    number = new_case(app, requester={"email": email, "channel_address": PHONE}, **fields)
    return number, email


def _withdraw(app, number: str, reason: str = "I filed that by accident"):
    response = app.test_client().post(
        f"/api/v1/cases/{number}/withdrawal",
        json={"reason": reason, "channel_address": PHONE},
        headers={"Authorization": f"Bearer {SERVICE_TOKEN}"},
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _state(app, number: str) -> dict:
    with session_for(app) as session:
        case = session.execute(select(Case).where(Case.number == number)).scalar_one()
        entries = session.execute(
            select(Activity).where(Activity.case_id == case.id).order_by(Activity.id)
        ).scalars().all()
        outbox = session.execute(
            select(OutboxMessage).where(OutboxMessage.case_id == case.id)
            .order_by(OutboxMessage.id)
        ).scalars().all()
        return {
            "status": case.status, "close_reason": case.close_reason,
            "pending": case.withdrawal_requested_at is not None,
            "entries": [(a.kind, a.author_name, a.public, a.note) for a in entries],
            "outbox": [(m.event, m.transport, m.recipient) for m in outbox],
        }


def _signed_in(app, email: str = DOT_CLERK, number: str | None = None) -> PortalClient:
    client = PortalClient(app)
    client.sign_in_staff(email)
    if number:
        client.get(f"/portal/cases/{number}")
    return client


def test_the_queue_shows_a_badge_on_cases_with_a_pending_withdrawal(portal_app):
    asked, _ = _filed(portal_app, address="17 Withdrawn Test St SE")
    other, _ = _filed(portal_app, address="19 Withdrawn Test St SE")
    _withdraw(portal_app, asked)
    page = _signed_in(portal_app).get("/portal/?q=Withdrawn Test").get_data(as_text=True)
    rows = {row.split("</a>")[0].rsplit(">", 1)[-1]: row for row in page.split("<tr>")[2:]}
    assert "Withdrawal requested" in rows[f"{asked[:2]}-{asked[2:]}"]
    assert "Withdrawal requested" not in rows[f"{other[:2]}-{other[2:]}"]
    assert "withdrawal requested</li>" in page  # the count above the queue


def test_the_case_page_shows_the_residents_reason_to_staff_only(portal_app):
    number, _ = _filed(portal_app)
    _withdraw(portal_app, number, reason="my cousin hauled the sofa away already")
    page = _signed_in(portal_app).get(f"/portal/cases/{number}").get_data(as_text=True)
    assert "The resident asked to withdraw this case" in page
    assert "my cousin hauled the sofa away already" in page
    assert "Close: withdrawn by resident" in page and "Keep open" in page
    public = portal_app.test_client().get(f"/cases/{number}").get_data(as_text=True)
    assert "cousin" not in public and "withdraw" not in public.lower()


def test_one_click_closes_as_withdrawn_and_the_closed_notice_says_so(portal_app):
    number, email = _filed(portal_app)
    _withdraw(portal_app, number)
    client = _signed_in(portal_app, number=number)
    response = client.submit(f"/portal/cases/{number}/withdrawal/close", {}, "withdrawn")
    assert response.status_code == 302
    state = _state(portal_app, number)
    assert state["status"] == "closed" and state["close_reason"] == "withdrawn"
    assert not state["pending"]
    kind, author, public, note = state["entries"][-1]
    assert (kind, author, public) == ("closed", "Dana Clerk", True)
    assert note == "Withdrawn by resident: closed at the resident's request."
    closed = [o for o in state["outbox"] if o[0] == "closed"]
    assert sorted(closed) == [("closed", "email", email), ("closed", "sms", PHONE)]
    with session_for(portal_app) as session:
        case = session.execute(select(Case).where(Case.number == number)).scalar_one()
        msg = session.execute(select(OutboxMessage).where(
            OutboxMessage.case_id == case.id, OutboxMessage.event == "closed",
            OutboxMessage.transport == "email")).scalar_one()
        sms = session.execute(select(OutboxMessage).where(
            OutboxMessage.case_id == case.id, OutboxMessage.event == "closed",
            OutboxMessage.transport == "sms")).scalar_one()
        subject, text, _html = render_email(msg, case, get_catalog())
        short = render_text(sms, case, get_catalog())
    assert "closed" in subject
    assert "Reason: Withdrawn at your request" in text
    assert "Withdrawn at your request" in short
    page = client.get(f"/portal/cases/{number}").get_data(as_text=True)
    assert "The resident asked to withdraw this case" not in page


def test_keep_open_needs_a_note_and_settles_the_request(portal_app):
    number, _ = _filed(portal_app)
    _withdraw(portal_app, number)
    client = _signed_in(portal_app, number=number)
    empty = client.submit(f"/portal/cases/{number}/withdrawal/keep-open", {"note": ""}, "keep")
    assert empty.status_code == 422
    assert _state(portal_app, number)["pending"]
    client.get(f"/portal/cases/{number}")
    kept = client.submit(f"/portal/cases/{number}/withdrawal/keep-open",
                         {"note": "Crew saw the hole is still there; repairing anyway."}, "keep")
    assert kept.status_code == 302
    state = _state(portal_app, number)
    assert state["status"] == "new" and not state["pending"]
    assert state["entries"][-1] == ("withdrawal_declined", "Dana Clerk", False,
                                    "Crew saw the hole is still there; repairing anyway.")
    assert [o for o in state["outbox"] if o[0] != "opened"] == []
    page = client.get("/portal/").get_data(as_text=True)
    assert f"{number[:2]}-{number[2:]}" in page
    row = page.split(f"{number[:2]}-{number[2:]}</a>")[1].split("</tr>")[0]
    assert "Withdrawal requested" not in row


def test_kept_open_services_tell_staff_to_check_first(portal_app):
    number, _ = _filed(portal_app, service_code="traffic_signal",
                       attributes={"signal_problem": "dark"})
    result = _withdraw(portal_app, number, reason="it works again")
    assert result["status"] == "kept_open"
    page = _signed_in(portal_app).get(f"/portal/cases/{number}").get_data(as_text=True)
    assert "Close it only after checking" in page and "it works again" in page


def test_the_buttons_need_a_csrf_token_and_a_pending_request(portal_app):
    number, _ = _filed(portal_app)
    client = _signed_in(portal_app, number=number)
    _, token = client.csrf("ack")  # the page has no withdrawal form: reuse the session's token
    no_request = client.http.post(f"/portal/cases/{number}/withdrawal/close",
                                  data={"withdrawn-csrf_token": token})
    assert no_request.status_code == 409
    assert "has no pending withdrawal request" in no_request.get_data(as_text=True)
    _withdraw(portal_app, number)
    forged = client.http.post(f"/portal/cases/{number}/withdrawal/close", data={})
    assert forged.status_code == 400
    state = _state(portal_app, number)
    assert state["status"] == "new" and state["pending"]


def test_other_departments_get_404(portal_app):
    number, _ = _filed(portal_app)
    _withdraw(portal_app, number)
    client = _signed_in(portal_app, DPW_CLERK)
    assert client.get(f"/portal/cases/{number}").status_code == 404
    client.get("/portal/")
    response = client.submit(f"/portal/cases/{number}/withdrawal/close", {}, "")
    assert response.status_code == 404
    assert _state(portal_app, number)["pending"]
