"""Reading the library: the published list with filters, a case's page, the author's own cases,
the reviewers' queue and the module page's related cases. Each runs a fixed number of statements
whatever the number of cases, tries or reports."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, ScalarSelect, case, exists, func, or_, select
from sqlalchemy.orm import joinedload

from lms.database import DbSession
from lms.usecases.models import UseCase, UseCaseArea, UseCaseReport, UseCaseTry

PAGE_SIZE = 24
MINE_LIMIT = 200
QUEUE_LIMIT = 200
RELATED = 3


@dataclass(frozen=True)
class Filters:
    query: str = ""
    job_function: str = ""
    area: str = ""
    tool: str = ""  # a register tool's id, or "other"

    @property
    def active(self) -> bool:
        return bool(self.query or self.job_function or self.area or self.tool)


@dataclass
class Listed:
    case: UseCase
    tried: int


@dataclass
class LibraryPage:
    cases: list[Listed]
    total: int
    page: int
    pages: int


def _tried_count() -> ScalarSelect[int]:
    return (
        select(func.count())
        .where(UseCaseTry.use_case_id == UseCase.id)
        .correlate(UseCase)
        .scalar_subquery()
    )


def _filtered(filters: Filters) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [UseCase.status == "published"]
    if filters.job_function:
        conditions.append(UseCase.job_function == filters.job_function)
    if filters.area:
        conditions.append(
            exists().where(UseCaseArea.use_case_id == UseCase.id, UseCaseArea.area == filters.area)
        )
    if filters.tool == "other":
        conditions.append(UseCase.tool_id.is_(None))
    elif filters.tool:
        conditions.append(UseCase.tool_id == int(filters.tool))
    if filters.query:
        words = filters.query.lower()
        conditions.append(
            or_(
                *(
                    func.lower(column).contains(words, autoescape=True)
                    for column in (UseCase.title, UseCase.task, UseCase.steps, UseCase.tool_name)
                )
            )
        )
    return conditions


def library_page(session: DbSession, filters: Filters, page: int) -> LibraryPage:
    """Published cases matching ``filters``, newest first, with how many tried each: two
    statements (the count, the page)."""
    conditions = _filtered(filters)
    total = int(session.scalar(select(func.count(UseCase.id)).where(*conditions)) or 0)
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(max(page, 1), pages)
    rows = session.execute(
        select(UseCase, _tried_count())
        .where(*conditions)
        .options(joinedload(UseCase.author), joinedload(UseCase.area_rows))
        .order_by(UseCase.published_at.desc(), UseCase.id.desc())
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).unique()
    return LibraryPage([Listed(row[0], row[1]) for row in rows], total, page, pages)


@dataclass
class CasePage:
    case: UseCase
    tried: int
    minutes_reported: list[int]  # what the people who tried it said it saved them
    mine_tried: bool
    mine_reported: bool
    open_reports: list[UseCaseReport] = field(default_factory=list)


def get_case(session: DbSession, case_id: int) -> UseCase | None:
    return session.scalar(
        select(UseCase)
        .where(UseCase.id == case_id)
        .options(joinedload(UseCase.author), joinedload(UseCase.area_rows))
    )


def case_page(session: DbSession, case: UseCase, user_id: int, *, reviewer: bool) -> CasePage:
    """What a case's page shows besides the case: the tries (one statement), the viewer's open
    report (one) and, for reviewers, the open reports (one)."""
    tries = session.execute(
        select(UseCaseTry.user_id, UseCaseTry.minutes_saved).where(
            UseCaseTry.use_case_id == case.id
        )
    ).all()
    reported = session.scalar(
        select(
            exists().where(
                UseCaseReport.use_case_id == case.id,
                UseCaseReport.user_id == user_id,
                UseCaseReport.resolved_at.is_(None),
            )
        )
    )
    reports: list[UseCaseReport] = []
    if reviewer:
        reports = list(
            session.scalars(
                select(UseCaseReport)
                .where(UseCaseReport.use_case_id == case.id, UseCaseReport.resolved_at.is_(None))
                .options(joinedload(UseCaseReport.reporter))
                .order_by(UseCaseReport.created_at)
            )
        )
    return CasePage(
        case=case,
        tried=len(tries),
        minutes_reported=[minutes for _, minutes in tries if minutes],
        mine_tried=any(who == user_id for who, _ in tries),
        mine_reported=bool(reported),
        open_reports=reports,
    )


def my_cases(session: DbSession, user_id: int) -> list[UseCase]:
    return list(
        session.scalars(
            select(UseCase)
            .where(UseCase.author_id == user_id)
            .order_by(UseCase.updated_at.desc(), UseCase.id.desc())
            .limit(MINE_LIMIT)
        )
    )


@dataclass
class Queue:
    waiting: list[UseCase]
    reported: list[tuple[UseCase, int]]  # published cases with open reports, and how many


def review_queue(session: DbSession) -> Queue:
    """Cases waiting for review, oldest first, and published cases reported for removal: two
    statements."""
    waiting = list(
        session.scalars(
            select(UseCase)
            .where(UseCase.status == "submitted")
            .options(joinedload(UseCase.author))
            .order_by(UseCase.submitted_at, UseCase.id)
            .limit(QUEUE_LIMIT)
        )
    )
    open_reports = (
        select(UseCaseReport.use_case_id, func.count().label("reports"))
        .where(UseCaseReport.resolved_at.is_(None))
        .group_by(UseCaseReport.use_case_id)
        .subquery()
    )
    reported = [
        (row[0], int(row[1]))
        for row in session.execute(
            select(UseCase, open_reports.c.reports)
            .join(open_reports, open_reports.c.use_case_id == UseCase.id)
            .where(UseCase.status == "published")
            .options(joinedload(UseCase.author))
            .order_by(open_reports.c.reports.desc(), UseCase.id)
            .limit(QUEUE_LIMIT)
        )
    ]
    return Queue(waiting, reported)


def related_cases(
    session: DbSession, areas: list[str], job_function: str, limit: int = RELATED
) -> list[UseCase]:
    """Published cases for a module page: those practising one of its areas, the reader's
    function first, then those of the reader's function; newest first. One statement."""
    in_area = exists().where(
        UseCaseArea.use_case_id == UseCase.id, UseCaseArea.area.in_(areas or [""])
    )
    same_function = UseCase.job_function == job_function
    score = case((in_area, 2), else_=0) + case((same_function, 1), else_=0)
    return list(
        session.scalars(
            select(UseCase)
            .where(UseCase.status == "published", or_(in_area, same_function))
            .order_by(score.desc(), UseCase.published_at.desc(), UseCase.id.desc())
            .limit(limit)
        )
    )
