"""Publishing: turn a validated :class:`CourseSource` into a new immutable course version.

Atomic by construction: the caller validates everything first and commits once at the end; any
exception rolls the whole publish back and the previous version stays live. Publishing an unchanged
course (same content hash) does nothing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from sqlalchemy import func, select

from lms.courses.format import ASSET_TYPES, CourseSource
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
from lms.courses.render import LinkTargets, render_inline, render_markdown
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
        overview_html=render_markdown(source.overview, links),
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

    for module_source in source.modules:
        session.add(
            ModuleVersion(
                course_version_id=version.id,
                module_id=modules[module_source.slug].id,
                position=module_source.position,
                title=module_source.title,
                competencies=module_source.competencies,
                estimated_minutes=module_source.estimated_minutes,
                html=render_markdown(module_source.body, links),
                question_count=len(module_source.questions),
            )
        )
    for position, question_source in enumerate(source.questions, start=1):
        module_id = modules[question_source.module_slug].id if question_source.module_slug else None
        session.add(
            _question_version(
                version.id,
                questions[question_source.slug].id,
                module_id,
                position,
                question_source,
                links,
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
    course.current_version = version
    session.flush()
    return PublishResult(course, version, changed=True)


def _question_version(
    version_id: int,
    question_id: int,
    module_id: int | None,
    position: int,
    source: QuestionSource,
    links: LinkTargets,
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
        **render_question(source, links),
    )


def _approved_on_publish(publisher: User | None, approve: bool | None) -> bool:
    if approve is not None:
        return approve
    return publisher is None or publisher.is_admin


def render_question(source: QuestionSource, links: LinkTargets) -> dict[str, Any]:
    """A question's HTML as published (also what an author's preview shows)."""
    return {
        "stem_html": render_markdown(source.stem, links),
        "options": [
            {
                "key": option.key,
                "html": render_inline(option.text),
                "correct": option.correct,
                "feedback_html": render_inline(option.feedback),
            }
            for option in source.options
        ],
        "explanation_html": render_markdown(source.explanation, links),
    }
