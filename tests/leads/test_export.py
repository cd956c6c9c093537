"""Export: the agreed field names, JSON Lines objects, and CSV safe against formulas."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from leads.export import EXPORT_FIELDS, csv_cell, write_csv, write_jsonl
from leads.lead_store import request_handoff, save_lead
from leads.rows import LeadFilters
from tests.leads.helpers import lead_input

ROOT = Path(__file__).resolve().parents[2]
REQUIRED = {
    "sender_id",
    "first_name",
    "age",
    "campus",
    "situation",
    "registered",
    "experience",
    "motivation",
    "commitment",
    "contact_kind",
    "contact",
    "consent",
    "score",
    "score_breakdown",
    "qualified",
    "status",
    "language",
    "campaign",
    "handoff_requested",
    "created_at",
}


def test_jsonl_has_one_object_per_lead_with_the_agreed_fields(db_url):
    save_lead(lead_input("tg-1"))
    request_handoff("tg-2", language="nl", campaign=None)
    out = io.StringIO()
    assert write_jsonl(out) == 2
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["sender_id"] for r in records] == ["tg-1", "tg-2"]
    assert set(records[0]) >= REQUIRED
    first = records[0]
    assert first["score_breakdown"] == {
        "commitment": 35,
        "motivation": 15,
        "situation": 15,
        "check": 10,
        "campus": 5,
    }
    assert (first["age"], first["consent"], first["qualified"]) == (22, True, True)
    assert first["created_at"].endswith("Z")
    assert (
        datetime.fromisoformat(first["created_at"].replace("Z", "+00:00")).utcoffset() is not None
    )
    assert records[1]["handoff_requested"] is True and records[1]["first_name"] is None


def test_csv_neutralises_formulas_and_keeps_the_breakdown_as_json(db_url):
    save_lead(
        lead_input(
            "tg-1",
            first_name='=HYPERLINK("http://evil")',
            motivation="@SUM(A1:A9) and -2+3",
            contact_kind="phone",
            contact="+32470123456",
        )
    )
    save_lead(lead_input("tg-2", first_name="\tTab", motivation="\rcarriage"))
    out = io.StringIO(newline="")
    assert write_csv(out) == 2
    rows = list(csv.DictReader(io.StringIO(out.getvalue(), newline="")))
    assert tuple(rows[0]) == EXPORT_FIELDS
    assert set(rows[0]) >= REQUIRED
    first, second = rows
    assert first["first_name"] == '\'=HYPERLINK("http://evil")'
    assert first["motivation"] == "'@SUM(A1:A9) and -2+3"
    assert first["contact"] == "'+32470123456"
    assert second["first_name"] == "'\tTab" and second["motivation"] == "'\rcarriage"
    assert json.loads(first["score_breakdown"])["commitment"] == 35
    assert (first["consent"], first["score"], first["sender_id"]) == ("true", "80", "tg-1")
    for row in rows:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r"))


def test_csv_cell_leaves_numbers_and_plain_text_alone():
    assert csv_cell(-5) == "-5"
    assert csv_cell("Anvers") == "Anvers"
    assert csv_cell(None) == ""
    assert csv_cell({"b": 1, "a": 2}) == '{"a": 2, "b": 1}'


def test_export_follows_the_queue_filters(db_url):
    save_lead(lead_input("tg-1", campus="ghent"))
    save_lead(lead_input("tg-2", campus="liege"))
    out = io.StringIO()
    assert write_jsonl(out, LeadFilters(campus="liege")) == 1
    assert json.loads(out.getvalue())["sender_id"] == "tg-2"


def test_command_line_export_on_an_empty_and_a_full_database(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}

    def run(*args):
        return subprocess.run(
            [sys.executable, "-m", "leads", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )

    assert "revision" in run("migrate").stderr
    assert run("export", "--jsonl").stdout == ""
    header = run("export", "--csv").stdout.splitlines()
    assert header == [",".join(EXPORT_FIELDS)]
    subprocess.run(
        [
            sys.executable,
            "-c",
            "from leads.lead_store import save_lead; from leads.rows import LeadInput;"
            "save_lead(LeadInput(sender_id='tg-cli', consent=True, language='en'))",
        ],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=60,
    )
    target = tmp_path / "out.jsonl"
    run("export", "--jsonl", "--output", str(target))
    assert json.loads(target.read_text())["sender_id"] == "tg-cli"
