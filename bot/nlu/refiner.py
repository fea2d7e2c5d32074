"""``ResidentIntentRefiner``: the last word on a message's intent before the fallback.

DIET alone is brittle on the way residents really write: a long story spreads
its few telling words over many neutral ones and falls under the fallback
threshold, and a single classifier misses emergencies worded in ways it never
saw. This component sits after ``DIETClassifier`` and before
``FallbackClassifier`` in ``config.yml`` and does five things, in order:

1. **A second opinion.** It trains a linear model (TF-IDF of words and
   character n-grams, logistic regression; scikit-learn, already a Rasa
   dependency) on the same training examples and averages its probabilities
   with DIET's ranking. The two fail differently, so the mean generalises
   better than either.
2. **Long messages, sentence by sentence.** A message of several sentences
   (or a long unpunctuated voice transcript, cut into overlapping windows) is
   also classified piece by piece; for the goal intents (reports, status,
   emergencies...) the most confident piece counts, so a story whose one
   telling sentence sits among five others is understood like that sentence.
3. **Life safety, by rule.** When ``bot.actions.emergency.detect`` finds
   danger to people, the intent is ``emergency`` whatever the classifiers say.
4. **Two problems.** A report that names two problems (joined by "also",
   "plus", "and the"...) is about the one named first; the linear model reads
   the first clause (``bot.nlu.rules.problem_clauses``).
5. **Case numbers.** A message that carries a valid case number is about that
   case (status, an update, or a withdrawal) unless it plainly reports
   something new; a short "nobody is in danger" is ``all_clear``.

Every change is visible in the parse result (``intent_ranking``), and the
rules are pure functions tested in ``tests/bot/test_refiner.py``.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import joblib
import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy import sparse

from bot.nlu.rules import problem_clauses, refine

logger = logging.getLogger(__name__)

MODEL_FILE = "linear.joblib"


def _linear_pipeline(random_seed: int):
    """TF-IDF over words (1-2) and characters (2-5 within words), then logistic regression."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion, Pipeline

    features = FeatureUnion(
        [
            ("words", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1)),
            (
                "chars",
                TfidfVectorizer(
                    analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2
                ),
            ),
        ]
    )
    classifier = LogisticRegression(C=20.0, max_iter=2000, random_state=random_seed)
    return Pipeline([("features", features), ("classifier", classifier)])


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class ResidentIntentRefiner(GraphComponent, IntentClassifier):
    """Combines DIET with a linear model, reads long messages piece by piece, applies the rules."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Weights of the two opinions and what counts as a long message."""
        return {
            "linear_weight": 0.5,  # DIET gets 1 - linear_weight
            "long_words": 18,  # at or above this many words a message is read piece by piece
            "window_words": 12,  # piece size for unpunctuated transcripts
            "random_seed": 311,
        }

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: Any = None,
    ) -> None:
        self.config = config
        self._model_storage = model_storage
        self._resource = resource
        self._model = model
        self._scorer = LinearScorer(model) if model is not None else None

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> ResidentIntentRefiner:
        """A new, untrained component."""
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        """Fit the linear model on the intent examples and persist it."""
        texts, labels = [], []
        for example in training_data.intent_examples:
            text, intent = example.get("text"), example.get("intent")
            if text and intent:
                texts.append(text)
                labels.append(intent)
        if len(set(labels)) >= 2:
            self._model = _linear_pipeline(self.config["random_seed"]).fit(texts, labels)
            self._scorer = LinearScorer(self._model)
            with self._model_storage.write_to(self._resource) as directory:
                joblib.dump(self._model, directory / MODEL_FILE)
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> ResidentIntentRefiner:
        """Load the persisted linear model (none when training had too few intents)."""
        model = None
        try:
            with model_storage.read_from(resource) as directory:
                model = joblib.load(directory / MODEL_FILE)
        except (ValueError, FileNotFoundError):
            logger.warning("ResidentIntentRefiner: no linear model; DIET and the rules only")
        return cls(config, model_storage, resource, model)

    def _probabilities(self, texts: list[str]) -> list[dict[str, float]]:
        if self._scorer is None or not texts:
            return [{} for _ in texts]
        return self._scorer.probabilities(texts)

    def process(self, messages: list[Message]) -> list[Message]:
        """Replace each message's intent and ranking with the refined ones."""
        for message in messages:
            text = message.get("text") or ""
            if not text or text.startswith("/"):
                continue  # a button payload names its intent: leave it alone
            diet = {
                r["name"]: float(r.get("confidence") or 0.0)
                for r in message.get("intent_ranking") or []
                if r.get("name")
            }
            pieces = split_pieces(text, self.config["long_words"], self.config["window_words"])
            clauses, joint = problem_clauses(text)
            # One batch for the whole, its pieces and the first clause: one sparse product.
            whole, *rest = self._probabilities([text] + pieces + clauses[:1])
            piece_probs, first = rest[: len(pieces)], rest[len(pieces) :]
            intent, ranking = refine(
                text, diet, whole, piece_probs, float(self.config["linear_weight"]),
                first[0] if first else None, joint,
            )
            message.set("intent", intent, add_to_output=True)
            message.set("intent_ranking", ranking, add_to_output=True)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Nothing to add to the training data."""
        return training_data


class LinearScorer:
    """``model.predict_proba`` for the fitted TF-IDF + logistic-regression pipeline, fast.

    scikit-learn's own path costs several milliseconds a message for nothing the
    refiner needs: ``FeatureUnion`` runs its two vectorizers through joblib,
    ``predict_proba`` re-validates the 40,000-column sparse input, and the
    product with the transposed (Fortran-ordered) weights copies them on every
    call. Here the vectorizers run directly, the weights are laid out once, and
    the softmax is computed over one sparse product: the same numbers in
    microseconds.
    """

    def __init__(self, model: Any) -> None:
        classifier = model.named_steps["classifier"]
        self._model = model
        self.classes = [str(c) for c in classifier.classes_]
        self._vectorizers = [t for _, t in model.named_steps["features"].transformer_list]
        # Two classes give one weight column: leave those to scikit-learn.
        self._direct = classifier.coef_.shape[0] == len(self.classes)
        self._weights = np.ascontiguousarray(classifier.coef_.T)
        self._intercept = classifier.intercept_

    def probabilities(self, texts: list[str]) -> list[dict[str, float]]:
        """One ``{intent: probability}`` per text."""
        if not self._direct:
            rows = self._model.predict_proba(texts)
        else:
            features = sparse.hstack([v.transform(texts) for v in self._vectorizers]).tocsr()
            scores = np.asarray(features @ self._weights) + self._intercept
            scores -= scores.max(axis=1, keepdims=True)
            rows = np.exp(scores)
            rows /= rows.sum(axis=1, keepdims=True)
        return [dict(zip(self.classes, (float(p) for p in row), strict=True)) for row in rows]


def linear_probabilities(model: Any, texts: list[str]) -> list[dict[str, float]]:
    """``model.predict_proba(texts)`` as dicts (one-off; the component keeps a scorer)."""
    return LinearScorer(model).probabilities(texts)


_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+|\n+")


def split_pieces(text: str, long_words: int, window_words: int) -> list[str]:
    """The sentences (or, without punctuation, overlapping word windows) of a long message.

    Short messages give no pieces: they are read whole.
    """
    words = text.split()
    if len(words) < long_words:
        return []
    sentences = [s.strip() for s in _SENTENCE_END.split(text) if len(s.split()) >= 2]
    if len(sentences) >= 2:
        # A very long sentence inside a story is windowed too.
        pieces: list[str] = []
        for sentence in sentences:
            pieces += _windows(sentence.split(), window_words * 2, window_words)
        return pieces
    return _windows(words, window_words, window_words // 2)


def _windows(words: list[str], size: int, step: int) -> list[str]:
    if len(words) <= size:
        return [" ".join(words)]
    return [" ".join(words[i : i + size]) for i in range(0, len(words) - step, step)]
