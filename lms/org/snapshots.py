"""Weekly snapshots: literacy and engagement per job function, department and the whole
organisation, computed in SQL and upserted (taking a week again replaces its rows).

For a week (Monday 00:00 to the next Monday, UTC):

- people: active people created before the week ended;
- average level and share at level 2+: each person's *overall* level as of the end of the week,
  read from the level history (``LevelChange``), 0 without any;
- active learners: people who did something in the week (any activity event but ``enrolled``,
  which an assignment records without the learner doing anything);
- completions: courses completed in the week.

The same figures are kept for the *measured* people of each group (group type ``measured``, key
``all``, ``function:<function>`` or ``department:<head id>``), and the whole organisation is
counted per overall level (group type ``level``, key ``none`` for the people not measured, ``0`` to
``4`` for the measured): "measured by the end of the week" is lms.literacy.coverage.measured_by.
They give the organisation view its coverage and its level shares of the measured, then and now.

Departments are the subtrees of the direct reports of the top of the organisation (people without
a manager); the group key is the department head's user id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import (
    CTE,
    String,
    and_,
    case,
    cast,
    delete,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import aliased

from lms.activity.models import ActivityEvent
from lms.database import DbSession
from lms.learn.models import Enrolment
from lms.literacy.coverage import measured_by
from lms.literacy.models import OVERALL, LevelChange
from lms.org.models import Snapshot
from lms.org.upsert import upsert
from lms.people.models import User, utcnow
from lms.summaries.store import forget as forget_summaries

# The organisation view's stored summary (lms.summaries.store), which holds the trend.
OVERVIEW_SUMMARY_KEY = "org"
# Group types beyond the plain groups (lms.org.models.GROUP_TYPES); see the module docstring.
MEASURED = "measured"
LEVEL = "level"
NOT_MEASURED_KEY = "none"


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def department_members(name: str = "department_tree") -> CTE:
    """A recursive CTE (id, dept): every person below the top of the organisation with the id of
    their department head (a direct report of someone without a manager; the head is included)."""
    top = aliased(User)
    head = aliased(User)
    anchor = (
        select(head.id.label("id"), head.id.label("dept"))
        .join(top, top.id == head.manager_id)
        .where(top.manager_id.is_(None))
    )
    tree = anchor.cte(name=name, recursive=True)
    child = aliased(User)
    return tree.union(select(child.id, tree.c.dept).where(child.manager_id == tree.c.id))


@dataclass(frozen=True)
class SnapshotRow:
    group_type: str
    group_key: str
    people: int
    average_level: float
    practising_share: float
    active_learners: int
    completions: int


def compute_week(session: DbSession, week: date) -> list[SnapshotRow]:
    """The figures of one week for every group: one statement."""
    start = week_start(week)
    start_at = datetime.combine(start, time.min)
    end_at = start_at + timedelta(days=7)
    person = _people_of_week(start_at, end_at)
    measures = [
        func.count(person.c.id),
        func.avg(person.c.level * 1.0),
        func.avg(case((person.c.level >= 2, 1.0), else_=0.0)),
        func.sum(person.c.active),
        func.sum(person.c.completions),
    ]
    measured = person.c.measured == 1
    in_department = person.c.dept.is_not(None)
    level_key = case((measured, cast(person.c.level, String)), else_=literal(NOT_MEASURED_KEY))
    statement = union_all(
        select(literal("all"), literal("all"), *measures),
        select(literal("function"), person.c.job_function, *measures).group_by(
            person.c.job_function
        ),
        select(literal("department"), cast(person.c.dept, String), *measures)
        .where(in_department)
        .group_by(person.c.dept),
        select(literal(MEASURED), literal("all"), *measures).where(measured),
        select(literal(MEASURED), literal("function:") + person.c.job_function, *measures)
        .where(measured)
        .group_by(person.c.job_function),
        select(literal(MEASURED), literal("department:") + cast(person.c.dept, String), *measures)
        .where(measured, in_department)
        .group_by(person.c.dept),
        # Grouped by the columns, not by the CASE: PostgreSQL would not match the CASE's
        # parameters in the GROUP BY with those in the select list.
        select(literal(LEVEL), level_key, *measures).group_by(person.c.measured, person.c.level),
    )
    rows: list[SnapshotRow] = []
    for group_type, key, people, average, share, active_n, completions in session.execute(
        statement
    ):
        if not people:
            continue
        rows.append(
            SnapshotRow(
                str(group_type),
                str(key),
                int(people),
                round(float(average or 0), 4),
                round(float(share or 0), 4),
                int(active_n or 0),
                int(completions or 0),
            )
        )
    rows.sort(key=lambda row: (row.group_type, row.group_key))  # a stable order on every backend
    return rows


def _people_of_week(start_at: datetime, end_at: datetime) -> CTE:
    """One row per person counted in the week: function, department, overall level and whether
    measured by the week's end, active in it, courses completed in it."""
    departments = department_members()
    ranked = (
        select(
            LevelChange.user_id,
            LevelChange.new_level,
            func.row_number()
            .over(
                partition_by=LevelChange.user_id,
                order_by=(LevelChange.changed_at.desc(), LevelChange.id.desc()),
            )
            .label("rank"),
        )
        .where(LevelChange.competency == OVERALL, LevelChange.changed_at < end_at)
        .subquery("ranked")
    )
    active = (
        select(ActivityEvent.user_id)
        .where(
            ActivityEvent.occurred_at >= start_at,
            ActivityEvent.occurred_at < end_at,
            ActivityEvent.verb != "enrolled",
        )
        .group_by(ActivityEvent.user_id)
        .subquery("active")
    )
    completed = (
        select(Enrolment.user_id, func.count(Enrolment.id).label("n"))
        .where(Enrolment.completed_at >= start_at, Enrolment.completed_at < end_at)
        .group_by(Enrolment.user_id)
        .subquery("completed")
    )
    level = func.coalesce(ranked.c.new_level, 0)
    return (
        select(
            User.id.label("id"),
            User.job_function.label("job_function"),
            departments.c.dept.label("dept"),
            level.label("level"),
            case((or_(level > 0, measured_by(User.id, end_at)), 1), else_=0).label("measured"),
            case((active.c.user_id.is_not(None), 1), else_=0).label("active"),
            func.coalesce(completed.c.n, 0).label("completions"),
        )
        .select_from(User)
        .outerjoin(departments, departments.c.id == User.id)
        .outerjoin(ranked, and_(ranked.c.user_id == User.id, ranked.c.rank == 1))
        .outerjoin(active, active.c.user_id == User.id)
        .outerjoin(completed, completed.c.user_id == User.id)
        .where(User.active.is_(True), User.created_at < end_at)
        .cte("person")  # used by every branch below: both backends compute it once
    )


def take_snapshot(session: DbSession, week: date) -> list[SnapshotRow]:
    """Compute and store one week (replacing what was stored for it). Flushes only."""
    start = week_start(week)
    rows = compute_week(session, start)
    now = utcnow()
    upsert(
        session,
        Snapshot.__table__,
        [
            {
                "week_start": start,
                "group_type": row.group_type,
                "group_key": row.group_key,
                "people": row.people,
                "average_level": row.average_level,
                "practising_share": row.practising_share,
                "active_learners": row.active_learners,
                "completions": row.completions,
                "taken_at": now,
            }
            for row in rows
        ],
        ["week_start", "group_type", "group_key"],
        [
            "people",
            "average_level",
            "practising_share",
            "active_learners",
            "completions",
            "taken_at",
        ],
    )
    # Groups that existed when the week was last taken but are empty now.
    keep = {(row.group_type, row.group_key) for row in rows}
    stale = [
        snapshot_id
        for snapshot_id, group_type, key in session.execute(
            select(Snapshot.id, Snapshot.group_type, Snapshot.group_key).where(
                Snapshot.week_start == start
            )
        )
        if (group_type, key) not in keep
    ]
    if stale:
        session.execute(delete(Snapshot).where(Snapshot.id.in_(stale)))
    forget_summaries(session, OVERVIEW_SUMMARY_KEY)  # its trend lacks this week
    session.flush()
    return rows
