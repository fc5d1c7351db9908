"""Geometry for the server-rendered SVG charts (the CSP forbids inline script and style).

Templates only place the shapes computed here; every chart also has a data table or text beside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Column:
    label: str
    value: int
    x: float
    y: float
    width: float
    height: float
    text_x: float
    value_y: float
    label_y: float


@dataclass(frozen=True)
class ColumnChart:
    width: int
    height: int
    baseline: float
    columns: list[Column]


def column_chart(
    items: list[tuple[str, int]], *, width: int = 480, height: int = 200
) -> ColumnChart:
    """Vertical columns, one per item, scaled to the largest value (labels below, values above)."""
    top, bottom = 18.0, 22.0
    plot = height - top - bottom
    largest = max((value for _, value in items), default=0) or 1
    slot = width / max(len(items), 1)
    gap = slot * 0.2
    columns = []
    for index, (label, value) in enumerate(items):
        bar = plot * value / largest
        x = index * slot + gap / 2
        columns.append(
            Column(
                label=label,
                value=value,
                x=round(x, 2),
                y=round(top + plot - bar, 2),
                width=round(slot - gap, 2),
                height=round(bar, 2),
                text_x=round(x + (slot - gap) / 2, 2),
                value_y=round(top + plot - bar - 4, 2),
                label_y=round(height - 6, 2),
            )
        )
    return ColumnChart(width, height, round(top + plot, 2), columns)


@dataclass(frozen=True)
class Segment:
    label: str
    value: int
    x: float
    width: float
    css: str


@dataclass(frozen=True)
class RowBar:
    label: str
    value: int
    share_text: str
    width: float
    y: float


@dataclass(frozen=True)
class RowChart:
    width: int
    height: int
    label_width: int
    bar_height: int
    rows: list[RowBar]


def share_text(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)}%" if whole else "-"


def row_chart(items: list[tuple[str, int]], total: int, *, width: int = 440) -> RowChart:
    """Horizontal bars, one per item, as a share of ``total``."""
    label_width, bar_height, gap = 110, 22, 8
    plot = width - label_width - 70
    rows = [
        RowBar(
            label=label,
            value=value,
            share_text=share_text(value, total),
            width=round(plot * value / total, 2) if total else 0.0,
            y=float(index * (bar_height + gap)),
        )
        for index, (label, value) in enumerate(items)
    ]
    height = len(items) * (bar_height + gap)
    return RowChart(width, height, label_width, bar_height, rows)


def split_bar(items: list[tuple[str, int, str]], *, width: int = 480) -> list[Segment]:
    """One bar split into segments by share (e.g. voluntary vs assigned)."""
    total = sum(value for _, value, _ in items)
    segments = []
    x = 0.0
    for label, value, css in items:
        part = width * value / total if total else 0.0
        segments.append(Segment(label, value, round(x, 2), round(part, 2), css))
        x += part
    return segments


@dataclass(frozen=True)
class StepChart:
    width: int
    height: int
    points: str  # for <polyline points="...">
    levels: list[tuple[int, float]]  # gridlines: (level, y)
    start_label: str
    end_label: str
    plot_left: int
    plot_right: int


def step_chart(
    changes: list[tuple[datetime, int, int]],
    current: int,
    now: datetime,
    *,
    width: int = 600,
    height: int = 160,
    top_level: int = 4,
) -> StepChart:
    """A level over time as a step line: ``changes`` are (when, old level, new level), oldest
    first; the line ends at ``now`` on ``current``."""
    left, right, top, bottom = 40, 10, 10, 24
    plot_w, plot_h = width - left - right, height - top - bottom

    def y(level: int) -> float:
        return round(top + plot_h * (1 - level / top_level), 2)

    start = changes[0][0] if changes else now
    span = (now - start).total_seconds() or 1.0

    def x(when: datetime) -> float:
        return round(left + plot_w * (when - start).total_seconds() / span, 2)

    points: list[tuple[float, float]] = []
    if changes:
        points.append((x(start), y(changes[0][1])))
        for when, old, new in changes:
            points.append((x(when), y(old)))
            points.append((x(when), y(new)))
        points.append((float(left + plot_w), y(current)))
    else:
        points = [(float(left), y(current)), (float(left + plot_w), y(current))]
    return StepChart(
        width=width,
        height=height,
        points=" ".join(f"{px},{py}" for px, py in points),
        levels=[(level, y(level)) for level in range(top_level + 1)],
        start_label=start.strftime("%d %b %Y"),
        end_label=now.strftime("%d %b %Y"),
        plot_left=left,
        plot_right=left + plot_w,
    )


def heat_class(count: int, total: int) -> str:
    """``heat-0`` (nobody) to ``heat-5`` (everyone) for a heatmap cell."""
    if not count or not total:
        return "heat-0"
    return f"heat-{min(5, 1 + int(5 * count / total))}"
