"""What the organisation view reads: current levels (aggregated in SQL) and stored snapshots.

Nothing here loads people into Python: each figure is one aggregate statement, so the page runs
the same statements for 30 people and for 10,000.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Subquery, and_, case, func, select, union_all
from sqlalchemy.sql.elements import ColumnElement

from lms.courses.vocabulary import COMPETENCIES
from lms.database import DbSession
from lms.learn.models import Enrolment
from lms.literacy.coverage import has_evidence, measured_now
from lms.literacy.models import OVERALL, LiteracyLevel
from lms.org.models import OrgSetting, Snapshot
from lms.org.snapshots import (
    LEVEL,
    MEASURED,
    NOT_MEASURED_KEY,
    OVERVIEW_SUMMARY_KEY,
    department_members,
    week_start,
)
from lms.people.models import JOB_FUNCTIONS, User, utcnow
from lms.recognition.models import BadgeAward
from lms.summaries.store import Policy, Summary, load_summary

SHOW_LEADERS = "show_leaders_learning"
TREND_WEEKS = 26
PRACTISING = 2  # "Practising": the overall level from which someone uses AI with judgement


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


@dataclass(frozen=True)
class GroupWeek:
    """A group in one week's snapshot (weeks taken since measured people are counted)."""

    week_start: date
    people: int
    measured: int
    practising_share: float  # of the measured: share at overall level 2 or more

    @property
    def coverage(self) -> float:
        return self.measured / self.people if self.people else 0.0


@dataclass
class GroupLevels:
    """Active people of a group now: how many are measured, and the measured per overall level.

    No mean level: levels are an ordered scale, not amounts (level 2 is not twice level 1).
    """

    key: str
    label: str
    people: int
    measured: int
    distribution: list[int]  # measured people at overall level 0..4
    past: list[GroupWeek] = field(default_factory=list)  # oldest first

    @property
    def not_measured(self) -> int:
        return self.people - self.measured

    @property
    def coverage(self) -> float:
        return self.measured / self.people if self.people else 0.0

    @property
    def practising(self) -> int:
        return sum(self.distribution[PRACTISING:])

    @property
    def practising_share(self) -> float:
        """Of the measured (the same denominator as every level share)."""
        return self.practising / self.measured if self.measured else 0.0

    @property
    def median_level(self) -> int | None:
        """The overall level of the middle measured person (the lower one of an even count)."""
        return median_level(self.distribution)

    def week(self, start: date | None) -> GroupWeek | None:
        return next((week for week in self.past if week.week_start == start), None)


def median_level(distribution: list[int]) -> int | None:
    middle = (sum(distribution) + 1) // 2
    seen = 0
    for level, count in enumerate(distribution):
        seen += count
        if middle and seen >= middle:
            return level
    return None


def _measured_people() -> Subquery:
    """The ids of the people with counting evidence (lms.literacy.coverage), one row each."""
    return (
        select(LiteracyLevel.user_id.label("user_id"))
        .where(has_evidence())
        .group_by(LiteracyLevel.user_id)
        .subquery("measured")
    )


def _level_columns(level: ColumnElement[int], measured: Subquery) -> list[ColumnElement[Any]]:
    is_measured = measured.c.user_id.is_not(None)
    return [
        func.count(User.id),
        func.count(measured.c.user_id),
        *[
            func.coalesce(func.sum(case((and_(is_measured, level == value), 1), else_=0)), 0)
            for value in range(5)
        ],
    ]


def _group(key: str, label: str, values: tuple[object, ...]) -> GroupLevels:
    people, measured, *distribution = (int(v or 0) for v in values)  # type: ignore[call-overload]
    return GroupLevels(
        key=key, label=label, people=people, measured=measured, distribution=distribution
    )


def levels_by_function(session: DbSession) -> list[GroupLevels]:
    level = func.coalesce(LiteracyLevel.level, 0)
    measured = _measured_people()
    rows = session.execute(
        select(User.job_function, *_level_columns(level, measured))
        .select_from(User)
        .outerjoin(
            LiteracyLevel,
            and_(LiteracyLevel.user_id == User.id, LiteracyLevel.competency == OVERALL),
        )
        .outerjoin(measured, measured.c.user_id == User.id)
        .where(User.active.is_(True))
        .group_by(User.job_function)
    ).all()
    groups = [
        _group(str(row[0]), JOB_FUNCTIONS.get(str(row[0]), str(row[0])), tuple(row[1:]))
        for row in rows
    ]
    order = list(JOB_FUNCTIONS)
    return sorted(groups, key=lambda g: order.index(g.key) if g.key in order else len(order))


def area_distribution(session: DbSession, measured: int) -> dict[str, list[int]]:
    """Measured active people at each level (0-4) per competency area. A measured person without
    a level in an area counts 0 there (no reliable evidence in it yet, as in their overall
    level); people not measured are in no area, so every area shares the headline's denominator.

    One statement, read from the (competency, level) index alone: every stored level, minus
    those of deactivated people (few), rather than a join over every row. A level above 0 comes
    only with evidence, so those counts hold measured people only.
    """
    inactive = select(User.id).where(User.active.is_(False))
    stored = (
        select(LiteracyLevel.competency, LiteracyLevel.level, func.count().label("n"))
        .where(LiteracyLevel.level > 0)
        .group_by(LiteracyLevel.competency, LiteracyLevel.level)
    )
    gone = (
        select(LiteracyLevel.competency, LiteracyLevel.level, (-func.count()).label("n"))
        .where(LiteracyLevel.level > 0, LiteracyLevel.user_id.in_(inactive))
        .group_by(LiteracyLevel.competency, LiteracyLevel.level)
    )
    counts: dict[str, list[int]] = {area: [0] * 5 for area in COMPETENCIES}
    for competency, value, n in session.execute(union_all(stored, gone)):
        if competency in counts and 0 < int(value) <= 4:
            counts[competency][int(value)] += int(n)
    for distribution in counts.values():
        distribution[0] = max(0, measured - sum(distribution[1:]))
    return counts


def levels_by_department(session: DbSession) -> list[GroupLevels]:
    tree = department_members()
    head = User.__table__.alias("head")
    level = func.coalesce(LiteracyLevel.level, 0)
    measured = _measured_people()
    rows = session.execute(
        select(tree.c.dept, head.c.name, head.c.title, *_level_columns(level, measured))
        .select_from(User)
        .join(tree, tree.c.id == User.id)
        .join(head, head.c.id == tree.c.dept)
        .outerjoin(
            LiteracyLevel,
            and_(LiteracyLevel.user_id == User.id, LiteracyLevel.competency == OVERALL),
        )
        .outerjoin(measured, measured.c.user_id == User.id)
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
    active_learners: int
    completions: int
    # None for a week taken before measured people were counted (take it again to fill it in).
    measured: int | None = None
    levels: list[int] | None = None  # measured people at overall level 0..4

    @property
    def comparable(self) -> bool:
        return self.measured is not None and self.levels is not None

    @property
    def coverage(self) -> float | None:
        if self.measured is None:
            return None
        return self.measured / self.people if self.people else 0.0

    @property
    def practising_share(self) -> float | None:
        """Of the measured, like every level share; None with nobody measured (no share)."""
        if self.levels is None or not self.measured:
            return None
        return sum(self.levels[PRACTISING:]) / self.measured

    def level_share(self, level: int) -> float | None:
        if self.levels is None or not self.measured:
            return None
        return self.levels[level] / self.measured


@dataclass
class Overview:
    total: GroupLevels
    areas: dict[str, list[int]]  # measured people at levels 0-4 per competency area
    functions: list[GroupLevels]
    departments: list[GroupLevels]
    weeks: list[date]
    all_trend: list[TrendWeek]

    @property
    def comparable_weeks(self) -> list[date]:
        """The weeks the page can compare today with: snapshots that count measured people."""
        return [week.week_start for week in self.all_trend if week.comparable]

    def week(self, start: date | None) -> TrendWeek | None:
        return next((week for week in self.all_trend if week.week_start == start), None)

    def since(self, wanted: str | None) -> date | None:
        """The week to compare with: ``wanted`` (YYYY-MM-DD) if it is one of the comparable
        weeks, else the oldest of them (anything else in the address is ignored)."""
        weeks = self.comparable_weeks
        try:
            day = date.fromisoformat(wanted or "")
        except ValueError:
            day = None
        if day in weeks:
            return day
        return weeks[0] if weeks else None


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
                Snapshot.practising_share,
                Snapshot.active_learners,
                Snapshot.completions,
            )
            .where(Snapshot.week_start >= since)
            .order_by(Snapshot.week_start, Snapshot.group_type, Snapshot.group_key)
        )
    )
    trend = _trend(snapshots)
    comparable = {week.week_start for week in trend if week.comparable}
    by_group: dict[tuple[str, str], dict[date, Any]] = defaultdict(dict)
    for snapshot in snapshots:
        by_group[(snapshot.group_type, snapshot.group_key)][snapshot.week_start] = snapshot
    for group_type, groups in (("function", functions), ("department", departments)):
        for group in groups:
            weeks = by_group.get((group_type, group.key), {})
            measured = by_group.get((MEASURED, f"{group_type}:{group.key}"), {})
            group.past = [
                GroupWeek(
                    week,
                    row.people,
                    measured[week].people if week in measured else 0,
                    measured[week].practising_share if week in measured else 0.0,
                )
                for week, row in sorted(weeks.items())
                if week in comparable
            ]
    total = GroupLevels(
        key="all",
        label="Whole organisation",
        people=sum(g.people for g in functions),
        measured=sum(g.measured for g in functions),
        distribution=[sum(g.distribution[i] for g in functions) for i in range(5)],
    )
    return Overview(
        total=total,
        areas=area_distribution(session, total.measured),
        functions=functions,
        departments=departments,
        weeks=sorted({s.week_start for s in snapshots}),
        all_trend=trend,
    )


def _trend(snapshots: list[Any]) -> list[TrendWeek]:
    """The whole organisation per week, with its people per level where the week counted them."""
    levels: dict[date, list[int]] = {}
    for s in snapshots:
        if s.group_type != LEVEL:
            continue
        # Any level row marks the week as counted; the "none" row's people are the rest.
        counts = levels.setdefault(s.week_start, [0] * 5)
        if s.group_key != NOT_MEASURED_KEY and s.group_key in {"0", "1", "2", "3", "4"}:
            counts[int(s.group_key)] = s.people
    return [
        TrendWeek(
            week_start=s.week_start,
            people=s.people,
            active_learners=s.active_learners,
            completions=s.completions,
            measured=sum(levels[s.week_start]) if s.week_start in levels else None,
            levels=levels.get(s.week_start),
        )
        for s in snapshots
        if s.group_type == "all"
    ]


# -------------------------------------------------------------------------- leading by example


@dataclass
class Leader:
    id: int
    name: str
    title: str
    function: str
    overall: int | None  # None: not measured yet
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
            case((measured_now(User.id), func.coalesce(LiteracyLevel.level, 0))),
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
            overall=None if row[4] is None else int(row[4]),
            courses_completed=int(row[5] or 0),
            courses_in_progress=int(row[6] or 0),
            badges=int(row[7] or 0),
            last_completed=row[8],
        )
        for row in rows
    ]


def this_week() -> date:
    return week_start(utcnow().date())
