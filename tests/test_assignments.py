"""Assigning courses: scope (subtree only, 404 outside), enrolments, notifications, completion,
overdue, the manager's list and its statement count."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from lms.assignments.models import Assignment
from lms.extensions import db
from lms.learn.models import Enrolment
from lms.notifications.models import Notification
from lms.people.models import User, utcnow
from tests.conftest import table_snapshot
from tests.learn_helpers import (
    complete_modules,
    course_id,
    enrol,
    page,
    post,
    publish_spec,
    sentinel_course,
    start_quiz,
    submit,
)

SLUG = "sentinel-course"


@dataclass
class Org:
    boss: User  # manager of ann and bob
    ann: User  # manager of cat
    bob: User
    cat: User
    outsider: User  # reports to someone else
    other_boss: User


@pytest.fixture
def org(app: Flask, make_user: Callable[..., User], tmp_path: Path) -> Org:
    publish_spec(app, tmp_path, sentinel_course(SLUG))
    boss = make_user(name="Bea Boss", title="Head of Platform")
    ann = make_user(name="Ann Lead", manager=boss)
    bob = make_user(name="Bob Dev", manager=boss)
    cat = make_user(name="Cat Dev", manager=ann)
    other_boss = make_user(name="Olga Other")
    outsider = make_user(name="Otto Outside", manager=other_boss)
    return Org(boss, ann, bob, cat, outsider, other_boss)


def in_days(days: int) -> str:
    return (utcnow().date() + timedelta(days=days)).isoformat()


def assign(client: FlaskClient, **fields: Any) -> Any:
    data: dict[str, Any] = {
        "course": SLUG,
        "scope": "selected",
        "due_on": in_days(14),
        "note": "Please finish before the launch.",
    }
    data.update(fields)
    return post(client, "/assignments/new", data)


def assignments(app: Flask) -> list[Assignment]:
    with app.app_context():
        rows = list(db.session.scalars(select(Assignment).order_by(Assignment.user_id)))
        for row in rows:
            db.session.expunge(row)
        db.session.remove()
    return rows


def enrolment_of(app: Flask, user: User) -> Enrolment | None:
    with app.app_context():
        row = db.session.scalar(select(Enrolment).where(Enrolment.user_id == user.id))
        if row is not None:
            db.session.expunge(row)
        db.session.remove()
    return row


def test_a_manager_assigns_chosen_people_in_the_subtree(
    app: Flask, org: Org, logged_in: Callable[[User], FlaskClient]
) -> None:
    client = logged_in(org.boss)
    form = page(client, "/assignments/new")
    assert "Ann Lead" in form and "Bob Dev" in form  # direct reports as checkboxes
    assert "Otto Outside" not in form

    response = assign(client, people=[org.bob.id], emails=org.cat.email.upper())
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    rows = assignments(app)
    assert [row.user_id for row in rows] == sorted([org.bob.id, org.cat.id])
    for row in rows:
        assert row.assigned_by_id == org.boss.id
        assert row.due_on == utcnow().date() + timedelta(days=14)
        assert row.note == "Please finish before the launch."
        assert row.completed_at is None
    enrolment = enrolment_of(app, org.bob)
    assert enrolment is not None and enrolment.source == "assigned"
    assert enrolment.assigned_by_id == org.boss.id
    assert enrolment.due_at == datetime.combine(rows[0].due_on, datetime.max.time()).replace(
        microsecond=0
    )
    with app.app_context():
        notes = db.session.scalars(select(Notification).where(Notification.kind == "assignment"))
        texts = {n.user_id: n.text for n in notes}
    assert set(texts) == {org.bob.id, org.cat.id}
    assert "Bea Boss assigned you" in texts[org.bob.id] and "before the launch" in texts[org.bob.id]

    listing = page(client, "/assignments/")
    assert "Bob Dev" in listing and "Cat Dev" in listing and "Open" in listing

    # The learner sees it on the home page and in the catalog, with the due date.
    learner = app.test_client()
    assert (
        learner.post(
            "/login",
            data={
                "email": org.bob.email,
                "password": "correct horse battery staple",
                "csrf_token": _token(learner),
            },
        ).status_code
        == 302
    )
    due = (utcnow().date() + timedelta(days=14)).strftime("%d %b %Y")
    home = page(learner, "/")
    assert "Assigned to you" in home and f"due {due}" in home
    assert f"Assigned · due {due}" in page(learner, "/courses")


def _token(client: FlaskClient) -> str:
    from tests.conftest import csrf_token

    return csrf_token(client, "/login")


@pytest.mark.parametrize("how", ["id", "email"])
def test_someone_outside_the_subtree_is_404_and_nothing_is_assigned(
    app: Flask, org: Org, logged_in: Callable[[User], FlaskClient], how: str
) -> None:
    client = logged_in(org.boss)
    before = table_snapshot(app)
    if how == "id":
        response = assign(client, people=[org.bob.id, org.outsider.id])
    else:
        response = assign(client, people=[org.bob.id], emails=f"{org.outsider.email}")
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert "Otto" not in body
    after = table_snapshot(app)
    assert after == before
    # An unknown address is treated the same way (existence is not confirmed).
    response = assign(client, emails="nobody@example.com")
    assert response.status_code == 404
    assert table_snapshot(app) == before


def test_the_manager_themself_is_outside_their_subtree(
    app: Flask, org: Org, logged_in: Callable[[User], FlaskClient]
) -> None:
    client = logged_in(org.ann)
    assert assign(client, people=[org.boss.id]).status_code == 404
    assert assign(client, emails=org.ann.email).status_code == 404
    assert assignments(app) == []


def test_direct_reports_and_whole_subtree(
    app: Flask, org: Org, logged_in: Callable[[User], FlaskClient]
) -> None:
    client = logged_in(org.boss)
    assert assign(client, scope="direct").status_code == 302
    assert {row.user_id for row in assignments(app)} == {org.ann.id, org.bob.id}
    assert assign(client, scope="subtree", due_on=in_days(30)).status_code == 302
    rows = assignments(app)
    assert {row.user_id for row in rows} == {org.ann.id, org.bob.id, org.cat.id}
    assert {row.due_on for row in rows} == {utcnow().date() + timedelta(days=30)}


def test_people_without_reports_cannot_assign(
    app: Flask, org: Org, logged_in: Callable[[User], FlaskClient]
) -> None:
    client = logged_in(org.bob)
    assert client.get("/assignments/").status_code == 403
    assert client.get("/assignments/new").status_code == 403
    response = post(client, "/assignments/new", {"course": SLUG, "scope": "direct"})
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"course": ""}, "Choose a course."),
        ({"course": "no-such-course"}, "Not a valid choice"),
        ({"due_on": ""}, "Enter a due date."),
        ({"due_on": "2001-01-01"}, "The due date cannot be in the past."),
        ({"note": "x" * 501}, "Keep the note under 500 characters."),
        ({}, "Choose at least one person."),
        ({"emails": "not-an-address"}, "Not an email address"),
    ],
)
def test_bad_forms_re_render_with_messages_and_change_nothing(
    app: Flask,
    org: Org,
    logged_in: Callable[[User], FlaskClient],
    fields: dict[str, str],
    message: str,
) -> None:
    client = logged_in(org.boss)
    before = table_snapshot(app)
    data = {"people": [org.bob.id], **fields} if fields else {}
    response = assign(client, **data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert table_snapshot(app) == before


def test_form_without_csrf_token_is_refused(
    app: Flask, org: Org, logged_in: Callable[[User], FlaskClient]
) -> None:
    client = logged_in(org.boss)
    response = client.post(
        "/assignments/new",
        data={"course": SLUG, "scope": "direct", "due_on": in_days(3)},
    )
    assert response.status_code == 400
    assert assignments(app) == []


def test_a_voluntary_enrolment_keeps_its_history_and_becomes_assigned(
    app: Flask, org: Org, logged_in: Callable[[User], FlaskClient], tmp_path: Path
) -> None:
    learner = logged_in(org.bob)
    enrol(learner, SLUG)
    post(learner, f"/courses/{SLUG}/first-steps/read")
    before = enrolment_of(app, org.bob)
    assert before is not None and before.source == "self"
    post(learner, "/logout")

    boss = app.test_client()
    from tests.conftest import login

    assert login(boss, org.boss.email).status_code == 302
    assert assign(boss, people=[org.bob.id]).status_code == 302
    after = enrolment_of(app, org.bob)
    assert after is not None
    assert after.id == before.id and after.enrolled_at == before.enrolled_at
    assert after.last_module_id == before.last_module_id  # progress kept
    assert after.source == "assigned" and after.due_at is not None
    with app.app_context():
        enrolled_events = db.session.scalar(
            select(func.count()).select_from(Enrolment).where(Enrolment.user_id == org.bob.id)
        )
    assert enrolled_events == 1


def test_completion_is_mirrored_and_a_completed_course_counts_as_done(
    app: Flask, org: Org, logged_in: Callable[[User], FlaskClient]
) -> None:
    spec = sentinel_course(SLUG)
    boss = logged_in(org.boss)
    assert assign(boss, people=[org.bob.id]).status_code == 302
    post(boss, "/logout")

    learner = app.test_client()
    from tests.conftest import login

    assert login(learner, org.bob.email).status_code == 302
    complete_modules(learner, app, spec)
    assert submit(learner, app, start_quiz(learner, SLUG)).status_code == 302
    rows = assignments(app)
    assert rows[0].completed_at is not None
    enrolment = enrolment_of(app, org.bob)
    assert enrolment is not None and rows[0].completed_at == enrolment.completed_at

    # Assigning it again: already complete, no new notification, stays complete.
    post(learner, "/logout")
    assert login(learner, org.boss.email).status_code == 302
    with app.app_context():
        before = db.session.scalar(select(func.count(Notification.id)))
    response = assign(learner, people=[org.bob.id])
    assert response.status_code == 302
    assert "had already completed it" in page(learner, "/assignments/")
    with app.app_context():
        assert db.session.scalar(select(func.count(Notification.id))) == before
    assert assignments(app)[0].completed_at == rows[0].completed_at


def test_overdue_is_flagged_for_manager_and_learner(
    app: Flask, org: Org, logged_in: Callable[[User], FlaskClient]
) -> None:
    boss = logged_in(org.boss)
    assert assign(boss, scope="direct", due_on=in_days(2)).status_code == 302
    yesterday = utcnow().date() - timedelta(days=1)
    with app.app_context():
        db.session.execute(
            update(Assignment).where(Assignment.user_id == org.bob.id).values(due_on=yesterday)
        )
        db.session.execute(
            update(Enrolment)
            .where(Enrolment.user_id == org.bob.id)
            .values(due_at=datetime.combine(yesterday, datetime.max.time()))
        )
        db.session.commit()
    listing = page(boss, "/assignments/")
    assert '<strong id="count-overdue">1</strong>' in listing
    overdue = page(boss, "/assignments/?status=overdue")
    assert "Bob Dev" in overdue and "Ann Lead" not in overdue and "Overdue" in overdue
    post(boss, "/logout")

    from tests.conftest import login

    learner = app.test_client()
    assert login(learner, org.bob.email).status_code == 302
    assert "tag-overdue" in page(learner, "/")


def test_assignments_of_sub_managers_are_visible_up_the_tree_only(
    app: Flask, org: Org, logged_in: Callable[[User], FlaskClient]
) -> None:
    ann = logged_in(org.ann)
    assert assign(ann, people=[org.cat.id]).status_code == 302
    listing = page(ann, "/assignments/")
    assert "Cat Dev" in listing
    post(ann, "/logout")

    from tests.conftest import login

    other = app.test_client()
    assert login(other, org.other_boss.email).status_code == 302
    assert "Cat Dev" not in page(other, "/assignments/")
    post(other, "/logout")
    boss = app.test_client()
    assert login(boss, org.boss.email).status_code == 302
    listing = page(boss, "/assignments/")
    assert "Cat Dev" in listing and "Ann Lead" in listing  # assigned by Ann, seen by her manager


def test_the_list_runs_the_same_statements_for_a_small_and_a_large_team(
    app: Flask,
    make_user: Callable[..., User],
    tmp_path: Path,
    count_statements: Callable[[], Any],
) -> None:
    publish_spec(app, tmp_path, sentinel_course(SLUG))
    from lms.assignments.service import assign_course
    from lms.courses.models import Course

    counts = []
    for size in (2, 40):
        boss = make_user(name=f"Boss of {size}")
        leads = [make_user(manager=boss) for _ in range(max(1, size // 10))]
        team = [make_user(manager=leads[i % len(leads)]) for i in range(size)]
        with app.app_context():
            manager = db.session.get(User, boss.id)
            course = db.session.get(Course, course_id(app, SLUG))
            assert manager is not None and course is not None
            assign_course(db.session, manager, course, [p.id for p in team], date.today(), "note")
            db.session.commit()
            db.session.remove()
        client = app.test_client()
        from tests.conftest import login

        assert login(client, boss.email).status_code == 302
        with count_statements() as counter:
            response = client.get("/assignments/")
        assert response.status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1], counts
    assert counts[0] <= 6, counts


def test_completion_by_reading_shows_at_once_and_is_copied_by_the_reminder_run(
    app: Flask, make_user: Callable[..., User], tmp_path: Path
) -> None:
    """A course without a quiz completes when its last module is read; the manager's list reads
    the enrolment, so it shows at once; the reminder run copies it to the assignment."""
    from tests.conftest import login
    from tests.learn_helpers import CourseSpec, ModuleSpec

    spec = CourseSpec(slug="read-only", modules=[ModuleSpec("only-module")], quiz=None)
    publish_spec(app, tmp_path, spec)
    boss = make_user(name="Bea Boss")
    bob = make_user(name="Bob Dev", manager=boss)
    manager = app.test_client()
    assert login(manager, boss.email).status_code == 302
    assert assign(manager, course="read-only", people=[bob.id], due_on=in_days(-0)).status_code
    learner = app.test_client()
    assert login(learner, bob.email).status_code == 302
    post(learner, "/courses/read-only/only-module/read")
    enrolment = enrolment_of(app, bob)
    assert enrolment is not None and enrolment.completed_at is not None
    assert "Completed" in page(manager, "/assignments/?status=done")
    result = app.test_cli_runner().invoke(
        args=[
            "lms",
            "reminders",
            "send",
            "--today",
            (utcnow().date() + timedelta(days=5)).isoformat(),
        ]
    )
    assert "Sent 0 reminder(s)" in result.output
    assert assignments(app)[0].completed_at == enrolment.completed_at
