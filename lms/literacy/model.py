"""From evidence to a literacy level 0-4 per competency area. Pure functions; no database.

See docs/literacy-model.md for the reasoning. In short, for one area:

- Each answer weighs by difficulty (1: 1.0, 2: 1.5, 3: 2.0).
- The *share* of correct answers is weighted by difficulty and recency. Recency is measured from
  the area's *newest* answer, not from today, so time passing alone never changes a level: only
  new evidence does. An answer ``HALF_LIFE_DAYS`` older than the newest counts half.
- The score is that share shrunk towards zero by ``PRIOR_WEIGHT``: it is multiplied by
  ``correct / (correct + PRIOR_WEIGHT)``, where ``correct`` is the amount of correct evidence
  (difficulty weights, not decayed). A single lucky answer therefore scores low.
- Each level needs a minimum score, a minimum amount of correct evidence, and enough correct
  evidence at or above a difficulty (no level 3 without solving hard questions).
- Amounts are never decayed and count correct answers only, so a new correct answer can never
  take a level away and a new wrong answer can never give one; newer wrong answers can take a
  level away through the recency-weighted share.
- Sums use ``math.fsum``, so the order of the evidence cannot change a result.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

DIFFICULTY_WEIGHT = {1: 1.0, 2: 1.5, 3: 2.0}
HALF_LIFE_DAYS = 180.0
PRIOR_WEIGHT = 2.0
SOURCE_CAP = 10.0


@dataclass(frozen=True)
class Evidence:
    competency: str
    difficulty: int
    correct: bool
    at: datetime
    # Where the question comes from (a course). The right answers of one source count at most
    # SOURCE_CAP towards the amounts of the rule table, so no single course lifts a level alone
    # beyond that. "" = not tied to a source (not capped).
    source: str = ""


@dataclass(frozen=True)
class LevelRule:
    level: int
    min_score: float
    min_correct: float  # difficulty weights of correct answers
    min_hard_correct: float  # ... of correct answers at difficulty >= hard_difficulty
    hard_difficulty: int


RULES = (
    LevelRule(4, 0.85, 14.0, 8.0, 3),
    LevelRule(3, 0.72, 8.0, 4.0, 3),
    LevelRule(2, 0.55, 4.0, 2.5, 2),
    LevelRule(1, 0.30, 1.5, 1.0, 1),
)


@dataclass(frozen=True)
class AreaLevel:
    level: int
    score: float  # 0..1
    evidence: float  # amount of evidence: difficulty weights of all answers, not decayed


def difficulty_weight(difficulty: int) -> float:
    return DIFFICULTY_WEIGHT.get(difficulty, 1.0)


def recency_weights(items: list[Evidence]) -> list[float]:
    """1.0 for the newest answer, halving every ``HALF_LIFE_DAYS`` before it."""
    newest = max(item.at for item in items)
    return [0.5 ** ((newest - item.at).total_seconds() / 86_400 / HALF_LIFE_DAYS) for item in items]


def area_level(items: Iterable[Evidence]) -> AreaLevel:
    """The level for one area from its evidence (any order)."""
    evidence = list(items)
    if not evidence:
        return AreaLevel(0, 0.0, 0.0)
    amounts = [difficulty_weight(item.difficulty) for item in evidence]
    score, correct = _score(evidence, amounts)
    total = round(math.fsum(amounts), 4)
    for rule in RULES:
        hard = _capped(evidence, amounts, rule.hard_difficulty)
        if (
            score >= rule.min_score
            and correct >= rule.min_correct
            and hard >= rule.min_hard_correct
        ):
            return AreaLevel(rule.level, round(score, 4), total)
    return AreaLevel(0, round(score, 4), total)


def _score(evidence: list[Evidence], amounts: list[float]) -> tuple[float, float]:
    """The score (the recency-weighted share of right answers, shrunk while evidence is thin)
    and the capped amount of right answers it was shrunk with."""
    weighted = [a * r for a, r in zip(amounts, recency_weights(evidence), strict=True)]
    share = math.fsum(w for w, i in zip(weighted, evidence, strict=True) if i.correct) / math.fsum(
        weighted
    )
    correct = _capped(evidence, amounts, 0)
    return share * correct / (correct + PRIOR_WEIGHT), correct


def shortfall(items: Iterable[Evidence], level: int) -> tuple[str, ...]:
    """What this evidence lacks for ``level`` (1-4), in the rule table's terms: ``"score"`` (the
    share of right answers, recent ones weighing most), ``"correct"`` (the amount of right answers)
    and ``"hard"`` (right answers at the rule's difficulty). Empty when the level is reached.

    Tells a learner what would lift them next; ``area_level`` stays the one judge of levels.
    """
    rule = next(rule for rule in RULES if rule.level == level)
    evidence = list(items)
    if not evidence:
        return ("score", "correct", "hard")
    amounts = [difficulty_weight(item.difficulty) for item in evidence]
    score, correct = _score(evidence, amounts)
    missing = []
    if score < rule.min_score:
        missing.append("score")
    if correct < rule.min_correct:
        missing.append("correct")
    if _capped(evidence, amounts, rule.hard_difficulty) < rule.min_hard_correct:
        missing.append("hard")
    return tuple(missing)


def _capped(evidence: list[Evidence], amounts: list[float], min_difficulty: int) -> float:
    """The amount of right answers at or above ``min_difficulty``, each source counting at most
    ``SOURCE_CAP`` (answers without a source are not capped)."""
    by_source: dict[str, list[float]] = {}
    for amount, item in zip(amounts, evidence, strict=True):
        if item.correct and item.difficulty >= min_difficulty:
            by_source.setdefault(item.source, []).append(amount)
    return math.fsum(
        math.fsum(values) if source == "" else min(math.fsum(values), SOURCE_CAP)
        for source, values in sorted(by_source.items())
    )


def levels_by_area(items: Iterable[Evidence]) -> dict[str, AreaLevel]:
    grouped: dict[str, list[Evidence]] = {}
    for item in items:
        grouped.setdefault(item.competency, []).append(item)
    return {competency: area_level(group) for competency, group in grouped.items()}


CORE_AREAS = ("foundations", "delegation", "directing", "evaluating", "responsible", "context")


def overall_level(levels: Mapping[str, int]) -> int:
    """The overall level: the mean of the six core areas (missing areas count 0), rounded down.

    ``leading`` is left out: it is for people who lead others and would otherwise hold everyone
    else's overall level down.
    """
    return int(sum(levels.get(area, 0) for area in CORE_AREAS) / len(CORE_AREAS))
