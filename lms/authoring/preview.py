"""Author previews: one file rendered exactly as publishing renders it.

The lesson (or overview) goes through the same ``render_markdown`` with the same ``link_targets``
as :func:`lms.courses.publish.publish_course`, so the HTML is byte for byte what learners will get.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lms.courses.format import MODULE_FILE_RE, split_file
from lms.courses.publish import link_targets, render_question
from lms.courses.render import render_markdown


@dataclass
class Preview:
    path: str
    kind: str  # "course", "module", "quiz" or "other"
    readable: bool
    title: str = ""
    html: str = ""
    questions: list[dict[str, Any]] = field(default_factory=list)


def file_kind(path: str) -> str:
    if path == "course.md":
        return "course"
    if path == "quiz.md":
        return "quiz"
    if MODULE_FILE_RE.match(path):
        return "module"
    return "other"


def preview_file(course_slug: str, path: str, text: str) -> Preview:
    kind = file_kind(path)
    parts = split_file(path, text.replace("\r\n", "\n").encode("utf-8"))
    if parts is None or kind == "other":
        return Preview(path=path, kind=kind, readable=False)
    links = link_targets(course_slug)
    questions = [
        {
            "slug": question.slug,
            "type": question.type,
            "competency": question.competency,
            "difficulty": question.difficulty,
            "multiple_answers": question.multiple_answers,
            "line": question.line,
            **render_question(question, links),
        }
        for question in parts.questions
    ]
    return Preview(
        path=path,
        kind=kind,
        readable=True,
        title=parts.title,
        html=render_markdown(parts.body, links) if parts.body.strip() else "",
        questions=questions,
    )
