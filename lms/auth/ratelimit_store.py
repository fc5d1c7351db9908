"""A throttling store in the app's own database: ``LMS_RATELIMIT_STORAGE_URI=database://`` (the
default).

Flask-Limiter's in-memory store counts in each worker process, so with four gunicorn workers a
"5 per minute" login limit let through up to twenty guesses, and whether a request was refused
depended on the worker it reached. This store keeps the counters in the ``rate_limit_counters``
table of the database every worker (and every server) already shares, so nothing else needs to
run; ``redis://...`` remains the choice for a busy site.

Each counter is one row, changed by one atomic upsert (``INSERT ... ON CONFLICT DO UPDATE ...
RETURNING``, on SQLite and PostgreSQL alike) in its own short transaction, on its own connection:
a count is never lost to a concurrent one nor to the request's own rollback. Only the
fixed-window strategy (Flask-Limiter's default) is supported. Rows past their window are deleted
now and then by the writes themselves.
"""

from __future__ import annotations

import hashlib
import itertools
import time
from typing import Any

from limits.storage import Storage
from sqlalchemy import Engine, case, delete, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from lms.auth.models import RateLimitCounter
from lms.extensions import db

# One write in this many also deletes the expired rows (keys of typed emails pile up otherwise).
PURGE_EVERY = 200

_table = RateLimitCounter.__table__


def _digest(key: str) -> str:
    # Keys carry whatever was typed as an email: any length, any character (NUL included).
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


class DatabaseStorage(Storage):
    """A ``limits`` storage over the Flask app's SQLAlchemy engine (``db.engine``)."""

    STORAGE_SCHEME = ["database"]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: Any):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self._writes = itertools.count(1)

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return SQLAlchemyError

    @staticmethod
    def _engine() -> Engine:
        # The current app's engine: every request and command runs inside an app context.
        engine: Engine = db.engine
        return engine

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Add ``amount`` to the counter, starting a new window of ``expiry`` seconds if there
        was none or it had ended; the new count."""
        now = time.time()
        engine = self._engine()
        is_postgresql = engine.dialect.name == "postgresql"
        insert = postgresql.insert(_table) if is_postgresql else sqlite.insert(_table)
        new = insert.excluded
        ended = _table.c.expires_at <= now
        statement = (
            insert.values(key=_digest(key), count=amount, expires_at=now + expiry)
            .on_conflict_do_update(
                index_elements=[_table.c.key],
                set_={
                    "count": case((ended, new.count), else_=_table.c.count + new.count),
                    "expires_at": case((ended, new.expires_at), else_=_table.c.expires_at),
                },
            )
            .returning(_table.c.count)
        )
        with engine.begin() as connection:
            if next(self._writes) % PURGE_EVERY == 0:
                connection.execute(delete(_table).where(_table.c.expires_at <= now))
            count: int = connection.execute(statement).scalar_one()
        return count

    def get(self, key: str) -> int:
        with self._engine().connect() as connection:
            count = connection.scalar(
                select(_table.c.count).where(
                    _table.c.key == _digest(key), _table.c.expires_at > time.time()
                )
            )
        return int(count or 0)

    def get_expiry(self, key: str) -> float:
        now = time.time()
        with self._engine().connect() as connection:
            expires_at = connection.scalar(
                select(_table.c.expires_at).where(
                    _table.c.key == _digest(key), _table.c.expires_at > now
                )
            )
        return float(expires_at) if expires_at is not None else now

    def check(self) -> bool:
        try:
            with self._engine().connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        with self._engine().begin() as connection:
            deleted: int = connection.execute(delete(_table)).rowcount
        return deleted

    def clear(self, key: str) -> None:
        with self._engine().begin() as connection:
            connection.execute(delete(_table).where(_table.c.key == _digest(key)))
