"""What executives see of a pulse: groups side by side, over time, and self-rated vs measured.

Every figure comes from aggregates (answer counts, SQL averages). Suppression: a cell with fewer
than ``minimum`` respondents (``LMS_PULSE_MIN_GROUP``, default 5) is shown as "fewer than N", and,
within one breakdown, cells are hidden together until the hidden ones hold nobody or at least
``minimum`` people (complementary suppression), so a small group cannot be worked out by
subtracting the visible groups from a total.
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


@dataclass
class PulseResults:
    pulse: Pulse
    rounds: list[tuple[date, int]]  # round start, participants
    selected: date | None
    participants: int
    questions: list[QuestionResult]
    trend: list[TrendRow]
    functions: list[str]
    by_function: list[FunctionRow]
    calibration: list[CalibrationRow]
    minimum: int


def results_pulses(session: DbSession) -> list[Pulse]:
    return list(session.scalars(select(Pulse).order_by(Pulse.retired_at.is_not(None), Pulse.title)))


def pulse_results(
    session: DbSession, pulse: Pulse, selected: date | None, minimum: int
) -> PulseResults:
    """Five statements, whatever the number of respondents and rounds."""
    questions = list(
        session.scalars(
            select(PulseQuestion)
            .where(PulseQuestion.pulse_id == pulse.id)
            .order_by(PulseQuestion.retired_at.is_not(None), PulseQuestion.position)
        )
    )
    rounds = [
        (start, n)
        for start, n in session.execute(
            select(PulseParticipation.round_start, func.count(PulseParticipation.id))
            .where(PulseParticipation.pulse_id == pulse.id)
            .group_by(PulseParticipation.round_start)
            .order_by(PulseParticipation.round_start)
        ).all()
    ]
    starts = [start for start, _ in rounds]
    if selected not in starts:
        selected = starts[-1] if starts else None
    total = func.sum(PulseAnswerCount.count)
    by_group: dict[tuple[date, int], dict[str, dict[int, int]]] = defaultdict(
        lambda: defaultdict(dict)
    )
    for start, question_id, group, value, n in session.execute(
        select(
            PulseAnswerCount.round_start,
            PulseAnswerCount.question_id,
            PulseAnswerCount.respondent_group,
            PulseAnswerCount.value,
            total,
        )
        .where(PulseAnswerCount.pulse_id == pulse.id)
        .group_by(
            PulseAnswerCount.round_start,
            PulseAnswerCount.question_id,
            PulseAnswerCount.respondent_group,
            PulseAnswerCount.value,
        )
    ).all():
        by_group[(start, question_id)][group][value] = int(n or 0)
    by_function: dict[int, dict[str, dict[int, int]]] = defaultdict(lambda: defaultdict(dict))
    if selected is not None:
        for question_id, function, value, n in session.execute(
            select(
                PulseAnswerCount.question_id,
                PulseAnswerCount.job_function,
                PulseAnswerCount.value,
                total,
            )
            .where(PulseAnswerCount.pulse_id == pulse.id, PulseAnswerCount.round_start == selected)
            .group_by(
                PulseAnswerCount.question_id, PulseAnswerCount.job_function, PulseAnswerCount.value
            )
        ).all():
            by_function[question_id][function][value] = int(n or 0)

    groups = list(RESPONDENT_GROUPS)
    current = [
        QuestionResult(q, breakdown(q.kind, by_group.get((selected, q.id), {}), groups, minimum))
        for q in questions
        if selected is not None
    ]
    trend = [
        TrendRow(
            q,
            [
                (start, breakdown(q.kind, by_group.get((start, q.id), {}), groups, minimum))
                for start in starts
            ],
        )
        for q in questions
    ]
    functions = sorted(
        {
            name
            for counts in by_function.values()
            for name, values in counts.items()
            if sum(values.values())
        },
        key=lambda name: list(JOB_FUNCTIONS).index(name) if name in JOB_FUNCTIONS else 99,
    )
    function_rows = [
        FunctionRow(q, breakdown(q.kind, by_function.get(q.id, {}), functions, minimum))
        for q in questions
        if selected is not None
    ]
    participants = dict(rounds).get(selected, 0) if selected is not None else 0
    return PulseResults(
        pulse=pulse,
        rounds=rounds,
        selected=selected,
        participants=participants,
        questions=current,
        trend=trend,
        functions=functions,
        by_function=function_rows,
        calibration=calibration(session, minimum),
        minimum=minimum,
    )


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
