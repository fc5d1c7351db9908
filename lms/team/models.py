"""A manager's reminder to someone in their team: at most one per person, manager and day (the
unique key makes that exact across workers), kept so the person page can say who reminded when."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, Index, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lms.extensions import db
from lms.people.models import utcnow


class TeamReminder(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "team_reminders"
    __table_args__ = (
        UniqueConstraint("person_id", "manager_id", "sent_on", name="uq_team_reminders_daily"),
        Index("ix_team_reminders_person", "person_id", "sent_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    manager_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    sent_on: Mapped[date] = mapped_column(Date)
    sent_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
