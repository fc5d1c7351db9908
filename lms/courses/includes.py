"""Includes: ``[[include: eu-ai-act-timeline]]`` on a line of its own puts a shared snippet there.

A fact repeated across courses (a law's dates, an article's wording) is kept once, in
``courses/_shared/<name>.md``, with an owner and a "review by" date, and every course that states it
includes it. The syntax belongs to the same double-bracket family as the organisation placeholders
(``lms.courses.placeholders``) so authors learn one syntax, but the two are resolved at different
times: an include is replaced by the snippet's Markdown when the course is read (checked,
validated, published), so it is part of the course version; a placeholder stays in the published
HTML and is filled in when it is shown. A snippet may hold placeholders, but no includes (one level
only, so there are no cycles to follow) and no questions.

This module is the syntax and the expansion (no files, no database): ``lms.courses.shared`` reads
and checks the snippets, ``lms.courses.format`` calls :func:`include_problems` and :func:`expand`
for course.md's overview and each module's lesson.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from lms.courses.questions import QUESTION_HEADING_RE, SLUG_RE, lines_outside_fences

if TYPE_CHECKING:
    from lms.courses.format import Problem

SHARED_FOLDER = "_shared"
# A well-formed include: the whole line (up to three spaces before it, as Markdown allows).
INCLUDE_LINE_RE = re.compile(r"^ {0,3}\[\[[ \t]*include[ \t]*:[ \t]*([^\[\]\n]*?)[ \t]*\]\][ \t]*$")
# Anything that looks like one, wherever it is on a line (to report misplaced ones).
INCLUDE_ANY_RE = re.compile(r"\[\[[ \t]*include[ \t]*:[^\[\]\n]*\]\]", re.IGNORECASE)
_INLINE_CODE_RE = re.compile(r"(`+)(?:.+?)\1")


@dataclass(frozen=True)
class Snippet:
    """One checked snippet of ``courses/_shared/``."""

    name: str
    path: str  # as problems name it, e.g. courses/_shared/eu-ai-act-timeline.md
    title: str
    owner: str
    review_by: date
    review_line: int  # the line of 'review_by:' (where an overdue review is reported)
    sources: tuple[str, ...]
    body: str  # Markdown, what an include puts in its place
    data: bytes  # the file as read, for the including course's content hash


@dataclass
class SharedSnippets:
    """The snippets a course may include: the good ones, and the names of those with problems."""

    folder: str = f"courses/{SHARED_FOLDER}"  # how messages name the folder
    snippets: dict[str, Snippet] = field(default_factory=dict)
    broken: set[str] = field(default_factory=set)
    problems: dict[str, list[Problem]] = field(default_factory=dict)  # by snippet name


@dataclass(frozen=True)
class IncludeLine:
    line: int  # in the file
    name: str | None  # None: the include is not alone on its line (a problem)
    text: str


def include_lines(body: str, first_line: int) -> Iterator[IncludeLine]:
    """Every include in ``body`` outside fenced and inline code (authors may show the syntax)."""
    for offset, line in lines_outside_fences(body):
        alone = INCLUDE_LINE_RE.match(line)
        if alone:
            yield IncludeLine(first_line + offset, alone.group(1), line)
        elif INCLUDE_ANY_RE.search(_INLINE_CODE_RE.sub(" ", line)):
            yield IncludeLine(first_line + offset, None, line)


def mask_includes(body: str) -> str:
    """``body`` with every include blanked (same length), for the placeholder checker, which
    would otherwise call ``[[include: x]]`` an unknown placeholder."""
    return INCLUDE_ANY_RE.sub(lambda match: " " * len(match.group(0)), body)


def include_problems(
    body: str,
    first_line: int,
    add: Callable[[int, str], None],
    shared: SharedSnippets,
    *,
    lesson: bool = True,
) -> list[tuple[str, int]]:
    """Report every include in ``body`` that cannot be resolved (``add(line, message)``) and
    return the resolvable ones as (snippet name, line). After a question heading (or anywhere
    when ``lesson`` is false) an include is refused: questions are stored as answered."""
    found: list[tuple[str, int]] = []
    question_lines = {
        first_line + offset
        for offset, line in enumerate(body.split("\n"))
        if QUESTION_HEADING_RE.match(line)
    }
    first_question = min(question_lines, default=None)
    for include in include_lines(body, first_line):
        if not lesson or (first_question is not None and include.line > first_question):
            add(include.line, "includes work in lesson text and the course overview, not questions")
        elif include.name is None:
            add(include.line, "an include must be alone on its line: [[include: <name>]]")
        else:
            message = _resolve_problem(include.name, shared)
            if message:
                add(include.line, message)
            else:
                found.append((include.name, include.line))
    return found


def _resolve_problem(name: str, shared: SharedSnippets) -> str | None:
    where = f"{shared.folder}/{name}.md"
    if not SLUG_RE.match(name):
        return f"[[include: {name}]]: name a shared text by its file name ([[include: <name>]])"
    if name in shared.broken:
        return f"[[include: {name}]]: the shared text {where} has problems (listed for that file)"
    if name not in shared.snippets:
        return f"[[include: {name}]]: there is no shared text {where}"
    return None


def expand(body: str, shared: SharedSnippets) -> str:
    """``body`` with each resolvable include replaced by its snippet's Markdown, as a block of its
    own (blank lines around it, so it never joins the paragraph before or after)."""
    lines = body.split("\n")
    for include in include_lines(body, 0):
        snippet = shared.snippets.get(include.name or "")
        if snippet is not None:
            lines[include.line] = f"\n{snippet.body.strip()}\n"
    return "\n".join(lines)
