"""Kudos and course certificates (the recognition side that is not badges).

``Certificate`` is issued once per person and course when the course is completed; its
``public_id`` is the id in public URLs (the printable page, its verification page and the QR code
on it). What it says (course title, date, levels) is fixed at issue time, so a printed certificate
and its verification page always agree.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.courses.models import Course
from lms.extensions import db
from lms.people.models import User, utcnow
from lms.recognition.models import new_public_id

KUDOS_MAX_LENGTH = 280


class Kudos(db.Model):  # type: ignore[name-defined,misc]
    """A short note of recognition from a manager to someone in their org subtree."""

    __tablename__ = "kudos"
    __table_args__ = (Index("ix_kudos_created_at", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sender_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    recipient_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    message: Mapped[str] = mapped_column(String(KUDOS_MAX_LENGTH))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    sender: Mapped[User | None] = relationship(foreign_keys=[sender_id])
    recipient: Mapped[User] = relationship(foreign_keys=[recipient_id])


class Certificate(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "certificates"
    __table_args__ = (
        UniqueConstraint("user_id", "course_id"),
        Index("ix_certificates_completed_at", "completed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(36), unique=True, default=new_public_id)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    course_title: Mapped[str] = mapped_column(String(200))
    course_summary: Mapped[str] = mapped_column(String(400), default="")
    completed_at: Mapped[datetime] = mapped_column(DateTime)
    # {"evaluating": 2, ...}: the person's level in each of the course's areas when it was issued.
    levels: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    # Salt for the hashed recipient email in the Open Badges 3.0 credential.
    recipient_salt: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    user: Mapped[User] = relationship()
    course: Mapped[Course] = relationship()
