from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lms.extensions import db
from lms.people.models import utcnow

OVERALL = "overall"


class LiteracyLevel(db.Model):  # type: ignore[name-defined,misc]
    """A person's current level in one area (or ``overall``), updated on every new answer."""

    __tablename__ = "literacy_levels"
    __table_args__ = (
        UniqueConstraint("user_id", "competency"),
        Index("ix_literacy_levels_competency_level", "competency", "level"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    competency: Mapped[str] = mapped_column(String(40))
    level: Mapped[int] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(Float)
    evidence: Mapped[float] = mapped_column(Float)
    changed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class LevelChange(db.Model):  # type: ignore[name-defined,misc]
    """History of level changes, for charts over time."""

    __tablename__ = "level_changes"
    __table_args__ = (Index("ix_level_changes_user_time", "user_id", "changed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    competency: Mapped[str] = mapped_column(String(40))
    old_level: Mapped[int] = mapped_column(Integer)
    new_level: Mapped[int] = mapped_column(Integer)
    changed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
