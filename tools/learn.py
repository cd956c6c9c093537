"""`make learn`: learn from the messages staff labelled in the review inbox, safely.

    .venv/bin/python tools/learn.py [--actor EMAIL] [--root DIR]

1. The labelled messages (masked, leads/review_inbox.py) that are new (not yet in the reviewed
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
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from passerelle_settings import environment  # noqa: E402 - after the path is set
from tools import model as models  # noqa: E402 - after the path is set
from tools.learn_data import (  # noqa: E402
    LANGUAGES,
    Project,
    plan,
    write_reviewed,
)

_F1_LINE = re.compile(r"^(\w+): n=(\d+) accuracy=([\d.]+) macro_f1=([\d.]+)$", re.M)


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
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")


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

    urls = [u.strip().rstrip("/") for u in environment().rasa_url.split(",")]
    token = environment().rasa_auth_token or ""
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
    from leads.review_inbox import reviewed_examples

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
        tolerance = environment().learn_f1_tolerance or 0.0
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
