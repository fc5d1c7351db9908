"""Signing up, giving a seat back and the waitlist. Services flush; the caller commits.

A seat is never given twice. Every change of a session's seats starts by locking the session's
row with a no-op UPDATE: on PostgreSQL concurrent sign-ups for one session then queue on that row
lock until the holder commits, on SQLite the UPDATE takes the database's single write lock (and
pysqlite starts the transaction only at that first write, so no stale snapshot is read before it).
Under the lock the counter is raised by a conditional UPDATE (``seats_taken < capacity``), and a
CHECK constraint refuses a count above the capacity whatever the code does. Seats free up only
while the waitlist is empty: a confirmed person who cancels hands their seat to the first person
waiting, in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update

from lms.activity.service import record
from lms.database import DbSession
from lms.notifications.service import notify
from lms.officehours.models import (
    CANCELLED,
    CONFIRMED,
    WAITLISTED,
    OfficeHoursSession,
    OfficeHoursSignup,
)
from lms.officehours.times import when_text
from lms.people.models import User, utcnow

OBJECT_TYPE = "office-hours"


class SeatError(ValueError):
    """A sign-up or cancellation that cannot be done, with a message fit to show."""


@dataclass(frozen=True)
class Promotion:
    """Someone moved from the waitlist to a seat: they get an in-app notification (written) and
    an email (the caller sends it after committing)."""

    user_id: int
    name: str
    email: str
    session_id: int
    title: str
    when: str


def lock(session: DbSession, session_id: int) -> OfficeHoursSession:
    """Lock the session's row for this transaction and return it, read after the lock."""
    locked = session.execute(
        update(OfficeHoursSession)
        .where(OfficeHoursSession.id == session_id)
        .values(seats_taken=OfficeHoursSession.seats_taken)
        .execution_options(synchronize_session=False)
    )
    if getattr(locked, "rowcount", 0) != 1:
        raise SeatError("This session no longer exists.")
    found = session.get(OfficeHoursSession, session_id, populate_existing=True)
    assert found is not None
    return found


def _take_seat(session: DbSession, session_id: int) -> bool:
    taken = session.execute(
        update(OfficeHoursSession)
        .where(
            OfficeHoursSession.id == session_id,
            OfficeHoursSession.seats_taken < OfficeHoursSession.capacity,
        )
        .values(seats_taken=OfficeHoursSession.seats_taken + 1)
        .execution_options(synchronize_session=False)
    )
    return getattr(taken, "rowcount", 0) == 1


def _give_seat_back(session: DbSession, session_id: int) -> None:
    session.execute(
        update(OfficeHoursSession)
        .where(OfficeHoursSession.id == session_id, OfficeHoursSession.seats_taken > 0)
        .values(seats_taken=OfficeHoursSession.seats_taken - 1)
        .execution_options(synchronize_session=False)
    )


def own_signup(session: DbSession, session_id: int, user_id: int) -> OfficeHoursSignup | None:
    return session.scalar(
        select(OfficeHoursSignup).where(
            OfficeHoursSignup.session_id == session_id, OfficeHoursSignup.user_id == user_id
        )
    )


def _open_for_changes(office_hours: OfficeHoursSession, now: datetime) -> None:
    if office_hours.cancelled_at is not None:
        raise SeatError("This session was cancelled.")
    if office_hours.starts_at <= now:
        raise SeatError("This session has started: sign-ups are closed.")


def sign_up(session: DbSession, session_id: int, user: User) -> OfficeHoursSignup:
    """A seat if one is free, else a place at the end of the waitlist. Signing up twice (a
    double click, two tabs) keeps the first sign-up."""
    office_hours = lock(session, session_id)
    now = utcnow()
    _open_for_changes(office_hours, now)
    signup = own_signup(session, session_id, user.id)
    if signup is not None and signup.status != CANCELLED:
        return signup
    status = CONFIRMED if _take_seat(session, session_id) else WAITLISTED
    if signup is None:
        signup = OfficeHoursSignup(session_id=session_id, user_id=user.id, created_at=now)
        session.add(signup)
    signup.status = status
    signup.queued_at = now
    session.flush()
    record(
        session,
        user.id,
        "signed-up",
        OBJECT_TYPE,
        str(session_id),
        object_name=office_hours.title,
        context={"status": status},
        at=now,
    )
    return signup


def cancel_signup(session: DbSession, session_id: int, user: User) -> Promotion | None:
    """Give up a seat or a place in the queue; a seat goes to the first person waiting."""
    office_hours = lock(session, session_id)
    _open_for_changes(office_hours, utcnow())
    signup = own_signup(session, session_id, user.id)
    if signup is None or signup.status == CANCELLED:
        raise SeatError("You are not signed up for this session.")
    had_seat = signup.status == CONFIRMED
    signup.status = CANCELLED
    session.flush()
    if not had_seat:
        return None
    promoted = promote(session, office_hours, 1)
    if not promoted:
        _give_seat_back(session, session_id)
    return promoted[0] if promoted else None


def promote(session: DbSession, office_hours: OfficeHoursSession, seats: int) -> list[Promotion]:
    """Give ``seats`` freed seats to the first people waiting (call with the session locked;
    the seat count stays the same: the seats change hands)."""
    if seats <= 0:
        return []
    rows = session.execute(
        select(OfficeHoursSignup, User)
        .join(User, User.id == OfficeHoursSignup.user_id)
        .where(
            OfficeHoursSignup.session_id == office_hours.id,
            OfficeHoursSignup.status == WAITLISTED,
        )
        .order_by(OfficeHoursSignup.queued_at, OfficeHoursSignup.id)
        .limit(seats)
    )
    waiting = [(row[0], row[1]) for row in rows]
    when = when_text(office_hours.starts_at, office_hours.duration_minutes, office_hours.time_zone)
    promotions = []
    for signup, person in waiting:
        signup.status = CONFIRMED
        notify(
            session,
            person.id,
            "office-hours",
            f"A seat came free: you are now booked for “{office_hours.title}”, {when}.",
            url=f"/office-hours/{office_hours.id}",
        )
        promotions.append(
            Promotion(
                person.id, person.name, person.email, office_hours.id, office_hours.title, when
            )
        )
    session.flush()
    return promotions


def add_seats(session: DbSession, office_hours: OfficeHoursSession, seats: int) -> list[Promotion]:
    """After the capacity grew by ``seats`` (session locked): the waitlist moves up first."""
    promotions = promote(session, office_hours, seats)
    if promotions:
        session.execute(
            update(OfficeHoursSession)
            .where(OfficeHoursSession.id == office_hours.id)
            .values(seats_taken=OfficeHoursSession.seats_taken + len(promotions))
            .execution_options(synchronize_session=False)
        )
    return promotions


def waitlist_position(session: DbSession, signup: OfficeHoursSignup) -> int:
    """1 for the first person waiting."""
    ahead = session.scalar(
        select(func.count(OfficeHoursSignup.id)).where(
            OfficeHoursSignup.session_id == signup.session_id,
            OfficeHoursSignup.status == WAITLISTED,
            (OfficeHoursSignup.queued_at < signup.queued_at)
            | (
                (OfficeHoursSignup.queued_at == signup.queued_at)
                & (OfficeHoursSignup.id < signup.id)
            ),
        )
    )
    return int(ahead or 0) + 1
