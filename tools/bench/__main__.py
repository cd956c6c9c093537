"""`make bench` / `.venv/bin/python -m tools.bench`: the load test, start to finish.

Settings (environment, or the matching --options):
  BENCH_STEPS=10,20,40,60,70,80   offered incoming messages/s, one step each
  BENCH_STEP_SECONDS=40        length of a step
  BENCH_THINK_SCALE=1          multiplies the people's think times
  BENCH_DRAIN_SECONDS=75       after the last step, time for conversations to finish
  BENCH_WARMUP=3               quick conversations before the first step (not measured)
  BENCH_MAX_PEOPLE=3000        people in a conversation at once, at most
  BENCH_TOPOLOGY=scaled|single and BENCH_DATABASE_URL, ...: see tools/bench/topology.py
  PASSERELLE_MODEL=path        the Rasa model (default: the one for the current data)
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import logging
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import psutil

from passerelle_settings import environment
from tools.bench import report
from tools.bench.database import create_campaigns, qualified_leads
from tools.bench.fake import BenchTelegram
from tools.bench.load import Load, LoadOptions
from tools.bench.metrics import ProcessSampler, error_samples, latency_by_kind, step_figures
from tools.bench.recognizer import Recognizer
from tools.bench.topology import ROOT, Topology

BOT_START_TIMEOUT = 60


def model_path() -> Path:
    pinned = environment().model_path
    if pinned:
        return pinned.resolve()
    out = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "model.py"), "path"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return Path(out)


def parse_options(argv: list[str]) -> tuple[LoadOptions, bool]:
    env = os.environ.get
    parser = argparse.ArgumentParser(description="Load test of the whole Passerelle stack.")
    parser.add_argument("--steps", default=env("BENCH_STEPS", "10,20,40,60,70,80"))
    parser.add_argument(
        "--step-seconds", type=float, default=float(env("BENCH_STEP_SECONDS", "40"))
    )
    parser.add_argument("--think-scale", type=float, default=float(env("BENCH_THINK_SCALE", "1")))
    parser.add_argument(
        "--drain-seconds", type=float, default=float(env("BENCH_DRAIN_SECONDS", "75"))
    )
    parser.add_argument("--warmup", type=int, default=int(env("BENCH_WARMUP", "3")))
    parser.add_argument("--max-people", type=int, default=int(env("BENCH_MAX_PEOPLE", "3000")))
    parser.add_argument(
        "--keep-logs",
        action="store_true",
        help="keep the processes' logs (their folder is printed)",
    )
    args = parser.parse_args(argv)
    rates = [float(rate) for rate in args.steps.split(",") if rate.strip()]
    if not rates or any(rate <= 0 for rate in rates):
        parser.error("--steps needs positive rates, e.g. 10,20,40")
    return LoadOptions(
        rates=rates,
        step_seconds=args.step_seconds,
        drain_seconds=args.drain_seconds,
        think_scale=args.think_scale,
        max_people=args.max_people,
        warmup_people=args.warmup,
    ), args.keep_logs


async def wait_for_bot(telegram: BenchTelegram, topology: Topology) -> None:
    deadline = time.monotonic() + BOT_START_TIMEOUT
    while not any(call.method == "getUpdates" for call in telegram.calls):
        if "bot" in topology.exited() or time.monotonic() > deadline:
            raise RuntimeError("the bot did not start polling")
        await asyncio.sleep(0.2)


async def bench(options: LoadOptions, workdir: Path) -> int:
    started = time.monotonic()
    model = model_path()
    if not model.exists():
        print(f"No Rasa model at {model}: run `make train` first.", file=sys.stderr)
        return 2
    telegram = BenchTelegram()
    await telegram.start()
    topology = Topology.from_env(workdir, model)
    sampler: ProcessSampler | None = None
    try:
        print(f"Starting {topology.kind} topology (model {model.name})...", flush=True)
        await asyncio.to_thread(topology.start, telegram.base_url, telegram.token)
        await wait_for_bot(telegram, topology)
        campaigns = await asyncio.to_thread(create_campaigns, topology.database_url)
        print(
            f"Up in {time.monotonic() - started:.0f} s: {topology.describe()}; pids "
            + " ".join(f"{name}={pid}" for name, pid in topology.pids().items()),
            flush=True,
        )

        load = Load(telegram, Recognizer(), campaigns, options)
        await load.warm_up()
        warm = Counter(person.outcome for person in load.warmup)
        print(f"Warm-up: {report.outcome_summary(warm)}", flush=True)
        if warm.get("qualified", 0) != len(load.warmup):
            for line in error_samples(load.warmup):
                print("  " + line)

        sampler = ProcessSampler(topology.pids())
        sampler.start()
        print(
            f"Ramp: {', '.join(f'{r:g}' for r in options.rates)} msgs/s, "
            f"{options.step_seconds:g} s each...",
            flush=True,
        )
        await load.run_steps()
        steps_end = time.time()
        drained = await load.drain()
        await sampler.stop()

        sender_ids = [person.sender_id for person in load.people if person.outcome == "qualified"]
        found = await asyncio.to_thread(qualified_leads, topology.database_url, sender_ids)
        figures = step_figures(load.steps, load.people, found)
        leads_lost = len(set(sender_ids) - found)
        drain_errors = Counter(
            t.error for p in load.people for t in p.turns if t.error and t.sent_at >= steps_end
        )
        print_report(
            options,
            topology,
            figures,
            sampler,
            load,
            drained,
            drain_errors,
            len(sender_ids),
            len(found),
            time.monotonic() - started,
        )
        print(report.last_line(figures, leads_lost), flush=True)
        return 0
    except Exception as error:
        print(f"The bench failed: {error!r}\n{topology.logs()}", file=sys.stderr)
        raise
    finally:
        if sampler is not None:
            await sampler.stop()
        await asyncio.to_thread(topology.stop)
        await telegram.stop()


def print_report(
    options: LoadOptions,
    topology: Topology,
    figures: list,
    sampler: ProcessSampler,
    load: Load,
    drained: float,
    drain_errors: Counter[str],
    expected: int,
    found: int,
    wall: float,
) -> None:
    today = datetime.date.today().isoformat()
    cores = psutil.cpu_count()
    print(f"\n## Load (make bench) — {today}, {cores} cores, {topology.describe()}")
    print(
        f"{report.target_note()}; steps of {options.step_seconds:g} s, think scale "
        f"{options.think_scale:g}; latency = update handed to the bot -> its last reply\n"
    )
    for line in report.step_table(figures):
        print(line)
    print("\nCPU (% of one core, mean) / RSS (MiB, peak) per step:\n")
    for line in report.process_table(figures, sampler):
        print(line)
    print(
        "\nLatency by kind of message, whole ramp (count, p50 ms, p95 ms): "
        + ", ".join(
            f"{kind} {count} {report.ms(p50)}/{report.ms(p95)}"
            for kind, (count, p50, p95) in latency_by_kind(
                load.people, figures[0].step.start, figures[-1].step.end
            ).items()
        )
    )
    outcomes = Counter(person.outcome for person in load.people)
    print(
        f"\npeople: {len(load.people)} ({report.outcome_summary(outcomes)}); drain "
        f"{drained:.0f} s, errors after the last step: {sum(drain_errors.values())} "
        f"{dict(drain_errors) or ''}"
    )
    for line in error_samples(load.people):
        print("  " + line)
    if topology.exited():
        print(f"processes that exited during the run: {topology.exited()}")
    print(
        f"leads: expected {expected}, found {found}, lost {expected - found}; "
        f"wall time {wall:.0f} s\n"
    )


def main(argv: list[str] | None = None) -> int:
    options, keep_logs = parse_options(sys.argv[1:] if argv is None else argv)
    # the bot's long poll is cut when it stops: not worth a traceback
    logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)
    with tempfile.TemporaryDirectory(prefix="passerelle-bench-") as tmp:
        workdir = Path(tmp)
        code = asyncio.run(bench(options, workdir))
        if keep_logs:
            kept = Path(tempfile.mkdtemp(prefix="passerelle-bench-logs-"))
            for log in workdir.glob("*.log"):
                (kept / log.name).write_bytes(log.read_bytes())
            print(f"logs kept in {kept}", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
