"""Badges and awards.

``Badge`` rows are published from ``courses/_badges/`` like courses (stable slug, content hash).
``BadgeAward`` is unique per (badge, person): double awards are impossible even under concurrent
events, whatever the application code does.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.people.models import User, utcnow


def new_public_id() -> str:
    return str(uuid.uuid4())


class Badge(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "badges"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    criteria_html: Mapped[str] = mapped_column(Text)
    # {"type": "course-completed", "course": "ai-foundations"} etc.; see lms.recognition.rules
    criteria: Mapped[dict[str, Any]] = mapped_column(JSON)
    # [{"competency": "evaluating", "level": 2}]
    alignments: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    image_svg: Mapped[str] = mapped_column(Text)  # sanitized
    image_png: Mapped[bytes] = mapped_column(LargeBinary)
    content_hash: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(DateTime)


class BadgeAward(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "badge_awards"
    __table_args__ = (UniqueConstraint("badge_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # The id in public URLs (assertions, verification pages): not guessable, not sequential.
    public_id: Mapped[str] = mapped_column(String(36), unique=True, default=new_public_id)
    badge_id: Mapped[int] = mapped_column(ForeignKey("badges.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    awarded_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # What earned it, e.g. {"course": "ai-foundations"} or {"competency": "evaluating", "level": 2}
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Salt for the hashed recipient email in Open Badges assertions.
    recipient_salt: Mapped[str] = mapped_column(String(64))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    revocation_reason: Mapped[str | None] = mapped_column(String(500))
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    badge: Mapped[Badge] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])


class RecognitionSettings(db.Model):  # type: ignore[name-defined,misc]
    """What a person lets others see. Off by default: nothing is shown until they opt in."""

    __tablename__ = "recognition_settings"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    show_on_wall: Mapped[bool] = mapped_column(Boolean, default=False)
    show_on_profile: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
