"""Phone IVR over Twilio Voice: greeting, menu, gathers, silence, agent transfer."""

from __future__ import annotations

from tests.fixtures.channels import post_twilio

XML = '<?xml version="1.0" encoding="UTF-8"?>'
CALL = {"CallSid": "CA0001", "From": "+14045550123", "To": "+14045550000",
        "AccountSid": "AC" + "0" * 32}


def test_the_call_starts_with_the_menu_in_an_exact_gather(channels_app):
    body = post_twilio(channels_app().test_client(), "/voice", CALL).get_data(as_text=True)
    assert body == (
        f'{XML}<Response><Gather action="/voice/gather?turn=1&amp;step=menu" '
        'hints="report, status, agent" input="speech dtmf" method="POST" numDigits="1" '
        'speechTimeout="auto" timeout="6"><Say>Welcome to Atlanta 3 1 1. If this is an '
        "emergency, hang up and dial 9 1 1. To report a problem, press 1 or say report. "
        "To check the status of a case, press 2 or say status. To speak with a person, "
        'press 0.</Say></Gather><Redirect method="POST">/voice/silence?turn=1&amp;count=1'
        "&amp;step=menu</Redirect></Response>")


def test_pressing_1_asks_for_a_description_which_goes_to_the_assistant(channels_app, fake_rasa):
    button = {"title": "Pothole", "payload": "/report_pothole"}
    fake_rasa.reply = lambda body: [{"text": "Which problem is it? See https://x.org 🚧",
                                     "buttons": [button]}]
    client = channels_app().test_client()
    ask = post_twilio(client, "/voice/gather?turn=1&step=menu", {**CALL, "Digits": "1"})
    assert "<Say>Please describe the problem and where it is.</Say>" in ask.get_data(as_text=True)
    assert fake_rasa.received == []
    body = post_twilio(client, "/voice/gather?turn=2",
                       {**CALL, "SpeechResult": "a hole in the road on Main Street"}).get_data(
                           as_text=True)
    assert fake_rasa.received[0]["sender"] == "voice:CA0001"
    assert fake_rasa.received[0]["message"] == "a hole in the road on Main Street"
    assert fake_rasa.received[0]["metadata"]["message_id"] == "CA0001:2"
    assert "<Say>Which problem is it? See For Pothole, press 1.</Say>" in body
    assert 'action="/voice/gather?turn=3"' in body
    post_twilio(client, "/voice/gather?turn=3", {**CALL, "Digits": "1"})
    assert fake_rasa.received[-1]["message"] == "/report_pothole"


def test_pressing_2_takes_a_case_number_finished_with_hash(channels_app, fake_rasa):
    client = channels_app().test_client()
    ask = post_twilio(client, "/voice/gather?turn=1&step=menu",
                      {**CALL, "Digits": "2"}).get_data(as_text=True)
    assert 'finishOnKey="#"' in ask
    assert 'action="/voice/gather?turn=2&amp;step=status"' in ask
    post_twilio(client, "/voice/gather?turn=2&step=status", {**CALL, "Digits": "26000123"})
    assert fake_rasa.received[-1]["message"] == "what is the status of case 26000123"


def test_speech_is_relayed_as_text(channels_app, fake_rasa):
    post_twilio(channels_app().test_client(), "/voice/gather?turn=3",
                {**CALL, "SpeechResult": "there is a pothole on Main Street", "Confidence": "0.9"})
    assert fake_rasa.received[0]["message"] == "there is a pothole on Main Street"


def test_pressing_0_dials_the_agent_number(channels_app, fake_rasa):
    body = post_twilio(channels_app(AGENT_PHONE_NUMBER="+14045551111").test_client(),
                       "/voice/gather?turn=1&step=menu", {**CALL, "Digits": "0"}).get_data(
                           as_text=True)
    assert "<Dial>+14045551111</Dial>" in body
    assert fake_rasa.received == []


def test_silence_gets_one_reprompt_then_a_goodbye(channels_app):
    client = channels_app().test_client()
    post_twilio(client, "/voice", CALL)
    first = post_twilio(client, "/voice/silence?turn=1&count=1&step=menu", CALL).get_data(
        as_text=True)
    assert "Sorry, I did not hear anything. Welcome to Atlanta" in first
    assert "/voice/silence?turn=1&amp;count=2" in first
    second = post_twilio(client, "/voice/silence?turn=1&count=2&step=menu", CALL).get_data(
        as_text=True)
    assert second.endswith("Goodbye.</Say><Hangup /></Response>")


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
