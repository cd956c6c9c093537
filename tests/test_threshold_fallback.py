"""rasa_components/intent_fallback.py: a confidence threshold per intent, Rasa's output shape.

The component runs inside Rasa, so the checks run in .venv-rasa: messages with a given intent
ranking go through it, configured as in config.yml, and Rasa's own helpers read the result."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"

SCRIPT = r"""
import json, sys, yaml
from rasa.nlu.classifiers.fallback_classifier import (
    FallbackClassifier, is_fallback_classifier_prediction, undo_fallback_prediction)
from rasa.shared.nlu.training_data.message import Message
from rasa_components.intent_fallback import IntentFallbackClassifier

pipeline = yaml.safe_load(open("config.yml"))["pipeline"]
(step,) = [s for s in pipeline if s["name"].endswith("IntentFallbackClassifier")]
config = {**IntentFallbackClassifier.get_default_config(),
          **{k: v for k, v in step.items() if k != "name"}}
component = IntentFallbackClassifier.create(config, None, None, None)

def run(ranking):
    ranking = [{"name": n, "confidence": c} for n, c in ranking]
    message = Message(data={"text": "x", "intent": dict(ranking[0]) if ranking else None,
                            "intent_ranking": [dict(r) for r in ranking]})
    if not ranking:
        message.data.pop("intent")
    component.process([message])
    data = {k: message.get(k) for k in ("intent", "intent_ranking")}
    data["is_fallback"] = bool(ranking) and is_fallback_classifier_prediction(data)
    data["undone"] = undo_fallback_prediction(data)["intent"] if data["is_fallback"] else None
    return data

cases = {
    "stop_low": [("stop", 0.55), ("affirm", 0.2)],
    "stop_ok": [("stop", 0.65), ("affirm", 0.2)],
    "faq_low": [("faq", 0.44), ("doubt", 0.2)],
    "faq_ok": [("faq", 0.5), ("doubt", 0.2)],
    "affirm_ok": [("affirm", 0.35), ("deny", 0.1)],
    "affirm_low": [("affirm", 0.25), ("deny", 0.1)],
    "ambiguous": [("greet", 0.46), ("goodbye", 0.43)],
    "unlisted": [("some_new_intent", 0.35), ("greet", 0.1)],
    "empty": [],
}
print(json.dumps({"subclass": issubclass(IntentFallbackClassifier, FallbackClassifier),
                  "results": {name: run(r) for name, r in cases.items()}}))
"""


def _run() -> dict:
    done = subprocess.run(
        [str(RASA_PYTHON), "-c", SCRIPT],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_each_intent_needs_its_own_confidence() -> None:
    result = _run()
    assert result["subclass"] is True
    r = result["results"]
    # a command below 0.6 is not understood; the fallback carries the threshold that applied
    assert r["stop_low"]["intent"] == {"name": "nlu_fallback", "confidence": 0.6}
    assert r["stop_low"]["intent_ranking"][0] == {"name": "nlu_fallback", "confidence": 0.6}
    assert [i["name"] for i in r["stop_low"]["intent_ranking"][1:]] == ["stop", "affirm"]
    assert r["stop_low"]["is_fallback"] and r["stop_low"]["undone"]["name"] == "stop"
    assert r["stop_ok"]["intent"]["name"] == "stop"
    # FAQ and doubt in between
    assert r["faq_low"]["intent"] == {"name": "nlu_fallback", "confidence": 0.45}
    assert r["faq_ok"]["intent"]["name"] == "faq"
    # yes/no, greetings and everything not listed: the default threshold
    assert r["affirm_ok"]["intent"]["name"] == "affirm"
    assert r["affirm_low"]["intent"] == {"name": "nlu_fallback", "confidence": 0.3}
    assert r["unlisted"]["intent"]["name"] == "some_new_intent"
    # Rasa's ambiguity rule still holds
    assert r["ambiguous"]["intent"]["name"] == "nlu_fallback"
    # nothing classified: nothing added
    assert r["empty"]["intent"] is None and r["empty"]["intent_ranking"] == []


def test_commands_need_more_confidence_than_answers_and_small_talk() -> None:
    pipeline = yaml.safe_load((ROOT / "config.yml").read_text())["pipeline"]
    (step,) = [s for s in pipeline if s["name"].endswith("IntentFallbackClassifier")]
    assert not any(s["name"] == "FallbackClassifier" for s in pipeline)
    thresholds, default = step["intent_thresholds"], step["threshold"]
    commands = ["start_check", "human_handoff", "stop", "forget_me", "change_language"]
    answers = ["faq", "doubt", "privacy"]
    assert min(thresholds[c] for c in commands) > max(thresholds[a] for a in answers)
    assert min(thresholds[a] for a in answers) > default
    for small_talk in ["greet", "goodbye", "thanks", "affirm", "deny"]:
        assert small_talk not in thresholds  # the default, the lowest
