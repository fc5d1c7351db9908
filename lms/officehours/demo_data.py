"""The demo organisation's office hours: a weekly prompting clinic (the first one full, with a
waitlist), a session for customer support, and one last week with attendance and answers."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import exists, select

from lms.activity.service import record
from lms.database import DbSession
from lms.officehours.manage import SessionData, create_sessions
from lms.officehours.models import CONFIRMED, WAITLISTED, OfficeHoursSession, OfficeHoursSignup
from lms.officehours.seats import OBJECT_TYPE
from lms.officehours.times import occurrences
from lms.people.models import User, utcnow
from lms.people.services import find_user_by_email

HOST = "ada.author@example.com"  # the demo's learning lead and AI programme owner
ZONE = "Europe/London"
CLINIC_SEATS = 6
# The clinic's first session: six seats taken, two people waiting (the demo employee is not
# among them, so the demo shows "Join the waitlist").
FIRST_CLINIC = [
    "noah.dev@example.com",
    "hana.hr@example.com",
    "mia.fin@example.com",
    "ben.sales@example.com",
    "yusuf.cs@example.com",
    "ivy.ops@example.com",
    "lena.dev@example.com",
    "ella.mkt@example.com",
]
SECOND_CLINIC = ["eli.employee@example.com", "amy.sales@example.com", "tom.ops@example.com"]
PAST_PEOPLE = [
    ("mia.fin@example.com", "yes", "The variance commentary draft saved me an hour."),
    ("felix.fin@example.com", "yes", ""),
    ("ivy.ops@example.com", "somewhat", "Good, but I would like more on checking the numbers."),
    ("tom.ops@example.com", None, ""),
    ("hana.hr@example.com", "absent", ""),
]


def _data(
    title: str, topic: str, area: str, starts: list[datetime], **extra: object
) -> SessionData:
    values: dict[str, object] = {
        "title": title,
        "host_id": 0,
        "topic": topic,
        "area": area,
        "audience": [],
        "starts": starts,
        "time_zone": ZONE,
        "duration_minutes": 45,
        "online_url": "https://meet.example.com/ai-office-hours",
        "room": "Learning room, second floor",
        "capacity": CLINIC_SEATS,
        "every_days": 0,
    }
    values.update(extra)
    return SessionData(**values)  # type: ignore[arg-type]


def seed_office_hours(session: DbSession, today: date | None = None) -> None:
    """Once: a demo database with any office hours keeps them. ``today`` defaults to today
    (UTC). Flushes; the caller commits."""
    today = today or utcnow().date()
    if session.scalar(select(exists().where(OfficeHoursSession.id.is_not(None)))):
        return
    host = find_user_by_email(session, HOST)
    if host is None:
        return
    people = {
        user.email: user
        for user in session.scalars(select(User).where(User.email.like("%@example.com")))
    }
    tuesday = today + timedelta(days=(1 - today.weekday()) % 7 or 7)
    clinic = _data(
        "Prompting clinic: bring a real task",
        "Bring something from your week and we write, check and improve the prompt together.",
        "directing",
        occurrences(tuesday, time(14, 0), ZONE, 7, 4),
        every_days=7,
    )
    clinic.host_id = host.id
    series = create_sessions(session, clinic, host)
    _sign_up(session, series[0], [people[e] for e in FIRST_CLINIC if e in people])
    _sign_up(session, series[1], [people[e] for e in SECOND_CLINIC if e in people])
    support = _data(
        "Checking AI-drafted support replies",
        "How to check a drafted reply against the order system and the policy before sending.",
        "evaluating",
        occurrences(tuesday + timedelta(days=2), time(10, 30), ZONE, 0, 1),
        audience=["customer-support"],
        capacity=10,
    )
    support.host_id = host.id
    create_sessions(session, support, host)
    _past_session(session, host, today, people)
    session.flush()


def _sign_up(session: DbSession, office_hours: OfficeHoursSession, people: list[User]) -> None:
    """Sign-ups in order, as the service would give them: seats first, then the waitlist."""
    base = office_hours.starts_at - timedelta(days=3)
    for number, person in enumerate(people):
        status = CONFIRMED if number < office_hours.capacity else WAITLISTED
        at = base + timedelta(minutes=17 * number)
        session.add(
            OfficeHoursSignup(
                session_id=office_hours.id,
                user_id=person.id,
                status=status,
                queued_at=at,
                created_at=at,
            )
        )
        record(
            session,
            person.id,
            "signed-up",
            OBJECT_TYPE,
            str(office_hours.id),
            object_name=office_hours.title,
            context={"status": status},
            at=at,
        )
    office_hours.seats_taken = min(len(people), office_hours.capacity)


def _past_session(session: DbSession, host: User, today: date, people: dict[str, User]) -> None:
    start_day = today - timedelta(days=8)
    past = _data(
        "Spreadsheet formulas and commentary with AI",
        "Formulas, variance commentary and how to check the figures an assistant gives you.",
        "evaluating",
        occurrences(start_day, time(11, 0), ZONE, 0, 1),
        audience=["finance", "operations", "hr"],
    )
    past.host_id = host.id
    (office_hours,) = create_sessions(session, past, host)
    attendees = [people[email] for email, *_ in PAST_PEOPLE if email in people]
    _sign_up(session, office_hours, attendees)
    session.flush()
    answers = {email: (helpful, comment) for email, helpful, comment in PAST_PEOPLE}
    for signup in session.scalars(
        select(OfficeHoursSignup).where(OfficeHoursSignup.session_id == office_hours.id)
    ):
        person = session.get(User, signup.user_id)
        assert person is not None
        helpful, comment = answers[person.email]
        if helpful == "absent":
            continue
        signup.attended_at = office_hours.starts_at + timedelta(minutes=50)
        record(
            session,
            person.id,
            "attended",
            OBJECT_TYPE,
            str(office_hours.id),
            object_name=office_hours.title,
            at=office_hours.starts_at,
        )
        if helpful:
            signup.helpful, signup.comment = helpful, comment
            signup.answered_at = office_hours.starts_at + timedelta(hours=2)
            record(
                session,
                person.id,
                "responded",
                OBJECT_TYPE,
                str(office_hours.id),
                object_name=office_hours.title,
                result={"response": helpful},
                at=signup.answered_at,
            )
