"""`make learn`: learn from the messages staff labelled in the review inbox, safely.

    .venv/bin/python tools/learn.py [--actor EMAIL] [--root DIR]

1. The labelled messages (masked, leads/review.py) that are new (not yet in the reviewed
   files or the real held-out set, nor already in nlu/) are split: every fifth goes to the
   growing held-out set tests/data/nlu_real_heldout.jsonl (written whatever happens: it is
   test data), the others join the training examples of nlu/reviewed_<lang>.yml.
2. A candidate model is trained from a copy of the project with those files, in a temp
   folder under var/learn/; the current model and nlu/ stay as they are.
3. Both models are evaluated (tools/eval_nlu.py) on tests/data/nlu_heldout*.jsonl plus the
   real held-out set. The candidate is installed only if no language's macro-F1 drops
   (LEARN_F1_TOLERANCE, default 0): its reviewed files are written into nlu/ and the model
   into models/ under the name tools/model.py gives those files (so `make train` has nothing
   to do), and the running Rasa (RASA_URL) is asked to load it. Otherwise the current model
   stays, the candidate files are removed and the report says which language would drop.
4. The report goes to var/learn/report.json (the dashboard shows it); the last line printed
   is `learn=<installed|refused|nothing_to_learn|failed>`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tools import model as models  # noqa: E402 - after the path is set

HELDOUT_EVERY = 5
LANGUAGES = ("nl", "fr", "en")
_F1_LINE = re.compile(r"^(\w+): n=(\d+) accuracy=([\d.]+) macro_f1=([\d.]+)$", re.M)


@dataclass(frozen=True)
class Project:
    """Where the data, models and held-out sets are (the repository, or a test's copy)."""

    root: Path

    @property
    def nlu(self) -> Path:
        return self.root / "nlu"

    @property
    def models(self) -> Path:
        return self.root / "models"

    @property
    def real_heldout(self) -> Path:
        return self.root / "tests" / "data" / "nlu_real_heldout.jsonl"

    def heldout_files(self) -> list[Path]:
        files = sorted((self.root / "tests" / "data").glob("nlu_heldout*.jsonl"))
        if self.real_heldout.exists() and self.real_heldout.stat().st_size:
            files.append(self.real_heldout)
        return files

    def reviewed_file(self, language: str) -> Path:
        return self.nlu / f"reviewed_{language}.yml"


@dataclass
class Report:
    status: str = "failed"
    reason: str = ""
    actor: str = ""
    started_at: str = field(default_factory=lambda: _now())
    finished_at: str = ""
    examples: dict[str, dict[str, int]] = field(default_factory=dict)
    scores: dict[str, dict[str, float]] = field(default_factory=dict)
    heldout_files: list[str] = field(default_factory=list)
    model: str = ""
    candidate: str = ""
    reloaded: list[str] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def key(text: str) -> str:
    """How two examples are the same example: case and spacing do not count."""
    return " ".join(text.lower().split())


def clean(text: str) -> str:
    # one line, and never Rasa's entity markup ("[phone](x)" would read as an entity)
    return " ".join(text.split()).replace("](", "] (").replace("]{", "] {")


# --- reading what is there ---------------------------------------------------------------------


def read_nlu_examples(path: Path) -> list[tuple[str, str]]:
    """(label, text) of a Rasa NLU file."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    found = []
    for block in data.get("nlu") or []:
        label = block.get("intent")
        if not label:
            continue
        for line in str(block.get("examples") or "").splitlines():
            line = line.strip()
            if line.startswith("- "):
                found.append((label, line[2:].strip()))
    return found


def read_jsonl(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


@dataclass
class Plan:
    """What learning would write: training examples per language, held-out additions."""

    train: dict[str, dict[str, tuple[str, str]]]  # lang -> key -> (label, text)
    new_heldout: list[dict[str, str]]
    new_train: dict[str, int]
    skipped: dict[str, int] = field(default_factory=dict)  # why some were not taken

    def changed(self) -> bool:
        return bool(self.new_heldout) or any(self.new_train.values())


def plan(project: Project, examples: list[Any], labels: frozenset[str]) -> Plan:
    """Split the new labelled examples; keep everything learnt before."""
    train: dict[str, dict[str, tuple[str, str]]] = defaultdict(dict)
    for lang in LANGUAGES:
        if project.reviewed_file(lang).exists():
            for label, text in read_nlu_examples(project.reviewed_file(lang)):
                train[lang][key(text)] = (label, text)
    real = read_jsonl(project.real_heldout)
    heldout_keys = {
        (c["lang"], key(c["text"])) for path in project.heldout_files() for c in read_jsonl(path)
    }
    written = {
        key(text)
        for path in project.nlu.glob("*.yml")
        if not path.name.startswith("reviewed_")
        for _l, text in read_nlu_examples(path)
    }
    known = sum(len(v) for v in train.values()) + len(real)
    heldout_count = len(real)
    new_heldout: list[dict[str, str]] = []
    new_train: dict[str, int] = defaultdict(int)
    skipped: dict[str, int] = defaultdict(int)
    for example in examples:
        text, lang = clean(example.text), example.language
        k = key(text)
        reason = _skip_reason(example.label, lang, k, labels, written, train, heldout_keys)
        if reason:
            skipped[reason] += 1
            continue
        known += 1
        if (heldout_count + 1) * HELDOUT_EVERY <= known:
            heldout_count += 1
            new_heldout.append({"text": text, "label": example.label, "lang": lang})
            heldout_keys.add((lang, k))
        else:
            train[lang][k] = (example.label, text)
            new_train[lang] += 1
    return Plan(dict(train), new_heldout, dict(new_train), dict(skipped))


def _skip_reason(
    label: str,
    lang: str,
    text_key: str,
    labels: frozenset[str],
    written: set[str],
    train: dict[str, dict[str, tuple[str, str]]],
    heldout_keys: set[tuple[str, str]],
) -> str | None:
    if lang not in LANGUAGES or label not in labels or not text_key:
        return "not a known language or label"
    if text_key in written:
        return "already in the training data"
    if text_key in train[lang] or (lang, text_key) in heldout_keys:
        return "learnt before or in a test set"
    return None


def write_reviewed(folder: Path, train: dict[str, dict[str, tuple[str, str]]]) -> list[Path]:
    """nlu/reviewed_<lang>.yml in Rasa's format, one block per label, sorted."""
    written = []
    for lang, examples in sorted(train.items()):
        if not examples:
            continue
        by_label: dict[str, list[str]] = defaultdict(list)
        for label, text in examples.values():
            by_label[label].append(text)
        lines = [
            'version: "3.1"',
            "",
            "# Messages of real conversations, labelled by staff in",
            "# the review inbox (masked). Written by `make learn`: do not edit by hand.",
            "nlu:",
        ]
        for label in sorted(by_label):
            lines += [f"- intent: {label}", "  examples: |"]
            lines += [f"    - {text}" for text in sorted(by_label[label])]
        path = folder / f"reviewed_{lang}.yml"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        written.append(path)
    return written


# --- training and evaluating ----------------------------------------------------------------


def candidate_copy(project: Project, workdir: Path, train: dict[str, Any]) -> Path:
    """The project's training inputs, with the new reviewed files, under `workdir`."""
    root = workdir / "project"
    for name in models.TRAINING_INPUTS:
        source = project.root / name
        if source.is_dir():
            shutil.copytree(source, root / name)
        elif source.exists():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, root / name)
    for old in (root / "nlu").glob("reviewed_*.yml"):
        old.unlink()
    write_reviewed(root / "nlu", train)
    return root


def train_model(root: Path, out: Path) -> Path:
    name = f"passerelle-{models.data_hash(root)}"
    rasa = ROOT / ".venv-rasa" / "bin" / "rasa"
    subprocess.run(
        [
            str(rasa),
            "train",
            "--domain",
            str(root / "domain"),
            "--data",
            str(root / "nlu"),
            str(root / "stories"),
            "--config",
            str(root / "config.yml"),
            "--out",
            str(out),
            "--fixed-model-name",
            name,
        ],
        cwd=ROOT,
        check=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONPATH": str(ROOT)},
    )
    return out / f"{name}.tar.gz"


def evaluate(model: Path, files: list[Path]) -> dict[str, float]:
    """Macro-F1 per language (tools/eval_nlu.py, in .venv-rasa)."""
    python = ROOT / ".venv-rasa" / "bin" / "python"
    result = subprocess.run(
        [str(python), str(ROOT / "tools" / "eval_nlu.py"), str(model), *map(str, files)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, "EVAL_SHOW_ERRORS": "0", "PYTHONPATH": str(ROOT)},
    )
    return {lang: float(f1) for lang, _n, _acc, f1 in _F1_LINE.findall(result.stdout)}


def drops(current: dict[str, float], candidate: dict[str, float], tolerance: float) -> list[str]:
    return [
        lang for lang in sorted(current) if candidate.get(lang, 0.0) < current[lang] - tolerance
    ]


def reload_rasa(model: Path) -> list[str]:
    """Ask each running Rasa (RASA_URL, comma-separated) to load `model`; those that did."""
    import httpx

    urls = [u.strip().rstrip("/") for u in (os.environ.get("RASA_URL") or "").split(",")]
    token = os.environ.get("RASA_AUTH_TOKEN") or ""
    done = []
    for url in filter(None, urls):
        try:
            response = httpx.put(
                f"{url}/model",
                params={"token": token} if token else None,
                json={"model_file": str(model)},
                timeout=120,
            )
            if response.status_code < 300:
                done.append(url)
        except httpx.HTTPError:
            pass
    return done


# --- the whole run -------------------------------------------------------------------------


def learn(project: Project, report: Report, *, tolerance: float = 0.0) -> Report:
    from leads.labels import label_names
    from leads.review import reviewed_examples

    current = project.models / f"passerelle-{models.data_hash(project.root)}.tar.gz"
    if not current.exists():
        report.reason = (
            f"The current model {current.name} is missing: run `make train` "
            "first, then learn again."
        )
        return report
    report.model = current.name
    steps = plan(project, reviewed_examples(), label_names())
    report.examples = {
        lang: {
            "train": steps.new_train.get(lang, 0),
            "heldout": sum(c["lang"] == lang for c in steps.new_heldout),
        }
        for lang in LANGUAGES
    }
    if steps.new_heldout:
        project.real_heldout.parent.mkdir(parents=True, exist_ok=True)
        with project.real_heldout.open("a", encoding="utf-8") as out:
            for case in steps.new_heldout:
                out.write(json.dumps(case, ensure_ascii=False) + "\n")
    report.skipped = steps.skipped
    if not any(steps.new_train.values()):
        report.status = "nothing_to_learn"
        skipped = ", ".join(f"{n} {why}" for why, n in steps.skipped.items())
        report.reason = (
            "No new labelled messages to learn from"
            + (" (the new ones went to the test set)" if steps.new_heldout else "")
            + (f"; left out: {skipped}." if skipped else ": label some in the review inbox.")
        )
        return report
    files = project.heldout_files()
    report.heldout_files = [p.name for p in files]
    with tempfile.TemporaryDirectory(prefix="candidate-", dir=_learn_dir()) as tmp:
        root = candidate_copy(project, Path(tmp), steps.train)
        print("Training the candidate model...", flush=True)
        candidate = train_model(root, Path(tmp) / "models")
        report.candidate = candidate.name
        print("Evaluating the current and the candidate model...", flush=True)
        before, after = evaluate(current, files), evaluate(candidate, files)
        report.scores = {
            lang: {"current": before[lang], "candidate": after.get(lang, 0.0)} for lang in before
        }
        worse = drops(before, after, tolerance)
        if worse:
            report.status = "refused"
            report.reason = (
                "Kept the current model: "
                + "; ".join(
                    f"{lang} macro-F1 would drop from {before[lang]:.4f} "
                    f"to {after.get(lang, 0):.4f}"
                    for lang in worse
                )
                + ". Check the labels of the latest reviewed messages."
            )
            return report
        install(project, root, candidate)
        report.status, report.model = "installed", candidate.name
        report.reason = "No language got worse: the new model is in use."
    report.reloaded = reload_rasa(project.models / report.model)
    return report


def install(project: Project, candidate_root: Path, candidate: Path) -> None:
    with open(project.models / ".train.lock", "w") as lock:
        import fcntl

        fcntl.flock(lock, fcntl.LOCK_EX)
        for old in project.nlu.glob("reviewed_*.yml"):
            old.unlink()
        for path in (candidate_root / "nlu").glob("reviewed_*.yml"):
            shutil.copy2(path, project.nlu / path.name)
        shutil.move(str(candidate), project.models / candidate.name)
    models_kept = sorted(
        project.models.glob("passerelle-*.tar.gz"), key=lambda p: p.stat().st_mtime
    )
    for old in models_kept[: -models.KEEP_MODELS]:
        old.unlink(missing_ok=True)


def _learn_dir() -> Path:
    from leads.paths import var_dir

    path = var_dir() / "learn"
    path.mkdir(parents=True, exist_ok=True)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--actor", default="make learn")
    parser.add_argument("--root", type=Path, default=ROOT, help="another project (tests)")
    args = parser.parse_args(argv)
    learn_dir = _learn_dir()
    (learn_dir / "running").write_text(str(os.getpid()))
    report = Report(actor=args.actor)
    started = time.monotonic()
    try:
        tolerance = float(os.environ.get("LEARN_F1_TOLERANCE") or 0.0)
        learn(Project(args.root.resolve()), report, tolerance=tolerance)
    except Exception as error:  # the report must say it failed, and why
        report.status = "failed"
        report.reason = f"Learning failed ({type(error).__name__}): see the technical log."
        raise
    finally:
        report.finished_at = _now()
        (learn_dir / "report.json").write_text(json.dumps(report.__dict__, indent=2))
        (learn_dir / "running").unlink(missing_ok=True)
        print(f"{report.reason} ({time.monotonic() - started:.0f} s)")
        for lang, score in report.scores.items():
            print(f"{lang}: current={score['current']:.4f} candidate={score['candidate']:.4f}")
        print(f"learn={report.status}")
    return 0 if report.status != "failed" else 1


if __name__ == "__main__":
    sys.exit(main())
