"""Language-identification accuracy on short messages (PRODUCT.md §9).

    .venv/bin/python tools/eval_langid.py tests/data/langid_heldout.jsonl
    .venv/bin/python tools/eval_langid.py tests/data/langid_words_heldout.jsonl

Each line of DATA is {"text": ..., "lang": "nl"|"fr"|"en"}, optionally with "words": the
number of words of a sample of general running text (1 or 2, tests/data/README.md); the
accuracy is then also printed per number of words. Every message is decided the way the
bot decides the first message of a fresh conversation (no explicit choice, no language in
use, no Telegram language_code, DEFAULT_LANGUAGE or "nl" as default). The last line printed
is `langid_accuracy=<float>`, over all lines.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from actions.language import choose_language, detect  # noqa: E402
from passerelle_settings import LANGUAGES, environment  # noqa: E402

SHOWN_ERRORS = 15


@dataclass(frozen=True)
class Example:
    text: str
    lang: str
    words: int | None = None  # for samples of general text: how many words


@dataclass
class Result:
    accuracy: float
    correct: Counter[str]
    total: Counter[str]
    errors: list[tuple[str, str, str]]  # (text, expected, chosen)
    # per number of words, then per language: (words, lang) -> count
    correct_by_words: Counter[tuple[int, str]] = field(default_factory=Counter)
    total_by_words: Counter[tuple[int, str]] = field(default_factory=Counter)


def load_examples(path: Path) -> list[Example]:
    examples = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        item = json.loads(line)
        if item["lang"] not in LANGUAGES:
            raise ValueError(f"{path}:{number}: unknown language {item['lang']!r}")
        words = item.get("words")
        if words is not None and (not isinstance(words, int) or words < 1):
            raise ValueError(f"{path}:{number}: words must be a positive integer, not {words!r}")
        examples.append(Example(item["text"], item["lang"], words))
    return examples


def evaluate(examples: list[Example], default: str) -> Result:
    correct: Counter[str] = Counter()
    total: Counter[str] = Counter()
    correct_by_words: Counter[tuple[int, str]] = Counter()
    total_by_words: Counter[tuple[int, str]] = Counter()
    errors = []
    for example in examples:
        chosen = choose_language(
            example.text, explicit=None, current=None, telegram_code=None, default=default
        )
        right = chosen == example.lang
        total[example.lang] += 1
        correct[example.lang] += right
        if example.words is not None:
            total_by_words[example.words, example.lang] += 1
            correct_by_words[example.words, example.lang] += right
        if not right:
            errors.append((example.text, example.lang, chosen))
    accuracy = sum(correct.values()) / max(1, sum(total.values()))
    return Result(accuracy, correct, total, errors, correct_by_words, total_by_words)


def _share(correct: int, total: int) -> float:
    return correct / total if total else 0.0


def report_lines(result: Result) -> list[str]:
    lines = []
    for language in LANGUAGES:
        count = result.total[language]
        share = _share(result.correct[language], count)
        lines.append(f"{language}: accuracy {share:.4f} on {count} messages")
    for words in sorted({words for words, _ in result.total_by_words}):
        keys = [(words, language) for language in LANGUAGES]
        count = sum(result.total_by_words[key] for key in keys)
        share = _share(sum(result.correct_by_words[key] for key in keys), count)
        per_language = ", ".join(
            f"{language} {_share(result.correct_by_words[key], result.total_by_words[key]):.4f}"
            for key, language in zip(keys, LANGUAGES, strict=True)
            if result.total_by_words[key]
        )
        lines.append(f"words={words}: accuracy {share:.4f} on {count} samples ({per_language})")
    return lines


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    default = environment().default_language.value
    result = evaluate(load_examples(Path(argv[1])), default)
    for line in report_lines(result):
        print(line)
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
