"""The people table, its CSV rows and the person page.

One statement builds every row: the person joined to per-person aggregates (levels pivoted per
area, enrolment counts, badges) that are grouped over the scope's members only, plus an indexed
lookup of the last activity. Sorting, filtering and paging happen in SQL, so a page costs the same
two statements (count and rows) for 3 people or 10,000, and the export streams the same rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    CTE,
    ColumnElement,
    Select,
    SQLColumnExpression,
    and_,
    case,
    exists,
    func,
    or_,
    select,
)
from sqlalchemy.orm import aliased

from lms.activity.models import ActivityEvent
from lms.courses.models import Course, CourseVersion
from lms.courses.vocabulary import COMPETENCIES, LEVELS
from lms.database import DbSession
from lms.learn.models import Attempt, Enrolment
from lms.learn.status import Status, enrolment_status, module_counts
from lms.literacy.models import OVERALL, LevelChange, LiteracyLevel
from lms.people.models import JOB_FUNCTIONS, User
from lms.recognition.models import Badge, BadgeAward
from lms.team import charts
from lms.team.metrics import assigned, overdue_condition, stalled_condition
from lms.team.scope import Scope, in_cte, members_cte, valid_id, viewer_members_cte

AREAS = tuple(COMPETENCIES)
# Column headings for the per-area levels (the full name is in the heading's title and the CSV).
SHORT_LABELS: dict[str, str] = {
    "foundations": "Found.",
    "delegation": "Deleg.",
    "directing": "Direct.",
    "evaluating": "Eval.",
    "responsible": "Resp.",
    "context": "Context",
    "leading": "Lead.",
}
PER_PAGE = 25
MAX_SEARCH = 100

# Sort keys the table accepts (anything else falls back to the name).
SORT_KEYS = (
    "name",
    "function",
    "overall",
    *(f"level_{area}" for area in AREAS),
    "completed",
    "assigned_done",
    "overdue",
    "last_active",
    "badges",
)


@dataclass(frozen=True)
class PeopleFilters:
    query: str = ""
    function: str = ""  # a key of JOB_FUNCTIONS, or "" for all
    level: int | None = None  # overall level
    stalled: bool = False

    @classmethod
    def parse(cls, args: Any) -> PeopleFilters:
        """From query arguments; anything not on the whitelists is ignored."""
        function = args.get("function", "")
        level = args.get("level", "")
        return cls(
            query=args.get("q", "").strip()[:MAX_SEARCH],
            function=function if function in JOB_FUNCTIONS else "",
            level=int(level) if level in {str(known) for known in LEVELS} else None,
            stalled=args.get("stalled") == "1",
        )

    def as_args(self) -> dict[str, str]:
        values = {
            "q": self.query,
            "function": self.function,
            "level": "" if self.level is None else str(self.level),
            "stalled": "1" if self.stalled else "",
        }
        return {key: value for key, value in values.items() if value}


@dataclass(frozen=True)
class Sort:
    key: str = "name"
    descending: bool = False

    @classmethod
    def parse(cls, args: Any) -> Sort:
        key = args.get("sort", "name")
        return cls(key if key in SORT_KEYS else "name", args.get("dir") == "desc")

    def as_args(self) -> dict[str, str]:
        if self.key == "name" and not self.descending:
            return {}
        return {"sort": self.key, "dir": "desc" if self.descending else "asc"}


@dataclass(frozen=True)
class PersonRow:
    id: int
    name: str
    email: str
    title: str
    job_function: str
    overall: int
    levels: dict[str, int]
    completed: int
    assigned: int
    assigned_done: int
    overdue: int
    last_active: datetime | None
    badges: int
    stalled: bool

    @property
    def function_label(self) -> str:
        return JOB_FUNCTIONS.get(self.job_function, self.job_function)

    @property
    def last_active_text(self) -> str:
        return self.last_active.strftime("%Y-%m-%d") if self.last_active else ""


@dataclass
class PeoplePage:
    rows: list[PersonRow]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def first(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.total else 0

    @property
    def last(self) -> int:
        return min(self.page * self.per_page, self.total)


class _Query:
    """The people statement for one scope, filters and sort.

    ``population``, when given, narrows the per-person aggregates to those ids (a page of the
    table) instead of every member of the scope.
    """

    def __init__(
        self,
        scope: Scope,
        filters: PeopleFilters,
        now: datetime,
        population: CTE | None = None,
    ) -> None:
        members = members_cte(scope)
        counted = members if population is None else population
        self.levels = (
            select(
                LiteracyLevel.user_id.label("user_id"),
                *(
                    func.max(case((LiteracyLevel.competency == name, LiteracyLevel.level))).label(
                        name
                    )
                    for name in (OVERALL, *AREAS)
                ),
            )
            .where(in_cte(LiteracyLevel.user_id, counted))
            .group_by(LiteracyLevel.user_id)
            .subquery("person_levels")
        )
        is_assigned = assigned(Enrolment.source)
        self.enrolments = (
            select(
                Enrolment.user_id.label("user_id"),
                func.count(Enrolment.completed_at).label("completed"),
                func.count(case((is_assigned, 1))).label("assigned"),
                func.count(case((and_(is_assigned, Enrolment.completed_at.is_not(None)), 1))).label(
                    "assigned_done"
                ),
                func.count(case((overdue_condition(now), 1))).label("overdue"),
            )
            .where(in_cte(Enrolment.user_id, counted))
            .group_by(Enrolment.user_id)
            .subquery("person_enrolments")
        )
        self.badges = (
            select(BadgeAward.user_id.label("user_id"), func.count(BadgeAward.id).label("badges"))
            .where(in_cte(BadgeAward.user_id, counted), BadgeAward.revoked_at.is_(None))
            .group_by(BadgeAward.user_id)
            .subquery("person_badges")
        )
        self.last_active = (
            select(func.max(ActivityEvent.occurred_at))
            .where(ActivityEvent.user_id == User.id)
            .correlate(User)
            .scalar_subquery()
        )
        self.stalled = stalled_condition(User.id, now)
        self.members = members
        self.population = population
        self.filters = filters

    def level(self, name: str) -> ColumnElement[int]:
        return func.coalesce(self.levels.c[name], 0)

    def count(self, name: str, table: Any) -> ColumnElement[int]:
        return func.coalesce(table.c[name], 0)

    def joined(self, statement: Select[Any], levels: bool = True) -> Select[Any]:
        if self.population is not None:
            # A page already chosen with the filters: its people, whatever they match now.
            return (
                statement.select_from(User)
                .join(self.population, self.population.c.id == User.id)
                .outerjoin(self.levels, self.levels.c.user_id == User.id)
            )
        statement = statement.select_from(User).join(self.members, self.members.c.id == User.id)
        if levels or self.filters.level is not None:
            statement = statement.outerjoin(self.levels, self.levels.c.user_id == User.id)
        conditions: list[ColumnElement[bool]] = []
        if self.filters.function:
            conditions.append(User.job_function == self.filters.function)
        if self.filters.level is not None:
            conditions.append(self.level(OVERALL) == self.filters.level)
        if self.filters.stalled:
            conditions.append(self.stalled)
        if self.filters.query:
            text = self.filters.query
            conditions.append(
                or_(
                    User.name.icontains(text, autoescape=True),
                    User.email.icontains(text, autoescape=True),
                    User.title.icontains(text, autoescape=True),
                )
            )
        return statement.where(*conditions)

    def count_statement(self) -> Select[Any]:
        return self.joined(select(func.count(User.id)), levels=False)

    def page_ids(self, sort: Sort, limit: int, offset: int) -> CTE:
        """The ids of one page, in order, computing only the sort key over the whole scope: the
        other aggregates then run for these few people, not for 10,000."""
        key = self._order(sort)[sort.key]
        uses_levels = sort.key == "overall" or sort.key.startswith("level_")
        statement = self.joined(select(User.id), levels=uses_levels)
        if sort.key in {"completed", "assigned", "assigned_done", "overdue"}:
            statement = statement.outerjoin(self.enrolments, self.enrolments.c.user_id == User.id)
        elif sort.key == "badges":
            statement = statement.outerjoin(self.badges, self.badges.c.user_id == User.id)
        return (
            statement.order_by(*self._ordering(sort, key))
            .limit(limit)
            .offset(offset)
            .cte("page_ids")
        )

    def _columns(self) -> dict[str, ColumnElement[Any]]:
        return {
            "overall": self.level(OVERALL),
            **{f"level_{area}": self.level(area) for area in AREAS},
            "completed": self.count("completed", self.enrolments),
            "assigned": self.count("assigned", self.enrolments),
            "assigned_done": self.count("assigned_done", self.enrolments),
            "overdue": self.count("overdue", self.enrolments),
            "badges": self.count("badges", self.badges),
        }

    def _order(self, sort: Sort) -> dict[str, SQLColumnExpression[Any]]:
        return {
            "name": User.name,
            "function": User.job_function,
            **self._columns(),
            "last_active": self.last_active,
        }

    @staticmethod
    def _ordering(sort: Sort, key: SQLColumnExpression[Any]) -> list[Any]:
        direction = key.desc() if sort.descending else key.asc()
        # Never-active people last whichever way, then a stable order for paging.
        nulls_last = [key.is_(None)] if sort.key == "last_active" else []
        return [*nulls_last, direction, User.name, User.id]

    def rows_statement(self, sort: Sort) -> Select[Any]:
        columns = self._columns()
        key = self._order(sort)[sort.key]
        statement = self.joined(
            select(
                User.id,
                User.name,
                User.email,
                User.title,
                User.job_function,
                *(expression.label(name) for name, expression in columns.items()),
                self.last_active.label("last_active"),
                case((self.stalled, 1), else_=0).label("stalled"),
            )
        )
        statement = statement.outerjoin(
            self.enrolments, self.enrolments.c.user_id == User.id
        ).outerjoin(self.badges, self.badges.c.user_id == User.id)
        return statement.order_by(*self._ordering(sort, key))


def _row(row: Any) -> PersonRow:
    values = row._mapping
    return PersonRow(
        id=values["id"],
        name=values["name"],
        email=values["email"],
        title=values["title"],
        job_function=values["job_function"],
        overall=int(values["overall"]),
        levels={area: int(values[f"level_{area}"]) for area in AREAS},
        completed=int(values["completed"]),
        assigned=int(values["assigned"]),
        assigned_done=int(values["assigned_done"]),
        overdue=int(values["overdue"]),
        last_active=values["last_active"],
        badges=int(values["badges"]),
        stalled=bool(values["stalled"]),
    )


def people_page(
    session: DbSession,
    scope: Scope,
    filters: PeopleFilters,
    sort: Sort,
    page: int,
    now: datetime,
    per_page: int = PER_PAGE,
) -> PeoplePage:
    query = _Query(scope, filters, now)
    total = session.scalar(query.count_statement()) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    # One statement: the page's ids (sorted on the one key asked for) and then the full rows of
    # just those people, in the same order.
    ids = query.page_ids(sort, per_page, (page - 1) * per_page)
    rows = session.execute(_Query(scope, filters, now, population=ids).rows_statement(sort)).all()
    return PeoplePage([_row(row) for row in rows], total, page, per_page)


def iter_people(
    session: DbSession,
    scope: Scope,
    filters: PeopleFilters,
    sort: Sort,
    now: datetime,
    batch: int = 500,
) -> Iterator[PersonRow]:
    """Every matching row, fetched ``batch`` rows at a time (server-side cursor on PostgreSQL)."""
    statement = _Query(scope, filters, now).rows_statement(sort)
    for row in session.execute(statement.execution_options(yield_per=batch)):
        yield _row(row)


# ------------------------------------------------------------------------------- the person page


@dataclass(frozen=True)
class CourseLine:
    slug: str
    title: str
    source: str
    enrolled_at: datetime
    due_at: datetime | None
    completed_at: datetime | None
    last_active_at: datetime | None
    assigned_by: str | None
    modules_done: int
    modules_total: int
    quiz_attempts: int
    quiz_passed: bool
    overdue: bool
    state: Status

    @property
    def status(self) -> str:
        return self.state.label

    @property
    def status_class(self) -> str:
        return self.state.css


@dataclass(frozen=True)
class BadgeLine:
    name: str
    awarded_at: datetime


@dataclass(frozen=True)
class LevelLine:
    competency: str
    label: str
    level: int


@dataclass
class PersonDetail:
    person: User
    has_reports: bool
    overall: int
    levels: list[LevelLine]
    history: list[LevelChange]
    courses: list[CourseLine]
    badges: list[BadgeLine]
    now: datetime
    last_active: datetime | None = None
    assignments: list[CourseLine] = field(default_factory=list)

    @property
    def overall_chart(self) -> charts.StepChart:
        changes = [
            (change.changed_at, change.old_level, change.new_level)
            for change in self.history
            if change.competency == OVERALL
        ]
        return charts.step_chart(changes, self.overall, self.now)


def person_detail(
    session: DbSession, viewer_id: int, person_id: int, now: datetime
) -> PersonDetail | None:
    """The person page, or ``None`` if ``person_id`` is not an active member of the viewer's
    subtree (the caller answers 404). Quiz answers are never read here."""
    if not valid_id(person_id):
        return None
    visible = viewer_members_cte(viewer_id)
    report = aliased(User)
    last_active = (
        select(func.max(ActivityEvent.occurred_at))
        .where(ActivityEvent.user_id == User.id)
        .correlate(User)
        .scalar_subquery()
    )
    found = session.execute(
        select(User, exists().where(report.manager_id == User.id), last_active).where(
            User.id == person_id, in_cte(User.id, visible)
        )
    ).one_or_none()
    if found is None:
        return None
    person, has_reports, last = found
    stored = dict(
        session.execute(
            select(LiteracyLevel.competency, LiteracyLevel.level).where(
                LiteracyLevel.user_id == person_id
            )
        ).all()
    )
    history = list(
        session.scalars(
            select(LevelChange)
            .where(LevelChange.user_id == person_id)
            .order_by(LevelChange.changed_at, LevelChange.id)
        )
    )
    courses = _courses(session, person_id, now)
    badges = [
        BadgeLine(name, awarded_at)
        for name, awarded_at in session.execute(
            select(Badge.name, BadgeAward.awarded_at)
            .join(Badge, Badge.id == BadgeAward.badge_id)
            .where(BadgeAward.user_id == person_id, BadgeAward.revoked_at.is_(None))
            .order_by(BadgeAward.awarded_at.desc())
        )
    ]
    return PersonDetail(
        person=person,
        has_reports=bool(has_reports),
        overall=stored.get(OVERALL, 0),
        levels=[
            LevelLine(area, label, stored.get(area, 0)) for area, label in COMPETENCIES.items()
        ],
        history=history,
        courses=courses,
        badges=badges,
        now=now,
        last_active=last,
        assignments=[course for course in courses if course.source == "assigned"],
    )


def _courses(session: DbSession, person_id: int, now: datetime) -> list[CourseLine]:
    assigner = aliased(User)
    modules_done, modules_total = module_counts()  # the same columns the learner pages use
    quiz = (
        Attempt.user_id == Enrolment.user_id,
        Attempt.course_id == Enrolment.course_id,
        Attempt.kind == "quiz",
        Attempt.submitted_at.is_not(None),
    )
    quiz_attempts = (
        select(func.count(Attempt.id)).where(*quiz).correlate(Enrolment).scalar_subquery()
    )
    quiz_passed = exists().where(*quiz, Attempt.passed.is_(True)).correlate(Enrolment)
    rows = session.execute(
        select(
            Enrolment,
            Course.slug,
            CourseVersion.title,
            assigner.name,
            modules_done,
            modules_total,
            quiz_attempts,
            quiz_passed,
        )
        .join(Course, Course.id == Enrolment.course_id)
        .outerjoin(CourseVersion, CourseVersion.id == Course.current_version_id)
        .outerjoin(assigner, assigner.id == Enrolment.assigned_by_id)
        .where(Enrolment.user_id == person_id)
        .order_by(Enrolment.completed_at.is_not(None), Enrolment.enrolled_at.desc())
    ).all()
    return [
        CourseLine(
            slug=slug,
            title=title or slug,
            source=enrolment.source,
            enrolled_at=enrolment.enrolled_at,
            due_at=enrolment.due_at,
            completed_at=enrolment.completed_at,
            last_active_at=enrolment.last_active_at,
            assigned_by=assigned_by,
            modules_done=int(done or 0),
            modules_total=int(total or 0),
            quiz_attempts=int(attempts or 0),
            quiz_passed=bool(passed),
            overdue=bool(
                enrolment.source == "assigned"
                and enrolment.completed_at is None
                and enrolment.due_at is not None
                and enrolment.due_at < now
            ),
            state=enrolment_status(
                completed_at=enrolment.completed_at,
                due_at=enrolment.due_at,
                now=now,
                modules_done=int(done or 0),
                modules_total=int(total or 0),
            ),
        )
        for enrolment, slug, title, assigned_by, done, total, attempts, passed in rows
    ]
