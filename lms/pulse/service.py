"""Publishing pulses, their rounds, and answering. Services flush; the caller commits."""

from __future__ import annotations

import calendar
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from lms.courses.render import render_markdown
from lms.database import DbSession, begin_outer_transaction
from lms.org.upsert import add_to_counts, insert_ignoring_conflicts
from lms.people.models import JOB_FUNCTIONS, User, utcnow
from lms.people.org import is_manager
from lms.pulse.format import PulseQuestionSource, PulseSource
from lms.pulse.models import (
    RESPONDENT_GROUPS,
    RESPONDENTS,
    Pulse,
    PulseAnswerCount,
    PulseParticipation,
    PulseQuestion,
    PulseQuestionOption,
)

LIKERT_LABELS = {
    1: "Strongly disagree",
    2: "Disagree",
    3: "Neither agree nor disagree",
    4: "Agree",
    5: "Strongly agree",
}
YES_NO_LABELS = {1: "Yes", 0: "No"}


# A choose-any option with this id is "none of these": it cannot be picked with another option.
NONE_OF_THESE = "none"
# One person's answer to a question: a value (scale, yes/no, choose-one), or for a choose-any
# question the values of the options they picked.
Answer = int | Collection[int]


def values_for(kind: str) -> tuple[int, ...]:
    """The values of a Likert or yes/no question (questions with options: :func:`values_of`)."""
    return (0, 1) if kind == "yes-no" else (1, 2, 3, 4, 5)


def values_of(question: PulseQuestion) -> tuple[int, ...]:
    """Every value a question's counts are kept for: the scale's, or its live options' (and, for
    choose-any, ``RESPONDENTS``: how many people answered it)."""
    if question.kind == "choose-one":
        return tuple(option.value for option in question.live_options)
    if question.kind == "choose-any":
        return (RESPONDENTS, *(option.value for option in question.live_options))
    return values_for(question.kind)


def counted_values(question: PulseQuestion, answer: Answer) -> tuple[int, ...] | None:
    """The count rows one answer adds 1 to, or None if it is not a valid answer: one value of
    the question; for choose-any, one or more live options (``none`` alone) plus
    ``RESPONDENTS``."""
    if question.kind != "choose-any":
        if isinstance(answer, int) and answer in values_of(question):
            return (answer,)
        return None
    picked = [answer] if isinstance(answer, int) else list(answer)
    keys = {option.value: option.key for option in question.live_options}
    if not picked or len(set(picked)) != len(picked) or not set(picked) <= set(keys):
        return None
    if len(picked) > 1 and NONE_OF_THESE in {keys[value] for value in picked}:
        return None
    return (RESPONDENTS, *sorted(picked))


class PulseError(ValueError):
    """A pulse cannot be published or answered, with a message fit to show."""


class AlreadyAnswered(PulseError):
    pass


# ------------------------------------------------------------------------------------ publishing


@dataclass(frozen=True)
class PublishResult:
    pulse: Pulse
    changed: bool


def publish_pulse(session: DbSession, source: PulseSource) -> PublishResult:
    """Create or update a pulse from its source. Question ids are stable: a question keeps its
    answers across publishes; one missing from the file is retired, never deleted."""
    now = utcnow()
    pulse = session.scalar(select(Pulse).where(Pulse.slug == source.slug))
    if pulse is not None and pulse.content_hash == source.content_hash and pulse.retired_at is None:
        return PublishResult(pulse, False)
    if pulse is None:
        pulse = Pulse(slug=source.slug)
        session.add(pulse)
    pulse.title = source.title
    pulse.intro_html = render_markdown(source.intro) if source.intro else ""
    pulse.scale = source.scale
    pulse.opens_on = source.opens_on
    pulse.every_unit = source.every_unit
    pulse.every_count = source.every_count
    pulse.content_hash = source.content_hash
    pulse.published_at = now
    pulse.retired_at = None
    session.flush()
    existing = {
        question.key: question
        for question in session.scalars(
            select(PulseQuestion).where(PulseQuestion.pulse_id == pulse.id)
        )
    }
    for position, item in enumerate(source.questions, start=1):
        question = existing.pop(item.key, None)
        if question is None:
            question = PulseQuestion(
                pulse_id=pulse.id, key=item.key, position=position, text=item.text, kind=item.kind
            )
            session.add(question)
            sync_options(question, item, now)
            continue
        if question.kind != item.kind:
            raise PulseError(
                f"{source.path}:{item.line}: question {item.key!r} was published as {question.kind}"
                f"; a question that changes type needs a new id"
            )
        question.position = position
        question.text = item.text
        question.retired_at = None
        sync_options(question, item, now)
    for question in existing.values():
        if question.retired_at is None:
            question.retired_at = now
    session.flush()
    return PublishResult(pulse, True)


def sync_options(question: PulseQuestion, item: PulseQuestionSource, now: datetime) -> None:
    """Match a question's options to the file by id: a new option gets the next unused value, a
    kept one its value (and so its counts), a missing one is retired, one put back revived."""
    if not item.options and not question.options:
        return
    existing = {option.key: option for option in question.options}
    next_value = max((option.value for option in question.options), default=0) + 1
    for position, source in enumerate(item.options, start=1):
        option = existing.pop(source.key, None)
        if option is None:
            option = PulseQuestionOption(key=source.key, value=next_value)
            next_value += 1
            question.options.append(option)
        option.position = position
        option.label = source.label
        option.retired_at = None
    for option in existing.values():
        if option.retired_at is None:
            option.retired_at = now


# ---------------------------------------------------------------------------------------- rounds


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def round_start(pulse: Pulse, today: date) -> date | None:
    """The start of the round open on ``today`` (rounds run until the next one starts)."""
    if today < pulse.opens_on:
        return None
    if pulse.every_unit == "weeks":
        period = 7 * pulse.every_count
        return pulse.opens_on + timedelta(days=(today - pulse.opens_on).days // period * period)
    if pulse.every_unit == "months":
        months = (today.year - pulse.opens_on.year) * 12 + today.month - pulse.opens_on.month
        if add_months(pulse.opens_on, months) > today:
            months -= 1
        return add_months(pulse.opens_on, months - months % pulse.every_count)
    return pulse.opens_on


def next_round(pulse: Pulse, start: date) -> date | None:
    if pulse.every_unit == "weeks":
        return start + timedelta(days=7 * pulse.every_count)
    if pulse.every_unit == "months":
        return add_months(start, pulse.every_count)
    return None


def rounds_between(pulse: Pulse, first: date, last: date) -> list[date]:
    """Every round start in [first, last]."""
    starts: list[date] = []
    start = round_start(pulse, last)
    while start is not None and start >= first:
        starts.append(start)
        if pulse.every_unit == "once":
            break
        previous = round_start(pulse, start - timedelta(days=1))
        start = previous
    return sorted(starts)


# ------------------------------------------------------------------------------------- answering


def live_pulses(session: DbSession, today: date) -> list[Pulse]:
    return list(
        session.scalars(
            select(Pulse)
            .where(Pulse.retired_at.is_(None), Pulse.opens_on <= today)
            .order_by(Pulse.title, Pulse.id)
        )
    )


def get_live_pulse(session: DbSession, slug: str, today: date) -> Pulse | None:
    return session.scalar(
        select(Pulse).where(Pulse.slug == slug, Pulse.retired_at.is_(None), Pulse.opens_on <= today)
    )


def live_questions(session: DbSession, pulse_id: int) -> list[PulseQuestion]:
    """The questions people answer now, with their options (one more statement, however many)."""
    return list(
        session.scalars(
            select(PulseQuestion)
            .where(PulseQuestion.pulse_id == pulse_id, PulseQuestion.retired_at.is_(None))
            .order_by(PulseQuestion.position)
            .options(selectinload(PulseQuestion.options))
        )
    )


def answered_rounds(
    session: DbSession, user_id: int, pulse_ids: list[int]
) -> set[tuple[int, date]]:
    rows = session.execute(
        select(PulseParticipation.pulse_id, PulseParticipation.round_start).where(
            PulseParticipation.user_id == user_id, PulseParticipation.pulse_id.in_(pulse_ids)
        )
    ).all()
    return {(pulse_id, start) for pulse_id, start in rows}


def has_answered(session: DbSession, user_id: int, pulse_id: int, start: date) -> bool:
    return bool(
        session.scalar(
            select(
                exists().where(
                    PulseParticipation.user_id == user_id,
                    PulseParticipation.pulse_id == pulse_id,
                    PulseParticipation.round_start == start,
                )
            )
        )
    )


def respondent_group(session: DbSession, user: User) -> str:
    if user.is_executive:
        return "executive"
    return "manager" if is_manager(session, user.id) else "employee"


def ensure_round_rows(
    session: DbSession, pulse_id: int, questions: list[PulseQuestion], start: date, function: str
) -> None:
    """Create every count row of a round (all at zero) before the first answer is counted, so the
    order in which rows appear tells nothing about who answered what."""
    functions = sorted({*JOB_FUNCTIONS, function})
    wanted = sum(len(values_of(q)) for q in questions) * len(RESPONDENT_GROUPS)
    have = session.scalar(
        select(func.count(PulseAnswerCount.id)).where(
            PulseAnswerCount.pulse_id == pulse_id,
            PulseAnswerCount.round_start == start,
            PulseAnswerCount.job_function == function,
            PulseAnswerCount.question_id.in_([q.id for q in questions]),
        )
    )
    if have == wanted:
        return
    rows = [
        {
            "pulse_id": pulse_id,
            "question_id": question.id,
            "round_start": start,
            "respondent_group": group,
            "job_function": name,
            "value": value,
            "count": 0,
        }
        for question in questions
        for group in RESPONDENT_GROUPS
        for name in functions
        for value in values_of(question)
    ]
    insert_ignoring_conflicts(
        session,
        PulseAnswerCount.__table__,
        rows,
        ["question_id", "round_start", "respondent_group", "job_function", "value"],
    )


def submit_answers(
    session: DbSession,
    user: User,
    pulse: Pulse,
    questions: list[PulseQuestion],
    answers: Mapping[int, Answer],
    today: date,
) -> date:
    """Record that ``user`` took part in the current round and add their answers to the counts
    (each picked option of a choose-any question adds 1 to that option, and 1 to the people who
    answered the question).

    Raises :class:`AlreadyAnswered` when they already did (checked first, and enforced by the unique
    participation row when two submissions race).
    """
    start = round_start(pulse, today)
    if start is None:
        raise PulseError("This pulse is not open yet.")
    if set(answers) != {q.id for q in questions}:
        raise PulseError("Please answer every question.")
    cells: list[tuple[int, int]] = []  # (question, value): the counts that go up by one
    for question in questions:
        values = counted_values(question, answers[question.id])
        if values is None:
            raise PulseError("Please answer every question.")
        cells.extend((question.id, value) for value in values)
    if has_answered(session, user.id, pulse.id, start):
        raise AlreadyAnswered("You have already answered this round. Thank you!")
    group = respondent_group(session, user)
    ensure_round_rows(session, pulse.id, questions, start, user.job_function)
    begin_outer_transaction(session)
    try:
        with session.begin_nested():
            session.add(PulseParticipation(pulse_id=pulse.id, round_start=start, user_id=user.id))
            session.flush()
    except IntegrityError as error:
        raise AlreadyAnswered("You have already answered this round. Thank you!") from error
    session.execute(
        update(PulseAnswerCount)
        .where(
            PulseAnswerCount.round_start == start,
            PulseAnswerCount.respondent_group == group,
            PulseAnswerCount.job_function == user.job_function,
            or_(
                *[
                    and_(
                        PulseAnswerCount.question_id == question_id,
                        PulseAnswerCount.value == value,
                    )
                    for question_id, value in sorted(cells)
                ]
            ),
        )
        .values(count=PulseAnswerCount.count + 1)
        .execution_options(synchronize_session=False)
    )
    return start


def add_counts(session: DbSession, rows: list[dict[str, Any]]) -> None:
    """Add answer counts in bulk (the demo generators): one row per (question, round, group,
    function, value); counts add up with what is already stored."""
    if rows:
        add_to_counts(session, PulseAnswerCount.__table__, rows)
