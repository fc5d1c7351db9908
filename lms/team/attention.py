"""The "needs attention" list: the people in a manager's subtree who are overdue on an assignment,
stalled, or have never started a course they are enrolled in.

One statement whatever the team's size: each person's three flags are correlated subqueries over
indexed columns, and only flagged people come back (the first ``limit`` by name). "Stalled" is the
definition the dashboard and the people table use (``lms.team.metrics``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import CTE, and_, case, exists, func, or_, select

from lms.activity.models import ActivityEvent
from lms.database import DbSession
from lms.learn.models import Enrolment
from lms.people.models import User
from lms.team.metrics import STALLED_DAYS, overdue_condition, stalled_condition
from lms.team.scope import in_cte

LIMIT = 20


@dataclass(frozen=True)
class AttentionItem:
    id: int
    name: str
    overdue: int
    stalled: bool
    never_started: bool

    @property
    def reasons(self) -> list[str]:
        words = []
        if self.overdue:
            words.append(
                "Overdue on an assignment"
                if self.overdue == 1
                else f"Overdue on {self.overdue} assignments"
            )
        if self.never_started:
            words.append("Has not started")
        elif self.stalled:
            words.append(f"No learning in over {STALLED_DAYS} days")
        return words


@dataclass(frozen=True)
class Attention:
    items: list[AttentionItem]
    more: bool  # more people need attention than are listed


def needs_attention(
    session: DbSession, members: CTE, now: datetime, limit: int = LIMIT
) -> Attention:
    """The flagged people among ``members`` (a CTE of ids the caller has already scoped)."""
    overdue = (
        select(func.count(Enrolment.id))
        .where(Enrolment.user_id == User.id, overdue_condition(now))
        .correlate(User)
        .scalar_subquery()
    )
    stalled = stalled_condition(User.id, now)
    unfinished = exists().where(Enrolment.user_id == User.id, Enrolment.completed_at.is_(None))
    started = exists().where(ActivityEvent.user_id == User.id, ActivityEvent.verb != "enrolled")
    never_started = and_(unfinished, ~started)  # nothing recorded beyond being enrolled
    rows = session.execute(
        select(
            User.id,
            User.name,
            overdue.label("overdue"),
            case((stalled, 1), else_=0).label("stalled"),
            case((never_started, 1), else_=0).label("never_started"),
        )
        .where(in_cte(User.id, members), or_(overdue > 0, stalled, never_started))
        .order_by(User.name, User.id)
        .limit(limit + 1)
    ).all()
    items = [
        AttentionItem(
            row.id, row.name, int(row.overdue), bool(row.stalled), bool(row.never_started)
        )
        for row in rows[:limit]
    ]
    return Attention(items, len(rows) > limit)
