"""Keeping stored levels in step with the evidence (answers)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from lms.activity.service import record
from lms.courses.models import CourseVersion, MeasuredDifficulty, Question, QuestionVersion
from lms.courses.vocabulary import COMPETENCIES
from lms.database import DbSession
from lms.learn.models import AttemptAnswer
from lms.literacy.model import (
    CORE_AREAS,
    RULES,
    Evidence,
    area_level,
    overall_level,
    shortfall,
)
from lms.literacy.models import OVERALL, LevelChange, LiteracyLevel
from lms.people.models import utcnow


@dataclass(frozen=True)
class Change:
    competency: str
    old: int
    new: int


def current_levels(session: DbSession, user_id: int) -> dict[str, LiteracyLevel]:
    rows = session.scalars(select(LiteracyLevel).where(LiteracyLevel.user_id == user_id))
    return {row.competency: row for row in rows}


def recompute_levels(session: DbSession, user_id: int, competencies: set[str]) -> list[Change]:
    """Recompute the given areas (and overall) from all of the person's answers; record changes."""
    now = utcnow()
    # Only answers that count (a knowledge check's retry is practice) to questions of approved
    # course versions, and of those only the newest to each question: levels come from vouched-for
    # evidence, not from repetition.
    newest_per_question = (
        select(func.max(AttemptAnswer.id))
        .join(QuestionVersion, QuestionVersion.id == AttemptAnswer.question_version_id)
        .join(CourseVersion, CourseVersion.id == QuestionVersion.course_version_id)
        .where(
            AttemptAnswer.user_id == user_id,
            AttemptAnswer.competency.in_(competencies),
            AttemptAnswer.counts.is_(True),
            CourseVersion.approved_at.is_not(None),
        )
        .group_by(AttemptAnswer.question_id)
    )
    answers = session.execute(
        select(
            AttemptAnswer.competency,
            # Measured difficulty replaces the author's label once enough people answered.
            func.coalesce(MeasuredDifficulty.difficulty, AttemptAnswer.difficulty),
            AttemptAnswer.correct,
            AttemptAnswer.answered_at,
            Question.course_id,  # the source: one course's weight in a level is capped
        )
        .join(Question, Question.id == AttemptAnswer.question_id)
        .outerjoin(MeasuredDifficulty, MeasuredDifficulty.question_id == AttemptAnswer.question_id)
        .where(AttemptAnswer.id.in_(newest_per_question))
    ).all()
    evidence: dict[str, list[Evidence]] = {competency: [] for competency in competencies}
    for competency, difficulty, correct, answered_at, course_id in answers:
        evidence[competency].append(
            Evidence(competency, difficulty, correct, answered_at, f"course:{course_id}")
        )
    stored = current_levels(session, user_id)
    changes: list[Change] = []
    for competency, items in evidence.items():
        result = area_level(items)
        changes.extend(
            _store(
                session,
                stored,
                user_id,
                competency,
                result.level,
                result.score,
                result.evidence,
                now,
            )
        )
    levels = {name: row.level for name, row in stored.items() if name in COMPETENCIES}
    overall = overall_level(levels)
    # Like the overall level: the mean over the six core areas, missing areas counting 0.
    average_score = sum(stored[area].score for area in CORE_AREAS if area in stored) / len(
        CORE_AREAS
    )
    changes.extend(_store(session, stored, user_id, OVERALL, overall, average_score, 0.0, now))
    for change in changes:
        record(
            session,
            user_id,
            "level-changed",
            "competency",
            change.competency,
            object_name=COMPETENCIES.get(change.competency, "Overall AI literacy"),
            result={"level": change.new, "previous": change.old},
            at=now,
        )
    session.flush()
    return changes


def _store(
    session: DbSession,
    stored: dict[str, LiteracyLevel],
    user_id: int,
    competency: str,
    level: int,
    score: float,
    evidence: float,
    now: datetime,
) -> list[Change]:
    row = stored.get(competency)
    if row is None:
        row = LiteracyLevel(
            user_id=user_id, competency=competency, level=0, score=0.0, evidence=0.0, changed_at=now
        )
        session.add(row)
        stored[competency] = row
    old = row.level
    row.score = round(score, 4)
    row.evidence = evidence
    row.updated_at = now
    if level != old:
        row.level = level
        row.changed_at = now
        session.add(
            LevelChange(
                user_id=user_id,
                competency=competency,
                old_level=old,
                new_level=level,
                changed_at=now,
            )
        )
        return [Change(competency, old, level)]
    return []


@dataclass(frozen=True)
class LevelStep:
    """One area's (or the overall) level just before an attempt and just after it."""

    competency: str
    before: int
    after: int
    # What keeps ``after`` from the next level (``model.shortfall``); empty at the top, and for
    # the overall level, which rises with the areas.
    missing: tuple[str, ...] = ()
    hard_difficulty: int = 0  # the next level's difficulty for "hard"

    @property
    def changed(self) -> bool:
        return self.before != self.after


def levels_around(
    session: DbSession,
    user_id: int,
    attempt_id: int,
    submitted_at: datetime,
    areas: Iterable[str] = (),
) -> dict[str, LevelStep]:
    """Every area with evidence (and ``areas``, evidence or not), and the overall level, as they
    stood without and with this attempt's answers: one statement, whatever the history.

    The same evidence rules as :func:`recompute_levels` (answers that count, approved versions,
    the newest answer per question, measured difficulty), limited to answers given up to the
    attempt, so a later attempt does not change what this one did.
    """
    rows = session.execute(
        select(
            AttemptAnswer.attempt_id,
            AttemptAnswer.question_id,
            AttemptAnswer.competency,
            func.coalesce(MeasuredDifficulty.difficulty, AttemptAnswer.difficulty),
            AttemptAnswer.correct,
            AttemptAnswer.answered_at,
            Question.course_id,
        )
        .join(QuestionVersion, QuestionVersion.id == AttemptAnswer.question_version_id)
        .join(CourseVersion, CourseVersion.id == QuestionVersion.course_version_id)
        .join(Question, Question.id == AttemptAnswer.question_id)
        .outerjoin(MeasuredDifficulty, MeasuredDifficulty.question_id == AttemptAnswer.question_id)
        .where(
            AttemptAnswer.user_id == user_id,
            AttemptAnswer.counts.is_(True),
            CourseVersion.approved_at.is_not(None),
            AttemptAnswer.answered_at <= submitted_at,
        )
        .order_by(AttemptAnswer.id)
    ).all()
    newest_after: dict[int, Evidence] = {}
    newest_before: dict[int, Evidence] = {}
    for attempt, question, competency, difficulty, correct, at, course in rows:
        item = Evidence(competency, difficulty, correct, at, f"course:{course}")
        newest_after[question] = item  # ordered by id: the last one is the newest
        if attempt != attempt_id:
            newest_before[question] = item
    before = _levels_of(newest_before.values())
    after = _levels_of(newest_after.values())
    steps = {
        area: _step(area, before.get(area, 0), after.get(area, 0), newest_after.values())
        for area in {*after, *areas}
    }
    steps[OVERALL] = LevelStep(OVERALL, overall_level(before), overall_level(after))
    return steps


def _levels_of(items: Iterable[Evidence]) -> dict[str, int]:
    grouped: dict[str, list[Evidence]] = {}
    for item in items:
        grouped.setdefault(item.competency, []).append(item)
    return {area: area_level(group).level for area, group in grouped.items()}


def _step(area: str, before: int, after: int, items: Iterable[Evidence]) -> LevelStep:
    if after >= RULES[0].level:  # the top level: nothing above it
        return LevelStep(area, before, after)
    rule = next(rule for rule in RULES if rule.level == after + 1)
    mine = [item for item in items if item.competency == area]
    return LevelStep(area, before, after, shortfall(mine, after + 1), rule.hard_difficulty)


def recompute_people(session: DbSession, user_ids: list[int]) -> dict[int, list[Change]]:
    """Recompute every area each of these people has evidence or a stored level in (and their
    overall level), as after a change to the level model. Two queries to find the areas, then
    :func:`recompute_levels` per person; flushes only."""
    areas: dict[int, set[str]] = {}
    answered = select(AttemptAnswer.user_id, AttemptAnswer.competency).where(
        AttemptAnswer.user_id.in_(user_ids)
    )
    levelled = select(LiteracyLevel.user_id, LiteracyLevel.competency).where(
        LiteracyLevel.user_id.in_(user_ids), LiteracyLevel.competency != OVERALL
    )
    for statement in (answered.distinct(), levelled):
        for user_id, competency in session.execute(statement):
            if competency in COMPETENCIES:
                areas.setdefault(user_id, set()).add(competency)
    return {
        user_id: recompute_levels(session, user_id, competencies)
        for user_id, competencies in sorted(areas.items())
    }
