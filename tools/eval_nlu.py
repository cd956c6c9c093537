"""Intent evaluation on a held-out JSONL set: `make eval-nlu DATA=file.jsonl`.

Runs in .venv-rasa (it loads the trained model with Rasa itself):
    .venv-rasa/bin/python tools/eval_nlu.py MODEL.tar.gz DATA.jsonl [DATA.jsonl ...]

Each line: {"text", "label", "lang"}; labels as in labels.md, retrieval intents by their full
key ("faq/cost"). Prints per-language accuracy and macro-F1, the most frequent confusions,
and as its last line `macro_f1_min=<float>` (the lowest per-language macro-F1).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # our Rasa components
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
logging.disable(logging.WARNING)

RETRIEVAL_INTENTS = {"faq", "doubt"}


def load_cases(path: Path) -> list[dict]:
    cases = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            case = json.loads(line)
            if not {"text", "label", "lang"} <= case.keys():
                raise SystemExit(f"{path}:{number}: needs text, label and lang")
            cases.append(case)
    return cases


def predicted_label(parse: dict) -> str:
    intent = (parse.get("intent") or {}).get("name") or "nlu_fallback"
    if intent in RETRIEVAL_INTENTS:
        selector = parse.get("response_selector", {}).get(intent, {})
        key = selector.get("response", {}).get("intent_response_key")
        return key or intent
    return intent


async def predict(model: Path, texts: list[str]) -> list[str]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    return [predicted_label(await agent.parse_message(text)) for text in texts]


def macro_f1(gold: list[str], pred: list[str]) -> float:
    from sklearn.metrics import f1_score

    labels = sorted(set(gold))
    return float(f1_score(gold, pred, labels=labels, average="macro", zero_division=0))


def main(argv: list[str]) -> int:
    if len(argv) < 3:
        print(__doc__)
        return 2
    model, files = Path(argv[1]), [Path(arg) for arg in argv[2:]]
    cases = [case for path in files for case in load_cases(path)]
    predictions = asyncio.run(predict(model, [case["text"] for case in cases]))
    by_lang: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for case, pred in zip(cases, predictions, strict=True):
        by_lang[case["lang"]].append((case["label"], pred))

    names = " ".join(str(path) for path in files)
    print(f"model: {model.name}  data: {names} ({len(cases)} utterances)")
    f1_per_lang = {}
    for lang in sorted(by_lang):
        gold, pred = zip(*by_lang[lang], strict=True)
        accuracy = sum(g == p for g, p in by_lang[lang]) / len(gold)
        f1_per_lang[lang] = macro_f1(list(gold), list(pred))
        print(f"{lang}: n={len(gold)} accuracy={accuracy:.4f} macro_f1={f1_per_lang[lang]:.4f}")
    confusions = Counter(
        (lang, g, p) for lang, pairs in by_lang.items() for g, p in pairs if g != p
    )
    if confusions:
        print("most frequent confusions (lang: gold -> predicted  count):")
        for (lang, gold, pred), count in confusions.most_common(25):
            print(f"  {lang}: {gold} -> {pred}  {count}")
    errors = [(c, p) for c, p in zip(cases, predictions, strict=True) if c["label"] != p]
    for case, pred in errors[: int(os.environ.get("EVAL_SHOW_ERRORS", "40"))]:
        print(f"  x [{case['lang']}] {case['text']!r}: {case['label']} -> {pred}")
    print(f"macro_f1_min={min(f1_per_lang.values()):.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
