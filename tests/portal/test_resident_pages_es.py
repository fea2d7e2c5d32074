"""Resident pages in Spanish: chosen by ?lang=, the lang cookie or Accept-Language, with a switch.

A Spanish page keeps no English sentence: each test lists the English texts the
page shows in English (checked there too, so the list stays honest) and asserts
none is visible on the Spanish page. Staff pages stay in the default language.
"""

from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from casestore.account.tokens import reopen_token
from casestore.catalog import get_catalog
from casestore.models import Case, OutboxMessage
from casestore.notices import render_email
from tests.fixtures.portal import PortalClient, new_case, session_for, unique_email

PASSWORD = "resident password 1"
SPANISH = {"Accept-Language": "es-US,es;q=0.9,en;q=0.5"}
ENGLISH = {"Accept-Language": "en-US,en;q=0.9"}

# What every resident page shows around its content (header, switch, footer).
FRAME_EN = ["Skip to main content", "City of Atlanta", "Case Status", "Sign in",
            "Create account", "non-emergency services", "In an emergency call 911"]
CASE_PAGE_EN = FRAME_EN + ["Case number", "Service", "Status", "Department", "Filed",
                           "Expected by", "Location", "Description", "Public updates",
                           "Case opened", "Pothole", "New", "Atlanta Department of Transportation",
                           "assistant"]
# A date or time written the English way ("Dec 3, 2026 10:15 AM").
ENGLISH_DATE = re.compile(r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d|\d (AM|PM)\b")


class _Visible(HTMLParser):
    """The text a reader sees: no tags, scripts or styles; attribute values a reader sees too."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        # A submit button's label, a placeholder and an aria-label are read too.
        if tag == "input" and attrs.get("type") == "submit" and attrs.get("value"):
            self.parts.append(attrs["value"])
        for name in ("placeholder", "aria-label", "title"):
            if attrs.get(name):
                self.parts.append(attrs[name])

    def handle_data(self, data):
        self.parts.append(data)


def visible(html: str) -> str:
    """Return the page's visible text, whitespace collapsed."""
    parser = _Visible()
    parser.feed(html)
    return re.sub(r"\s+", " ", unescape(" ".join(parser.parts)))


def english_left(text: str, english: list[str]) -> list[str]:
    """The English texts of ``english`` still in ``text`` (whole words, so "New" is not "Nuevo")."""
    return [e for e in english if re.search(rf"(?<![\w]){re.escape(e)}(?![\w])", text)]


def without_switch(text: str) -> str:
    # The switch names each language in itself ("English"): that word is meant to stay.
    return text.replace("English", "")


@pytest.fixture()
def es_case(portal_app):
    return new_case(portal_app, language="es")


# --- choosing the language ---------------------------------------------------------------


def test_lang_parameter_shows_spanish_and_the_cookie_keeps_it(portal_app):
    number = new_case(portal_app)
    client = portal_app.test_client()
    page = client.get(f"/cases/{number}?lang=es", headers=ENGLISH)
    assert page.status_code == 200
    assert "lang=es" in page.headers.get("Set-Cookie", "")
    assert {"Accept-Language", "Cookie"} <= set(page.headers.get("Vary", "").split(", "))
    text = visible(page.get_data(as_text=True))
    assert "Número de caso" in text and "Bache" in text and "Actualizaciones públicas" in text
    assert '<html lang="es">' in page.get_data(as_text=True)
    # The cookie now wins over the browser's English, on another page too.
    again = visible(client.get("/account/login", headers=ENGLISH).get_data(as_text=True))
    assert "Iniciar sesión" in again and "Contraseña" in again
    # And the switch back to English replaces it.
    back = client.get(f"/cases/{number}?lang=en", headers=SPANISH)
    assert "lang=en" in back.headers.get("Set-Cookie", "")
    assert "Case number" in visible(back.get_data(as_text=True))


def test_accept_language_chooses_spanish_and_unknown_languages_fall_back(portal_app):
    number = new_case(portal_app)
    client = portal_app.test_client()
    assert "Número de caso" in visible(client.get(f"/cases/{number}", headers=SPANISH).text)
    french = client.get(f"/cases/{number}", headers={"Accept-Language": "fr-FR"})
    assert "Case number" in visible(french.text)
    bogus = client.get(f"/cases/{number}?lang=xx", headers=ENGLISH)
    assert "Case number" in visible(bogus.text) and "Set-Cookie" not in bogus.headers


def test_the_visitors_language_wins_over_the_cases_and_the_case_is_the_fallback(portal_app,
                                                                                  es_case):
    client = portal_app.test_client()
    # A browser that says English reads a Spanish resident's case in English ...
    assert "Case number" in visible(client.get(f"/cases/{es_case}", headers=ENGLISH).text)
    # ... and a visitor who states no preference at all gets the case's language.
    assert "Número de caso" in visible(client.get(f"/cases/{es_case}").text)
    english_case = new_case(portal_app)
    assert "Case number" in visible(client.get(f"/cases/{english_case}").text)


def test_every_resident_page_has_a_language_switch_with_lang_links(portal_app):
    number = new_case(portal_app)
    client = portal_app.test_client()
    for path in (f"/cases/{number}", "/account/login", "/account/signup", "/cases/99999999"):
        html = client.get(path, headers=SPANISH).get_data(as_text=True)
        assert 'class="language-switch"' in html, path
        assert f'href="{path}?lang=en"' in html and 'hreflang="en"' in html, path
        assert '<span aria-current="true">Español</span>' in html, path
    # Other query parameters (a reopen link's token) survive the switch.
    html = client.get("/account/reset?token=abc", headers=SPANISH).get_data(as_text=True)
    assert 'href="/account/reset?token=abc&amp;lang=en"' in html


def test_staff_pages_stay_in_the_default_language(portal_app):
    page = portal_app.test_client().get("/portal/login?lang=es", headers=SPANISH)
    text = visible(page.get_data(as_text=True))
    assert "Sign in" in text and "Iniciar sesión" not in text
    assert "language-switch" not in page.get_data(as_text=True)
    assert "lang=" not in page.headers.get("Set-Cookie", "")


# --- no English left -------------------------------------------------------------------------


def test_public_case_page_in_spanish_keeps_no_english(portal_app, es_case):
    client = portal_app.test_client()
    english = visible(client.get(f"/cases/{es_case}", headers=ENGLISH).text)
    assert english_left(english, CASE_PAGE_EN) == CASE_PAGE_EN and ENGLISH_DATE.search(english)
    spanish = visible(client.get(f"/cases/{es_case}", headers=SPANISH).text)
    assert english_left(without_switch(spanish), CASE_PAGE_EN) == []
    assert not ENGLISH_DATE.search(spanish)
    for word in ("Bache", "Departamento de Transporte de Atlanta", "Caso abierto", "Nuevo",
                 "Fecha prevista", "asistente de ATL311", "de 20"):
        assert word in spanish


def test_closed_case_and_reopen_pages_in_spanish(portal_app):
    number = new_case(portal_app, language="es")
    staff = PortalClient(portal_app)
    staff.sign_in_staff("clerk.dot@atl311.example.org")
    staff.get(f"/portal/cases/{number}")
    staff.submit(f"/portal/cases/{number}/close",
                 {"reason": "fixed", "comments": "Se rellenó con asfalto."}, "close")
    with session_for(portal_app) as session:
        case = session.execute(select(Case).where(Case.number == number)).scalar_one()
        token = reopen_token(case.number, case.closed_at)
    client = portal_app.test_client()
    closed_en = ["Closed", "Close reason", "Closure comments", "Fixed / resolved", "Reason"]
    english = visible(client.get(f"/cases/{number}", headers=ENGLISH).text)
    assert english_left(english, closed_en) == closed_en
    spanish = visible(client.get(f"/cases/{number}", headers=SPANISH).text)
    assert english_left(without_switch(spanish), CASE_PAGE_EN + closed_en) == []
    assert "Arreglado / resuelto" in spanish and "Motivo del cierre" in spanish

    reopen_en = FRAME_EN + ["Not fixed?", "Reopen case", "closed", "Closure comments",
                            "What is still wrong?", "Your note goes to the department",
                            "Reopen my case"]
    path = f"/cases/{number}/reopen?token={token}"
    english = visible(client.get(path, headers=ENGLISH).text)
    assert english_left(english, reopen_en) == reopen_en
    spanish = visible(client.get(path, headers=SPANISH).text)
    assert english_left(without_switch(spanish), reopen_en) == []
    assert "¿No se arregló? Reabra el caso" in spanish and "Reabrir mi caso" in spanish

    broken_en = FRAME_EN + ["This link does not work", "The link is expired"]
    english = visible(client.get(f"/cases/{number}/reopen?token=bad", headers=ENGLISH).text)
    assert english_left(english, broken_en) == broken_en
    spanish = visible(client.get(f"/cases/{number}/reopen?token=bad", headers=SPANISH).text)
    assert english_left(without_switch(spanish), broken_en) == []
    assert "Este enlace no funciona" in spanish


def test_not_found_page_in_spanish(portal_app):
    not_found_en = FRAME_EN + ["Case not found", "There is no case with that number"]
    client = portal_app.test_client()
    english = client.get("/cases/99999999", headers=ENGLISH)
    assert english_left(visible(english.text), not_found_en) == not_found_en
    spanish = client.get("/cases/99999999", headers=SPANISH)
    assert spanish.status_code == 404
    assert english_left(without_switch(visible(spanish.text)), not_found_en) == []
    assert "No se encontró el caso" in visible(spanish.text)


def test_account_pages_in_spanish_from_sign_up_to_case_status(portal_app):
    email = unique_email()
    number = new_case(portal_app, language="es", requester={"email": email})
    client = PortalClient(portal_app)
    signup_en = FRAME_EN + ["Create an account", "See every case filed", "Email", "Password",
                            "At least 12 characters", "Repeat password",
                            "I already have an account"]
    english = visible(client.get("/account/signup", headers=ENGLISH).get_data(as_text=True))
    assert english_left(english, signup_en) == signup_en
    spanish = visible(client.get("/account/signup?lang=es").get_data(as_text=True))
    assert english_left(without_switch(spanish), signup_en) == []

    # Errors from the form's validators are in Spanish too.
    client.submit("/account/signup", {"email": email, "password": "short", "confirm": "x"})
    errors = visible(client.last_html)
    assert "Use al menos 12 caracteres." in errors and "Las contraseñas no coinciden." in errors
    assert "Use at least" not in errors and "Passwords differ" not in errors

    response = client.submit("/account/signup",
                             {"email": email, "password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 200
    assert "Revise su correo electrónico" in visible(client.last_html)
    with session_for(portal_app) as session:
        row = session.execute(select(OutboxMessage).where(
            OutboxMessage.recipient == email, OutboxMessage.event == "account_confirm")
        ).scalars().first()
        subject, text, _html = render_email(row, None, get_catalog())
    assert subject == "Confirme su cuenta de ATL311"  # asked for on a Spanish page
    link = re.search(r"http://casestore\.test(\S+)", text).group(1)
    client.get(link)
    signed_in_frame = [t for t in FRAME_EN if t not in ("Sign in", "Create account")]
    status_en = signed_in_frame + ["Your cases", "Cases filed with", "Timeline", "Case number",
                                   "Add a note or photo", "Your note or answer",
                                   "Photo link (optional)", "A link to a photo", "Add to case",
                                   "Sign out", "Pothole", "Expected by"]
    english = visible(client.get("/account/?lang=en").get_data(as_text=True))
    assert english_left(english, status_en) == status_en
    spanish = visible(client.get("/account/?lang=es").get_data(as_text=True))
    assert english_left(without_switch(spanish), status_en) == []
    assert not ENGLISH_DATE.search(spanish)
    assert f"Caso {number[:2]}-{number[2:]}" in spanish and "Cerrar sesión" in spanish


def test_english_pages_are_unchanged_by_default(portal_app):
    number = new_case(portal_app)
    html = portal_app.test_client().get(f"/cases/{number}").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert f"Case {number[:2]}-{number[2:]}: Pothole" in visible(html)
