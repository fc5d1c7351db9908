"""Pulses, their questions, who took part in a round, and the answers as anonymous counts.

Anonymity by construction: answers are never stored per person. ``PulseAnswerCount`` holds, per
question, round, respondent group (executive, manager, employee) and job function, how many people
gave each answer; there is no row per response that an id, a row order or a timestamp could link
back to a ``PulseParticipation`` row. ``PulseParticipation`` records only that a person took part in
a round (no time, no answers), which is what stops anyone answering twice.

Questions with options (``choose-one``, ``choose-any``) keep their options in
``PulseQuestionOption``; a count's ``value`` is then the option's ``value`` (stable per question),
and for ``choose-any`` questions the value ``RESPONDENTS`` (0) counts the people who answered the
question, so shares are "% of people who answered" although one person may pick several options.
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
SCALE_KINDS = ("likert", "yes-no")  # answered on a scale: a mean per group
# lms.pulse.format.CHOICE_KINDS (choose-one, choose-any): answered by picking options
RESPONDENTS = 0  # a choose-any question's count of the people who answered it


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
    kind: Mapped[str] = mapped_column(String(10))  # likert | yes-no | choose-one | choose-any
    retired_at: Mapped[datetime | None] = mapped_column(DateTime)

    pulse: Mapped[Pulse] = relationship(back_populates="questions")
    # Every option the question has had, retired ones included (their counts stay).
    options: Mapped[list[PulseQuestionOption]] = relationship(
        back_populates="question",
        order_by=lambda: [
            PulseQuestionOption.retired_at.is_not(None),
            PulseQuestionOption.position,
            PulseQuestionOption.id,
        ],
    )

    @property
    def live_options(self) -> list[PulseQuestionOption]:
        return [option for option in self.options if option.retired_at is None]


class PulseQuestionOption(db.Model):  # type: ignore[name-defined,misc]
    """An option of a ``choose-one`` or ``choose-any`` question. ``key`` is the stable id from the
    Markdown file; ``value`` (1, 2, ...) is what answer counts store, given once and kept, so a
    reordered or relabelled option keeps its counts. A removed option is retired, never deleted."""

    __tablename__ = "pulse_question_options"
    __table_args__ = (
        UniqueConstraint("question_id", "key"),
        UniqueConstraint("question_id", "value"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("pulse_questions.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(100))
    value: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer)
    label: Mapped[str] = mapped_column(String(120))
    retired_at: Mapped[datetime | None] = mapped_column(DateTime)

    question: Mapped[PulseQuestion] = relationship(back_populates="options")


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

    ``value``: 1-5 on the Likert scale (strongly disagree .. strongly agree); 1 yes / 0 no; for
    questions with options the option's ``value``, and for ``choose-any`` also ``RESPONDENTS`` (0):
    how many people answered the question. No user column, by design.
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
