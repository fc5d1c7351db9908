"""Definitions shared by the dashboard, the people table and the export, so a figure means the same
thing everywhere (docs/dashboards.md explains each one)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, SQLColumnExpression, and_, exists

from lms.activity.models import ActivityEvent
from lms.learn.models import Enrolment

# A learner is stalled after this many days without any recorded activity.
STALLED_DAYS = 30
# "Practising": the level from which someone uses AI in their work with judgement.
PRACTISING_LEVEL = 2
# Weeks shown in the weekly-active-learners chart (the current, partial week included).
WEEKS = 12


def stalled_cutoff(now: datetime) -> datetime:
    return now - timedelta(days=STALLED_DAYS)


def stalled_condition(user_id: SQLColumnExpression[int], now: datetime) -> ColumnElement[bool]:
    """Enrolled in a course they have not completed for over 30 days, and no activity since.

    "Enrolled over 30 days ago" keeps a course assigned yesterday from counting as stalled.
    """
    cutoff = stalled_cutoff(now)
    unfinished = exists().where(
        Enrolment.user_id == user_id,
        Enrolment.completed_at.is_(None),
        Enrolment.enrolled_at < cutoff,
    )
    recent = exists().where(ActivityEvent.user_id == user_id, ActivityEvent.occurred_at >= cutoff)
    return and_(unfinished, ~recent)


def assigned(source: SQLColumnExpression[str]) -> ColumnElement[bool]:
    # Until the assignments package owns an Assignment model, an assignment is an enrolment whose
    # source is "assigned" (that package keeps the two in step).
    return source == "assigned"


def overdue_condition(now: datetime) -> ColumnElement[bool]:
    return and_(
        assigned(Enrolment.source),
        Enrolment.completed_at.is_(None),
        Enrolment.due_at.is_not(None),
        Enrolment.due_at < now,
    )
