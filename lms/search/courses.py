"""Courses in the search index: a document for each live course and each of its modules.

A course is searchable while it has a live version (and is not retired); its modules are the
modules of that version, so a module dropped from the course leaves the index with the publish.
"""

from __future__ import annotations

from sqlalchemy import select

from lms.courses.models import Course, Module, ModuleVersion
from lms.database import DbSession
from lms.search.index import Document, put, remove, remove_prefix, text_of


def course_key(slug: str) -> str:
    return slug


def module_key(course_slug: str, module_slug: str) -> str:
    return f"{course_slug}/{module_slug}"


def is_searchable(course: Course) -> bool:
    return course.current_version is not None and course.retired_at is None


def index_course(session: DbSession, course_id: int) -> None:
    """Bring the course's documents in line with its live version (or remove them)."""
    course = session.get(Course, course_id)
    if course is None:
        return
    remove_prefix(session, "module", module_key(course.slug, ""))
    if course.current_version is None or not is_searchable(course):
        remove(session, "course", [course_key(course.slug)])
        return
    version = course.current_version
    put(
        session,
        Document(
            kind="course",
            key=course_key(course.slug),
            title=version.title,
            body=f"{version.summary} {text_of(version.overview_html)}",
            endpoint="learn.course",
            endpoint_args={"slug": course.slug},
            context="Course",
            tags={"area": list(version.competencies), "function": list(version.audience)},
        ),
    )
    modules = session.execute(
        select(ModuleVersion, Module.slug)
        .join(Module, Module.id == ModuleVersion.module_id)
        .where(ModuleVersion.course_version_id == version.id)
        .order_by(ModuleVersion.position)
    ).all()
    for module, slug in modules:
        put(
            session,
            Document(
                kind="module",
                key=module_key(course.slug, slug),
                title=module.title,
                body=text_of(module.html),
                endpoint="learn.module",
                endpoint_args={"slug": course.slug, "module_slug": slug},
                context=version.title,
                tags={"area": list(module.competencies), "function": list(version.audience)},
            ),
        )


def index_all_courses(session: DbSession) -> int:
    """Re-index every course (``lms search reindex``); the number of searchable courses."""
    remove(session, "course")
    remove(session, "module")
    count = 0
    for course in session.scalars(select(Course).order_by(Course.id)):
        index_course(session, course.id)
        count += is_searchable(course)
    return count
