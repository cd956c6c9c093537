"""The tracker store is prepared before Rasa opens it (BENCHMARKS.md "Load")."""

from __future__ import annotations

import sqlite3

from leads.trackers import prepare_tracker_store


def test_a_sqlite_tracker_store_is_created_in_wal_mode(tmp_path):
    path = tmp_path / "trackers" / "rasa_tracker.db"
    prepare_tracker_store(f"sqlite:///{path}")
    # a plain connection, as Rasa's own SQLAlchemy 1.4 engine opens it
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_preparing_twice_changes_nothing(tmp_path):
    url = f"sqlite:///{tmp_path / 'rasa_tracker.db'}"
    prepare_tracker_store(url)
    prepare_tracker_store(url)
    with sqlite3.connect(tmp_path / "rasa_tracker.db") as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
