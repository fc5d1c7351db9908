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
    client_for,
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


def test_the_list_runs_the_same_statements_for_one_assignment_and_many(
    app: Flask,
    make_user: Callable[..., User],
    tmp_path: Path,
    count_statements: Callable[[], Any],
) -> None:
    """One assignment, then 60 people across three courses and five due dates (several pages of
    people, some progress and a group reminder): the same statements, the progress per course
    included (one aggregate)."""
    from lms.assignments.models import AssignmentReminder
    from lms.assignments.service import assign_course
    from lms.courses.models import Course
    from tests.conftest import login

    slugs = [SLUG, "second-course", "third-course"]
    for slug in slugs:
        publish_spec(app, tmp_path, sentinel_course(slug))
    counts = []
    for size in (1, 60):
        boss = make_user(name=f"Boss of {size}")
        leads = [make_user(manager=boss) for _ in range(max(1, size // 10))]
        team = [make_user(manager=leads[i % len(leads)]) for i in range(size)]
        with app.app_context():
            manager = db.session.get(User, boss.id)
            assert manager is not None
            for number, person in enumerate(team):
                course = db.session.get(Course, course_id(app, slugs[number % len(slugs)]))
                assert course is not None
                due = date.today() + timedelta(days=number % 5 - 1)
                assign_course(db.session, manager, course, [person.id], due, "note")
            if size > 1:
                db.session.add(
                    AssignmentReminder(
                        manager_id=boss.id,
                        course_id=course_id(app, SLUG),
                        due_on=date.today() - timedelta(days=1),
                        sent_on=date.today(),
                        people=3,
                    )
                )
            db.session.commit()
            db.session.remove()
        if size > 1:
            post(client_for(app, team[1]), "/courses/second-course/first-steps/read")
        client = app.test_client()
        assert login(client, boss.email).status_code == 302
        with count_statements() as counter:
            response = client.get("/assignments/")
        assert response.status_code == 200
        groups = response.get_data(as_text=True).count("<tr data-group=")
        assert groups == min(size, 15), groups
        counts.append(counter.count)
    assert counts[0] == counts[1], counts
    # The login session, the summary figures, the page of people, the progress per course: 4.
    assert counts[0] <= 5, counts


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


# ------------------------------------------------------------- progress per course and due date

OTHER = "other-course"


@dataclass
class Groups:
    boss: User
    ann: User  # lead: overdue and in progress on the past group
    bob: User  # completed the soon group; not started on the other course
    cat: User  # in progress on the soon group
    dan: User  # not started on both
    eve: User  # not started on the soon group
    gus: User  # completed the past group
    fay: User  # left the organisation (deactivated): never counted nor reminded
    outsider: User  # same course and date, other boss: never counted nor reminded
    soon: date
    past: date
    later: date


def _assign(app: Flask, manager: User, slug: str, people: list[User], due_on: date) -> None:
    from lms.assignments.service import assign_course
    from lms.courses.models import Course

    with app.app_context():
        boss = db.session.get(User, manager.id)
        course = db.session.get(Course, course_id(app, slug))
        assert boss is not None and course is not None
        assign_course(db.session, boss, course, [p.id for p in people], due_on, "")
        db.session.commit()
        db.session.remove()


def _complete(app: Flask, user: User, slug: str) -> None:
    """Completion written on the enrolment only, as a bulk write would: the list must read it."""
    with app.app_context():
        db.session.execute(
            update(Enrolment)
            .where(Enrolment.user_id == user.id, Enrolment.course_id == course_id(app, slug))
            .values(completed_at=utcnow())
        )
        db.session.commit()


@pytest.fixture
def groups(app: Flask, make_user: Callable[..., User], tmp_path: Path) -> Groups:
    from tests.learn_helpers import CourseSpec, ModuleSpec

    publish_spec(app, tmp_path, sentinel_course(SLUG))
    publish_spec(
        app,
        tmp_path,
        CourseSpec(slug=OTHER, title="Other course", modules=[ModuleSpec("only")], quiz=None),
    )
    boss = make_user(name="Bea Boss")
    ann = make_user(name="Ann Lead", manager=boss)
    bob, dan = make_user(name="Bob Dev", manager=boss), make_user(name="Dan Dev", manager=boss)
    cat, gus = make_user(name="Cat Dev", manager=ann), make_user(name="Gus Dev", manager=ann)
    eve = make_user(name="Eve Dev", manager=ann)
    fay = make_user(name="Fay Former", manager=boss, active=False)
    other_boss = make_user(name="Olga Other")
    outsider = make_user(name="Otto Outside", manager=other_boss)
    today = utcnow().date()
    soon, past, later = today + timedelta(days=14), today - timedelta(days=1), today + timedelta(7)
    _assign(app, boss, SLUG, [bob, cat, dan, eve, fay], soon)
    _assign(app, other_boss, SLUG, [outsider], soon)
    _assign(app, ann, SLUG, [ann, gus], past)
    _assign(app, boss, OTHER, [bob, dan], later)
    _complete(app, bob, SLUG)
    _complete(app, gus, SLUG)
    for person in (cat, ann):
        post(client_for(app, person), f"/courses/{SLUG}/first-steps/read")
    return Groups(boss, ann, bob, cat, dan, eve, gus, fay, outsider, soon, past, later)


def _figures(html: str) -> dict[str, dict[str, int]]:
    """{"slug/due": {"people": n, "completed": n, ...}} from the progress table."""
    import re

    table = html.split('id="assignment-progress"', 1)[1].split("</table>", 1)[0]
    found: dict[str, dict[str, int]] = {}
    for key, row in re.findall(r'<tr data-group="([^"]+)">(.*?)</tr>', table, re.S):
        cells = re.findall(r"<td[^>]*>(\d+)</td>", row)
        states = re.findall(r'data-state="([a-z-]+)">.*?</span>(\d+) ', row)
        found[key] = {"people": int(cells[0]), **{state: int(n) for state, n in states}}
    return found


def test_progress_per_course_and_due_date_counts_each_status_in_the_subtree(
    app: Flask, groups: Groups, logged_in: Callable[[User], FlaskClient]
) -> None:
    html = page(logged_in(groups.boss), "/assignments/")
    figures = _figures(html)
    empty = {"completed": 0, "in-progress": 0, "not-started": 0, "overdue": 0}
    assert figures == {
        f"{SLUG}/{groups.soon}": {
            **empty,
            "people": 4,
            "completed": 1,
            "in-progress": 1,
            "not-started": 2,
        },
        f"{SLUG}/{groups.past}": {**empty, "people": 2, "completed": 1, "overdue": 1},
        f"{OTHER}/{groups.later}": {**empty, "people": 2, "not-started": 2},
    }
    # Groups with people still to finish, soonest due first; words, not slugs.
    order = list(figures)
    assert order == [f"{SLUG}/{groups.past}", f"{OTHER}/{groups.later}", f"{SLUG}/{groups.soon}"]
    assert "Sentinel course" in html and "1 in progress" in html and "2 not started" in html
    assert "style=" not in html.split('id="assignment-progress"', 1)[1].split("</table>")[0]
    # The lead sees only what is in her subtree: Ann herself is not in it.
    ann = app.test_client()
    from tests.conftest import login

    assert login(ann, groups.ann.email).status_code == 302
    assert _figures(page(ann, "/assignments/")) == {
        f"{SLUG}/{groups.soon}": {**empty, "people": 2, "in-progress": 1, "not-started": 1},
        f"{SLUG}/{groups.past}": {**empty, "people": 1, "completed": 1},
    }


def test_progress_uses_the_same_status_words_as_each_persons_row(
    app: Flask, groups: Groups
) -> None:
    """The SQL figures agree with lms.learn.status.enrolment_status on every row of the list."""
    from collections import Counter

    from lms.assignments.progress import group_progress
    from lms.assignments.service import assignments_for_manager

    today = utcnow().date()
    with app.app_context():
        boss = db.session.get(User, groups.boss.id)
        assert boss is not None
        rows = assignments_for_manager(db.session, boss, today).rows
        progress = group_progress(db.session, boss.id, today)
    per_row = Counter(
        (row.course_slug, row.due_on, row.state.key)
        for row in rows
        if row.person_id != groups.fay.id  # has left: listed below, not counted above
    )
    per_group = Counter(
        {
            (group.course_slug, group.due_on, segment.key): segment.count
            for group in progress.groups
            for segment in group.segments
            if segment.count
        }
    )
    assert per_row == per_group
    assert progress.total == 3 and progress.pages == 1


def test_bar_widths_fill_the_bar_in_steps_of_five() -> None:
    from lms.assignments.progress import bar_widths

    assert bar_widths([0, 0, 0, 0]) == [0, 0, 0, 0]
    assert bar_widths([1, 1, 2, 0]) == [25, 25, 50, 0]
    assert bar_widths([1, 1, 1, 0]) == [35, 35, 30, 0]
    for counts in ([1, 2, 3, 4], [7, 0, 0, 1], [1, 0, 0, 99], [3, 3, 3, 3]):
        widths = bar_widths(counts)
        assert sum(widths) == 100 and all(width % 5 == 0 for width in widths), counts


def _remind_group(client: FlaskClient, slug: str, due_on: date, **extra: Any) -> Any:
    return post(
        client,
        "/assignments/remind",
        {"course": slug, "due_on": due_on.isoformat(), **extra},
    )


def test_remind_those_not_done_reminds_only_active_unfinished_people_in_the_subtree(
    app: Flask,
    groups: Groups,
    logged_in: Callable[[User], FlaskClient],
    caplog: pytest.LogCaptureFixture,
) -> None:
    import logging

    from lms.assignments.models import AssignmentReminder

    client = logged_in(groups.boss)
    with app.app_context():
        notes_before = db.session.scalar(select(func.count(Notification.id))) or 0
    with caplog.at_level(logging.INFO, logger="lms.mail"):
        response = _remind_group(client, SLUG, groups.soon)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/assignments/#progress")
    mails = [r.getMessage() for r in caplog.records if r.name == "lms.mail"]
    recipients = sorted(m.split("to=", 1)[1].split(" ", 1)[0] for m in mails)
    assert recipients == sorted([groups.cat.email, groups.dan.email, groups.eve.email])
    assert all("Bea Boss reminded you that “Sentinel course” is due on" in m for m in mails)
    with app.app_context():
        notes = db.session.scalars(
            select(Notification).where(Notification.kind == "reminder")
        ).all()
        assert sorted(n.user_id for n in notes) == sorted(
            [groups.cat.id, groups.dan.id, groups.eve.id]
        )
        assert db.session.scalar(select(func.count(Notification.id))) == notes_before + 3
        record = db.session.scalars(select(AssignmentReminder)).one()
        assert (record.manager_id, record.due_on, record.people) == (
            groups.boss.id,
            groups.soon,
            3,
        )
        assert record.sent_on == utcnow().date()
        # The daily reminder run leaves them alone today.
        reminded = db.session.scalars(
            select(Assignment.user_id).where(Assignment.last_reminded_on == utcnow().date())
        ).all()
        assert sorted(reminded) == sorted([groups.cat.id, groups.dan.id, groups.eve.id])
    html = page(client, "/assignments/")
    assert "Reminded 3 people who have not completed “Sentinel course”." in html
    row = html.split(f'data-group="{SLUG}/{groups.soon}"', 1)[1].split("</tr>", 1)[0]
    assert "Reminded today" in row and "Remind those not done" not in row
    other = html.split(f'data-group="{OTHER}/{groups.later}"', 1)[1].split("</tr>", 1)[0]
    assert "Remind those not done" in other


def test_a_second_click_the_same_day_is_refused_and_sends_nothing(
    app: Flask,
    groups: Groups,
    logged_in: Callable[[User], FlaskClient],
    caplog: pytest.LogCaptureFixture,
) -> None:
    import logging

    from lms.assignments.models import AssignmentReminder

    client = logged_in(groups.boss)
    assert _remind_group(client, OTHER, groups.later).status_code == 303
    before = table_snapshot(app)
    with caplog.at_level(logging.INFO, logger="lms.mail"):
        response = _remind_group(client, OTHER, groups.later)
    assert response.status_code == 303
    assert not [r for r in caplog.records if r.name == "lms.mail"]
    assert table_snapshot(app) == before
    assert "You already reminded them about “Other course” today." in page(client, "/assignments/")
    with app.app_context():
        assert db.session.scalar(select(func.count(AssignmentReminder.id))) == 1


def test_a_group_everyone_completed_has_nobody_to_remind(
    app: Flask, groups: Groups, logged_in: Callable[[User], FlaskClient]
) -> None:
    from tests.conftest import login

    client = app.test_client()
    assert login(client, groups.ann.email).status_code == 302
    row = page(client, "/assignments/").split(f'data-group="{SLUG}/{groups.past}"', 1)[1]
    assert "Everyone completed it" in row.split("</tr>", 1)[0]
    before = table_snapshot(app)
    assert _remind_group(client, SLUG, groups.past).status_code == 303
    assert table_snapshot(app) == before
    assert "by that date has completed it" in page(client, "/assignments/")


@pytest.mark.parametrize(
    "fields",
    [
        {"course": SLUG, "due_on": "2001-01-01"},  # no such group
        {"course": "no-such-course", "due_on": "today"},
        {"course": SLUG, "due_on": "not-a-date"},
        {"course": SLUG},
        {"course": "", "due_on": "today"},
    ],
)
def test_remind_outside_the_subtree_or_unknown_is_404_and_changes_nothing(
    app: Flask, groups: Groups, logged_in: Callable[[User], FlaskClient], fields: dict[str, str]
) -> None:
    client = logged_in(groups.boss)
    fields = {k: groups.soon.isoformat() if v == "today" else v for k, v in fields.items()}
    before = table_snapshot(app)
    assert post(client, "/assignments/remind", fields).status_code == 404
    assert table_snapshot(app) == before


def test_remind_reaches_nobody_outside_the_subtree_and_needs_csrf(
    app: Flask, groups: Groups, logged_in: Callable[[User], FlaskClient]
) -> None:
    from tests.conftest import login

    # The other boss's only person in the group is Otto: Bea's people are not hers to remind.
    other = app.test_client()
    with app.app_context():
        other_boss = db.session.get(User, groups.outsider.manager_id)
        assert other_boss is not None
        email = other_boss.email
    assert login(other, email).status_code == 302
    assert _remind_group(other, SLUG, groups.soon).status_code == 303
    with app.app_context():
        reminded = db.session.scalars(
            select(Notification.user_id).where(Notification.kind == "reminder")
        ).all()
    assert reminded == [groups.outsider.id]
    # A learner without reports is refused; a post without the token changes nothing.
    learner = app.test_client()
    assert login(learner, groups.dan.email).status_code == 302
    assert _remind_group(learner, SLUG, groups.soon).status_code == 403
    boss = logged_in(groups.boss)
    before = table_snapshot(app)
    response = boss.post(
        "/assignments/remind", data={"course": SLUG, "due_on": groups.soon.isoformat()}
    )
    assert response.status_code == 400
    assert table_snapshot(app) == before


def test_when_no_email_can_be_sent_nothing_is_kept(
    app: Flask, groups: Groups, logged_in: Callable[[User], FlaskClient]
) -> None:
    client = logged_in(groups.boss)
    app.config["MAIL_SERVER"] = "127.0.0.1"
    app.config["MAIL_PORT"] = 9  # nothing listens: the server cannot be reached
    before = table_snapshot(app)
    assert _remind_group(client, OTHER, groups.later).status_code == 303
    assert table_snapshot(app) == before
    app.config["MAIL_SERVER"] = None
    assert "The reminders could not be sent." in page(client, "/assignments/")


# ------------------------------------------------------------- assigning to one person


def test_assign_one_person_from_the_team_pages_and_go_back(
    app: Flask, org: Org, logged_in: Callable[[User], FlaskClient]
) -> None:
    client = logged_in(org.boss)
    form = page(client, f"/assignments/new/{org.cat.id}?back=team&course={SLUG}")
    assert "Assign a course to Cat Dev" in form
    assert 'name="back" type="hidden" value="team"' in form
    assert f'<option selected value="{SLUG}">' in form
    assert "My direct reports" not in form  # no choice of people: the person is fixed
    response = post(
        client,
        f"/assignments/new/{org.cat.id}",
        {"course": SLUG, "due_on": in_days(10), "note": "", "back": "team"},
    )
    assert response.status_code == 303 and response.headers["Location"] == "/team/"
    rows = assignments(app)
    assert [(row.user_id, row.assigned_by_id) for row in rows] == [(org.cat.id, org.boss.id)]
    due = (utcnow().date() + timedelta(days=10)).strftime("%d %b %Y")
    assert f"Assigned “Sentinel course” to Cat Dev, due {due}." in page(client, "/team/")
    # Again, from the person page (the default way back): the due date changes.
    response = post(
        client, f"/assignments/new/{org.cat.id}", {"course": SLUG, "due_on": in_days(20)}
    )
    assert response.headers["Location"] == f"/team/people/{org.cat.id}"
    assert "it is now due on" in page(client, f"/team/people/{org.cat.id}")
    # An unknown way back is the person page, never an address from the request.
    response = post(
        client,
        f"/assignments/new/{org.cat.id}",
        {"course": SLUG, "due_on": in_days(20), "back": "https://evil.example.com/"},
    )
    assert response.headers["Location"] == f"/team/people/{org.cat.id}"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"course": ""}, "Choose a course."),
        ({"course": "no-such-course"}, "Not a valid choice"),
        ({"due_on": ""}, "Enter a due date."),
        ({"due_on": "2001-01-01"}, "The due date cannot be in the past."),
        ({"note": "x" * 501}, "Keep the note under 500 characters."),
    ],
)
def test_assign_one_person_bad_forms_re_render_and_change_nothing(
    app: Flask,
    org: Org,
    logged_in: Callable[[User], FlaskClient],
    fields: dict[str, str],
    message: str,
) -> None:
    client = logged_in(org.boss)
    before = table_snapshot(app)
    data = {"course": SLUG, "due_on": in_days(3), "back": "home", **fields}
    response = post(client, f"/assignments/new/{org.bob.id}", data)
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert message in body and 'name="back" type="hidden" value="home"' in body
    assert table_snapshot(app) == before


def test_assign_one_person_outside_the_subtree_is_404_and_needs_csrf(
    app: Flask, org: Org, logged_in: Callable[[User], FlaskClient], make_user: Callable[..., User]
) -> None:
    gone = make_user(name="Gil Gone", manager=org.ann, active=False)
    client = logged_in(org.ann)
    before = table_snapshot(app)
    for person in (org.outsider, org.boss, org.ann, org.bob, gone, 2**70):
        person_id = person if isinstance(person, int) else person.id
        assert client.get(f"/assignments/new/{person_id}").status_code == 404, person
        data = {"course": SLUG, "due_on": in_days(3)}
        assert post(client, f"/assignments/new/{person_id}", data).status_code == 404, person
    response = client.post(
        f"/assignments/new/{org.cat.id}", data={"course": SLUG, "due_on": in_days(3)}
    )
    assert response.status_code == 400
    assert table_snapshot(app) == before
