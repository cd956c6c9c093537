"""Start and stop the processes under test, on free loopback ports, with fresh databases.

    topology = Topology.from_env(workdir, model)   # BENCH_TOPOLOGY=scaled (default) | single
    topology.start(telegram_base_url, telegram_token)
    ...
    topology.stop()

scaled (the default): the production shape (PRODUCT.md §9): PostgreSQL for leads and trackers
(fresh databases, dropped afterwards, unless BENCH_DATABASE_URL / BENCH_TRACKER_DATABASE_URL
are given), the Redis lock store, and BENCH_RASA_INSTANCES (default 2) Rasa instances behind
the bot's RASA_URL list. One Rasa process works on one core, so this is the shape that can use
both cores of the reference machine.
single: what `make run` starts: one action server, one Rasa (SQLite tracker store, in-memory
lock store, or BENCH_LOCK_STORE=redis), the bot, and a SQLite lead store (BENCH_DATABASE_URL:
any URL instead, e.g. PostgreSQL).
Everything else in the environment (SANIC_WORKERS, RASA_TIMEOUT, ...) passes through to the
processes.
"""

from __future__ import annotations

import os
import secrets
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from passerelle_settings import environment
from tools.processes import (
    free_port,
    log_tails,
    rasa_run_argv,
    stop_process_group,
    wait_for_http,
)
from tools.scratch_postgres import create_databases, drop_databases

ROOT = Path(__file__).resolve().parents[2]
PY = ROOT / ".venv" / "bin" / "python"
RASA = ROOT / ".venv-rasa" / "bin" / "rasa"
RASA_START_TIMEOUT = 240


@dataclass
class Topology:
    workdir: Path
    model: Path
    kind: str = "single"
    rasa_instances: int = 1
    database_url: str = ""
    tracker_url: str = ""
    lock_store: str = "in_memory"
    auth_token: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)
    rasa_ports: list[int] = field(default_factory=list)
    action_port: int = 0
    _created_databases: list[str] = field(default_factory=list)

    @classmethod
    def from_env(cls, workdir: Path, model: Path) -> Topology:
        kind = os.environ.get("BENCH_TOPOLOGY", "scaled")
        if kind not in ("single", "scaled"):
            raise ValueError(f"BENCH_TOPOLOGY must be single or scaled, not {kind!r}")
        scaled = kind == "scaled"
        return cls(
            workdir=workdir,
            model=model,
            kind=kind,
            rasa_instances=int(os.environ.get("BENCH_RASA_INSTANCES") or (2 if scaled else 1)),
            database_url=os.environ.get("BENCH_DATABASE_URL", ""),
            tracker_url=os.environ.get("BENCH_TRACKER_DATABASE_URL", ""),
            lock_store="redis" if scaled else os.environ.get("BENCH_LOCK_STORE", "in_memory"),
        )

    # --- addresses ------------------------------------------------------------------------

    @property
    def rasa_urls(self) -> list[str]:
        return [f"http://127.0.0.1:{port}" for port in self.rasa_ports]

    @property
    def action_url(self) -> str:
        return f"http://127.0.0.1:{self.action_port}/webhook"

    def describe(self) -> str:
        return (
            f"{self.kind}: {self.rasa_instances} Rasa "
            f"(SANIC_WORKERS={os.environ.get('SANIC_WORKERS', '1')}), "
            f"lock store {self.lock_store}, trackers {_scheme(self.tracker_url)}, "
            f"leads {_scheme(self.database_url)}"
        )

    # --- lifecycle ------------------------------------------------------------------------

    def start(self, telegram_base_url: str, telegram_token: str) -> None:
        self._prepare_databases()
        self.action_port = free_port()
        self.rasa_ports = [free_port() for _ in range(self.rasa_instances)]
        env = self.environment()
        subprocess.run(
            [str(PY), "-m", "leads", "migrate"], cwd=ROOT, env=env, check=True, capture_output=True
        )
        actions = self._spawn(
            "actions",
            [str(PY), "-m", "actions.server", "--actions", "actions", "-p", str(self.action_port)],
            env,
        )
        rasas = [
            self._spawn(
                self._rasa_name(number), rasa_run_argv(RASA, self.model, port, self.auth_token), env
            )
            for number, port in enumerate(self.rasa_ports)
        ]
        wait_for_http(f"http://127.0.0.1:{self.action_port}/health", 90, actions)
        for url, process in zip(self.rasa_urls, rasas, strict=True):
            wait_for_http(f"{url}/status?token={self.auth_token}", RASA_START_TIMEOUT, process)
        bot_env = {
            **env,
            "TELEGRAM_BOT_TOKEN": telegram_token,
            "TELEGRAM_API_BASE_URL": telegram_base_url,
            # Telegram's own limits (30/s per bot, ~1/s per chat) are deliberate waits, not
            # work: the bench measures the bot without them.
            "TELEGRAM_MAX_SEND_RATE": "0",
            "BOT_REPLY_INTERVAL": "0",
        }
        bot_env.pop("TELEGRAM_WEBHOOK_URL", None)
        bot_env.pop("STAFF_CHAT_ID", None)
        self._spawn("bot", [str(PY), "-m", "bot"], bot_env)

    def environment(self) -> dict[str, str]:
        tracker_dialect = self.tracker_url.split(":", 1)[0].split("+", 1)[0]
        return {
            **os.environ,
            "DATABASE_URL": self.database_url,
            "TRACKER_DATABASE_URL": self.tracker_url,
            "TRACKER_DIALECT": tracker_dialect,
            "ACTION_SERVER_URL": self.action_url,
            "RASA_URL": ",".join(self.rasa_urls),
            "RASA_AUTH_TOKEN": self.auth_token,
            "LOCK_STORE_TYPE": self.lock_store,
            "REDIS_HOST": os.environ.get("REDIS_HOST", "127.0.0.1"),
            "REDIS_PORT": os.environ.get("REDIS_PORT", "6379"),
            "REDIS_DB": os.environ.get("REDIS_DB", "1"),
            "SANIC_HOST": "127.0.0.1",
            "PASSERELLE_SPOOL_DIR": str(self.workdir / "spool"),
            "FUNNEL_SALT": environment().funnel_salt or "bench-salt",
            "PYTHONUNBUFFERED": "1",
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
        }

    def pids(self) -> dict[str, int]:
        return {
            name: process.pid for name, process in self.processes.items() if process.poll() is None
        }

    def exited(self) -> dict[str, int]:
        """Processes that died during the run, with their exit codes."""
        return {
            name: process.returncode
            for name, process in self.processes.items()
            if process.poll() is not None
        }

    def stop(self) -> None:
        for name in ["bot", *[n for n in self.processes if n.startswith("rasa")], "actions"]:
            self._stop(name)
        self._drop_databases()

    def logs(self, lines: int = 40) -> str:
        return log_tails(self.workdir, lines)

    # --- internals ------------------------------------------------------------------------

    @staticmethod
    def _rasa_name(number: int) -> str:
        return "rasa" if number == 0 else f"rasa-{number + 1}"

    def _spawn(self, name: str, argv: list[str], env: dict[str, str]) -> subprocess.Popen:
        log = open(self.workdir / f"{name}.log", "ab")  # noqa: SIM115 - lives with the process
        process = subprocess.Popen(
            argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.processes[name] = process
        return process

    def _stop(self, name: str) -> None:
        process = self.processes.get(name)
        if process is not None:
            stop_process_group(process, timeout=20)

    def _prepare_databases(self) -> None:
        scaled = self.kind == "scaled"
        if not self.database_url:
            self.database_url = (
                self._fresh_postgres("leads")
                if scaled
                else f"sqlite:///{self.workdir}/passerelle.db"
            )
        if not self.tracker_url:
            self.tracker_url = (
                self._fresh_postgres("trackers")
                if scaled
                else f"sqlite:///{self.workdir}/rasa_tracker.db"
            )

    def _fresh_postgres(self, purpose: str) -> str:
        name = f"passerelle_bench_{purpose}_{secrets.token_hex(4)}"
        create_databases(name)
        self._created_databases.append(name)
        return f"postgresql://postgres@127.0.0.1:5432/{name}"

    def _drop_databases(self) -> None:
        if not self._created_databases:
            return
        from leads.db import dispose_engines

        dispose_engines()  # our own pooled connections to them
        drop_databases(*self._created_databases)
        self._created_databases.clear()


def _scheme(url: str) -> str:
    return url.split(":", 1)[0].split("+", 1)[0] if url else "?"
