"""Geometry for server-rendered SVG charts (no script, no inline style: the CSP forbids both).

Templates draw the shapes with classes styled in ``static/insights.css``; every chart sits next to
a table with the same figures, which is what screen readers get (the SVG is ``aria-hidden``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lms.org.service import Overview, TrendWeek


@dataclass
class Series:
    label: str
    css: str
    # One "x,y x,y ..." per <polyline>: a run of values without a gap. A missing value (a week
    # without a snapshot, a round whose group was too small to show) ends a run, so no line is
    # drawn across it: joining the points on either side would suggest a figure that is not there.
    segments: list[str]
    dots: list[tuple[float, float]] = field(default_factory=list)


def runs(points: Sequence[tuple[float, float] | None]) -> list[list[tuple[float, float]]]:
    """The runs of consecutive points between gaps (``None``)."""
    found: list[list[tuple[float, float]]] = [[]]
    for point in points:
        if point is None:
            if found[-1]:
                found.append([])
        else:
            found[-1].append(point)
    return [run for run in found if run]


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
    """Lines over evenly spaced x positions; a ``None`` value is a gap: no dot, and the line
    breaks there (see ``Series.segments``)."""
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
        points = [None if v is None else (x_at(i), y_at(v)) for i, v in enumerate(values)]
        segments = [" ".join(f"{x},{y}" for x, y in run) for run in runs(points)]
        drawn.append(Series(label, css, segments, [p for p in points if p is not None]))
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
    """The organisation view's trend from the weekly snapshots of the whole organisation: share
    of people measured, share of the measured at level 2+, share of people active. Weeks without
    a snapshot, or taken before measured people were counted, are gaps."""
    by_week = {week.week_start: week for week in data.all_trend}

    def percent(value: float | None) -> float | None:
        return None if value is None else 100 * value

    def series(figure: Callable[[TrendWeek], float | None]) -> list[float | None]:
        return [percent(figure(by_week[w])) if w in by_week else None for w in data.weeks]

    return line_chart(
        [week.strftime("%d %b") for week in data.weeks],
        [
            ("Measured (% of people)", "series-coverage", series(lambda w: w.coverage)),
            (
                "At level 2+ (% of the measured)",
                "series-share",
                series(lambda w: w.practising_share),
            ),
            (
                "Active learners (% of people)",
                "series-active",
                series(lambda w: w.active_learners / w.people if w.people else None),
            ),
        ],
        y_min=0,
        y_max=100,
        y_format="{:.0f}%",
    )
