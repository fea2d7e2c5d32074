"""A life-safety detector that does not depend on the intent classifier.

``detect(text)`` says whether a resident's words describe someone in danger
right now (a fire, a gun, someone not breathing, a child in a hot car...),
whatever else the message is about, so the actions can answer "call 911 now"
even when DIET picked a pothole. ``says_all_clear(text)`` recognises "no one
is hurt" / "nadie está en peligro", so a dialogue that asked can carry on.

The cues are data, in ``config/emergency.yml`` (path from ``EMERGENCY_CUES``),
read once on first use, never at import. That file explains the matching
rules; in short: the text is normalised (Unicode compatibility forms folded,
accents, zero-width characters and case removed, apostrophes straightened,
whitespace collapsed), every pattern is word-bounded, kinds are in priority
order, and an exclusion removes only a non-strong cue whose words it overlaps.
The case store reads the same file with its own small loader
(``casestore/livechat/danger.py``): the folders do not import each other.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.actions import settings

DEFAULT_CUES = Path(__file__).resolve().parents[2] / "config" / "emergency.yml"
MAX_TEXT = 20_000  # longer messages are checked on their first 20,000 characters
_APOSTROPHES = dict.fromkeys("\u2018\u2019\u201b\u02bc\u00b4\u0060\u2032\uff07", "'")
_FRAGMENT = re.compile(r"%([a-z_]+)%")


@dataclass(frozen=True)
class Emergency:
    """A danger to life found in a message: its kind and the words that said so."""

    kind: str  # a key of ``kinds`` in config/emergency.yml, e.g. "weapon", "medical"
    cue: str  # the words of the original message that matched
    start: int  # where ``cue`` starts in the original message
    end: int  # where it ends (exclusive)


@dataclass(frozen=True)
class _Cues:
    kinds: tuple[tuple[str, tuple[tuple[re.Pattern[str], bool], ...]], ...]
    exclusions: tuple[re.Pattern[str], ...]
    all_clear: tuple[re.Pattern[str], ...]
    denials: tuple[re.Pattern[str], ...]


_lock = threading.Lock()
_cache: _Cues | None = None


def cues_path() -> Path:
    """The cue file: ``EMERGENCY_CUES`` or the repository's config/emergency.yml."""
    return Path(settings.current().EMERGENCY_CUES)


def reset_cache() -> None:
    """Forget the loaded cues; the next call reads the file again (tests, reloads)."""
    global _cache
    with _lock:
        _cache = None


def normalise(text: str) -> tuple[str, list[int]]:
    """Return the text as the patterns see it, and for each of its characters the original index.

    Compatibility forms are folded (NFKD), accents and zero-width/format
    characters dropped, apostrophes straightened, the text case-folded and
    every run of whitespace made one space.
    """
    chars: list[str] = []
    index: list[int] = []
    for i, ch in enumerate(text[:MAX_TEXT]):
        if unicodedata.category(ch) == "Cf":  # zero-width space, joiners, soft hyphen
            continue
        for part in unicodedata.normalize("NFKD", ch.casefold()):
            if unicodedata.combining(part):
                continue
            part = _APOSTROPHES.get(part, part)
            if part.isspace():
                if not chars or chars[-1] == " ":
                    continue
                part = " "
            chars.append(part)
            index.append(i)
    return "".join(chars), index


def strip_accents(text: str) -> str:
    """``text`` without its accents ("veintiséis" -> "veintiseis"), case kept."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _expand(pattern: str, fragments: dict[str, str], where: str) -> str:
    for _ in range(5):  # fragments may name fragments, a few levels deep
        if "%" not in pattern:
            return pattern

        def fragment(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in fragments:
                raise ValueError(f"{where}: unknown fragment %{name}%")
            return fragments[name]

        pattern = _FRAGMENT.sub(fragment, pattern)
    raise ValueError(f"{where}: fragments nest too deep")


def _compile(pattern: Any, fragments: dict[str, str], where: str) -> re.Pattern[str]:
    if not isinstance(pattern, str) or not pattern.strip():
        raise ValueError(f"{where}: a pattern must be a non-empty string")
    source = strip_accents(_expand(pattern, fragments, where))
    try:
        return re.compile(rf"(?<!\w)(?:{source})(?!\w)", re.IGNORECASE)
    except re.error as exc:
        raise ValueError(f"{where}: {exc}") from exc


def _load(path: Path) -> _Cues:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    fragments = {
        name: "(?:" + "|".join(str(alt) for alt in alts) + ")"
        for name, alts in (data.get("fragments") or {}).items()
    }
    kinds = []
    for kind, spec in (data.get("kinds") or {}).items():
        spec = spec or {}
        compiled = [(_compile(p, fragments, f"{kind}.strong"), True)
                    for p in spec.get("strong") or []]
        compiled += [(_compile(p, fragments, f"{kind}.patterns"), False)
                     for p in spec.get("patterns") or []]
        kinds.append((str(kind), tuple(compiled)))
    return _Cues(
        kinds=tuple(kinds),
        exclusions=tuple(_compile(p, fragments, "exclusions")
                         for p in data.get("exclusions") or []),
        all_clear=tuple(_compile(p, fragments, "all_clear") for p in data.get("all_clear") or []),
        denials=tuple(_compile(p, fragments, "denials") for p in data.get("denials") or []),
    )


def _cues() -> _Cues:
    global _cache
    with _lock:
        if _cache is None:
            _cache = _load(cues_path())
        return _cache


def _overlaps(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(start < other_end and other_start < end for other_start, other_end in spans)


def _first_cue(pattern: re.Pattern[str], strong: bool, norm: str,
               excluded: list[tuple[int, int]]) -> re.Match[str] | None:
    pos = 0
    while pos <= len(norm):
        match = pattern.search(norm, pos)
        if match is None:
            return None
        if strong or not _overlaps(match.start(), match.end(), excluded):
            return match
        pos = match.start() + 1
    return None


def detect(text: str) -> Emergency | None:
    """The danger to life ``text`` describes, or None.

    Of several kinds, the first in config/emergency.yml wins; within a kind,
    the earliest cue in the message.
    """
    if not text or not text.strip():
        return None
    cues = _cues()
    norm, index = normalise(text)
    excluded = [m.span() for pattern in cues.exclusions for m in pattern.finditer(norm)]
    for kind, patterns in cues.kinds:
        found = [m for pattern, strong in patterns
                 if (m := _first_cue(pattern, strong, norm, excluded)) is not None]
        if found:
            match = min(found, key=lambda m: (m.start(), -m.end()))
            start, end = index[match.start()], index[match.end() - 1] + 1
            return Emergency(kind=kind, cue=text[start:end], start=start, end=end)
    return None


def says_all_clear(text: str) -> bool:
    """True when the resident says nobody is in danger, and names no danger in the same breath."""
    if not text or not text.strip():
        return False
    norm, _ = normalise(text)
    if not any(pattern.search(norm) for pattern in _cues().all_clear):
        return False
    return detect(text) is None


def denies_danger(text: str) -> bool:
    """True when the message names no danger and says the dangerous-sounding part is not
    happening ("it's not sparking", "no hubo fuego") or that nobody is in danger.

    The NLU refiner uses it to overrule a classifier that called such a message an
    emergency on its words alone (a sagging line, a transformer that blew).
    """
    if not text or not text.strip() or detect(text) is not None:
        return False
    norm, _ = normalise(text)
    cues = _cues()
    return any(pattern.search(norm) for pattern in cues.denials + cues.all_clear)
