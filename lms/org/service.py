"""What the organisation view reads: current levels (aggregated in SQL) and stored snapshots.

Nothing here loads people into Python: each figure is one aggregate statement, so the page runs
the same statements for 30 people and for 10,000.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, select, union_all
from sqlalchemy.sql.elements import ColumnElement

from lms.courses.vocabulary import COMPETENCIES
from lms.database import DbSession
from lms.learn.models import Enrolment
from lms.literacy.models import OVERALL, LiteracyLevel
from lms.org.models import OrgSetting, Snapshot
from lms.org.snapshots import OVERVIEW_SUMMARY_KEY, department_members, week_start
from lms.people.models import JOB_FUNCTIONS, User, utcnow
from lms.recognition.models import BadgeAward
from lms.summaries.store import Policy, Summary, load_summary

SHOW_LEADERS = "show_leaders_learning"
TREND_WEEKS = 26


# ------------------------------------------------------------------------------------- settings


def get_setting(session: DbSession, key: str) -> str | None:
    return session.scalar(select(OrgSetting.value).where(OrgSetting.key == key))


def set_setting(session: DbSession, key: str, value: str, by: User | None) -> None:
    setting = session.get(OrgSetting, key)
    if setting is None:
        setting = OrgSetting(key=key)
        session.add(setting)
    setting.value = value
    setting.updated_at = utcnow()
    setting.updated_by_id = by.id if by else None
    session.flush()


def leaders_shown(session: DbSession) -> bool:
    return get_setting(session, SHOW_LEADERS) == "on"


# -------------------------------------------------------------------------------- current levels


@dataclass
class GroupLevels:
    key: str
    label: str
    people: int
    average: float
    practising: int  # people at overall level 2 or more
    distribution: list[int]  # people at overall level 0..4
    trend: list[float | None] = field(default_factory=list)  # practising share per week
    change: float | None = None  # practising share now minus the oldest stored week

    @property
    def practising_share(self) -> float:
        return self.practising / self.people if self.people else 0.0


def _level_columns(level: ColumnElement[int]) -> list[ColumnElement[Any]]:
    return [
        func.count(User.id),
        func.coalesce(func.sum(level), 0),
        func.coalesce(func.sum(case((level >= 2, 1), else_=0)), 0),
        *[func.coalesce(func.sum(case((level == value, 1), else_=0)), 0) for value in range(5)],
    ]


def _group(key: str, label: str, values: tuple[object, ...]) -> GroupLevels:
    people, total, practising, *distribution = (int(v or 0) for v in values)  # type: ignore[call-overload]
    return GroupLevels(
        key=key,
        label=label,
        people=people,
        average=total / people if people else 0.0,
        practising=practising,
        distribution=distribution,
    )


def levels_by_function(session: DbSession) -> list[GroupLevels]:
    level = func.coalesce(LiteracyLevel.level, 0)
    rows = session.execute(
        select(User.job_function, *_level_columns(level))
        .select_from(User)
        .outerjoin(
            LiteracyLevel,
            and_(LiteracyLevel.user_id == User.id, LiteracyLevel.competency == OVERALL),
        )
        .where(User.active.is_(True))
        .group_by(User.job_function)
    ).all()
    groups = [
        _group(str(row[0]), JOB_FUNCTIONS.get(str(row[0]), str(row[0])), tuple(row[1:]))
        for row in rows
    ]
    order = list(JOB_FUNCTIONS)
    return sorted(groups, key=lambda g: order.index(g.key) if g.key in order else len(order))


def area_distribution(session: DbSession, people: int) -> dict[str, list[int]]:
    """Active people at each level (0-4) per competency area, people without a level counting 0.

    One statement, read from the (competency, level) index alone: every stored level, minus
    those of deactivated people (few), rather than a join over every row.
    """
    inactive = select(User.id).where(User.active.is_(False))
    stored = select(
        LiteracyLevel.competency, LiteracyLevel.level, func.count().label("n")
    ).group_by(LiteracyLevel.competency, LiteracyLevel.level)
    gone = (
        select(LiteracyLevel.competency, LiteracyLevel.level, (-func.count()).label("n"))
        .where(LiteracyLevel.user_id.in_(inactive))
        .group_by(LiteracyLevel.competency, LiteracyLevel.level)
    )
    counts: dict[str, list[int]] = {area: [0] * 5 for area in COMPETENCIES}
    for competency, value, n in session.execute(union_all(stored, gone)):
        if competency in counts and 0 <= int(value) <= 4:
            counts[competency][int(value)] += int(n)
    for distribution in counts.values():
        distribution[0] = max(0, people - sum(distribution[1:]))
    return counts


def levels_by_department(session: DbSession) -> list[GroupLevels]:
    tree = department_members()
    head = User.__table__.alias("head")
    level = func.coalesce(LiteracyLevel.level, 0)
    rows = session.execute(
        select(tree.c.dept, head.c.name, head.c.title, *_level_columns(level))
        .select_from(User)
        .join(tree, tree.c.id == User.id)
        .join(head, head.c.id == tree.c.dept)
        .outerjoin(
            LiteracyLevel,
            and_(LiteracyLevel.user_id == User.id, LiteracyLevel.competency == OVERALL),
        )
        .where(User.active.is_(True))
        .group_by(tree.c.dept, head.c.name, head.c.title)
        .order_by(head.c.name)
    ).all()
    return [
        _group(str(row[0]), f"{row[1]}" + (f" ({row[2]})" if row[2] else ""), tuple(row[3:]))
        for row in rows
    ]


@dataclass(frozen=True)
class TrendWeek:
    """The whole organisation's snapshot of one week."""

    week_start: date
    people: int
    average_level: float
    practising_share: float
    active_learners: int
    completions: int


@dataclass
class Overview:
    total: GroupLevels
    areas: dict[str, list[int]]  # people at levels 0-4 per competency area
    functions: list[GroupLevels]
    departments: list[GroupLevels]
    weeks: list[date]
    all_trend: list[TrendWeek]


def stored_overview(
    session: DbSession, now: datetime, policy: Policy, force: bool = False
) -> Summary[Overview]:
    """The overview: computed now for a small organisation, from the read summaries for a large
    one (lms.summaries.store)."""
    return load_summary(
        session,
        OVERVIEW_SUMMARY_KEY,
        Overview,
        lambda: overview(session, now.date()),
        lambda data: data.total.people,
        now,
        policy,
        force,
    )


def overview(session: DbSession, today: date) -> Overview:
    """Four statements: levels by function, by department, by area, and the snapshots."""
    functions = levels_by_function(session)
    departments = levels_by_department(session)
    since = week_start(today) - timedelta(weeks=TREND_WEEKS - 1)
    # Plain rows, not ORM objects: a few hundred of them, read on every view.
    snapshots: list[Any] = list(
        session.execute(
            select(
                Snapshot.week_start,
                Snapshot.group_type,
                Snapshot.group_key,
                Snapshot.people,
                Snapshot.average_level,
                Snapshot.practising_share,
                Snapshot.active_learners,
                Snapshot.completions,
            )
            .where(Snapshot.week_start >= since)
            .order_by(Snapshot.week_start, Snapshot.group_type, Snapshot.group_key)
        )
    )
    weeks = sorted({s.week_start for s in snapshots})
    index = {week: i for i, week in enumerate(weeks)}
    by_group: dict[tuple[str, str], list[float | None]] = defaultdict(lambda: [None] * len(weeks))
    for snapshot in snapshots:
        by_group[(snapshot.group_type, snapshot.group_key)][index[snapshot.week_start]] = (
            snapshot.practising_share
        )
    for group_type, groups in (("function", functions), ("department", departments)):
        for group in groups:
            group.trend = by_group.get((group_type, group.key), [None] * len(weeks))
            first = next((value for value in group.trend if value is not None), None)
            group.change = None if first is None else group.practising_share - first
    people = sum(g.people for g in functions)
    total = GroupLevels(
        key="all",
        label="Whole organisation",
        people=people,
        average=sum(g.average * g.people for g in functions) / people if people else 0.0,
        practising=sum(g.practising for g in functions),
        distribution=[sum(g.distribution[i] for g in functions) for i in range(5)],
    )
    return Overview(
        total=total,
        areas=area_distribution(session, people),
        functions=functions,
        departments=departments,
        weeks=weeks,
        all_trend=[
            TrendWeek(
                week_start=s.week_start,
                people=s.people,
                average_level=s.average_level,
                practising_share=s.practising_share,
                active_learners=s.active_learners,
                completions=s.completions,
            )
            for s in snapshots
            if s.group_type == "all"
        ],
    )


# -------------------------------------------------------------------------- leading by example


@dataclass
class Leader:
    id: int
    name: str
    title: str
    function: str
    overall: int
    courses_completed: int
    courses_in_progress: int
    badges: int
    last_completed: object | None


def leaders(session: DbSession) -> list[Leader]:
    """The executives' own learning: one statement."""
    completed = (
        select(func.count(Enrolment.id))
        .where(Enrolment.user_id == User.id, Enrolment.completed_at.is_not(None))
        .correlate(User)
        .scalar_subquery()
    )
    in_progress = (
        select(func.count(Enrolment.id))
        .where(Enrolment.user_id == User.id, Enrolment.completed_at.is_(None))
        .correlate(User)
        .scalar_subquery()
    )
    last_completed = (
        select(func.max(Enrolment.completed_at))
        .where(Enrolment.user_id == User.id)
        .correlate(User)
        .scalar_subquery()
    )
    badges = (
        select(func.count(BadgeAward.id))
        .where(BadgeAward.user_id == User.id, BadgeAward.revoked_at.is_(None))
        .correlate(User)
        .scalar_subquery()
    )
    rows = session.execute(
        select(
            User.id,
            User.name,
            User.title,
            User.job_function,
            func.coalesce(LiteracyLevel.level, 0),
            completed,
            in_progress,
            badges,
            last_completed,
        )
        .outerjoin(
            LiteracyLevel,
            and_(LiteracyLevel.user_id == User.id, LiteracyLevel.competency == OVERALL),
        )
        .where(User.is_executive.is_(True), User.active.is_(True))
        .order_by(User.name)
    ).all()
    return [
        Leader(
            id=row[0],
            name=row[1],
            title=row[2],
            function=JOB_FUNCTIONS.get(row[3], str(row[3])),
            overall=int(row[4]),
            courses_completed=int(row[5] or 0),
            courses_in_progress=int(row[6] or 0),
            badges=int(row[7] or 0),
            last_completed=row[8],
        )
        for row in rows
    ]


def this_week() -> date:
    return week_start(utcnow().date())
