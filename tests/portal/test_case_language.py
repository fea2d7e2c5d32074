"""The resident's language in the portal (case page, queue filter, intake form) and on /account."""

from __future__ import annotations

import re

from sqlalchemy import select

from casestore.auth import hash_password
from casestore.models import Case, Resident, utcnow
from tests.fixtures.portal import PortalClient, new_case, session_for, unique_email

AGENT = "agent@atl311.example.org"
RESIDENT_PASSWORD = "resident password 1"


def _signed_in(app, email: str = AGENT) -> PortalClient:
    client = PortalClient(app)
    client.sign_in_staff(email)
    return client


def _queue_numbers(html: str) -> set[str]:
    return set(re.findall(r'href="/portal/cases/(\d{8})"', html))


def test_the_case_page_names_the_residents_language(portal_app):
    spanish = new_case(portal_app, language="es")
    english = new_case(portal_app)
    client = _signed_in(portal_app)
    assert "Resident's language:</strong> Spanish (es)" in client.get(
        f"/portal/cases/{spanish}").get_data(as_text=True)
    assert "Resident's language:</strong> English (en)" in client.get(
        f"/portal/cases/{english}").get_data(as_text=True)


def test_the_queue_shows_each_cases_language_and_filters_by_it(portal_app):
    spanish = new_case(portal_app, language="es-US")
    english = new_case(portal_app, language="en")
    client = _signed_in(portal_app)
    page = client.get("/portal/").get_data(as_text=True)
    assert '<th scope="col">Language</th>' in page
    assert {spanish, english} <= _queue_numbers(page)
    row = re.search(rf'/portal/cases/{spanish}".*?</tr>', page, re.S).group(0)
    assert "<td>Spanish (es)</td>" in row
    assert '<option value="es">Spanish (es)</option>' in page

    only_spanish = client.get("/portal/?language=es").get_data(as_text=True)
    assert spanish in _queue_numbers(only_spanish)
    assert english not in _queue_numbers(only_spanish)
    assert '<option value="es" selected>' in only_spanish
    only_english = _queue_numbers(client.get("/portal/?language=en").get_data(as_text=True))
    assert english in only_english and spanish not in only_english
    # An unknown language is no filter at all, not an empty queue.
    unknown = _queue_numbers(client.get("/portal/?language=fr").get_data(as_text=True))
    assert {spanish, english} <= unknown


def test_department_staff_filter_their_own_queue_by_language(portal_app):
    spanish = new_case(portal_app, language="es")
    dpw_case = new_case(portal_app, "graffiti", language="es",
                        attributes={"surface": "brick wall"})
    client = _signed_in(portal_app, "clerk.dot@atl311.example.org")
    numbers = _queue_numbers(client.get("/portal/?language=es").get_data(as_text=True))
    assert spanish in numbers and dpw_case not in numbers


def _intake(client: PortalClient, **fields):
    client.get("/portal/cases/new?service_code=pothole")
    return client.submit("/portal/cases/new?service_code=pothole", {
        "service_code": "pothole", "channel": "phone_agent", "description": "Caller on the line",
        "address": "55 Trinity Ave SW", "attr-size": "small", "attr-in_travel_lane": "no",
        "requester_email": unique_email(), **fields,
    })


def _language_of(app, location: str) -> str:
    number = location.rsplit("/", 1)[-1]
    with session_for(app) as session:
        return session.execute(select(Case.language).where(Case.number == number)).scalar_one()


def test_the_intake_form_offers_the_catalogs_languages_and_files_in_the_chosen_one(portal_app):
    client = _signed_in(portal_app)
    form = client.get("/portal/cases/new?service_code=pothole").get_data(as_text=True)
    assert '<select id="language" name="language"' in form
    assert '<option value="en" selected>English (en)</option>' in form
    assert '<option value="es">Spanish (es)</option>' in form
    response = _intake(client, language="es")
    assert response.status_code == 302
    assert _language_of(portal_app, response.headers["Location"]) == "es"
    default = _intake(client)  # an older form without the field: the default language
    assert _language_of(portal_app, default.headers["Location"]) == "en"


def test_the_intake_form_refuses_a_language_it_did_not_offer(portal_app):
    client = _signed_in(portal_app)
    with session_for(portal_app) as session:
        before = len(session.execute(select(Case.id)).all())
    response = _intake(client, language="fr")
    assert response.status_code == 400
    assert "language:" in response.get_data(as_text=True)
    # The form comes back offering only the catalog's languages.
    assert '<option value="fr"' not in response.get_data(as_text=True)
    with session_for(portal_app) as session:
        assert len(session.execute(select(Case.id)).all()) == before


# ---------------------------------------------------------------- the resident's /account


def _resident_client(app, language: str | None = None) -> tuple[PortalClient, str]:
    email = unique_email()
    with session_for(app) as session:
        session.add(Resident(email=email, password_hash=hash_password(RESIDENT_PASSWORD),
                             email_confirmed_at=utcnow(), language=language))
        session.commit()
    client = PortalClient(app)
    response = client.submit("/account/login", {"email": email, "password": RESIDENT_PASSWORD},
                             page="/account/login")
    assert response.status_code == 302
    return client, email


def _account_language(app, email: str) -> str | None:
    with session_for(app) as session:
        return session.execute(
            select(Resident.language).where(Resident.email == email)).scalar_one()


def test_a_resident_chooses_their_language_on_the_account_page(portal_app):
    client, email = _resident_client(portal_app)
    page = client.get("/account/").get_data(as_text=True)
    assert 'name="language"' in page and 'action="/account/language"' in page
    response = client.submit("/account/language", {"language": "es-MX"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/account/?lang=es")
    assert _account_language(portal_app, email) == "es"
    page = client.get("/account/?lang=es").get_data(as_text=True)
    assert '<option value="es" selected>' in page


def test_a_language_the_catalog_does_not_offer_changes_nothing(portal_app):
    client, email = _resident_client(portal_app, language="en")
    client.get("/account/")
    response = client.submit("/account/language", {"language": "fr"})
    assert response.status_code == 422
    assert _account_language(portal_app, email) == "en"


def test_the_language_field_needs_a_signed_in_resident_and_a_csrf_token(portal_app):
    anonymous = PortalClient(portal_app)
    anonymous.get("/account/login")
    response = anonymous.submit("/account/language", {"language": "es"})
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]
    client, email = _resident_client(portal_app)
    assert client.http.post("/account/language", data={"language": "es"}).status_code == 400
    assert _account_language(portal_app, email) is None
