"""Shared use cases, their competency areas, "I tried this" marks and removal reports."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.people.models import User, utcnow

# Free-text limits (characters of Markdown); the forms say them, the columns hold them.
MAX_TITLE = 150
MAX_TASK = 2000
MAX_STEPS = 6000
MAX_CHECKS = 3000
MAX_RISKS = 3000
MAX_NOTE = 1000
MAX_MINUTES = 480  # self-reported minutes saved per use: up to a working day


class UseCase(db.Model):  # type: ignore[name-defined,misc]
    """One person's way of using AI for a task. Markdown fields are rendered and sanitized when
    saved (``*_html``): pages never render Markdown. Seen by its author and the reviewers until
    it is published; by everyone while published (lms.usecases.access)."""

    __tablename__ = "use_cases"
    __table_args__ = (Index("ix_use_cases_status_published", "status", "published_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(MAX_TITLE))
    task: Mapped[str] = mapped_column(Text)
    task_html: Mapped[str] = mapped_column(Text)
    # The register's tool, or none with the typed name ("other"); the name is kept either way.
    tool_id: Mapped[int | None] = mapped_column(
        ForeignKey("ai_tools.id", ondelete="SET NULL"), index=True
    )
    tool_name: Mapped[str] = mapped_column(String(100))
    steps: Mapped[str] = mapped_column(Text)
    steps_html: Mapped[str] = mapped_column(Text)
    checks: Mapped[str] = mapped_column(Text)
    checks_html: Mapped[str] = mapped_column(Text)
    risks: Mapped[str] = mapped_column(Text)
    risks_html: Mapped[str] = mapped_column(Text)
    minutes_saved: Mapped[int | None] = mapped_column(Integer)
    job_function: Mapped[str] = mapped_column(String(40), index=True)
    show_name: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    # The reviewer's words to the author: what to change, or why it was declined or removed.
    review_note: Mapped[str] = mapped_column(String(MAX_NOTE), default="")
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime)
    published_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    author: Mapped[User] = relationship(foreign_keys=[author_id])
    area_rows: Mapped[list[UseCaseArea]] = relationship(
        cascade="all, delete-orphan", order_by="UseCaseArea.area"
    )

    @property
    def areas(self) -> list[str]:
        return [row.area for row in self.area_rows]


class UseCaseArea(db.Model):  # type: ignore[name-defined,misc]
    """A competency area (lms.courses.vocabulary.COMPETENCIES) the case practises: a row each,
    so filters and the module page's related cases match in SQL on both backends."""

    __tablename__ = "use_case_areas"

    use_case_id: Mapped[int] = mapped_column(
        ForeignKey("use_cases.id", ondelete="CASCADE"), primary_key=True
    )
    area: Mapped[str] = mapped_column(String(20), primary_key=True, index=True)


class UseCaseTry(db.Model):  # type: ignore[name-defined,misc]
    """ "I tried this": once per person and case (the unique constraint settles a double POST)."""

    __tablename__ = "use_case_tries"
    __table_args__ = (UniqueConstraint("use_case_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    use_case_id: Mapped[int] = mapped_column(ForeignKey("use_cases.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    minutes_saved: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class UseCaseReport(db.Model):  # type: ignore[name-defined,misc]
    """ "Report for removal": open until a reviewer removes the case or keeps it."""

    __tablename__ = "use_case_reports"
    __table_args__ = (UniqueConstraint("use_case_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    use_case_id: Mapped[int] = mapped_column(ForeignKey("use_cases.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(500))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    reporter: Mapped[User] = relationship(foreign_keys=[user_id])
