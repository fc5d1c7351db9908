"""Item statistics: how each question of a course performed with real learners.

The anchor is Moodle's quiz statistics report. For every question version of a course version
(its live version unless another is asked for), from the answers that count as evidence
(``AttemptAnswer.counts``: a knowledge check's retry is practice and left out) of every attempt
kind (final quiz, knowledge check, baseline):

- **responses**: how many answers;
- **facility**: the share of them that were right (0-1);
- **discrimination**: the *corrected item-total correlation*, i.e. the point-biserial (Pearson)
  correlation between the item's 0/1 and the same attempt's share of right answers on its OTHER
  counting items (the "rest of the test", so the item does not correlate with itself). Only
  answers in attempts with at least one other counting item take part; shares rather than counts
  of right answers, so attempts of different lengths (a baseline and a quiz) compare fairly. From
  -1 to 1: positive when people who do well elsewhere get this question right more often;
- **option picks**: for each option, the share of responses that chose it (a choose-all response
  can choose several, so shares need not add up to 100%; an unanswered question chooses none).

Below ``min_responses`` answers no figure is given at all (``enough`` is false): "not enough
answers yet". Flags (with ``enough`` only): too easy (facility > 0.9), too hard (< 0.2), low
discrimination (< 0.2), negative discrimination (< 0), and a distractor (wrong option) chosen by
fewer than 5% of responses.

Everything comes from ONE aggregate statement, however many attempts there are: the items'
counting answers (filtered to the question versions asked for), with each attempt's totals over
its counting answers (found through the ``(attempt_id, question_version_id)`` index), grouped by
question version, answer pattern (the ``chosen`` JSON as text), right or not, and the attempt's
totals (a join on SQLite, window aggregates on PostgreSQL: see ``_sums_statement``). Python
adds the groups up (exactly, in fractions) and counts option picks from the patterns: its work is
bounded by the number of distinct answer patterns and attempt totals, not by the number of
answers. ``course_item_statistics`` adds one statement that loads the questions.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from sqlalchemy import String, case, cast, func, select

from lms.courses.models import Course, Question, QuestionVersion
from lms.database import DbSession
from lms.learn.models import AttemptAnswer
from lms.openbadges.v2 import plain_text

DEFAULT_MIN_RESPONSES = 30
TOO_EASY = 0.9  # facility above this
TOO_HARD = 0.2  # facility below this
LOW_DISCRIMINATION = 0.2  # discrimination below this
RARE_DISTRACTOR = 0.05  # a wrong option chosen by fewer than this share of responses
STEM_CHARS = 90
OPTION_CHARS = 60

# Flag code -> (short label, what it means in plain words).
FLAGS: dict[str, tuple[str, str]] = {
    "too-easy": ("Too easy", "more than 90% answer it right, so it tells you little"),
    "too-hard": ("Too hard", "fewer than 20% answer it right; check the key and the wording"),
    "negative-discrimination": (
        "Negative discrimination",
        "discrimination below 0: people who do well on the rest get it wrong more often; check "
        "the key and look for a second defensible answer",
    ),
    "low-discrimination": (
        "Low discrimination",
        "discrimination below 0.2, so it hardly separates people who know the topic from those "
        "who do not",
    ),
    "rare-distractor": (
        "Distractor nobody picks",
        "a wrong option (letter in brackets) is chosen by fewer than 5% of answers; make it more "
        "plausible or replace it",
    ),
}


@dataclass(frozen=True)
class Flag:
    code: str
    label: str
    detail: str


@dataclass(frozen=True)
class OptionPicks:
    key: str
    letter: str  # "A", "B", ... in authored order (learners saw them shuffled)
    text: str  # the start of the option, plain text
    correct: bool
    picks: int
    share: float | None  # of responses; None below the minimum


@dataclass(frozen=True)
class ItemStatistics:
    """One question version's figures. ``right`` and ``responses`` are always filled (for
    "measured difficulty"); ``facility``, ``discrimination``, option shares and flags only once
    ``enough`` answers have come in."""

    question_id: int
    question_version_id: int
    slug: str
    module_id: int | None
    position: int
    type: str
    multiple_answers: bool
    competency: str
    difficulty: int  # the author's label
    stem_text: str
    responses: int
    right: int
    enough: bool
    facility: float | None
    discrimination: float | None
    discrimination_responses: int  # answers in attempts with other counting items
    options: tuple[OptionPicks, ...]
    flags: tuple[Flag, ...] = field(default=())

    @property
    def facility_percent(self) -> float | None:
        return None if self.facility is None else round(100 * self.facility, 1)

    @property
    def rarest_distractor_share(self) -> float | None:
        """The share of the least-picked wrong option (what the option-picks column sorts by)."""
        shares = [o.share for o in self.options if not o.correct and o.share is not None]
        return min(shares) if shares else None

    @property
    def flag_codes(self) -> tuple[str, ...]:
        return tuple(flag.code for flag in self.flags)


@dataclass
class _Sums:
    """Running sums for one question version. The correlation's sums are exact fractions (the
    rest-of-attempt share is a ratio of small integers), so the result does not depend on the
    order rows arrive in."""

    responses: int = 0
    right: int = 0
    pairs: int = 0
    sum_x: int = 0
    sum_y: Fraction = Fraction(0)
    sum_xy: Fraction = Fraction(0)
    sum_yy: Fraction = Fraction(0)
    picks: dict[str, int] = field(default_factory=dict)


def shortened(html: str, limit: int) -> str:
    """The start of some stored (sanitized) HTML as one line of plain text."""
    text = plain_text(html)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def correlation(
    n: int,
    sum_x: float | Fraction,
    sum_y: float | Fraction,
    sum_xy: float | Fraction,
    sum_yy: float | Fraction,
) -> float | None:
    """Pearson's r of a 0/1 variable x (so Σx² = Σx) with y, from sums; None when x or y does
    not vary at all."""
    if n < 2:
        return None
    covariance = n * sum_xy - sum_x * sum_y
    var_x = n * sum_x - sum_x * sum_x
    var_y = n * sum_yy - sum_y * sum_y
    if var_x <= 0 or var_y <= 0:
        return None
    r = float(covariance) / math.sqrt(float(var_x) * float(var_y))
    return max(-1.0, min(1.0, r))


def _sums_statement(version_ids: Sequence[int], dialect: str) -> Any:
    """The one statement behind the figures: counting answers to the items, counted per
    (question version, answer pattern, right or not, the attempt's right answers and counting
    answers in all).

    Grouping by the attempt's totals instead of computing the rest-of-attempt share in SQL keeps
    the arithmetic exact (Python does it on integers); the rows are bounded by answer patterns
    times distinct attempt totals, not by the number of answers. Both forms below read
    ``attempt_answers`` once in full (to find the items' answers) and then each attempt that holds
    one through the (attempt_id, question_version_id) index; they return the same rows."""
    if dialect == "postgresql":
        return _sums_by_window(version_ids)
    return _sums_by_join(version_ids)


def _right(table: Any) -> Any:
    return case((table.c.correct.is_(True), 1), else_=0)


def _sums_by_join(version_ids: Sequence[int]) -> Any:
    """``items`` (the items' counting answers, materialised once) joined to ``totals`` (each of
    their attempts' counting answers). The faster form on SQLite. On PostgreSQL the planner cannot
    estimate the join out of a CTE, expects millions of rows and spends a second compiling the
    query (JIT) to run a tenth of that: hence the window form there."""
    answer = AttemptAnswer.__table__.alias("answer")
    other = AttemptAnswer.__table__.alias("other")
    items = (
        select(
            answer.c.attempt_id,
            answer.c.question_version_id,
            cast(answer.c.chosen, String).label("chosen"),
            _right(answer).label("x"),
        )
        .where(answer.c.question_version_id.in_(version_ids), answer.c.counts.is_(True))
        .cte("items")
    )
    totals = (
        select(
            other.c.attempt_id,
            func.sum(_right(other)).label("right"),
            func.count().label("answers"),
        )
        .where(other.c.counts.is_(True), other.c.attempt_id.in_(select(items.c.attempt_id)))
        .group_by(other.c.attempt_id)
        .cte("totals")
    )
    columns = (items.c.question_version_id, items.c.chosen, items.c.x)
    return (
        select(*columns, totals.c.right, totals.c.answers, func.count().label("responses"))
        .select_from(items)
        .join(totals, totals.c.attempt_id == items.c.attempt_id)
        .group_by(*columns, totals.c.right, totals.c.answers)
    )


def _sums_by_window(version_ids: Sequence[int]) -> Any:
    """Every counting answer of the attempts that hold an item, with its attempt's totals as
    window aggregates; then only the items' rows are grouped. Estimated well by PostgreSQL (no
    join out of a CTE); slower than the join on SQLite."""
    answer = AttemptAnswer.__table__.alias("answer")
    other = AttemptAnswer.__table__.alias("other")
    attempts = select(answer.c.attempt_id).where(
        answer.c.question_version_id.in_(version_ids), answer.c.counts.is_(True)
    )
    rows = (
        select(
            other.c.question_version_id,
            cast(other.c.chosen, String).label("chosen"),
            _right(other).label("x"),
            func.sum(_right(other)).over(partition_by=other.c.attempt_id).label("right"),
            func.count().over(partition_by=other.c.attempt_id).label("answers"),
        )
        .where(other.c.counts.is_(True), other.c.attempt_id.in_(attempts))
        .subquery("rows")
    )
    columns = (rows.c.question_version_id, rows.c.chosen, rows.c.x, rows.c.right, rows.c.answers)
    return (
        select(*columns, func.count().label("responses"))
        .where(rows.c.question_version_id.in_(version_ids))
        .group_by(*columns)
    )


def _collect(session: DbSession, version_ids: Sequence[int]) -> dict[int, _Sums]:
    sums: dict[int, _Sums] = {}
    if not version_ids:
        return sums
    patterns: dict[str, list[str]] = {}
    dialect = session.get_bind().dialect.name
    for version_id, chosen_text, x, attempt_right, attempt_answers, count in session.execute(
        _sums_statement(version_ids, dialect)
    ):
        item = sums.setdefault(version_id, _Sums())
        x, count, answers = int(x), int(count), int(attempt_answers)
        item.responses += count
        item.right += x * count
        if answers > 1:  # the rest of the attempt: its other counting answers
            y = Fraction(int(attempt_right) - x, answers - 1)
            item.pairs += count
            item.sum_x += x * count
            item.sum_y += y * count
            item.sum_xy += x * y * count
            item.sum_yy += y * y * count
        text = chosen_text or "[]"
        chosen = patterns.get(text)
        if chosen is None:
            chosen = patterns[text] = _keys(text)
        for key in chosen:
            item.picks[key] = item.picks.get(key, 0) + count
    return sums


def _keys(text: str) -> list[str]:
    """The distinct option keys of a stored ``chosen`` JSON list (stored spacing varies)."""
    try:
        value = json.loads(text)
    except ValueError:
        return []
    return sorted({str(key) for key in value}) if isinstance(value, list) else []


def _flags(
    facility: float | None, discrimination: float | None, options: Sequence[OptionPicks]
) -> tuple[Flag, ...]:
    codes: list[tuple[str, str]] = []
    if facility is not None:
        if facility > TOO_EASY:
            codes.append(("too-easy", ""))
        if facility < TOO_HARD:
            codes.append(("too-hard", ""))
    if discrimination is not None:
        if discrimination < 0:
            codes.append(("negative-discrimination", ""))
        elif discrimination < LOW_DISCRIMINATION:
            codes.append(("low-discrimination", ""))
    rare = [
        o for o in options if not o.correct and o.share is not None and o.share < RARE_DISTRACTOR
    ]
    if rare:
        codes.append(("rare-distractor", ", ".join(o.letter for o in rare)))
    flags = []
    for code, which in codes:
        label, detail = FLAGS[code]
        if which:
            label = f"{label} ({which})"
        flags.append(Flag(code, label, detail))
    return tuple(flags)


def item_statistics(
    session: DbSession,
    questions: Sequence[QuestionVersion],
    *,
    slugs: dict[int, str] | None = None,
    min_responses: int = DEFAULT_MIN_RESPONSES,
) -> list[ItemStatistics]:
    """The figures of ``questions`` (question versions, in the order given) in one statement.
    ``slugs`` maps question ids to their slugs (for display; optional)."""
    sums = _collect(session, [q.id for q in questions])
    minimum = max(1, min_responses)
    result = []
    for question in questions:
        item = sums.get(question.id, _Sums())
        enough = item.responses >= minimum
        facility = item.right / item.responses if enough else None
        discrimination = None
        if enough and item.pairs >= minimum:
            discrimination = correlation(
                item.pairs, item.sum_x, item.sum_y, item.sum_xy, item.sum_yy
            )
        options = tuple(
            OptionPicks(
                key=str(option["key"]),
                letter=chr(ord("A") + index) if index < 26 else str(option["key"]),
                text=shortened(str(option.get("html", "")), OPTION_CHARS),
                correct=bool(option.get("correct")),
                picks=item.picks.get(str(option["key"]), 0),
                share=item.picks.get(str(option["key"]), 0) / item.responses if enough else None,
            )
            for index, option in enumerate(question.options)
        )
        result.append(
            ItemStatistics(
                question_id=question.question_id,
                question_version_id=question.id,
                slug=(slugs or {}).get(question.question_id, ""),
                module_id=question.module_id,
                position=question.position,
                type=question.type,
                multiple_answers=question.multiple_answers,
                competency=question.competency,
                difficulty=question.difficulty,
                stem_text=shortened(question.stem_html, STEM_CHARS),
                responses=item.responses,
                right=item.right,
                enough=enough,
                facility=facility,
                discrimination=discrimination,
                discrimination_responses=item.pairs,
                options=options,
                flags=_flags(facility, discrimination, options) if enough else (),
            )
        )
    return result


QUIZ = "quiz"  # ``part``: the final quiz pool


def course_item_statistics(
    session: DbSession,
    course: Course,
    *,
    version_id: int | None = None,
    part: str | int | None = None,
    min_responses: int = DEFAULT_MIN_RESPONSES,
) -> list[ItemStatistics]:
    """Item statistics of a course's questions: of the course version ``version_id`` (default:
    the live one; it must be one of this course's), all of them (``part`` None), the final quiz
    pool (``part`` ``QUIZ``) or one module's knowledge check (``part`` a module id). Two
    statements: the questions with their slugs, then the figures."""
    version_id = version_id if version_id is not None else course.current_version_id
    if version_id is None:
        return []
    query = (
        select(QuestionVersion, Question.slug)
        .join(Question, Question.id == QuestionVersion.question_id)
        .where(QuestionVersion.course_version_id == version_id, Question.course_id == course.id)
        .order_by(QuestionVersion.module_id.is_not(None), QuestionVersion.position)
    )
    if part == QUIZ:
        query = query.where(QuestionVersion.module_id.is_(None))
    elif isinstance(part, int):
        query = query.where(QuestionVersion.module_id == part)
    rows = session.execute(query).all()
    questions = [row[0] for row in rows]
    slugs = {row[0].question_id: str(row[1]) for row in rows}
    return item_statistics(session, questions, slugs=slugs, min_responses=min_responses)
