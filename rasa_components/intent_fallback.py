"""IntentFallbackClassifier: Rasa's FallbackClassifier with a confidence threshold per intent.

A wrong command costs more than a wrong "hi": "stop" leaves the check, "forget me" erases a
lead, "a person" opens the handoff, while a greeting taken for "ok" costs a line. So the top
intent must reach its own threshold (`intent_thresholds`, by intent name: "faq" and "doubt"
stand for all their keys), else the message is `nlu_fallback` (action_fallback: "I didn't get
that", topic buttons, a person). Intents not listed use `threshold`. The ambiguity rule is
Rasa's: the top two intents closer than `ambiguity_threshold` are a fallback too.

The output is exactly the FallbackClassifier's: `intent` becomes {"name": "nlu_fallback",
"confidence": <the threshold that applied>} and the same entry heads `intent_ranking`, so
`rasa test`, the rules and Rasa's undo_fallback_prediction read it as they read Rasa's own.

config.yml has the thresholds and why; tools/eval_offtopic.py and tools/eval_nlu.py measure them.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.fallback_classifier import (
    AMBIGUITY_THRESHOLD_KEY,
    THRESHOLD_KEY,
    FallbackClassifier,
    _fallback_intent,
)
from rasa.shared.nlu.constants import (
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
)
from rasa.shared.nlu.training_data.message import Message

log = logging.getLogger(__name__)

INTENT_THRESHOLDS_KEY = "intent_thresholds"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class IntentFallbackClassifier(FallbackClassifier):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**FallbackClassifier.get_default_config(), INTENT_THRESHOLDS_KEY: {}}

    def threshold_for(self, intent_name: str | None) -> float:
        thresholds = self.component_config.get(INTENT_THRESHOLDS_KEY) or {}
        return float(thresholds.get(intent_name, self.component_config[THRESHOLD_KEY]))

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            intent = message.get(INTENT) or {}
            name = intent.get(INTENT_NAME_KEY)
            if not name:
                continue  # no classifier output (untrained model): nothing to judge
            threshold = self.threshold_for(name)
            if not self._falls_back(message, threshold):
                continue
            message.data[INTENT] = _fallback_intent(threshold)
            message.data.setdefault(INTENT_RANKING_KEY, [])
            message.data[INTENT_RANKING_KEY].insert(0, _fallback_intent(threshold))
        return messages

    def _falls_back(self, message: Message, threshold: float) -> bool:
        confidence = message.get(INTENT, {}).get(PREDICTED_CONFIDENCE_KEY) or 0.0
        if confidence < threshold:
            log.debug(
                "confidence %.3f of %r is below its threshold %.2f",
                confidence,
                message.get(INTENT, {}).get(INTENT_NAME_KEY),
                threshold,
            )
            return True
        ranking = message.get(INTENT_RANKING_KEY) or []
        if len(ranking) >= 2:
            first = ranking[0].get(PREDICTED_CONFIDENCE_KEY, 1.0)
            second = ranking[1].get(PREDICTED_CONFIDENCE_KEY, 1.0)
            return first - second < self.component_config[AMBIGUITY_THRESHOLD_KEY]
        return False
