"""Office hours: planning (validation, series), sign-up with capacity and a waitlist that moves up
when someone gives their seat back (also under concurrent sign-ups: one seat never given twice),
calendar files across a daylight-saving change, reminders once, attendance (access, events,
xAPI), "did this help?" once, audiences (404 outside), and fixed statement counts."""

from __future__ import annotations

import itertools
import logging
import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from icalendar import Calendar
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from lms.activity.models import VERBS, ActivityEvent
from lms.activity.service import statements
from lms.extensions import db
from lms.notifications.models import Notification
from lms.officehours.demo_data import (
    FIRST_CLINIC,
    HOST,
    PAST_PEOPLE,
    SECOND_CLINIC,
    seed_office_hours,
)
from lms.officehours.manage import SessionData, create_sessions
from lms.officehours.models import (
    CANCELLED,
    CONFIRMED,
    WAITLISTED,
    OfficeHoursSession,
    OfficeHoursSignup,
)
from lms.officehours.seats import sign_up
from lms.officehours.times import occurrences
from lms.people.models import User, utcnow
from lms.recognition.badges_format import parse_badges
from lms.recognition.rules import describe, evaluate, load_facts, needs_for
from tests.badge_helpers import SIMPLE_SVG
from tests.conftest import table_snapshot
from tests.learn_helpers import client_for, page, post

LATER = utcnow() + timedelta(days=10)
FORM: dict[str, Any] = {
    "title": "Prompting clinic",
    "topic": "Bring a real task",
    "area": "directing",
    "day": LATER.date().isoformat(),
    "start": "14:00",
    "time_zone": "Europe/Berlin",
    "duration": "45",
    "repeat": "0",
    "occurrences": "",
    "online_url": "https://meet.example.com/clinic",
    "room": "",
    "capacity": "3",
}


@pytest.fixture
def owner(make_user: Callable[..., User]) -> User:
    """An admin: always an AI programme owner."""
    return make_user(is_admin=True, name="Olga Owner")


@pytest.fixture
def host(make_user: Callable[..., User]) -> User:
    return make_user(is_author=True, name="Hugo Host")


def plan(
    app: Flask, host: User, *, starts: list[datetime] | None = None, **extra: Any
) -> list[int]:
    """Sessions planned through the service (any time, past ones too); their ids."""
    values: dict[str, Any] = {
        "title": "Clinic",
        "host_id": host.id,
        "topic": "Prompts",
        "area": "",
        "audience": [],
        "starts": starts or [utcnow() + timedelta(days=3)],
        "time_zone": "Europe/London",
        "duration_minutes": 45,
        "online_url": "https://meet.example.com/x",
        "room": "",
        "capacity": 3,
        "every_days": 0,
    }
    values.update(extra)
    with app.app_context():
        person = db.session.get(User, host.id)
        assert person is not None
        created = create_sessions(db.session, SessionData(**values), person)
        db.session.commit()
        ids = [item.id for item in created]
        db.session.remove()
    return ids


def statuses(app: Flask, session_id: int) -> list[tuple[int, str]]:
    with app.app_context():
        rows = db.session.execute(
            select(OfficeHoursSignup.user_id, OfficeHoursSignup.status)
            .where(OfficeHoursSignup.session_id == session_id)
            .order_by(OfficeHoursSignup.queued_at, OfficeHoursSignup.id)
        ).all()
        db.session.remove()
    return [(user_id, status) for user_id, status in rows]


def seats_taken(app: Flask, session_id: int) -> int:
    with app.app_context():
        found = db.session.get(OfficeHoursSession, session_id)
        assert found is not None
        taken = found.seats_taken
        db.session.remove()
    return taken


# ------------------------------------------------------------------------------------ planning


def test_planning_validates_and_rerenders_without_writing(
    app: Flask, owner: User, host: User, make_user: Callable[..., User]
) -> None:
    client = client_for(app, owner)
    employee = make_user()
    before = table_snapshot(app)
    bad = {
        **FORM,
        "host_email": employee.email,  # an employee may not host
        "online_url": "javascript:alert(1)",
        "capacity": "0",
        "title": "",
        "repeat": "7",
    }
    response = post(client, "/office-hours/new", bad)
    text = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Give the session a title." in text
    assert "starting with https://" in text
    assert "From 1 to 500 seats." in text
    assert "Say how many sessions the series has." in text
    past = {**FORM, "host_email": host.email, "day": "2020-01-07"}
    response = post(client, "/office-hours/new", past)
    assert response.status_code == 400
    assert "Pick a time in the future." in response.get_data(as_text=True)
    # 02:30 on the day summer time starts in Berlin does not exist.
    gap = {**FORM, "host_email": host.email, "day": "2030-03-31", "start": "02:30"}
    response = post(client, "/office-hours/new", gap)
    assert response.status_code == 400
    assert "the clocks go forward" in response.get_data(as_text=True)
    assert table_snapshot(app) == before
    # An employee may not plan at all.
    assert client_for(app, employee).get("/office-hours/new").status_code == 403


def test_a_series_plans_every_session_at_the_same_local_time(
    app: Flask, owner: User, host: User
) -> None:
    client = client_for(app, owner)
    response = post(
        client,
        "/office-hours/new",
        {
            **FORM,
            "host_email": host.email,
            "repeat": "14",
            "occurrences": "3",
            "audience": ["finance", "sales"],
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    edit_page = page(client, f"{response.headers['Location']}/edit")
    assert 'value="finance" checked' in edit_page and 'value="sales" checked' in edit_page
    assert 'value="hr" checked' not in edit_page
    with app.app_context():
        sessions = list(
            db.session.scalars(select(OfficeHoursSession).order_by(OfficeHoursSession.starts_at))
        )
        assert len(sessions) == 3
        assert {item.series_id for item in sessions} != {None}
        assert len({item.series_id for item in sessions}) == 1
        assert [item.host_id for item in sessions] == [host.id] * 3
        gaps = {
            (b.starts_at.date() - a.starts_at.date()).days for a, b in itertools.pairwise(sessions)
        }
        assert gaps == {14}
        db.session.remove()


# ------------------------------------------------------------------------- seats and waitlist


def test_capacity_waitlist_and_promotion(
    app: Flask, host: User, make_user: Callable[..., User], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="lms.mail")
    (session_id,) = plan(app, host, capacity=2)
    people = [make_user(name=f"Learner {n}") for n in range(4)]
    clients = [client_for(app, person) for person in people]
    for client in clients:
        assert post(client, f"/office-hours/{session_id}/sign-up").status_code == 303
    # A second click keeps the first sign-up.
    assert post(clients[0], f"/office-hours/{session_id}/sign-up").status_code == 303
    assert statuses(app, session_id) == [
        (people[0].id, CONFIRMED),
        (people[1].id, CONFIRMED),
        (people[2].id, WAITLISTED),
        (people[3].id, WAITLISTED),
    ]
    assert "You are number 2 on the waitlist" in page(clients[3], f"/office-hours/{session_id}")
    assert "Join the waitlist" in page(make_client(app, make_user), f"/office-hours/{session_id}")
    # The first person gives their seat back: the first person waiting gets it.
    assert post(clients[0], f"/office-hours/{session_id}/leave").status_code == 303
    assert statuses(app, session_id) == [
        (people[0].id, CANCELLED),
        (people[1].id, CONFIRMED),
        (people[2].id, CONFIRMED),
        (people[3].id, WAITLISTED),
    ]
    assert seats_taken(app, session_id) == 2
    assert "You are number 1 on the waitlist" in page(clients[3], f"/office-hours/{session_id}")
    with app.app_context():
        note = db.session.scalar(select(Notification).where(Notification.user_id == people[2].id))
        assert note is not None and "A seat came free" in note.text
        db.session.remove()
    mails = [r.getMessage() for r in caplog.records if r.name == "lms.mail"]
    assert any(people[2].email in mail and "You have a seat" in mail for mail in mails)
    # A waitlisted person leaving frees no seat; a confirmed one with nobody waiting does.
    assert post(clients[3], f"/office-hours/{session_id}/leave").status_code == 303
    assert post(clients[1], f"/office-hours/{session_id}/leave").status_code == 303
    assert seats_taken(app, session_id) == 1
    # Signing up again queues at the end (here: a free seat).
    assert post(clients[0], f"/office-hours/{session_id}/sign-up").status_code == 303
    assert seats_taken(app, session_id) == 2


def make_client(app: Flask, make_user: Callable[..., User]) -> FlaskClient:
    return client_for(app, make_user())


@pytest.mark.parametrize("people", [9])
def test_concurrent_sign_ups_never_give_a_seat_twice(
    app: Flask, host: User, make_user: Callable[..., User], people: int
) -> None:
    (session_id,) = plan(app, host, capacity=3)
    learners = [make_user() for _ in range(people)]
    barrier = threading.Barrier(people)
    errors: list[BaseException] = []

    def take(person: User) -> None:
        try:
            with app.app_context():
                user = db.session.get(User, person.id)
                assert user is not None
                barrier.wait(timeout=30)
                sign_up(db.session, session_id, user)
                db.session.commit()
                db.session.remove()
        except BaseException as error:  # reported below, with the thread's own traceback
            errors.append(error)

    workers = [threading.Thread(target=take, args=(person,)) for person in learners]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert not errors, errors
    rows = statuses(app, session_id)
    assert len(rows) == people  # nobody lost
    assert {user_id for user_id, _ in rows} == {person.id for person in learners}
    assert [status for _, status in rows] == [CONFIRMED] * 3 + [WAITLISTED] * (people - 3)
    assert seats_taken(app, session_id) == 3
    with app.app_context():
        events = db.session.scalar(
            select(func.count(ActivityEvent.id)).where(ActivityEvent.verb == "signed-up")
        )
        db.session.remove()
    assert events == people


def test_the_database_refuses_more_seats_than_the_capacity(app: Flask, host: User) -> None:
    (session_id,) = plan(app, host, capacity=1)
    with app.app_context():
        found = db.session.get(OfficeHoursSession, session_id)
        assert found is not None
        found.seats_taken = 2
        with pytest.raises(IntegrityError, match=r"(?i)check|constraint"):
            db.session.commit()
        db.session.rollback()
        db.session.remove()


def test_capacity_changes_move_the_waitlist_up_and_refuse_too_few_seats(
    app: Flask, owner: User, host: User, make_user: Callable[..., User]
) -> None:
    (session_id,) = plan(app, host, capacity=1)
    people = [make_user() for _ in range(3)]
    for person in people:
        assert (
            post(client_for(app, person), f"/office-hours/{session_id}/sign-up").status_code == 303
        )
    hosting = client_for(app, host)
    form = {**FORM, "time_zone": "Europe/London", "capacity": "0"}
    del form["repeat"], form["occurrences"]
    start = (utcnow() + timedelta(days=3)).replace(tzinfo=UTC).astimezone()
    form["day"] = start.date().isoformat()
    response = post(hosting, f"/office-hours/{session_id}/edit", {**form, "capacity": "0"})
    assert response.status_code == 400
    assert seats_taken(app, session_id) == 1
    response = post(hosting, f"/office-hours/{session_id}/edit", {**form, "capacity": "2"})
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    assert [status for _, status in statuses(app, session_id)] == [CONFIRMED, CONFIRMED, WAITLISTED]
    assert seats_taken(app, session_id) == 2
    # Someone else's session: 404 for another author; the programme owner may change it.
    other = make_user(is_author=True)
    assert client_for(app, other).get(f"/office-hours/{session_id}/edit").status_code == 404
    assert client_for(app, owner).get(f"/office-hours/{session_id}/edit").status_code == 200


def test_cancelling_a_series_cancels_what_is_to_come_and_tells_people(
    app: Flask, host: User, make_user: Callable[..., User]
) -> None:
    starts = occurrences(date.today() + timedelta(days=2), time(9, 0), "Europe/London", 7, 3)
    ids = plan(app, host, starts=starts, every_days=7)
    person = make_user()
    assert post(client_for(app, person), f"/office-hours/{ids[1]}/sign-up").status_code == 303
    response = post(client_for(app, host), f"/office-hours/{ids[0]}/cancel-series")
    assert response.status_code == 303
    with app.app_context():
        cancelled = db.session.scalars(
            select(OfficeHoursSession.cancelled_at).where(OfficeHoursSession.id.in_(ids))
        )
        assert all(value is not None for value in cancelled)
        note = db.session.scalar(select(Notification.text).where(Notification.user_id == person.id))
        assert note is not None and "is cancelled" in note
        db.session.remove()
    response = post(client_for(app, person), f"/office-hours/{ids[2]}/sign-up")
    assert response.status_code == 303
    assert statuses(app, ids[2]) == []


# ------------------------------------------------------------------------------ calendar files


def test_calendar_file_of_a_weekly_series_across_the_daylight_saving_change(
    app: Flask, host: User, make_user: Callable[..., User]
) -> None:
    starts = occurrences(date(2026, 10, 20), time(14, 0), "Europe/Berlin", 7, 2)
    ids = plan(
        app, host, starts=starts, every_days=7, time_zone="Europe/Berlin", title="Zürich Ärger"
    )
    client = client_for(app, make_user())
    with app.app_context():
        series_id = db.session.get(OfficeHoursSession, ids[0]).series_id  # type: ignore[union-attr]
        db.session.remove()
    response = client.get(f"/office-hours/series/{series_id}/calendar.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "\n" not in disposition
    calendar = Calendar.from_ical(response.data)
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Berlin"]
    events = calendar.walk("VEVENT")
    assert [event["DTSTART"].params["TZID"] for event in events] == ["Europe/Berlin"] * 2
    in_utc = [utc_of(event, "DTSTART") for event in events]
    assert in_utc == [
        datetime(2026, 10, 20, 12, 0, tzinfo=UTC),
        datetime(2026, 10, 27, 13, 0, tzinfo=UTC),
    ]
    ends = [utc_of(event, "DTEND") - start for event, start in zip(events, in_utc, strict=True)]
    assert ends == [timedelta(minutes=45)] * 2
    single = client.get(f"/office-hours/{ids[1]}/calendar.ics")
    assert len(Calendar.from_ical(single.data).walk("VEVENT")) == 1


def utc_of(event: Any, key: str) -> datetime:
    """A date-time property of an event as the calendar application reads it, in UTC."""
    value = event.decoded(key)
    assert isinstance(value, datetime) and value.tzinfo is not None
    return value.astimezone(UTC)


# ----------------------------------------------------------------------------------- reminders


def test_reminders_go_once_to_confirmed_people_of_sessions_within_a_day(
    app: Flask, host: User, make_user: Callable[..., User], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="lms.mail")
    (soon,) = plan(app, host, starts=[utcnow() + timedelta(hours=5)], capacity=2)
    (later,) = plan(app, host, starts=[utcnow() + timedelta(hours=30)])
    people = [make_user() for _ in range(3)]
    for person in people:
        for session_id in (soon, later):
            post(client_for(app, person), f"/office-hours/{session_id}/sign-up")
    runner = app.test_cli_runner()
    first = runner.invoke(args=["lms", "office-hours", "remind"])
    assert first.exit_code == 0, first.output
    assert "Sent 2 office-hours reminder(s)." in first.output
    second = runner.invoke(args=["lms", "office-hours", "remind"])
    assert "Sent 0 office-hours reminder(s)." in second.output
    mails = [r.getMessage() for r in caplog.records if "subject=Reminder:" in r.getMessage()]
    assert sorted(mail.split()[1] for mail in mails) == sorted(
        f"to={person.email}" for person in people[:2]
    )  # the waitlisted third person gets none
    with app.app_context():
        notes = db.session.scalar(
            select(func.count(Notification.id)).where(Notification.text.like("Reminder:%"))
        )
        db.session.remove()
    assert notes == 2
    # Ten hours later the other session starts within a day: its three seats are reminded.
    moment = (utcnow() + timedelta(hours=10)).isoformat(timespec="minutes")
    third = runner.invoke(args=["lms", "office-hours", "remind", "--now", moment])
    assert "Sent 3 office-hours reminder(s)." in third.output


# ------------------------------------------------------------------ attendance and "did it help"


def test_attendance_by_the_host_records_events_and_xapi(
    app: Flask, owner: User, host: User, make_user: Callable[..., User]
) -> None:
    (future,) = plan(app, host, starts=[utcnow() + timedelta(days=1)])
    (session_id,) = plan(app, host, starts=[utcnow() + timedelta(seconds=2)])
    came, absent = make_user(), make_user()
    for person in (came, absent):
        for target in (future, session_id):
            assert (
                post(client_for(app, person), f"/office-hours/{target}/sign-up").status_code == 303
            )
    hosting = client_for(app, host)
    assert "once the session has started" in page(hosting, f"/office-hours/{future}/attendance")
    # Only the host (and admins) see attendance; others 404.
    for other in (came, make_user(is_author=True)):
        assert (
            client_for(app, other).get(f"/office-hours/{session_id}/attendance").status_code == 404
        )
    with app.app_context():
        found = db.session.get(OfficeHoursSession, session_id)
        assert found is not None
        found.starts_at = utcnow() - timedelta(minutes=30)  # it has started
        signups = {
            row[0]: row[1]
            for row in db.session.execute(
                select(OfficeHoursSignup.user_id, OfficeHoursSignup.id).where(
                    OfficeHoursSignup.session_id == session_id
                )
            )
        }
        db.session.commit()
        db.session.remove()
    assert client_for(app, owner).get(f"/office-hours/{session_id}/attendance").status_code == 200
    url = f"/office-hours/{session_id}/attendance"
    assert post(hosting, url, {"present": "999999"}).status_code == 400  # not someone signed up
    assert hosting.post(url, data={"present": str(signups[came.id])}).status_code == 400  # no CSRF
    assert post(hosting, url, {"present": str(signups[came.id])}).status_code == 303
    assert post(hosting, url, {"present": str(signups[came.id])}).status_code == 303  # again: once
    with app.app_context():
        events = db.session.execute(
            select(ActivityEvent.user_id, ActivityEvent.verb).where(
                ActivityEvent.verb == "attended"
            )
        ).all()
        exported = list(statements(db.session, "http://localhost", user_ids=[came.id]))
        db.session.remove()
    assert events == [(came.id, "attended")]
    verbs = {item["verb"]["id"] for item in exported}
    assert VERBS["attended"] == "http://adlnet.gov/expapi/verbs/attended"
    assert {VERBS["signed-up"], VERBS["attended"]} <= verbs
    meeting = [item for item in exported if item["verb"]["id"] == VERBS["attended"]]
    assert meeting[0]["object"]["definition"]["type"].endswith("/activities/meeting")
    assert meeting[0]["object"]["id"] == f"http://localhost/xapi/office-hours/{session_id}"


def test_did_this_help_once_and_only_after_attending(
    app: Flask, host: User, make_user: Callable[..., User]
) -> None:
    (session_id,) = plan(app, host, starts=[utcnow() + timedelta(seconds=2)])
    came, absent = make_user(), make_user()
    for person in (came, absent):
        assert (
            post(client_for(app, person), f"/office-hours/{session_id}/sign-up").status_code == 303
        )
    with app.app_context():
        found = db.session.get(OfficeHoursSession, session_id)
        assert found is not None
        found.starts_at = utcnow() - timedelta(hours=1)
        signup = db.session.scalar(
            select(OfficeHoursSignup).where(OfficeHoursSignup.user_id == came.id)
        )
        assert signup is not None
        signup_id = signup.id
        db.session.commit()
        db.session.remove()
    post(
        client_for(app, host), f"/office-hours/{session_id}/attendance", {"present": str(signup_id)}
    )
    client = client_for(app, came)
    url = f"/office-hours/{session_id}/feedback"
    assert "Did this help?" in page(client, f"/office-hours/{session_id}")
    response = post(client, url, {"helpful": "maybe", "comment": "x" * 501})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "Keep it under 500 characters." in text and "Not a valid choice" in text
    assert post(client, url, {"helpful": "yes", "comment": "<b>Great</b>"}).status_code == 303
    assert post(client, url, {"helpful": "no"}).status_code == 303  # refused: answered already
    assert post(client_for(app, absent), url, {"helpful": "no"}).status_code == 303  # refused
    with app.app_context():
        answers = db.session.execute(
            select(OfficeHoursSignup.user_id, OfficeHoursSignup.helpful).where(
                OfficeHoursSignup.helpful.is_not(None)
            )
        ).all()
        db.session.remove()
    assert answers == [(came.id, "yes")]
    host_view = page(client_for(app, host), f"/office-hours/{session_id}/attendance")
    assert "&lt;b&gt;Great&lt;/b&gt;" in host_view and "<b>Great</b>" not in host_view


# ------------------------------------------------------------------------------------ audience


def test_sessions_for_some_functions_are_invisible_to_others(
    app: Flask, owner: User, host: User, make_user: Callable[..., User]
) -> None:
    (session_id,) = plan(app, host, audience=["finance"], title="Finance only")
    finance = client_for(app, make_user(job_function="finance"))
    engineer = client_for(app, make_user(job_function="engineering"))
    assert "Finance only" in page(finance, "/office-hours/")
    assert "Finance only" not in page(engineer, "/office-hours/")
    for url in (f"/office-hours/{session_id}", f"/office-hours/{session_id}/calendar.ics"):
        assert engineer.get(url).status_code == 404
    assert post(engineer, f"/office-hours/{session_id}/sign-up").status_code == 404
    assert statuses(app, session_id) == []
    # The host and the programme owners see it whatever their function.
    assert client_for(app, host).get(f"/office-hours/{session_id}").status_code == 200
    assert client_for(app, owner).get(f"/office-hours/{session_id}").status_code == 200


def test_filters_and_my_sessions(app: Flask, host: User, make_user: Callable[..., User]) -> None:
    plan(app, host, title="Spreadsheet help", area="evaluating")
    (mine,) = plan(app, host, title="Prompt clinic", area="directing")
    person = make_user()
    client = client_for(app, person)
    post(client, f"/office-hours/{mine}/sign-up")
    listing = page(client, "/office-hours/?q=spread")
    assert "Spreadsheet help" in listing and "Prompt clinic" not in listing
    listing = page(client, "/office-hours/?area=directing")
    assert "Prompt clinic" in listing and "Spreadsheet help" not in listing
    own = page(client, "/office-hours/mine")
    assert "Prompt clinic" in own and "You have a seat" in own and "Spreadsheet help" not in own
    assert "(Europe/London)" in own


# ----------------------------------------------------------------------------- statement counts


def test_pages_run_a_fixed_number_of_statements(
    app: Flask,
    owner: User,
    host: User,
    make_user: Callable[..., User],
    count_statements: Callable[[], Any],
) -> None:
    (first,) = plan(app, host, audience=["engineering"])
    person = make_user()
    client = client_for(app, person)
    hosting = client_for(app, host)
    post(client, f"/office-hours/{first}/sign-up")

    def measure() -> list[int]:
        counts = []
        for who, url in (
            (client, "/office-hours/"),
            (client, "/office-hours/?q=clinic&area=directing"),
            (client, "/office-hours/mine"),
            (client, f"/office-hours/{first}"),
            (hosting, "/office-hours/hosting"),
            (hosting, f"/office-hours/{first}/attendance"),
            (hosting, f"/office-hours/{first}"),
        ):
            assert who.get(url).status_code == 200, url
            with count_statements() as counter:
                assert who.get(url).status_code == 200, url
            counts.append(counter.count)
        return counts

    few = measure()
    for _ in range(6):
        (extra,) = plan(app, host, audience=["engineering", "sales"], capacity=1)
        for _ in range(2):
            post(client_for(app, make_user()), f"/office-hours/{extra}/sign-up")
        post(client, f"/office-hours/{extra}/sign-up")
    for _ in range(4):
        post(client_for(app, make_user()), f"/office-hours/{first}/sign-up")
    assert measure() == few
    # The session lookup, the programme owner check, then at most four of the page's own.
    assert max(few) <= 6, few


# ------------------------------------------------------------------------ badges and demo data


def test_the_office_hours_badge_rule_counts_marked_attendance(
    app: Flask, host: User, make_user: Callable[..., User]
) -> None:
    files = {
        "regular.md": b"---\nname: Regular\ndescription: D.\nimage: regular.svg\ncriteria:\n"
        b"  type: office-hours-attended\n  count: 2\n---\n\nCome twice.\n",
        "regular.svg": SIMPLE_SVG.format(name="Regular", colour="#000").encode(),
    }
    badges, problems = parse_badges(files)
    assert problems == [] and badges[0].criteria == {"type": "office-hours-attended", "count": 2}
    files["regular.md"] = files["regular.md"].replace(b"count: 2", b"count: 0")
    _, problems = parse_badges(files, display_root="")
    assert [str(p) for p in problems] == [
        "regular.md:7: 'count' must be a whole number from 1 to 50"
    ]
    person = make_user()
    ids = plan(app, host, starts=[utcnow() + timedelta(seconds=2)] * 2)
    for session_id in ids:
        assert (
            post(client_for(app, person), f"/office-hours/{session_id}/sign-up").status_code == 303
        )
    rule = {"type": "office-hours-attended", "count": 2}
    with app.app_context():
        for found in db.session.scalars(
            select(OfficeHoursSession).where(OfficeHoursSession.id.in_(ids))
        ):
            found.starts_at = utcnow() - timedelta(minutes=5)
        db.session.commit()
        signups = list(db.session.scalars(select(OfficeHoursSignup.id)))
        db.session.remove()
    hosting = client_for(app, host)
    post(hosting, f"/office-hours/{ids[0]}/attendance", {"present": str(signups[0])})
    with app.app_context():
        assert (
            evaluate(rule, load_facts(db.session, [person.id], needs_for([rule]))[person.id])
            is None
        )
        db.session.remove()
    post(hosting, f"/office-hours/{ids[1]}/attendance", {"present": str(signups[1])})
    with app.app_context():
        facts = load_facts(db.session, [person.id], needs_for([rule]))[person.id]
        db.session.remove()
    assert evaluate(rule, facts) == {"office_hours_attended": 2}
    assert describe(rule) == "Attend 2 office hours sessions"


def test_demo_office_hours(app: Flask, make_user: Callable[..., User]) -> None:
    emails = {HOST, *FIRST_CLINIC, *SECOND_CLINIC, *(email for email, *_ in PAST_PEOPLE)}
    for email in sorted(emails):
        make_user(email=email, is_author=email == HOST)
    today = date(2026, 12, 3)
    with app.app_context():
        seed_office_hours(db.session, today)
        seed_office_hours(db.session, today)  # a second run changes nothing
        db.session.commit()
        sessions = list(
            db.session.scalars(select(OfficeHoursSession).order_by(OfficeHoursSession.starts_at))
        )
        counts = {
            (session_id, status): count
            for session_id, status, count in db.session.execute(
                select(
                    OfficeHoursSignup.session_id, OfficeHoursSignup.status, func.count()
                ).group_by(OfficeHoursSignup.session_id, OfficeHoursSignup.status)
            )
        }
        attended = db.session.scalar(
            select(func.count()).where(OfficeHoursSignup.attended_at.is_not(None))
        )
        answered = db.session.scalar(
            select(func.count()).where(OfficeHoursSignup.answered_at.is_not(None))
        )
        db.session.remove()
    assert len(sessions) == 6  # last week's, the clinic's four, the support team's
    past, clinic = sessions[0], sessions[1]
    assert past.starts_at.date() < today < clinic.starts_at.date()
    assert counts[(clinic.id, CONFIRMED)] == clinic.capacity == clinic.seats_taken
    assert counts[(clinic.id, WAITLISTED)] == 2
    assert (attended, answered) == (4, 3)
