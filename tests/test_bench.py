"""`make bench` itself, at a tiny load: the harness starts the stack, plays people through the
check, finds their leads in the database and prints its contract line.

The real figures come from `make bench` (BENCHMARKS.md); this proves the harness works.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from tools.stack import ROOT, trained_model

pytestmark = pytest.mark.timeout(240)

LAST_LINE = re.compile(
    r"msgs_per_s=(?P<rate>\d+\.\d+) p95_ms=(?P<p95>-?\d+\.\d+) errors=(?P<errors>\d+) "
    r"leads_lost=(?P<lost>\d+)"
)


def test_bench_plays_three_people_to_qualified_leads() -> None:
    env = {
        **os.environ,
        "PASSERELLE_MODEL": str(trained_model()),
        "BENCH_TOPOLOGY": "single",
        "BENCH_STEPS": "3",
        "BENCH_STEP_SECONDS": "6",
        "BENCH_MAX_PEOPLE": "3",
        "BENCH_THINK_SCALE": "0.15",
        "BENCH_DRAIN_SECONDS": "60",
        "BENCH_WARMUP": "1",
    }
    env.pop("BENCH_DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "tools.bench"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=220,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-5000:]
    lines = done.stdout.strip().splitlines()
    figures = LAST_LINE.fullmatch(lines[-1])
    assert figures, lines[-10:]
    assert int(figures["errors"]) == 0, done.stdout
    assert int(figures["lost"]) == 0, done.stdout
    assert float(figures["rate"]) > 0 and float(figures["p95"]) > 0
    [leads] = [line for line in lines if line.startswith("leads: expected")]
    expected = int(re.search(r"expected (\d+)", leads)[1])
    assert expected == 3, done.stdout  # all three people qualified, and were found
    assert "| 3 |" in done.stdout  # the step's row in the results table
