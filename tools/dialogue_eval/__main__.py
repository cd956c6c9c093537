"""`make eval-dialogue [SET=dev|heldout] [LANGS=nl,fr,en] [ONLY=id,...]`: plays the personas of
tests/personas/<set>/ through Rasa's REST channel on a fresh stack (action server + Rasa + a
SQLite lead store) and prints the results per kind; last line
`conversations_correct=N/M turns=T fallbacks=F`.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from passerelle_settings import LANGUAGES
from tools.dialogue_eval.evaluate import evaluate, report
from tools.dialogue_eval.personas import SETS, load, load_file
from tools.stack import Stack, trained_model


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.dialogue_eval")
    parser.add_argument("--set", choices=SETS, default="dev")
    parser.add_argument("--languages", default=",".join(LANGUAGES))
    parser.add_argument("--only", default="", help="comma-separated persona ids")
    parser.add_argument("--file", type=Path, help="a persona file instead of a set")
    parser.add_argument("--no-transcripts", action="store_true")
    args = parser.parse_args(argv)
    if args.file:
        personas = load_file(args.file)
    else:
        personas = load(args.set, tuple(args.languages.split(",")))
    if args.only:
        wanted = set(args.only.split(","))
        personas = [p for p in personas if p.id in wanted]
    if not personas:
        print(f"no personas in tests/personas/{args.set}/", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="eval-dialogue-") as workdir:
        stack = Stack(workdir=Path(workdir), model=trained_model())
        try:
            stack.start()
            outcomes = evaluate(personas, stack, stack.database_url)
        except Exception:
            print(stack.logs(), file=sys.stderr)
            raise
        finally:
            stack.close()
    report(outcomes, transcripts=not args.no_transcripts)
    return 0


if __name__ == "__main__":
    sys.exit(main())
