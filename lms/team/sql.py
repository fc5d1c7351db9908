"""SQL pieces the team queries need that differ between SQLite and PostgreSQL, or are fiddly."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Float
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


class days_between(FunctionElement[float]):
    """``later - earlier`` in days (fractional), for two timestamp expressions."""

    type = Float()
    name = "days_between"
    inherit_cache = True


@compiles(days_between, "sqlite")
def _days_between_sqlite(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = list(element.clauses)
    return (
        f"(julianday({compiler.process(later, **kw)}) - "
        f"julianday({compiler.process(earlier, **kw)}))"
    )


@compiles(days_between)
def _days_between_default(element: days_between, compiler: SQLCompiler, **kw: Any) -> str:
    # PostgreSQL (and the SQL standard): the epoch of an interval is its length in seconds.
    later, earlier = list(element.clauses)
    return (
        f"(EXTRACT(EPOCH FROM ({compiler.process(later, **kw)} - "
        f"{compiler.process(earlier, **kw)})) / 86400.0)"
    )


def week_start(day: date) -> datetime:
    """Midnight of the Monday that starts the ISO week of ``day``."""
    monday = day - timedelta(days=day.weekday())
    return datetime(monday.year, monday.month, monday.day)


def week_starts(now: datetime, weeks: int) -> list[datetime]:
    """The starts of the last ``weeks`` ISO weeks, oldest first; the last is the current week."""
    current = week_start(now.date())
    return [current - timedelta(weeks=weeks - 1 - number) for number in range(weeks)]
