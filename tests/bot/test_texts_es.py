"""The action server speaks the conversation's language: the Spanish catalog and its use.

The catalog checks read bot/actions/translations/es/LC_MESSAGES/messages.po and
the code's texts (``pybabel extract``); the action checks run the actions with a
tracker whose ``language`` slot is "es", against a real case store, as
tests/bot/test_report_actions.py does.
"""

from __future__ import annotations

import os
import string
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from rasa_sdk.executor import CollectingDispatcher

from bot.actions import filing_worker
from bot.actions import texts as i18n
from bot.actions.clarify import ActionClarify
from bot.actions.handoff import ActionHandoffToAgent
from bot.actions.parsing import is_skip, parse_yes_no
from bot.actions.referral import ActionGiveReferral
from bot.actions.report import (
    ActionAskAttributeAnswer,
    ActionAskContact,
    ActionAskFollowDuplicate,
    ActionAskReportConfirmed,
    ActionStartReport,
    ActionSubmitReport,
    new_case_body,
)
from bot.actions.report_form import SKIPPED, ValidateReportForm
from bot.actions.status import ActionCheckStatus
from bot.actions.withdraw import ActionWithdrawCase
from tests.bot.conftest import make_tracker, run, slot_events, texts
from tests.bot.test_report_actions import FILLED
from tests.fixtures.stack import free_port

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "bot" / "actions" / "translations" / "es" / "LC_MESSAGES" / "messages.po"
ES = {"language": "es"}
FORM = ValidateReportForm()


def es_tracker(slots: dict | None = None, **kwargs):
    """A tracker of a conversation in Spanish."""
    return make_tracker({**ES, **(slots or {})}, **kwargs)


def catalog_messages(path: Path) -> list:
    with path.open("rb") as handle:
        return [m for m in read_po(handle, locale="es") if m.id]


def placeholders(text: str) -> list[str]:
    return sorted(name for _, name, _, _ in string.Formatter().parse(text) if name is not None)


# --- the Spanish catalog ---------------------------------------------------------


def test_every_spanish_text_is_translated_and_none_is_fuzzy():
    messages = catalog_messages(PO)
    assert messages
    assert [m.id for m in messages if not m.string or not str(m.string).strip()] == []
    assert [m.id for m in messages if m.fuzzy] == []


def test_the_catalog_has_every_text_the_code_marks(tmp_path):
    pot = tmp_path / "messages.pot"
    pybabel = Path(sys.executable).with_name("pybabel")
    subprocess.run(
        [str(pybabel), "-q", "extract", "-F", "bot/babel.cfg", "-o", str(pot), "bot/actions"],
        cwd=ROOT, check=True, capture_output=True,
    )
    in_code = {m.id for m in catalog_messages(pot)}
    assert len(in_code) > 100  # the extraction found the actions' texts at all
    assert sorted(in_code - {m.id for m in catalog_messages(PO)}) == []


def test_each_translation_keeps_the_placeholders_of_its_english_text():
    for message in catalog_messages(PO):
        assert placeholders(message.string) == placeholders(message.id), message.id


def test_a_conversation_without_a_known_language_speaks_english():
    assert i18n.language_of(make_tracker()) == "en"
    assert i18n.language_of(make_tracker({"language": "fr"})) == "en"
    assert i18n.language_of(make_tracker({"language": "es-US"})) == "es"
    assert i18n.translation("es")("Skip") == "Omitir"
    assert i18n.translation("fr")("Skip") == "Skip"


# --- the actions, in Spanish ---------------------------------------------------------


def test_the_first_confirmation_names_the_service_in_spanish(store_env):
    dispatcher = CollectingDispatcher()
    tracker = es_tracker(text="hay un bache enorme frente a mi casa", intent="report_pothole")
    run(ActionStartReport().run(dispatcher, tracker, {}))
    assert texts(dispatcher) == ["Puedo reportarlo a la Ciudad como: Bache."]


def test_a_choice_question_and_its_buttons_are_in_spanish_and_a_spanish_answer_fits(store_env):
    dispatcher = CollectingDispatcher()
    slots = {"service_code": "pothole", "attributes": {"size": "large"}}
    events = run(ActionAskAttributeAnswer().run(dispatcher, es_tracker(slots), {}))
    assert dispatcher.messages[0]["text"].startswith(
        "¿Está en un carril por donde pasan los carros?"
    )
    assert [b["title"] for b in dispatcher.messages[0]["buttons"]] == ["Sí", "No"]
    assert slot_events(events) == {"pending_attribute": "in_travel_lane"}
    # The button's payload, and a plain "sí", answer it.
    for said in ("Sí", "sí, claro"):
        tracker = es_tracker(
            {**slots, "pending_attribute": "in_travel_lane"}, text=said,
            requested_slot="attribute_answer",
        )
        result = run(FORM.validate_attribute_answer(said, CollectingDispatcher(), tracker, {}))
        assert result["attributes"] == {"size": "large", "in_travel_lane": "yes"}


def test_an_answer_outside_the_choices_is_refused_in_spanish(store_env):
    dispatcher = CollectingDispatcher()
    tracker = es_tracker({"service_code": "pothole"}, text="morado",
                         requested_slot="attribute_answer")
    run(FORM.validate_attribute_answer("morado", dispatcher, tracker, {}))
    assert texts(dispatcher) == [
        "Por favor, elija una de estas opciones: Pequeño, Mediano, Grande."
    ]


def test_the_contact_question_is_in_spanish_and_its_payloads_stay_readable(store_env):
    dispatcher = CollectingDispatcher()
    run(ActionAskContact().run(dispatcher, es_tracker(sender="sms:+14045550123"), {}))
    [message] = dispatcher.messages
    assert message["text"].startswith(
        "¿Cómo le enviamos los avisos: por mensaje de texto a este número, o por correo"
    )
    assert [b["title"] for b in message["buttons"]] == ["Texto a este número", "Omitir"]
    assert [b["payload"] for b in message["buttons"]] == ["text me", "skip"]


@pytest.mark.parametrize("said", ["omitir", "saltar", "ninguno", "no, gracias", "sáltelo"])
def test_spanish_words_skip_the_contact_question(store_env, said):
    tracker = es_tracker(text=said, requested_slot="contact")
    assert run(FORM.validate_contact(said, CollectingDispatcher(), tracker, {})) == {
        "contact": SKIPPED
    }


def test_the_summary_is_in_spanish(store_env):
    dispatcher = CollectingDispatcher()
    tracker = es_tracker(dict(FILLED, report_confirmed=None), requested_slot="report_confirmed")
    run(ActionAskReportConfirmed().run(dispatcher, tracker, {}))
    [message] = dispatcher.messages
    assert message["text"] == (
        'Este es su reporte: Bache en 412 Boulevard SE. "deep hole in the right lane". '
        "¿Qué tan grande es el bache? Grande; "
        "¿Está en un carril por donde pasan los carros? Sí. "
        "Avisos a: ada@example.com. ¿Lo presento?"
    )
    assert [b["title"] for b in message["buttons"]] == ["Sí, presentarlo", "No, cambiar algo"]


@pytest.mark.parametrize("said,answer", [("sí", True), ("claro", True), ("Sí, preséntelo", True),
                                         ("no", False), ("para nada", False)])
def test_spanish_yes_and_no_answer_the_summary(store_env, said, answer):
    dispatcher = CollectingDispatcher()
    tracker = es_tracker(dict(FILLED, report_confirmed=None), text=said,
                         requested_slot="report_confirmed")
    result = run(FORM.validate_report_confirmed(said, dispatcher, tracker, {}))
    assert result == {"report_confirmed": True if answer else None}
    if not answer:
        assert texts(dispatcher)[0].startswith("¿Qué quiere cambiar?")


def test_a_spanish_correction_at_the_summary_changes_the_address(store_env):
    dispatcher = CollectingDispatcher()
    said = "la dirección es 130 Boulevard SE"
    tracker = es_tracker(dict(FILLED, report_confirmed=None), text=said,
                         requested_slot="report_confirmed")
    result = run(FORM.validate_report_confirmed(said, dispatcher, tracker, {}))
    assert result["location"] == "130 Boulevard SE"
    assert texts(dispatcher)[0] == "Entendido, ahora la ubicación es 130 Boulevard SE."


def test_the_filed_message_gives_the_case_number_in_spanish_and_the_case_is_spanish(store_env):
    dispatcher = CollectingDispatcher()
    tracker = es_tracker(FILLED, text="sí", intent="affirm",
                         metadata={"message_id": "SM-es-filed"})
    events = run(ActionSubmitReport().run(dispatcher, tracker, {}))
    number = slot_events(events)["my_cases"][-1]
    [said] = texts(dispatcher)
    assert said.startswith(
        f"¡Gracias! Su número de caso es {number[:2]}-{number[2:]}. "
        "Se envió al Departamento de Transporte de Atlanta"
    )
    assert said.endswith("Le avisaremos por correo electrónico cuando se abra y cuando se cierre.")
    case = store_env.api("GET", f"/api/v1/cases/{number}").json()
    assert case["language"] == "es"


def test_the_case_body_carries_the_conversations_language():
    assert new_case_body(es_tracker(FILLED))["language"] == "es"
    assert new_case_body(make_tracker(FILLED))["language"] == "en"


def test_a_report_queued_in_spanish_is_announced_in_spanish(
    store_env, actions_db, send_recorder, monkeypatch
):
    live = os.environ["CASESTORE_URL"]
    monkeypatch.setenv("CASESTORE_URL", f"http://127.0.0.1:{free_port()}")
    dispatcher = CollectingDispatcher()
    tracker = es_tracker(FILLED, text="sí", intent="affirm", sender="sms:+14045550199",
                         metadata={"message_id": "SM-es-queued"})
    run(ActionSubmitReport().run(dispatcher, tracker, {}))
    assert texts(dispatcher) == [
        "El sistema de casos de la Ciudad no responde en este momento, pero su reporte está "
        "guardado y se registrará en cuanto vuelva a funcionar. "
        "Le enviaré el número de caso por aquí."
    ]
    monkeypatch.setenv("CASESTORE_URL", live)
    assert filing_worker.process_due() == 1
    [notice] = send_recorder.sent
    assert notice["text"].startswith("Su reporte ya quedó registrado. Su número de caso es ")


def test_a_status_answer_is_in_spanish_with_its_status_word(store_env):
    filed = store_env.api("POST", "/api/v1/cases", json={
        "service_code": "streetlight_out", "description": "light out all week",
        "channel": "webchat", "address": "45 Ivan Allen Jr Blvd NW",
        "attributes": {"how_many": "one"},
    })
    assert filed.status_code == 201, filed.text
    number = filed.json()["case_number"]
    dispatcher = CollectingDispatcher()
    tracker = es_tracker(text=f"estado del caso {number}", intent="check_status")
    run(ActionCheckStatus().run(dispatcher, tracker, {}))
    [said] = texts(dispatcher)
    assert said.startswith(f"Caso {number[:2]}-{number[2:]} (Alumbrado público apagado en 45 ")
    assert "): Nuevo. Lo atiende el Departamento de Transporte de Atlanta." in said
    # The expected date, in Spanish words: "... a más tardar el jueves 17 de diciembre."
    weekdays = ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo")
    expected = said.split(" Se espera atenderlo a más tardar el ")[1]
    assert expected.split()[0] in weekdays and expected.split()[2] == "de"


def test_an_unknown_case_number_is_answered_in_spanish(store_env):
    dispatcher = CollectingDispatcher()
    tracker = es_tracker(text="estado del caso 26999999", intent="check_status")
    run(ActionCheckStatus().run(dispatcher, tracker, {}))
    assert texts(dispatcher) == [
        "No encontré el caso 26-999999. Por favor, revise el número (8 dígitos, como "
        "26-000123) y envíelo de nuevo."
    ]


def test_the_clarifying_question_and_its_choices_are_in_spanish(store_env):
    dispatcher = CollectingDispatcher()
    tracker = es_tracker(text="algo raro en la calle", intent="nlu_fallback")
    tracker.latest_message["intent_ranking"] = [
        {"name": "nlu_fallback", "confidence": 0.5},
        {"name": "report_pothole", "confidence": 0.3},
        {"name": "check_status", "confidence": 0.2},
    ]
    run(ActionClarify().run(dispatcher, tracker, {}))
    [message] = dispatcher.messages
    assert message["text"] == (
        "Disculpe, no estoy seguro de haberle entendido. ¿Se refiere a alguna de estas "
        "opciones? O dígamelo con otras palabras. Si alguien está en peligro, llame al 911 ahora."
    )
    assert [b["title"] for b in message["buttons"]] == ["Bache", "Consultar un caso", "Otra cosa"]


def test_spanish_words_for_yes_no_and_skip():
    assert [parse_yes_no(w) for w in ("sí", "Sí.", "claro", "por supuesto", "no", "para nada")] \
        == [True, True, True, True, False, False]
    assert all(is_skip(w) for w in ("omitir", "saltar", "ninguno", "no, gracias", "prefiero no"))
    assert not is_skip("sin banqueta en la esquina")


def test_a_referral_is_given_in_spanish(store_env):
    dispatcher = CollectingDispatcher()
    run(ActionGiveReferral().run(dispatcher, es_tracker(intent="referral_power"), {}))
    [said] = texts(dispatcher)
    assert said.startswith("Los apagones y los cables eléctricos son responsabilidad de Georgia")
    assert said.endswith(" no registra casos para esto.")


def test_asking_for_a_person_is_answered_in_spanish():
    dispatcher = CollectingDispatcher()
    run(ActionHandoffToAgent().run(dispatcher, es_tracker(sender="voice:+14045550123"), {}))
    assert texts(dispatcher) == ["Le comunico con una persona."]
    dispatcher = CollectingDispatcher()
    run(ActionHandoffToAgent().run(dispatcher, es_tracker(sender="email:someone"), {}))
    assert texts(dispatcher)[0].startswith("Para hablar con una persona, llame al 311")


def test_withdrawing_without_a_number_asks_for_it_in_spanish():
    dispatcher = CollectingDispatcher()
    run(ActionWithdrawCase().run(dispatcher, es_tracker(text="quiero retirar mi caso",
                                                        intent="withdraw_case"), {}))
    assert texts(dispatcher) == ["¿Qué caso? Envíe su número (8 dígitos, como 26-000123)."]


def test_an_open_case_at_the_same_place_is_offered_in_spanish(store_env):
    filed = store_env.api("POST", "/api/v1/cases", json={
        "service_code": "graffiti", "description": "tags on the wall", "channel": "webchat",
        "address": "300 Edgewood Ave SE", "attributes": {"surface": "wall", "offensive": "no"},
    })
    assert filed.status_code == 201, filed.text
    number = filed.json()["case_number"]
    dispatcher = CollectingDispatcher()
    tracker = es_tracker({"service_code": "graffiti", "duplicate_case": number})
    run(ActionAskFollowDuplicate().run(dispatcher, tracker, {}))
    [message] = dispatcher.messages
    assert message["text"].startswith("Ya existe un reporte de esto: Grafiti en ")
    assert f", caso {number[:2]}-{number[2:]} (nuevo). ¿Desea seguir ese caso" in message["text"]
    assert [b["title"] for b in message["buttons"]] == ["Sí, seguirlo", "No, presentar uno nuevo"]
