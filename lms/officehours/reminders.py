"""Reminders before a session, in-app and by email, once per person and session."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from lms.database import DbSession
from lms.mail import Mail
from lms.notifications.service import notify
from lms.officehours.models import CONFIRMED, OfficeHoursSession, OfficeHoursSignup
from lms.officehours.times import when_text
from lms.officehours.vocabulary import REMIND_WITHIN_HOURS
from lms.people.models import User


@dataclass(frozen=True)
class Reminder:
    signup_id: int
    user_id: int
    name: str
    email: str
    session_id: int
    title: str
    when: str
    where: str


def due_reminders(session: DbSession, now: datetime) -> list[Reminder]:
    """Confirmed, active people of sessions starting within the next day, not yet reminded,
    soonest first (one statement; nothing is claimed here)."""
    rows = session.execute(
        select(OfficeHoursSignup.id, User.id, User.name, User.email, OfficeHoursSession)
        .join(User, User.id == OfficeHoursSignup.user_id)
        .join(OfficeHoursSession, OfficeHoursSession.id == OfficeHoursSignup.session_id)
        .where(
            OfficeHoursSignup.status == CONFIRMED,
            OfficeHoursSignup.reminded_at.is_(None),
            OfficeHoursSession.cancelled_at.is_(None),
            OfficeHoursSession.starts_at > now,
            OfficeHoursSession.starts_at <= now + timedelta(hours=REMIND_WITHIN_HOURS),
            User.active.is_(True),
        )
        .order_by(OfficeHoursSession.starts_at, OfficeHoursSignup.id)
    ).all()
    return [
        Reminder(
            signup_id,
            user_id,
            name,
            email,
            office_hours.id,
            office_hours.title,
            when_text(
                office_hours.starts_at, office_hours.duration_minutes, office_hours.time_zone
            ),
            office_hours.room or office_hours.online_url,
        )
        for signup_id, user_id, name, email, office_hours in rows
    ]


def claim_reminder(session: DbSession, reminder: Reminder, now: datetime) -> bool:
    """Claim one reminder and write its notification (flush only). A conditional UPDATE: False
    when another run claimed it first, so nobody is reminded twice for a session. The caller
    commits once the email was handed over, or rolls back (the next run tries again)."""
    claimed = session.execute(
        update(OfficeHoursSignup)
        .where(
            OfficeHoursSignup.id == reminder.signup_id,
            OfficeHoursSignup.reminded_at.is_(None),
            OfficeHoursSignup.status == CONFIRMED,
        )
        .values(reminded_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(claimed, "rowcount", 0) != 1:
        return False
    notify(
        session,
        reminder.user_id,
        "office-hours",
        f"Reminder: “{reminder.title}”, {reminder.when}.",
        url=f"/office-hours/{reminder.session_id}",
    )
    return True


def reminder_mail(reminder: Reminder, base_url: str) -> Mail:
    page = f"{base_url.rstrip('/')}/office-hours/{reminder.session_id}"
    body = (
        f"Hello {reminder.name},\n\n"
        f"A reminder of the office hours you signed up for:\n\n"
        f"{reminder.title}\n{reminder.when}\n"
        + (f"Where: {reminder.where}\n" if reminder.where else "")
        + f"\nDetails, calendar invitation, or give your seat to someone else: {page}\n"
    )
    return Mail(to=reminder.email, subject=f"Reminder: {reminder.title}", body=body)


def promotion_mail(name: str, email: str, title: str, when: str, page: str) -> Mail:
    body = (
        f"Hello {name},\n\nA seat came free and it is yours: you are now booked for "
        f"“{title}”, {when}.\n\nDetails and the calendar invitation: {page}\n"
        "If you cannot come any more, please give the seat back on that page so the next "
        "person can have it.\n"
    )
    return Mail(to=email, subject=f"You have a seat: {title}", body=body)
