"""Turning the assistant's messages into plain text for channels without buttons.

SMS and voice have no buttons: they become numbered options ("Reply 1 for
Yes", "For Yes, press 1") and a digit reply picks the option again (the offered
buttons are remembered per sender in ``channels.senders``). On the phone a
short menu also offers the titles as words ("For Pothole, press 1 or say
pothole.") and ``pick_spoken_button`` reads what the caller said against them.
"""

from __future__ import annotations

import difflib
import re
from typing import Any

from channels.i18n import gettext

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


def sms_text(messages: list[dict[str, Any]], lang: str | None = None) -> str:
    """One text for SMS: the messages, then "Reply 1 for …" per button (in ``lang``)."""
    parts = [m["text"].strip() for m in messages if m.get("text", "").strip()]
    options = [gettext(lang, "Reply {number} for {title}", number=i, title=b["title"])
               for i, b in enumerate(all_buttons(messages), 1)]
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


def sms_parts(messages: list[dict[str, Any]], limit: int, lang: str | None = None) -> list[str]:
    """The SMS bodies for ``messages``: numbered options, split at ``limit`` characters."""
    return split_text(sms_text(messages, lang), limit)


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


# Up to this many buttons, the IVR also says each title as the word to say.
SPOKEN_MENU_MAX = 4


def spoken_title(title: str) -> str:
    """A button title as the caller would say it: plain lower-case words ("yes file it")."""
    words = re.findall(r"[\w']+", speech_text(title))
    return " ".join(w if len(w) > 1 and w.isupper() else w.lower() for w in words)


def voice_prompt(
    messages: list[dict[str, Any]], say_titles: bool = False, lang: str | None = None
) -> str:
    """What the IVR says: the messages, then "For Yes, press 1." per button (in ``lang``).

    With ``say_titles`` and at most ``SPOKEN_MENU_MAX`` buttons each option also
    offers its title as words: "For Pothole, press 1 or say pothole."
    """
    parts = [speech_text(m.get("text", "")) for m in messages]
    buttons = all_buttons(messages)
    spoken = say_titles and len(buttons) <= SPOKEN_MENU_MAX
    options = []
    for i, button in enumerate(buttons, 1):
        title, word = speech_text(button["title"]), spoken_title(button["title"])
        if spoken and word:
            options.append(gettext(lang, "For {title}, press {number} or say {word}.",
                                   title=title, number=i, word=word))
        else:
            options.append(gettext(lang, "For {title}, press {number}.", title=title, number=i))
    return " ".join(p for p in parts + options if p)


def pick_button(text: str, buttons: list[dict[str, str]]) -> dict[str, str] | None:
    """The button a bare digit reply (or an exact title) chooses, if any."""
    choice = text.strip().rstrip(".").strip()
    # isdigit() is true for "²" and "①", which int() refuses: ASCII digits only.
    if choice.isascii() and choice.isdecimal() and 1 <= int(choice) <= len(buttons):
        return buttons[int(choice) - 1]
    for button in buttons:
        if choice.casefold() == button["title"].strip().casefold():
            return button
    return None


# Words a caller wraps around an option ("the pothole one", "yes please"): ignored
# when the rest is compared with the titles.
_FILLER = frozenset(
    "a an the one ones it its it's that that's this i i'd i'm id want wanna would like please "
    "um uh er oh ok okay yeah well just mean meant choose pick say said option number press "
    "is was for my me go with thanks thank you".split()
)
_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6,
    "seventh": 7, "eighth": 8, "ninth": 9,
}
_NUMBER_LEAD = frozenset(("number", "option", "press", "choice", "please"))
_MAX_CHOICE_WORDS = 8  # longer answers are sentences: the assistant reads them


def _words(text: str) -> list[str]:
    return [_stem(w) for w in re.findall(r"[a-z0-9']+", text.casefold())]


def _stem(word: str) -> str:
    word = word.removesuffix("'s")
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


def _same_word(said: str, title_word: str) -> bool:
    if said == title_word:
        return True
    long_enough = len(said) >= 5 and len(title_word) >= 5
    return long_enough and difflib.SequenceMatcher(None, said, title_word).ratio() >= 0.85


def _spoken_number(words: list[str]) -> int | None:
    """1 for "one", "1", "number one", "option 1", "the first one"; else None."""
    rest = [w for w in words if w not in _NUMBER_LEAD]
    if rest[:1] == ["the"]:  # "the first (one)", not "the one"
        rest = rest[1:-1] if rest[-1:] == ["one"] and len(rest) == 3 else rest[1:]
        if len(rest) != 1 or rest[0] in ("one", "two", "three", "four") or rest[0].isdigit():
            return None
    if len(rest) != 1:
        return None
    if rest[0].isascii() and rest[0].isdecimal():
        return int(rest[0]) if len(rest[0]) < 6 else None
    return _NUMBERS.get(rest[0])


def pick_spoken_button(speech: str, buttons: list[dict[str, str]]) -> dict[str, str] | None:
    """The button a caller's words choose, if they clearly choose one.

    An exact title or digit first (``pick_button``). Then the words, without
    filler that is not in the title ("the pothole one" -> "pothole"), plurals
    folded and near spellings allowed, must all belong to one title ("sidewalk"
    -> "Sidewalk repair", "pot hole" -> "Pothole"); when they fit several, a
    title made of exactly those words wins ("one light" -> "One light", not
    "Several lights"), otherwise nothing is chosen. Then a spoken number ("two",
    "number two", "the second one") unless a title uses that word. Anything
    else ("no, it's in the bike lane") is left to the assistant: None.
    """
    exact = pick_button(speech, buttons)
    if exact is not None or not buttons:
        return exact
    words = _words(speech)
    if not words or len(words) > _MAX_CHOICE_WORDS:
        return None
    titles = [_words(speech_text(b["title"])) for b in buttons]
    content = [w for w in words if w not in _FILLER]
    if content:
        candidates, equal = [], []
        for button, title in zip(buttons, titles, strict=True):
            said = [w for w in words if w not in _FILLER or w in title]
            inside = all(any(_same_word(w, t) for t in title) for w in said)
            joined = "".join(said) == "".join(title)  # "pot hole" for "Pothole"
            if inside or joined:
                candidates.append(button)
                if joined or set(said) == set(title):
                    equal.append(button)
        if len(candidates) == 1:
            return candidates[0]
        if len(equal) == 1:
            return equal[0]
        if candidates:
            return None
    number = _spoken_number(words)
    if number is None or not 1 <= number <= len(buttons):
        return None
    if any(w in title for title in titles for w in words if w in _NUMBERS):
        return None  # "one" with a title "One light": the caller may mean either
    return buttons[number - 1]
