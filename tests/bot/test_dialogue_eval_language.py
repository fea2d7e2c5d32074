"""bench/dialogue_eval.py's check that a Spanish script's replies are Spanish."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _load_bench() -> object:
    """Import bench/dialogue_eval.py (a script folder, not a package)."""
    path = ROOT / "bench" / "dialogue_eval.py"
    spec = importlib.util.spec_from_file_location("dialogue_eval", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("dialogue_eval", module)
    spec.loader.exec_module(module)
    return module


evaluation = _load_bench()
english_sentences = evaluation.english_sentences


@pytest.mark.parametrize(
    "reply",
    [
        "What is the address? Please send a street address or share your location.",
        "Thanks! We have your report and we will send you updates.",
        "Is it in a travel lane where cars drive?",
        "Your case number is 26-000123.",
    ],
)
def test_an_english_reply_is_flagged(reply):
    assert english_sentences(reply)


@pytest.mark.parametrize(
    "reply",
    [
        "¿Dónde está el problema? Envíeme una dirección, por ejemplo 412 Boulevard SE.",
        "Gracias. Su reporte quedó registrado con el número 26-000123; le avisaremos por correo.",
        "¿Qué tan grande es el hoyo? Pequeño, mediano o grande.",
        "Esto parece una emergencia. Llame al 911 ahora. No se registró ningún caso.",
        "Le comunico con una persona. Por favor espere.",
        "",
    ],
)
def test_a_spanish_reply_passes(reply):
    assert english_sentences(reply) == []


def test_only_the_english_sentence_is_returned():
    reply = "Gracias por su reporte. We will send you an email when it is fixed. ¿Algo más?"
    assert english_sentences(reply) == ["We will send you an email when it is fixed"]


def test_one_english_word_is_not_a_sentence():
    # A single loan word ("please", "email") in a Spanish sentence is still Spanish.
    assert english_sentences("Escriba su email, please, o diga que no.") == []


def test_quoted_text_and_the_residents_own_words_are_left_out():
    quoted = 'Anoté: "the pothole is in the right lane and it is huge". ¿Lo envío a la Ciudad?'
    assert english_sentences(quoted) == []
    said = "there is a hole in the road by my house"
    echoed = f"Descripción: {said}\n¿Lo envío a la Ciudad?"
    assert english_sentences(echoed)
    assert english_sentences(echoed, keep_out=[said]) == []


def test_case_numbers_emails_and_urls_are_left_out():
    reply = ("Le enviaremos los avisos a is.the.best@what.com. Vea el caso en "
             "https://atl311.example.org/cases/26000123?you=the&is=your, número ATL-26-000123.")
    assert english_sentences(reply) == []


def test_catalog_names_are_left_out(monkeypatch):
    # A Spanish reply may name a department or service as the catalog writes it in English.
    assert "Department of Public Works (Solid Waste Services)" in evaluation.catalog_names()
    reply = ("Su caso 26-000123 (Missed garbage pickup en 2231 Delowe Dr SW) está en proceso con "
             "el Department of Public Works (Solid Waste Services).")
    assert english_sentences(reply) == []
    named = "Su reporte es sobre Help With Your Yard, ¿correcto?"
    assert english_sentences(named)
    monkeypatch.setattr(evaluation, "_CATALOG_NAMES", ["Help With Your Yard"])
    assert english_sentences(named) == []


def test_the_spanish_scripts_are_marked_and_cover_every_channel_and_outcome():
    conversations = evaluation.load_scripts(ROOT / "bench" / "dialogues")
    spanish = [c for c in conversations if c.language == "es"]
    assert len(spanish) >= 24
    assert {c.channel for c in spanish} == set(evaluation.CHANNELS)
    assert {"filed", "status", "emergency", "handoff"} <= {c.goal for c in spanish}
    assert all(c.language == "en" for c in conversations if c.source != "spanish.yml")


def test_a_spanish_summary_is_not_a_question():
    reply = ("Su reporte:\nTipo: Bache\nDirección: 412 Boulevard SE\nCorreo: ana@example.com\n"
             "¿Lo envío a la Ciudad?")
    said = evaluation.load_scripts(ROOT / "bench" / "dialogues")
    header = next(c.header for c in said if c.language == "es")
    kept = evaluation.questions_only(reply, "es")
    for key in ("address", "email"):
        assert not re.search(header["said_questions"][key], kept, re.I), key
    assert re.search(header["said_questions"]["email"], "¿Cuál es su correo electrónico?", re.I)
    assert re.search(header["said_questions"]["address"], "¿Dónde está el problema?", re.I)


def test_a_status_label_may_be_given_in_spanish():
    assert "en proceso" in evaluation.status_forms("In progress", "es")
    assert evaluation.status_forms("In progress", "en") == ["In progress"]
