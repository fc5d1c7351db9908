"""Publishing: turn a validated :class:`CourseSource` into a new immutable course version.

Atomic by construction: the caller validates everything first and commits once at the end; any
exception rolls the whole publish back and the previous version stays live. Publishing an unchanged
course (same content hash) does nothing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from sqlalchemy import func, select

from lms.courses.format import ASSET_TYPES, CourseSource, Problem
from lms.courses.models import (
    Course,
    CourseAsset,
    CourseVersion,
    Module,
    ModuleVersion,
    Question,
    QuestionVersion,
)
from lms.courses.questions import QuestionSource
from lms.courses.render import (
    DEFAULT_BUDGET_SECONDS,
    LinkTargets,
    RenderError,
    configured_seconds,
    markdown_to_html,
    sanitize,
    time_budget,
    too_slow,
    unwrap_paragraph,
)
from lms.courses.signals import course_changed, version_published
from lms.database import DbSession
from lms.people.models import User, utcnow


def module_path(course_slug: str, module_slug: str) -> str:
    return f"/courses/{quote(course_slug)}/{quote(module_slug)}"


def asset_path(course_slug: str, path: str) -> str:
    return f"/courses/{quote(course_slug)}/files/{quote(path)}"


def link_targets(course_slug: str) -> LinkTargets:
    return LinkTargets(
        module_url=lambda slug: module_path(course_slug, slug),
        asset_url=lambda path: asset_path(course_slug, path),
    )


@dataclass
class PublishResult:
    course: Course
    version: CourseVersion
    changed: bool


def publish_course(
    session: DbSession,
    source: CourseSource,
    publisher: User | None,
    owner: User | None = None,
    *,
    approve: bool | None = None,
) -> PublishResult:
    """Publish ``source`` as the course's next version (nothing when unchanged). Flushes.

    ``approve``: whether its answers count as level evidence straight away. By default they do
    when an operator publishes (the command line: no ``publisher``) or an admin does; a version
    an author publishes from the workspace waits for approval (lms.courses.approval).
    """
    course = session.scalar(select(Course).where(Course.slug == source.slug))
    if course is None:
        course = Course(slug=source.slug, owner=owner or publisher)
        session.add(course)
        session.flush()
    current = course.current_version
    if current is not None and current.content_hash == source.content_hash:
        return PublishResult(course, current, changed=False)

    links = link_targets(source.slug)
    rendered = render_course(source, links)  # RenderError: the caller rolls back
    number = (
        session.scalar(
            select(func.max(CourseVersion.number)).where(CourseVersion.course_id == course.id)
        )
        or 0
    ) + 1
    version = CourseVersion(
        course_id=course.id,
        number=number,
        content_hash=source.content_hash,
        published_by_id=publisher.id if publisher else None,
        published_at=utcnow(),
        approved_at=utcnow() if _approved_on_publish(publisher, approve) else None,
        approved_by_id=publisher.id if publisher and publisher.is_admin else None,
        title=source.title,
        summary=source.summary,
        audience=source.audience,
        competencies=source.competencies,
        target_level=source.target_level,
        estimated_minutes=source.estimated_minutes,
        prerequisites=source.prerequisites,
        badge_slug=source.badge,
        quiz_settings=source.quiz.as_dict() if source.quiz else None,
        overview_html=rendered.overview_html,
        source={
            path: data.decode("utf-8")
            for path, data in source.files.items()
            if path.endswith(".md")
        },
    )
    session.add(version)
    session.flush()

    modules = {
        m.slug: m for m in session.scalars(select(Module).where(Module.course_id == course.id))
    }
    questions = {
        q.slug: q for q in session.scalars(select(Question).where(Question.course_id == course.id))
    }
    now = utcnow()
    live_modules: set[str] = set()
    live_questions: set[str] = set()
    for module_source in source.modules:
        module = modules.get(module_source.slug)
        if module is None:
            module = Module(course_id=course.id, slug=module_source.slug)
            session.add(module)
            modules[module.slug] = module
        module.retired_at = None
        live_modules.add(module.slug)
    for question_source in source.questions:
        question = questions.get(question_source.slug)
        if question is None:
            question = Question(course_id=course.id, slug=question_source.slug)
            session.add(question)
            questions[question.slug] = question
        question.retired_at = None
        live_questions.add(question.slug)
    session.flush()

    module_versions = [
        ModuleVersion(
            course_version_id=version.id,
            module_id=modules[module_source.slug].id,
            position=module_source.position,
            title=module_source.title,
            competencies=module_source.competencies,
            estimated_minutes=module_source.estimated_minutes,
            html=rendered.modules[module_source.slug],
            question_count=len(module_source.questions),
        )
        for module_source in source.modules
    ]
    session.add_all(module_versions)
    for position, question_source in enumerate(source.questions, start=1):
        module_id = modules[question_source.module_slug].id if question_source.module_slug else None
        session.add(
            _question_version(
                version.id,
                questions[question_source.slug].id,
                module_id,
                position,
                question_source,
                rendered.questions[question_source.slug],
            )
        )
    for path, data in source.assets.items():
        extension = "." + path.rsplit(".", 1)[-1].lower()
        session.add(
            CourseAsset(
                course_version_id=version.id,
                path=path,
                content_type=ASSET_TYPES[extension],
                sha256=hashlib.sha256(data).hexdigest(),
                data=data,
            )
        )
    for slug, module in modules.items():
        if slug not in live_modules and module.retired_at is None:
            module.retired_at = now
    for slug, question in questions.items():
        if slug not in live_questions and question.retired_at is None:
            question.retired_at = now
    # Organisation placeholders ([[org: policy-link]], [[tools: approved]] ...) are filled in by
    # the AI tools feature (lms.tools.wiring), before the version goes live and is indexed.
    version_published.send(session, version=version, module_versions=module_versions)
    course.current_version = version
    session.flush()
    course_changed.send(session, course_id=course.id)
    return PublishResult(course, version, changed=True)


def _question_version(
    version_id: int,
    question_id: int,
    module_id: int | None,
    position: int,
    source: QuestionSource,
    html: dict[str, Any],
) -> QuestionVersion:
    return QuestionVersion(
        course_version_id=version_id,
        question_id=question_id,
        module_id=module_id,
        position=position,
        type=source.type,
        multiple_answers=source.multiple_answers,
        competency=source.competency,
        difficulty=source.difficulty,
        pin_last=source.pin_last,
        **html,
    )


def _approved_on_publish(publisher: User | None, approve: bool | None) -> bool:
    if approve is not None:
        return approve
    return publisher is None or publisher.is_admin


@dataclass
class RenderedCourse:
    """A course's HTML as published: the overview, each module's lesson, each question's parts."""

    overview_html: str = ""
    modules: dict[str, str] = field(default_factory=dict)  # module slug -> lesson HTML
    questions: dict[str, dict[str, Any]] = field(default_factory=dict)  # slug -> render_question


def render_course(source: CourseSource, links: LinkTargets | None = None) -> RenderedCourse:
    """Render every file of a course, each file (its lesson and its questions) within the
    ``RENDER_BUDGET_SECONDS`` budget and the whole course within ``RENDER_COURSE_BUDGET_SECONDS``.

    Raises :class:`RenderError` naming the first file over its budget (``path`` as problems name
    it), before anything is written: ``lms courses check`` and a draft's Validate call this too,
    so they refuse exactly what publishing would.
    """
    links = links or link_targets(source.slug)
    per_course = configured_seconds("RENDER_COURSE_BUDGET_SECONDS", 5 * DEFAULT_BUDGET_SECONDS)
    rendered = RenderedCourse()
    with time_budget(per_course, too_slow(per_course, "the course as a whole takes")):
        rendered.overview_html = _render_file(source, "course.md", source.overview, rendered, links)
        for module in source.modules:
            rendered.modules[module.slug] = _render_file(
                source, module.path, module.body, rendered, links
            )
        _render_file(source, "quiz.md", "", rendered, links)
    return rendered


def render_problems(sources: list[CourseSource]) -> list[Problem]:
    """What publishing these courses would refuse at rendering, as problems (one per course)."""
    problems = []
    for source in sources:
        try:
            render_course(source)
        except RenderError as error:
            problems.append(Problem(error.path, 1, error.reason))
    return problems


def _render_file(
    source: CourseSource, path: str, body: str, rendered: RenderedCourse, links: LinkTargets
) -> str:
    """One file's lesson HTML (returned) and its questions' (into ``rendered``), in one budget."""
    per_file = configured_seconds("RENDER_BUDGET_SECONDS", DEFAULT_BUDGET_SECONDS)
    questions = [question for question in source.questions if question.path == path]
    try:
        with time_budget(per_file):
            html, question_parts = render_file(body, questions, links)
    except RenderError as error:
        where = f"{source.display_root}/{path}" if source.display_root else path
        raise RenderError(error.reason, where) from None
    for question, parts in zip(questions, question_parts, strict=True):
        rendered.questions[question.slug] = parts
    return html


def render_file(
    body: str, questions: list[QuestionSource], links: LinkTargets
) -> tuple[str, list[dict[str, Any]]]:
    """A file's lesson HTML and its questions' (as :func:`render_question`), converted in one
    batch: publishing a course then costs the Markdown worker a round trip per file."""
    texts = [body]
    for question in questions:
        texts += question_texts(question)
    raw = markdown_to_html(texts)
    parts = []
    position = 1
    for question in questions:
        count = len(question_texts(question))
        parts.append(question_html(question, raw[position : position + count], links))
        position += count
    return sanitize(raw[0], links), parts


def render_question(source: QuestionSource, links: LinkTargets) -> dict[str, Any]:
    """A question's HTML as published (also what an author's preview shows)."""
    return question_html(source, markdown_to_html(question_texts(source)), links)


def question_texts(source: QuestionSource) -> list[str]:
    """A question's Markdown texts, in the order :func:`question_html` takes their HTML."""
    return [
        source.stem,
        source.explanation,
        *(option.text for option in source.options),
        *(option.feedback for option in source.options),
    ]


def question_html(source: QuestionSource, raw: list[str], links: LinkTargets) -> dict[str, Any]:
    """Sanitized HTML of a question from the Markdown worker's output for its texts. Options
    and feedback are inline (no paragraph) and keep their links as written."""
    count = len(source.options)
    options, feedback = raw[2 : 2 + count], raw[2 + count :]
    return {
        "stem_html": sanitize(raw[0], links),
        "options": [
            {
                "key": option.key,
                "html": unwrap_paragraph(sanitize(options[index])),
                "correct": option.correct,
                "feedback_html": unwrap_paragraph(sanitize(feedback[index])),
            }
            for index, option in enumerate(source.options)
        ],
        "explanation_html": sanitize(raw[1], links),
    }
