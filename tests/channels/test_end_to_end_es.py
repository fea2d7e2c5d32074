"""A Spanish-speaking resident, end to end through the real stack, on SMS, voice and Telegram.

From the first message to the filed case, the opened and closed notices, a status
question and a reopening by answering the closed notice: every text the resident
gets is Spanish (docs/i18n.md). Only Twilio's and Telegram's APIs are replaced.
"""

from __future__ import annotations

import re

import requests

from tests.channels.test_end_to_end import open311_case
from tests.fixtures.channels import running_notifier, wait_for

CASO = re.compile(r"(?:número de caso es|caso) (\d\d)-?(\d{6})")
# Words only an English text has; none may reach a Spanish-speaking resident.
ENGLISH = re.compile(r"\b(?:the|your|please|reply|case number|press|we|you|is it)\b", re.I)


def assert_spanish(text: str) -> None:
    """Fail when ``text`` (the resident's view) has an English word from the list."""
    bare = re.sub(r"https?://\S+", " ", text)
    found = ENGLISH.findall(bare)
    assert not found, f"English {found} in {text!r}"


def report(send, opening: str, answers: dict[str, str]) -> str:
    """Answer each question by the first matching key of ``answers`` (else "omitir") until
    the case number comes back; every reply must be Spanish. Returns the case number."""
    text = send(opening)
    for _ in range(8):
        assert_spanish(text)
        found = CASO.search(text)
        if found and "número de caso" in text:
            return found.group(1) + found.group(2)
        text = send(next((a for q, a in answers.items() if q in text), "omitir"))
    raise AssertionError(f"no case filed; last answer: {text!r}")


def sms(live, phone: str, prefix: str):
    counter = iter(range(1000))

    def send(text: str) -> str:
        params = {"From": phone, "To": "+14045550000", "Body": text, "NumMedia": "0",
                  "MessageSid": f"{prefix}{next(counter):04d}", "AccountSid": "AC" + "0" * 32}
        response = live.signed_post("/sms", params)
        assert response.status_code == 200
        bodies = re.findall(r"<Body>(.*?)</Body>", response.text, re.S)
        return " ".join(bodies).replace("&amp;", "&").replace("&#x27;", "'") \
            .replace("&quot;", '"')

    return send


def test_sms_in_spanish_from_report_to_notices_status_and_reopening(live_channels, tmp_path):
    live, phone = live_channels, "+14045550141"
    texts_to_resident = lambda: [c.form["Body"][0]  # noqa: E731
                                 for c in live.recorder.calls("/Messages.json")
                                 if c.form.get("To") == [phone]]
    send = sms(live, phone, "SMes")
    number = report(send, "hay un bache enorme en el 1415 de Lakewood Ave SE, en el carril",
                    {"¿Lo presento?": "sí", "¿Qué tan grande": "grande"})
    case = open311_case(live, number)
    assert (case["service_code"], case["address"]) == ("pothole", "1415 Lakewood Ave SE")

    with running_notifier(live, tmp_path, "cierre@example.org") as token:
        opened = wait_for(lambda: [t for t in texts_to_resident() if number[2:] in t], 60,
                          "the opened notice by SMS")
        assert_spanish(opened[0])
        status = send(f"¿cómo va mi caso {number[:2]}-{number[2:]}?")
        assert_spanish(status)
        assert "Bache" in status
        closed = requests.post(
            f"{live.stack.casestore_url}/api/v1/cases/{number}/activities", timeout=10,
            headers={"Authorization": f"Bearer {token}"},
            json={"kind": "closed", "reason": "fixed", "comments": "Se rellenó el bache."})
        assert closed.status_code == 201, closed.text
        notice = wait_for(lambda: [t for t in texts_to_resident() if "SÍ o NO" in t], 60,
                          "the closed notice by SMS")
        assert_spanish(notice[0])
        answer = send("NO, sigue ahí")
        assert answer == f"Reabrimos el caso {number} y le avisamos al departamento. Gracias."
        full = requests.get(f"{live.stack.casestore_url}/api/v1/cases/{number}", timeout=10,
                            headers={"Authorization": f"Bearer {token}"}).json()
        assert full["status"] != "closed" and full["language"] == "es"


def test_voice_in_spanish_after_pressing_nine(live_channels):
    live = live_channels
    call = {"CallSid": "CAes0001", "From": "+14045550142", "To": "+14045550000",
            "AccountSid": "AC" + "0" * 32}
    state = {"action": "/voice"}

    def step(params: dict) -> str:
        response = live.signed_post(state["action"], {**call, **params})
        assert response.status_code == 200
        action = re.search(r'<Gather action="([^"]+)"', response.text)
        if action:
            state["action"] = action.group(1).replace("&amp;", "&")
        return response.text

    menu = step({})
    assert "Para español, oprima 9" in menu
    spanish = step({"Digits": "9"})
    assert 'language="es-US"' in spanish and "<Say>" not in spanish

    def send(text: str) -> str:
        xml = step({"SpeechResult": text, "Confidence": "0.9"})
        assert re.findall(r"<Say(?: [^>]*)?>", xml) and all(
            'language="es-US"' in tag for tag in re.findall(r"<Say(?: [^>]*)?>", xml))
        return " ".join(re.findall(r"<Say[^>]*>(.*?)</Say>", xml, re.S))

    number = report(send, "hay un bache grande en el carril frente al 2380 de Cascade Rd SW",
                    {"¿Lo presento?": "sí", "¿Qué tan grande": "grande"})
    assert open311_case(live, number)["address"] == "2380 Cascade Rd SW"


def test_telegram_in_spanish_from_the_apps_language(live_channels):
    live, ids = live_channels, iter(range(700000, 701000))
    chat = {"id": 880041, "type": "private", "first_name": "Lupe"}
    user = {"id": 880041, "is_bot": False, "first_name": "Lupe", "language_code": "es-MX"}
    headers = {"X-Telegram-Bot-Api-Secret-Token": "telegram-secret"}

    def send(text: str) -> str:
        before = len(live.recorder.calls("/sendMessage"))
        update_id = next(ids)
        update = {"update_id": update_id, "message": {
            "message_id": update_id, "date": 1764345600, "chat": chat, "from": user,
            "text": text}}
        assert requests.post(f"{live.url}/telegram", json=update, headers=headers,
                             timeout=120).status_code == 200
        calls = [c.params for c in live.recorder.calls("/sendMessage")][before:]
        return " ".join(c["text"] for c in calls if str(c["chat_id"]) == str(chat["id"]))

    number = report(send, "la basura no la recogieron el jueves en el 88 de Walker St SW",
                    {"¿Lo presento?": "sí", "antes de las 7": "sí, desde la noche"})
    assert open311_case(live, number)["service_code"] == "missed_garbage"
    status = send(f"/status {number}")
    assert_spanish(status)
