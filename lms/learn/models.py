from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.courses.models import Course, CourseVersion, Module
from lms.extensions import db
from lms.people.models import utcnow


class Enrolment(db.Model):  # type: ignore[name-defined,misc]
    """A person taking a course: by their own choice (``self``) or because it was ``assigned``."""

    __tablename__ = "enrolments"
    __table_args__ = (UniqueConstraint("user_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    source: Mapped[str] = mapped_column(String(10), default="self")
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    due_at: Mapped[datetime | None] = mapped_column(DateTime)
    enrolled_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_module_id: Mapped[int | None] = mapped_column(
        ForeignKey("modules.id", ondelete="SET NULL")
    )
    last_active_at: Mapped[datetime | None] = mapped_column(DateTime)

    course: Mapped[Course] = relationship()


class ModuleProgress(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "module_progress"
    __table_args__ = (UniqueConstraint("user_id", "module_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    opened_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(DateTime)
    check_passed_at: Mapped[datetime | None] = mapped_column(DateTime)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime)


class Attempt(db.Model):  # type: ignore[name-defined,misc]
    """One try at a quiz, a module's knowledge check, or the baseline assessment.

    ``submitted_at`` is set by a single conditional UPDATE, and answers are unique per attempt and
    question, so an attempt is scored exactly once even when submitted twice at the same moment.
    """

    __tablename__ = "attempts"
    __table_args__ = (Index("ix_attempts_user_course", "user_id", "course_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))  # quiz | check | baseline
    course_id: Mapped[int | None] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    course_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("course_versions.id", ondelete="SET NULL")
    )
    module_id: Mapped[int | None] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"))
    question_version_ids: Mapped[list[int]] = mapped_column(JSON)
    started_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    deadline_at: Mapped[datetime | None] = mapped_column(DateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime)
    score: Mapped[float | None] = mapped_column(Float)
    passed: Mapped[bool | None] = mapped_column(Boolean)
    pass_mark: Mapped[int] = mapped_column(Integer, default=70)
    review: Mapped[str] = mapped_column(String(10), default="guarded")
    # Question version id (as a string: JSON keys) -> option keys in the order this attempt shows
    # them, shuffled on the server when the attempt starts. NULL (attempts from before shuffling):
    # the authored order.
    option_orders: Mapped[dict[str, list[str]] | None] = mapped_column(JSON)

    course_version: Mapped[CourseVersion | None] = relationship()
    module: Mapped[Module | None] = relationship()


class AttemptAnswer(db.Model):  # type: ignore[name-defined,misc]
    """One answer: the evidence levels are computed from. Kept forever; never shown to managers."""

    __tablename__ = "attempt_answers"
    __table_args__ = (
        UniqueConstraint("attempt_id", "question_version_id"),
        Index("ix_attempt_answers_user_competency", "user_id", "competency"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"))
    question_version_id: Mapped[int] = mapped_column(
        ForeignKey("question_versions.id", ondelete="CASCADE")
    )
    competency: Mapped[str] = mapped_column(String(40))
    difficulty: Mapped[int] = mapped_column(Integer)
    chosen: Mapped[list[str]] = mapped_column(JSON)
    correct: Mapped[bool] = mapped_column(Boolean)
    answered_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    seconds_taken: Mapped[int | None] = mapped_column(Integer)
    # Level evidence or practice: a knowledge check's retry of a question version already answered
    # is practice (recorded, never counted). See docs/literacy-model.md.
    counts: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")


class SelfRating(db.Model):  # type: ignore[name-defined,misc]
    """How a person rated themself in an area (history kept: one row per rating)."""

    __tablename__ = "self_ratings"
    __table_args__ = (Index("ix_self_ratings_user_time", "user_id", "rated_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    competency: Mapped[str] = mapped_column(String(40))
    level: Mapped[int] = mapped_column(Integer)
    rated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class BaselineProgress(db.Model):  # type: ignore[name-defined,misc]
    """A baseline attempt taken one question per page: where the person is and the answers saved
    so far (option keys, by question version id), so that leaving and coming back resumes there.
    When it is scored, the self-rated and measured level per area it ended with: the results page
    ("Your starting point") shows those, not whatever the levels have become since."""

    __tablename__ = "baseline_progress"

    attempt_id: Mapped[int] = mapped_column(
        ForeignKey("attempts.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)  # the question to show, from 0
    answers: Mapped[dict[str, list[str]]] = mapped_column(JSON, default=dict)
    # Bumped by every save: a save is a conditional UPDATE on it, so two tabs saving at once
    # cannot lose each other's answers.
    revision: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    self_rated: Mapped[dict[str, int] | None] = mapped_column(JSON)
    measured: Mapped[dict[str, int] | None] = mapped_column(JSON)


class AttemptGrant(db.Model):  # type: ignore[name-defined,misc]
    """One more attempt at a course's final quiz, granted by a manager or an admin, with why."""

    __tablename__ = "attempt_grants"
    __table_args__ = (Index("ix_attempt_grants_user_course", "user_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"))
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(String(500))
    granted_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class TimeAccommodation(db.Model):  # type: ignore[name-defined,misc]
    """Extra time on every timed quiz for one person, set by an admin. ``note`` (why) is for
    admins only: managers see that an accommodation exists, never the reason."""

    __tablename__ = "time_accommodations"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    # 1.5 or 2.0 times the limit; 0 = no time limit at all.
    multiplier: Mapped[float] = mapped_column(Float)
    note: Mapped[str] = mapped_column(String(500), default="")
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    set_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
