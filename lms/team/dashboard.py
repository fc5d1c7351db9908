"""The team dashboard's figures: a fixed handful of aggregate queries, whatever the team's size.

Every query joins the scope's members CTE (the org subtree, or the direct reports) and aggregates
in SQL; Python only arranges the few result rows. docs/dashboards.md defines each figure.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    CTE,
    and_,
    case,
    exists,
    func,
    literal,
    or_,
    select,
    true,
    union_all,
)

from lms.activity.models import ActivityEvent
from lms.courses.models import Course, CourseVersion
from lms.courses.vocabulary import COMPETENCIES, LEVELS
from lms.database import DbSession
from lms.learn.models import Attempt, Enrolment, SelfRating
from lms.literacy.coverage import measured_now
from lms.literacy.models import OVERALL, LiteracyLevel
from lms.people.models import User
from lms.recognition.models import BadgeAward
from lms.summaries.store import Policy, Summary, load_summary
from lms.team import charts
from lms.team.metrics import (
    PRACTISING_LEVEL,
    WEEKS,
    assigned,
    overdue_condition,
    stalled_condition,
    stalled_cutoff,
)
from lms.team.scope import Scope, in_cte, members_cte
from lms.team.sql import days_between, week_starts

AREAS = tuple(COMPETENCIES)
# The row of the levels statement that counts the measured (no competency has this key).
_MEASURED = "(measured)"


@dataclass(frozen=True)
class Totals:
    people: int
    assigned: int
    assigned_done: int
    overdue: int
    assigned_people: int
    voluntary: int
    voluntary_people: int
    completed: int
    badges: int
    badge_people: int
    quiz_attempts: int
    quiz_passed: int
    quiz_people: int
    stalled: int
    active_recently: int

    @property
    def pass_rate(self) -> float | None:
        return self.quiz_passed / self.quiz_attempts if self.quiz_attempts else None

    @property
    def assigned_done_share(self) -> str:
        return charts.share_text(self.assigned_done, self.assigned)


@dataclass(frozen=True)
class HeatCell:
    level: int
    count: int
    share: str
    css: str


@dataclass(frozen=True)
class AreaLevels:
    competency: str
    label: str
    cells: list[HeatCell]  # measured people at levels 0..4 (shares of the measured)
    practising: int  # measured people at PRACTISING_LEVEL or above
    # The scope's measured people (every area shares them as its denominator) and the rest,
    # who are in no level: "not measured" is not level 0 (lms.literacy.coverage). No defaults:
    # a summary stored before these existed fails to decode and is recomputed.
    measured: int
    not_measured: int

    @property
    def practising_share(self) -> str:
        return charts.share_text(self.practising, self.measured)


@dataclass(frozen=True)
class WeekActive:
    start: datetime
    label: str  # ISO week, e.g. 2025-W07
    learners: int


@dataclass(frozen=True)
class Calibration:
    competency: str
    label: str
    people: int
    self_rated: float
    measured: float

    @property
    def difference(self) -> float:
        return round(self.self_rated - self.measured, 2)


@dataclass(frozen=True)
class AssignedCourse:
    slug: str
    title: str
    assigned: int
    completed: int
    overdue: int


@dataclass(frozen=True)
class Onboarding:
    median_days: float | None  # invitation to first activity, over the people who started
    started: int


@dataclass
class TeamSummary:
    totals: Totals
    overall: AreaLevels
    areas: list[AreaLevels]
    weeks: list[WeekActive]
    onboarding: Onboarding
    calibration: list[Calibration]
    courses: list[AssignedCourse]
    computed_at: datetime

    @property
    def practising_share(self) -> str:
        return self.overall.practising_share

    @property
    def measured_share(self) -> str:
        return charts.share_text(self.overall.measured, self.totals.people)

    @property
    def never_active(self) -> int:
        return self.totals.people - self.onboarding.started

    @property
    def pass_rate_text(self) -> str:
        return charts.share_text(self.totals.quiz_passed, self.totals.quiz_attempts)

    @property
    def level_chart(self) -> charts.RowChart:
        rows = [(f"{cell.level} · {LEVELS[cell.level]}", cell.count) for cell in self.overall.cells]
        return charts.row_chart(rows, self.overall.measured)

    @property
    def weekly_chart(self) -> charts.ColumnChart:
        return charts.column_chart([(week.label[-3:], week.learners) for week in self.weeks])

    @property
    def weekly_text(self) -> str:
        counts = [week.learners for week in self.weeks]
        return (
            f"Between {min(counts)} and {max(counts)} active learners a week over the last "
            f"{len(counts)} weeks; {counts[-1]} so far this week."
        )

    @property
    def enrolment_split(self) -> list[charts.Segment]:
        return charts.split_bar(
            [
                ("Voluntary", self.totals.voluntary, "segment-voluntary"),
                ("Assigned", self.totals.assigned, "segment-assigned"),
            ]
        )


def team_summary(session: DbSession, scope: Scope, now: datetime) -> TeamSummary:
    members = members_cte(scope)
    totals = _totals(session, members, now)
    overall, areas = _levels(session, members, totals.people)
    return TeamSummary(
        totals=totals,
        overall=overall,
        areas=areas,
        weeks=_weekly_active(session, members, now),
        onboarding=_onboarding(session, members),
        calibration=_calibration(session, members),
        courses=_assigned_courses(session, members, now),
        computed_at=now,
    )


def summary_key(scope: Scope) -> str:
    return f"team:{scope.root_id}:{'direct' if scope.direct_only else 'all'}"


def stored_team_summary(
    session: DbSession, scope: Scope, now: datetime, policy: Policy, force: bool = False
) -> Summary[TeamSummary]:
    """The scope's figures: computed now for a small team, from the read summaries for a large
    one (lms.summaries.store). The figures are the same whoever in the org may see them."""
    return load_summary(
        session,
        summary_key(scope),
        TeamSummary,
        lambda: team_summary(session, scope, now),
        lambda summary: summary.totals.people,
        now,
        policy,
        force,
    )


def _totals(session: DbSession, members: CTE, now: datetime) -> Totals:
    """One statement: each table is aggregated once over the members, the one-row results
    joined side by side."""
    is_assigned = assigned(Enrolment.source)
    enrolments = (
        select(
            func.count(case((is_assigned, 1))).label("assigned"),
            func.count(case((and_(is_assigned, Enrolment.completed_at.is_not(None)), 1))).label(
                "assigned_done"
            ),
            func.count(case((overdue_condition(now), 1))).label("overdue"),
            func.count(func.distinct(case((is_assigned, Enrolment.user_id)))).label(
                "assigned_people"
            ),
            func.count(case((Enrolment.source == "self", 1))).label("voluntary"),
            func.count(func.distinct(case((Enrolment.source == "self", Enrolment.user_id)))).label(
                "voluntary_people"
            ),
            func.count(Enrolment.completed_at).label("completed"),
        )
        .where(in_cte(Enrolment.user_id, members))
        .subquery("enrolment_totals")
    )
    badges = (
        select(
            func.count(BadgeAward.id).label("badges"),
            func.count(func.distinct(BadgeAward.user_id)).label("badge_people"),
        )
        .where(in_cte(BadgeAward.user_id, members), BadgeAward.revoked_at.is_(None))
        .subquery("badge_totals")
    )
    attempts = (
        select(
            func.count(Attempt.id).label("quiz_attempts"),
            func.count(case((Attempt.passed.is_(True), 1))).label("quiz_passed"),
            func.count(func.distinct(Attempt.user_id)).label("quiz_people"),
        )
        .where(
            in_cte(Attempt.user_id, members),
            Attempt.kind == "quiz",
            Attempt.submitted_at.is_not(None),
        )
        .subquery("attempt_totals")
    )
    # Per person, two indexed look-ups (an unfinished enrolment, an event since the cut-off)
    # rather than counting distinct people over every recent event.
    recent = exists().where(
        ActivityEvent.user_id == members.c.id,
        ActivityEvent.occurred_at >= stalled_cutoff(now),
    )
    people = select(
        func.count(members.c.id).label("people"),
        func.count(case((stalled_condition(members.c.id, now), 1))).label("stalled"),
        func.count(case((recent, 1))).label("active_recently"),
    ).subquery("people_totals")
    row = session.execute(
        select(people, enrolments, badges, attempts).select_from(
            people.join(enrolments, true()).join(badges, true()).join(attempts, true())
        )
    ).one()
    return Totals(**{name: int(value or 0) for name, value in row._mapping.items()})


def _levels(session: DbSession, members: CTE, people: int) -> tuple[AreaLevels, list[AreaLevels]]:
    """Counts per (area, level) of the measured, and how many are measured: one statement.

    A measured person without a level in an area is at 0 there (no reliable evidence in it
    yet, as in their overall level); people not measured are in no level at all.
    """
    stored = (
        select(LiteracyLevel.competency, LiteracyLevel.level, func.count())
        .where(in_cte(LiteracyLevel.user_id, members), LiteracyLevel.level > 0)
        .group_by(LiteracyLevel.competency, LiteracyLevel.level)
    )
    measured_count = select(literal(_MEASURED), literal(-1), func.count(members.c.id)).where(
        measured_now(members.c.id)
    )
    counts: dict[str, dict[int, int]] = {}
    for competency, level, count in session.execute(union_all(stored, measured_count)):
        counts.setdefault(competency, {})[level] = count
    measured = int(counts.get(_MEASURED, {}).get(-1, 0))

    def area(competency: str, label: str) -> AreaLevels:
        found = counts.get(competency, {})
        per_level = {level: found.get(level, 0) for level in LEVELS if level > 0}
        per_level[0] = max(measured - sum(per_level.values()), 0)
        cells = [
            HeatCell(
                level,
                per_level[level],
                charts.share_text(per_level[level], measured),
                charts.heat_class(per_level[level], measured),
            )
            for level in sorted(LEVELS)
        ]
        practising = sum(n for level, n in per_level.items() if level >= PRACTISING_LEVEL)
        return AreaLevels(competency, label, cells, practising, measured, people - measured)

    overall = area(OVERALL, "Overall")
    return overall, [area(competency, label) for competency, label in COMPETENCIES.items()]


def _weekly_active(session: DbSession, members: CTE, now: datetime) -> list[WeekActive]:
    """Distinct people with any activity event, per ISO week, in one statement.

    For each member and week an indexed EXISTS on (user_id, occurred_at); counting the members for
    whom it holds gives the distinct learners of that week. This touches members x weeks index
    entries instead of every event of the last 12 weeks, which a GROUP BY over the events would
    (3x faster on SQLite at 10,000 people and 600,000 events; see docs/dashboards.md).
    """
    starts = week_starts(now, WEEKS)
    bounds = [*starts[1:], None]
    columns = []
    for index, (start, end) in enumerate(zip(starts, bounds, strict=True)):
        in_week = [ActivityEvent.user_id == members.c.id, ActivityEvent.occurred_at >= start]
        if end is not None:
            in_week.append(ActivityEvent.occurred_at < end)
        columns.append(func.count(case((exists().where(*in_week), 1))).label(f"week_{index}"))
    counts = session.execute(select(*columns).select_from(members)).one()
    return [
        WeekActive(
            start,
            f"{start.isocalendar().year}-W{start.isocalendar().week:02d}",
            int(counts[index]),
        )
        for index, start in enumerate(starts)
    ]


def _onboarding(session: DbSession, members: CTE) -> Onboarding:
    """Median days from invitation to first activity, computed in SQL with window functions.

    "Invited" is the account's creation or, if earlier (imported history), the first assignment.
    """
    # Per member, the first event and the first assignment: top-1 probes of the (user, time)
    # indexes rather than aggregating every event the team ever logged.
    first_at = (
        select(func.min(ActivityEvent.occurred_at))
        .where(ActivityEvent.user_id == User.id)
        .correlate(User)
        .scalar_subquery()
    )
    assigned_at = (
        select(func.min(Enrolment.enrolled_at))
        .where(Enrolment.user_id == User.id, assigned(Enrolment.source))
        .correlate(User)
        .scalar_subquery()
    )
    people = (
        select(
            first_at.label("first_at"),
            assigned_at.label("assigned_at"),
            User.created_at.label("created_at"),
        )
        .join(members, members.c.id == User.id)
        .offset(0)  # keeps PostgreSQL from inlining it and running each look-up twice
        .subquery("people")
    )
    invited = case(
        (people.c.assigned_at < people.c.created_at, people.c.assigned_at),
        else_=people.c.created_at,
    )
    days = days_between(people.c.first_at, invited)
    per_person = (
        select(case((days < 0, literal(0.0)), else_=days).label("days"))
        .where(people.c.first_at.is_not(None))
        .subquery("per_person")
    )
    ranked = select(
        per_person.c.days,
        func.row_number().over(order_by=per_person.c.days).label("rank"),
        func.count().over().label("n"),
    ).subquery("ranked")
    median, started = session.execute(
        select(func.avg(ranked.c.days), func.max(ranked.c.n)).where(
            or_(
                ranked.c.rank == (ranked.c.n + 1) // 2,
                ranked.c.rank == (ranked.c.n + 2) // 2,
            )
        )
    ).one()
    return Onboarding(None if median is None else round(float(median), 1), int(started or 0))


def _calibration(session: DbSession, members: CTE) -> list[Calibration]:
    """Per area: the average latest self-rating and the average measured level of the same
    people (a missing measured level counts 0)."""
    latest = (
        select(func.max(SelfRating.id).label("id"))
        .where(in_cte(SelfRating.user_id, members))
        .group_by(SelfRating.user_id, SelfRating.competency)
        .subquery("latest_rating")
    )
    measured = func.coalesce(LiteracyLevel.level, 0)
    rows = session.execute(
        select(
            SelfRating.competency,
            func.count(),
            func.avg(SelfRating.level * 1.0),
            func.avg(measured * 1.0),
        )
        .join(latest, latest.c.id == SelfRating.id)
        .outerjoin(
            LiteracyLevel,
            and_(
                LiteracyLevel.user_id == SelfRating.user_id,
                LiteracyLevel.competency == SelfRating.competency,
            ),
        )
        .group_by(SelfRating.competency)
    ).all()
    found = {competency: (count, rated, level) for competency, count, rated, level in rows}
    return [
        Calibration(
            competency,
            label,
            int(found[competency][0]),
            round(float(found[competency][1]), 2),
            round(float(found[competency][2]), 2),
        )
        for competency, label in COMPETENCIES.items()
        if competency in found
    ]


def _assigned_courses(
    session: DbSession, members: CTE, now: datetime, limit: int = 20
) -> list[AssignedCourse]:
    assigned_count = func.count(Enrolment.id)
    rows = session.execute(
        select(
            Course.slug,
            CourseVersion.title,
            assigned_count,
            func.count(Enrolment.completed_at),
            func.count(case((overdue_condition(now), 1))),
        )
        .join(Course, Course.id == Enrolment.course_id)
        .outerjoin(CourseVersion, CourseVersion.id == Course.current_version_id)
        .where(in_cte(Enrolment.user_id, members), assigned(Enrolment.source))
        .group_by(Course.id, Course.slug, CourseVersion.title)
        .order_by(assigned_count.desc(), Course.slug)
        .limit(limit)
    ).all()
    return [
        AssignedCourse(slug, title or slug, total, done, overdue)
        for slug, title, total, done, overdue in rows
    ]
