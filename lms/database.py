"""Engine set-up that differs per backend."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeAlias, TypeVar

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, scoped_session

from lms.extensions import db

# What services take: Flask-SQLAlchemy's ``db.session`` (a scoped_session proxy) or a plain Session.
DbSession: TypeAlias = Session | scoped_session[Any]


def configure_engine_events(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_on_connect)


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers proceed while one writer commits; the busy timeout makes concurrent writers
    # wait instead of failing at once; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def begin_outer_transaction(session: DbSession) -> None:
    """Make sure a SAVEPOINT (``session.begin_nested()``) is nested in a real transaction.

    pysqlite (Python < 3.12) starts a transaction only before INSERT/UPDATE/DELETE, so a SAVEPOINT
    issued first would itself be the outermost transaction and its RELEASE would commit: the
    caller's rollback could no longer undo what the savepoint wrote. PostgreSQL needs nothing.
    """
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return
    dbapi_connection: Any = connection.connection.dbapi_connection
    if dbapi_connection is not None and not dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN")


Result = TypeVar("Result")
# What losing a race looks like: PostgreSQL reports the unique constraint, SQLite a write lock
# held past the busy timeout or a stale snapshot.
LOST_RACE = (IntegrityError, OperationalError)


def commit_once_despite_races(
    session: DbSession,
    work: Callable[[], Result],
    before_retry: Callable[[], None] | None = None,
) -> Result:
    """Run ``work`` and commit. If a concurrent request won a race for the same row (a double
    click, two tabs), roll back and run ``work`` once more on fresh state, where it finds what the
    winner wrote (and returns it, or refuses with its own error); a second loss is raised. Errors
    of ``work`` itself are left to the caller, after a rollback. This is what makes enrolling,
    marking read, starting a quiz and scoring an attempt happen exactly once."""
    for tries in range(2):
        try:
            result = work()
            session.commit()
            return result
        except LOST_RACE:
            session.rollback()
            if tries:
                raise
            if before_retry is not None:
                before_retry()
        except Exception:
            session.rollback()
            raise
    raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises
