"""``LanguageDetector``: which language the resident is writing in, as the ``language`` entity.

The conversation's language is the ``language`` slot (domain.yml), filled from this
entity, so it changes only when a message says something: a message with enough
words of one language (config/languages.yml), a lone greeting ("hola"), or an
explicit request ("español", "in English please"). Short answers ("grande", "412
Boulevard SE", "ok") carry no entity and keep the language the conversation has.
An explicit request also becomes the ``switch_language`` intent, so the assistant
answers it instead of taking "español" as the answer to its question.

The channels' hints (the phone menu's choice, Telegram's ``language_code``, the web
widget's language) arrive as message metadata ``language``: ``action_session_start``
starts the session in that language, and from then on only the resident's words
change it (a hint repeated on every message would undo what the words decided; the
widget's switch sends the word "Español" or "English"). Word lists, not a statistical detector:
the messages are short, the languages few, and every decision can be read in the
data file.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.actions.emergency import normalise

CUES_FILE = Path(__file__).resolve().parents[2] / "config" / "languages.yml"
SWITCH_INTENT = "switch_language"
MAX_TEXT = 4000  # enough words to decide; a 20,000-character message is not read further


@dataclass(frozen=True)
class _Cues:
    words: dict[str, frozenset[str]]
    greetings: dict[str, frozenset[str]]
    switch: dict[str, frozenset[str]]
    marks: dict[str, str]
    min_words: int
    dominance: float


_lock = threading.Lock()
_cache: dict[Path, _Cues] = {}


def _phrase(text: str) -> str:
    """The text as the danger cues see it (case-folded, no accents or format characters),
    punctuation gone and spaces collapsed ("¡Español!" -> "espanol")."""
    return " ".join(re.findall(r"[^\W\d_]+", normalise(text[:MAX_TEXT])[0]))


def load_cues(path: Path = CUES_FILE) -> _Cues:
    """Read the language cue file once per path."""
    with _lock:
        cached = _cache.get(path)
        if cached is not None:
            return cached
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    langs: dict[str, Any] = raw["languages"]
    cues = _Cues(
        words={code: frozenset(_phrase(w) for w in spec.get("words", []))
               for code, spec in langs.items()},
        greetings={code: frozenset(_phrase(w) for w in spec.get("greetings", []))
                   for code, spec in langs.items()},
        switch={code: frozenset(_phrase(w) for w in spec.get("switch", []))
                for code, spec in langs.items()},
        marks=dict(raw.get("marks") or {}),
        min_words=int(raw.get("min_words", 2)),
        dominance=float(raw.get("dominance", 2.0)),
    )
    with _lock:
        _cache[path] = cues
    return cues


def switch_request(text: str, cues: _Cues | None = None) -> str | None:
    """Return the language a message asks to continue in ("español" -> "es"), else None."""
    cues = cues or load_cues()
    phrase = _phrase(text or "")
    if not phrase or len(phrase) > 60:
        return None
    return next((code for code, phrases in cues.switch.items() if phrase in phrases), None)


def detect(text: str, cues: _Cues | None = None) -> str | None:
    """Return the language ``text`` is plainly written in, or None when its words do not decide."""
    cues = cues or load_cues()
    if not text:
        return None
    phrase = _phrase(text)
    for code, greetings in cues.greetings.items():
        if phrase in greetings:
            return code
    words = phrase.split()
    counts = {code: sum(1 for w in words if w in vocabulary)
              for code, vocabulary in cues.words.items()}
    for code, letters in cues.marks.items():
        if code in counts and any(ch in letters for ch in text[:MAX_TEXT].casefold()):
            counts[code] += 1
    ranked = sorted(counts.items(), key=lambda kv: -kv[1])
    if not ranked:
        return None
    best, best_count = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0
    if best_count >= cues.min_words and best_count > cues.dominance * runner_up:
        return best
    return None


def message_language(text: str, cues: _Cues | None = None) -> str | None:
    """The ``language`` entity's value for one message: what it asks for, else its words."""
    cues = cues or load_cues()
    return switch_request(text, cues) or detect(text, cues)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class LanguageDetector(GraphComponent):
    """Adds the ``language`` entity (and the ``switch_language`` intent for a request)."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """No settings: the cues are in config/languages.yml."""
        return {}

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LanguageDetector:
        """A detector reading config/languages.yml."""
        return cls(config)

    def process(self, messages: list[Message]) -> list[Message]:
        """Add the entity; make a plain request to switch languages ``switch_language``."""
        cues = load_cues()
        for message in messages:
            text = message.get("text") or ""
            if text.startswith("/"):
                continue  # a button payload says nothing about the resident's language
            language = message_language(text, cues)
            if language is None:
                continue
            entities = [e for e in message.get("entities") or [] if e.get("entity") != "language"]
            entities.append({"entity": "language", "value": language, "start": 0,
                             "end": len(text), "extractor": "LanguageDetector"})
            message.set("entities", entities, add_to_output=True)
            if switch_request(text, cues):
                ranking = [r for r in message.get("intent_ranking") or []
                           if r.get("name") != SWITCH_INTENT]
                intent = {"name": SWITCH_INTENT, "confidence": 1.0}
                message.set("intent", intent, add_to_output=True)
                message.set("intent_ranking", [intent, *ranking], add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Nothing to learn: the cues are data."""
        return training_data
