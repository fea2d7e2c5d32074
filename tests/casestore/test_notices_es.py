"""Notices speak the case's language: emails (subject too), SMS texts and live chat lines.

A case filed with ``language: es`` gets Spanish notices with the catalog's Spanish
service and department names and Spanish dates; a case in English gets exactly
the English notices it always did.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from casestore.activities import add_activity
from casestore.authors import SYSTEM
from casestore.cases import find_case
from casestore.catalog import get_catalog
from casestore.livechat import notify
from casestore.livechat.hours import describe, parse_hours
from casestore.models import OutboxMessage
from casestore.notices import render_email, render_text
from tests.fixtures.casestore import file_case, session_for

SMS = "sms:+14045550123"


class StaffedHours:
    """Live chat settings' ``hours_text``: worded when read, in the line's language."""

    @property
    def hours_text(self) -> str:
        return describe(parse_hours("Mon-Fri 08:00-17:00"))


def notices_of(app, number: str, event: str) -> dict[str, tuple]:
    """Render the case's ``event`` notices: {"email": (subject, text, html), "sms": text}."""
    with session_for(app) as session:
        case = find_case(session, number)
        rows = session.execute(select(OutboxMessage).where(
            OutboxMessage.case_id == case.id, OutboxMessage.event == event)).scalars().all()
        out = {}
        for row in rows:
            if row.transport == "email":
                out["email"] = render_email(row, case, get_catalog())
            else:
                out[row.transport] = render_text(row, case, get_catalog())
        return out


def close(app, number: str, comments: str) -> None:
    with session_for(app) as session:
        case = find_case(session, number)
        add_activity(session, get_catalog(), case, "closed", author=SYSTEM, reason="fixed",
                     comments=comments)


@pytest.fixture()
def es_case(cs_service):
    return file_case(cs_service, language="es")["case_number"]


@pytest.fixture()
def en_case(cs_service):
    return file_case(cs_service)["case_number"]


def test_opened_email_and_sms_are_in_spanish_for_a_spanish_case(cs_app, es_case):
    notices = notices_of(cs_app, es_case, "opened")
    subject, text, html = notices["email"]
    grouped = f"{es_case[:2]}-{es_case[2:]}"
    assert subject == f"Caso {grouped} de ATL311 recibido: Bache"
    for body in (text, html):
        assert "Gracias por comunicarse con ATL311. Recibimos su solicitud." in body
        assert "Departamento de Transporte de Atlanta" in body and "Bache" in body
        assert "Fecha prevista" in body
        assert "Pothole" not in body and "Expected by" not in body and "Thank you" not in body
    # The expected date is written in Spanish ("lunes, 7 de diciembre de 2026").
    assert re.search(r"(lunes|martes|miércoles|jueves|viernes|sábado|domingo), \d+ de \w+ de 20",
                     text)
    assert '<html lang="es">' in html and "En una emergencia, llame al 911." in html
    sms = notices["sms"]
    assert sms.startswith(f"ATL311: recibimos el caso {grouped} (Bache).")
    assert "prevé atenderlo a más tardar el" in sms and "Sígalo aquí:" in sms
    # Links open the page in the notice's language.
    assert sms.endswith(f"/cases/{es_case}?lang=es") and f"/cases/{es_case}?lang=es" in text


def test_closed_email_and_sms_are_in_spanish_with_the_reason_and_reopen_offer(cs_app, es_case):
    close(cs_app, es_case, "Se rellenó el bache con asfalto caliente.")
    notices = notices_of(cs_app, es_case, "closed")
    subject, text, html = notices["email"]
    grouped = f"{es_case[:2]}-{es_case[2:]}"
    assert subject == f"Caso {grouped} de ATL311 cerrado: Bache"
    assert f"Su caso {grouped} de ATL311 (Bache) está cerrado." in text
    assert "Motivo: Arreglado" in text and "Comentarios de cierre:" in text
    assert "¿No se arregló? Avísenos dentro de 30 días y reabriremos el caso:" in text
    assert "Pídanos que reabramos el caso" in html
    assert re.search(rf"/cases/{es_case}/reopen\?token=[\w.-]+&lang=es\n", text)
    for body in (text, html):
        assert "Reason" not in body and "Closure comments" not in body and "is closed" not in body
    sms = notices["sms"]
    assert sms.startswith(f"El caso {grouped} de ATL311 (Bache) está cerrado: Arreglado.")
    # The channels app reads SÍ/SI as a yes (channels/notices.py).
    assert "¿Se arregló? Responda SÍ o NO (dentro de 30 días)." in sms


def test_an_english_case_gets_the_english_notices(cs_app, en_case):
    grouped = f"{en_case[:2]}-{en_case[2:]}"
    subject, text, html = notices_of(cs_app, en_case, "opened")["email"]
    assert subject == f"ATL311 case {grouped} received: Pothole"
    assert text.startswith("Thank you for contacting ATL311. We have received your request.\n")
    assert re.search(r"Expected by: \w+day, \w+ \d+, 20\d\d\n", text)
    assert '<html lang="en">' in html
    sms = notices_of(cs_app, en_case, "opened")["sms"]
    assert sms.startswith(f"ATL311: we received case {grouped} (Pothole). "
                          "Atlanta Department of Transportation expects to act by ")
    close(cs_app, en_case, "Patched.")
    closed = notices_of(cs_app, en_case, "closed")
    assert closed["email"][0] == f"ATL311 case {grouped} closed: Pothole"
    assert "Reason: Fixed\n" in closed["email"][1]
    assert "Is it fixed? Reply YES or NO (within 30 days)." in closed["sms"]
    assert "lang=" not in closed["sms"] and "lang=" not in closed["email"][1]


def test_a_spanish_update_names_the_event_and_status_in_spanish(cs_app, es_case):
    with session_for(cs_app) as session:
        case = find_case(session, es_case)
        add_activity(session, get_catalog(), case, "info_requested", author=SYSTEM,
                     note="¿De qué lado de la calle está?")
    subject, text, _html = notices_of(cs_app, es_case, "info_requested")["email"]
    assert subject.endswith(": necesitamos más información")
    assert "Cómo responder: inicie sesión en" in text
    sms = notices_of(cs_app, es_case, "info_requested")["sms"]
    assert "necesitamos más información. ¿De qué lado de la calle está?" in sms


def test_live_chat_lines_follow_the_chats_language(cs_app, cs_service):
    with cs_app.app_context():
        assert notify.left_text("es").startswith("Muy bien, salió de la fila.")
        assert notify.left_text() == notify.left_text("en")
        assert notify.left_text().startswith("OK, you left the queue.")
        assert "1 minuto" in notify.queued_text(1, 1, "es")
        assert "5 minutos" in notify.queued_text(3, 5, "es")
        # The word the queued line names is the one that leaves the queue, in each language.
        assert notify.queued_text(1, 1, "es").endswith("Para dejar de esperar, envíe ASISTENTE.")
        assert notify.queued_text(1, 1).endswith("To stop waiting, send ASSISTANT.")
        assert {"asistente", "assistant"} <= notify.leave_words()
        hours = StaffedHours()
        assert "de lunes a viernes, de 8:00 AM a 5:00 PM" in notify.timeout_text(hours, "es")
        assert "Monday to Friday, 8:00 AM to 5:00 PM" in notify.timeout_text(hours)
    # The handoff's language is kept with the chat: its first answer is already in Spanish.
    answer = cs_service.post("/api/v1/live-chats", json={
        "sender_id": SMS, "language": "es-US",
        "transcript": [{"role": "resident", "text": "quiero hablar con una persona"}],
    })
    assert answer.status_code in (200, 201), answer.get_json()
    message = answer.get_json()["message"]
    assert "agente" in message and "agent " not in message
