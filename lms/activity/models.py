from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from lms.extensions import db
from lms.people.models import utcnow

# xAPI verbs (ADL vocabulary where one exists) for the events we record.
VERBS: dict[str, str] = {
    "enrolled": "http://adlnet.gov/expapi/verbs/registered",
    "opened": "http://adlnet.gov/expapi/verbs/experienced",
    "completed": "http://adlnet.gov/expapi/verbs/completed",
    "attempted": "http://adlnet.gov/expapi/verbs/attempted",
    "passed": "http://adlnet.gov/expapi/verbs/passed",
    "failed": "http://adlnet.gov/expapi/verbs/failed",
    "level-changed": "https://ai-literacy-lms.example/xapi/verbs/level-changed",
    "self-assessed": "https://ai-literacy-lms.example/xapi/verbs/self-assessed",
    # Office hours (lms.officehours): a seat or a waitlist place taken, attendance marked by the
    # host, the "did this help?" answer. ADL's "registered" already means enrolling in a course.
    "signed-up": "https://ai-literacy-lms.example/xapi/verbs/signed-up",
    "attended": "http://adlnet.gov/expapi/verbs/attended",
    "responded": "http://adlnet.gov/expapi/verbs/responded",
    # Use cases (lms.usecases): a case shared (first sent for review) and "I tried this". ADL's
    # vocabulary has "shared"; it has no verb for trying out someone's way of working.
    "shared": "http://adlnet.gov/expapi/verbs/shared",
    "tried": "https://ai-literacy-lms.example/xapi/verbs/tried",
}


class ActivityEvent(db.Model):  # type: ignore[name-defined,misc]
    """One thing a learner did. Rows are only ever inserted."""

    __tablename__ = "activity_events"
    __table_args__ = (
        Index("ix_activity_events_user_time", "user_id", "occurred_at"),
        Index("ix_activity_events_time", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    verb: Mapped[str] = mapped_column(String(30))
    # e.g. "course", "module", "quiz", "check", "baseline", "competency"
    object_type: Mapped[str] = mapped_column(String(30))
    object_id: Mapped[str] = mapped_column(String(200))
    object_name: Mapped[str] = mapped_column(String(300), default="")
    course_id: Mapped[int | None] = mapped_column(
        ForeignKey("courses.id", ondelete="SET NULL"), index=True
    )
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    context: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    occurred_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
