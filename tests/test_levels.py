"""recompute_levels against the real database: stored levels per person and area, the history of
changes and the "level-changed" events (written only when a level changes), and the overall row.

Answers are written as evidence rows against a published question bank (one question version per
area and difficulty, a fresh question identity per answer), with chosen answer times, so the recency
rules are exercised for real.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from lms.activity.models import ActivityEvent
from lms.courses.models import Course, Question, QuestionVersion
from lms.courses.vocabulary import COMPETENCIES
from lms.extensions import db
from lms.learn.models import Attempt, AttemptAnswer
from lms.literacy.model import CORE_AREAS
from lms.literacy.models import OVERALL, LevelChange, LiteracyLevel
from lms.literacy.service import Change, recompute_levels
from lms.people.models import User, utcnow
from tests.learn_helpers import CourseSpec, ModuleSpec, QuestionSpec, publish_spec

T0 = datetime(2025, 3, 3, 9, 0)

Bank = dict[tuple[str, int], int]  # (competency, difficulty) -> question version id


@pytest.fixture
def bank(app: Flask, tmp_path: Path) -> Bank:
    """A published quiz pool with one question per competency area and difficulty."""
    spec = CourseSpec(
        slug="level-bank",
        title="Level bank",
        audience=("everyone",),
        competencies=tuple(COMPETENCIES),
        modules=[ModuleSpec("only-module", "Only module")],
        quiz_pool=[
            QuestionSpec(f"{area}-{difficulty}", area, difficulty, correct=0)
            for area in COMPETENCIES
            for difficulty in (1, 2, 3)
        ],
        quiz={
            "pass_mark": 60,
            "questions": 3,
            "max_attempts": 0,
            "cooldown_minutes": 0,
            "time_limit_minutes": 0,
            "review": "full",
        },
    )
    version_id = publish_spec(app, tmp_path / "courses", spec)
    with app.app_context():
        questions = db.session.scalars(
            select(QuestionVersion).where(QuestionVersion.course_version_id == version_id)
        ).all()
        found = {(q.competency, q.difficulty): q.id for q in questions}
        db.session.remove()
    assert len(found) == 3 * len(COMPETENCIES)
    return found


@dataclass(frozen=True)
class Given:
    competency: str
    difficulty: int
    correct: bool
    at: datetime


def give(app: Flask, bank: Bank, user: User, answers: list[Given]) -> None:
    """Store answers as evidence (one submitted attempt each), as quiz scoring would."""
    with app.app_context():
        for item in answers:
            question_version_id = bank[(item.competency, item.difficulty)]
            question = db.session.get(QuestionVersion, question_version_id)
            assert question is not None
            # A distinct question identity per answer, in a course of its own: only the newest
            # answer to a question counts, one course weighs at most SOURCE_CAP, and these tests
            # mean separate pieces of evidence (the cap has its own tests).
            source = Course(slug=f"source-{uuid.uuid4().hex}")
            db.session.add(source)
            db.session.flush()
            identity = Question(course_id=source.id, slug=f"q-{uuid.uuid4().hex}")
            db.session.add(identity)
            db.session.flush()
            attempt = Attempt(
                user_id=user.id,
                kind="baseline",
                question_version_ids=[question_version_id],
                started_at=item.at,
                submitted_at=item.at,
            )
            db.session.add(attempt)
            db.session.flush()
            db.session.add(
                AttemptAnswer(
                    attempt_id=attempt.id,
                    user_id=user.id,
                    question_id=identity.id,
                    question_version_id=question_version_id,
                    competency=item.competency,
                    difficulty=item.difficulty,
                    chosen=["a"] if item.correct else ["b"],
                    correct=item.correct,
                    answered_at=item.at,
                )
            )
        db.session.commit()
        db.session.remove()


def recompute(app: Flask, user: User, *areas: str) -> tuple[list[Change], datetime, datetime]:
    with app.app_context():
        before = utcnow()
        changes = recompute_levels(db.session, user.id, set(areas))
        db.session.commit()
        after = utcnow()
        db.session.remove()
    return changes, before, after


@dataclass(frozen=True)
class Row:
    level: int
    score: float
    evidence: float
    changed_at: datetime
    updated_at: datetime


def stored(app: Flask, user: User) -> dict[str, Row]:
    with app.app_context():
        rows = {
            row.competency: Row(row.level, row.score, row.evidence, row.changed_at, row.updated_at)
            for row in db.session.scalars(
                select(LiteracyLevel).where(LiteracyLevel.user_id == user.id)
            )
        }
        db.session.remove()
    return rows


def history(app: Flask, user: User) -> list[tuple[str, int, int, datetime]]:
    with app.app_context():
        rows = [
            (row.competency, row.old_level, row.new_level, row.changed_at)
            for row in db.session.scalars(
                select(LevelChange).where(LevelChange.user_id == user.id).order_by(LevelChange.id)
            )
        ]
        db.session.remove()
    return rows


def level_events(app: Flask, user: User) -> list[tuple[str, str, str, Any, datetime]]:
    with app.app_context():
        rows = [
            (event.object_type, event.object_id, event.object_name, event.result, event.occurred_at)
            for event in db.session.scalars(
                select(ActivityEvent)
                .where(ActivityEvent.user_id == user.id, ActivityEvent.verb == "level-changed")
                .order_by(ActivityEvent.id)
            )
        ]
        db.session.remove()
    return rows


def hard_right(area: str, count: int, at: datetime = T0) -> list[Given]:
    return [Given(area, 3, True, at + timedelta(minutes=i)) for i in range(count)]


def practising(area: str, at: datetime = T0) -> list[Given]:
    """Level 2 exactly: 4.0 of correct evidence, 3.0 of it at medium, score 4/6."""
    return [Given(area, 2, True, at), Given(area, 2, True, at), Given(area, 1, True, at)]


# ------------------------------------------------------------------------------------ tests


def test_levels_are_stored_per_person_and_area(
    app: Flask, bank: Bank, make_user: Callable[..., User]
) -> None:
    ada, ben = make_user(), make_user()
    give(app, bank, ada, hard_right("evaluating", 4))
    give(app, bank, ben, [Given("evaluating", 2, False, T0), Given("responsible", 2, False, T0)])

    changes, before, after = recompute(app, ada, "evaluating")
    assert changes == [Change("evaluating", 0, 3)]
    ben_changes, _, _ = recompute(app, ben, "evaluating", "responsible")
    assert ben_changes == []

    mine = stored(app, ada)
    assert set(mine) == {"evaluating", OVERALL}
    evaluating = mine["evaluating"]
    assert (evaluating.level, evaluating.score, evaluating.evidence) == (3, 0.8, 8.0)
    assert before <= evaluating.changed_at <= after
    assert evaluating.updated_at == evaluating.changed_at
    # Overall: the mean of six core areas (one at 3, five missing) rounded down; score alike.
    assert mine[OVERALL].level == 0
    assert mine[OVERALL].score == pytest.approx(0.8 / 6, abs=1e-4)

    theirs = stored(app, ben)
    assert {area: row.level for area, row in theirs.items()} == {
        "evaluating": 0,
        "responsible": 0,
        OVERALL: 0,
    }
    assert history(app, ben) == [] and level_events(app, ben) == []


def test_a_change_writes_one_history_row_and_one_event(
    app: Flask, bank: Bank, make_user: Callable[..., User]
) -> None:
    ada = make_user()
    give(app, bank, ada, hard_right("evaluating", 4))
    recompute(app, ada, "evaluating")
    row = stored(app, ada)["evaluating"]
    assert history(app, ada) == [("evaluating", 0, 3, row.changed_at)]
    assert level_events(app, ada) == [
        (
            "competency",
            "evaluating",
            "Evaluating outputs",
            {"level": 3, "previous": 0},
            row.changed_at,
        )
    ]


def test_recomputing_without_new_evidence_records_nothing(
    app: Flask, bank: Bank, make_user: Callable[..., User]
) -> None:
    ada = make_user()
    give(app, bank, ada, hard_right("evaluating", 4))
    recompute(app, ada, "evaluating")
    first = stored(app, ada)

    changes, before, _ = recompute(app, ada, "evaluating")
    assert changes == []
    again = stored(app, ada)
    assert again["evaluating"].changed_at == first["evaluating"].changed_at
    assert again["evaluating"].updated_at >= before  # checked, unchanged
    assert (again["evaluating"].level, again["evaluating"].score) == (3, 0.8)
    assert len(history(app, ada)) == 1
    assert len(level_events(app, ada)) == 1


def test_weaker_newer_evidence_takes_a_level_down_and_says_so(
    app: Flask, bank: Bank, make_user: Callable[..., User]
) -> None:
    ada = make_user()
    give(app, bank, ada, hard_right("evaluating", 4))
    recompute(app, ada, "evaluating")
    give(app, bank, ada, [Given("evaluating", 3, False, T0 + timedelta(days=1))] * 2)

    changes, before, after = recompute(app, ada, "evaluating")
    assert changes == [Change("evaluating", 3, 1)]
    row = stored(app, ada)["evaluating"]
    assert row.level == 1
    assert row.evidence == 12.0
    # share 8r/(8r + 4) with r = 0.5 ** (1/180) for the day-old right answers, times 8/(8 + 2)
    r = 0.5 ** (1 / 180)
    assert row.score == pytest.approx(8 * r / (8 * r + 4) * 0.8, abs=1e-4)
    assert before <= row.changed_at <= after
    assert [(c, old, new) for c, old, new, _ in history(app, ada)] == [
        ("evaluating", 0, 3),
        ("evaluating", 3, 1),
    ]
    assert [result for *_, result, _at in level_events(app, ada)] == [
        {"level": 3, "previous": 0},
        {"level": 1, "previous": 3},
    ]


def test_a_correct_answer_after_a_long_break_keeps_the_stored_level(
    app: Flask, bank: Bank, make_user: Callable[..., User]
) -> None:
    ada = make_user()
    give(app, bank, ada, hard_right("evaluating", 8))
    assert recompute(app, ada, "evaluating")[0] == [Change("evaluating", 0, 4)]
    give(app, bank, ada, [Given("evaluating", 1, True, T0 + timedelta(days=400))])
    assert recompute(app, ada, "evaluating")[0] == []
    assert stored(app, ada)["evaluating"].level == 4


def test_the_overall_row_follows_the_six_core_areas_and_ignores_leading(
    app: Flask, bank: Bank, make_user: Callable[..., User]
) -> None:
    ada = make_user()
    for area in CORE_AREAS[:5]:
        give(app, bank, ada, practising(area))
    changes, _, _ = recompute(app, ada, *CORE_AREAS[:5])
    assert set(changes) == {Change(area, 0, 2) for area in CORE_AREAS[:5]} | {Change(OVERALL, 0, 1)}
    assert changes[-1] == Change(OVERALL, 0, 1)
    assert stored(app, ada)[OVERALL].level == 1  # (5 * 2) / 6 rounded down

    give(app, bank, ada, practising(CORE_AREAS[5]))
    changes, before, after = recompute(app, ada, CORE_AREAS[5])
    assert changes == [Change(CORE_AREAS[5], 0, 2), Change(OVERALL, 1, 2)]
    overall = stored(app, ada)[OVERALL]
    assert overall.level == 2
    assert overall.score == pytest.approx(4 / 6, abs=1e-4)
    assert before <= overall.changed_at <= after
    assert history(app, ada)[-1][:3] == (OVERALL, 1, 2)
    assert level_events(app, ada)[-1][:4] == (
        "competency",
        OVERALL,
        "Overall AI literacy",
        {"level": 2, "previous": 1},
    )

    # Leading is stored like any area but does not move the overall level or its score.
    give(app, bank, ada, hard_right("leading", 8))
    changes, _, _ = recompute(app, ada, "leading")
    assert changes == [Change("leading", 0, 4)]
    rows = stored(app, ada)
    assert rows["leading"].level == 4
    assert (rows[OVERALL].level, rows[OVERALL].changed_at) == (2, overall.changed_at)
    assert rows[OVERALL].score == pytest.approx(4 / 6, abs=1e-4)


def test_only_the_requested_areas_are_recomputed(
    app: Flask, bank: Bank, make_user: Callable[..., User]
) -> None:
    ada = make_user()
    give(app, bank, ada, hard_right("evaluating", 4) + hard_right("directing", 4))
    recompute(app, ada, "evaluating")
    assert set(stored(app, ada)) == {"evaluating", OVERALL}
    recompute(app, ada, "directing")
    rows = stored(app, ada)
    assert (rows["evaluating"].level, rows["directing"].level) == (3, 3)
    assert rows[OVERALL].level == 1  # (3 + 3) / 6


def test_an_area_without_evidence_is_stored_at_0_without_a_change(
    app: Flask, bank: Bank, make_user: Callable[..., User]
) -> None:
    ada = make_user()
    changes, _, _ = recompute(app, ada, "context")
    assert changes == []
    rows = stored(app, ada)
    assert {area: (row.level, row.score, row.evidence) for area, row in rows.items()} == {
        "context": (0, 0.0, 0.0),
        OVERALL: (0, 0.0, 0.0),
    }
    assert history(app, ada) == [] and level_events(app, ada) == []


def test_only_the_newest_answer_to_a_question_counts(
    app: Flask, bank: Bank, make_user: Callable[..., User]
) -> None:
    """Retaking a reviewed check must not pile up evidence: repeats of one question count once."""
    learner = make_user()
    question_version_id = bank[("evaluating", 3)]
    with app.app_context():
        question = db.session.get(QuestionVersion, question_version_id)
        assert question is not None
        for number in range(12):
            attempt = Attempt(
                user_id=learner.id,
                kind="check",
                question_version_ids=[question_version_id],
                started_at=T0 + timedelta(minutes=number),
                submitted_at=T0 + timedelta(minutes=number),
            )
            db.session.add(attempt)
            db.session.flush()
            db.session.add(
                AttemptAnswer(
                    attempt_id=attempt.id,
                    user_id=learner.id,
                    question_id=question.question_id,
                    question_version_id=question_version_id,
                    competency="evaluating",
                    difficulty=3,
                    chosen=["a"],
                    correct=True,
                    answered_at=T0 + timedelta(minutes=number),
                )
            )
        db.session.commit()
        db.session.remove()
    changes, _, _ = recompute(app, learner, "evaluating")
    # Twelve right answers to distinct hard questions would reach level 4; one question is level 1.
    assert Change("evaluating", 0, 1) in changes
    assert stored(app, learner)["evaluating"].level == 1


def test_the_recompute_command_brings_stored_levels_back_to_the_evidence(
    app: Flask, bank: Bank, make_user: Callable[..., User]
) -> None:
    """As after a change to the level model: stored levels that no longer follow from the
    evidence are recomputed for everyone with evidence; people without any are left alone."""
    ada, ben, cy = make_user(), make_user(), make_user()
    give(app, bank, ada, hard_right("evaluating", 4))
    give(app, bank, ben, practising("responsible"))
    recompute(app, ada, "evaluating")
    recompute(app, ben, "responsible")
    with app.app_context():  # what an older model had stored
        row = db.session.scalar(
            select(LiteracyLevel).where(
                LiteracyLevel.user_id == ada.id, LiteracyLevel.competency == "evaluating"
            )
        )
        assert row is not None and row.level == 3
        row.level = 1
        db.session.commit()
        db.session.remove()

    runner = app.test_cli_runner()
    result = runner.invoke(args=["lms", "levels", "recompute"])
    assert result.exit_code == 0, result.output
    assert "Recomputed 2 person(s) with evidence: 1 changed, 1 level change(s)" in result.output
    assert stored(app, ada)["evaluating"].level == 3
    assert history(app, ada)[-1][:3] == ("evaluating", 1, 3)
    assert stored(app, ben)["responsible"].level == 2
    assert stored(app, cy) == {}

    again = runner.invoke(args=["lms", "levels", "recompute", "--email", ada.email])
    assert "Recomputed 1 person(s) with evidence: 0 changed" in again.output
    unknown = runner.invoke(args=["lms", "levels", "recompute", "--email", "nobody@example.com"])
    assert unknown.exit_code != 0 and "No one has the email nobody@example.com" in unknown.output
