"""What executives see of a pulse: groups side by side, over time, and self-rated vs measured.

Every figure comes from aggregates (answer counts, SQL averages). Release: the figures of a round
are read and shown only once the round is closed for good (lms.pulse.release); before that only
how many people answered, in steps of ``minimum``, so nobody can read the page, wait for one
colleague to answer, read it again and subtract. Suppression: a cell with fewer than ``minimum``
respondents (``LMS_PULSE_MIN_GROUP``, default 5) is shown as "fewer than N", and, within one
breakdown, cells are hidden together until the hidden ones hold nobody or at least ``minimum``
people (complementary suppression), so a small group cannot be worked out by subtracting the
visible groups from a total. Leaders: when executives or managers alone are too few but together
enough, a round shows them together as Leaders and neither alone (:func:`role_breakdown`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, func, select
from sqlalchemy.orm import selectinload

from lms.database import DbSession
from lms.learn.models import SelfRating
from lms.literacy.model import CORE_AREAS
from lms.literacy.models import LiteracyLevel
from lms.org.roles import role_groups
from lms.people.models import JOB_FUNCTIONS
from lms.pulse.format import CHOICE_KINDS
from lms.pulse.models import (
    RESPONDENT_GROUPS,
    RESPONDENTS,
    SCALE_KINDS,
    Pulse,
    PulseAnswerCount,
    PulseParticipation,
    PulseQuestion,
)
from lms.pulse.release import answered_in_steps, figures_on, figures_released, last_day
from lms.pulse.service import values_for

GROUP_LABELS = {
    "executive": "Executives",
    "manager": "Managers",
    "leaders": "Leaders",
    "employee": "Employees",
}
LEADERS = "leaders"  # executives and managers together
LEADER_GROUPS = ("executive", "manager")
# Every group a breakdown by role can show, in the order columns and chart lines take.
ALL_GROUPS = ("executive", "manager", LEADERS, "employee")


def role_breakdown(totals: Mapping[str, int], minimum: int) -> list[str]:
    """The groups to show for a round: executives, managers and employees; or, when executives
    or managers alone are too few to show (1 to ``minimum`` - 1 people) but together they are
    enough, Leaders (the two together) and employees.

    With Leaders shown, neither group is ever shown alone, not even a large one: Leaders minus
    the group shown would be the small one. When even Leaders are too few, the three groups are
    kept and the small ones hidden (complementary suppression, :func:`suppressed_keys`)."""
    small = any(0 < totals.get(group, 0) < minimum for group in LEADER_GROUPS)
    together = sum(totals.get(group, 0) for group in LEADER_GROUPS)
    if small and together >= minimum:
        return [LEADERS, "employee"]
    return list(RESPONDENT_GROUPS)


def with_leaders(counts: Mapping[str, Mapping[int, int]]) -> dict[str, dict[int, int]]:
    """The answer counts per group, plus Leaders: executives' and managers' counts added up."""
    merged = {group: dict(values) for group, values in counts.items()}
    leaders: dict[int, int] = defaultdict(int)
    for group in LEADER_GROUPS:
        for value, n in counts.get(group, {}).items():
            leaders[value] += n
    merged[LEADERS] = dict(leaders)
    return merged


CountsByGroup = Mapping[tuple[date, int], Mapping[str, Mapping[int, int]]]


def people(kind: str, counts: Mapping[int, int]) -> int:
    """How many people answered a question, from its counts: the sum over its values, except for
    choose-any, where one person may pick several options and ``RESPONDENTS`` counts them."""
    if kind == "choose-any":
        return counts.get(RESPONDENTS, 0)
    return sum(counts.values())


def round_totals(
    by_group: CountsByGroup, questions: list[PulseQuestion], start: date
) -> dict[str, int]:
    """People per group in a round: the most people any question was answered by in the group."""
    return {
        group: max(
            (people(q.kind, by_group.get((start, q.id), {}).get(group, {})) for q in questions),
            default=0,
        )
        for group in RESPONDENT_GROUPS
    }


def round_groups(
    by_group: CountsByGroup, questions: list[PulseQuestion], start: date, minimum: int
) -> list[str]:
    """One choice of groups for a whole round: the same groups for every question, so no
    question shows a group another one hides."""
    return role_breakdown(round_totals(by_group, questions, start), minimum)


def too_small(
    by_group: CountsByGroup, questions: list[PulseQuestion], start: date, minimum: int
) -> list[str]:
    totals = round_totals(by_group, questions, start)
    return [group for group in LEADER_GROUPS if 0 < totals[group] < minimum]


def suppressed_keys(
    counts: Mapping[str, int], minimum: int, hide: Collection[str] = ()
) -> set[str]:
    """The keys to hide: every cell with 1..minimum-1 people (and those in ``hide``), then the
    smallest others until the hidden cells together hold nobody or at least ``minimum`` people."""
    hidden = {key for key, n in counts.items() if 0 < n < minimum or (n and key in hide)}
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
    mean: float | None = None  # Likert: 1-5; yes/no: share answering yes, 0-1; options: None
    # value, n, percent of the people who answered (options: for choose-any the shares of a
    # group add up to more than 100 %, one person picking several options)
    distribution: list[tuple[int, int, float]] = field(default_factory=list)

    @property
    def shown(self) -> bool:
        return not self.suppressed and self.n > 0


def make_cell(question: PulseQuestion, counts: Mapping[int, int], suppressed: bool) -> Cell:
    n = people(question.kind, counts)
    if suppressed or n == 0:
        return Cell(n=n if not suppressed else 0, suppressed=suppressed)
    if question.kind in CHOICE_KINDS:
        values = [option.value for option in question.options]  # retired ones too: history
        shares = [
            (value, counts.get(value, 0), 100.0 * counts.get(value, 0) / n) for value in values
        ]
        return Cell(n=n, suppressed=False, distribution=shares)
    values = list(values_for(question.kind))
    mean = sum(value * counts.get(value, 0) for value in values) / n
    ordered = sorted(values, reverse=question.kind == "yes-no")  # yes before no
    distribution = [
        (value, counts.get(value, 0), 100.0 * counts.get(value, 0) / n) for value in ordered
    ]
    return Cell(n=n, suppressed=False, mean=mean, distribution=distribution)


def breakdown(
    question: PulseQuestion,
    counts: Mapping[str, Mapping[int, int]],
    keys: list[str],
    minimum: int,
    hide: Collection[str] = (),
) -> dict[str, Cell]:
    """One question's cells over ``keys`` (groups or functions), small ones suppressed with their
    complement. A cell's size is the people who answered, whatever the question's kind."""
    totals = {key: people(question.kind, counts.get(key, {})) for key in keys}
    hidden = suppressed_keys(totals, minimum, hide)
    return {key: make_cell(question, counts.get(key, {}), key in hidden) for key in keys}


@dataclass
class QuestionResult:
    question: PulseQuestion
    cells: dict[str, Cell]  # the round's groups (role_breakdown)

    @property
    def gap(self) -> float | None:
        """Executives' (or Leaders') mean minus employees' (the perception gap), when both are
        shown."""
        top = self.cells.get("executive") or self.cells.get(LEADERS)
        employees = self.cells["employee"]
        if top is not None and top.shown and employees.shown:
            assert top.mean is not None and employees.mean is not None
            return top.mean - employees.mean
        return None


@dataclass
class ChoiceResult:
    """A question with options: per option, the share of each group's respondents picking it."""

    question: PulseQuestion
    cells: dict[str, Cell]  # the round's groups, as for the other questions

    @property
    def options(self) -> list[tuple[int, str]]:
        """(value, label) per option; a removed one is labelled so."""
        return [
            (o.value, o.label if o.retired_at is None else f"{o.label} (no longer offered)")
            for o in self.question.options
        ]

    def share(self, group: str, value: int) -> tuple[int, float]:
        """How many of the group picked the option, and their share of its respondents (%)."""
        for candidate, n, percent in self.cells[group].distribution:
            if candidate == value:
                return n, percent
        return 0, 0.0


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
    questions: list[QuestionResult]  # scale and yes/no; empty unless the round is released
    trend: list[TrendRow]  # released rounds only
    functions: list[str]
    by_function: list[FunctionRow]
    calibration: list[CalibrationRow]
    minimum: int
    groups: list[str] = field(default_factory=lambda: list(RESPONDENT_GROUPS))  # selected round
    choices: list[ChoiceResult] = field(default_factory=list)  # questions with options
    too_small: list[str] = field(default_factory=list)  # of executives and managers, that round

    @property
    def leaders_note(self) -> str:
        """Why executives and managers are shown together (empty when they are not), in words."""
        if LEADERS not in self.groups:
            return ""
        start = "Executives and managers are shown together as Leaders: "
        if len(self.too_small) > 1:
            return start + "each group alone is too small to show."
        small = GROUP_LABELS[self.too_small[0]].lower() if self.too_small else "one group"
        other = "managers" if small == "executives" else "executives"
        return (
            start + f"fewer than {self.minimum} {small} answered, too few to show alone, and "
            f"{other} shown alone would give their answers away."
        )

    @property
    def trend_groups(self) -> list[str]:
        """The groups any released round shows, in the usual order."""
        used = {group for row in self.trend for _, cells in row.points for group in cells}
        return [group for group in ALL_GROUPS if group in used]

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
    """At most six statements, whatever the number of respondents, rounds and options.

    Answer counts are read for released rounds only (lms.pulse.release): figures of a round that
    can still change never leave the database.
    """
    questions = pulse_questions(session, pulse)
    rounds = round_summaries(session, pulse, minimum, today)
    selected = choose_round(rounds, wanted)
    released = [summary.start for summary in rounds if summary.released]
    shown = selected.start if selected is not None and selected.released else None
    by_group = counts_by_group(session, pulse, released)
    by_function: FunctionCounts = {}
    roles: RoleCounts = {}
    if shown is not None:
        by_function, roles = counts_by_function(session, pulse, shown)

    groups = {start: round_groups(by_group, questions, start, minimum) for start in released}

    def cells(start: date, question: PulseQuestion) -> dict[str, Cell]:
        counts = with_leaders(by_group.get((start, question.id), {}))
        return breakdown(question, counts, groups[start], minimum)

    # A mean per group (the gap, by function, over time) only for questions on a scale; those
    # with options show a share per option and group, suppressed the same way.
    scale = [q for q in questions if q.kind in SCALE_KINDS]
    current = [QuestionResult(q, cells(shown, q)) for q in scale if shown is not None]
    choices = [
        ChoiceResult(q, cells(shown, q))
        for q in questions
        if q.kind in CHOICE_KINDS and shown is not None
    ]
    trend = [TrendRow(q, [(start, cells(start, q)) for start in released]) for q in scale]
    by_function = {q.id: by_function[q.id] for q in scale if q.id in by_function}
    functions = answered_functions(by_function)
    function_rows = (
        []
        if shown is None
        else function_breakdown(scale, by_function, roles, groups[shown], minimum)
    )
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
        groups=groups.get(shown, list(RESPONDENT_GROUPS)) if shown else list(RESPONDENT_GROUPS),
        too_small=too_small(by_group, questions, shown, minimum) if shown else [],
        choices=choices,
    )


def function_breakdown(
    questions: list[PulseQuestion],
    by_function: FunctionCounts,
    roles: RoleCounts,
    groups: list[str],
    minimum: int,
) -> list[FunctionRow]:
    """The selected round's cells per job function, hiding small functions and those that would
    give a few people away next to a group's cell (:func:`leaky_functions`)."""
    functions = answered_functions(by_function)
    return [
        FunctionRow(
            q,
            breakdown(
                q,
                by_function.get(q.id, {}),
                functions,
                minimum,
                hide=leaky_functions(roles.get(q.id, {}), groups, minimum),
            ),
        )
        for q in questions
    ]


def pulse_questions(session: DbSession, pulse: Pulse) -> list[PulseQuestion]:
    return list(
        session.scalars(
            select(PulseQuestion)
            .where(PulseQuestion.pulse_id == pulse.id)
            .order_by(PulseQuestion.retired_at.is_not(None), PulseQuestion.position)
            .options(selectinload(PulseQuestion.options))
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


FunctionCounts = dict[int, dict[str, dict[int, int]]]  # question -> function -> value -> n
RoleCounts = dict[int, dict[str, dict[str, int]]]  # question -> function -> group -> n


def counts_by_function(
    session: DbSession, pulse: Pulse, start: date
) -> tuple[FunctionCounts, RoleCounts]:
    """For one round: question -> job function -> value -> count, and question -> job function
    -> respondent group -> count (who is in each function's cell, for :func:`leaky_functions`)."""
    by_function: FunctionCounts = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    roles: RoleCounts = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    for question_id, function, group, value, n in session.execute(
        select(
            PulseAnswerCount.question_id,
            PulseAnswerCount.job_function,
            PulseAnswerCount.respondent_group,
            PulseAnswerCount.value,
            func.sum(PulseAnswerCount.count),
        )
        .where(PulseAnswerCount.pulse_id == pulse.id, PulseAnswerCount.round_start == start)
        .group_by(
            PulseAnswerCount.question_id,
            PulseAnswerCount.job_function,
            PulseAnswerCount.respondent_group,
            PulseAnswerCount.value,
        )
    ).all():
        by_function[question_id][function][value] += int(n or 0)
        roles[question_id][function][group] += int(n or 0)
    return by_function, roles


def leaky_functions(
    roles: Mapping[str, Mapping[str, int]], groups: list[str], minimum: int
) -> set[str]:
    """Job functions whose cell, next to a group's cell (``groups``: the round's, Leaders
    included), would give away 1 to ``minimum`` - 1 people by subtraction: a function made only
    of one group's members that lacks a few of them (group minus function), or one holding a
    whole group plus a few others (function minus group). Such a function is hidden like a small
    one; longer chains across the two tables remain a documented limit (docs/pulse.md)."""

    def members(counts: Mapping[str, int], group: str) -> int:
        parts = LEADER_GROUPS if group == LEADERS else (group,)
        return sum(counts.get(part, 0) for part in parts)

    totals = {group: sum(members(counts, group) for counts in roles.values()) for group in groups}
    leaky = set()
    for function, counts in roles.items():
        everyone = sum(counts.values())
        for group in groups:
            inside = members(counts, group)
            if inside == everyone and 0 < totals[group] - inside < minimum:
                leaky.add(function)
            if inside and inside == totals[group] and 0 < everyone - inside < minimum:
                leaky.add(function)
    return leaky


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
