"""Figures in the words people use: durations as days, weeks, months or years, never "282.4 days".

Registered as template filters by ``lms.layout.init_app``; plain functions so services and exports
can say the same thing.
"""

from __future__ import annotations

DAYS_IN_MONTH = 365.25 / 12


def _count(number: int, unit: str) -> str:
    return f"{number} {unit}" if number == 1 else f"{number} {unit}s"


def duration_in_words(days: float | None) -> str:
    """A span of ``days`` rounded the way people say it.

    Under two weeks in days, under two months in weeks, under two years in months (with "about",
    since a month is not a fixed number of days), then in years.
    """
    if days is None:
        return "not known"
    if days < 1:
        return "less than a day"
    if days < 14:
        return _count(round(days), "day")
    if days < 2 * DAYS_IN_MONTH:
        return _count(round(days / 7), "week")
    if days < 730:
        return "about " + _count(round(days / DAYS_IN_MONTH), "month")
    return "about " + _count(round(days / 365.25), "year")
