"""The assistant's buttons on the phone: read as a short menu, chosen by key or by words."""

from __future__ import annotations

import pytest

from channels.render import pick_spoken_button, voice_prompt
from tests.channels.test_voice import CALL, HINTS, OPENING, XML
from tests.fixtures.channels import post_twilio

CHOICES = [{"title": "Pothole", "payload": "/report_pothole"},
           {"title": "Sidewalk repair", "payload": "/report_sidewalk_repair"},
           {"title": "Something else", "payload": "/report_other"}]
CLARIFY = "Did you mean: Pothole, Sidewalk repair, or something else?"
LIGHTS = [{"title": "Several lights", "payload": "Several lights"},
          {"title": "One light", "payload": "One light"}]


def clarifying_call(channels_app, fake_rasa):
    """A call whose opening words got the clarifying question; returns (client, its TwiML)."""
    fake_rasa.reply = lambda body: [{"text": CLARIFY, "buttons": CHOICES}]
    client = channels_app().test_client()
    post_twilio(client, "/voice", CALL)
    body = post_twilio(client, "/voice/gather?turn=1&step=menu",
                       {**CALL, "SpeechResult": OPENING, "Confidence": "0.9"})
    return client, body.get_data(as_text=True)


def test_buttons_are_read_as_a_short_menu_with_their_words(channels_app, fake_rasa):
    _, body = clarifying_call(channels_app, fake_rasa)
    assert body == (
        f'{XML}<Response><Gather action="/voice/gather?turn=2" '
        f'hints="Pothole, Sidewalk repair, Something else, {HINTS.replace("pothole, ", "")}" '
        'input="speech dtmf" method="POST" numDigits="1" speechTimeout="auto" timeout="6">'
        "<Say>Did you mean: Pothole, Sidewalk repair, or something else? "
        "For Pothole, press 1 or say pothole. For Sidewalk repair, press 2 or say sidewalk "
        "repair. For Something else, press 3 or say something else.</Say></Gather>"
        '<Redirect method="POST">/voice/silence?turn=2&amp;count=1</Redirect></Response>')


def test_a_key_sends_that_buttons_payload_as_it_is(channels_app, fake_rasa):
    client, _ = clarifying_call(channels_app, fake_rasa)
    post_twilio(client, "/voice/gather?turn=2", {**CALL, "Digits": "2"})
    assert [(r["message"], r["metadata"]["message_id"]) for r in fake_rasa.received[1:]] == [
        ("/report_sidewalk_repair", "CA0001:2")]


@pytest.mark.parametrize(("said", "payload"), [
    ("Sidewalk repair.", "/report_sidewalk_repair"),
    ("the pothole one", "/report_pothole"),
    ("Pot hole.", "/report_pothole"),
    ("potholes please", "/report_pothole"),
    ("sidewalk", "/report_sidewalk_repair"),
    ("Something else.", "/report_other"),
    ("number three", "/report_other"),
])
def test_the_spoken_title_sends_that_buttons_payload(channels_app, fake_rasa, said, payload):
    client, _ = clarifying_call(channels_app, fake_rasa)
    post_twilio(client, "/voice/gather?turn=2",
                {**CALL, "SpeechResult": said, "Confidence": "0.9"})
    assert [r["message"] for r in fake_rasa.received[1:]] == [payload]


def test_other_words_at_a_button_question_go_to_the_assistant_as_said(channels_app, fake_rasa):
    client, _ = clarifying_call(channels_app, fake_rasa)
    post_twilio(client, "/voice/gather?turn=2",
                {**CALL, "SpeechResult": "no it's a sinkhole by the curb", "Confidence": "0.9"})
    assert [r["message"] for r in fake_rasa.received[1:]] == ["no it's a sinkhole by the curb"]


def test_a_key_no_button_has_goes_to_the_assistant_as_the_digit(channels_app, fake_rasa):
    client, _ = clarifying_call(channels_app, fake_rasa)
    post_twilio(client, "/voice/gather?turn=2", {**CALL, "Digits": "7"})
    assert [r["message"] for r in fake_rasa.received[1:]] == ["7"]


def test_more_than_four_buttons_are_read_with_keys_only():
    titles = ["A driveway", "A fire hydrant", "The sidewalk", "A bike lane", "Something else"]
    buttons = [{"title": t, "payload": t} for t in titles]
    assert voice_prompt([{"text": "What is it blocking?", "buttons": buttons}],
                        say_titles=True) == (
        "What is it blocking? For A driveway, press 1. For A fire hydrant, press 2. "
        "For The sidewalk, press 3. For A bike lane, press 4. For Something else, press 5.")


def test_a_title_is_offered_as_plain_words():
    buttons = [{"title": "Yes, file it", "payload": "/affirm"},
               {"title": "Dark (no lights)", "payload": "Dark (no lights)"}]
    assert voice_prompt([{"text": "", "buttons": buttons}], say_titles=True) == (
        "For Yes, file it, press 1 or say yes file it. "
        "For Dark (no lights), press 2 or say dark no lights.")


def test_a_title_made_of_exactly_the_words_said_wins_over_a_longer_one():
    assert pick_spoken_button("one light", LIGHTS)["payload"] == "One light"
    assert pick_spoken_button("several", LIGHTS)["payload"] == "Several lights"


def test_words_that_fit_several_titles_choose_nothing():
    assert pick_spoken_button("lights", LIGHTS) is None
    assert pick_spoken_button("one", LIGHTS) is None  # a number, or the title "One light"?


@pytest.mark.parametrize(("said", "index"), [
    ("two", 1), ("2", 1), ("Number two.", 1), ("option 3", 2), ("the first one", 0),
])
def test_a_spoken_number_chooses_that_option(said, index):
    assert pick_spoken_button(said, CHOICES) == CHOICES[index]


@pytest.mark.parametrize("said", ["the one", "five", "", "I think it is a pothole",
                                  "there is a pothole and a broken sidewalk on my street"])
def test_unclear_or_longer_words_choose_nothing(said):
    assert pick_spoken_button(said, CHOICES) is None


def test_picking_a_spoken_title_keeps_the_payload_exactly():
    button = {"title": "Street name sign", "payload": '/choose{"sign": "street_name"}'}
    assert pick_spoken_button("the street name sign", [button, *CHOICES]) == button
