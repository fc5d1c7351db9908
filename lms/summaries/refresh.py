"""Recomputing every stored summary ahead of its readers (``lms summaries refresh``, for cron).

Which scopes: the organisation view and the whole subtree of every manager with at least
``SUMMARY_LIVE_BELOW`` active people below them, plus any other stored team scope (the direct
reports switch of a very large team). Stored team scopes that are no longer large are deleted.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

from lms.database import DbSession
from lms.org.service import stored_overview
from lms.people.org import large_subtrees
from lms.summaries.store import Policy, discard, stored_keys
from lms.team.dashboard import stored_team_summary, summary_key
from lms.team.scope import Scope


@dataclass(frozen=True)
class Refreshed:
    key: str
    people: int
    stored: bool  # False: computed, but too small to keep (or another worker was refreshing it)
    seconds: float


def team_scope_of(key: str) -> Scope | None:
    """The scope a stored team key names (``team:<root id>:all|direct``), else None."""
    parts = key.split(":")
    if len(parts) != 3 or parts[0] != "team" or not parts[1].isdigit():
        return None
    root = int(parts[1])
    return Scope(root, root, direct_only=parts[2] == "direct")


def refresh_all(session: DbSession, now: datetime, policy: Policy) -> list[Refreshed]:
    """Recompute (and store) every summary worth storing. Writes nothing in ``session``: the
    store writes on its own connection as each summary is computed (lms.summaries.store)."""
    scopes = {
        summary_key(scope): scope
        for scope in (
            Scope(manager_id, manager_id)
            for manager_id, _ in large_subtrees(session, policy.live_below)
        )
    }
    gone = []
    for key in stored_keys(session):
        scope = team_scope_of(key)
        if scope is None:
            continue
        if scope.direct_only:
            scopes.setdefault(key, scope)
        elif key not in scopes:
            gone.append(key)
    if gone:
        discard(session, gone)
    done = []
    started = time.perf_counter()
    overview = stored_overview(session, now, policy, force=True)
    if not overview.stored:
        discard(session, [overview.key])  # the organisation is small (now): computed live
    done.append(
        Refreshed(
            overview.key,
            overview.value.total.people,
            overview.stored and overview.computed_at == now,
            time.perf_counter() - started,
        )
    )
    for key, scope in scopes.items():
        started = time.perf_counter()
        team = stored_team_summary(session, scope, now, policy, force=True)
        done.append(
            Refreshed(
                key,
                team.value.totals.people,
                team.stored and team.computed_at == now,
                time.perf_counter() - started,
            )
        )
    return done
