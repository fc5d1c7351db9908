"""INSERT ... ON CONFLICT for SQLite and PostgreSQL (both speak it; SQLAlchemy has one construct
per dialect)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite

from lms.database import DbSession


def _insert(session: DbSession, table: Table) -> Any:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def upsert(
    session: DbSession,
    table: Table,
    rows: Sequence[dict[str, Any]],
    conflict_columns: list[str],
    update_columns: list[str],
) -> None:
    """Insert ``rows``; where ``conflict_columns`` match a row, update its ``update_columns``."""
    if not rows:
        return
    statement = _insert(session, table).values(list(rows))
    statement = statement.on_conflict_do_update(
        index_elements=conflict_columns,
        set_={name: statement.excluded[name] for name in update_columns},
    )
    session.execute(statement)


def insert_ignoring_conflicts(
    session: DbSession, table: Table, rows: Sequence[dict[str, Any]], conflict_columns: list[str]
) -> None:
    if not rows:
        return
    statement = _insert(session, table).on_conflict_do_nothing(index_elements=conflict_columns)
    session.execute(statement, list(rows))


def add_to_counts(session: DbSession, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert count rows; where a row exists (by ``uq_pulse_answer_counts_cell``), add to its
    ``count``."""
    if not rows:
        return
    statement = _insert(session, table)
    statement = statement.on_conflict_do_update(
        index_elements=["question_id", "round_start", "respondent_group", "job_function", "value"],
        set_={"count": table.c.count + statement.excluded["count"]},
    )
    session.execute(statement, list(rows))
