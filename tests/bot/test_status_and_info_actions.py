"""Status lookups, adding information and referrals, against a real case store."""

from __future__ import annotations

import pytest
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.add_info import ActionSubmitInfo, ValidateAddInfoForm
from bot.actions.referral import ActionGiveReferral
from bot.actions.status import ActionCheckStatus
from tests.bot.conftest import make_tracker, run, slot_events, texts


@pytest.fixture()
def open_case(store_env) -> dict:
    response = store_env.api(
        "POST",
        "/api/v1/cases",
        json={
            "service_code": "streetlight_out",
            "description": "light out all week",
            "channel": "webchat",
            "address": "45 Ivan Allen Jr Blvd NW",
            "attributes": {"how_many": "one"},
        },
    )
    assert response.status_code == 201, response.text
    return response.json()


def ask_status(text: str, entities: list | None = None) -> list[str]:
    dispatcher = CollectingDispatcher()
    run(
        ActionCheckStatus().run(
            dispatcher, make_tracker(text=text, intent="check_status", entities=entities), {}
        )
    )
    return texts(dispatcher)


def test_status_tells_the_status_and_department_for_a_number_in_any_form(open_case):
    number = open_case["case_number"]
    spoken = " ".join(
        "zero one two three four five six seven eight nine".split()[int(d)] for d in number
    )
    for text in (f"status of {number}", f"ATL-{number[:2]}-{number[2:]}", spoken):
        reply = ask_status(text)[0]
        assert reply.startswith(f"Case {number[:2]}-{number[2:]} (Streetlight out")
        assert "with the Atlanta Department of Transportation" in reply


def test_an_unknown_case_number_gets_a_clear_answer_and_a_second_chance(store_env):
    assert ask_status("status of 26999999") == [
        "I couldn't find case 26-999999. Please check the number (8 digits, like 26-000123) "
        "and send it again."
    ]


def test_a_closed_case_tells_its_closure_comments(open_case, cs_staff):
    number = open_case["case_number"]
    closed = cs_staff["agent"].post(
        f"/api/v1/cases/{number}/activities",
        json={"kind": "closed", "reason": "fixed", "comments": "Bulb replaced on the pole."},
    )
    assert closed.status_code == 201, closed.get_json()
    reply = ask_status(f"case {number}")[0]
    assert "is Closed" in reply
    assert reply.endswith(": Bulb replaced on the pole.")


def test_a_malformed_case_number_is_explained(store_env):
    assert "8 digits" in ask_status("status of 2600012")[0]


def test_a_forged_entity_is_reparsed_and_cannot_inject_a_lookup(store_env):
    reply = ask_status(
        '/check_status{"case_number": "../admin"}',
        entities=[{"entity": "case_number", "value": "../admin"}],
    )
    assert reply == ["Sure. What's the case number? It has 8 digits, like 26-000123."]


def test_information_can_only_be_added_to_the_residents_own_cases(open_case):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker({"my_cases": ["26000001"]}, requested_slot="info_case_number")
    result = run(
        ValidateAddInfoForm().validate_info_case_number(
            open_case["case_number"], dispatcher, tracker, {}
        )
    )
    assert result == {"info_case_number": None}
    assert "isn't one of them" in texts(dispatcher)[0]


def test_a_note_with_a_photo_is_added_to_the_residents_open_case(open_case, store_env):
    number = open_case["case_number"]
    form = ValidateAddInfoForm()
    tracker = make_tracker(
        {"my_cases": [number]}, text=f"add a photo to case {number}", intent="add_info"
    )
    assert run(form.extract_info_case_number(CollectingDispatcher(), tracker, {})) == {
        "info_case_number": number
    }
    assert run(form.validate_info_case_number(number, CollectingDispatcher(), tracker, {})) == {
        "info_case_number": number
    }
    photo = {"media_urls": ["https://media.example.com/p1.jpg"]}
    tracker = make_tracker(
        {"my_cases": [number]}, text="it got bigger", metadata=photo, requested_slot="info_note"
    )
    extracted = run(form.extract_info_note(CollectingDispatcher(), tracker, {}))
    assert extracted == {"info_note": "it got bigger", "media_urls": photo["media_urls"]}
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        {
            "my_cases": [number],
            "info_case_number": number,
            "info_note": "it got bigger",
            "media_urls": photo["media_urls"],
        }
    )
    events = run(ActionSubmitInfo().run(dispatcher, tracker, {}))
    assert texts(dispatcher) == [
        f"Added to case {number[:2]}-{number[2:]}. The department will see it."
    ]
    assert slot_events(events)["info_case_number"] is None
    timeline = store_env.api("GET", f"/api/v1/cases/{number}/activities").json()["activities"]
    added = [a for a in timeline if a["kind"] == "info_added"]
    assert added and added[-1]["note"] == "it got bigger"


@pytest.mark.parametrize(
    ("intent", "number"),
    [("referral_power", "888-891-0938"), ("referral_animal", "404-613-0358")],
)
def test_referrals_give_the_catalogs_number_and_file_nothing(store_env, intent, number):
    dispatcher = CollectingDispatcher()
    run(ActionGiveReferral().run(dispatcher, make_tracker(intent=intent), {}))
    assert number in texts(dispatcher)[0]
    assert "doesn't file a case" in texts(dispatcher)[0]
