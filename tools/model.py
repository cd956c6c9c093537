"""Which Rasa model belongs to the current training data, and train it when missing.

    python tools/model.py path    # prints models/passerelle-<hash>.tar.gz (may not exist yet)
    python tools/model.py train   # trains only if that file is missing; prints its path

The hash covers everything `rasa train` reads (config.yml, domain/, nlu/, stories/) and our
trainable pipeline component, so a change to any of them trains a new model and anything else
(content/, other code) does not.
Concurrent calls are serialised with a file lock, so two terminals never train at once.
Standard library only: it runs with any Python.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TRAINING_INPUTS = [
    "config.yml",
    "domain",
    "nlu",
    "stories",
    "rasa_components/linear_intent_classifier.py",
]
MODELS = ROOT / "models"
KEEP_MODELS = 3


def data_hash(root: Path = ROOT) -> str:
    """`root`: another project layout (tools/learn.py hashes its candidate before installing)."""
    digest = hashlib.sha256()
    for name in TRAINING_INPUTS:
        path = root / name
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            if file.suffix not in {".yml", ".yaml", ".py"} or not file.exists():
                continue
            digest.update(str(file.relative_to(root)).encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()[:12]


def model_path() -> Path:
    return MODELS / f"passerelle-{data_hash()}.tar.gz"


def _prune_old_models(keep: Path) -> None:
    models = sorted(MODELS.glob("passerelle-*.tar.gz"), key=lambda p: p.stat().st_mtime)
    for old in models[:-KEEP_MODELS]:
        if old != keep:
            old.unlink(missing_ok=True)


def train() -> Path:
    MODELS.mkdir(exist_ok=True)
    target = model_path()
    with open(MODELS / ".train.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        target = model_path()  # the data may have changed while we waited
        if target.exists():
            return target
        rasa = ROOT / ".venv-rasa" / "bin" / "rasa"
        print(f"Training {target.name} (config, domain, NLU or stories changed)...", flush=True)
        started = time.monotonic()
        subprocess.run(
            [
                str(rasa),
                "train",
                "--domain",
                "domain",
                "--data",
                "nlu",
                "stories",
                "--config",
                "config.yml",
                "--out",
                "models",
                "--fixed-model-name",
                target.name.removesuffix(".tar.gz"),
            ],
            cwd=ROOT,
            check=True,
            env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
        )
        print(f"Trained in {time.monotonic() - started:.0f} s: {target}", flush=True)
        _prune_old_models(keep=target)
        return target


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "path"
    if command == "path":
        print(model_path())
    elif command == "train":
        print(train())
    elif command == "hash":
        print(data_hash())
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
