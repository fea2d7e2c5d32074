"""The report form's decisions and checks, run against a real case store over HTTP."""

from __future__ import annotations

from pathlib import Path

import yaml
from rasa_sdk.executor import CollectingDispatcher

from bot.actions.report import (
    ActionAffirmNoContext,
    ActionAskAttributeAnswer,
    ActionAskContact,
    ActionHoldReport,
    ActionResumeReport,
    ActionStartReport,
    ActionSubmitReport,
)
from bot.actions.report_form import SKIPPED, ValidateReportForm, service_attribute_list
from tests.bot.conftest import make_tracker, run, slot_events, texts

FORM = ValidateReportForm()
FILLED = {
    "service_code": "pothole",
    "location": "412 Boulevard SE",
    "description": "deep hole in the right lane",
    "attributes": {"size": "large", "in_travel_lane": "yes"},
    "contact_email": "ada@example.com",
    "contact_name": SKIPPED,
    "contact_phone": SKIPPED,
    "report_confirmed": True,
}


def required(tracker) -> list[str]:
    return run(FORM.required_slots([], CollectingDispatcher(), tracker, {}))


def test_a_pothole_report_asks_location_description_catalog_questions_contact_and_confirm(
    store_env,
):
    slots = required(make_tracker({"service_code": "pothole"}))
    assert slots == ["location", "description", "attribute_answer", "contact", "report_confirmed"]


def test_no_attribute_question_remains_once_the_catalog_questions_are_answered(store_env):
    tracker = make_tracker(
        {"service_code": "pothole", "attributes": {"size": "small", "in_travel_lane": None}}
    )
    assert "attribute_answer" not in required(tracker)


def test_contact_details_given_in_passing_are_not_asked_for(store_env):
    tracker = make_tracker({"service_code": "graffiti", "contact_email": "ada@example.com"})
    assert "contact" not in required(tracker)


def test_following_a_duplicate_skips_everything_but_the_contact_question(store_env):
    tracker = make_tracker(
        {"service_code": "pothole", "duplicate_case": "26000001", "follow_duplicate": True}
    )
    assert required(tracker) == ["location", "follow_duplicate", "contact"]


def test_the_next_catalog_question_is_asked_with_its_choices(store_env):
    dispatcher = CollectingDispatcher()
    events = run(
        ActionAskAttributeAnswer().run(
            dispatcher,
            make_tracker({"service_code": "pothole", "attributes": {"size": "large"}}),
            {},
        )
    )
    assert dispatcher.messages[0]["text"].startswith("Is it in a travel lane")
    assert [b["title"] for b in dispatcher.messages[0]["buttons"]] == ["Yes", "No"]
    assert slot_events(events) == {"pending_attribute": "in_travel_lane"}


def test_an_everyday_word_answers_a_list_question(store_env):
    tracker = make_tracker(
        {"service_code": "pothole", "pending_attribute": "size"},
        text="big",
        requested_slot="attribute_answer",
    )
    result = run(FORM.validate_attribute_answer("big", CollectingDispatcher(), tracker, {}))
    assert result["attributes"] == {"size": "large"}
    assert result["attribute_answer"] is None


def test_an_answer_outside_the_choices_is_refused_with_the_choices(store_env):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        {"service_code": "pothole"}, text="purple", requested_slot="attribute_answer"
    )
    result = run(FORM.validate_attribute_answer("purple", dispatcher, tracker, {}))
    assert result == {"attribute_answer": None, "failed_tries": {"attribute:size": 1}}
    assert texts(dispatcher) == ["Please choose one of: Small, Medium, Large."]


def test_free_words_answer_a_choice_through_the_catalogs_synonyms(store_env):
    text = "it's in the lane where cars drive"
    tracker = make_tracker(
        {"service_code": "pothole", "attributes": {"size": "large"}},
        text=text,
        requested_slot="attribute_answer",
    )
    result = run(FORM.validate_attribute_answer(text, CollectingDispatcher(), tracker, {}))
    assert result["attributes"] == {"size": "large", "in_travel_lane": "yes"}


def test_a_second_unusable_answer_to_an_optional_choice_is_kept_in_the_residents_words(
    store_env,
):
    text = "it depends honestly"
    slots = {
        "service_code": "traffic_safety",
        "description": "cars fly through the crosswalk",
        "attributes": {},
        "pending_attribute": "frequency",
        "failed_tries": {"attribute:frequency": 1},
    }
    tracker = make_tracker(slots, text=text, requested_slot="attribute_answer")
    attribute = [
        a for a in run(service_attribute_list("traffic_safety")) if a["code"] == "frequency"
    ][0]
    assert not attribute.get("required")
    result = run(FORM.validate_attribute_answer(text, CollectingDispatcher(), tracker, {}))
    assert result["attributes"]["frequency"] is None
    assert result["description"] == (
        "cars fly through the crosswalk (How often does the danger happen? "
        "it depends honestly)"
    )


def test_a_required_catalog_question_cannot_be_skipped(store_env):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        {"service_code": "pothole"}, text="skip", intent="skip", requested_slot="attribute_answer"
    )
    result = run(FORM.validate_attribute_answer("skip", dispatcher, tracker, {}))
    assert result == {"attribute_answer": None}
    assert "needed" in texts(dispatcher)[0]


def test_an_unusable_place_is_asked_once_more_then_kept_in_the_residents_words(store_env):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        {"service_code": "graffiti"}, text="on my street", requested_slot="location"
    )
    first = run(FORM.validate_location("on my street", dispatcher, tracker, {}))
    assert first == {"location": None, "failed_tries": {"location": 1}}
    assert "I need a bit more to find it" in texts(dispatcher)[0]
    again = make_tracker(
        {"service_code": "graffiti", "failed_tries": {"location": 1}},
        text="the one behind the old mill",
        requested_slot="location",
    )
    second = run(FORM.validate_location("the one behind the old mill", dispatcher, again, {}))
    assert second["location"] == "The One Behind The Old Mill"  # tidied as an address


def test_an_atlanta_address_is_normalised(store_env):
    tracker = make_tracker(
        {"service_code": "graffiti"}, text="77 auburn ave ne", requested_slot="location"
    )
    result = run(FORM.validate_location("77 auburn ave ne", CollectingDispatcher(), tracker, {}))
    assert result["location"] == "77 Auburn Ave NE"
    assert result["duplicate_case"] is None


def test_an_address_in_another_city_is_questioned_and_not_kept(store_env):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        {"service_code": "graffiti"}, text="123 Main St, Decatur, GA", requested_slot="location"
    )
    result = run(FORM.validate_location("123 Main St, Decatur, GA", dispatcher, tracker, {}))
    assert result == {"location": None}
    assert "Decatur" in texts(dispatcher)[0]


def test_a_shared_location_fills_the_location_with_its_coordinates(store_env):
    tracker = make_tracker(
        {"service_code": "graffiti"},
        text="",
        metadata={"location": {"lat": 33.749, "long": -84.388}},
        requested_slot="location",
    )
    extracted = run(FORM.extract_location(CollectingDispatcher(), tracker, {}))
    result = run(FORM.validate_location(extracted["location"], CollectingDispatcher(), tracker, {}))
    assert (result["lat"], result["long"]) == (33.749, -84.388)


def test_a_shared_location_outside_the_city_is_refused(store_env):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        {"service_code": "graffiti"},
        metadata={"location": {"lat": 40.71, "long": -74.0}},
        requested_slot="location",
    )
    result = run(FORM.validate_location("shared", dispatcher, tracker, {}))
    assert result == {"location": None}
    assert "outside" in texts(dispatcher)[0]


def test_an_open_case_at_the_same_place_is_offered_as_a_duplicate(store_env):
    filed = store_env.api(
        "POST",
        "/api/v1/cases",
        json={
            "service_code": "graffiti",
            "description": "tags on the wall",
            "channel": "webchat",
            "address": "300 Edgewood Ave SE",
            "attributes": {"surface": "wall", "offensive": "no"},
        },
    )
    assert filed.status_code == 201, filed.text
    tracker = make_tracker(
        {"service_code": "graffiti"}, text="300 edgewood ave se", requested_slot="location"
    )
    result = run(FORM.validate_location("300 edgewood ave se", CollectingDispatcher(), tracker, {}))
    assert result["duplicate_case"] == filed.json()["case_number"]


def test_an_answer_without_an_email_or_phone_is_asked_once_more_then_left(store_env):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(text="ada@example", requested_slot="contact")
    result = run(FORM.validate_contact("ada@example", dispatcher, tracker, {}))
    assert result == {"contact": None, "failed_tries": {"contact": 1}}
    assert "email address or a phone number" in texts(dispatcher)[0]
    tried = {"failed_tries": {"contact": 1}}
    again = make_tracker(tried, text="dunno lol", requested_slot="contact")
    assert run(FORM.validate_contact("dunno lol", CollectingDispatcher(), again, {})) == {
        "contact": SKIPPED
    }


def test_one_contact_answer_gives_email_phone_and_name(store_env):
    text = "ada@example.com or 404-555-0123, my name is Ada Lovelace"
    tracker = make_tracker(text=text, requested_slot="contact")
    assert run(FORM.validate_contact(text, CollectingDispatcher(), tracker, {})) == {
        "contact": "given",
        "contact_email": "ada@example.com",
        "contact_phone": "+14045550123",
        "contact_name": "Ada Lovelace",
    }


def test_text_me_uses_the_number_the_resident_writes_from(store_env):
    tracker = make_tracker(text="text me", requested_slot="contact", sender="sms:+14045550123")
    assert run(FORM.validate_contact("text me", CollectingDispatcher(), tracker, {})) == {
        "contact": "given",
        "contact_phone": "+14045550123",
    }


def test_skipping_the_contact_question_is_allowed(store_env):
    tracker = make_tracker(text="skip", intent="skip", requested_slot="contact")
    assert run(FORM.validate_contact("skip", CollectingDispatcher(), tracker, {})) == {
        "contact": SKIPPED
    }


def test_a_correction_while_asked_something_else_changes_the_earlier_answer(store_env):
    dispatcher = CollectingDispatcher()
    text = "actually it's 125, not 123"
    tracker = make_tracker(
        {"service_code": "pothole", "location": "123 Boulevard SE"},
        text=text,
        requested_slot="contact",
    )
    result = run(FORM.validate_contact(text, dispatcher, tracker, {}))
    assert result["location"] == "125 Boulevard SE"
    assert result["contact"] is None
    assert "125 Boulevard SE" in texts(dispatcher)[0]


def test_an_emergency_in_the_middle_of_the_form_stops_it_with_911(store_env):
    dispatcher = CollectingDispatcher()
    text = "wait my neighbor's house is on fire"
    tracker = make_tracker({"service_code": "pothole"}, text=text, requested_slot="description")
    result = run(FORM.validate_description(text, dispatcher, tracker, {}))
    assert result["emergency_stop"] is True
    assert dispatcher.messages[0]["response"] == "utter_emergency"
    assert required(make_tracker({"emergency_stop": True})) == []


def test_no_at_the_summary_asks_what_to_change_and_a_change_is_applied(store_env):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        dict(FILLED, report_confirmed=None),
        text="no",
        intent="deny",
        requested_slot="report_confirmed",
    )
    assert run(FORM.validate_report_confirmed("no", dispatcher, tracker, {})) == {
        "report_confirmed": None
    }
    assert "What should I change" in texts(dispatcher)[0]
    text = "the address is 130 Boulevard SE"
    tracker = make_tracker(
        dict(FILLED, report_confirmed=None), text=text, requested_slot="report_confirmed"
    )
    result = run(FORM.validate_report_confirmed(text, CollectingDispatcher(), tracker, {}))
    assert result["location"] == "130 Boulevard SE"
    assert result["report_confirmed"] is None


def test_the_first_message_keeps_the_service_address_description_and_day(store_env):
    text = "the trash wasn't picked up on Thursday at 412 Boulevard SE"
    dispatcher = CollectingDispatcher()
    events = run(
        ActionStartReport().run(
            dispatcher, make_tracker(text=text, intent="report_missed_garbage"), {}
        )
    )
    slots = slot_events(events)
    assert slots["service_code"] == "missed_garbage"
    assert slots["location"] == "412 Boulevard SE"
    assert slots["description"] == text
    assert slots["attributes"] == {"pickup_day": "thursday"}
    assert texts(dispatcher) == ["I can report that to the City as: Missed garbage pickup."]


def test_filing_twice_with_the_same_message_id_creates_one_case(store_env):
    tracker = make_tracker(
        FILLED, text="yes", intent="affirm", metadata={"message_id": "SM-test-once"}
    )
    first, second = CollectingDispatcher(), CollectingDispatcher()
    events_one = run(ActionSubmitReport().run(first, tracker, {}))
    events_two = run(ActionSubmitReport().run(second, tracker, {}))
    number = slot_events(events_one)["my_cases"][-1]
    assert slot_events(events_two)["my_cases"][-1] == number
    assert f"{number[:2]}-{number[2:]}" in texts(first)[0]
    assert "Atlanta Department of Transportation" in texts(first)[0]
    case = store_env.api("GET", f"/api/v1/cases/{number}").json()
    assert (case["service_code"], case["attributes"]) == ("pothole", FILLED["attributes"])


def test_yes_with_nothing_pending_asks_what_to_help_with(store_env):
    dispatcher = CollectingDispatcher()
    events = run(ActionAffirmNoContext().run(
        dispatcher, make_tracker(text="yes", intent="affirm"), {}))
    assert [m["response"] for m in dispatcher.messages] == ["utter_affirm_no_context"]
    assert events == []


def test_yes_again_after_a_filing_that_never_ran_files_the_confirmed_report_once(store_env):
    # Rasa dropped action_submit_report's events (its call failed for good): the form is
    # closed with report_confirmed still set, and the channels app delivers the "yes" again.
    tracker = make_tracker(
        FILLED, text="yes", intent="affirm", metadata={"message_id": "SM-test-lost-filing"}
    )
    first, second = CollectingDispatcher(), CollectingDispatcher()
    events = run(ActionAffirmNoContext().run(first, tracker, {}))
    run(ActionAffirmNoContext().run(second, tracker, {}))
    number = slot_events(events)["my_cases"][-1]
    assert texts(first)[0].startswith("Thank you! ")
    assert f"{number[:2]}-{number[2:]}" in texts(first)[0]
    assert f"{number[:2]}-{number[2:]}" in texts(second)[0]  # the same case, not a second
    assert slot_events(events)["report_confirmed"] is None


def test_yes_while_a_form_is_active_is_left_to_the_form(store_env):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(FILLED, text="yes", intent="affirm", active_loop="report_form")
    assert run(ActionAffirmNoContext().run(dispatcher, tracker, {})) == []
    assert [m["response"] for m in dispatcher.messages] == ["utter_affirm_no_context"]


def test_the_location_cannot_be_skipped(store_env):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        {"service_code": "graffiti"}, text="skip", intent="skip", requested_slot="location"
    )
    assert run(FORM.validate_location("skip", dispatcher, tracker, {})) == {"location": None}
    assert "where it is" in texts(dispatcher)[0]


def test_an_unexpected_error_still_ends_the_turn_with_an_apology(store_env, monkeypatch):
    from bot.actions import casestore_client
    from bot.actions.safety import SORRY

    def broken(*args, **kwargs):
        raise RuntimeError("a bug that quotes the resident: 412 Boulevard SE")

    monkeypatch.setattr(casestore_client, "get_catalog", broken)
    dispatcher = CollectingDispatcher()
    events = run(
        ActionStartReport().run(
            dispatcher,
            make_tracker(text="pothole at 412 Boulevard SE", intent="report_pothole"),
            {},
        )
    )
    assert texts(dispatcher) == [SORRY]
    assert events == []


def test_a_failing_form_validation_re_asks_the_current_question(store_env, monkeypatch):
    from bot.actions import report_form
    from bot.actions.safety import SORRY

    async def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(report_form, "check_location", broken)
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(
        {"service_code": "graffiti", "location": "77 Auburn Ave NE"},
        text="77 Auburn Ave NE",
        requested_slot="location",
        events=[{"event": "slot", "name": "location", "value": "77 Auburn Ave NE"}],
    )
    domain = yaml.safe_load((Path(__file__).parents[2] / "domain.yml").read_text())
    events = run(FORM.run(dispatcher, tracker, domain))
    assert texts(dispatcher) == [SORRY]
    assert slot_events(events) == {"location": None}


def test_the_911_answer_holds_the_report_in_progress_and_all_clear_takes_it_up(store_env):
    held_slots = {
        "service_code": "water_leak",
        "location": "640 Glenwood Ave SE",
        "description": "water main broke",
        "requested_slot": None,
    }
    events = run(ActionHoldReport().run(CollectingDispatcher(), make_tracker(held_slots), {}))
    held = slot_events(events)["held_report"]
    assert held == {
        "service_code": "water_leak",
        "location": "640 Glenwood Ave SE",
        "description": "water main broke",
    }
    assert slot_events(events)["service_code"] is None
    dispatcher = CollectingDispatcher()
    tracker = make_tracker({"held_report": held}, text="nobody is in danger", intent="all_clear")
    resumed = run(ActionResumeReport().run(dispatcher, tracker, {}))
    assert slot_events(resumed)["service_code"] == "water_leak"
    assert slot_events(resumed)["held_report"] is None
    assert resumed[-1] == {"event": "followup", "timestamp": None, "name": "report_form"}
    assert texts(dispatcher) == ["Thank you. Then I'll take it as a City report."]


def test_a_first_message_called_an_emergency_holds_the_service_the_classifier_saw_next(
    store_env,
):
    text = "water main broke at 640 Glenwood Ave SE and a car is stuck in the water"
    tracker = make_tracker(text=text, intent="emergency")
    tracker.latest_message["intent_ranking"] = [
        {"name": "emergency", "confidence": 1.0},
        {"name": "report_water_leak", "confidence": 0.6},
    ]
    held = slot_events(run(ActionHoldReport().run(CollectingDispatcher(), tracker, {})))
    assert held["held_report"] == {
        "service_code": "water_leak",
        "description": text,
        "location": "640 Glenwood Ave SE",
    }


def test_all_clear_without_a_held_report_asks_what_to_report(store_env):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(text="no one is hurt", intent="all_clear")
    run(ActionResumeReport().run(dispatcher, tracker, {}))
    assert dispatcher.messages[0]["response"] == "utter_all_clear_no_context"


def test_the_contact_question_offers_the_number_the_resident_texts_from(store_env):
    dispatcher = CollectingDispatcher()
    run(ActionAskContact().run(dispatcher, make_tracker(sender="sms:+14045550123"), {}))
    assert dispatcher.messages[0]["text"].startswith(
        "How should we send you updates: a text to this number, or email?"
    )
    assert [b["payload"] for b in dispatcher.messages[0]["buttons"]] == ["text me", "skip"]


def test_a_clarifying_button_starts_the_report_from_the_unclear_message(store_env):
    unclear = "zzgrk blorp at 77 Auburn Ave NE"
    events = [
        {"event": "user", "text": unclear, "parse_data": {"intent": {"name": "nlu_fallback"}}},
        {"event": "bot", "text": "Did you mean one of these?"},
        {"event": "user", "text": "/report_graffiti"},
    ]
    tracker = make_tracker(text="/report_graffiti", intent="report_graffiti", events=events)
    slots = slot_events(run(ActionStartReport().run(CollectingDispatcher(), tracker, {})))
    assert slots["service_code"] == "graffiti"
    assert slots["location"] == "77 Auburn Ave NE"
