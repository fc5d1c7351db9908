"""Author previews: one file rendered exactly as publishing renders it.

The lesson (or overview) and the questions go through the same ``render_file`` with the same
``link_targets`` as :func:`lms.courses.publish.publish_course`, so the HTML is byte for byte what
learners will get. The editor asks for a preview at every pause in typing, so it has a budget of its
own (``PREVIEW_BUDGET_SECONDS`` of wall-clock time, whatever the load): text that takes longer gets
a message instead of a preview, and the request is over.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from lms.courses.format import MAX_MARKDOWN_BYTES, MODULE_FILE_RE, TOO_LARGE_MARKDOWN, split_file
from lms.courses.includes import SharedSnippets
from lms.courses.publish import link_targets, render_file
from lms.courses.render import RenderError, configured_seconds, time_budget, too_slow

DEFAULT_PREVIEW_BUDGET_SECONDS = 0.5


@dataclass
class Preview:
    path: str
    kind: str  # "course", "module", "quiz" or "other"
    readable: bool
    title: str = ""
    html: str = ""
    questions: list[dict[str, Any]] = field(default_factory=list)
    error: str = ""  # why there is no preview although the file could be read


def file_kind(path: str) -> str:
    if path == "course.md":
        return "course"
    if path == "quiz.md":
        return "quiz"
    if MODULE_FILE_RE.match(path):
        return "module"
    return "other"


def preview_file(
    course_slug: str, path: str, text: str, shared: SharedSnippets | None = None
) -> Preview:
    kind = file_kind(path)
    data = text.replace("\r\n", "\n").encode("utf-8")
    if len(data) > MAX_MARKDOWN_BYTES and kind != "other":
        return Preview(path=path, kind=kind, readable=True, error=TOO_LARGE_MARKDOWN)
    parts = split_file(path, data, shared)
    if parts is None or kind == "other":
        return Preview(path=path, kind=kind, readable=False)
    seconds = configured_seconds("PREVIEW_BUDGET_SECONDS", DEFAULT_PREVIEW_BUDGET_SECONDS)
    try:
        with time_budget(seconds, too_slow(seconds, "this file takes"), wall=True):
            html, rendered = render_file(parts.body, parts.questions, link_targets(course_slug))
    except RenderError as error:
        return Preview(path=path, kind=kind, readable=True, title=parts.title, error=error.reason)
    questions = [
        {
            "slug": question.slug,
            "type": question.type,
            "competency": question.competency,
            "difficulty": question.difficulty,
            "multiple_answers": question.multiple_answers,
            "line": question.line,
            **html_parts,
        }
        for question, html_parts in zip(parts.questions, rendered, strict=True)
    ]
    return Preview(
        path=path, kind=kind, readable=True, title=parts.title, html=html, questions=questions
    )


_previewing: set[int] = set()
_previewing_lock = threading.Lock()


@contextmanager
def one_at_a_time(author_id: int) -> Iterator[bool]:
    """Whether this author has no other preview being prepared in this process (then it is theirs
    until the block ends). The editor never needs two at once; a script sending many would
    otherwise occupy one thread per request."""
    with _previewing_lock:
        free = author_id not in _previewing
        _previewing.add(author_id)
    try:
        yield free
    finally:
        if free:
            with _previewing_lock:
                _previewing.discard(author_id)
