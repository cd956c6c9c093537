"""The dashboard's "learn" button: runs `tools/learn.py` in the background (one at a time) and
reads its report (var/learn/report.json). Training needs `.venv-rasa` on this machine."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from leads.paths import REPO_ROOT, var_dir


def learn_dir() -> Path:
    path = var_dir() / "learn"
    path.mkdir(parents=True, exist_ok=True)
    return path


def latest_report() -> dict[str, Any] | None:
    try:
        return json.loads((learn_dir() / "report.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


_children: list[subprocess.Popen[bytes]] = []


def running() -> bool:
    """A learn run holds var/learn/running (its pid) while it works (it removes it at the end)."""
    for child in list(_children):
        if child.poll() is not None:  # reap it: a zombie would look alive
            _children.remove(child)
    try:
        pid = int((learn_dir() / "running").read_text().strip())
    except (OSError, ValueError):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def start(actor: str) -> bool:
    """Start `tools/learn.py` detached; False when one is already running."""
    if running():
        return False
    log = open(learn_dir() / "learn.log", "w", encoding="utf-8")  # noqa: SIM115 - the child's
    process = subprocess.Popen(  # noqa: S603 - our own script, no user input in the argv
        [sys.executable, str(REPO_ROOT / "tools" / "learn.py"), "--actor", actor[:200]],
        cwd=REPO_ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    log.close()
    _children.append(process)
    (learn_dir() / "running").write_text(str(process.pid))
    return True


def log_tail(lines: int = 40) -> str:
    try:
        text = (learn_dir() / "learn.log").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])
