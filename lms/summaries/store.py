"""Read summaries: a large scope's dashboard figures, computed ahead and read in one statement.

A team dashboard or organisation view over thousands of people costs hundreds of milliseconds
to seconds of aggregates (docs/dashboards.md). Those figures change slowly, so for scopes of at
least ``SUMMARY_LIVE_BELOW`` people (default 250) they are kept in ``dashboard_summaries`` and a
page view reads one row. Smaller scopes are computed on every view: cheap, and always current.

Freshness:
- A stored summary is served while younger than ``SUMMARY_MAX_AGE_SECONDS`` (default 300). The
  page says when its figures were computed and offers "Refresh now".
- When it is older, the first worker to claim it (a conditional UPDATE, committed at once)
  recomputes it; every other request keeps getting the previous figures meanwhile, so one slow
  recompute never queues a crowd behind it (stale-while-revalidate across workers).
- ``flask --app wsgi lms summaries refresh`` (cron, e.g. every 5 minutes) recomputes them all
  ahead of the readers; the large demo runs it too.
- Changes that move people between scopes (org import, a new manager, deactivation) and new
  weekly snapshots delete the stored rows in their own transaction (:func:`forget`).

Claims and stored rows are written on a connection of their own, committed at once, and not in
the request's unit of work: they are a cache of data the request only reads, another worker must
see a claim before the recompute ends, and a GET must not leave the request's session dirty.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from sqlalchemy import Engine, bindparam, delete, or_, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from lms.database import DbSession
from lms.summaries import codec
from lms.summaries.models import StoredSummary

T = TypeVar("T")
V = TypeVar("V")

DEFAULT_MAX_AGE_SECONDS = 300
DEFAULT_LIVE_BELOW = 250
# How long a claim to recompute holds: past it (the worker died), another worker may claim.
CLAIM_SECONDS = 120


@dataclass(frozen=True)
class Policy:
    max_age: timedelta
    live_below: int  # scopes with fewer people are computed on every view, never stored

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Policy:
        return cls(
            max_age=timedelta(
                seconds=float(config.get("SUMMARY_MAX_AGE_SECONDS", DEFAULT_MAX_AGE_SECONDS))
            ),
            live_below=int(config.get("SUMMARY_LIVE_BELOW", DEFAULT_LIVE_BELOW)),
        )


@dataclass(frozen=True)
class Summary(Generic[T]):
    key: str
    value: T
    computed_at: datetime
    stored: bool  # read from (or just written to) the store; False: computed live, small scope
    refreshing: bool = False  # expired, and another worker is recomputing it

    @property
    def cache_key(self) -> tuple[str, datetime] | None:
        """Identifies these exact figures, for caching what is rendered from them."""
        return (self.key, self.computed_at) if self.stored else None


class LruCache(Generic[V]):
    """A small thread-safe least-recently-used map, per worker process."""

    def __init__(self, size: int = 256) -> None:
        self._entries: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()
        self._size = size

    def get_or_make(self, key: Hashable, make: Callable[[], V]) -> V:
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
        value = make()  # outside the lock: other keys must not wait for it
        with self._lock:
            self._entries[key] = value
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
        return value

    def __len__(self) -> int:
        return len(self._entries)


# On the table, not the mapped class: a Core statement skips the ORM's compile and result layers
# (33 instead of 70 microseconds a read on SQLite), and this read is on every large team's page.
_TABLE = StoredSummary.__table__
_READ = select(_TABLE.c.payload, _TABLE.c.computed_at, _TABLE.c.people).where(
    _TABLE.c.key == bindparam("key")
)

logger = logging.getLogger(__name__)

# Decoded summaries by (database, key, computed_at): a stored summary is decoded once per worker.
# Values are shared between requests and must not be changed.
_decoded: LruCache[Any] = LruCache()


def load_summary(
    session: DbSession,
    key: str,
    cls: type[T],
    compute: Callable[[], T],
    people_of: Callable[[T], int],
    now: datetime,
    policy: Policy,
    force: bool = False,
) -> Summary[T]:
    """The figures for ``key``: stored if fresh, else recomputed (see the module docstring).

    ``force`` recomputes a stored summary now (unless another worker already is).
    """
    row = session.execute(_READ, {"key": key}).first()
    if row is not None and row.people < policy.live_below:
        row = None  # the scope is small (now, or under this configuration): compute it live
    if row is not None:
        fresh = row.computed_at > now - policy.max_age
        if (fresh and not force) or not _claim(_engine(session), key, now):
            identity = (_engine(session).url.render_as_string(), key, row.computed_at)
            try:
                value = _decoded.get_or_make(identity, lambda: codec.loads(cls, row.payload))
            except (TypeError, ValueError, KeyError, AttributeError):
                # Stored by a version of the code whose figures had another shape (a deploy
                # since): recompute rather than fail the page.
                logger.warning("stored summary %s could not be read; recomputing it", key)
            else:
                return Summary(key, value, row.computed_at, True, refreshing=not fresh)
    started = time.perf_counter()
    value = compute()
    people = people_of(value)
    if row is None and people < policy.live_below:
        return Summary(key, value, now, False)
    milliseconds = round((time.perf_counter() - started) * 1000)
    _store(_engine(session), key, people, codec.dumps(value), now, milliseconds)
    return Summary(key, value, now, True)


def forget(session: DbSession, prefix: str | None = None) -> None:
    """Delete stored summaries (all, or those whose key starts with ``prefix``) in the caller's
    transaction: for changes after which they would be wrong, not merely old."""
    statement = delete(StoredSummary)
    if prefix is not None:
        statement = statement.where(StoredSummary.key.startswith(prefix, autoescape=True))
    session.execute(statement)


def discard(session: DbSession, keys: list[str]) -> None:
    """Delete stored summaries that are no longer worth keeping, at once, on the store's own
    connection like every write of a refresh (a pending write in the caller's session would hold
    SQLite's lock while the refresh writes)."""
    with _engine(session).begin() as connection:
        connection.execute(delete(StoredSummary).where(StoredSummary.key.in_(keys)))


def stored_keys(session: DbSession) -> list[str]:
    return list(session.scalars(select(StoredSummary.key).order_by(StoredSummary.key)))


def _engine(session: DbSession) -> Engine:
    bind = session.get_bind()
    return bind if isinstance(bind, Engine) else bind.engine


def _claim(engine: Engine, key: str, now: datetime) -> bool:
    """True if this worker may recompute ``key``: nobody holds a live claim on it."""
    with engine.begin() as connection:
        result = connection.execute(
            update(StoredSummary)
            .where(
                StoredSummary.key == key,
                or_(
                    StoredSummary.refresh_claimed_until.is_(None),
                    StoredSummary.refresh_claimed_until < now,
                ),
            )
            .values(refresh_claimed_until=now + timedelta(seconds=CLAIM_SECONDS))
        )
        return bool(result.rowcount)


def _store(
    engine: Engine, key: str, people: int, payload: str, now: datetime, milliseconds: int
) -> None:
    values = {
        "key": key,
        "people": people,
        "payload": payload,
        "computed_at": now,
        "compute_ms": milliseconds,
        "refresh_claimed_until": None,
    }
    insert = postgresql_insert if engine.dialect.name == "postgresql" else sqlite_insert
    statement = insert(StoredSummary).values(values)
    statement = statement.on_conflict_do_update(
        index_elements=[StoredSummary.key],
        set_={name: statement.excluded[name] for name in values if name != "key"},
    )
    with engine.begin() as connection:
        connection.execute(statement)
