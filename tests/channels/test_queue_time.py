"""A webhook that waited in the load balancer's queue waits that much less for Rasa."""

from __future__ import annotations

import threading
import time

import pytest

from channels.queue_time import stamp_seconds, waited_seconds
from tests.fixtures.channels import post_twilio, twilio_signature, wait_for

NOW = 1_764_900_000.0


@pytest.mark.parametrize(("value", "seconds"), [
    ("t=1764900000123", 1_764_900_000.123),  # HAProxy: %[date(0,ms)]
    ("t=1764900000.123", 1_764_900_000.123),  # nginx: ${msec}
    ("t=1764900000123456", 1_764_900_000.123456),  # microseconds
    ("1764900000", 1_764_900_000.0),
])
def test_a_stamp_is_read_in_seconds_milliseconds_or_microseconds(value, seconds):
    assert stamp_seconds(value) == pytest.approx(seconds)


@pytest.mark.parametrize("value", ["", "t=", "t=soon", "t=-5", "t=nan", "t=inf", "t=0"])
def test_anything_else_is_no_stamp(value):
    assert stamp_seconds(value) is None


def test_the_wait_is_the_time_since_the_stamp():
    assert waited_seconds("t=1764899996500", now=NOW) == pytest.approx(3.5)


@pytest.mark.parametrize("value", [None, "t=1764900004000", "t=1764890000000", "garbage"])
def test_no_stamp_a_stamp_ahead_of_the_clock_or_an_implausible_one_count_as_no_wait(value):
    assert waited_seconds(value, now=NOW) == 0.0


def sms(body: str, sid: str) -> dict:
    return {"From": "+14045550123", "To": "+14045550000", "Body": body, "MessageSid": sid,
            "NumMedia": "0"}


def test_a_webhook_that_spent_the_deadline_in_the_queue_is_answered_at_once(
        channels_app, fake_rasa, api_recorder):
    fake_rasa.gate = threading.Event()
    # Rasa answers as soon as it has the message: a webhook that waited for it (as one
    # without the stamp does) would carry the answer itself, not the holding reply.
    threading.Thread(target=lambda: (wait_for(lambda: fake_rasa.received), fake_rasa.gate.set()),
                     daemon=True).start()
    client = channels_app(RASA_DEADLINE_SECONDS=30).test_client()
    params = sms("pothole on Main", "SMq1")
    queued = {"X-Request-Start": f"t={int((time.time() - 31) * 1000)}",
              "X-Twilio-Signature": twilio_signature("/sms", params)}
    answer = client.post("/sms", data=params, headers=queued).get_data(as_text=True)
    assert "Our reply is on its way" in answer
    wait_for(lambda: api_recorder.calls("/Messages.json"), message="the late reply by API")
    assert api_recorder.calls("/Messages.json")[0].form["Body"] == ["echo: pothole on Main"]


def test_without_a_stamp_the_webhook_waits_for_the_answer(channels_app, fake_rasa):
    app = channels_app(RASA_DEADLINE_SECONDS=30)
    answer = post_twilio(app.test_client(), "/sms", sms("pothole on Main", "SMq2"))
    assert "echo: pothole on Main" in answer.get_data(as_text=True)
