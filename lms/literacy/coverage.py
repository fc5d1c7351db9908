"""Who has been measured: "not measured" is not level 0.

Level 0 means "no reliable evidence yet" for someone who has answered; someone who never answered
anything that counts has no level at all. Every view that distributes people over levels (the
organisation view, the team dashboard, weekly snapshots, the AI literacy record) keeps those
people apart as *not measured*, with this one definition:

A person is **measured** once they have counting evidence: an answer that counts (not a knowledge
check's retry) to a question of an approved course version (docs/literacy-model.md).

- Now: read from the stored levels, which carry the amount of evidence behind them
  (``LiteracyLevel.evidence`` is the difficulty weight of those answers). A stored level above 0
  counts too: the overall row stores no amount of its own, and a level is evidence in itself.
- As of a past moment (weekly snapshots): read from the answers, since the level history records
  only changes (someone measured at level 0 leaves no history).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import SQLColumnExpression, exists, or_, select
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

from lms.courses.models import CourseVersion, QuestionVersion
from lms.learn.models import AttemptAnswer
from lms.literacy.models import LiteracyLevel

NOT_MEASURED = "Not measured"


def has_evidence(level: Any = LiteracyLevel) -> ColumnElement[bool]:
    """A stored level row (of ``LiteracyLevel`` or an alias of it) with evidence behind it."""
    return or_(level.evidence > 0, level.level > 0)


def measured_now(user_id: SQLColumnExpression[int]) -> ColumnElement[bool]:
    """The person has counting evidence today (one indexed look-up per person). On an alias, so
    it can sit in a query that joins the stored levels itself."""
    level = aliased(LiteracyLevel, name="evidence_level")
    return exists().where(level.user_id == user_id, has_evidence(level))


def measured_by(user_id: SQLColumnExpression[int], moment: datetime) -> ColumnElement[bool]:
    """The person had given a counting answer, to a version approved by then, before ``moment``."""
    return (
        select(AttemptAnswer.id)
        .join(QuestionVersion, QuestionVersion.id == AttemptAnswer.question_version_id)
        .join(CourseVersion, CourseVersion.id == QuestionVersion.course_version_id)
        .where(
            AttemptAnswer.user_id == user_id,
            AttemptAnswer.counts.is_(True),
            AttemptAnswer.answered_at < moment,
            CourseVersion.approved_at < moment,
        )
        .exists()
    )
