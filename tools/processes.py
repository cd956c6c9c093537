"""Local processes on loopback: a free port, the Rasa command, waiting until one answers HTTP,
the tails of their logs, stopping one.

Shared by the test stack (tools/stack.py) and the load test (tools/bench/).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rasa_run_argv(rasa: Path, model: Path, port: int, auth_token: str) -> list[str]:
    """`rasa run` on loopback with the HTTP API, our endpoints and credentials."""
    # `--auth-token=...`: a token may start with "-", which argparse would take for an option
    return [
        str(rasa),
        "run",
        "--enable-api",
        f"--auth-token={auth_token}",
        "-m",
        str(model),
        "--endpoints",
        "endpoints.yml",
        "--credentials",
        "credentials.yml",
        "-i",
        "127.0.0.1",
        "-p",
        str(port),
    ]


def wait_for_http(url: str, timeout: float, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the process for {url} exited with {process.returncode}")
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


def stop_process_group(process: subprocess.Popen, timeout: float = 15) -> None:
    """SIGTERM the process's group (started with start_new_session), SIGKILL if it lingers."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


def log_tails(folder: Path, lines: int) -> str:
    """The last `lines` lines of every *.log in `folder`, each under its file name."""
    parts = []
    for log in sorted(folder.glob("*.log")):
        tail = log.read_text(errors="replace").splitlines()[-lines:]
        parts.append(f"--- {log.name} ---\n" + "\n".join(tail))
    return "\n".join(parts)
