"""Planning sessions (alone or as a series), changing and cancelling them, attendance and the
"did this help?" answer. Services flush; the caller commits."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import delete, select, update

from lms.activity.service import record
from lms.database import DbSession
from lms.notifications.service import notify
from lms.officehours.models import (
    CONFIRMED,
    WAITLISTED,
    OfficeHoursAudience,
    OfficeHoursSeries,
    OfficeHoursSession,
    OfficeHoursSignup,
)
from lms.officehours.seats import OBJECT_TYPE, Promotion, SeatError, add_seats, lock
from lms.officehours.times import when_text
from lms.people.models import User, utcnow
from lms.recognition.service import award_due_badges


@dataclass
class SessionData:
    """What the form says about a session (``starts`` are UTC; several make a series)."""

    title: str
    host_id: int
    topic: str
    area: str
    audience: list[str]
    starts: list[datetime]
    time_zone: str
    duration_minutes: int
    online_url: str
    room: str
    capacity: int
    every_days: int = 0
    promotions: list[Promotion] = field(default_factory=list)


def _apply(office_hours: OfficeHoursSession, data: SessionData, start: datetime) -> None:
    office_hours.title = data.title
    office_hours.host_id = data.host_id
    office_hours.topic = data.topic
    office_hours.area = data.area
    office_hours.starts_at = start
    office_hours.time_zone = data.time_zone
    office_hours.duration_minutes = data.duration_minutes
    office_hours.online_url = data.online_url
    office_hours.room = data.room
    office_hours.updated_at = utcnow()


def _set_audience(session: DbSession, session_id: int, functions: list[str]) -> None:
    session.execute(delete(OfficeHoursAudience).where(OfficeHoursAudience.session_id == session_id))
    session.add_all(
        OfficeHoursAudience(session_id=session_id, job_function=name)
        for name in sorted(set(functions))
    )


def create_sessions(session: DbSession, data: SessionData, by: User) -> list[OfficeHoursSession]:
    """One session per start; more than one makes a series."""
    series_id = None
    if len(data.starts) > 1:
        series = OfficeHoursSeries(
            every_days=data.every_days, occurrences=len(data.starts), created_by_id=by.id
        )
        session.add(series)
        session.flush()
        series_id = series.id
    created = []
    for start in data.starts:
        office_hours = OfficeHoursSession(
            series_id=series_id, capacity=data.capacity, seats_taken=0, created_by_id=by.id
        )
        _apply(office_hours, data, start)
        session.add(office_hours)
        session.flush()
        _set_audience(session, office_hours.id, data.audience)
        created.append(office_hours)
    session.flush()
    return created


def update_session(session: DbSession, session_id: int, data: SessionData) -> list[Promotion]:
    """Change one session (not the rest of its series). A smaller capacity than the seats
    already given is refused; a larger one moves the waitlist up."""
    office_hours = lock(session, session_id)
    if data.capacity < office_hours.seats_taken:
        raise SeatError(
            f"{office_hours.seats_taken} people already have a seat: the capacity cannot be "
            "lower than that."
        )
    moved = office_hours.starts_at != data.starts[0]
    grew = data.capacity - office_hours.capacity
    _apply(office_hours, data, data.starts[0])
    session.execute(
        update(OfficeHoursSession)
        .where(OfficeHoursSession.id == session_id)
        .values(capacity=data.capacity)
        .execution_options(synchronize_session=False)
    )
    _set_audience(session, session_id, data.audience)
    session.flush()
    promotions = add_seats(session, office_hours, grew) if grew > 0 else []
    if moved:
        _tell_everyone(session, office_hours, "has moved to")
    return promotions


def _tell_everyone(session: DbSession, office_hours: OfficeHoursSession, what: str) -> None:
    people = session.scalars(
        select(OfficeHoursSignup.user_id).where(
            OfficeHoursSignup.session_id == office_hours.id,
            OfficeHoursSignup.status.in_((CONFIRMED, WAITLISTED)),
        )
    )
    when = when_text(office_hours.starts_at, office_hours.duration_minutes, office_hours.time_zone)
    for user_id in people:
        notify(
            session,
            user_id,
            "office-hours",
            f"“{office_hours.title}” {what} {when}.",
            url=f"/office-hours/{office_hours.id}",
        )


def cancel_session(session: DbSession, session_id: int) -> None:
    office_hours = lock(session, session_id)
    if office_hours.cancelled_at is None:
        office_hours.cancelled_at = utcnow()
        _tell_everyone(session, office_hours, "is cancelled: it was planned for")
    session.flush()


def cancel_series(session: DbSession, series_id: int) -> int:
    """Cancel the series' sessions that have not started yet; how many were cancelled."""
    now = utcnow()
    ids = list(
        session.scalars(
            select(OfficeHoursSession.id)
            .where(
                OfficeHoursSession.series_id == series_id,
                OfficeHoursSession.starts_at > now,
                OfficeHoursSession.cancelled_at.is_(None),
            )
            .order_by(OfficeHoursSession.starts_at)
        )
    )
    for session_id in ids:
        cancel_session(session, session_id)
    return len(ids)


# ---------------------------------------------------------------------------------- afterwards


def confirmed_people(session: DbSession, session_id: int) -> list[tuple[OfficeHoursSignup, User]]:
    rows = session.execute(
        select(OfficeHoursSignup, User)
        .join(User, User.id == OfficeHoursSignup.user_id)
        .where(
            OfficeHoursSignup.session_id == session_id,
            OfficeHoursSignup.status == CONFIRMED,
        )
        .order_by(User.name, User.id)
    )
    return [(row[0], row[1]) for row in rows]


def mark_attendance(
    session: DbSession, office_hours: OfficeHoursSession, present: set[int]
) -> list[int]:
    """Who came (sign-up ids of confirmed people); the people newly marked, whose attendance is
    recorded as an activity event (engagement figures, xAPI) and may earn a badge."""
    if office_hours.starts_at > utcnow():
        raise SeatError("Attendance can be marked once the session has started.")
    newly = []
    for signup, person in confirmed_people(session, office_hours.id):
        if signup.id in present and signup.attended_at is None:
            signup.attended_at = utcnow()
            newly.append(person.id)
            record(
                session,
                person.id,
                "attended",
                OBJECT_TYPE,
                str(office_hours.id),
                object_name=office_hours.title,
                at=office_hours.starts_at,
            )
        elif signup.id not in present and signup.attended_at is not None:
            signup.attended_at = None  # a slip of the host's; the recorded event stays
    session.flush()
    for user_id in newly:
        award_due_badges(session, user_id)  # an office-hours-attended badge rule may now hold
    return newly


def answer_feedback(
    session: DbSession, office_hours: OfficeHoursSession, user: User, helpful: str, comment: str
) -> None:
    """ "Did this help?": once, by someone who attended."""
    answered = session.execute(
        update(OfficeHoursSignup)
        .where(
            OfficeHoursSignup.session_id == office_hours.id,
            OfficeHoursSignup.user_id == user.id,
            OfficeHoursSignup.attended_at.is_not(None),
            OfficeHoursSignup.answered_at.is_(None),
        )
        .values(helpful=helpful, comment=comment, answered_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if getattr(answered, "rowcount", 0) != 1:
        raise SeatError("You have answered already, or you were not marked as there.")
    record(
        session,
        user.id,
        "responded",
        OBJECT_TYPE,
        str(office_hours.id),
        object_name=office_hours.title,
        result={"response": helpful},
    )
    session.flush()
