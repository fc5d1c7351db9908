"""Pulses, their questions, who took part in a round, and the answers as anonymous counts.

Anonymity by construction: answers are never stored per person. ``PulseAnswerCount`` holds, per
question, round, respondent group (executive, manager, employee) and job function, how many people
gave each answer; there is no row per response that an id, a row order or a timestamp could link
back to a ``PulseParticipation`` row. ``PulseParticipation`` records only that a person took part in
a round (no time, no answers), which is what stops anyone answering twice.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db
from lms.people.models import utcnow

RESPONDENT_GROUPS = ("executive", "manager", "employee")


class Pulse(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "pulses"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    intro_html: Mapped[str] = mapped_column(Text, default="")
    scale: Mapped[str] = mapped_column(String(20))
    opens_on: Mapped[date] = mapped_column(Date)
    # Rounds start every ``every_count`` ``every_unit`` (weeks | months) from ``opens_on``;
    # ``once``: a single round.
    every_unit: Mapped[str] = mapped_column(String(10))
    every_count: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    published_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(DateTime)

    questions: Mapped[list[PulseQuestion]] = relationship(
        back_populates="pulse", order_by="PulseQuestion.position"
    )


class PulseQuestion(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "pulse_questions"
    __table_args__ = (UniqueConstraint("pulse_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pulse_id: Mapped[int] = mapped_column(ForeignKey("pulses.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(100))  # the stable id from the Markdown file
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(10))  # likert | yes-no
    retired_at: Mapped[datetime | None] = mapped_column(DateTime)

    pulse: Mapped[Pulse] = relationship(back_populates="questions")


class PulseParticipation(db.Model):  # type: ignore[name-defined,misc]
    """That a person answered a round: no time, no answers. Unique, so nobody answers twice."""

    __tablename__ = "pulse_participation"
    __table_args__ = (UniqueConstraint("pulse_id", "round_start", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pulse_id: Mapped[int] = mapped_column(ForeignKey("pulses.id", ondelete="CASCADE"))
    round_start: Mapped[date] = mapped_column(Date)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)


class PulseAnswerCount(db.Model):  # type: ignore[name-defined,misc]
    """How many respondents of a group and function gave ``value`` to a question in a round.

    ``value``: 1-5 on the Likert scale (strongly disagree .. strongly agree); 1 yes / 0 no.
    No user column, by design.
    """

    __tablename__ = "pulse_answer_counts"
    __table_args__ = (
        UniqueConstraint(
            "question_id",
            "round_start",
            "respondent_group",
            "job_function",
            "value",
            name="uq_pulse_answer_counts_cell",  # the generated name is too long for PostgreSQL
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pulse_id: Mapped[int] = mapped_column(ForeignKey("pulses.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("pulse_questions.id", ondelete="CASCADE"))
    round_start: Mapped[date] = mapped_column(Date)
    respondent_group: Mapped[str] = mapped_column(String(12))
    job_function: Mapped[str] = mapped_column(String(40))
    value: Mapped[int] = mapped_column(Integer)
    count: Mapped[int] = mapped_column(Integer)
