"""Measured difficulty: what real answers say about how hard a question is.

An author's ``difficulty`` label is a hypothesis. Once a question has at least ``min_responses``
answers that count as evidence, its facility (the share answered right) decides its measured
difficulty, which the level model then uses instead of the label (docs/literacy-model.md):

- facility 0.80 or more: 1 (most people get it right)
- facility from 0.45 to under 0.80: 2
- facility under 0.45: 3 (fewer than half get it right)
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Integer, case, delete, func, insert, select

from lms.courses.models import Course, MeasuredDifficulty, Question, QuestionVersion
from lms.database import DbSession
from lms.learn.models import AttemptAnswer
from lms.people.models import utcnow

EASY_FROM = 0.80
HARD_BELOW = 0.45


def difficulty_from_facility(facility: float) -> int:
    if facility >= EASY_FROM:
        return 1
    return 2 if facility >= HARD_BELOW else 3


@dataclass(frozen=True)
class Relabel:
    course: str
    question: str
    labelled: int
    measured: int
    facility: float
    responses: int


def measure(session: DbSession, min_responses: int) -> list[Relabel]:
    """Recompute every question's measured difficulty (one aggregate, one delete, one insert) and
    return the questions whose current label disagrees with it. Flushes only."""
    counted = (
        select(
            AttemptAnswer.question_id,
            func.count().label("responses"),
            func.avg(case((AttemptAnswer.correct, 1), else_=0).cast(Integer) * 1.0).label(
                "facility"
            ),
        )
        .where(AttemptAnswer.counts.is_(True))
        .group_by(AttemptAnswer.question_id)
        .having(func.count() >= min_responses)
    )
    rows = session.execute(counted).all()
    now = utcnow()
    session.execute(delete(MeasuredDifficulty))
    if rows:
        session.execute(
            insert(MeasuredDifficulty),
            [
                {
                    "question_id": question_id,
                    "difficulty": difficulty_from_facility(float(facility)),
                    "facility": round(float(facility), 4),
                    "responses": responses,
                    "computed_at": now,
                }
                for question_id, responses, facility in rows
            ],
        )
    session.flush()
    return suggested_relabels(session)


def suggested_relabels(session: DbSession) -> list[Relabel]:
    """Live questions whose author's label differs from the measured difficulty."""
    statement = (
        select(
            Course.slug,
            Question.slug,
            QuestionVersion.difficulty,
            MeasuredDifficulty.difficulty,
            MeasuredDifficulty.facility,
            MeasuredDifficulty.responses,
        )
        .join(Question, Question.id == MeasuredDifficulty.question_id)
        .join(Course, Course.id == Question.course_id)
        .join(
            QuestionVersion,
            (QuestionVersion.question_id == Question.id)
            & (QuestionVersion.course_version_id == Course.current_version_id),
        )
        .where(QuestionVersion.difficulty != MeasuredDifficulty.difficulty)
        .order_by(Course.slug, Question.slug)
    )
    return [Relabel(*row) for row in session.execute(statement).all()]
