"""Durable outage spool: leads that could not reach the database wait here, on disk.

One JSON object per line in `<spool dir>/leads.jsonl`, appended with flush + fsync under
an fcntl lock so several processes (action servers) may write at once. `flush(apply)`
replays the entries in order through `apply` (`leads.replay.apply_spooled`, the normal
upsert) and then removes exactly the entries it wrote (by id), never a line appended
meanwhile. A second lock makes sure only
one process replays at a time; `erase_lead` takes it too, so a replay can never bring
back a lead that was just erased.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from leads.db import is_outage
from leads.paths import spool_dir
from passerelle_settings import environment

log = logging.getLogger(__name__)

SPOOL_NAME = "leads.jsonl"
REJECTED_NAME = "leads.rejected.jsonl"


@dataclass(frozen=True, kw_only=True)
class SpoolEntry:
    id: str
    op: str
    at: str  # ISO 8601 UTC: when the person did it, not when it reached the database
    payload: dict[str, Any]

    @property
    def at_datetime(self) -> datetime:
        return datetime.fromisoformat(self.at)


@dataclass(kw_only=True)
class FlushResult:
    written: int = 0
    rejected: int = 0
    outage: bool = False  # stopped because the database is still unreachable
    busy: bool = False  # another process was replaying; nothing done here
    remaining: int = 0
    errors: list[str] = field(default_factory=list)


Apply = Callable[[SpoolEntry], object]


def spool_path() -> Path:
    return spool_dir() / SPOOL_NAME


def append(op: str, payload: dict[str, Any]) -> SpoolEntry:
    """Write one entry durably (fsync) before returning."""
    entry = SpoolEntry(
        id=uuid.uuid4().hex, op=op, at=datetime.now(UTC).isoformat(), payload=payload
    )
    line = json.dumps(entry.__dict__, ensure_ascii=False, separators=(",", ":")) + "\n"
    path = spool_path()
    with _data_lock(path):
        created = not path.exists()
        _append_bytes(path, line.encode("utf-8"))
        if created:
            _fsync_dir(path.parent)
    log.warning("database unreachable: %s spooled to %s", op, path)
    return entry


def has_pending() -> bool:
    """Cheap check (one stat) used before every write."""
    try:
        return spool_path().stat().st_size > 0
    except FileNotFoundError:
        return False


def pending_entries() -> list[SpoolEntry]:
    path = spool_path()
    with _data_lock(path):
        entries, _corrupt = _parse(_read_bytes(path))
    return entries


def discard_sender(sender_id: str) -> int:
    """Drop every spooled entry of one person (GDPR erase). Returns how many."""
    path = spool_path()
    with _data_lock(path):
        entries, _corrupt = _parse(_read_bytes(path))
        doomed = {e.id for e in entries if e.payload.get("sender_id") == sender_id}
        if doomed:
            _rewrite_without(path, doomed, set())
    return len(doomed)


def flush(apply: Apply, lock_timeout_s: float = 30.0) -> FlushResult:
    """Replay pending entries in order through `apply` (`leads.replay.apply_spooled`)."""
    result = FlushResult()
    path = spool_path()
    with replay_lock(lock_timeout_s) as acquired:
        if not acquired:
            result.busy = True
            return result
        with _data_lock(path):
            entries, corrupt = _parse(_read_bytes(path))
        done: set[str] = set()
        rejected: list[tuple[SpoolEntry, str]] = []
        for entry in entries:
            try:
                apply(entry)
            except Exception as error:
                if is_outage(error):
                    result.outage = True
                    break
                # Bad data would block the queue forever: set it aside, keep it readable.
                log.exception("spooled %s %s rejected", entry.op, entry.id)
                rejected.append((entry, repr(error)))
                result.errors.append(repr(error))
            else:
                result.written += 1
            done.add(entry.id)
        result.rejected = len(rejected)
        if done or corrupt:
            with _data_lock(path):
                _set_aside(rejected, corrupt)
                result.remaining = _rewrite_without(path, done, set(corrupt))
        else:
            result.remaining = len(entries)
    if result.written:
        log.info("spool flushed: %d written, %d remaining", result.written, result.remaining)
    return result


@contextmanager
def replay_lock(timeout_s: float = 30.0) -> Iterator[bool]:
    """The one-replayer-at-a-time lock; yields False if not acquired within `timeout_s`.

    flock() has no timeout, so a helper thread blocks in it while this one waits on an event
    with the timeout (no polling). If the wait gives up first, the helper releases the lock
    as soon as it gets it.
    """
    handle = open(spool_dir() / (SPOOL_NAME + ".replay.lock"), "a+")  # noqa: SIM115
    got_it, state_lock = threading.Event(), threading.Lock()
    state = {"held": False, "abandoned": False}

    def take() -> None:
        fcntl.flock(handle, fcntl.LOCK_EX)
        with state_lock:
            if state["abandoned"]:
                fcntl.flock(handle, fcntl.LOCK_UN)
                handle.close()
                return
            state["held"] = True
        got_it.set()

    threading.Thread(target=take, name="spool-replay-lock", daemon=True).start()
    got_it.wait(timeout_s)
    with state_lock:
        if not state["held"]:
            state["abandoned"] = True
    if not state["held"]:
        yield False
        return
    try:
        yield True
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


# --- the background flusher -----------------------------------------------------------------

_flusher_lock = threading.Lock()
_flusher: threading.Thread | None = None
_flusher_pid: int | None = None
_flusher_stop = threading.Event()


def start_background_flusher(apply: Apply, interval_s: float = 5.0) -> threading.Thread:
    """Start (once per process) a daemon thread that replays the spool every `interval_s`."""
    global _flusher, _flusher_pid, _flusher_stop
    with _flusher_lock:
        if _flusher is not None and _flusher.is_alive() and _flusher_pid == os.getpid():
            return _flusher
        _flusher_stop = threading.Event()
        _flusher = threading.Thread(
            target=_flush_forever,
            args=(apply, interval_s, _flusher_stop),
            name="leads-spool-flusher",
            daemon=True,
        )
        _flusher_pid = os.getpid()
        _flusher.start()
        return _flusher


def stop_background_flusher(timeout_s: float = 5.0) -> None:
    global _flusher
    with _flusher_lock:
        thread, _flusher = _flusher, None
        _flusher_stop.set()
    if thread is not None:
        thread.join(timeout_s)


def ensure_background_flusher(apply: Apply) -> None:
    """Called lazily before each write; env PASSERELLE_SPOOL_FLUSHER=off disables it."""
    if not environment().spool_flusher:
        return
    start_background_flusher(apply)


def _flush_forever(apply: Apply, interval_s: float, stop: threading.Event) -> None:
    while not stop.wait(interval_s):
        if not has_pending():
            continue
        try:
            flush(apply)
        except Exception:
            log.exception("spool flush failed; will retry")


# --- file handling ---------------------------------------------------------------------------


@contextmanager
def _data_lock(path: Path) -> Iterator[None]:
    # A separate lock file: the spool itself is replaced (os.replace) when entries leave it.
    with open(path.with_name(path.name + ".lock"), "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return b""


def _parse(data: bytes) -> tuple[list[SpoolEntry], list[bytes]]:
    entries: list[SpoolEntry] = []
    corrupt: list[bytes] = []
    for line in data.splitlines():
        if not line.strip():
            continue
        entry = _entry_from_line(line)
        if entry is None:
            corrupt.append(line)
        else:
            entries.append(entry)
    return entries, corrupt


def _entry_from_line(line: bytes) -> SpoolEntry | None:
    try:
        raw = json.loads(line)
        return SpoolEntry(id=raw["id"], op=raw["op"], at=raw["at"], payload=raw["payload"])
    except (ValueError, KeyError, TypeError):
        return None


def _rewrite_without(path: Path, entry_ids: set[str], corrupt: set[bytes]) -> int:
    """Rewrite the spool keeping every line not listed; returns how many entries remain."""
    kept: list[bytes] = []
    for line in _read_bytes(path).splitlines():
        if not line.strip() or line in corrupt:
            continue
        entry = _entry_from_line(line)
        if entry is not None and entry.id in entry_ids:
            continue
        kept.append(line + b"\n")
    temporary = path.with_name(path.name + ".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        _write_all(fd, b"".join(kept))
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(temporary, path)
    _fsync_dir(path.parent)
    return len(kept)


def _set_aside(rejected: list[tuple[SpoolEntry, str]], corrupt: list[bytes]) -> None:
    if not rejected and not corrupt:
        return
    lines = [
        json.dumps({**entry.__dict__, "error": error}, ensure_ascii=False) + "\n"
        for entry, error in rejected
    ]
    lines += [json.dumps({"corrupt": line.decode("utf-8", "replace")}) + "\n" for line in corrupt]
    _append_bytes(spool_dir() / REJECTED_NAME, "".join(lines).encode("utf-8"))
    log.error("%d spool entries set aside in %s", len(lines), REJECTED_NAME)


def _append_bytes(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        _write_all(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
