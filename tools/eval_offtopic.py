"""How often off-topic messages are taken as one of our topics or commands.

Runs in .venv-rasa (it loads the trained model with Rasa itself, like tools/eval_nlu.py):
    .venv-rasa/bin/python tools/eval_offtopic.py [MODEL.tar.gz] [DATA.jsonl ...]

MODEL defaults to the model of the current training data (tools/model.py path), DATA to the
calibration sets tests/data/offtopic_dev_*.jsonl. Each line: {"text", "lang"}, every message
unrelated to the school (banking, travel, cooking, weather, music, alarms, shopping, small talk).

"Taken" means the bot would act on it as if it were about us: an FAQ or doubt answer (faq/*,
doubt/*) or a command (start_check, human_handoff, stop, forget_me). out_of_scope and
nlu_fallback are right; the small talk of our own (greet, thanks, help, ...) is counted apart.
Prints the share per language, what took the messages, the messages taken, and as its last
line `offtopic_taken=<float>` (over all the messages).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # our Rasa components, and tools.*

from tools.eval_nlu import predict  # noqa: E402 (needs the path above)

COMMANDS = frozenset({"start_check", "human_handoff", "stop", "forget_me"})
RIGHT = frozenset({"out_of_scope", "nlu_fallback"})


def taken(label: str) -> bool:
    return label in COMMANDS or label.startswith(("faq/", "doubt/"))


def load_messages(path: Path) -> list[dict]:
    messages = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            message = json.loads(line)
            if not {"text", "lang"} <= message.keys():
                raise SystemExit(f"{path}:{number}: needs text and lang")
            messages.append(message)
    return messages


def arguments(argv: list[str]) -> tuple[Path, list[Path]]:
    args = argv[1:]
    if args and args[0].endswith(".tar.gz"):
        model, args = Path(args[0]), args[1:]
    else:
        from tools.model import model_path

        model = model_path()
    files = [Path(arg) for arg in args] or sorted(ROOT.glob("tests/data/offtopic_dev_*.jsonl"))
    return model, files


def quiet_rasa() -> None:
    """Rasa logs every parse with structlog, which prints to stdout unless configured."""
    import structlog

    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))


def main(argv: list[str]) -> int:
    if any(arg in {"-h", "--help"} for arg in argv[1:]):
        print(__doc__)
        return 2
    quiet_rasa()
    model, files = arguments(argv)
    if not model.exists():
        raise SystemExit(f"{model} does not exist: train it first (tools/model.py train)")
    messages = [message for path in files for message in load_messages(path)]
    if not messages:
        raise SystemExit("no messages to evaluate")
    predictions = asyncio.run(predict(model, [m["text"] for m in messages]))

    by_lang: dict[str, list[str]] = defaultdict(list)
    for message, label in zip(messages, predictions, strict=True):
        by_lang[message["lang"]].append(label)
    names = " ".join(
        str(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path) for path in files
    )
    print(f"model: {model.name}  data: {names} ({len(messages)} messages)")
    for lang in sorted(by_lang):
        labels = by_lang[lang]
        share = sum(map(taken, labels)) / len(labels)
        ours = sum(label not in RIGHT and not taken(label) for label in labels) / len(labels)
        print(f"{lang}: n={len(labels)} taken={share:.4f} other_in_scope={ours:.4f}")
    kinds = Counter(
        label if taken(label) or label not in RIGHT else "(right)" for label in predictions
    )
    print("predicted (all languages): " + ", ".join(f"{k} {n}" for k, n in kinds.most_common()))
    shown = int(os.environ.get("EVAL_SHOW_ERRORS", "40"))
    wrong = [(m, p) for m, p in zip(messages, predictions, strict=True) if taken(p)]
    for message, label in wrong[:shown]:
        print(f"  x [{message['lang']}] {message['text']!r} -> {label}")
    print(f"offtopic_taken={len(wrong) / len(messages):.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
