"""From evidence to a literacy level 0-4 per competency area. Pure functions; no database.

See docs/literacy-model.md for the reasoning. In short, for one area:

- Each answer weighs by difficulty (1: 1.0, 2: 1.5, 3: 2.0) and by recency. Recency is measured
  from the area's *newest* answer, not from today, so time passing alone never changes a level:
  only new evidence does. An answer ``HALF_LIFE_DAYS`` older than the newest counts half.
- The score is a weighted share of correct answers, shrunk towards zero by ``PRIOR_WEIGHT`` of
  imaginary wrong answers, so a single lucky answer scores low.
- Each level needs a minimum score, a minimum amount of evidence, and enough weighted correct
  answers at or above a difficulty (no level 3 without solving hard questions).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

DIFFICULTY_WEIGHT = {1: 1.0, 2: 1.5, 3: 2.0}
HALF_LIFE_DAYS = 180.0
PRIOR_WEIGHT = 2.0


@dataclass(frozen=True)
class Evidence:
    competency: str
    difficulty: int
    correct: bool
    at: datetime


@dataclass(frozen=True)
class LevelRule:
    level: int
    min_score: float
    min_evidence: float  # total weight of answers
    min_hard_correct: float  # weight of correct answers at difficulty >= hard_difficulty
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
    evidence: float  # total weight behind the level


def _weights(items: list[Evidence]) -> list[float]:
    newest = max(item.at for item in items)
    weights = []
    for item in items:
        age_days = (newest - item.at).total_seconds() / 86_400
        recency = 0.5 ** (age_days / HALF_LIFE_DAYS)
        weights.append(DIFFICULTY_WEIGHT.get(item.difficulty, 1.0) * recency)
    return weights


def area_level(items: Iterable[Evidence]) -> AreaLevel:
    """The level for one area from its evidence (any order)."""
    evidence = list(items)
    if not evidence:
        return AreaLevel(0, 0.0, 0.0)
    weights = _weights(evidence)
    total = sum(weights)
    correct = sum(w for w, item in zip(weights, evidence, strict=True) if item.correct)
    score = correct / (total + PRIOR_WEIGHT)
    for rule in RULES:
        hard = sum(
            w
            for w, item in zip(weights, evidence, strict=True)
            if item.correct and item.difficulty >= rule.hard_difficulty
        )
        if score >= rule.min_score and total >= rule.min_evidence and hard >= rule.min_hard_correct:
            return AreaLevel(rule.level, round(score, 4), round(total, 4))
    return AreaLevel(0, round(score, 4), round(total, 4))


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
