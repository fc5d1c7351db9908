"""What the personal home page shows: levels, what to do next, courses in progress, achievements."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from lms.activity.models import ActivityEvent
from lms.courses.models import Course, CourseVersion
from lms.courses.vocabulary import COMPETENCIES
from lms.database import DbSession
from lms.learn.baseline import Gap, self_vs_measured
from lms.learn.models import Attempt, Enrolment
from lms.learn.service import (
    WITHOUT_SOURCE,
    CourseProgress,
    audiences_for,
    module_entries,
    published_courses,
)
from lms.learn.status import Status, enrolment_status, module_counts
from lms.literacy.models import OVERALL, LiteracyLevel
from lms.people.models import User


@dataclass
class InProgress:
    slug: str
    title: str
    source: str
    due_at: datetime | None
    completed_at: datetime | None
    overdue: bool
    status: Status
    # A retired course stays reachable for finishing or review but is nothing to do any more.
    retired: bool = False


@dataclass
class Recommendation:
    slug: str
    title: str
    summary: str
    reason: str


@dataclass
class ContinueCard:
    """The course to pick up again: the one last worked on, else the first open one."""

    slug: str
    title: str
    module_slug: str | None
    module_title: str | None
    started: bool
    percent: int
    due_at: datetime | None
    status: Status


@dataclass
class HomeSummary:
    overall: int
    gaps: list[Gap]
    baseline_done: bool
    courses: list[InProgress]
    recommendations: list[Recommendation]
    achievements: list[ActivityEvent]
    continue_card: ContinueCard | None = None


def home_summary(
    session: DbSession, user: User, now: datetime, manager: bool | None = None
) -> HomeSummary:
    levels = {
        row.competency: row
        for row in session.scalars(select(LiteracyLevel).where(LiteracyLevel.user_id == user.id))
    }
    audiences = audiences_for(session, user, manager)
    measured = {name: row.level for name, row in levels.items()}
    gaps = self_vs_measured(session, user, measured, audiences)
    baseline_done = (
        session.scalar(
            select(Attempt.id)
            .where(
                Attempt.user_id == user.id,
                Attempt.kind == "baseline",
                Attempt.submitted_at.is_not(None),
            )
            .limit(1)
        )
        is not None
    )
    modules_done, modules_total = module_counts()
    rows = session.execute(
        select(Enrolment, Course, CourseVersion, modules_done, modules_total)
        .join(Course, Course.id == Enrolment.course_id)
        .join(CourseVersion, CourseVersion.id == Course.current_version_id)
        .where(Enrolment.user_id == user.id)
        .order_by(
            Enrolment.completed_at.is_not(None), Enrolment.due_at, Enrolment.enrolled_at.desc()
        )
        .options(WITHOUT_SOURCE)
    ).all()
    courses = [
        InProgress(
            slug=course.slug,
            title=version.title,
            source=enrolment.source,
            due_at=enrolment.due_at,
            completed_at=enrolment.completed_at,
            overdue=bool(
                enrolment.due_at and not enrolment.completed_at and enrolment.due_at < now
            ),
            status=enrolment_status(
                completed_at=enrolment.completed_at,
                due_at=enrolment.due_at,
                now=now,
                modules_done=int(done or 0),
                modules_total=int(total or 0),
            ),
            retired=course.retired_at is not None,
        )
        for enrolment, course, version, done, total in rows
    ]
    continue_card = _continue_card(session, user, [(e, c, v) for e, c, v, _, _ in rows], now)
    enrolled = {course.slug for course in courses}
    recommendations = recommend(session, user, gaps, enrolled, audiences)
    achievements = list(
        session.scalars(
            select(ActivityEvent)
            .where(
                ActivityEvent.user_id == user.id,
                ActivityEvent.verb.in_(["passed", "level-changed"])
                | ((ActivityEvent.verb == "completed") & (ActivityEvent.object_type == "course")),
            )
            .order_by(ActivityEvent.occurred_at.desc(), ActivityEvent.id.desc())
            .limit(24)
        )
    )
    # A level that went down is recorded, but it is no achievement.
    achievements = [event for event in achievements if not _level_fell(event)][:6]
    overall = levels[OVERALL].level if OVERALL in levels else 0
    return HomeSummary(
        overall, gaps, baseline_done, courses, recommendations, achievements, continue_card
    )


def _continue_card(
    session: DbSession,
    user: User,
    rows: list[tuple[Enrolment, Course, CourseVersion]],
    now: datetime,
) -> ContinueCard | None:
    """One query more, and only when there is an open course."""
    open_rows = [row for row in rows if row[0].completed_at is None and row[1].retired_at is None]
    if not open_rows:
        return None
    active = [row for row in open_rows if row[0].last_active_at is not None]
    enrolment, course, version = (
        max(active, key=lambda row: row[0].last_active_at or now) if active else open_rows[0]
    )
    progress = CourseProgress(course, version, enrolment, module_entries(session, user.id, version))
    module = progress.resume_module()
    status = progress.status
    assert status is not None  # the enrolment is known
    return ContinueCard(
        slug=course.slug,
        title=version.title,
        module_slug=module.slug if module else None,
        module_title=module.title if module else None,
        started=bool(progress.completed_modules or enrolment.last_active_at),
        percent=progress.percent,
        due_at=enrolment.due_at,
        status=status,
    )


def _level_fell(event: ActivityEvent) -> bool:
    if event.verb != "level-changed" or not event.result:
        return False
    return int(event.result.get("level", 0)) < int(event.result.get("previous", 0))


def recommend(
    session: DbSession, user: User, gaps: list[Gap], enrolled: set[str], audiences: set[str]
) -> list[Recommendation]:
    """Courses for my role that build my weakest areas first (also the baseline's suggested
    path, lms.learn.starting_point)."""
    measured = {gap.competency: gap.measured for gap in gaps}
    weakest = sorted(measured, key=lambda area: measured[area])
    scored = []
    for course, version in published_courses(session):
        if course.slug in enrolled or not audiences.intersection(version.audience):
            continue  # enrolled already, or meant for other roles (the catalog lists those)
        gains = [
            area for area in version.competencies if measured.get(area, 0) < version.target_level
        ]
        if not gains:
            continue
        rank = (
            min(weakest.index(area) for area in gains if area in weakest)
            if any(area in weakest for area in gains)
            else len(weakest)
        )
        ready = all(p in enrolled for p in version.prerequisites) or not version.prerequisites
        if user.job_function in version.audience:
            role_note = "for your role"
        elif audiences.intersection(version.audience) & {"managers", "executives"}:
            role_note = "for leaders like you"
        else:
            role_note = "for everyone"
        names = [COMPETENCIES.get(area, area) for area in gains[:2]]
        reason = f"Builds {' and '.join(names)}, {role_note}"
        scored.append(
            (
                not ready,
                rank,
                version.title,
                Recommendation(course.slug, version.title, version.summary, reason),
            )
        )
    scored.sort(key=lambda item: item[:3])
    return [item[3] for item in scored[:3]]
