"""Believable answers to the shipped pulse's questions with options, for the demo generators
(lms.demo_large.pulse_history): about a third of employees pay for AI tools themselves, about one
in seven more than 50 a month, and leaders less often (the research the product answers)."""

from __future__ import annotations

import random

from lms.pulse.models import PulseQuestion
from lms.pulse.service import NONE_OF_THESE, counted_values

# choose-one: each option's chance per group (options not listed: never picked).
ONE_OF: dict[str, dict[str, dict[str, float]]] = {
    "paid-how-much": {
        "executive": {"nothing": 0.80, "under-20": 0.06, "20-to-50": 0.07, "over-50": 0.07},
        "manager": {"nothing": 0.70, "under-20": 0.10, "20-to-50": 0.10, "over-50": 0.10},
        "employee": {"nothing": 0.63, "under-20": 0.12, "20-to-50": 0.10, "over-50": 0.15},
    },
}
# choose-any: each option's own chance per group; nobody picking any picks "none".
ANY_OF: dict[str, dict[str, dict[str, float]]] = {
    "own-tool-kinds": {
        "executive": {"chat": 0.18, "writing": 0.10, "meeting-notes": 0.12, "image-design": 0.03},
        "manager": {"chat": 0.25, "writing": 0.15, "meeting-notes": 0.15, "image-design": 0.05},
        "employee": {
            "chat": 0.33,
            "writing": 0.18,
            "coding": 0.12,
            "meeting-notes": 0.08,
            "image-design": 0.08,
        },
    },
}


def demo_choice(rng: random.Random, question: PulseQuestion, group: str) -> tuple[int, ...]:
    """One person's answer to a question with options, as the count values it adds 1 to."""
    values = {option.key: option.value for option in question.live_options}
    if question.kind == "choose-one":
        chances = ONE_OF.get(question.key, {}).get(group) or dict.fromkeys(values, 1.0)
        keys = [key for key in chances if key in values]
        picked: list[int] = [values[rng.choices(keys, [chances[k] for k in keys])[0]]]
    else:
        others = [key for key in values if key != NONE_OF_THESE]
        chances = ANY_OF.get(question.key, {}).get(group) or dict.fromkeys(others, 0.2)
        picked = [values[k] for k, p in chances.items() if k in values and rng.random() < p]
        if not picked:
            fallback = values.get(NONE_OF_THESE) or next(iter(values.values()))
            picked = [fallback]
    answer = picked[0] if question.kind == "choose-one" else picked
    return counted_values(question, answer) or ()
