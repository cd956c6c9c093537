"""rasa_components.tracker_store.SQLTrackerStore against Rasa's own SQLTrackerStore, on the same
database (SQLite and PostgreSQL): whatever one writes, both read back the same conversation."""

from __future__ import annotations

import json
import os
import secrets
import subprocess
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tools.scratch_postgres import create_databases, drop_databases
from tools.stack import RASA, ROOT

# Runs in .venv-rasa. Two conversation sessions, saved turn by turn by either store in turn.
SCRIPT = r"""
import asyncio, json, sys
from rasa.core.tracker_store import SQLTrackerStore as RasaStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (ActionExecuted, BotUttered, SessionStarted, SlotSet,
                                     UserUttered)
from rasa.shared.core.trackers import DialogueStateTracker
from rasa_components.tracker_store import SQLTrackerStore as OurStore

url, dialect = sys.argv[1], sys.argv[2]
domain = Domain.load("domain")

def dump(tracker):
    return None if tracker is None else [event.as_dict() for event in tracker.events]

async def main():
    ours = OurStore(domain=domain, host=url, dialect=dialect)
    rasa = RasaStore(domain=domain, host=url, dialect=dialect)
    checks, written = [], []
    for turn in range(12):
        store = ours if turn % 2 else rasa
        # as Rasa does for each message: load the latest session, add this turn, save
        tracker = await store.retrieve("tg-1") or DialogueStateTracker("tg-1", domain.slots)
        turn_events = []
        if turn in (0, 7):  # a second session starts at turn 7
            turn_events += [SessionStarted(), ActionExecuted("action_listen")]
        turn_events += [
            UserUttered(f"vraag {turn}", {"name": "faq", "confidence": 0.9},
                        metadata={"language_code": "nl"}),
            SlotSet("language", "nl"),
            BotUttered(f"antwoord {turn}", {"buttons": [{"title": "ok"}]}),
            ActionExecuted("action_listen"),
        ]
        for event in turn_events:
            tracker.update(event)
            written.append(event.as_dict())
        await store.save(tracker)
        by_ours, by_rasa = dump(await ours.retrieve("tg-1")), dump(await rasa.retrieve("tg-1"))
        full_ours = dump(await ours.retrieve_full_tracker("tg-1"))
        full_rasa = dump(await rasa.retrieve_full_tracker("tg-1"))
        checks.append([by_ours == by_rasa, full_ours == full_rasa == written,
                       len(by_ours)])
    print(json.dumps({"checks": checks, "unknown": dump(await ours.retrieve("nobody"))}))

asyncio.run(main())
"""


@pytest.fixture
def postgres_tracker_url() -> Iterator[str]:
    name = f"passerelle_trackers_test_{secrets.token_hex(4)}"
    try:
        create_databases(name)
    except psycopg.OperationalError as error:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"PostgreSQL unreachable: {error}")
        pytest.skip(f"PostgreSQL unreachable: {error}")
    try:
        yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    finally:
        drop_databases(name)


def run_against(url: str, dialect: str) -> dict:
    done = subprocess.run(
        [str(RASA.parent / "python"), "-c", SCRIPT, url, dialect],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def assert_same_conversation(result: dict) -> None:
    checks = result["checks"]
    assert all(latest_same and full_same for latest_same, full_same, _ in checks), checks
    sizes = [size for _, _, size in checks]
    assert sizes[7] == 6 < sizes[6], "the latest session starts afresh"
    assert result["unknown"] is None


def test_same_conversation_as_rasas_store_on_sqlite(tmp_path: Path) -> None:
    assert_same_conversation(run_against(f"sqlite:///{tmp_path}/trackers.db", "sqlite"))


def test_same_conversation_as_rasas_store_on_postgresql(postgres_tracker_url: str) -> None:
    assert_same_conversation(run_against(postgres_tracker_url, "postgresql"))
