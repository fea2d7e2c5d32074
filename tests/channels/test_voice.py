"""Phone IVR over Twilio Voice: the open greeting, shortcuts, reprompts, agent transfer."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from channels import voice
from channels.store import InboxMessage, session
from tests.fixtures.channels import post_twilio

XML = '<?xml version="1.0" encoding="UTF-8"?>'
CALL = {"CallSid": "CA0001", "From": "+14045550123", "To": "+14045550000",
        "AccountSid": "AC" + "0" * 32}
GREETING = ("Welcome to Atlanta 3 1 1. If someone is in danger, hang up and dial 9 1 1. "
            "Tell me in a few words what you're calling about. Or press 1 to report a problem, "
            "2 for a case's status, 0 for a person.")
# The recorder answers GET /api/v1/services with {}: no service names, only the fixed words.
HINTS = ("report, status, agent, operator, representative, a person, pothole, hole in the road, "
         "streetlight, street light out, traffic light, stop sign, sidewalk, trash, garbage, "
         "recycling, missed pickup, bulk pickup, trash can, graffiti, illegal dumping, "
         "abandoned car, parked car, blocking my driveway, dead animal, water leak, "
         "water main break, no water, sewer, sewage, storm drain, flooding, fire hydrant, "
         "fallen tree, tree down, high grass, overgrown, noise, loud music, speeding, homeless, "
         "water bill, case number, case status")
OPENING = "there's a pothole in front of twelve oh five Peachtree Street northeast"
# The greeting (and its reprompt) also offers Spanish, in Spanish, and listens for its name.
SPANISH_OFFER = '<Say language="es-US">Para español, oprima 9 o diga español.</Say>'
GREETING_HINTS = HINTS + ", español"


def twiml_gather(action: str, say: str, silence: str, keys: str = 'numDigits="1"',
                 greeting: bool = False) -> str:
    """The exact TwiML of one listening step: Gather(Say) then Redirect to /voice/silence;
    at the ``greeting`` the Spanish offer follows the prompt."""
    finish, digits = (keys + " ", "") if keys.startswith("finishOnKey") else ("", keys + " ")
    hints, offer = (GREETING_HINTS, SPANISH_OFFER) if greeting else (HINTS, "")
    return (f'{XML}<Response><Gather action="{action}" {finish}hints="{hints}" '
            f'input="speech dtmf" method="POST" {digits}speechTimeout="auto" timeout="6">'
            f'<Say>{say}</Say>{offer}</Gather><Redirect method="POST">{silence}</Redirect>'
            "</Response>")


def inbox_rows(app) -> list[tuple[str, str]]:
    with session(app.extensions["channels"]["engine"]) as db:
        rows = db.execute(sa.select(InboxMessage).order_by(InboxMessage.id)).scalars()
        return [(r.provider_id, r.text) for r in rows]


def test_the_call_starts_with_the_open_greeting_in_an_exact_gather(channels_app):
    body = post_twilio(channels_app().test_client(), "/voice", CALL).get_data(as_text=True)
    assert body == (
        f'{XML}<Response><Gather action="/voice/gather?turn=1&amp;step=menu" '
        f'hints="{GREETING_HINTS}" '
        'input="speech dtmf" method="POST" numDigits="1" speechTimeout="auto" timeout="6">'
        "<Say>Welcome to Atlanta 3 1 1. If someone is in danger, hang up and dial 9 1 1. "
        "Tell me in a few words what you're calling about. Or press 1 to report a problem, "
        "2 for a case's status, 0 for a person.</Say>"
        '<Say language="es-US">Para español, oprima 9 o diga español.</Say></Gather>'
        '<Redirect method="POST">/voice/silence?turn=1&amp;count=1&amp;step=menu</Redirect>'
        "</Response>")


def test_the_opening_words_go_to_the_assistant_as_the_first_message(channels_app, fake_rasa):
    fake_rasa.reply = lambda body: [{"text": "Is it in a travel lane?"}]
    client = channels_app().test_client()
    post_twilio(client, "/voice", CALL)
    body = post_twilio(client, "/voice/gather?turn=1&step=menu",
                       {**CALL, "SpeechResult": OPENING, "Confidence": "0.92"}).get_data(
                           as_text=True)
    assert [(r["sender"], r["message"], r["metadata"]["message_id"], r["metadata"]["channel"])
            for r in fake_rasa.received] == [("voice:CA0001", OPENING, "CA0001:1", "voice")]
    assert body == twiml_gather("/voice/gather?turn=2", "Is it in a travel lane?",
                                "/voice/silence?turn=2&amp;count=1", keys='finishOnKey="#"')


def test_opening_words_without_a_confidence_score_go_to_the_assistant(channels_app, fake_rasa):
    post_twilio(channels_app().test_client(), "/voice/gather?turn=1&step=menu",
                {**CALL, "SpeechResult": OPENING, "Confidence": "0.0"})
    assert [r["message"] for r in fake_rasa.received] == [OPENING]


def test_the_opening_words_are_never_taken_as_an_intent(channels_app, fake_rasa):
    post_twilio(channels_app().test_client(), "/voice/gather?turn=1&step=menu",
                {**CALL, "SpeechResult": "/restart please", "Confidence": "0.9"})
    assert [r["message"] for r in fake_rasa.received] == ["restart please"]


def test_a_menu_word_inside_a_sentence_goes_to_the_assistant(channels_app, fake_rasa):
    post_twilio(channels_app().test_client(), "/voice/gather?turn=1&step=menu",
                {**CALL, "SpeechResult": "I want to report a broken streetlight",
                 "Confidence": "0.9"})
    assert [r["message"] for r in fake_rasa.received] == ["I want to report a broken streetlight"]


def test_later_turns_keep_counting_from_the_opening(channels_app, fake_rasa):
    client = channels_app().test_client()
    post_twilio(client, "/voice/gather?turn=1&step=menu",
                {**CALL, "SpeechResult": OPENING, "Confidence": "0.9"})
    post_twilio(client, "/voice/gather?turn=2",
                {**CALL, "SpeechResult": "yes it is", "Confidence": "0.9"})
    assert [(r["message"], r["metadata"]["message_id"]) for r in fake_rasa.received] == [
        (OPENING, "CA0001:1"), ("yes it is", "CA0001:2")]


def test_a_redelivered_opening_webhook_is_processed_once(channels_app, fake_rasa):
    fake_rasa.reply = lambda body: [{"text": "Is it in a travel lane?"}]
    app = channels_app()
    client = app.test_client()
    params = {**CALL, "SpeechResult": OPENING, "Confidence": "0.92"}
    first = post_twilio(client, "/voice/gather?turn=1&step=menu", params).get_data(as_text=True)
    again = post_twilio(client, "/voice/gather?turn=1&step=menu", params).get_data(as_text=True)
    assert again == first
    assert len(fake_rasa.received) == 1
    assert inbox_rows(app) == [("CA0001:1", OPENING)]


def test_pressing_1_asks_for_a_description_which_goes_to_the_assistant(channels_app, fake_rasa):
    client = channels_app().test_client()
    ask = post_twilio(client, "/voice/gather?turn=1&step=menu", {**CALL, "Digits": "1"})
    assert ask.get_data(as_text=True) == twiml_gather(
        "/voice/gather?turn=2", "Please describe the problem and where it is.",
        "/voice/silence?turn=2&amp;count=1", keys='finishOnKey="#"')
    assert fake_rasa.received == []
    post_twilio(client, "/voice/gather?turn=2",
                {**CALL, "SpeechResult": "a hole in the road on Main Street"})
    assert [(r["sender"], r["message"], r["metadata"]["message_id"])
            for r in fake_rasa.received] == [
        ("voice:CA0001", "a hole in the road on Main Street", "CA0001:2")]


def test_pressing_2_takes_a_case_number_finished_with_hash(channels_app, fake_rasa):
    client = channels_app().test_client()
    ask = post_twilio(client, "/voice/gather?turn=1&step=menu",
                      {**CALL, "Digits": "2"}).get_data(as_text=True)
    assert ask == twiml_gather(
        "/voice/gather?turn=2&amp;step=status",
        "Please key your case number, then press the pound key. Or say the number.",
        "/voice/silence?turn=2&amp;count=1&amp;step=status", keys='finishOnKey="#"')
    post_twilio(client, "/voice/gather?turn=2&step=status", {**CALL, "Digits": "26000123"})
    assert [r["message"] for r in fake_rasa.received] == ["what is the status of case 26000123"]


def test_pressing_0_dials_the_agent_number(channels_app, fake_rasa):
    body = post_twilio(channels_app(AGENT_PHONE_NUMBER="+14045551111").test_client(),
                       "/voice/gather?turn=1&step=menu", {**CALL, "Digits": "0"}).get_data(
                           as_text=True)
    assert body == (f"{XML}<Response><Say>Connecting you with a person. Please hold.</Say>"
                    "<Dial>+14045551111</Dial></Response>")
    assert fake_rasa.received == []


def test_asking_the_assistant_for_a_person_mid_call_dials_the_agent_number(
        channels_app, fake_rasa):
    fake_rasa.reply = lambda body: [{"text": "Connecting you with a person.",
                                     "custom": {"transfer": "agent"}}]
    body = post_twilio(channels_app(AGENT_PHONE_NUMBER="+14045551111").test_client(),
                       "/voice/gather?turn=3", {**CALL, "SpeechResult": "can I talk to someone",
                                                "Confidence": "0.9"}).get_data(as_text=True)
    assert body == (f"{XML}<Response><Say>Connecting you with a person. Please hold.</Say>"
                    "<Dial>+14045551111</Dial></Response>")
    assert [r["message"] for r in fake_rasa.received] == ["can I talk to someone"]


def test_a_mid_call_transfer_out_of_hours_offers_the_menu(channels_app, fake_rasa, monkeypatch):
    monkeypatch.setattr(voice.livechat, "agent_line_closed_text", lambda app: (
        "Our agents are available weekdays 8 to 5."))
    fake_rasa.reply = lambda body: [{"text": "Connecting you with a person.",
                                     "custom": {"transfer": "agent"}}]
    body = post_twilio(channels_app().test_client(), "/voice/gather?turn=3",
                       {**CALL, "SpeechResult": "a real person please"}).get_data(as_text=True)
    assert body == twiml_gather(
        "/voice/gather?turn=4&amp;step=menu",
        "Our agents are available weekdays 8 to 5. "
        "Tell me in a few words what you're calling about. To report a problem, press 1. "
        "To check the status of a case, press 2.",
        "/voice/silence?turn=4&amp;count=1&amp;step=menu")


@pytest.mark.parametrize(("said", "action"), [
    ("Report.", "/voice/gather?turn=2"),
    ("status", "/voice/gather?turn=2&amp;step=status"),
])
def test_a_bare_menu_word_acts_as_its_key(channels_app, fake_rasa, said, action):
    body = post_twilio(channels_app().test_client(), "/voice/gather?turn=1&step=menu",
                       {**CALL, "SpeechResult": said, "Confidence": "0.9"}).get_data(as_text=True)
    assert re.search(r'<Gather action="([^"]+)"', body).group(1) == action
    assert fake_rasa.received == []


@pytest.mark.parametrize("said", ["agent", "Operator.", "Representative", "A person."])
def test_a_bare_word_for_a_person_dials_the_agent_number(channels_app, fake_rasa, said):
    body = post_twilio(channels_app(AGENT_PHONE_NUMBER="+14045551111").test_client(),
                       "/voice/gather?turn=1&step=menu",
                       {**CALL, "SpeechResult": said, "Confidence": "0.9"}).get_data(as_text=True)
    assert body == (f"{XML}<Response><Say>Connecting you with a person. Please hold.</Say>"
                    "<Dial>+14045551111</Dial></Response>")
    assert fake_rasa.received == []


def test_out_of_hours_a_person_is_replaced_by_the_open_question(
        channels_app, fake_rasa, monkeypatch):
    monkeypatch.setattr(voice.livechat, "agent_line_closed_text", lambda app: (
        "Our agents are available weekdays 8 to 5. You can use our assistant now instead."))
    body = post_twilio(channels_app().test_client(), "/voice/gather?turn=1&step=menu",
                       {**CALL, "Digits": "0"}).get_data(as_text=True)
    assert body == twiml_gather(
        "/voice/gather?turn=2&amp;step=menu",
        "Our agents are available weekdays 8 to 5. You can use our assistant now instead. "
        "Tell me in a few words what you're calling about. To report a problem, press 1. "
        "To check the status of a case, press 2.",
        "/voice/silence?turn=2&amp;count=1&amp;step=menu")


def test_unclear_opening_words_are_asked_again_once_then_goodbye(channels_app, fake_rasa):
    client = channels_app().test_client()
    post_twilio(client, "/voice", CALL)
    unclear = {**CALL, "SpeechResult": "pot hole near the", "Confidence": "0.21"}
    again = post_twilio(client, "/voice/gather?turn=1&step=menu", unclear).get_data(as_text=True)
    assert again == twiml_gather(
        "/voice/gather?turn=1&amp;step=menu&amp;retry=1",
        f"Sorry, I did not get that. {GREETING}",
        "/voice/silence?turn=1&amp;count=2&amp;step=menu", greeting=True)
    bye = post_twilio(client, "/voice/gather?turn=1&step=menu&retry=1", unclear).get_data(
        as_text=True)
    assert bye == (f"{XML}<Response><Say>We did not hear anything. Thank you for calling. "
                   "Goodbye.</Say><Hangup /></Response>")
    assert fake_rasa.received == []


def test_empty_speech_gets_one_reprompt_then_goodbye(channels_app, fake_rasa):
    client = channels_app().test_client()
    post_twilio(client, "/voice", CALL)
    empty = {**CALL, "SpeechResult": "", "Confidence": "0.0"}
    again = post_twilio(client, "/voice/gather?turn=1&step=menu", empty).get_data(as_text=True)
    assert again == twiml_gather(
        "/voice/gather?turn=1&amp;step=menu&amp;retry=1",
        f"Sorry, I did not hear anything. {GREETING}",
        "/voice/silence?turn=1&amp;count=2&amp;step=menu", greeting=True)
    bye = post_twilio(client, "/voice/gather?turn=1&step=menu&retry=1", empty).get_data(
        as_text=True)
    assert bye == (f"{XML}<Response><Say>We did not hear anything. Thank you for calling. "
                   "Goodbye.</Say><Hangup /></Response>")
    assert fake_rasa.received == []


def test_clear_words_after_the_reprompt_go_to_the_assistant(channels_app, fake_rasa):
    client = channels_app().test_client()
    post_twilio(client, "/voice", CALL)
    post_twilio(client, "/voice/gather?turn=1&step=menu", {**CALL, "SpeechResult": ""})
    post_twilio(client, "/voice/gather?turn=1&step=menu&retry=1",
                {**CALL, "SpeechResult": OPENING, "Confidence": "0.88"})
    assert [(r["message"], r["metadata"]["message_id"]) for r in fake_rasa.received] == [
        (OPENING, "CA0001:1")]


def test_an_unknown_key_at_the_greeting_is_asked_again(channels_app, fake_rasa):
    client = channels_app().test_client()
    post_twilio(client, "/voice", CALL)
    body = post_twilio(client, "/voice/gather?turn=1&step=menu",
                       {**CALL, "Digits": "7"}).get_data(as_text=True)
    assert body == twiml_gather(
        "/voice/gather?turn=1&amp;step=menu&amp;retry=1",
        f"Sorry, I did not get that. {GREETING}",
        "/voice/silence?turn=1&amp;count=2&amp;step=menu", greeting=True)
    assert fake_rasa.received == []


def test_silence_gets_one_reprompt_then_a_goodbye(channels_app):
    client = channels_app().test_client()
    post_twilio(client, "/voice", CALL)
    first = post_twilio(client, "/voice/silence?turn=1&count=1&step=menu", CALL).get_data(
        as_text=True)
    assert first == twiml_gather(
        "/voice/gather?turn=1&amp;step=menu&amp;retry=1",
        f"Sorry, I did not hear anything. {GREETING}",
        "/voice/silence?turn=1&amp;count=2&amp;step=menu", greeting=True)
    second = post_twilio(client, "/voice/silence?turn=1&count=2&step=menu", CALL).get_data(
        as_text=True)
    assert second == (f"{XML}<Response><Say>We did not hear anything. Thank you for calling. "
                      "Goodbye.</Say><Hangup /></Response>")


def test_hints_carry_the_catalog_service_names_in_parts(channels_app, monkeypatch):
    monkeypatch.setattr(voice.casestore_client, "service_names", lambda app: [
        "Pothole", "Traffic safety request (speeding, speed humps, crosswalk, new sign)",
        "Mayor's Office of Homelessness"])
    body = post_twilio(channels_app().test_client(), "/voice", CALL).get_data(as_text=True)
    hints = re.search(r'hints="([^"]*)"', body).group(1)
    assert hints == (
        "report, status, agent, operator, representative, a person, Pothole, "
        "Traffic safety request, speeding, speed humps, crosswalk, new sign, "
        "Mayor's Office of Homelessness, hole in the road, streetlight, street light out, "
        "traffic light, stop sign, sidewalk, trash, garbage, recycling, missed pickup, "
        "bulk pickup, trash can, graffiti, illegal dumping, abandoned car, parked car, "
        "blocking my driveway, dead animal, water leak, water main break, no water, sewer, "
        "sewage, storm drain, flooding, fire hydrant, fallen tree, tree down, high grass, "
        "overgrown, noise, loud music, homeless, water bill, case number, case status, español")


def test_speech_is_relayed_as_text(channels_app, fake_rasa):
    post_twilio(channels_app().test_client(), "/voice/gather?turn=3",
                {**CALL, "SpeechResult": "there is a pothole on Main Street", "Confidence": "0.9"})
    assert [r["message"] for r in fake_rasa.received] == ["there is a pothole on Main Street"]


def test_an_unsigned_call_gets_403(channels_app):
    assert channels_app().test_client().post("/voice", data=CALL).status_code == 403


def test_when_rasa_is_down_the_caller_hears_one_moment_then_the_311_number(
        channels_app, fake_rasa):
    fake_rasa.stop()
    client = channels_app(RASA_DEADLINE_SECONDS=0.2).test_client()
    body = post_twilio(client, "/voice/gather?turn=4",
                       {**CALL, "SpeechResult": "pothole"}).get_data(as_text=True)
    assert "<Say>One moment please.</Say>" in body
    path = body.split("<Redirect method=\"POST\">")[1].split("</Redirect>")[0].replace("&amp;", "&")
    for _ in range(3):
        body = post_twilio(client, path, CALL).get_data(as_text=True)
        if "<Redirect" in body:
            path = body.split('<Redirect method="POST">')[1].split("</Redirect>")[0].replace(
                "&amp;", "&")
    assert "404-546-0311" in body
    assert body.endswith("<Hangup /></Response>")


def test_without_an_agent_number_0_dials_the_catalogs_311_number(channels_app, fake_rasa):
    body = post_twilio(channels_app(AGENT_PHONE_NUMBER="", CITY_311_PHONE="404-546-0311")
                       .test_client(), "/voice/gather?turn=1&step=menu",
                       {**CALL, "Digits": "0"}).get_data(as_text=True)
    assert body.endswith("<Dial>+14045460311</Dial></Response>")
