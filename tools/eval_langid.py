"""Language-identification accuracy on short chat messages (PRODUCT.md §9).

    .venv/bin/python tools/eval_langid.py tests/data/langid_heldout.jsonl

Each line of DATA is {"text": ..., "lang": "nl"|"fr"|"en"}. Every message is decided the
way the bot decides the first message of a fresh conversation (no explicit choice, no
language in use, no Telegram language_code, DEFAULT_LANGUAGE or "nl" as default). The last
line printed is `langid_accuracy=<float>`.
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from actions.language import LANGUAGES, choose_language, detect  # noqa: E402

SHOWN_ERRORS = 15


@dataclass(frozen=True)
class Result:
    accuracy: float
    correct: Counter[str]
    total: Counter[str]
    errors: list[tuple[str, str, str]]  # (text, expected, chosen)


def load_examples(path: Path) -> list[tuple[str, str]]:
    examples = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        item = json.loads(line)
        if item["lang"] not in LANGUAGES:
            raise ValueError(f"{path}:{number}: unknown language {item['lang']!r}")
        examples.append((item["text"], item["lang"]))
    return examples


def evaluate(examples: list[tuple[str, str]], default: str) -> Result:
    correct: Counter[str] = Counter()
    total: Counter[str] = Counter()
    errors = []
    for text, expected in examples:
        chosen = choose_language(
            text, explicit=None, current=None, telegram_code=None, default=default
        )
        total[expected] += 1
        if chosen == expected:
            correct[expected] += 1
        else:
            errors.append((text, expected, chosen))
    accuracy = sum(correct.values()) / max(1, sum(total.values()))
    return Result(accuracy, correct, total, errors)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    default = os.environ.get("DEFAULT_LANGUAGE") or "nl"
    result = evaluate(load_examples(Path(argv[1])), default)
    for language in LANGUAGES:
        count = result.total[language]
        share = result.correct[language] / count if count else 0.0
        print(f"{language}: accuracy {share:.4f} on {count} messages")
    if result.errors:
        print(f"{len(result.errors)} misclassified, for example:")
        for text, expected, chosen in result.errors[:SHOWN_ERRORS]:
            detection = detect(text)
            print(
                f"  {text!r}: expected {expected}, chose {chosen} "
                f"(detected {detection.language}, {detection.confidence:.2f}, {detection.reason})"
            )
    print(f"langid_accuracy={result.accuracy:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
