"""The fixed vocabularies courses are written against (see ../shared/literacy-model.md)."""

from lms.people.models import JOB_FUNCTIONS

COMPETENCIES: dict[str, str] = {
    "foundations": "Foundations",
    "delegation": "Delegation and workflow fit",
    "directing": "Directing AI",
    "evaluating": "Evaluating outputs",
    "responsible": "Responsible use",
    "context": "Organisational context",
    "leading": "Leading adoption",
}

LEVELS: dict[int, str] = {
    0: "Not yet",
    1: "Aware",
    2: "Practising",
    3: "Proficient",
    4: "Leading",
}

AUDIENCES: dict[str, str] = {
    "everyone": "Everyone",
    "managers": "Managers",
    "executives": "Executives",
    **JOB_FUNCTIONS,
}

QUESTION_TYPES = ("single", "multiple", "true-false", "scenario")
REVIEW_POLICIES = ("none", "score", "guarded", "full")
DIFFICULTIES = (1, 2, 3)
