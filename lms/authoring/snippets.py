"""Ready-made pieces of the course format for the editor: a module and each kind of question.

Each snippet is already in the right format and holds only template sentences to replace
(``lms.courses.format.SNIPPET_TEXT``), so checking refuses it, naming each sentence at its line,
until the author has written their own words; with those in, it is a valid module or question.
"""

from __future__ import annotations

from dataclasses import dataclass

from lms.courses.format import (
    MODULE_FILE_RE,
    TEMPLATE_EXPLANATION,
    TEMPLATE_FEEDBACK,
    TEMPLATE_LESSON,
    TEMPLATE_MODULE_TITLE,
    TEMPLATE_QUESTION_ID,
    TEMPLATE_RIGHT,
    TEMPLATE_RIGHT_TOO,
    TEMPLATE_SITUATION,
    TEMPLATE_STEM,
    TEMPLATE_WRONG,
    TEMPLATE_WRONG_TOO,
)


@dataclass(frozen=True)
class Snippet:
    key: str
    label: str  # what the button says
    hint: str  # when to use it, in a sentence
    text: str


def _option(mark: str, text: str) -> str:
    return f"- [{mark}] {text}\n  Feedback: {TEMPLATE_FEEDBACK}\n"


def _question(settings: str, stem: str, options: list[tuple[str, str]]) -> str:
    return (
        f"## Question: {TEMPLATE_QUESTION_ID}\n"
        f"{settings}"
        "competency: evaluating\n"
        "difficulty: 2\n"
        "\n"
        f"{stem}\n"
        "\n" + "".join(_option(mark, text) for mark, text in options) + "\n"
        f"Explanation: {TEMPLATE_EXPLANATION}\n"
    )


ONE_RIGHT = [(" ", TEMPLATE_WRONG), ("x", TEMPLATE_RIGHT), (" ", TEMPLATE_WRONG_TOO)]
SEVERAL_RIGHT = [("x", TEMPLATE_RIGHT), (" ", TEMPLATE_WRONG), ("x", TEMPLATE_RIGHT_TOO)]
SITUATION = f"> {TEMPLATE_SITUATION}\n\n{TEMPLATE_STEM}"

SNIPPETS: tuple[Snippet, ...] = (
    Snippet(
        "module",
        "Module",
        "A whole module file: its settings, then the lesson.",
        "---\n"
        f"title: {TEMPLATE_MODULE_TITLE}\n"
        "competencies: [evaluating]\n"
        "estimated_minutes: 10\n"
        "---\n"
        "\n"
        f"{TEMPLATE_LESSON}\n",
    ),
    Snippet(
        "single",
        "One right answer",
        "A question with exactly one right option.",
        _question("type: single\n", TEMPLATE_STEM, ONE_RIGHT),
    ),
    Snippet(
        "multiple",
        "Several right answers",
        "Learners choose all the options that apply.",
        _question("type: multiple\n", TEMPLATE_STEM, SEVERAL_RIGHT),
    ),
    Snippet(
        "true-false",
        "True or false",
        "A statement that is true or false.",
        _question("type: true-false\n", TEMPLATE_STEM, [("x", "True"), (" ", "False")]),
    ),
    Snippet(
        "scenario",
        "Scenario, one right answer",
        "A situation or AI output to judge, one right option.",
        _question("type: scenario\n", SITUATION, ONE_RIGHT),
    ),
    Snippet(
        "scenario-all",
        "Scenario, choose all that apply",
        "A situation or AI output to judge, several right options.",
        _question("type: scenario\nchoose: all\n", SITUATION, SEVERAL_RIGHT),
    ),
)


def snippets_for(path: str) -> list[Snippet]:
    """What fits the file: questions in quiz.md; a module and questions in a module; none in
    course.md (its settings are written once)."""
    if path == "quiz.md":
        return [snippet for snippet in SNIPPETS if snippet.key != "module"]
    if MODULE_FILE_RE.match(path):
        return list(SNIPPETS)
    return []
