"""The test-wise learner, simulated: how likely is someone who never reads the question to pass?

Each strategy looks only at the options (their length, or the words True and False) and answers
every question the same way whatever it asks. Options are shuffled per attempt, so their position
tells nothing and no strategy uses it. For each question a strategy has a chance of being right
(0 or 1 for a deterministic pick, a fraction where it must guess among ties or at random); the
chance of passing one attempt is then exact: averaged over every possible draw of the quiz's size
from its pool (the draw of a first attempt is uniform), by dynamic programming. The chance within
all allowed attempts is simulated with the real retake rule (unseen questions first).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from lms.assessment.draw import unseen_first
from lms.courses.questions import OptionSource, QuestionSource

STRATEGIES = (
    "longest",
    "shortest",
    "always-true",
    "always-false",
    "all-but-shortest",
    "random",
    "best-mix",
)
STRATEGY_NAMES = {
    "longest": "pick the longest option",
    "shortest": "pick the shortest option",
    "always-true": "answer True to true/false, guess the rest",
    "always-false": "answer False to true/false, guess the rest",
    "all-but-shortest": "choose-all: tick all but the shortest option, guess the rest",
    "random": "guess at random",
    "best-mix": "the best of these for each kind of question",
}
# Unlimited attempts are simulated up to this many.
ATTEMPT_CAP = 10
SIMULATIONS = 2000


def kind_of(question: QuestionSource) -> str:
    """The three kinds a test-wise learner tells apart."""
    if question.type == "true-false":
        return "true-false"
    return "choose-all" if question.multiple_answers else "choose-one"


def _length(option: OptionSource) -> int:
    return len(option.text.strip())


def _chance_among(options: Sequence[OptionSource], picked: Callable[[int], bool]) -> float:
    """Chance of being right when one of the options with ``picked(length)`` is chosen at random."""
    candidates = [option for option in options if picked(_length(option))]
    return sum(option.correct for option in candidates) / len(candidates)


def _guess(question: QuestionSource) -> float:
    """A uniform guess: one option, or (choose-all) any non-empty set of options."""
    n = len(question.options)
    return 1 / (2**n - 1) if question.multiple_answers else 1 / n


def _single_pick(question: QuestionSource, longest: bool) -> float:
    lengths = [_length(option) for option in question.options]
    target = max(lengths) if longest else min(lengths)
    if not question.multiple_answers:
        return _chance_among(question.options, lambda length: length == target)
    # Ticking just that one option is right only when it is the one correct option.
    candidates = [option for option in question.options if _length(option) == target]
    correct = {option.key for option in question.options if option.correct}
    return sum(correct == {option.key} for option in candidates) / len(candidates)


def _all_but_shortest(question: QuestionSource) -> float:
    if not question.multiple_answers:
        return _guess(question)
    lengths = [_length(option) for option in question.options]
    shortest = [option for option in question.options if _length(option) == min(lengths)]
    correct = {option.key for option in question.options if option.correct}
    every = {option.key for option in question.options}
    return sum(correct == every - {option.key} for option in shortest) / len(shortest)


def _true_false(question: QuestionSource, answer: str) -> float:
    if question.type != "true-false":
        return _guess(question)
    return float(
        any(option.correct and option.text.lower() == answer for option in question.options)
    )


def chance_right(question: QuestionSource, strategy: str) -> float:
    """The chance that ``strategy`` answers ``question`` right (not for ``best-mix``)."""
    if strategy == "longest":
        return _single_pick(question, longest=True)
    if strategy == "shortest":
        return _single_pick(question, longest=False)
    if strategy == "always-true":
        return _true_false(question, "true")
    if strategy == "always-false":
        return _true_false(question, "false")
    if strategy == "all-but-shortest":
        return _all_but_shortest(question)
    if strategy == "random":
        return _guess(question)
    raise ValueError(f"unknown strategy {strategy!r}")


def chances(pool: Sequence[QuestionSource], strategy: str) -> list[float]:
    """Per question of ``pool``. ``best-mix`` takes, for each kind of question, the simple
    strategy that does best on that kind in this pool (a learner who knows which trick works)."""
    if strategy != "best-mix":
        return [chance_right(question, strategy) for question in pool]
    simple = [name for name in STRATEGIES if name != "best-mix"]
    best: dict[str, str] = {}
    for kind in {kind_of(question) for question in pool}:
        of_kind = [question for question in pool if kind_of(question) == kind]
        best[kind] = max(
            simple, key=lambda name: sum(chance_right(question, name) for question in of_kind)
        )
    return [chance_right(question, best[kind_of(question)]) for question in pool]


def needed_right(pass_mark: int, drawn: int) -> int:
    """The fewest right answers that pass, with the scoring's own rounding."""
    for right in range(drawn + 1):
        if round(100 * right / drawn, 1) >= pass_mark:
            return right
    return drawn + 1


def pass_chance_one_attempt(probabilities: Sequence[float], drawn: int, pass_mark: int) -> float:
    """Exact: the average over all draws of ``drawn`` of the pool of P(at least the pass mark).

    ``ways[k][c]``: summed over the subsets of k questions seen so far, the chance of exactly c
    right. Each question is either not drawn, or drawn and right or wrong.
    """
    drawn = min(drawn, len(probabilities))
    ways = [[0.0] * (drawn + 1) for _ in range(drawn + 1)]
    ways[0][0] = 1.0
    for p in probabilities:
        for k in range(drawn - 1, -1, -1):
            for c in range(k, -1, -1):
                if ways[k][c]:
                    ways[k + 1][c + 1] += ways[k][c] * p
                    ways[k + 1][c] += ways[k][c] * (1 - p)
    need = needed_right(pass_mark, drawn)
    return math.fsum(ways[drawn][need:]) / math.comb(len(probabilities), drawn)


def pass_chance_within(
    probabilities: Sequence[float],
    drawn: int,
    pass_mark: int,
    attempts: int,
    rng: random.Random,
    simulations: int = SIMULATIONS,
) -> float:
    """Simulated: the chance of passing within ``attempts`` tries, each drawing unseen questions
    first (then the least recently seen), answering each question right with its chance."""
    attempts = attempts or ATTEMPT_CAP
    drawn = min(drawn, len(probabilities))
    need = needed_right(pass_mark, drawn)
    items = list(range(len(probabilities)))
    passed = 0
    for _ in range(simulations):
        last_seen: dict[int, int] = {}
        for attempt in range(attempts):
            picked = unseen_first(items, last_seen, drawn, rng)
            right = sum(rng.random() < probabilities[index] for index in picked)
            if right >= need:
                passed += 1
                break
            last_seen.update({index: attempt for index in picked})
    return passed / simulations


@dataclass(frozen=True)
class AuditRow:
    course: str
    strategy: str
    one_attempt: float
    within_attempts: float
    attempts: int  # 0 = unlimited (simulated up to ATTEMPT_CAP)


def audit_pool(
    course: str,
    pool: Sequence[QuestionSource],
    drawn: int,
    pass_mark: int,
    attempts: int,
    seed: int = 1,
    simulations: int = SIMULATIONS,
) -> list[AuditRow]:
    rows = []
    for strategy in STRATEGIES:
        probabilities = chances(pool, strategy)
        rng = random.Random(f"{seed}:{course}:{strategy}")  # noqa: S311 - a simulation
        rows.append(
            AuditRow(
                course,
                strategy,
                pass_chance_one_attempt(probabilities, drawn, pass_mark),
                pass_chance_within(probabilities, drawn, pass_mark, attempts, rng, simulations),
                attempts,
            )
        )
    return rows


def audit_baseline(
    questions: Sequence[QuestionSource],
    strategy: str,
    rng: random.Random,
    simulations: int = 2000,
) -> tuple[float, float]:
    """The baseline draws one question of each difficulty per area from every live question;
    the chance that ``strategy`` is placed at level 1 or more, and 2 or more, in the area where
    it does best."""
    from datetime import UTC, datetime

    from lms.literacy.model import Evidence, area_level

    by_area: dict[str, dict[int, list[tuple[QuestionSource, float]]]] = {}
    for question, chance in zip(questions, chances(questions, strategy), strict=True):
        by_area.setdefault(question.competency, {}).setdefault(question.difficulty, []).append(
            (question, chance)
        )
    now = datetime.now(UTC)
    worst = (0.0, 0.0)
    for buckets in by_area.values():
        one = two = 0
        for _ in range(simulations):
            evidence = [
                Evidence("area", difficulty, rng.random() < rng.choice(items)[1], now)
                for difficulty, items in buckets.items()
            ]
            level = area_level(evidence).level
            one += level >= 1
            two += level >= 2
        worst = max(worst, (one / simulations, two / simulations))
    return worst
