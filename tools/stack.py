"""The real Passerelle processes: action server + Rasa on free ports, for the integration tests
and `make eval-dialogue`.

Used through the session-scoped `stack` fixture (tests/conftest.py). Each process writes its
log to the stack's temp folder; `Stack.logs()` returns their tails for failure messages.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from passerelle_settings import environment
from tools.processes import (
    free_port,
    log_tails,
    rasa_run_argv,
    stop_process_group,
    wait_for_http,
)

ROOT = Path(__file__).resolve().parent.parent
PY = ROOT / ".venv" / "bin" / "python"
RASA = ROOT / ".venv-rasa" / "bin" / "rasa"


def trained_model() -> Path:
    """The model for the current training data, trained if missing.

    PASSERELLE_MODEL=path pins another model (while NLU data is being edited, say).
    """
    if pinned := environment().model_path:
        return pinned.resolve()
    out = (
        subprocess.run(
            [sys.executable, str(ROOT / "tools" / "model.py"), "train"],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        )
        .stdout.strip()
        .splitlines()
    )
    return Path(out[-1])


@dataclass
class Stack:
    workdir: Path
    model: Path
    database_url: str = ""
    tracker_url: str = ""
    rasa_port: int = 0
    action_port: int = 0
    # "redis" shares conversation locks between several Rasa instances (start_rasa(name=...)).
    lock_store: str = "in_memory"
    redis_db: int = 1
    auth_token: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    env: dict[str, str] = field(default_factory=dict)
    # e.g. ["-vv"]: the action server at DEBUG (tests/test_log_privacy.py)
    action_args: list[str] = field(default_factory=list)
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def action_url(self) -> str:
        return f"http://127.0.0.1:{self.action_port}/webhook"

    def configure(self) -> None:
        self.rasa_port, self.action_port = free_port(), free_port()
        self.database_url = self.database_url or f"sqlite:///{self.workdir}/passerelle.db"
        self.tracker_url = self.tracker_url or f"sqlite:///{self.workdir}/rasa_tracker.db"
        self.env = {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "TRACKER_DATABASE_URL": self.tracker_url,
            "TRACKER_DIALECT": self.tracker_url.split(":", 1)[0].split("+", 1)[0],
            "ACTION_SERVER_URL": self.action_url,
            "RASA_URL": self.rasa_url,
            "RASA_AUTH_TOKEN": self.auth_token,
            "LOCK_STORE_TYPE": self.lock_store,
            "REDIS_HOST": "127.0.0.1",
            "REDIS_PORT": "6379",
            "REDIS_DB": str(self.redis_db),
            "SANIC_HOST": "127.0.0.1",
            "PASSERELLE_SPOOL_DIR": str(self.workdir / "spool"),
            "FUNNEL_SALT": "test-salt",
            "DEFAULT_LANGUAGE": "nl",
            "PYTHONUNBUFFERED": "1",
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        }

    def spawn(self, name: str, argv: list[str]) -> subprocess.Popen:
        """Another process of the stack (its log in `workdir/<name>.log`, stopped by close())."""
        return self._spawn(name, argv)

    def _spawn(self, name: str, argv: list[str]) -> subprocess.Popen:
        log = open(self.workdir / f"{name}.log", "ab")  # noqa: SIM115 - lives with the process
        process = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes[name] = process
        return process

    def migrate(self) -> None:
        subprocess.run([str(PY), "-m", "leads", "migrate"], cwd=ROOT, env=self.env, check=True)

    def start_actions(self) -> None:
        process = self._spawn(
            "actions",
            [
                str(PY),
                "-m",
                "actions.server",
                "--actions",
                "actions",
                "-p",
                str(self.action_port),
                *self.action_args,
            ],
        )
        wait_for_http(f"http://127.0.0.1:{self.action_port}/health", 60, process)

    def start_rasa(self, name: str = "rasa", port: int | None = None) -> str:
        """Start a Rasa instance (another one: a new `name` and port); returns its URL."""
        port = port or self.rasa_port
        process = self._spawn(name, rasa_run_argv(RASA, self.model, port, self.auth_token))
        url = f"http://127.0.0.1:{port}"
        wait_for_http(f"{url}/status?token={self.auth_token}", 180, process)
        return url

    def stop(self, name: str) -> None:
        process = self.processes.pop(name, None)
        if process is not None:
            stop_process_group(process)

    def stop_rasa(self) -> None:
        self.stop("rasa")

    def restart_rasa(self) -> None:
        self.stop_rasa()
        self.start_rasa()

    def stop_actions(self) -> None:
        self.stop("actions")

    def start(self) -> None:
        self.configure()
        self.migrate()
        self.start_actions()
        self.start_rasa()

    def close(self) -> None:
        for name in list(self.processes):
            self.stop(name)

    def send(
        self,
        sender_id: str,
        text: str,
        metadata: dict | None = None,
        rasa_url: str | None = None,
    ) -> list[dict]:
        response = httpx.post(
            f"{rasa_url or self.rasa_url}/webhooks/rest/webhook",
            json={"sender": sender_id, "message": text, "metadata": metadata or {}},
            timeout=30,
        )
        response.raise_for_status()
        return response.json()

    def tracker(self, sender_id: str, rasa_url: str | None = None) -> dict:
        response = httpx.get(
            f"{rasa_url or self.rasa_url}/conversations/{sender_id}/tracker",
            params={"token": self.auth_token},
            timeout=30,
        )
        response.raise_for_status()
        return response.json()

    def logs(self, lines: int = 60) -> str:
        return log_tails(self.workdir, lines)
