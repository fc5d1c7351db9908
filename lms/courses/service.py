"""Queries about published courses used by several features."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.courses.models import Course


def published_slugs(session: Session) -> set[str]:
    return set(session.scalars(select(Course.slug).where(Course.current_version_id.is_not(None))))
