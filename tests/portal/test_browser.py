"""In a real browser: a clerk works a case and the resident watches every step.

Headless Debian Chromium through Playwright against the case store served over
HTTP; axe-core checks the portal, account and case pages for serious or
critical accessibility violations.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from casestore.auth import hash_password
from casestore.models import Case, Resident, utcnow
from tests.fixtures.browser import serious_violations
from tests.fixtures.portal import PASSWORD, new_case, session_for, unique_email

RESIDENT_PASSWORD = "resident password 1"


def add_resident(app, email: str) -> None:
    """An account whose email is already confirmed."""
    with session_for(app) as session:
        session.add(Resident(email=email, password_hash=hash_password(RESIDENT_PASSWORD),
                             email_confirmed_at=utcnow()))
        session.commit()


def signed_in_page(browser, server, login_path: str, email: str, password: str,
                   bypass_csp: bool = False):
    """A fresh browser context signed in through the ``login_path`` form.

    axe-core is injected as a script, which the pages' Content-Security-Policy
    forbids; only the accessibility checks pass ``bypass_csp``.
    """
    page = browser.new_context(bypass_csp=bypass_csp).new_page()
    page.goto(f"{server.url}{login_path}")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    return page


def staff_page(browser, server, email: str, bypass_csp: bool = False):
    return signed_in_page(browser, server, "/portal/login", email, PASSWORD, bypass_csp)


def resident_page(browser, server, email: str, bypass_csp: bool = False):
    return signed_in_page(browser, server, "/account/login", email, RESIDENT_PASSWORD, bypass_csp)


def submit(page, button_selector: str) -> None:
    with page.expect_navigation():
        page.locator(button_selector).click()


def resident_card(page, server, number: str):
    """Reload the Case Status tab and return the card of case ``number``."""
    page.goto(f"{server.url}/account/")
    return page.locator("section.case-card").filter(has_text=f"{number[:2]}-{number[2:]}")


def public_status(page, server, number: str) -> tuple[str, str]:
    page.goto(f"{server.url}/cases/{number}")
    return page.locator(".summary .status").inner_text(), page.locator("main").inner_text()


def test_clerk_works_a_case_and_the_resident_sees_each_step(chromium, live_casestore):
    server = live_casestore
    email = unique_email()
    add_resident(server.app, email)
    number = new_case(server.app, channel="sms", requester={"email": email},
                      description="<b>Deep</b> hole <script>document.title='x'</script>")
    clerk = staff_page(chromium, server, "clerk.dot@atl311.example.org")
    resident = resident_page(chromium, server, email)
    visitor = chromium.new_context().new_page()

    clerk.goto(f"{server.url}/portal/cases/{number}")
    assert "<b>Deep</b>" in clerk.locator(".description").inner_text()  # shown as text
    submit(clerk, "text=Acknowledge receipt")
    assert resident_card(resident, server, number).locator(".status").inner_text() == \
        "Acknowledged"
    assert public_status(visitor, server, number)[0] == "Acknowledged"

    clerk.locator("#note-kind").select_option("update")
    clerk.locator("#note-note").fill("A crew is scheduled for Tuesday.")
    submit(clerk, "#note-submit")
    card = resident_card(resident, server, number)
    assert "A crew is scheduled for Tuesday." in card.text_content()
    assert "A crew is scheduled for Tuesday." in public_status(visitor, server, number)[1]

    clerk.get_by_text("Request information from the resident").click()
    clerk.locator("#info-note").fill("Is the hole in the bike lane?")
    submit(clerk, "#info-submit")
    card = resident_card(resident, server, number)
    assert card.locator(".status").inner_text() == "Waiting for resident"
    assert "Is the hole in the bike lane?" in card.inner_text()
    resident.locator(f"#c{number}-note").fill("Yes, the bike lane, eastbound.")
    submit(resident, f"#c{number}-submit")
    clerk.goto(f"{server.url}/portal/cases/{number}")
    assert "Yes, the bike lane, eastbound." in clerk.locator(".timeline").inner_text()

    clerk.get_by_text("Close case", exact=True).first.click()
    clerk.locator("#close-reason").select_option("fixed")
    clerk.locator("#close-comments").fill("Patched with hot asphalt on Tuesday.")
    submit(clerk, "#close-submit")
    card = resident_card(resident, server, number)
    assert card.locator(".status").inner_text() == "Closed"
    assert "Patched with hot asphalt on Tuesday." in card.inner_text()
    status, text = public_status(visitor, server, number)
    assert status == "Closed" and "Patched with hot asphalt on Tuesday." in text
    assert email not in text and visitor.title().startswith("Case")
    # The description's <script> never ran (it would have changed the title).
    clerk.goto(f"{server.url}/portal/cases/{number}")
    assert clerk.title() != "x"


def test_another_departments_clerk_cannot_open_the_case(chromium, live_casestore):
    server = live_casestore
    number = new_case(server.app)
    neighbour = new_case(server.app)
    dpw = staff_page(chromium, server, "clerk.dpw@atl311.example.org")
    for guess in (number, neighbour, str(int(neighbour) + 1)):
        response = dpw.goto(f"{server.url}/portal/cases/{guess}")
        assert response.status == 404
        assert "Deep hole" not in dpw.content()
    queue = dpw.goto(f"{server.url}/portal/")
    assert queue.status == 200 and number[2:] not in dpw.content()


def test_browser_post_without_csrf_token_is_refused(chromium, live_casestore):
    server = live_casestore
    number = new_case(server.app)
    clerk = staff_page(chromium, server, "clerk.dot@atl311.example.org")
    response = clerk.context.request.post(f"{server.url}/portal/cases/{number}/close",
                                          form={"close-reason": "fixed",
                                                "close-comments": "forged"})
    assert response.status == 400
    with session_for(server.app) as session:
        case = session.execute(select(Case).where(Case.number == number)).scalar_one()
        assert case.status == "new"


PAGES_BY_ROLE = {
    None: ["/portal/login", "/account/login", "/account/signup", "/account/forgot",
           "/cases/{number}", "/cases/99999999"],
    "admin@atl311.example.org": ["/portal/", "/portal/cases/{number}", "/portal/dashboard",
                                 "/portal/cases/new", "/portal/cases/new?service_code=pothole",
                                 "/portal/admin/staff", "/portal/admin/api-keys",
                                 "/portal/password"],
}


@pytest.mark.parametrize("who", list(PAGES_BY_ROLE), ids=["anonymous", "admin"])
def test_pages_have_no_serious_accessibility_violations(chromium, live_casestore, who):
    server = live_casestore
    number = new_case(server.app, requester={"email": unique_email()})
    with session_for(server.app) as session:  # a closed duplicate fills more of the page
        from casestore.activities import add_activity
        from casestore.authors import RESIDENT
        from casestore.cases import find_case
        from casestore.catalog import get_catalog

        add_activity(session, get_catalog(), find_case(session, number), "update",
                     author=RESIDENT, note="Public note")
    page = staff_page(chromium, server, who, bypass_csp=True) if who \
        else chromium.new_context(bypass_csp=True).new_page()
    found = {}
    for path in PAGES_BY_ROLE[who]:
        page.goto(server.url + path.format(number=number))
        problems = serious_violations(page)
        if problems:
            found[path] = problems
    assert found == {}


def test_case_status_tab_has_no_serious_accessibility_violations(chromium, live_casestore):
    server = live_casestore
    email = unique_email()
    add_resident(server.app, email)
    new_case(server.app, requester={"email": email})
    page = resident_page(chromium, server, email, bypass_csp=True)
    page.goto(f"{server.url}/account/")
    assert page.locator("section.case-card").count() == 1
    assert serious_violations(page) == []
