"""The photos of a message reach the report: the case store's references and links, at most 5."""

from __future__ import annotations

from bot.actions.context import media_urls
from tests.bot.conftest import make_tracker


def test_case_store_references_are_kept():
    tracker = make_tracker({}, text="photo", metadata={"media_urls": ["media:AbC123xyz"]})
    assert media_urls(tracker) == ["media:AbC123xyz"]


def test_other_schemes_and_non_strings_are_dropped():
    tracker = make_tracker({}, text="photo", metadata={
        "media_urls": ["file:///etc/passwd", "javascript:alert(1)", 7,
                       "https://media.example.com/p1.jpg"]})
    assert media_urls(tracker) == ["https://media.example.com/p1.jpg"]


def test_no_more_than_five_photos_are_kept():
    refs = [f"media:photo{n}" for n in range(7)]
    tracker = make_tracker({}, text="photos", metadata={"media_urls": refs})
    assert media_urls(tracker) == refs[:5]
