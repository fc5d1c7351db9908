"""Published courses.

Stable identities (``Course``, ``Module``, ``Question``, keyed by slug) carry learners' progress and
attempts across publishes. Each publish adds an immutable ``CourseVersion`` with its own
``ModuleVersion``/``QuestionVersion`` rows holding sanitized HTML, so a learner's past attempt keeps
pointing at exactly what they saw, and page views never render Markdown.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.people.models import User, utcnow


class Course(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("course_versions.id", use_alter=True, ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Retired by an author or admin: hidden from the catalog, recommendations and assigning;
    # enrolments, answers, badges and certificates stay, and enrolled people can still finish it.
    retired_at: Mapped[datetime | None] = mapped_column(DateTime)
    retired_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    owner: Mapped[User | None] = relationship(foreign_keys=[owner_id])
    retired_by: Mapped[User | None] = relationship(foreign_keys=[retired_by_id])
    current_version: Mapped[CourseVersion | None] = relationship(
        foreign_keys=[current_version_id], post_update=True
    )

    @property
    def retired(self) -> bool:
        return self.retired_at is not None


class CourseVersion(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "course_versions"
    __table_args__ = (UniqueConstraint("course_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    published_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(400))
    audience: Mapped[list[str]] = mapped_column(JSON)
    competencies: Mapped[list[str]] = mapped_column(JSON)
    target_level: Mapped[int] = mapped_column(Integer)
    estimated_minutes: Mapped[int] = mapped_column(Integer)
    prerequisites: Mapped[list[str]] = mapped_column(JSON)
    badge_slug: Mapped[str | None] = mapped_column(String(100))
    quiz_settings: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    overview_html: Mapped[str] = mapped_column(Text)
    # The source files (path -> text) for diffs between versions and for editing drafts.
    source: Mapped[dict[str, str]] = mapped_column(JSON)
    # Answers to this version's questions count as level evidence only once it is approved (by an
    # admin, or a second author: LMS_EVIDENCE_APPROVAL). Until then learners can take it as usual.
    approved_at: Mapped[datetime | None] = mapped_column(DateTime)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    course: Mapped[Course] = relationship(foreign_keys=[course_id])
    published_by: Mapped[User | None] = relationship(foreign_keys=[published_by_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])
    modules: Mapped[list[ModuleVersion]] = relationship(
        back_populates="course_version", order_by="ModuleVersion.position"
    )


class Module(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "modules"
    __table_args__ = (UniqueConstraint("course_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(100))
    # Set when a publish no longer contains the module: kept for history, hidden from learners.
    retired_at: Mapped[datetime | None] = mapped_column(DateTime)


class ModuleVersion(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "module_versions"
    __table_args__ = (UniqueConstraint("course_version_id", "module_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_version_id: Mapped[int] = mapped_column(
        ForeignKey("course_versions.id", ondelete="CASCADE")
    )
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    competencies: Mapped[list[str]] = mapped_column(JSON)
    estimated_minutes: Mapped[int] = mapped_column(Integer)
    html: Mapped[str] = mapped_column(Text)
    question_count: Mapped[int] = mapped_column(Integer, default=0)

    course_version: Mapped[CourseVersion] = relationship(back_populates="modules")
    module: Mapped[Module] = relationship()


class Question(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "questions"
    __table_args__ = (UniqueConstraint("course_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(100))
    retired_at: Mapped[datetime | None] = mapped_column(DateTime)


class QuestionVersion(db.Model):  # type: ignore[name-defined,misc]
    """One question as published in one course version. ``options`` hold the answer key: never
    serialise this row to a learner before their attempt is submitted."""

    __tablename__ = "question_versions"
    __table_args__ = (UniqueConstraint("course_version_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_version_id: Mapped[int] = mapped_column(
        ForeignKey("course_versions.id", ondelete="CASCADE"), index=True
    )
    question_id: Mapped[int] = mapped_column(
        ForeignKey("questions.id", ondelete="CASCADE"), index=True
    )
    # The module whose knowledge check it belongs to; NULL for the final quiz pool.
    module_id: Mapped[int | None] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    type: Mapped[str] = mapped_column(String(20))
    multiple_answers: Mapped[bool] = mapped_column(Boolean)
    competency: Mapped[str] = mapped_column(String(40))
    difficulty: Mapped[int] = mapped_column(Integer)
    stem_html: Mapped[str] = mapped_column(Text)
    # [{"key": "a", "html": ..., "correct": bool, "feedback_html": ...}, ...]
    options: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    explanation_html: Mapped[str] = mapped_column(Text)
    # The last option stays last when options are shuffled ("None of these").
    pin_last: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")

    question: Mapped[Question] = relationship()

    @property
    def correct_keys(self) -> set[str]:
        return {option["key"] for option in self.options if option["correct"]}


class MeasuredDifficulty(db.Model):  # type: ignore[name-defined,misc]
    """A question's difficulty as measured from real answers (``lms quiz measure``), which the
    level model uses instead of the author's label once ``responses`` is large enough."""

    __tablename__ = "measured_difficulties"

    question_id: Mapped[int] = mapped_column(
        ForeignKey("questions.id", ondelete="CASCADE"), primary_key=True
    )
    difficulty: Mapped[int] = mapped_column(Integer)
    facility: Mapped[float] = mapped_column(Float)
    responses: Mapped[int] = mapped_column(Integer)
    computed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class CourseAsset(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "course_assets"
    __table_args__ = (UniqueConstraint("course_version_id", "path"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_version_id: Mapped[int] = mapped_column(
        ForeignKey("course_versions.id", ondelete="CASCADE")
    )
    path: Mapped[str] = mapped_column(String(300))
    content_type: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
