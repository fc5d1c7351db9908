"""An assignment: a manager asked a person to complete a course by a date.

The learner's :class:`~lms.learn.models.Enrolment` (``source="assigned"``, ``due_at``) is what the
learner pages read; the assignment keeps what only managers and reminders need (who assigned it, the
note, the due day, when the last reminder went out).

``completed_at`` mirrors the enrolment's completion. The enrolment stays the source of truth (pages
read ``coalesce(assignment, enrolment)``); the copy is made in the learner's own transaction
whenever learning progresses (the ``learning_progressed`` signal), when an enrolment's completion is
set through the ORM (a mapper event), and by every ``lms reminders send`` run.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    event,
    exists,
    select,
    update,
)
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Mapper, mapped_column

from lms.extensions import db
from lms.learn.models import Enrolment
from lms.learn.signals import learning_progressed
from lms.people.models import utcnow


class Assignment(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "assignments"
    __table_args__ = (
        UniqueConstraint("user_id", "course_id"),
        Index("ix_assignments_open_due", "completed_at", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    assigned_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    due_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_reminded_on: Mapped[date | None] = mapped_column(Date)

    def is_overdue(self, today: date) -> bool:
        return self.completed_at is None and self.due_on < today


class AssignmentReminder(db.Model):  # type: ignore[name-defined,misc]
    """A manager's "Remind those not done" for one course and due date: at most one a day per
    manager (the unique key makes that exact across workers), kept for the list's "Reminded
    today" and as the record of who was asked to nudge whom."""

    __tablename__ = "assignment_reminders"
    __table_args__ = (
        UniqueConstraint(
            "manager_id", "course_id", "due_on", "sent_on", name="uq_assignment_reminders_daily"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    manager_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    due_on: Mapped[date] = mapped_column(Date)
    sent_on: Mapped[date] = mapped_column(Date)
    sent_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    people: Mapped[int] = mapped_column(Integer)  # how many were reminded


def _mirror_completion(_mapper: Mapper[Any], connection: Connection, target: Enrolment) -> None:
    """Copy an enrolment's completion to its assignment (if any), within the same flush."""
    state: Any = sa_inspect(target)
    if not state.attrs.completed_at.history.added:
        return
    connection.execute(
        update(Assignment.__table__)
        .where(
            Assignment.__table__.c.user_id == target.user_id,
            Assignment.__table__.c.course_id == target.course_id,
        )
        .values(completed_at=target.completed_at)
    )


event.listen(Enrolment, "after_update", _mirror_completion)


def mirror_completions(session: Any, user_id: int | None = None) -> int:
    """Copy completions from enrolments to open assignments (of one person, or everyone): one
    UPDATE. Returns the number of assignments changed."""
    completed = (
        select(Enrolment.completed_at)
        .where(
            Enrolment.user_id == Assignment.user_id,
            Enrolment.course_id == Assignment.course_id,
            Enrolment.completed_at.is_not(None),
        )
        .scalar_subquery()
    )
    conditions = [
        Assignment.completed_at.is_(None),
        exists().where(
            Enrolment.user_id == Assignment.user_id,
            Enrolment.course_id == Assignment.course_id,
            Enrolment.completed_at.is_not(None),
        ),
    ]
    if user_id is not None:
        conditions.append(Assignment.user_id == user_id)
    result = session.execute(
        update(Assignment)
        .where(*conditions)
        .values(completed_at=completed)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def _on_learning_progressed(session: Any, **kwargs: Any) -> None:
    user_id = kwargs.get("user_id")
    if isinstance(user_id, int):
        mirror_completions(session, user_id)


learning_progressed.connect(_on_learning_progressed)
