"""Queries about published courses used by several features."""

from __future__ import annotations

from sqlalchemy import select

from lms.courses.models import Course
from lms.database import DbSession


def published_slugs(session: DbSession) -> set[str]:
    return set(session.scalars(select(Course.slug).where(Course.current_version_id.is_not(None))))
