"""The funnel chart as inline SVG, computed here and drawn by a template: no chart library,
no external service, no JavaScript."""

from __future__ import annotations

from dataclasses import dataclass

from leads.funnel import FunnelRow

STEP_LABELS = {
    "started": "Started",
    "asked_question": "Asked a question",
    "check_started": "Started the check",
    "check_completed": "Completed the check",
    "qualified": "Qualified",
    "booked": "Booked an info session",
    "attended": "Attended it",
    "contacted": "Contacted",
    "enrolled": "Enrolled",
}
LABEL_WIDTH = 170
BAR_AREA = 460
ROW_HEIGHT = 34
BAR_HEIGHT = 22


@dataclass(frozen=True)
class Bar:
    label: str
    count: int
    width: float
    y: int
    rate: str  # from the first step, e.g. "42%"


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    width: int
    height: int
    label_width: int
    bar_height: int


def funnel_chart(row: FunnelRow) -> Chart:
    top = max((step.count for step in row.steps), default=0) or 1
    bars = []
    for index, step in enumerate(row.steps):
        rate = "" if step.rate_from_start is None else f"{step.rate_from_start * 100:.0f}%"
        bars.append(
            Bar(
                label=STEP_LABELS.get(step.name, step.name),
                count=step.count,
                width=round(BAR_AREA * step.count / top, 1),
                y=index * ROW_HEIGHT + 6,
                rate=rate,
            )
        )
    return Chart(
        bars=bars,
        width=LABEL_WIDTH + BAR_AREA + 110,
        height=len(bars) * ROW_HEIGHT + 12,
        label_width=LABEL_WIDTH,
        bar_height=BAR_HEIGHT,
    )


def share_chart(points: list[tuple[str, int, float | None]]) -> Chart:
    """Horizontal bars of a share per period: (label, how many counted, share 0-1 or None)."""
    bars = [
        Bar(
            label=label,
            count=count,
            width=round(BAR_AREA * (share or 0.0), 1),
            y=index * ROW_HEIGHT + 6,
            rate="" if share is None else f"{share * 100:.0f}%",
        )
        for index, (label, count, share) in enumerate(points)
    ]
    return Chart(
        bars=bars,
        width=LABEL_WIDTH + BAR_AREA + 110,
        height=len(bars) * ROW_HEIGHT + 12,
        label_width=LABEL_WIDTH,
        bar_height=BAR_HEIGHT,
    )
