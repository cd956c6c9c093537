"""`make run`: train if needed, migrate, then start every process of the Procfile with honcho
(one Ctrl-C stops all).

The terminal gets one line per stage and then the processes' own lines, without the warnings
libraries print at start (pip, Rasa, TensorFlow, SQLAlchemy, ...: known deprecation noise
nobody here can act on). Everything, noise included, goes to var/log/run.log (the previous
run's is kept as run.log.1). The Makefile runs the first stage, installing, before this.

The Telegram bot only starts when TELEGRAM_BOT_TOKEN is set; without it everything else runs
and this says how to turn it on.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from passerelle_settings import environment  # noqa: E402 (needs the path above)

LOG_DIR = ROOT / "var" / "log"
PY = sys.executable

# honcho's prefix: "20:42:37 rasa.1    | " (or "... system    | ").
_PREFIXED = re.compile(r"^\S+ (?P<process>\S+)\s*\| (?P<text>.*)$")
# "…/site-packages/pkg/mod.py:134: DeprecationWarning: …": a library's warning; the lines
# after it (the source line, a wrapped message) belong to it until a real log line comes.
_LIBRARY_WARNING = re.compile(r"^\S*site-packages/\S+:\d+: \w*Warning: ")
_TENSORFLOW_NOTE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+: [IWE] (tensorflow|external)/")
# What a real line starts with: a timestamp, a level, a traceback.
_LOG_LINE = re.compile(
    r"^(\d{4}-\d\d-\d\d[ T]\d\d:\d\d|\[\d{4}-\d\d-\d\d|(DEBUG|INFO|WARNING|ERROR|CRITICAL)\b"
    r"|Traceback|\S+ (started|stopped|exited))"
)


class NoiseFilter:
    """Decides, line by line, what reaches the terminal (per process: their lines interleave)."""

    def __init__(self) -> None:
        self._in_warning: set[str] = set()

    def keep(self, line: str) -> bool:
        match = _PREFIXED.match(line)
        process, text = (match["process"], match["text"]) if match else ("", line)
        if _LIBRARY_WARNING.match(text) or _TENSORFLOW_NOTE.match(text):
            self._in_warning.add(process)
            return False
        if process in self._in_warning:
            if not _LOG_LINE.match(text):
                return False
            self._in_warning.discard(process)
        return True

    def filter(self, lines: Iterable[str]) -> Iterator[str]:
        return (line for line in lines if self.keep(line))


def main() -> int:
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    log_path = LOG_DIR / "run.log"
    if log_path.exists():
        log_path.replace(LOG_DIR / "run.log.1")
    with open(log_path, "w", encoding="utf-8") as log:
        model = _stage("training", [PY, str(ROOT / "tools" / "model.py"), "train"], log)
        if model is None:
            return 1
        schema = _stage("migrating", [PY, "-m", "leads", "migrate"], log)
        if schema is None:
            return 1
        processes = ["rasa", "actions", "admin"]
        if environment().telegram_bot_token:
            processes.append("bot")
        _say("starting", f"{', '.join(processes)} (full log: {log_path.relative_to(ROOT)})")
        _print_addresses(bool(environment().telegram_bot_token))
        return _run_honcho(processes, Path(model[-1]), log)


def _say(stage: str, message: str) -> None:
    print(f"{stage:<11} {message}", flush=True)


def _stage(name: str, argv: list[str], log: IO[str]) -> list[str] | None:
    """Run one preparation step into the log; one line on the terminal. Its output lines, or
    None when it failed (then its last lines are shown)."""
    if sys.stdout.isatty():  # a hint while it runs, overwritten by the result
        print(f"{name:<11} ...", end="\r", flush=True)
    log.write(f"--- {name}: {' '.join(argv)}\n")
    log.flush()
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True)
    log.write(done.stdout + done.stderr)
    log.flush()
    lines = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
    if done.returncode != 0:
        _say(name, f"failed (exit {done.returncode}); the end of its output:")
        print("\n".join(lines[-15:]), file=sys.stderr)
        return None
    _say(name, _summary(name, done.stdout.splitlines(), lines))
    return done.stdout.splitlines() or lines


def _summary(name: str, stdout: list[str], lines: list[str]) -> str:
    if name == "training":
        model = Path(stdout[-1]).name if stdout else "?"
        trained = next((line for line in lines if line.startswith("Trained in")), None)
        return (
            f"{model} trained ({trained.split(':')[0].lower()})"
            if trained
            else (f"{model} is up to date")
        )
    schema = next((line for line in lines if line.startswith("database schema")), None)
    return schema or (lines[-1] if lines else "done")


def _print_addresses(bot_on: bool) -> None:
    dashboard = environment().dashboard_url
    print(
        f"  dashboard + 'try the bot':  {dashboard}  (create a login: "
        ".venv/bin/python -m admin create-user --email you@example.org --role admin)"
    )
    print("  terminal chat:              make chat   (in a second terminal; LANG=fr for French)")
    print(
        "  Rasa HTTP API:              http://127.0.0.1:5005 (its model loads in ~20 s)"
        "   action server: :5055"
    )
    if bot_on:
        print("  Telegram bot:               on")
    else:
        print(
            "  Telegram bot:               OFF — no TELEGRAM_BOT_TOKEN. Create a bot with "
            "@BotFather, put TELEGRAM_BOT_TOKEN=... in .env and run `make run` again "
            "(docs/telegram.md)."
        )
    print("Stop everything with Ctrl-C.\n", flush=True)


def _run_honcho(processes: list[str], model: Path, log: IO[str]) -> int:
    env = {**os.environ, "RASA_MODEL": str(model), "PYTHONUNBUFFERED": "1"}
    honcho = ROOT / ".venv" / "bin" / "honcho"
    # Ctrl-C reaches honcho too (same process group): it stops the processes, and this
    # keeps copying their last lines until it exits.
    child = subprocess.Popen(
        [str(honcho), "start", "-f", "Procfile", *processes],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
    )
    assert child.stdout is not None
    noise = NoiseFilter()
    while True:
        try:
            for line in child.stdout:
                log.write(line)
                log.flush()
                if noise.keep(line.rstrip("\n")):
                    sys.stdout.write(line)
                    sys.stdout.flush()
            break
        except KeyboardInterrupt:
            continue
    return child.wait()


if __name__ == "__main__":
    sys.exit(main())
