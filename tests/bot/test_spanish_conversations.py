"""Whole conversations in Spanish with the real assistant (Rasa + action server + case store).

The conversation's language is the ``language`` slot: detected from the resident's
words (bot/nlu/language.py), asked for ("español"), or hinted by the channel at the
start of a session (metadata ``language``). Everything the assistant says back is then
Spanish, the case is filed with ``language: es``, and the reply list ends with the
language marker the channels app reads (docs/i18n.md).
"""

from __future__ import annotations

import uuid

import pytest
import requests

from tests.bot.test_conversations import TURN_BUDGET, open311_request, service_get

pytestmark = pytest.mark.timeout(900)

# Words that only an English reply has: none may appear in a Spanish conversation.
ENGLISH = (" the ", " your ", "Please", "Where is it", "Shall I", "Sorry", " is ", " you ")


class Residente:
    """One Spanish-speaking resident; every reply must be Spanish and end with the marker."""

    def __init__(self, stack, channel: str = "webchat", **metadata) -> None:
        self.stack = stack
        suffix = f"+1404555{uuid.uuid4().int % 10000:04d}" if channel == "sms" else uuid.uuid4().hex
        self.sender = f"{channel}:{suffix}"
        self.metadata = metadata
        self.turns = 0
        self.markers: list[dict] = []

    def dice(self, text: str) -> str:
        """Send ``text``; return the replies' text, checked to be Spanish."""
        self.stack.languages.pop(self.sender, None)
        raw = self.stack.say(self.sender, text, {"message_id": uuid.uuid4().hex, **self.metadata})
        self.turns += 1
        self.markers.append(self.stack.languages.get(self.sender))
        joined = "\n".join(r.get("text", "") for r in raw if r.get("text"))
        assert joined, f"no reply to {text!r}"
        padded = f" {joined} "
        english = [w for w in ENGLISH if w in padded]
        assert not english, f"English {english} in the reply to {text!r}: {joined!r}"
        return joined


def numero(reply: str) -> str:
    marker = "Su número de caso es "
    assert marker in reply, reply
    return reply.split(marker, 1)[1][:9].replace("-", "")


def test_a_report_in_spanish_is_answered_in_spanish_and_filed_with_its_language(stack):
    residente = Residente(stack, channel="sms")
    first = residente.dice("hay un bache enorme en 412 Boulevard SE, en el carril donde pasan "
                           "los carros")
    assert "Bache" in first
    reply = first
    while "¿Lo presento?" not in reply and residente.turns <= TURN_BUDGET:
        reply = residente.dice("omitir")
    assert "¿Lo presento?" in reply and "412 Boulevard SE" in reply
    filed = residente.dice("sí")
    assert residente.turns - 1 <= TURN_BUDGET
    number = numero(filed)
    case = service_get(stack, f"/api/v1/cases/{number}")
    assert (case["service_code"], case["language"]) == ("pothole", "es")
    assert case["attributes"]["size"] == "large"
    assert open311_request(stack, number)["service_code"] == "pothole"
    assert residente.markers == ["es"] * residente.turns


def test_a_choice_answered_in_spanish_words_is_taken(stack):
    residente = Residente(stack)
    first = residente.dice("hay un hoyo en la calle frente al 1873 Piedmont Ave NE")
    assert "¿Qué tan grande es el bache?" in first
    reply = residente.dice("grandísimo, se tragó la llanta de mi carro")
    assert "¿Qué tan grande es el bache?" not in reply


def test_espanol_in_the_middle_of_a_report_asks_the_same_question_in_spanish(stack):
    sender = f"webchat:{uuid.uuid4().hex}"
    first = stack.say(sender, "there is a pothole", {})
    assert any("Where is it?" in (r.get("text") or "") for r in first)
    assert stack.languages[sender] == "en"
    switched = stack.say(sender, "español", {})
    texts = [r.get("text") for r in switched if r.get("text")]
    assert texts[0] == "De acuerdo, seguimos en español."
    assert any(t.startswith("¿Dónde está?") for t in texts[1:])
    assert stack.languages[sender] == "es"


def test_the_webhooks_reply_list_ends_with_the_conversations_language(stack):
    sender = f"sms:+1404555{uuid.uuid4().int % 10000:04d}"
    response = requests.post(
        f"{stack.rasa_url}/webhooks/rest/webhook",
        json={"sender": sender, "message": "la basura no la recogieron ayer"},
        headers={"Authorization": f"Bearer {stack.webhook_token}"}, timeout=120)
    assert response.status_code == 200
    replies = response.json()
    assert replies[-1] == {"recipient_id": sender, "custom": {"language": "es"}}
    assert all("custom" not in r for r in replies[:-1]) and len(replies) >= 2


def test_the_channels_hint_starts_the_session_in_spanish(stack):
    residente = Residente(stack, channel="telegram", language="es")
    reply = residente.dice("412 Boulevard SE")
    assert residente.markers == ["es"]
    assert reply  # Spanish, checked by dice()


def test_a_status_question_in_spanish_gets_a_spanish_answer(stack):
    residente = Residente(stack, channel="sms")
    residente.dice("se llevaron la basura? no pasaron el jueves por 412 Boulevard SE")
    reply = residente.dice("¿cómo va mi caso 26-999999?")
    assert "26-999999" in reply


def test_english_words_switch_the_conversation_back(stack):
    sender = f"webchat:{uuid.uuid4().hex}"
    stack.say(sender, "hola", {})
    replies = stack.say(sender, "there is a streetlight out in front of my house", {})
    assert stack.languages[sender] == "en"
    assert any("Where is it?" in (r.get("text") or "") for r in replies)
