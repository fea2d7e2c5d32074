"""Concurrent first messages from one new number, through a real threaded server."""

from __future__ import annotations

import threading

import requests
import sqlalchemy as sa

from channels.store import InboxMessage, session
from tests.fixtures.channels import twilio_signature, wait_for

PHONE = "+14045550177"


def test_ten_texts_at_once_from_a_new_number_are_all_stored_and_answered_in_order(
        channels_app, fake_rasa, api_recorder, serve):
    app = channels_app(RETRY_WORKER_THREAD=True, RETRY_MAX_BACKOFF_SECONDS=0.2)
    url = serve(app)
    barrier = threading.Barrier(10)
    answers: dict[int, int] = {}

    def text(n: int) -> None:
        params = {"From": PHONE, "To": "+14045550000", "Body": f"message {n}",
                  "MessageSid": f"SMC{n:02d}", "NumMedia": "0"}
        headers = {"X-Twilio-Signature": twilio_signature("/sms", params)}
        barrier.wait()
        answers[n] = requests.post(f"{url}/sms", data=params, headers=headers,
                                   timeout=60).status_code

    threads = [threading.Thread(target=text, args=(n,)) for n in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == {n: 200 for n in range(10)}

    def stored() -> list[tuple[str, str]]:
        with session(app.extensions["channels"]["engine"]) as db:
            return [tuple(r) for r in db.execute(
                sa.select(InboxMessage.text, InboxMessage.status).order_by(InboxMessage.id))]

    wait_for(lambda: [s for _, s in stored()] == ["done"] * 10, message="all answered")
    arrival_order = [t for t, _ in stored()]
    assert sorted(arrival_order) == [f"message {n}" for n in range(10)]
    assert [r["message"] for r in fake_rasa.received] == arrival_order
