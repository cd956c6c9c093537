"""Where the lead store keeps its local files (database, spool, funnel salt)."""

from __future__ import annotations

from pathlib import Path

from passerelle_settings import environment

REPO_ROOT = Path(__file__).resolve().parents[1]


def var_dir() -> Path:
    """The local state folder: env PASSERELLE_VAR_DIR, else `<repo>/var` (created)."""
    path = environment().var_dir or REPO_ROOT / "var"
    path.mkdir(parents=True, exist_ok=True)
    return path


def spool_dir() -> Path:
    """The outage spool folder: env PASSERELLE_SPOOL_DIR, else `var/spool` (created)."""
    path = environment().spool_dir or var_dir() / "spool"
    path.mkdir(parents=True, exist_ok=True)
    return path
