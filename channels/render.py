"""Turning the assistant's messages into plain text for channels without buttons.

SMS and voice have no buttons: they become numbered options ("Reply 1 for
Yes", "press 1 for Yes") and a digit reply picks the option again (the offered
buttons are remembered per address in ``channels.addresses``).
"""

from __future__ import annotations

import re
from typing import Any

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
_URL = re.compile(r"https?://\S+|www\.\S+")
# Pictographs, dingbats, flags, variation selectors and joiners: a speech
# engine reads them as their names ("red circle"), which helps nobody.
_EMOJI = re.compile(
    "[\U0001f000-\U0001faff\U00002600-\U000027bf\U0001f1e6-\U0001f1ff\ufe0f\u200d\u2b00-\u2bff]"
)


def all_buttons(messages: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Every button offered in ``messages``, in order (they are numbered together)."""
    return [b for m in messages for b in m.get("buttons") or []]


def sms_text(messages: list[dict[str, Any]]) -> str:
    """One text for SMS: the messages, then "Reply 1 for …" per button."""
    parts = [m["text"].strip() for m in messages if m.get("text", "").strip()]
    options = [f"Reply {i} for {b['title']}" for i, b in enumerate(all_buttons(messages), 1)]
    if options:
        parts.append("\n".join(options))
    return "\n\n".join(parts)


def split_text(text: str, limit: int) -> list[str]:
    """Split ``text`` into parts of at most ``limit`` characters, at sentence ends if possible."""
    text = text.strip()
    if len(text) <= limit:
        return [text] if text else []
    parts: list[str] = []
    current = ""
    for sentence in _pieces(text, limit):
        candidate = f"{current} {sentence}".strip() if current else sentence
        if len(candidate) <= limit:
            current = candidate
        else:
            parts.append(current)
            current = sentence
    if current:
        parts.append(current)
    return parts


def _pieces(text: str, limit: int) -> list[str]:
    """Sentences (and option lines), with any single one over ``limit`` cut at a word."""
    pieces: list[str] = []
    for sentence in (s.strip() for s in _SENTENCE_END.split(text)):
        while len(sentence) > limit:
            cut = sentence.rfind(" ", 0, limit)
            cut = cut if cut > 0 else limit
            pieces.append(sentence[:cut].strip())
            sentence = sentence[cut:].strip()
        if sentence:
            pieces.append(sentence)
    return pieces


def speech_text(text: str) -> str:
    """Text fit to be read aloud: no URLs, no emoji, no markdown stars."""
    text = _URL.sub("", text)
    text = _EMOJI.sub("", text)
    text = text.replace("*", "").replace("_", " ")
    return re.sub(r"[ \t]+", " ", text).strip()


def voice_prompt(messages: list[dict[str, Any]]) -> str:
    """What the IVR says: the messages, then "Press 1 for …" per button."""
    parts = [speech_text(m.get("text", "")) for m in messages]
    buttons = all_buttons(messages)
    options = [f"For {speech_text(b['title'])}, press {i}." for i, b in enumerate(buttons, 1)]
    return " ".join(p for p in parts + options if p)


def pick_button(text: str, buttons: list[dict[str, str]]) -> dict[str, str] | None:
    """The button a bare digit reply (or an exact title) chooses, if any."""
    choice = text.strip().rstrip(".").strip()
    if choice.isdigit() and 1 <= int(choice) <= len(buttons):
        return buttons[int(choice) - 1]
    for button in buttons:
        if choice.casefold() == button["title"].strip().casefold():
            return button
    return None
