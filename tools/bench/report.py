"""What `make bench` prints. The last line is the contract:

    msgs_per_s=<float> p95_ms=<float> errors=<int> leads_lost=<int>

for the highest step whose p95 met the target (else the lowest step): its sustained incoming
messages/s, its p95 and its errors; leads_lost counts the whole run (the database is checked
once, at the end).
"""

from __future__ import annotations

from collections import Counter

from tools.bench.metrics import P95_TARGET_MS, ProcessSampler, StepFigures


def ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}"


def step_table(figures: list[StepFigures]) -> list[str]:
    lines = [
        "| step (msgs/s) | offered | sustained | p50 ms | p95 ms | p99 ms | errors "
        "| people at end | leads expected/found |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for figure in figures:
        errors = ", ".join(f"{kind} {count}" for kind, count in figure.errors.items())
        lines.append(
            f"| {figure.step.rate:g} | {figure.offered:.1f} | {figure.sustained:.1f} "
            f"| {ms(figure.p(50))} | {ms(figure.p(95))} | {ms(figure.p(99))} "
            f"| {figure.error_count}{f' ({errors})' if errors else ''} "
            f"| {figure.step.people_at_end} | {figure.leads_expected}/{figure.leads_found} |"
        )
    return lines


def process_table(figures: list[StepFigures], sampler: ProcessSampler) -> list[str]:
    windows = [sampler.during(f.step.start, f.step.end) for f in figures]
    names = sorted(
        {name for window in windows for name in window}, key=lambda n: (n.startswith("machine"), n)
    )
    header = "| process | " + " | ".join(f"{f.step.rate:g}/s" for f in figures) + " |"
    lines = [header, "|---|" + "---|" * len(figures)]
    for name in names:
        cells = []
        for window in windows:
            cpu, rss = window.get(name, (None, None))
            if cpu is None:
                cells.append("-")
            elif name.startswith("machine"):
                cells.append(f"{cpu:.0f} %")
            else:
                cells.append(f"{cpu:.0f} % / {rss:.0f} MiB")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


def chosen_step(figures: list[StepFigures]) -> StepFigures:
    meeting = [f for f in figures if f.meets_target]
    if meeting:
        return max(meeting, key=lambda f: f.step.rate)
    return min(figures, key=lambda f: f.step.rate)


def last_line(figures: list[StepFigures], leads_lost: int) -> str:
    chosen = chosen_step(figures)
    p95 = chosen.p(95)
    return (
        f"msgs_per_s={chosen.sustained:.1f} p95_ms={p95 if p95 is not None else -1:.1f} "
        f"errors={chosen.error_count} leads_lost={leads_lost}"
    )


def outcome_summary(outcomes: Counter[str]) -> str:
    return ", ".join(f"{name} {count}" for name, count in sorted(outcomes.items()))


def target_note() -> str:
    return f"target: p95 <= {P95_TARGET_MS:.0f} ms at >= 60 msgs/s, no errors, no lost lead"
