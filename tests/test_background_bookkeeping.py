"""actions/store.in_background: the per-message bookkeeping never holds a reply, runs in
order per conversation, and a failing job is logged without its arguments."""

from __future__ import annotations

import threading
import time

from actions import store


def test_a_stalled_job_does_not_hold_the_caller_and_jobs_keep_their_order():
    release = threading.Event()
    done: list[str] = []

    def stalled() -> None:
        release.wait(5)
        done.append("first")

    started = time.monotonic()
    assert store.in_background("sender-a", "first", stalled)
    assert store.in_background("sender-a", "second", lambda: done.append("second"))
    assert time.monotonic() - started < 0.5  # not waited for
    assert store.in_background("sender-b", "other", lambda: done.append("other"))
    assert not store.drain(timeout_s=0.3)  # sender-a's first job is still stalled
    assert done == ["other"]  # another conversation is not held by it
    release.set()
    assert store.drain(timeout_s=5)
    assert done == ["other", "first", "second"]


def test_a_failing_job_is_logged_without_its_data(caplog):
    def failing() -> None:
        raise ValueError("Yasmine 0470 12 34 56")

    store.in_background("sender-c", "review items", failing)
    assert store.drain(timeout_s=5)
    assert "review items failed (ValueError)" in caplog.text
    assert "Yasmine" not in caplog.text
