"""Text rendering for channels without buttons: numbered options, splitting, speech."""

from __future__ import annotations

from channels.render import pick_button, sms_text, speech_text, split_text, voice_prompt

BUTTONS = [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]


def test_buttons_become_numbered_reply_options():
    text = sms_text([{"text": "Is it in a travel lane?", "buttons": BUTTONS}])
    assert text == "Is it in a travel lane?\n\nReply 1 for Yes\nReply 2 for No"


def test_a_digit_picks_the_option_it_was_offered_as():
    assert pick_button("2", BUTTONS) == {"title": "No", "payload": "/deny"}
    assert pick_button(" 1. ", BUTTONS)["payload"] == "/affirm"
    assert pick_button("3", BUTTONS) is None
    assert pick_button("12 Main St", BUTTONS) is None


def test_long_replies_split_at_sentence_ends_within_the_limit():
    sentence = "The crew will inspect the site within five business days. "
    parts = split_text(sentence * 20, 600)
    assert len(parts) == 2
    assert all(len(p) <= 600 for p in parts)
    assert all(p.endswith("days.") for p in parts)


def test_a_sentence_longer_than_the_limit_is_cut_at_a_word():
    parts = split_text("word " * 300, 100)
    assert all(len(p) <= 100 for p in parts)
    assert " ".join(parts).split() == ["word"] * 300


def test_short_replies_stay_whole():
    assert split_text("Thanks!", 600) == ["Thanks!"]


def test_speech_drops_urls_and_emoji():
    spoken = speech_text("Case filed ✅ 🚧 see https://atl311.example.org/cases/26000001 now")
    assert spoken == "Case filed see now"


def test_buttons_are_read_as_press_options():
    assert voice_prompt([{"text": "Is it large?", "buttons": BUTTONS}]) == (
        "Is it large? For Yes, press 1. For No, press 2.")
