"""Attempts at quizzes, knowledge checks and the baseline assessment.

The answer key lives only in ``QuestionVersion.options``; what the browser gets before submission is
built by :func:`question_for_learner`, which copies the stem and option texts and nothing else.
Scoring happens here, on the server, once: a conditional UPDATE claims the attempt and the unique
(attempt, question) constraint on answers backs it up.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import defer, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from lms.activity.service import record
from lms.assessment.draw import option_order, unseen_first
from lms.courses.models import Course, CourseVersion, ModuleVersion, QuestionVersion
from lms.database import DbSession
from lms.learn.models import (
    Attempt,
    AttemptAnswer,
    AttemptGrant,
    Enrolment,
    ModuleProgress,
    TimeAccommodation,
)
from lms.learn.service import (
    LearnError,
    complete_module,
    course_progress,
    get_progress,
    maybe_complete_course,
)
from lms.learn.signals import learning_progressed
from lms.literacy.service import Change, recompute_levels
from lms.people.models import User, utcnow

BASELINE_PER_AREA = 3
CHECK_PASS_MARK = 70


@dataclass
class LearnerOption:
    # The option's place on this attempt's page (1, 2, ...): what the form posts. Never the
    # stored key, whose letter follows the authored order and so could hint at the answer.
    value: str
    html: str


@dataclass
class LearnerQuestion:
    id: int
    stem_html: str
    multiple_answers: bool
    options: list[LearnerOption]
    competency: str


def question_for_learner(question: QuestionVersion, attempt: Attempt) -> LearnerQuestion:
    """Only what a learner may see before submitting: no correct flags, feedback or explanation,
    options in this attempt's order, identified by their place on the page."""
    return LearnerQuestion(
        id=question.id,
        stem_html=question.stem_html,
        multiple_answers=question.multiple_answers,
        options=[
            LearnerOption(str(place), option["html"])
            for place, option in enumerate(ordered_options(question, attempt), start=1)
        ],
        competency=question.competency,
    )


def option_order_of(question: QuestionVersion, attempt: Attempt) -> list[str]:
    """The keys in the order this attempt shows them (authored order for older attempts)."""
    keys = [option["key"] for option in question.options]
    stored = (attempt.option_orders or {}).get(str(question.id))
    return stored if stored is not None and sorted(stored) == sorted(keys) else keys


def ordered_options(question: QuestionVersion, attempt: Attempt) -> list[dict[str, Any]]:
    by_key = {option["key"]: option for option in question.options}
    return [by_key[key] for key in option_order_of(question, attempt)]


def answers_from_form(
    session: DbSession, attempt: Attempt, posted: dict[int, list[str]]
) -> dict[int, list[str]]:
    """Places on the page, as posted, to option keys. Anything else posted is ignored."""
    answers: dict[int, list[str]] = {}
    for question in attempt_questions(session, attempt):
        order = option_order_of(question, attempt)
        places = {str(place): key for place, key in enumerate(order, start=1)}
        answers[question.id] = [places[v] for v in posted.get(question.id, []) if v in places]
    return answers


def attempt_questions(session: DbSession, attempt: Attempt) -> list[QuestionVersion]:
    by_id = {
        q.id: q
        for q in session.scalars(
            select(QuestionVersion).where(QuestionVersion.id.in_(attempt.question_version_ids))
        )
    }
    return [by_id[qid] for qid in attempt.question_version_ids if qid in by_id]


def get_attempt_for(session: DbSession, attempt_id: int, user_id: int) -> Attempt | None:
    """An attempt belongs to one person: anyone else gets None (and the view answers 404)."""
    found: Attempt | None = session.scalar(
        select(Attempt)
        .where(Attempt.id == attempt_id, Attempt.user_id == user_id)
        # What its pages and scoring need, in the same query: course version, course, module.
        .options(
            joinedload(Attempt.course_version).options(
                defer(CourseVersion.source),
                defer(CourseVersion.overview_html),
                joinedload(CourseVersion.course),
            ),
            joinedload(Attempt.module),
        )
    )
    return found


# ---------------------------------------------------------------------------- starting attempts


def start_check(
    session: DbSession, user: User, course: Course, version: CourseVersion, module_id: int
) -> Attempt:
    questions = list(
        session.scalars(
            select(QuestionVersion)
            .where(
                QuestionVersion.course_version_id == version.id,
                QuestionVersion.module_id == module_id,
            )
            .order_by(QuestionVersion.position)
        )
    )
    if not questions:
        raise LearnError("This module has no knowledge check.")
    _require_enrolment(session, user, course)
    pass_mark = (version.quiz_settings or {}).get("pass_mark", CHECK_PASS_MARK)
    review = (version.quiz_settings or {}).get("review", "guarded")
    return _new_attempt(
        session, user, "check", course, version, questions, pass_mark, review, None, module_id
    )


def quiz_status(
    session: DbSession, user: User, course: Course, version: CourseVersion
) -> dict[str, Any]:
    """Whether the person may start the final quiz now, and why not."""
    settings = version.quiz_settings or {}
    attempts = list(
        session.scalars(
            select(Attempt)
            .where(
                Attempt.user_id == user.id, Attempt.course_id == course.id, Attempt.kind == "quiz"
            )
            .order_by(Attempt.started_at)
        )
    )
    now = utcnow()

    def overdue(attempt: Attempt) -> bool:
        return attempt.deadline_at is not None and attempt.deadline_at < now

    open_attempt = next((a for a in attempts if a.submitted_at is None and not overdue(a)), None)
    passed = any(a.passed for a in attempts)
    used = len(attempts)
    granted = granted_attempts(session, user.id, course.id)
    limit = settings.get("max_attempts", 0)
    limit = limit + granted if limit else 0
    reason = None
    available_at: datetime | None = None
    if passed:
        reason = "You have passed this quiz."
    elif limit and used >= limit and open_attempt is None:
        reason = f"You have used all {limit} attempts."
    else:
        # When each failed try ended: submitted and failed, or ran out of time (whether or not
        # _expire_overdue has closed it yet), so the answer is the same before and after closing.
        ended: list[datetime | None] = [a.submitted_at for a in attempts if a.passed is False]
        ended += [a.deadline_at for a in attempts if a.submitted_at is None and overdue(a)]
        failed = [at for at in ended if at is not None]
        cooldown = settings.get("cooldown_minutes", 0)
        if failed and cooldown and open_attempt is None:
            ready = max(failed) + timedelta(minutes=cooldown)
            if ready > now:
                available_at = ready
                reason = "Take a break before the next attempt."
    return {
        "settings": settings,
        "attempts": attempts,
        "open_attempt": open_attempt,
        "passed": passed,
        "used": used,
        "limit": limit,
        "granted": granted,
        "reason": reason,
        "available_at": available_at,
    }


def start_quiz(
    session: DbSession,
    user: User,
    course: Course,
    version: CourseVersion,
    rng: random.Random | None = None,
) -> Attempt:
    settings = version.quiz_settings
    if not settings:
        raise LearnError("This course has no quiz.")
    enrolment = _require_enrolment(session, user, course)
    # Two tabs or a double click start the quiz at the same moment: this UPDATE holds the
    # enrolment row (PostgreSQL) or the write lock (SQLite) until commit, so the check for an open
    # attempt below sees the attempt the other request created instead of opening a second one.
    session.execute(
        update(Enrolment)
        .where(Enrolment.id == enrolment.id)
        .values(last_active_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    progress = course_progress(session, user.id, course, version, enrolment, enrolment_known=True)
    if not progress.all_modules_complete:
        raise LearnError("Complete every module before the final quiz.")
    _expire_overdue(session, user.id, course.id)
    status = quiz_status(session, user, course, version)
    if status["open_attempt"] is not None:
        return status["open_attempt"]  # type: ignore[no-any-return]
    if status["reason"]:
        raise LearnError(status["reason"])
    pool = list(
        session.scalars(
            select(QuestionVersion)
            .where(
                QuestionVersion.course_version_id == version.id, QuestionVersion.module_id.is_(None)
            )
            .order_by(QuestionVersion.position)
        )
    )
    chooser = rng or random.SystemRandom()
    seen = last_seen_questions(session, status["attempts"])
    by_identity = {question.question_id: question for question in pool}
    drawn_ids = unseen_first(list(by_identity), seen, settings["questions"], chooser)
    drawn = [by_identity[question_id] for question_id in drawn_ids]
    minutes = time_limit_for(session, user.id, settings.get("time_limit_minutes", 0))
    deadline = utcnow() + timedelta(minutes=minutes) if minutes else None
    return _new_attempt(
        session,
        user,
        "quiz",
        course,
        version,
        drawn,
        settings["pass_mark"],
        settings["review"],
        deadline,
        None,
        chooser,
    )


def last_seen_questions(session: DbSession, attempts: list[Attempt]) -> dict[int, datetime]:
    """Question identity -> when this person was last shown it in these attempts (attempts store
    question *version* ids, and a question keeps its identity across published versions)."""
    version_ids = {qid for attempt in attempts for qid in attempt.question_version_ids}
    if not version_ids:
        return {}
    identity = dict(
        session.execute(
            select(QuestionVersion.id, QuestionVersion.question_id).where(
                QuestionVersion.id.in_(version_ids)
            )
        ).all()
    )
    seen: dict[int, datetime] = {}
    for attempt in attempts:
        for version_id in attempt.question_version_ids:
            question_id = identity.get(version_id)
            if question_id is not None:
                when = seen.get(question_id, attempt.started_at)
                seen[question_id] = max(when, attempt.started_at)
    return seen


def granted_attempts(session: DbSession, user_id: int, course_id: int) -> int:
    return (
        session.scalar(
            select(func.count(AttemptGrant.id)).where(
                AttemptGrant.user_id == user_id, AttemptGrant.course_id == course_id
            )
        )
        or 0
    )


def time_limit_for(session: DbSession, user_id: int, minutes: int) -> int:
    """The quiz's limit in minutes for this person: their accommodation applied (0 = none)."""
    if not minutes:
        return 0
    multiplier = session.scalar(
        select(TimeAccommodation.multiplier).where(TimeAccommodation.user_id == user_id)
    )
    if multiplier is None:
        return minutes
    return 0 if multiplier == 0 else math.ceil(minutes * multiplier)


def start_baseline(session: DbSession, user: User, rng: random.Random | None = None) -> Attempt:
    """A mixed set across every area from the live pools: easy, medium and hard where possible."""
    from lms.literacy.model import CORE_AREAS

    open_attempt: Attempt | None = session.scalar(
        select(Attempt).where(
            Attempt.user_id == user.id, Attempt.kind == "baseline", Attempt.submitted_at.is_(None)
        )
    )
    if open_attempt is not None:
        return open_attempt
    areas = list(CORE_AREAS)
    from lms.learn.service import audiences_for

    if audiences_for(session, user) & {"managers", "executives"}:
        areas.append("leading")
    live = (
        select(QuestionVersion)
        .join(Course, Course.current_version_id == QuestionVersion.course_version_id)
        .where(QuestionVersion.competency.in_(areas))
    )
    by_area: dict[str, dict[int, list[QuestionVersion]]] = {}
    for question in session.scalars(live):
        by_area.setdefault(question.competency, {}).setdefault(question.difficulty, []).append(
            question
        )
    chooser = rng or random.SystemRandom()
    drawn: list[QuestionVersion] = []
    for area in areas:
        buckets = by_area.get(area, {})
        picked: list[QuestionVersion] = []
        for difficulty in (1, 2, 3):
            if buckets.get(difficulty):
                picked.append(chooser.choice(buckets[difficulty]))
        rest = [q for qs in buckets.values() for q in qs if q not in picked]
        while len(picked) < BASELINE_PER_AREA and rest:
            picked.append(rest.pop(chooser.randrange(len(rest))))
        drawn.extend(picked[:BASELINE_PER_AREA])
    if not drawn:
        raise LearnError("There are no published questions yet.")
    chooser.shuffle(drawn)
    return _new_attempt(
        session, user, "baseline", None, None, drawn, 0, "score", None, None, chooser
    )


def _require_enrolment(session: DbSession, user: User, course: Course) -> Enrolment:
    enrolment: Enrolment | None = session.scalar(
        select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.course_id == course.id)
    )
    if enrolment is None:
        raise LearnError("Enrol in the course first.")
    return enrolment


def _expire_overdue(session: DbSession, user_id: int, course_id: int) -> None:
    """Close attempts whose time ran out: they count as failed with what was (not) submitted."""
    now = utcnow()
    overdue = session.scalars(
        select(Attempt).where(
            Attempt.user_id == user_id,
            Attempt.course_id == course_id,
            Attempt.submitted_at.is_(None),
            Attempt.deadline_at.is_not(None),
            Attempt.deadline_at < now,
        )
    )
    for attempt in overdue:
        # Closed as of its deadline: the cool-down runs from when the time ran out.
        claimed = session.execute(
            update(Attempt)
            .where(Attempt.id == attempt.id, Attempt.submitted_at.is_(None))
            .values(submitted_at=attempt.deadline_at, score=0.0, passed=False)
        )
        if claimed.rowcount:  # type: ignore[attr-defined]
            session.refresh(attempt)


def _new_attempt(
    session: DbSession,
    user: User,
    kind: str,
    course: Course | None,
    version: CourseVersion | None,
    questions: list[QuestionVersion],
    pass_mark: int,
    review: str,
    deadline: datetime | None,
    module_id: int | None,
    rng: random.Random | None = None,
) -> Attempt:
    chooser = rng or random.SystemRandom()
    attempt = Attempt(
        user_id=user.id,
        kind=kind,
        course_id=course.id if course else None,
        course_version_id=version.id if version else None,
        module_id=module_id,
        question_version_ids=[q.id for q in questions],
        started_at=utcnow(),
        deadline_at=deadline,
        pass_mark=pass_mark,
        review=review,
        option_orders={str(q.id): _shuffled_keys(q, chooser) for q in questions},
    )
    session.add(attempt)
    session.flush()
    return attempt


def _shuffled_keys(question: QuestionVersion, rng: random.Random) -> list[str]:
    keys = [option["key"] for option in question.options]
    if question.type == "true-false":
        return keys  # True, False as written: their order tells nothing
    return option_order(keys, question.pin_last, rng)


# ------------------------------------------------------------------------------------- submitting


@dataclass
class SubmitResult:
    attempt: Attempt
    level_changes: list[Change]
    course_completed: bool


class AlreadySubmitted(LearnError):
    pass


def submit_attempt(
    session: DbSession, user: User, attempt: Attempt, answers: dict[int, list[str]]
) -> SubmitResult:
    """Score an attempt exactly once. ``answers`` maps question version id -> chosen option keys.

    The answers are scored first; then a single conditional UPDATE claims the attempt (still
    unsubmitted, this person's) and stores the score. Whoever's UPDATE changes the row scored the
    attempt; any other submission, concurrent or later, changes nothing and is refused. The unique
    (attempt, question) constraint on answers backs the claim up in the database.
    """
    now = utcnow()
    if attempt.deadline_at is not None and now > attempt.deadline_at + timedelta(seconds=5):
        raise LearnError("The time for this attempt has run out; it was not scored.")
    questions = attempt_questions(session, attempt)
    seconds_taken = int((now - attempt.started_at).total_seconds())
    rows: list[dict[str, Any]] = []
    for question in questions:
        valid_keys = {option["key"] for option in question.options}
        chosen = sorted(set(answers.get(question.id, [])) & valid_keys)
        if not question.multiple_answers:
            chosen = chosen[:1]
        rows.append(
            {
                "attempt_id": attempt.id,
                "user_id": user.id,
                "question_id": question.question_id,
                "question_version_id": question.id,
                "competency": question.competency,
                "difficulty": question.difficulty,
                "chosen": chosen,
                "correct": set(chosen) == question.correct_keys,
                "answered_at": now,
                "seconds_taken": seconds_taken,
            }
        )
    _mark_practice(session, user.id, attempt, rows)
    competencies = {row["competency"] for row in rows if row["counts"]}
    correct_count = sum(1 for row in rows if row["correct"])
    score = round(100 * correct_count / len(questions), 1) if questions else 0.0
    passed = score >= attempt.pass_mark
    claimed = session.execute(
        update(Attempt)
        .where(Attempt.id == attempt.id, Attempt.user_id == user.id, Attempt.submitted_at.is_(None))
        .values(submitted_at=now, score=score, passed=passed)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise AlreadySubmitted("This attempt has already been submitted.")
    # The row now holds these values; the object learns them without another query.
    set_committed_value(attempt, "submitted_at", now)
    set_committed_value(attempt, "score", score)
    set_committed_value(attempt, "passed", passed)
    if rows:
        # One multi-row INSERT; the unique (attempt, question) constraint fires if anything slipped.
        session.execute(insert(AttemptAnswer), rows)
    course_completed = _after_scoring(session, user, attempt, now)
    changes = recompute_levels(session, user.id, competencies) if competencies else []
    learning_progressed.send(
        session, user_id=user.id, reason=f"{attempt.kind}-scored", course_id=attempt.course_id
    )
    return SubmitResult(attempt, changes, course_completed)


def _mark_practice(
    session: DbSession, user_id: int, attempt: Attempt, rows: list[dict[str, Any]]
) -> None:
    """A knowledge check's answer to a question version this person has answered before is
    practice: recorded, never level evidence (only the first answer to a version counts)."""
    if attempt.kind != "check" or not rows:
        for row in rows:
            row["counts"] = True
        return
    answered = set(
        session.scalars(
            select(AttemptAnswer.question_version_id)
            .where(
                AttemptAnswer.user_id == user_id,
                AttemptAnswer.question_version_id.in_([row["question_version_id"] for row in rows]),
            )
            .distinct()
        )
    )
    for row in rows:
        row["counts"] = row["question_version_id"] not in answered


def _after_scoring(session: DbSession, user: User, attempt: Attempt, now: datetime) -> bool:
    result = {
        "scaled": (attempt.score or 0) / 100,
        "success": bool(attempt.passed),
        "score": attempt.score,
    }
    if attempt.kind == "baseline":
        record(
            session,
            user.id,
            "completed",
            "baseline",
            "baseline",
            object_name="Where do I stand?",
            result=result,
            at=now,
        )
        return False
    version = attempt.course_version  # loaded with the attempt (get_attempt_for)
    if version is None:
        return False
    course = version.course
    module = attempt.module
    object_id = course.slug
    if attempt.kind == "check" and attempt.module_id:
        object_id = f"{course.slug}/{module.slug if module else attempt.module_id}"
    record(
        session,
        user.id,
        "passed" if attempt.passed else "failed",
        attempt.kind,
        object_id,
        object_name=version.title,
        course_id=course.id,
        result=result,
        at=now,
    )
    # Touch the enrolment and load it in one statement.
    enrolment = session.scalars(
        update(Enrolment)
        .where(Enrolment.user_id == user.id, Enrolment.course_id == course.id)
        .values(last_active_at=now)
        .returning(Enrolment)
        .execution_options(synchronize_session=False)
    ).first()
    if not attempt.passed:
        return False  # a failed attempt completes nothing
    if attempt.kind == "check" and module is not None:
        progress = get_progress(session, user.id, module.id)
        if progress is None:
            # Passed before marking the module read: keep the pass, so reading completes it.
            progress = ModuleProgress(
                user_id=user.id, module_id=module.id, course_id=course.id, opened_at=now
            )
            session.add(progress)
        if progress.check_passed_at is None:
            progress.check_passed_at = now
        if progress.completed_at is not None or progress.read_at is None:
            return False  # nothing newly complete
        title = session.scalar(
            select(ModuleVersion.title).where(
                ModuleVersion.course_version_id == version.id,
                ModuleVersion.module_id == module.id,
            )
        )
        if not complete_module(session, user.id, course, progress, module.slug, title or "", now):
            return False
    return maybe_complete_course(
        session,
        user.id,
        course,
        version,
        enrolment,
        enrolment_known=True,
        quiz_passed=attempt.kind == "quiz",
    )


@dataclass
class ReviewItem:
    question: QuestionVersion
    chosen: list[str]
    correct: bool
    options: list[dict[str, Any]]  # in the order the attempt showed them


def review_items(session: DbSession, attempt: Attempt) -> list[ReviewItem]:
    """After submission only: each question with what was chosen. The view applies the policy."""
    if attempt.submitted_at is None:
        return []
    answers = {
        a.question_version_id: a
        for a in session.scalars(
            select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt.id)
        )
    }
    items = []
    for question in attempt_questions(session, attempt):
        answer = answers.get(question.id)
        items.append(
            ReviewItem(
                question,
                answer.chosen if answer else [],
                bool(answer and answer.correct),
                ordered_options(question, attempt),
            )
        )
    return items


def shows_items(attempt: Attempt) -> bool:
    """Whether the result lists the questions (right or wrong, explanation) at all."""
    return attempt.review in {"guarded", "full"}


def shows_keys(session: DbSession, attempt: Attempt) -> bool:
    """Whether the result may mark the right options.

    ``full`` always does. ``guarded`` (the default) does only when none of these questions can
    be drawn for this person again: after a pass, or after the last attempt allowed. Otherwise
    the next attempt could show the same question with its answer already given away.
    """
    if attempt.review == "full":
        return True
    if attempt.review != "guarded" or attempt.submitted_at is None:
        return False
    if attempt.passed:
        return True
    if attempt.kind != "quiz" or attempt.course_id is None or attempt.course_version is None:
        return False
    limit = (attempt.course_version.quiz_settings or {}).get("max_attempts", 0)
    if not limit:
        return False
    used = session.scalar(
        select(func.count(Attempt.id)).where(
            Attempt.user_id == attempt.user_id,
            Attempt.course_id == attempt.course_id,
            Attempt.kind == "quiz",
        )
    )
    return bool(
        (used or 0) >= limit + granted_attempts(session, attempt.user_id, attempt.course_id)
    )


def score_by_competency(items: list[ReviewItem]) -> dict[str, tuple[int, int]]:
    totals: dict[str, tuple[int, int]] = {}
    for item in items:
        right, total = totals.get(item.question.competency, (0, 0))
        totals[item.question.competency] = (right + item.correct, total + 1)
    return totals


def count_attempts(session: DbSession, user_id: int) -> int:
    return session.scalar(select(func.count(Attempt.id)).where(Attempt.user_id == user_id)) or 0
