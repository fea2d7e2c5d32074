"""The NLU refiner's decisions (bot/nlu/rules.py, bot/nlu/refiner.py): pure functions."""

from __future__ import annotations

import pytest

from bot.nlu.refiner import split_pieces
from bot.nlu.rules import apply_rules, combine, first_problem_first, problem_clauses, refine

REPORT = {"report_pothole": 0.6, "check_status": 0.2, "greet": 0.2}


def test_the_two_opinions_are_averaged_and_sum_to_one():
    mixed = combine({"report_pothole": 0.2, "greet": 0.8}, {"report_pothole": 1.0}, [], 0.5)
    assert mixed == pytest.approx({"report_pothole": 0.6, "greet": 0.4})


def test_without_a_linear_model_diet_decides_alone():
    assert combine({"greet": 0.9, "thanks": 0.1}, {}, [], 0.5) == {"greet": 0.9, "thanks": 0.1}


def test_a_long_story_is_decided_by_its_most_telling_piece_not_by_its_small_talk():
    diet = {"thanks": 0.5, "report_no_water": 0.3, "report_water_leak": 0.2}
    whole = {"thanks": 0.4, "report_no_water": 0.3, "report_water_leak": 0.3}
    pieces = [{"thanks": 0.9, "report_water_leak": 0.1}, {"report_water_leak": 0.95}]
    mixed = combine(diet, whole, pieces, 0.5)
    assert max(mixed, key=mixed.get) == "report_water_leak"
    assert mixed["thanks"] == 0.0


def test_danger_to_people_is_an_emergency_whatever_the_classifiers_say():
    assert apply_rules("a lady got hit by a car and she's lying in the road", REPORT) == (
        "emergency",
        1.0,
    )


def test_a_message_with_a_case_number_asks_about_that_case():
    text = "any update on the tree I reported, number 26-004412?"
    assert apply_rules(text, {"report_fallen_tree": 0.7, "check_status": 0.3}) == (
        "check_status",
        0.9,
    )


def test_a_case_number_with_news_about_the_problem_adds_to_the_case():
    text = "they gave me 26-010977 for the sewer smell last week and it's worse now"
    assert apply_rules(text, {"report_sewer_backup": 0.8}) == ("add_info", 0.9)


def test_a_case_number_with_a_withdrawal_withdraws():
    text = "I filed 26-000123 by accident, sorry"
    assert apply_rules(text, {"report_pothole": 0.8}) == ("withdraw_case", 0.95)


def test_a_withdrawal_outranks_a_status_reading():
    text = "porfa cancelen mi caso 26000001, ya pasaron por la basura hoy"
    assert apply_rules(text, {"check_status": 0.7, "withdraw_case": 0.2}) == (
        "withdraw_case", 0.95)


def test_an_unsure_withdrawal_with_a_cancel_word_is_sure():
    text = "porfa cancelen mi caso 26000026, ya pasaron por la basura hoy"
    assert apply_rules(text, {"withdraw_case": 0.31, "check_status": 0.3}) == (
        "withdraw_case", 0.95)


def test_cancel_read_as_stopping_the_form_is_a_withdrawal_when_a_case_number_comes_with_it():
    text = "nvm cancel my reprt 26-000456 they fixd it"
    assert apply_rules(text, {"cancel": 0.6, "check_status": 0.3}) == ("withdraw_case", 0.95)


def test_cancel_without_a_case_number_still_stops_the_form():
    assert apply_rules("nvm cancel that", {"cancel": 0.9}) is None


def test_asking_whether_a_case_was_fixed_stays_a_status_question():
    text = "me dieron el numero 26-001234, ya lo arreglaron?"
    assert apply_rules(text, {"check_status": 0.7}) is None


def test_a_case_number_beside_a_plainly_new_report_stays_a_report():
    text = "my last one was 26-000123 but this is a new problem: a pothole on Oak St"
    assert apply_rules(text, {"report_pothole": 0.8}) is None


def test_the_classifiers_answer_about_a_case_stands():
    assert apply_rules("status of 26000123", {"check_status": 0.9}) is None


def test_nobody_in_danger_is_all_clear_unless_it_reports_a_problem():
    assert apply_rules("no one is hurt", {"deny": 0.7, "report_pothole": 0.3}) == (
        "all_clear",
        1.0,
    )
    assert apply_rules("tree fell on my fence, no one is hurt", {"report_fallen_tree": 0.9}) is None


def test_refine_puts_the_imposed_intent_first_and_keeps_the_rest_ranked():
    intent, ranking = refine(
        "my dad won't wake up", {"report_general_inquiry": 0.7, "greet": 0.3}, {}, [], 0.5
    )
    assert intent == {"name": "emergency", "confidence": 1.0}
    assert ranking == [
        {"name": "emergency", "confidence": 1.0},
        {"name": "report_general_inquiry", "confidence": 0.7},
        {"name": "greet", "confidence": 0.3},
    ]


def test_short_messages_are_read_whole():
    assert split_pieces("pothole on my street", 18, 12) == []


def test_a_long_story_is_cut_into_its_sentences():
    story = (
        "I have lived on this street for twenty years and never complained. "
        "Last week the city crew came by and dug something up. "
        "Now there is water bubbling up between the bricks by the curb."
    )
    assert split_pieces(story, 18, 12) == [
        "I have lived on this street for twenty years and never complained.",
        "Last week the city crew came by and dug something up.",
        "Now there is water bubbling up between the bricks by the curb.",
    ]


def test_a_long_transcript_without_punctuation_is_cut_into_overlapping_windows():
    words = " ".join(f"w{i}" for i in range(24))
    pieces = split_pieces(words, 18, 12)
    assert pieces == [
        " ".join(f"w{i}" for i in range(0, 12)),
        " ".join(f"w{i}" for i in range(6, 18)),
        " ".join(f"w{i}" for i in range(12, 24)),
    ]


def test_the_direct_probabilities_are_scikit_learns():
    from bot.nlu.refiner import _linear_pipeline, linear_probabilities

    texts = ["pothole on oak", "big hole in the road", "hello there", "hi", "trash missed",
             "garbage not picked up"]
    labels = ["report_pothole", "report_pothole", "greet", "greet", "report_missed_garbage",
              "report_missed_garbage"]
    model = _linear_pipeline(311).fit(texts, labels)
    asked = ["a hole on my road", "hey"]
    direct = linear_probabilities(model, asked)
    for row, expected in zip(direct, model.predict_proba(asked), strict=True):
        assert [row[c] for c in model.classes_] == pytest.approx(list(expected))


def test_a_denied_danger_without_any_cue_is_not_left_to_the_classifiers_emergency():
    text = "the line from the pole is sagging over the street, it's not sparking or anything"
    intent, ranking = refine(text, {"emergency": 0.6, "referral_power": 0.3, "greet": 0.1},
                             {}, [], 0.5)
    assert intent["name"] == "referral_power"
    assert ranking[-1] == {"name": "emergency", "confidence": 0.0}


@pytest.mark.parametrize(("text", "other"), [
    ("what's the cheapest gas station near downtown", "report_general_inquiry"),
    ("este bache va a matar a alguien un día de estos", "report_pothole"),
    ("my neighbor smokes on his balcony and it blows into my place", "report_noise_complaint"),
])
def test_a_look_alike_without_any_cue_is_not_left_to_the_classifiers_emergency(text, other):
    intent, _ = refine(text, {"emergency": 0.5, other: 0.3, "greet": 0.2}, {}, [], 0.5)
    # The emergency share is spread over the rest: 0.3 of the remaining 0.5.
    assert intent == {"name": other, "confidence": pytest.approx(0.6)}


def test_a_denial_does_not_undo_a_danger_the_words_name():
    text = "no fire but the wires are down on a car and a woman is trapped inside"
    intent, _ = refine(text, {"emergency": 0.6, "referral_power": 0.4}, {}, [], 0.5)
    assert intent == {"name": "emergency", "confidence": 1.0}


def test_an_explicit_joint_splits_two_problems() -> None:
    clauses, joint = problem_clauses(
        "streetlight out on Ashby St, also the stop sign at the corner is bent over"
    )
    assert clauses == ["streetlight out on Ashby St", "the stop sign at the corner is bent over"]
    assert joint == "explicit"


def test_a_plain_and_the_splits_only_as_a_plain_joint() -> None:
    clauses, joint = problem_clauses(
        "The sidewalk on Hill St is heaved up by roots, and the street light above it flickers"
    )
    assert clauses == ["The sidewalk on Hill St is heaved up by roots",
                       "the street light above it flickers"]
    assert joint == "plain"


def test_one_clause_is_not_split() -> None:
    assert problem_clauses("pothole on Cascade Rd by the church") == ([], "")


def test_the_problem_named_first_wins_over_the_second() -> None:
    scores = {"report_street_sign": 0.6, "report_streetlight_out": 0.3, "greet": 0.1}
    first = {"report_streetlight_out": 0.8, "report_street_sign": 0.1, "greet": 0.1}
    swapped = first_problem_first(scores, first, "explicit")
    assert swapped == {"report_street_sign": 0.3, "report_streetlight_out": 0.6, "greet": 0.1}


def test_a_plain_joint_needs_a_sure_first_clause() -> None:
    scores = {"report_street_sign": 0.6, "report_streetlight_out": 0.3}
    first = {"report_streetlight_out": 0.5, "report_street_sign": 0.5}
    assert first_problem_first(scores, first, "plain") == scores
    assert first_problem_first(scores, first, "explicit") != scores


def test_a_first_clause_the_whole_message_barely_supports_changes_nothing() -> None:
    scores = {"report_street_sign": 0.9, "report_streetlight_out": 0.05, "greet": 0.05}
    first = {"report_streetlight_out": 0.95, "report_street_sign": 0.05}
    assert first_problem_first(scores, first, "explicit") == scores


def test_only_a_report_is_reordered() -> None:
    scores = {"check_status": 0.6, "report_pothole": 0.4}
    first = {"report_pothole": 0.9}
    assert first_problem_first(scores, first, "explicit") == scores


def test_refine_files_the_first_of_two_problems() -> None:
    text = "streetlight out on Ashby St + a sign down at the corner"
    clauses, joint = problem_clauses(text)
    intent, _ = refine(
        text, {"report_street_sign": 0.7, "report_streetlight_out": 0.3},
        {"report_street_sign": 0.6, "report_streetlight_out": 0.4}, [], 0.5,
        {"report_streetlight_out": 0.9, "report_street_sign": 0.1}, joint,
    )
    assert joint == "explicit"
    assert intent["name"] == "report_streetlight_out"
