"""The outage spool: durable appends from several processes, ordered replay, and a real
database outage (a TCP proxy in front of PostgreSQL that we stop and start)."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, OperationalError

from leads import replay, spool
from leads.db import get_engine, session_scope
from leads.lead_queue import get_lead_by_sender
from leads.lead_store import erase_lead, request_handoff, save_lead
from leads.models import Lead
from leads.rows import SaveResult
from tests.leads.helpers import (
    PG_HOST,
    PG_PORT,
    TcpProxy,
    empty_tables,
    free_port,
    lead_input,
    postgres_url,
)

ROOT = Path(__file__).resolve().parents[2]


def lead_senders(url: str | None = None) -> list[str]:
    with session_scope(url) as session:
        return sorted(session.scalars(select(Lead.sender_id)))


def test_append_is_durable_json_lines_readable_only_by_us(tmp_path):
    entry = spool.append("save_lead", {"sender_id": "tg-1", "first_name": "Zoë"})
    path = tmp_path / "spool" / "leads.jsonl"
    [line] = path.read_text(encoding="utf-8").splitlines()
    assert json.loads(line) == {**dataclasses.asdict(entry)}
    assert json.loads(line)["payload"]["first_name"] == "Zoë"
    assert path.stat().st_mode & 0o077 == 0
    assert spool.has_pending()


def test_several_processes_append_without_losing_or_mixing_lines(tmp_path):
    script = (
        "import sys\nfrom leads import spool\n"
        "for i in range(40):\n"
        "    spool.append('save_lead', {'sender_id': f'tg-{sys.argv[1]}-{i}', 'pad': 'x' * 3000})\n"
    )
    env = {**os.environ, "PASSERELLE_SPOOL_DIR": str(tmp_path / "spool")}
    writers = [
        subprocess.Popen([sys.executable, "-c", script, str(n)], cwd=ROOT, env=env)
        for n in range(4)
    ]
    assert [w.wait(60) for w in writers] == [0, 0, 0, 0]
    entries = spool.pending_entries()
    assert len(entries) == 160
    assert len({e.payload["sender_id"] for e in entries}) == 160
    for n in range(4):  # each writer's entries stay in its own order
        mine = [
            e.payload["sender_id"] for e in entries if e.payload["sender_id"].startswith(f"tg-{n}-")
        ]
        assert mine == [f"tg-{n}-{i}" for i in range(40)]


def test_flush_replays_in_order_and_stops_at_an_outage():
    for n in range(5):
        spool.append("save_lead", {"sender_id": f"tg-{n}"})
    seen: list[str] = []

    def apply(entry):
        if entry.payload["sender_id"] == "tg-3":
            raise OperationalError("connect", {}, ConnectionRefusedError("refused"))
        seen.append(entry.payload["sender_id"])

    result = spool.flush(apply)
    assert seen == ["tg-0", "tg-1", "tg-2"]
    assert (result.written, result.outage, result.remaining) == (3, True, 2)
    assert [e.payload["sender_id"] for e in spool.pending_entries()] == ["tg-3", "tg-4"]
    assert spool.flush(lambda entry: None).written == 2
    assert not spool.has_pending()


def test_flush_removes_only_what_it_wrote(tmp_path):
    spool.append("save_lead", {"sender_id": "tg-a"})

    def apply(entry):
        # Another process spools a lead while this one replays.
        spool.append("save_lead", {"sender_id": "tg-late"})

    assert spool.flush(apply).written == 1
    assert [e.payload["sender_id"] for e in spool.pending_entries()] == ["tg-late"]


def test_bad_entries_are_set_aside_not_retried_forever(tmp_path):
    spool.append("save_lead", {"sender_id": "tg-bad"})
    spool.append("save_lead", {"sender_id": "tg-good"})
    with open(tmp_path / "spool" / "leads.jsonl", "ab") as handle:
        handle.write(b"{not json\n")

    def apply(entry):
        if entry.payload["sender_id"] == "tg-bad":
            raise IntegrityError("insert", {}, ValueError("check constraint"))

    result = spool.flush(apply)
    assert (result.written, result.rejected, result.remaining) == (1, 1, 0)
    rejected = (tmp_path / "spool" / "leads.rejected.jsonl").read_text().splitlines()
    assert len(rejected) == 2
    assert json.loads(rejected[0])["payload"]["sender_id"] == "tg-bad"
    assert "not json" in json.loads(rejected[1])["corrupt"]


def test_a_spooled_lead_is_written_through_the_normal_upsert(db_url):
    spool.append(
        "save_lead",
        dataclasses.asdict(
            lead_input("tg-1", first_name="Old", score=40, status="nurture", qualified=False)
        ),
    )
    spool.append(
        "request_handoff",
        {
            "sender_id": "tg-1",
            "language": "fr",
            "campaign": None,
            "contact_kind": None,
            "contact": None,
            "first_name": None,
            "telegram_user_id": None,
            "consent": True,
        },
    )
    # A newer answer arrives once the database is back: the older spooled ones go first.
    result = save_lead(lead_input("tg-1", first_name="New", score=75))
    assert result.saved and not spool.has_pending()
    lead = get_lead_by_sender("tg-1")
    assert (lead.first_name, lead.score, lead.status) == ("New", 75, "new")
    assert lead.handoff_requested
    assert [h.to_status for h in lead.history] == ["nurture", "new"]


def test_background_flusher_drains_the_spool(db_url):
    spool.append("save_lead", dataclasses.asdict(lead_input("tg-bg")))
    replay.start_background_flusher(interval_s=0.05)
    deadline = time.monotonic() + 10
    while spool.has_pending() and time.monotonic() < deadline:
        time.sleep(0.05)
    spool.stop_background_flusher()
    assert lead_senders() == ["tg-bg"]


def test_flusher_starts_once_and_lazily(db_url, monkeypatch):
    monkeypatch.setenv("PASSERELLE_SPOOL_FLUSHER", "on")
    save_lead(lead_input("tg-lazy"))
    first = replay.start_background_flusher()
    assert first.is_alive() and first.daemon
    assert replay.start_background_flusher() is first


def test_real_outage_spools_then_flushes_once(postgresql_database, postgresql_schema, monkeypatch):
    empty_tables(postgresql_database)
    proxy = TcpProxy(free_port(), (PG_HOST, PG_PORT))
    via_proxy = postgres_url(postgresql_schema, proxy.port)
    monkeypatch.setenv("DATABASE_URL", via_proxy)
    try:
        # 1. The database is down (nothing listens): nothing raises, nothing is lost.
        down = save_lead(lead_input("tg-down", first_name="Yasmine"))
        handoff = request_handoff(
            "tg-help",
            language="nl",
            campaign="c1",
            contact_kind="email",
            contact="help@example.org",
        )
        assert down == SaveResult(saved=False, spooled=True)
        assert handoff.spooled and not handoff.saved
        assert len(spool.pending_entries()) == 2

        # 2. It is back: the flush writes each lead once; a second flush writes nothing.
        proxy.start()
        assert replay.flush_spool() == 2
        assert replay.flush_spool() == 0
        assert lead_senders(postgresql_database) == ["tg-down", "tg-help"]
        assert get_lead_by_sender("tg-down").first_name == "Yasmine"
        assert get_lead_by_sender("tg-help").handoff_requested

        # 3. It dies under live pooled connections, then comes back.
        assert save_lead(lead_input("tg-live")).saved
        proxy.stop()
        assert save_lead(lead_input("tg-during")).spooled
        assert save_lead(lead_input("tg-down", first_name="Yasmine B.")).spooled
        proxy.start()
        after = save_lead(lead_input("tg-after"))
        assert after.saved and not spool.has_pending()
        assert lead_senders(postgresql_database) == [
            "tg-after",
            "tg-down",
            "tg-during",
            "tg-help",
            "tg-live",
        ]
        assert get_lead_by_sender("tg-down").first_name == "Yasmine B."
        with session_scope(postgresql_database) as session:
            assert session.scalar(select(func.count(Lead.id))) == 5
    finally:
        proxy.stop()
        get_engine(via_proxy).dispose()


def test_erase_during_an_outage_is_spooled_after_the_saves(
    postgresql_database, postgresql_schema, monkeypatch
):
    empty_tables(postgresql_database)
    proxy = TcpProxy(free_port(), (PG_HOST, PG_PORT))
    via_proxy = postgres_url(postgresql_schema, proxy.port)
    monkeypatch.setenv("DATABASE_URL", via_proxy)
    proxy.start()
    try:
        assert save_lead(lead_input("tg-forget")).saved
        proxy.stop()
        assert erase_lead("tg-forget") is True
        assert [e.op for e in spool.pending_entries()] == ["erase_lead"]
        proxy.start()
        assert replay.flush_spool() == 1
        assert lead_senders(postgresql_database) == []
    finally:
        proxy.stop()
        get_engine(via_proxy).dispose()


HANDOFF = {
    "sender_id": "tg-t",
    "language": "en",
    "campaign": None,
    "contact_kind": None,
    "contact": None,
    "first_name": None,
    "telegram_user_id": None,
    "consent": True,
}


@pytest.mark.parametrize(
    ("op", "payload"),
    [("save_lead", dataclasses.asdict(lead_input("tg-t"))), ("request_handoff", HANDOFF)],
)
def test_spooled_entries_keep_the_time_the_person_acted(db_url, op, payload):
    entry = spool.append(op, payload)
    time.sleep(0.05)
    assert replay.flush_spool() == 1
    assert get_lead_by_sender("tg-t").created_at == entry.at_datetime


def test_the_replay_lock_waits_without_polling_and_gives_up_cleanly() -> None:
    import threading

    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with spool.replay_lock(1.0) as acquired:
            assert acquired
            holding.set()
            release.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    assert holding.wait(5)
    started = time.monotonic()
    with spool.replay_lock(0.3) as acquired:
        assert acquired is False
    assert 0.25 <= time.monotonic() - started < 1.0

    threading.Timer(0.2, release.set).start()
    started = time.monotonic()
    with spool.replay_lock(5.0) as acquired:  # taken as soon as the holder lets go
        assert acquired is True
        waited = time.monotonic() - started
    holder.join(5)
    assert 0.15 <= waited < 1.0
    with spool.replay_lock(0.5) as acquired:  # the waiter that gave up did not keep it
        assert acquired is True
