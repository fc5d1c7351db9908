"""Who decides what a right answer proves: approving a course version as level evidence.

A version an author publishes can be taken by learners at once, but its answers count towards
levels only after someone else vouches for it: an admin, or - when ``EVIDENCE_APPROVAL`` is
``second-author`` - another author (never the one who published it). Approving recomputes the
levels of everyone who already answered it. See docs/literacy-model.md.
"""

from __future__ import annotations

from sqlalchemy import select, update

from lms.courses.models import CourseVersion, QuestionVersion
from lms.database import DbSession
from lms.learn.models import AttemptAnswer
from lms.literacy.service import recompute_people
from lms.people.models import User, utcnow

MODES = ("admin", "second-author")


class ApprovalError(Exception):
    """Refused, with a reason the person can act on."""


def may_approve(user: User, version: CourseVersion, mode: str) -> bool:
    if user.is_admin:
        return True
    return mode == "second-author" and user.is_author and version.published_by_id != user.id


def approve_version(session: DbSession, user: User, version: CourseVersion, mode: str) -> int:
    """Record the approval and recompute the levels it changes; returns how many people had
    answered the version. Flushes."""
    if not may_approve(user, version, mode):
        raise ApprovalError(
            "Only an administrator can approve this version"
            + (
                ", or an author other than the one who published it."
                if mode == "second-author"
                else "."
            )
        )
    claimed = session.execute(
        update(CourseVersion)
        .where(CourseVersion.id == version.id, CourseVersion.approved_at.is_(None))
        .values(approved_at=utcnow(), approved_by_id=user.id)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise ApprovalError("This version is already approved.")
    session.refresh(version)
    people = list(
        session.scalars(
            select(AttemptAnswer.user_id)
            .join(QuestionVersion, QuestionVersion.id == AttemptAnswer.question_version_id)
            .where(QuestionVersion.course_version_id == version.id)
            .distinct()
        )
    )
    recompute_people(session, people)
    return len(people)


def pending_versions(session: DbSession, user: User, mode: str) -> list[CourseVersion]:
    """Versions waiting for approval that this person may approve, oldest first."""
    if not user.is_admin and mode != "second-author":
        return []
    statement = (
        select(CourseVersion)
        .where(CourseVersion.approved_at.is_(None))
        .order_by(CourseVersion.published_at, CourseVersion.id)
    )
    if not user.is_admin:
        statement = statement.where(
            (CourseVersion.published_by_id != user.id) | CourseVersion.published_by_id.is_(None)
        )
    return list(session.scalars(statement))


def pending_version(
    session: DbSession, user: User, version_id: int, mode: str
) -> CourseVersion | None:
    """One version waiting for approval, if this person may approve it (else None: a 404)."""
    version = session.get(CourseVersion, version_id)
    if version is None or version.approved_at is not None or not may_approve(user, version, mode):
        return None
    return version


def version_questions(session: DbSession, version: CourseVersion) -> list[QuestionVersion]:
    return list(
        session.scalars(
            select(QuestionVersion)
            .where(QuestionVersion.course_version_id == version.id)
            .order_by(QuestionVersion.module_id.is_not(None), QuestionVersion.position)
        )
    )
