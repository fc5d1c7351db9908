"""Course drafts: an author's work in progress on one course, kept until it is published.

A draft belongs to one author and one course slug. For a course that is already published,
``course_id`` points at it and ``base_version_id`` at the version the draft started from (to warn
when someone else has published since). Markdown files are kept as text in ``files``; images and
attachments, which are binary, as base64 in ``assets``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.courses.models import Course, CourseVersion
from lms.extensions import db
from lms.people.models import User, utcnow


class CourseDraft(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "course_drafts"
    __table_args__ = (UniqueConstraint("author_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # NULL for a course that has never been published.
    course_id: Mapped[int | None] = mapped_column(
        ForeignKey("courses.id", ondelete="CASCADE"), index=True
    )
    slug: Mapped[str] = mapped_column(String(100))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    base_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("course_versions.id", ondelete="SET NULL")
    )
    # Markdown files: relative path -> text.
    files: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    # Images and attachments: relative path -> base64 of the bytes.
    assets: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    course: Mapped[Course | None] = relationship()
    author: Mapped[User] = relationship()
    base_version: Mapped[CourseVersion | None] = relationship()
