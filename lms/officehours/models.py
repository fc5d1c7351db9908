"""Office hours: sessions (alone or in a series), who may come, sign-ups with their waitlist,
attendance and the "did this help?" answer."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.people.models import User, utcnow

# Sign-up statuses: a seat, a place in the queue, or given up (the row stays so the person's
# history and the waitlist order are kept; signing up again reuses it).
CONFIRMED = "confirmed"
WAITLISTED = "waitlisted"
CANCELLED = "cancelled"


class OfficeHoursSeries(db.Model):  # type: ignore[name-defined,misc]
    """Sessions created together, weekly or every two weeks; each stays editable on its own."""

    __tablename__ = "office_hours_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    every_days: Mapped[int] = mapped_column(Integer)  # 7 or 14
    occurrences: Mapped[int] = mapped_column(Integer)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class OfficeHoursSession(db.Model):  # type: ignore[name-defined,misc]
    """One session. ``starts_at`` is UTC; ``time_zone`` (an IANA name) is how it is shown and
    what the calendar invitation carries. ``seats_taken`` counts confirmed sign-ups: it only ever
    changes by conditional UPDATEs under the row's lock, and the database refuses it above
    ``capacity``, so a seat is never given twice."""

    __tablename__ = "office_hours_sessions"
    __table_args__ = (
        CheckConstraint("seats_taken >= 0 AND seats_taken <= capacity", name="seats"),
        Index("ix_office_hours_sessions_starts_at", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int | None] = mapped_column(
        ForeignKey("office_hours_series.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(String(120))
    host_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    topic: Mapped[str] = mapped_column(String(300))
    area: Mapped[str] = mapped_column(String(40), default="")  # a competency key, or none
    starts_at: Mapped[datetime] = mapped_column(DateTime)
    time_zone: Mapped[str] = mapped_column(String(64))
    duration_minutes: Mapped[int] = mapped_column(Integer)
    online_url: Mapped[str] = mapped_column(String(500), default="")
    room: Mapped[str] = mapped_column(String(200), default="")
    capacity: Mapped[int] = mapped_column(Integer)
    seats_taken: Mapped[int] = mapped_column(Integer, default=0)
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    host: Mapped[User] = relationship(foreign_keys=[host_id])


class OfficeHoursAudience(db.Model):  # type: ignore[name-defined,misc]
    """A job function a session is for. A session without rows is for everyone."""

    __tablename__ = "office_hours_audiences"

    session_id: Mapped[int] = mapped_column(
        ForeignKey("office_hours_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    job_function: Mapped[str] = mapped_column(String(40), primary_key=True)


class OfficeHoursSignup(db.Model):  # type: ignore[name-defined,misc]
    """One person's sign-up for one session (one row per person and session). The waitlist is
    the waitlisted rows in ``queued_at`` order (then id): first come, first served."""

    __tablename__ = "office_hours_signups"
    __table_args__ = (
        UniqueConstraint("session_id", "user_id"),
        Index("ix_office_hours_signups_queue", "session_id", "status", "queued_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("office_hours_sessions.id", ondelete="CASCADE")
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(12))
    queued_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime)
    attended_at: Mapped[datetime | None] = mapped_column(DateTime)
    helpful: Mapped[str | None] = mapped_column(String(12))  # yes | somewhat | no
    comment: Mapped[str] = mapped_column(String(500), default="")
    answered_at: Mapped[datetime | None] = mapped_column(DateTime)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
