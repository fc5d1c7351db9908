"""What executives see of a pulse: groups side by side, over time, and self-rated vs measured.

Every figure comes from aggregates (answer counts, SQL averages). Release: the figures of a round
are read and shown only once the round is closed for good (lms.pulse.release); before that only
how many people answered, in steps of ``minimum``, so nobody can read the page, wait for one
colleague to answer, read it again and subtract. Suppression: a cell with fewer than ``minimum``
respondents (``LMS_PULSE_MIN_GROUP``, default 5) is shown as "fewer than N", and, within one
breakdown, cells are hidden together until the hidden ones hold nobody or at least ``minimum``
people (complementary suppression), so a small group cannot be worked out by subtracting the
visible groups from a total.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, func, select

from lms.database import DbSession
from lms.learn.models import SelfRating
from lms.literacy.model import CORE_AREAS
from lms.literacy.models import LiteracyLevel
from lms.org.roles import role_groups
from lms.people.models import JOB_FUNCTIONS
from lms.pulse.models import (
    RESPONDENT_GROUPS,
    Pulse,
    PulseAnswerCount,
    PulseParticipation,
    PulseQuestion,
)
from lms.pulse.release import answered_in_steps, figures_on, figures_released, last_day
from lms.pulse.service import values_for

GROUP_LABELS = {"executive": "Executives", "manager": "Managers", "employee": "Employees"}


def suppressed_keys(counts: Mapping[str, int], minimum: int) -> set[str]:
    """The keys to hide: every cell with 1..minimum-1 people, then the smallest others until the
    hidden cells together hold nobody or at least ``minimum`` people."""
    hidden = {key for key, n in counts.items() if 0 < n < minimum}
    while hidden and sum(counts[key] for key in hidden) < minimum:
        visible = sorted((n, key) for key, n in counts.items() if key not in hidden and n > 0)
        if not visible:
            break
        hidden.add(visible[0][1])
    return hidden


@dataclass
class Cell:
    """One group's answers to one question: hidden when ``suppressed``."""

    n: int
    suppressed: bool
    mean: float | None = None  # Likert: 1-5; yes/no: share answering yes, 0-1
    distribution: list[tuple[int, int, float]] = field(default_factory=list)  # value, n, percent

    @property
    def shown(self) -> bool:
        return not self.suppressed and self.n > 0


def make_cell(kind: str, counts: Mapping[int, int], suppressed: bool) -> Cell:
    n = sum(counts.values())
    if suppressed or n == 0:
        return Cell(n=n if not suppressed else 0, suppressed=suppressed)
    values = values_for(kind)
    mean = sum(value * counts.get(value, 0) for value in values) / n
    ordered = sorted(values, reverse=kind == "yes-no")  # yes before no
    distribution = [
        (value, counts.get(value, 0), 100.0 * counts.get(value, 0) / n) for value in ordered
    ]
    return Cell(n=n, suppressed=False, mean=mean, distribution=distribution)


def breakdown(
    kind: str, counts: Mapping[str, Mapping[int, int]], keys: list[str], minimum: int
) -> dict[str, Cell]:
    totals = {key: sum(counts.get(key, {}).values()) for key in keys}
    hidden = suppressed_keys(totals, minimum)
    return {key: make_cell(kind, counts.get(key, {}), key in hidden) for key in keys}


@dataclass
class QuestionResult:
    question: PulseQuestion
    cells: dict[str, Cell]

    @property
    def gap(self) -> float | None:
        """Executives' mean minus employees' (the perception gap), when both are shown."""
        executives, employees = self.cells["executive"], self.cells["employee"]
        if executives.shown and employees.shown:
            assert executives.mean is not None and employees.mean is not None
            return executives.mean - employees.mean
        return None


@dataclass
class TrendRow:
    question: PulseQuestion
    points: list[tuple[date, dict[str, Cell]]]


@dataclass
class FunctionRow:
    question: PulseQuestion
    cells: dict[str, Cell]


@dataclass
class CalibrationRow:
    group: str
    people: int
    suppressed: bool
    self_rated: float | None
    measured: float | None

    @property
    def gap(self) -> float | None:
        if self.self_rated is None or self.measured is None:
            return None
        return self.self_rated - self.measured


@dataclass(frozen=True)
class RoundSummary:
    """A round as the results page lists it."""

    start: date
    # Exact once the figures are released; until then rounded down to a multiple of the minimum
    # group, so one more answer does not show (lms.pulse.release).
    answered: int
    released: bool
    still_open: bool  # can still be answered
    last_day: date | None  # the last day it can be answered; None: the round never closes
    figures_on: date | None  # when the figures are shown; None: the round never closes


@dataclass
class PulseResults:
    pulse: Pulse
    rounds: list[RoundSummary]  # oldest first
    selected: RoundSummary | None
    questions: list[QuestionResult]  # empty unless the selected round is released
    trend: list[TrendRow]  # released rounds only
    functions: list[str]
    by_function: list[FunctionRow]
    calibration: list[CalibrationRow]
    minimum: int

    @property
    def released_rounds(self) -> list[RoundSummary]:
        return [summary for summary in self.rounds if summary.released]

    @property
    def later_unreleased(self) -> list[RoundSummary]:
        """Rounds after the selected one whose figures are not shown yet."""
        after = self.selected.start if self.selected else date.min
        return [s for s in self.rounds if not s.released and s.start > after]


def results_pulses(session: DbSession) -> list[Pulse]:
    return list(session.scalars(select(Pulse).order_by(Pulse.retired_at.is_not(None), Pulse.title)))


def pulse_results(
    session: DbSession, pulse: Pulse, wanted: date | None, minimum: int, today: date
) -> PulseResults:
    """At most five statements, whatever the number of respondents and rounds.

    Answer counts are read for released rounds only (lms.pulse.release): figures of a round that
    can still change never leave the database.
    """
    questions = pulse_questions(session, pulse)
    rounds = round_summaries(session, pulse, minimum, today)
    selected = choose_round(rounds, wanted)
    released = [summary.start for summary in rounds if summary.released]
    shown = selected.start if selected is not None and selected.released else None
    by_group = counts_by_group(session, pulse, released)
    by_function = counts_by_function(session, pulse, shown) if shown is not None else {}

    groups = list(RESPONDENT_GROUPS)
    current = [
        QuestionResult(q, breakdown(q.kind, by_group.get((shown, q.id), {}), groups, minimum))
        for q in questions
        if shown is not None
    ]
    trend = [
        TrendRow(
            q,
            [
                (start, breakdown(q.kind, by_group.get((start, q.id), {}), groups, minimum))
                for start in released
            ],
        )
        for q in questions
    ]
    functions = answered_functions(by_function)
    function_rows = [
        FunctionRow(q, breakdown(q.kind, by_function.get(q.id, {}), functions, minimum))
        for q in questions
        if shown is not None
    ]
    return PulseResults(
        pulse=pulse,
        rounds=rounds,
        selected=selected,
        questions=current,
        trend=trend,
        functions=functions,
        by_function=function_rows,
        calibration=calibration(session, minimum),
        minimum=minimum,
    )


def pulse_questions(session: DbSession, pulse: Pulse) -> list[PulseQuestion]:
    return list(
        session.scalars(
            select(PulseQuestion)
            .where(PulseQuestion.pulse_id == pulse.id)
            .order_by(PulseQuestion.retired_at.is_not(None), PulseQuestion.position)
        )
    )


def round_summaries(
    session: DbSession, pulse: Pulse, minimum: int, today: date
) -> list[RoundSummary]:
    """Every round anyone answered, with how many people answered it (in steps while open)."""
    summaries = []
    for start, n in session.execute(
        select(PulseParticipation.round_start, func.count(PulseParticipation.id))
        .where(PulseParticipation.pulse_id == pulse.id)
        .group_by(PulseParticipation.round_start)
        .order_by(PulseParticipation.round_start)
    ).all():
        released = figures_released(pulse, start, today)
        answered = int(n) if released else answered_in_steps(int(n), minimum)
        until = last_day(pulse, start)
        still_open = until is None or today <= until
        summaries.append(
            RoundSummary(start, answered, released, still_open, until, figures_on(pulse, start))
        )
    return summaries


def choose_round(rounds: list[RoundSummary], wanted: date | None) -> RoundSummary | None:
    """The round asked for, else the latest one with figures, else the latest one."""
    for summary in rounds:
        if summary.start == wanted:
            return summary
    released = [summary for summary in rounds if summary.released]
    if released:
        return released[-1]
    return rounds[-1] if rounds else None


def counts_by_group(
    session: DbSession, pulse: Pulse, starts: list[date]
) -> dict[tuple[date, int], dict[str, dict[int, int]]]:
    """(round, question) -> group -> value -> count, for the given rounds only."""
    by_group: dict[tuple[date, int], dict[str, dict[int, int]]] = defaultdict(
        lambda: defaultdict(dict)
    )
    if not starts:
        return by_group
    for start, question_id, group, value, n in session.execute(
        select(
            PulseAnswerCount.round_start,
            PulseAnswerCount.question_id,
            PulseAnswerCount.respondent_group,
            PulseAnswerCount.value,
            func.sum(PulseAnswerCount.count),
        )
        .where(PulseAnswerCount.pulse_id == pulse.id, PulseAnswerCount.round_start.in_(starts))
        .group_by(
            PulseAnswerCount.round_start,
            PulseAnswerCount.question_id,
            PulseAnswerCount.respondent_group,
            PulseAnswerCount.value,
        )
    ).all():
        by_group[(start, question_id)][group][value] = int(n or 0)
    return by_group


def counts_by_function(
    session: DbSession, pulse: Pulse, start: date
) -> dict[int, dict[str, dict[int, int]]]:
    """question -> job function -> value -> count, for one round."""
    by_function: dict[int, dict[str, dict[int, int]]] = defaultdict(lambda: defaultdict(dict))
    for question_id, function, value, n in session.execute(
        select(
            PulseAnswerCount.question_id,
            PulseAnswerCount.job_function,
            PulseAnswerCount.value,
            func.sum(PulseAnswerCount.count),
        )
        .where(PulseAnswerCount.pulse_id == pulse.id, PulseAnswerCount.round_start == start)
        .group_by(
            PulseAnswerCount.question_id, PulseAnswerCount.job_function, PulseAnswerCount.value
        )
    ).all():
        by_function[question_id][function][value] = int(n or 0)
    return by_function


def answered_functions(by_function: Mapping[int, Mapping[str, Mapping[int, int]]]) -> list[str]:
    """The job functions anyone answered in, in the usual order."""
    names = {
        name
        for counts in by_function.values()
        for name, values in counts.items()
        if sum(values.values())
    }
    order = list(JOB_FUNCTIONS)
    return sorted(names, key=lambda name: order.index(name) if name in order else len(order))


def calibration(session: DbSession, minimum: int) -> list[CalibrationRow]:
    """Self-rated vs measured level per group, over the six core areas: one statement.

    Each person's latest self-rating per area is paired with their measured level in that area
    (0 when not measured yet); the averages are over those pairs.
    """
    groups = role_groups()
    latest = (
        select(func.max(SelfRating.id).label("id"))
        .where(SelfRating.competency.in_(CORE_AREAS))
        .group_by(SelfRating.user_id, SelfRating.competency)
        .subquery()
    )
    rows = session.execute(
        select(
            groups.c.grp,
            func.count(func.distinct(SelfRating.user_id)),
            func.avg(SelfRating.level * 1.0),
            func.avg(func.coalesce(LiteracyLevel.level, 0) * 1.0),
        )
        .select_from(latest)
        .join(SelfRating, SelfRating.id == latest.c.id)
        .join(groups, groups.c.user_id == SelfRating.user_id)
        .outerjoin(
            LiteracyLevel,
            and_(
                LiteracyLevel.user_id == SelfRating.user_id,
                LiteracyLevel.competency == SelfRating.competency,
            ),
        )
        .group_by(groups.c.grp)
    ).all()
    found = {grp: (int(n), float(rated), float(measured)) for grp, n, rated, measured in rows}
    hidden = suppressed_keys(
        {grp: found.get(grp, (0, 0, 0))[0] for grp in RESPONDENT_GROUPS}, minimum
    )
    result = []
    for grp in RESPONDENT_GROUPS:
        n, rated, measured = found.get(grp, (0, 0.0, 0.0))
        if grp in hidden or n == 0:
            result.append(CalibrationRow(grp, 0 if grp in hidden else n, grp in hidden, None, None))
        else:
            result.append(CalibrationRow(grp, n, False, rated, measured))
    return result
