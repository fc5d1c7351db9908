"""The baseline assessment: the self-rating, the questions one per page with the answers saved as
the person goes, the final scoring, and the self-rated vs measured comparison.

The questions are an ordinary baseline attempt (:func:`lms.learn.quiz.start_baseline`: the same
draw, the same shuffled options, scored once by :func:`lms.learn.quiz.submit_attempt`); only the
way through it differs. Answers saved along the way live in ``BaselineProgress`` and become
evidence only when the last page is submitted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import func, select, update

from lms.activity.service import record
from lms.courses.models import QuestionVersion
from lms.database import DbSession
from lms.learn import quiz
from lms.learn.models import Attempt, BaselineProgress, SelfRating
from lms.learn.service import LearnError, audiences_for, level_map
from lms.literacy.model import CORE_AREAS
from lms.people.models import User, utcnow

RATING_VALUES = {"0", "1", "2", "3", "4"}


def areas_for(session: DbSession, user: User, audiences: set[str] | None = None) -> list[str]:
    """The core areas, and "leading" for managers and executives (``audiences`` if known)."""
    areas = list(CORE_AREAS)
    if audiences is None:
        audiences = audiences_for(session, user)
    if audiences & {"managers", "executives"}:
        areas.append("leading")
    return areas


def parse_ratings(
    areas: list[str], form: Mapping[str, str], names: Mapping[str, str]
) -> tuple[dict[str, int], dict[str, str]]:
    """The ratings posted as ``rate-<area>`` (0-4), and a message per area without a valid one."""
    ratings: dict[str, int] = {}
    errors: dict[str, str] = {}
    for area in areas:
        value = form.get(f"rate-{area}", "")
        if value in RATING_VALUES:
            ratings[area] = int(value)
        else:
            errors[area] = f"Rate yourself for {names[area]}."
    return ratings, errors


def record_self_ratings(session: DbSession, user: User, ratings: dict[str, int]) -> None:
    now = utcnow()
    for competency, level in ratings.items():
        session.add(SelfRating(user_id=user.id, competency=competency, level=level, rated_at=now))
    record(
        session,
        user.id,
        "self-assessed",
        "baseline",
        "self-rating",
        object_name="Self-rating",
        result={"ratings": ratings},
        at=now,
    )
    session.flush()


def latest_self_ratings(session: DbSession, user_id: int) -> dict[str, int]:
    newest = (
        select(SelfRating.competency, func.max(SelfRating.id).label("id"))
        .where(SelfRating.user_id == user_id)
        .group_by(SelfRating.competency)
        .subquery()
    )
    rows = session.execute(
        select(SelfRating.competency, SelfRating.level).join(newest, newest.c.id == SelfRating.id)
    ).all()
    return {competency: level for competency, level in rows}


@dataclass
class Gap:
    competency: str
    self_rated: int | None
    measured: int

    @property
    def difference(self) -> int | None:
        return None if self.self_rated is None else self.self_rated - self.measured


def self_vs_measured(
    session: DbSession,
    user: User,
    measured: dict[str, int] | None = None,
    audiences: set[str] | None = None,
) -> list[Gap]:
    """Self-rated against measured level per area (pass ``measured``/``audiences`` if loaded)."""
    rated = latest_self_ratings(session, user.id)
    if measured is None:
        measured = level_map(session, user.id)
    return [
        Gap(area, rated.get(area), measured.get(area, 0))
        for area in areas_for(session, user, audiences)
    ]


# ------------------------------------------------------------------------- one question per page


def own_baseline(
    session: DbSession, attempt_id: int, user_id: int
) -> tuple[Attempt, BaselineProgress | None] | None:
    """This person's baseline attempt and its saved progress (None: not theirs, or no baseline)."""
    row = session.execute(
        select(Attempt, BaselineProgress)
        .outerjoin(BaselineProgress, BaselineProgress.attempt_id == Attempt.id)
        .where(Attempt.id == attempt_id, Attempt.user_id == user_id, Attempt.kind == "baseline")
    ).first()
    return None if row is None else (row[0], row[1])


def newest_baseline(
    session: DbSession, user_id: int, submitted: bool
) -> tuple[Attempt, BaselineProgress | None] | None:
    """The person's newest open (or, with ``submitted``, scored) baseline and its progress."""
    done = Attempt.submitted_at.is_not(None) if submitted else Attempt.submitted_at.is_(None)
    row = session.execute(
        select(Attempt, BaselineProgress)
        .outerjoin(BaselineProgress, BaselineProgress.attempt_id == Attempt.id)
        .where(Attempt.user_id == user_id, Attempt.kind == "baseline", done)
        .order_by(Attempt.started_at.desc(), Attempt.id.desc())
        .limit(1)
    ).first()
    return None if row is None else (row[0], row[1])


def resume_number(attempt: Attempt, progress: BaselineProgress | None) -> int:
    """The question (from 1) to show when the person comes back."""
    position = progress.position if progress is not None else 0
    return min(position, len(attempt.question_version_ids) - 1) + 1


def saved_answers(progress: BaselineProgress | None) -> dict[str, list[str]]:
    return dict(progress.answers) if progress is not None and progress.answers else {}


def answered_count(attempt: Attempt, progress: BaselineProgress | None) -> int:
    saved = saved_answers(progress)
    return sum(1 for qid in attempt.question_version_ids if saved.get(str(qid)))


def unanswered_numbers(attempt: Attempt, progress: BaselineProgress | None) -> list[int]:
    saved = saved_answers(progress)
    return [
        number
        for number, qid in enumerate(attempt.question_version_ids, start=1)
        if not saved.get(str(qid))
    ]


def question_at(session: DbSession, attempt: Attempt, number: int) -> QuestionVersion | None:
    """Question ``number`` (from 1) of the attempt, or None if there is no such question."""
    if not 1 <= number <= len(attempt.question_version_ids):
        return None
    question: QuestionVersion | None = session.get(
        QuestionVersion, attempt.question_version_ids[number - 1]
    )
    return question


def keys_from_places(question: QuestionVersion, attempt: Attempt, places: list[str]) -> list[str]:
    """Places on the page, as posted, to option keys (anything else posted is ignored)."""
    order = quiz.option_order_of(question, attempt)
    by_place = {str(place): key for place, key in enumerate(order, start=1)}
    keys = sorted({by_place[place] for place in places if place in by_place})
    return keys if question.multiple_answers else keys[:1]


def places_of(question: QuestionVersion, attempt: Attempt, keys: list[str]) -> set[str]:
    """The places on the page of the saved option keys: what to show as chosen."""
    order = quiz.option_order_of(question, attempt)
    return {str(place) for place, key in enumerate(order, start=1) if key in keys}


def save_step(
    session: DbSession, attempt_id: int, question_id: int, keys: list[str], position: int
) -> None:
    """Save one answer and where to resume; flushes. Each save is a conditional UPDATE on the
    row's revision, read again after a lost race, so answers saved from two tabs at once all stay.
    A first save racing another first save loses on the primary key: the caller runs it again
    (``commit_once_despite_races``)."""
    for _ in range(5):
        row = session.execute(
            select(BaselineProgress.revision, BaselineProgress.answers).where(
                BaselineProgress.attempt_id == attempt_id
            )
        ).first()
        if row is None:
            session.add(
                BaselineProgress(
                    attempt_id=attempt_id,
                    position=position,
                    answers={str(question_id): keys},
                    revision=1,
                    updated_at=utcnow(),
                )
            )
            session.flush()
            return
        revision, answers = row
        saved = session.execute(
            update(BaselineProgress)
            .where(BaselineProgress.attempt_id == attempt_id, BaselineProgress.revision == revision)
            .values(
                answers={**(answers or {}), str(question_id): keys},
                position=position,
                revision=revision + 1,
                updated_at=utcnow(),
            )
            .execution_options(synchronize_session=False)
        )
        if saved.rowcount == 1:  # type: ignore[attr-defined]
            return
    raise LearnError("Your answer could not be saved. Please try again.")


def finish(
    session: DbSession, user: User, attempt: Attempt, audiences: set[str]
) -> quiz.SubmitResult:
    """Score the saved answers exactly as a baseline submitted on one page is scored (same
    evidence, same level changes), then keep the self-rated and measured levels it ended with."""
    answers = session.scalar(
        select(BaselineProgress.answers).where(BaselineProgress.attempt_id == attempt.id)
    )
    chosen = {int(qid): list(keys) for qid, keys in (answers or {}).items()}
    result = quiz.submit_attempt(session, user, attempt, chosen)
    areas = areas_for(session, user, audiences)
    rated = latest_self_ratings(session, user.id)
    measured = level_map(session, user.id)
    session.execute(
        update(BaselineProgress)
        .where(BaselineProgress.attempt_id == attempt.id)
        .values(
            self_rated={area: rated[area] for area in areas if area in rated},
            measured={area: measured.get(area, 0) for area in areas},
        )
        .execution_options(synchronize_session=False)
    )
    return result
