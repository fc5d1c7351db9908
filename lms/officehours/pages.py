"""What the office-hours pages show: a fixed number of statements each, whatever the number of
sessions and sign-ups."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, func, or_, select

from lms.courses.vocabulary import COMPETENCIES
from lms.database import DbSession
from lms.officehours.access import visible_to
from lms.officehours.models import (
    CONFIRMED,
    WAITLISTED,
    OfficeHoursAudience,
    OfficeHoursSession,
    OfficeHoursSignup,
)
from lms.officehours.times import when_text
from lms.officehours.vocabulary import DURATIONS
from lms.people.models import JOB_FUNCTIONS, User

MAX_LISTED = 100
LONGEST = timedelta(minutes=max(DURATIONS))
# How far back the hosting page goes: attendance is marked after a session, rarely much later.
HOSTING_BACK = timedelta(days=60)


@dataclass
class Listed:
    """A session as lists show it."""

    session: OfficeHoursSession
    host_name: str
    my_status: str | None = None
    audience: list[str] = field(default_factory=list)
    waiting: int = 0
    attended: int = 0

    @property
    def when(self) -> str:
        s = self.session
        return when_text(s.starts_at, s.duration_minutes, s.time_zone)

    @property
    def seats_left(self) -> int:
        return max(self.session.capacity - self.session.seats_taken, 0)

    @property
    def area_label(self) -> str:
        return COMPETENCIES.get(self.session.area, "")

    @property
    def audience_text(self) -> str:
        return ", ".join(self.audience) if self.audience else "Everyone"

    def ends_at(self) -> datetime:
        return self.session.starts_at + timedelta(minutes=self.session.duration_minutes)


def audience_labels(session: DbSession, session_ids: list[int]) -> dict[int, list[str]]:
    """Job function words per session (none: for everyone): one statement."""
    labels: dict[int, list[str]] = {}
    if not session_ids:
        return labels
    rows = session.execute(
        select(OfficeHoursAudience.session_id, OfficeHoursAudience.job_function).where(
            OfficeHoursAudience.session_id.in_(session_ids)
        )
    )
    for session_id, name in rows:
        labels.setdefault(session_id, []).append(JOB_FUNCTIONS.get(name, name))
    for words in labels.values():
        words.sort()
    return labels


def audience_keys(session: DbSession, session_id: int) -> list[str]:
    return sorted(
        session.scalars(
            select(OfficeHoursAudience.job_function).where(
                OfficeHoursAudience.session_id == session_id
            )
        )
    )


def upcoming(
    session: DbSession, user: Any, now: datetime, topic: str = "", area: str = ""
) -> list[Listed]:
    """Sessions not over yet that ``user`` may see, soonest first, with their own status."""
    mine = and_(
        OfficeHoursSignup.session_id == OfficeHoursSession.id,
        OfficeHoursSignup.user_id == user.id,
    )
    statement = (
        select(OfficeHoursSession, User.name, OfficeHoursSignup.status)
        .join(User, User.id == OfficeHoursSession.host_id)
        .outerjoin(OfficeHoursSignup, mine)
        .where(
            visible_to(session, user),
            OfficeHoursSession.cancelled_at.is_(None),
            OfficeHoursSession.starts_at > now - LONGEST,
        )
        .order_by(OfficeHoursSession.starts_at, OfficeHoursSession.id)
        .limit(MAX_LISTED)
    )
    if topic:
        pattern = f"%{topic.lower()}%"
        statement = statement.where(
            or_(
                func.lower(OfficeHoursSession.title).like(pattern),
                func.lower(OfficeHoursSession.topic).like(pattern),
            )
        )
    if area:
        statement = statement.where(OfficeHoursSession.area == area)
    listed = [Listed(row[0], row[1], row[2]) for row in session.execute(statement)]
    listed = [item for item in listed if item.ends_at() > now]
    labels = audience_labels(session, [item.session.id for item in listed])
    for item in listed:
        item.audience = labels.get(item.session.id, [])
    return listed


def my_sessions(session: DbSession, user: Any) -> list[Listed]:
    """The sessions ``user`` has a seat or a place in the queue for, soonest first."""
    rows = session.execute(
        select(OfficeHoursSession, User.name, OfficeHoursSignup.status)
        .join(OfficeHoursSignup, OfficeHoursSignup.session_id == OfficeHoursSession.id)
        .join(User, User.id == OfficeHoursSession.host_id)
        .where(
            OfficeHoursSignup.user_id == user.id,
            OfficeHoursSignup.status.in_((CONFIRMED, WAITLISTED)),
        )
        .order_by(OfficeHoursSession.starts_at.desc(), OfficeHoursSession.id)
        .limit(MAX_LISTED)
    )
    return [Listed(row[0], row[1], row[2]) for row in rows]


def hosting(session: DbSession, user: Any, now: datetime, everyone: bool) -> list[Listed]:
    """Sessions ``user`` hosts (a programme owner: everyone's) from a while ago on, with how
    many wait and how many came."""
    waiting = (
        select(func.count(OfficeHoursSignup.id))
        .where(
            OfficeHoursSignup.session_id == OfficeHoursSession.id,
            OfficeHoursSignup.status == WAITLISTED,
        )
        .correlate(OfficeHoursSession)
        .scalar_subquery()
    )
    came = (
        select(func.count(OfficeHoursSignup.id))
        .where(
            OfficeHoursSignup.session_id == OfficeHoursSession.id,
            OfficeHoursSignup.attended_at.is_not(None),
        )
        .correlate(OfficeHoursSession)
        .scalar_subquery()
    )
    statement = (
        select(OfficeHoursSession, User.name, waiting, came)
        .join(User, User.id == OfficeHoursSession.host_id)
        .where(OfficeHoursSession.starts_at > now - HOSTING_BACK)
        .order_by(OfficeHoursSession.starts_at, OfficeHoursSession.id)
        .limit(MAX_LISTED * 2)
    )
    if not everyone:
        statement = statement.where(OfficeHoursSession.host_id == user.id)
    return [
        Listed(row[0], row[1], waiting=int(row[2] or 0), attended=int(row[3] or 0))
        for row in session.execute(statement)
    ]


@dataclass(frozen=True)
class Queue:
    waiting: int  # people on the waitlist
    position: int  # the viewer's place in it (0: not waiting)


def queue(session: DbSession, session_id: int, user_id: int) -> Queue:
    """The waitlist's length and the viewer's place in it: one statement."""
    me = (
        select(OfficeHoursSignup.queued_at, OfficeHoursSignup.id)
        .where(
            OfficeHoursSignup.session_id == session_id,
            OfficeHoursSignup.user_id == user_id,
            OfficeHoursSignup.status == WAITLISTED,
        )
        .subquery("me")
    )
    ahead_or_me = or_(
        OfficeHoursSignup.queued_at < me.c.queued_at,
        and_(OfficeHoursSignup.queued_at == me.c.queued_at, OfficeHoursSignup.id <= me.c.id),
    )
    row = session.execute(
        select(func.count(OfficeHoursSignup.id), func.count(case((ahead_or_me, 1))))
        .select_from(OfficeHoursSignup)
        .outerjoin(me, me.c.id.is_not(None))
        .where(
            OfficeHoursSignup.session_id == session_id,
            OfficeHoursSignup.status == WAITLISTED,
        )
    ).one()
    return Queue(int(row[0] or 0), int(row[1] or 0))


def series_sessions(session: DbSession, user: Any, series_id: int) -> list[OfficeHoursSession]:
    """The series' sessions ``user`` may see, in order (for its calendar file)."""
    return list(
        session.scalars(
            select(OfficeHoursSession)
            .where(OfficeHoursSession.series_id == series_id, visible_to(session, user))
            .order_by(OfficeHoursSession.starts_at, OfficeHoursSession.id)
        )
    )
