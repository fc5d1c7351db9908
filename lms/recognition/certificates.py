"""Course certificates: issued once per person and course when the course is completed.

Issued by a receiver of ``learning_progressed`` (in the learner's transaction, flush only) and by
``flask lms badges certificates`` for completions from before certificates existed. A unique
(user, course) constraint and a savepoint make issuing idempotent even when two completions race.
"""

from __future__ import annotations

import secrets
from typing import Any

import segno
from sqlalchemy import and_, select
from sqlalchemy.exc import IntegrityError

from lms.courses.models import Course, CourseVersion
from lms.database import DbSession, begin_outer_transaction
from lms.learn.models import Enrolment
from lms.learn.signals import learning_progressed
from lms.literacy.models import LiteracyLevel
from lms.recognition.kudos_models import Certificate


def find_certificate(session: DbSession, user_id: int, course_id: int) -> Certificate | None:
    return session.scalar(
        select(Certificate).where(
            Certificate.user_id == user_id, Certificate.course_id == course_id
        )
    )


def issue_certificate(session: DbSession, user_id: int, course_id: int) -> Certificate | None:
    """The person's certificate for the course, issued now if they completed it and have none."""
    existing = find_certificate(session, user_id, course_id)
    if existing is not None:
        return existing
    row = session.execute(
        select(Enrolment.completed_at, CourseVersion)
        .join(Course, Course.id == Enrolment.course_id)
        .join(CourseVersion, CourseVersion.id == Course.current_version_id)
        .where(
            Enrolment.user_id == user_id,
            Enrolment.course_id == course_id,
            Enrolment.completed_at.is_not(None),
        )
    ).first()
    if row is None:
        return None
    completed_at, version = row
    competencies = list(version.competencies or [])
    reached = dict(
        session.execute(
            select(LiteracyLevel.competency, LiteracyLevel.level).where(
                LiteracyLevel.user_id == user_id, LiteracyLevel.competency.in_(competencies)
            )
        ).all()
    )
    certificate = Certificate(
        user_id=user_id,
        course_id=course_id,
        course_title=version.title,
        course_summary=version.summary or "",
        completed_at=completed_at,
        levels={code: int(reached.get(code, 0)) for code in competencies},
        recipient_salt=secrets.token_hex(16),
    )
    begin_outer_transaction(session)
    try:
        with session.begin_nested():
            session.add(certificate)
            session.flush()
    except IntegrityError:
        return find_certificate(session, user_id, course_id)  # a concurrent completion won
    return certificate



def issue_missing_certificates(session: DbSession) -> int:
    """Certificates for every completed enrolment that has none (after an upgrade). Flushes."""
    pending = session.execute(
        select(Enrolment.user_id, Enrolment.course_id)
        .outerjoin(
            Certificate,
            and_(
                Certificate.user_id == Enrolment.user_id,
                Certificate.course_id == Enrolment.course_id,
            ),
        )
        .where(Enrolment.completed_at.is_not(None), Certificate.id.is_(None))
        .order_by(Enrolment.id)
    ).all()
    issued = 0
    for user_id, course_id in pending:
        if issue_certificate(session, user_id, course_id) is not None:
            issued += 1
    return issued


@learning_progressed.connect
def _issue_on_completion(sender: Any, **kwargs: Any) -> None:
    course_id = kwargs.get("course_id")
    user_id = kwargs.get("user_id")
    if course_id is None or user_id is None:
        return
    completed = sender.execute(
        select(Enrolment.id)
        .outerjoin(
            Certificate,
            and_(
                Certificate.user_id == Enrolment.user_id,
                Certificate.course_id == Enrolment.course_id,
            ),
        )
        .where(
            Enrolment.user_id == user_id,
            Enrolment.course_id == course_id,
            Enrolment.completed_at.is_not(None),
            Certificate.id.is_(None),
        )
    ).first()
    if completed is not None:
        issue_certificate(sender, user_id, course_id)


def qr_svg(url: str) -> str:
    """A QR code for ``url`` as inline SVG markup (no XML declaration, no inline style)."""
    code = segno.make(url, error="m")
    svg: str = code.svg_inline(scale=4, border=2, dark="#000", light="#fff", omitsize=False)
    return svg
