"""An optional, short-lived cache of dashboard summaries, per worker process.

A large team's summary costs a few hundred milliseconds of aggregates; managers reload it far more
often than its figures change. With ``TEAM_SUMMARY_CACHE_SECONDS`` (environment:
``LMS_TEAM_SUMMARY_CACHE_SECONDS``) above 0, a summary is reused for that long, keyed by the
scope's root and switch only: access is checked before the cache is asked, and the figures for a
scope are the same whoever may see it. Off (0) by default, so figures are always current.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

T = TypeVar("T")

MAX_ENTRIES = 512


class TtlCache(Generic[T]):
    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._entries: OrderedDict[Hashable, tuple[float, T]] = OrderedDict()
        self._lock = threading.Lock()
        self._max = max_entries

    def get_or_compute(self, key: Hashable, ttl: float, compute: Callable[[], T]) -> T:
        now = time.monotonic()
        with self._lock:
            found = self._entries.get(key)
            if found is not None and found[0] > now:
                self._entries.move_to_end(key)
                return found[1]
        value = compute()  # outside the lock: a slow aggregate must not block other teams
        with self._lock:
            self._entries[key] = (now + ttl, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)
        return value

    def __len__(self) -> int:
        return len(self._entries)
