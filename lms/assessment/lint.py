"""The assessment linter: cues that let people answer without the knowledge.

Each rule has a stable id and a severity. An *error* blocks publishing; a *warning* is shown and
does not block (``lms courses check --strict`` treats warnings as errors, as CI does for the shipped
curriculum). An author silences one finding for one question with a settings line
``allow: <rule-id>: <why>``; pool-wide rules are silenced the same way on the pool's first
question. See docs/authoring.md ("The assessment checks") for every rule in words.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from lms.assessment.audit import kind_of
from lms.courses.format import CourseSource, Problem
from lms.courses.questions import OptionSource, QuestionSource
from lms.literacy.model import DIFFICULTY_WEIGHT, RULES, SOURCE_CAP, LevelRule

ERROR = "error"
WARNING = "warning"

# Rule id -> (severity, what it is about), in the order the docs list them.
RULES_BY_ID: dict[str, tuple[str, str]] = {
    "key-longest": (WARNING, "the key is the longest option by a clear margin"),
    "pool-key-longest": (ERROR, "the key is the longest option far more often than chance"),
    "pool-key-shortest": (ERROR, "the key is the shortest option far more often than chance"),
    "true-false-balance": (ERROR, "true/false keys lean one way"),
    "choose-all-pattern": (ERROR, "choose-all questions follow one pattern"),
    "self-label": (ERROR, "an option labels itself or points at other options"),
    "all-none-above": (ERROR, "'all/none of the above' without pin_last"),
    "stem-echo": (WARNING, "only the key repeats distinctive words of the stem"),
    "near-duplicate": (WARNING, "two questions ask nearly the same thing"),
    "pool-too-small": (ERROR, "the pool is smaller than twice the draw"),
    "review-leaks-keys": (WARNING, "'review: full' shows the keys of questions drawn again"),
    "reachability": (ERROR, "a level cannot be reached with the catalogue's questions"),
}

LONGEST_MARGIN = 1.25  # key at least 25% longer than every other option ...
LONGEST_MIN_CHARS = 12  # ... and at least this many characters longer
POOL_CUE_SHARE = 0.40  # key longest (or shortest) in more than this share of a pool's questions
POOL_CUE_MIN = 5  # pools with fewer choose-one questions are not judged
TRUE_SHARE = (0.35, 0.65)
TRUE_FALSE_MIN = 4
ALL_BUT_ONE_SHARE = 0.5  # of a pool's choose-all questions (4+ of them)
CHOOSE_ALL_MIN = 4
DUPLICATE_RATIO = 0.85
STEM_COMPARE_CHARS = 400
MAX_COMPARISONS = 5_000
ECHO_MIN_WORDS = 3
REACH_MARGIN = 2  # the catalogue must hold twice the hard evidence a level needs

SELF_LABEL_RE = re.compile(
    r"\((?:un)?verified\b|\((?:correct|incorrect|wrong|right|recommended|best practice|"
    r"best answer)\)|\b(?:both|all|none|neither) of (?:the )?(?:above|these|those|"
    r"options)\b|\boptions? [a-d]\b|\b(?:answers?|options?) (?:a|b|c|d) and (?:a|b|c|d)\b",
    re.IGNORECASE,
)
ALL_NONE_RE = re.compile(r"^(?:all|none) of (?:the )?(?:above|these)\b|^none of them\b", re.I)
WORD_RE = re.compile(r"[a-z][a-z'-]{5,}")
STOP_WORDS = frozenset(
    [
        "should",
        "would",
        "could",
        "about",
        "their",
        "there",
        "these",
        "those",
        "which",
        "while",
        "where",
        "whether",
        "before",
        "after",
        "because",
        "without",
        "within",
        "between",
        "through",
        "another",
        "answer",
        "people",
        "someone",
        "something",
        "others",
        "colleague",
        "company",
        "customer",
        "customers",
        "really",
        "always",
        "never",
        "usually",
    ]
)


@dataclass(frozen=True, order=True)
class Finding:
    path: str
    line: int
    rule: str
    message: str
    severity: str
    allowed: str = ""  # the author's reason, when silenced

    def __str__(self) -> str:
        suffix = " (warning)" if self.severity == WARNING else ""
        return f"{self.path}:{self.line}: {self.rule}: {self.message}{suffix}"


@dataclass(frozen=True)
class Pool:
    """Questions judged together: a course's final quiz pool, or all its knowledge checks."""

    name: str
    questions: list[QuestionSource]


def pools_of(course: CourseSource) -> list[Pool]:
    pools = []
    if course.quiz_pool:
        pools.append(Pool("the final quiz pool", course.quiz_pool))
    checks = [question for module in course.modules for question in module.questions]
    if checks:
        pools.append(Pool("the knowledge checks", checks))
    return pools


class _Linter:
    def __init__(self, root: str) -> None:
        self.root = root
        self.findings: list[Finding] = []

    def add(self, question: QuestionSource, rule: str, message: str, line: int = 0) -> None:
        severity = RULES_BY_ID[rule][0]
        allowed = next((a.reason for a in question.allowances if a.rule == rule), "")
        path = f"{self.root}/{question.path}" if self.root else question.path
        self.findings.append(Finding(path, line or question.line, rule, message, severity, allowed))


def lint_course(course: CourseSource, root: str = "") -> list[Finding]:
    """Every finding in one course (``root`` prefixes the file names, e.g. courses/slug)."""
    linter = _Linter(root)
    for question in course.questions:
        _question_rules(linter, question)
    for pool in pools_of(course):
        _pool_rules(linter, pool)
    if course.quiz is not None and course.quiz_pool:
        _quiz_settings_rules(linter, course)
    _duplicates(linter, [(root, q) for q in course.questions])
    return sorted(linter.findings)


# ------------------------------------------------------------------------------ one question


def _length(option: OptionSource) -> int:
    return len(option.text.strip())


def _question_rules(linter: _Linter, question: QuestionSource) -> None:
    options = question.options
    if kind_of(question) == "choose-one":
        key = next(option for option in options if option.correct)
        others = [_length(option) for option in options if not option.correct]
        if others and _length(key) >= max(
            max(others) * LONGEST_MARGIN, max(others) + LONGEST_MIN_CHARS
        ):
            linter.add(
                question,
                "key-longest",
                f"question {question.slug!r}: the right answer ({_length(key)} characters) is "
                f"much longer than every other option (at most {max(others)}): make the others "
                "as detailed, or the right one shorter",
                key.line,
            )
    for position, option in enumerate(options):
        pinned_last = question.pin_last and position == len(options) - 1
        if ALL_NONE_RE.match(option.text.strip()):
            if not pinned_last:
                linter.add(
                    question,
                    "all-none-above",
                    f"question {question.slug!r}: options are shuffled, so '{option.text}' "
                    "needs 'pin_last: yes' and to be the last option",
                    option.line,
                )
            continue
        if SELF_LABEL_RE.search(option.text):
            linter.add(
                question,
                "self-label",
                f"question {question.slug!r}: the option '{option.text[:60]}' labels itself or "
                "refers to other options; say what it means in its own words",
                option.line,
            )
    _stem_echo(linter, question)


def _words(text: str) -> set[str]:
    return {word for word in WORD_RE.findall(text.lower()) if word not in STOP_WORDS}


def _stem_echo(linter: _Linter, question: QuestionSource) -> None:
    if question.multiple_answers or question.type == "true-false":
        return
    stem = _words(question.stem)
    key = next(option for option in question.options if option.correct)
    elsewhere = set().union(*(_words(o.text) for o in question.options if not o.correct))
    echoed = (_words(key.text) & stem) - elsewhere
    if len(echoed) >= ECHO_MIN_WORDS:
        linter.add(
            question,
            "stem-echo",
            f"question {question.slug!r}: only the right answer repeats the stem's words "
            f"({', '.join(sorted(echoed))}); use them in other options too, or reword",
            key.line,
        )


# ------------------------------------------------------------------------------ a pool


def _pool_rules(linter: _Linter, pool: Pool) -> None:
    first = pool.questions[0]
    choose_one = [q for q in pool.questions if kind_of(q) == "choose-one"]
    if len(choose_one) >= POOL_CUE_MIN:
        for rule, pick in (("pool-key-longest", max), ("pool-key-shortest", min)):
            hits = sum(_key_is(q, pick) for q in choose_one)
            if hits / len(choose_one) > POOL_CUE_SHARE:
                word = "longest" if pick is max else "shortest"
                linter.add(
                    first,
                    rule,
                    f"in {pool.name}, the right answer is the {word} option in {hits} of "
                    f"{len(choose_one)} choose-one questions (chance is about "
                    f"{_chance(choose_one):.0%}): someone who picks the {word} option passes "
                    "without reading",
                )
    _true_false_balance(linter, pool)
    _choose_all_pattern(linter, pool)


def _key_is(question: QuestionSource, pick: object) -> bool:
    lengths = [_length(option) for option in question.options]
    target = pick(lengths)  # type: ignore[operator]
    winners = [option for option in question.options if _length(option) == target]
    return len(winners) == 1 and winners[0].correct


def _chance(questions: Sequence[QuestionSource]) -> float:
    return sum(1 / len(q.options) for q in questions) / len(questions)


def _true_false_balance(linter: _Linter, pool: Pool) -> None:
    true_false = [q for q in pool.questions if q.type == "true-false"]
    if len(true_false) < TRUE_FALSE_MIN:
        return
    trues = sum(any(o.correct and o.text.lower() == "true" for o in q.options) for q in true_false)
    share = trues / len(true_false)
    if not TRUE_SHARE[0] <= share <= TRUE_SHARE[1]:
        linter.add(
            true_false[0],
            "true-false-balance",
            f"in {pool.name}, {trues} of {len(true_false)} true/false answers are True "
            f"({share:.0%}); keep between {TRUE_SHARE[0]:.0%} and {TRUE_SHARE[1]:.0%}, or "
            "'always False' passes",
        )


def _choose_all_pattern(linter: _Linter, pool: Pool) -> None:
    choose_all = [q for q in pool.questions if kind_of(q) == "choose-all"]
    if len(choose_all) < CHOOSE_ALL_MIN:
        return
    all_but_one = [q for q in choose_all if sum(o.correct for o in q.options) == len(q.options) - 1]
    odd_shortest = [q for q in all_but_one if _key_is_wrong_shortest(q)]
    if len(all_but_one) / len(choose_all) > ALL_BUT_ONE_SHARE or (
        len(odd_shortest) / len(choose_all) > POOL_CUE_SHARE
    ):
        linter.add(
            choose_all[0],
            "choose-all-pattern",
            f"in {pool.name}, {len(all_but_one)} of {len(choose_all)} choose-all questions have "
            f"all but one option right ({len(odd_shortest)} with the shortest as the wrong one): "
            "vary how many are right, from one to all",
        )


def _key_is_wrong_shortest(question: QuestionSource) -> bool:
    shortest = min(_length(option) for option in question.options)
    wrong = [option for option in question.options if not option.correct]
    return len(wrong) == 1 and _length(wrong[0]) == shortest


def _quiz_settings_rules(linter: _Linter, course: CourseSource) -> None:
    assert course.quiz is not None
    first = course.quiz_pool[0]
    if len(course.quiz_pool) < 2 * course.quiz.questions:
        linter.add(
            first,
            "pool-too-small",
            f"the final quiz draws {course.quiz.questions} of {len(course.quiz_pool)} questions: "
            f"write at least {2 * course.quiz.questions} so a retake can show new questions",
        )
    if course.quiz.review == "full" and course.quiz.max_attempts != 1:
        linter.add(
            first,
            "review-leaks-keys",
            "'review: full' shows the right answers after a failed attempt, and the next attempt "
            "can draw the same questions: use 'review: guarded' (the default)",
        )


# ------------------------------------------------------------------------------ across questions


def _stem_text(question: QuestionSource) -> str:
    # Stems are compared on their first STEM_COMPARE_CHARS characters: enough to tell questions
    # apart, and it bounds each comparison (difflib is quadratic in the text's length).
    return " ".join(question.stem.lower().split())[:STEM_COMPARE_CHARS]


@functools.cache
def _stem_words_of(stem: str) -> frozenset[str]:
    return frozenset(stem.lower().split())


def _stem_words(question: QuestionSource) -> frozenset[str]:
    return _stem_words_of(question.stem)


def _duplicates(linter: _Linter, questions: Sequence[tuple[str, QuestionSource]]) -> None:
    compare = _Comparer()
    for index, (_root, question) in enumerate(questions):
        for other_root, other in questions[index + 1 :]:
            if compare.similar(question, other):
                where = f"{other_root}/{other.path}" if other_root else other.path
                linter.add(
                    question,
                    "near-duplicate",
                    f"question {question.slug!r} asks nearly the same as {other.slug!r} "
                    f"({where}:{other.line})",
                )
                break  # one finding per question is enough to act on


class _Comparer:
    """Near-duplicate comparisons with a budget: the cheap word-overlap filter runs for every
    pair, the exact (quadratic) comparison at most ``MAX_COMPARISONS`` times per check, so a
    hostile file of near-identical questions cannot hold a worker (issue 17)."""

    def __init__(self) -> None:
        self.left = MAX_COMPARISONS

    def similar(self, one: QuestionSource, other: QuestionSource) -> bool:
        # Stems sharing under half their words are never this close.
        words_a, words_b = _stem_words(one), _stem_words(other)
        if len(words_a & words_b) < 0.5 * max(len(words_a), len(words_b), 1):
            return False
        if self.left <= 0:
            return False
        self.left -= 1
        return _close(one, other)


def _close(one: QuestionSource, other: QuestionSource) -> bool:
    a, b = _stem_text(one), _stem_text(other)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return (
        matcher.real_quick_ratio() >= DUPLICATE_RATIO
        and matcher.quick_ratio() >= DUPLICATE_RATIO
        and matcher.ratio() >= DUPLICATE_RATIO
    )


def lint_catalogue(courses: Iterable[tuple[str, CourseSource]]) -> list[Finding]:
    """Rules across courses: near-duplicates between courses, and reachability of every level."""
    listed = list(courses)
    linter = _Linter("")
    compare = _Comparer()
    by_course = [[(root, q) for q in course.questions] for root, course in listed]
    for index, questions in enumerate(by_course):
        for root, question in questions:
            for others in by_course[index + 1 :]:
                for other_root, other in others:
                    if compare.similar(question, other):
                        linter.root = root
                        linter.add(
                            question,
                            "near-duplicate",
                            f"question {question.slug!r} asks nearly the same as {other.slug!r} "
                            f"({other_root}/{other.path}:{other.line})",
                        )
    linter.root = ""
    _reachability(linter, listed)
    return sorted(linter.findings)


def _reachability(linter: _Linter, courses: list[tuple[str, CourseSource]]) -> None:
    """For each area, someone who answers every question right must reach every level: with
    each course's weight capped as the level model caps it (SOURCE_CAP), the catalogue must
    hold what each level needs; and, uncapped, twice the hard evidence it needs (a quiz draws
    only part of its pool)."""
    by_area: dict[str, dict[str, list[QuestionSource]]] = {}
    for root, course in courses:
        for question in course.questions:
            by_area.setdefault(question.competency, {}).setdefault(root, []).append(question)
    for area, by_course in sorted(by_area.items()):
        for rule in reversed(RULES):  # the lowest level that cannot be reached
            missing = _reach_gap(by_course, rule)
            if missing:
                root, questions = next(iter(sorted(by_course.items())))
                linter.root = root
                linter.add(
                    questions[0],
                    "reachability",
                    f"level {rule.level} (and above) in {area!r} cannot be reached reliably: "
                    f"{missing}",
                )
                break  # the levels above need more still


def _reach_gap(by_course: dict[str, list[QuestionSource]], rule: LevelRule) -> str:
    def amount(questions: list[QuestionSource], min_difficulty: int) -> float:
        return sum(
            DIFFICULTY_WEIGHT[q.difficulty] for q in questions if q.difficulty >= min_difficulty
        )

    hard = [amount(qs, rule.hard_difficulty) for qs in by_course.values()]
    total = [amount(qs, 0) for qs in by_course.values()]
    capped_hard = sum(min(a, SOURCE_CAP) for a in hard)
    capped_total = sum(min(a, SOURCE_CAP) for a in total)
    if sum(hard) < rule.min_hard_correct * REACH_MARGIN:
        return (
            f"it needs {rule.min_hard_correct:g} points of right answers at difficulty "
            f"{rule.hard_difficulty}+ and the catalogue holds {sum(hard):g} (at least "
            f"{rule.min_hard_correct * REACH_MARGIN:g} wanted, as quizzes draw only part of their "
            f"pools); write more difficulty-{rule.hard_difficulty} questions in this area"
        )
    if capped_hard < rule.min_hard_correct or capped_total < rule.min_correct:
        return (
            f"one course counts at most {SOURCE_CAP:g} points towards a level, and the courses "
            f"with questions in this area give {capped_total:g} of the {rule.min_correct:g} "
            f"needed ({capped_hard:g} of {rule.min_hard_correct:g} at difficulty "
            f"{rule.hard_difficulty}+): add questions in this area to another course"
        )
    return ""


# ------------------------------------------------------------------------------ for the checkers


@dataclass(frozen=True)
class Assessment:
    """The linter's verdict on some courses: errors block publishing, warnings do not."""

    findings: list[Finding]

    @property
    def blocking(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR and not f.allowed]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == WARNING and not f.allowed]

    @property
    def allowed(self) -> list[Finding]:
        return [f for f in self.findings if f.allowed]

    def problems(self, strict: bool = False) -> list[Problem]:
        """What stops a publish (with ``strict``, a check): as the parser's problems."""
        stopping = self.blocking + (self.warnings if strict else [])
        return [Problem(f.path, f.line, f"{f.rule}: {f.message}") for f in stopping]


def assess(courses: Sequence[CourseSource], whole_catalogue: bool) -> Assessment:
    """Every rule on these courses; the catalogue rules (duplicates across courses,
    reachability of levels) only when they are the whole catalogue."""
    findings = [f for course in courses for f in lint_course(course, course.display_root)]
    if whole_catalogue:
        findings += lint_catalogue([(course.display_root, course) for course in courses])
    return Assessment(sorted(findings))
