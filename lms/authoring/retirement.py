"""Retiring a course and restoring it. Functions flush; the view commits.

A retired course is no longer offered: the catalog, recommendations and the assignment form leave
it out, nobody new can enrol, and reminders about it stop. Nothing about the people who took it is
touched: enrolments, answers (so levels), badges and certificates stay, certificates and badges
still verify, and people already enrolled keep access, to finish the course or look back at it.
Publishing a new version leaves it retired; restoring brings it back as it was.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, select

from lms.assignments.models import Assignment
from lms.courses.models import Course
from lms.courses.signals import course_changed
from lms.database import DbSession
from lms.learn.models import Enrolment
from lms.people.models import User, utcnow
from lms.recognition.kudos_models import Certificate


class RetirementError(Exception):
    """Retiring or restoring that makes no sense now (already retired, not retired)."""


@dataclass(frozen=True)
class RetirementImpact:
    """Who a retirement concerns, for the confirmation page (nothing is changed)."""

    enrolled: int  # people enrolled, finished or not
    unfinished: int  # of those, people who have not completed it
    open_assignments: int  # assignments not completed yet
    certificates: int  # certificates issued for it


def retirement_impact(session: DbSession, course: Course) -> RetirementImpact:
    """Two statements, whatever the number of people."""
    enrolled, unfinished = session.execute(
        select(
            func.count(Enrolment.id),
            func.coalesce(func.sum(case((Enrolment.completed_at.is_(None), 1), else_=0)), 0),
        ).where(Enrolment.course_id == course.id)
    ).one()
    assignments, certificates = session.execute(
        select(
            select(func.count(Assignment.id))
            .where(Assignment.course_id == course.id, Assignment.completed_at.is_(None))
            .scalar_subquery(),
            select(func.count(Certificate.id))
            .where(Certificate.course_id == course.id)
            .scalar_subquery(),
        )
    ).one()
    return RetirementImpact(int(enrolled), int(unfinished), int(assignments), int(certificates))


def retire_course(session: DbSession, course: Course, by: User) -> None:
    if course.retired_at is not None:
        raise RetirementError("This course is retired already.")
    course.retired_at = utcnow()
    course.retired_by_id = by.id
    session.flush()
    course_changed.send(session, course_id=course.id)  # e.g. the search index drops it


def restore_course(session: DbSession, course: Course) -> None:
    if course.retired_at is None:
        raise RetirementError("This course is not retired: it is offered already.")
    course.retired_at = None
    course.retired_by_id = None
    session.flush()
    course_changed.send(session, course_id=course.id)
