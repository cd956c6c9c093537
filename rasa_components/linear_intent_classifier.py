"""LinearIntentClassifier: intents and FAQ/doubt keys from one linear model over n-grams.

Why not DIET + ResponseSelector: on our held-out sets (tests/data/nlu_heldout_*.jsonl) a linear
SVM over TF-IDF character (2-5, accents folded) and word (1-2) n-grams, trained on every label at
once ("greet", "faq/cost", "doubt/too_old", ...), scores a clearly higher macro-F1 in all three
languages and trains in seconds instead of minutes (BENCHMARKS.md has the figures). Predicting
the full key in one step also removes the two-stage errors (right FAQ family, wrong key).

Output is what Rasa's own components give, so the rest of Rasa is unchanged:
- `intent` / `intent_ranking`: the retrieval intent ("faq") for a key, read by policies and the
  FallbackClassifier. Confidences are a softmax over the SVM scores (`temperature` sharpens it).
- `response_selector`: for a key, the block a ResponseSelector would write, so `utter_faq`
  answers with `utter_faq/cost` and the tracker shows the full retrieval intent. Unlike the
  ResponseSelector it leaves out the response texts: Rasa answers from the domain (its
  conditional variations by language) and never reads them, while every user event in the
  tracker would carry them, stored, reloaded and sent to the action server on every message.
"""

from __future__ import annotations

import logging
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
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import Pipeline, make_pipeline, make_union
from sklearn.svm import LinearSVC

from rasa_components.message_parts import question_after_politeness

log = logging.getLogger(__name__)

MODEL_FILE = "linear_intent_classifier.joblib"


# Leading politeness that gives way to what follows it (rasa_components/message_parts.py).
POLITE_INTENTS = frozenset({"thanks", "greet", "affirm", "goodbye"})
ANSWERED_INTENTS = frozenset({"faq", "doubt", "start_check", "human_handoff", "privacy"})
REST_MIN_CONFIDENCE = 0.45


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class LinearIntentClassifier(GraphComponent, IntentClassifier):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "C": 1.0,  # SVM regularisation: lower is smoother
            "char_ngram_range": [2, 5],
            "word_ngram_range": [1, 2],
            "temperature": 5.0,
            "ranking_length": 10,
        }

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: Pipeline | None = None,
    ) -> None:
        self.config = config
        self._model_storage = model_storage
        self._resource = resource
        self.model = model
        self.retrieval_intents = _retrieval_intents(model)

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LinearIntentClassifier:
        return cls(config, model_storage, resource)

    # --- training ------------------------------------------------------------------------

    def train(self, training_data: TrainingData) -> Resource:
        texts, labels = [], []
        for example in training_data.intent_examples:
            texts.append(example.get("text"))
            labels.append(example.get("intent_response_key") or example.get("intent"))
        if len(set(labels)) < 2:
            log.warning("LinearIntentClassifier needs at least two labels: not trained")
            return self._resource
        self.model = self._pipeline().fit(texts, np.array(labels))
        self.retrieval_intents = _retrieval_intents(self.model)
        with self._model_storage.write_to(self._resource) as directory:
            joblib.dump({"model": self.model}, directory / MODEL_FILE)
        return self._resource

    def _pipeline(self) -> Pipeline:
        def tfidf(analyzer: str, ngram_range: list[int]) -> TfidfVectorizer:
            return TfidfVectorizer(
                analyzer=analyzer,
                ngram_range=tuple(ngram_range),
                sublinear_tf=True,
                strip_accents="unicode",
                lowercase=True,
            )

        features = make_union(
            tfidf("char_wb", self.config["char_ngram_range"]),
            tfidf("word", self.config["word_ngram_range"]),
        )
        return make_pipeline(features, LinearSVC(C=self.config["C"]))

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> LinearIntentClassifier:
        try:
            with model_storage.read_from(resource) as directory:
                saved = joblib.load(directory / MODEL_FILE)
        except (ValueError, FileNotFoundError):
            log.warning("LinearIntentClassifier has no trained model: it predicts nothing")
            return cls(config, model_storage, resource)
        return cls(config, model_storage, resource, saved["model"])

    # --- prediction ----------------------------------------------------------------------

    def process(self, messages: list[Message]) -> list[Message]:
        if self.model is None:
            return messages
        texts = [message.get("text") or "" for message in messages]
        scores = np.atleast_2d(self.model.decision_function(texts))
        for message, row in zip(messages, scores, strict=True):
            self._annotate(message, self._question_first(message, self._softmax(row)))
        return messages

    def _question_first(self, message: Message, probabilities: np.ndarray) -> np.ndarray:
        """ "merci ! et c'est payant ?": when a thanks or a greeting leads and the rest reads as
        a question or a request on its own, the rest is what the message is about."""
        top = str(self.model.classes_[int(np.argmax(probabilities))])
        if top not in POLITE_INTENTS:
            return probabilities
        rest = question_after_politeness(message.get("text") or "")
        if rest is None:
            return probabilities
        rest_probabilities = self._softmax(np.atleast_2d(self.model.decision_function([rest]))[0])
        best = int(np.argmax(rest_probabilities))
        label = str(self.model.classes_[best]).split("/", 1)[0]
        if label in ANSWERED_INTENTS and rest_probabilities[best] >= REST_MIN_CONFIDENCE:
            return rest_probabilities
        return probabilities

    def _softmax(self, scores: np.ndarray) -> np.ndarray:
        scaled = self.config["temperature"] * (scores - scores.max())
        exp = np.exp(scaled)
        return exp / exp.sum()

    def _annotate(self, message: Message, probabilities: np.ndarray) -> None:
        labels = self.model.classes_
        order = np.argsort(-probabilities)
        ranked = [(str(labels[i]), float(probabilities[i])) for i in order]

        # intent level: a key counts for its retrieval intent ("faq/cost" -> "faq")
        intents: dict[str, float] = {}
        for label, confidence in ranked:
            intent = label.split("/", 1)[0]
            intents.setdefault(intent, confidence)  # its best key: the ranking stays sharp
        intent_ranking = [
            {"name": name, "confidence": confidence} for name, confidence in intents.items()
        ][: self.config["ranking_length"]]
        message.set("intent", intent_ranking[0], add_to_output=True)
        message.set("intent_ranking", intent_ranking, add_to_output=True)

        top_label, top_confidence = ranked[0]
        selector: dict[str, Any] = dict(message.get("response_selector") or {})
        selector["all_retrieval_intents"] = self.retrieval_intents
        if "/" in top_label:
            intent = top_label.split("/", 1)[0]
            keys = [(label, c) for label, c in ranked if label.startswith(f"{intent}/")]
            selector[intent] = {
                "response": {
                    "confidence": top_confidence,
                    "intent_response_key": top_label,
                    "utter_action": f"utter_{top_label}",
                },
                "ranking": [
                    {"id": None, "confidence": c, "intent_response_key": label}
                    for label, c in keys[: self.config["ranking_length"]]
                ],
            }
        message.set("response_selector", selector, add_to_output=True)


def _retrieval_intents(model: Pipeline | None) -> list[str]:
    """ "faq", "doubt": the intents whose labels carry a key ("faq/cost")."""
    if model is None:
        return []
    return sorted({str(label).split("/", 1)[0] for label in model.classes_ if "/" in str(label)})
