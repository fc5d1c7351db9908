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
from lms.learn.service import audiences_for, published_courses
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


@dataclass
class Recommendation:
    slug: str
    title: str
    summary: str
    reason: str


@dataclass
class HomeSummary:
    overall: int
    gaps: list[Gap]
    baseline_done: bool
    courses: list[InProgress]
    recommendations: list[Recommendation]
    achievements: list[ActivityEvent]


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
    rows = session.execute(
        select(Enrolment, Course.slug, CourseVersion.title)
        .join(Course, Course.id == Enrolment.course_id)
        .join(CourseVersion, CourseVersion.id == Course.current_version_id)
        .where(Enrolment.user_id == user.id)
        .order_by(
            Enrolment.completed_at.is_not(None), Enrolment.due_at, Enrolment.enrolled_at.desc()
        )
    ).all()
    courses = [
        InProgress(
            slug=slug,
            title=title,
            source=enrolment.source,
            due_at=enrolment.due_at,
            completed_at=enrolment.completed_at,
            overdue=bool(
                enrolment.due_at and not enrolment.completed_at and enrolment.due_at < now
            ),
        )
        for enrolment, slug, title in rows
    ]
    enrolled = {course.slug for course in courses}
    recommendations = _recommend(session, user, gaps, enrolled, audiences)
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
    return HomeSummary(overall, gaps, baseline_done, courses, recommendations, achievements)


def _level_fell(event: ActivityEvent) -> bool:
    if event.verb != "level-changed" or not event.result:
        return False
    return int(event.result.get("level", 0)) < int(event.result.get("previous", 0))


def _recommend(
    session: DbSession, user: User, gaps: list[Gap], enrolled: set[str], audiences: set[str]
) -> list[Recommendation]:
    """Courses for my role that build my weakest areas first."""
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
