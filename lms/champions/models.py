"""A person's offer to be an AI champion, and the programme owners' answer."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.people.models import User, utcnow

VOLUNTEERED = "volunteered"
CONFIRMED = "confirmed"
DECLINED = "declined"
STEPPED_DOWN = "stepped-down"


class Champion(db.Model):  # type: ignore[name-defined,misc]
    """One row per person: volunteering again after a decline or stepping down reuses it."""

    __tablename__ = "ai_champions"
    __table_args__ = (Index("ix_ai_champions_status_function", "status", "job_function"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    # The function they help (lms.people.models.JOB_FUNCTIONS), and whether only their own team.
    job_function: Mapped[str] = mapped_column(String(40))
    team_only: Mapped[bool] = mapped_column(default=False)
    why: Mapped[str] = mapped_column(String(500))
    helps_with: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(20), default=VOLUNTEERED)
    # The programme owners' words: the reason of a decline, or a note with a confirmation.
    decision_note: Mapped[str] = mapped_column(String(500), default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    person: Mapped[User] = relationship(foreign_keys=[user_id])
