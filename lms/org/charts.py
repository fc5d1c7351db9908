"""Geometry for server-rendered SVG charts (no script, no inline style: the CSP forbids both).

Templates draw the shapes with classes styled in ``static/insights.css``; every chart sits next to
a table with the same figures, which is what screen readers get (the SVG is ``aria-hidden``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lms.org.service import Overview


@dataclass
class Series:
    label: str
    css: str
    points: str  # "x,y x,y ..." for <polyline>
    dots: list[tuple[float, float]] = field(default_factory=list)


@dataclass
class LineChart:
    width: int
    height: int
    left: int
    bottom: int
    series: list[Series]
    y_ticks: list[tuple[float, str]]  # y position, label
    x_labels: list[tuple[float, str]]  # x position, label


def line_chart(
    x_labels: Sequence[str],
    series: Sequence[tuple[str, str, Sequence[float | None]]],
    *,
    y_min: float,
    y_max: float,
    y_format: str = "{:.1f}",
    y_tick_count: int = 4,
    width: int = 640,
    height: int = 220,
    label_every: int | None = None,
) -> LineChart:
    """Lines over evenly spaced x positions; ``None`` values break nothing, they are skipped."""
    left, right, top, bottom = 44, 12, 10, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    count = max(len(x_labels), 1)
    step = plot_w / (count - 1) if count > 1 else 0.0
    span = (y_max - y_min) or 1.0

    def x_at(index: int) -> float:
        return round(left + index * step if count > 1 else left + plot_w / 2, 1)

    def y_at(value: float) -> float:
        clamped = min(max(value, y_min), y_max)
        return round(top + plot_h - (clamped - y_min) / span * plot_h, 1)

    drawn = []
    for label, css, values in series:
        dots = [(x_at(i), y_at(v)) for i, v in enumerate(values) if v is not None]
        drawn.append(Series(label, css, " ".join(f"{x},{y}" for x, y in dots), dots))
    ticks = [
        (y_at(y_min + span * i / y_tick_count), y_format.format(y_min + span * i / y_tick_count))
        for i in range(y_tick_count + 1)
    ]
    every = label_every or max(1, round(count / 8))
    labels = [(x_at(i), text) for i, text in enumerate(x_labels) if i % every == 0]
    return LineChart(width, height, left, height - bottom, drawn, ticks, labels)


@dataclass
class Segment:
    x: float
    width: float
    css: str
    label: str


def stacked_bar(parts: Sequence[tuple[float, str, str]], width: float = 300.0) -> list[Segment]:
    """Segments of one horizontal bar from (share 0-100, css class, label) parts."""
    segments = []
    x = 0.0
    for share, css, label in parts:
        w = round(width * share / 100.0, 2)
        segments.append(Segment(round(x, 2), w, css, label))
        x += w
    return segments


def position(value: float, low: float, high: float, width: float) -> float:
    """Where ``value`` sits on a scale from ``low`` to ``high`` drawn ``width`` wide."""
    span = (high - low) or 1.0
    return round(min(max(value - low, 0.0), span) / span * width, 1)


def org_trend_chart(data: Overview) -> LineChart:
    """The organisation view's trend: share at level 2+ and share of active learners per week,
    from the weekly snapshots of the whole organisation (weeks without one are gaps)."""
    by_week = {week.week_start: week for week in data.all_trend}
    return line_chart(
        [week.strftime("%d %b") for week in data.weeks],
        [
            (
                "Share at level 2+ (%)",
                "series-share",
                [by_week[w].practising_share * 100 if w in by_week else None for w in data.weeks],
            ),
            (
                "Active learners (%)",
                "series-active",
                [
                    100 * by_week[w].active_learners / by_week[w].people
                    if w in by_week and by_week[w].people
                    else None
                    for w in data.weeks
                ],
            ),
        ],
        y_min=0,
        y_max=100,
        y_format="{:.0f}%",
    )
