"""Retiring and restoring a course: who may, what it hides, and everything it keeps.

A retired course leaves the catalog, recommendations, the assignment form and reminders; nobody new
can enrol. People enrolled keep access, it is nothing to do on their home page any more, and what
they earned (answers and levels, badges, certificates) stays and still verifies. Restoring brings
the course back.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from lms.assignments.models import Assignment
from lms.assignments.service import due_reminders
from lms.courses.format import parse_course
from lms.courses.models import Course
from lms.courses.publish import publish_course
from lms.extensions import db
from lms.learn.models import Enrolment
from lms.people.models import User, utcnow
from lms.recognition.kudos_models import Certificate
from lms.recognition.models import BadgeAward
from tests.badge_helpers import publish_badge
from tests.conftest import csrf_token, table_snapshot
from tests.learn_helpers import (
    client_for,
    complete_modules,
    enrol,
    page,
    post,
    publish_spec,
    sentinel_course,
    start_quiz,
    submit,
)

SLUG = "sentinel-course"
TITLE = "Sentinel course"
# What people earned and what levels rest on: retiring must not touch a row of these.
EARNED = (
    "enrolments",
    "module_progress",
    "attempts",
    "attempt_answers",
    "literacy_levels",
    "level_changes",
    "certificates",
    "badge_awards",
)


@pytest.fixture
def app_config(tmp_path: Path) -> dict[str, Any]:
    return {"OPENBADGES_KEY_FILE": str(tmp_path / "keys.json")}


@dataclass
class World:
    author: User
    finisher: User  # completed the course: badge and certificate
    learner: User  # assigned, not finished
    newcomer: User  # engineering, never enrolled: the course is recommended to them
    manager: User  # manages learner and newcomer


@pytest.fixture
def world(app: Flask, tmp_path: Path, make_user: Callable[..., User]) -> World:
    publish_spec(app, tmp_path / "courses", sentinel_course(SLUG))
    publish_badge(
        app, tmp_path / "badges", "sentinel-done", {"type": "course-completed", "course": SLUG}
    )
    author = make_user(name="Ada Author", is_author=True)
    manager = make_user(name="Mia Manager")
    people = World(
        author,
        make_user(name="Fay Finisher"),
        make_user(name="Lou Learner", manager=manager),
        make_user(name="Ned Newcomer", manager=manager),
        manager,
    )
    with app.app_context():
        db.session.execute(update(Course).values(owner_id=author.id))
        db.session.commit()
        db.session.remove()
    finisher = client_for(app, people.finisher)
    enrol(finisher, SLUG)
    complete_modules(finisher, app, sentinel_course(SLUG))
    submit(finisher, app, start_quiz(finisher, SLUG))
    boss = client_for(app, manager)
    response = post(boss, "/assignments/new", assignment(people.learner))
    assert response.status_code == 302, response.status_code
    return people


def assignment(person: User, **extra: Any) -> dict[str, Any]:
    due = (utcnow().date() + timedelta(days=3)).isoformat()
    return {"course": SLUG, "scope": "selected", "people": str(person.id), "due_on": due, **extra}


def retire(client: FlaskClient) -> Any:
    token = csrf_token(client, f"/author/courses/{SLUG}/retire")
    return client.post(f"/author/courses/{SLUG}/retire", data={"csrf_token": token})


def course_row(app: Flask) -> Course:
    with app.app_context():
        course: Course | None = db.session.scalar(select(Course).where(Course.slug == SLUG))
        assert course is not None
        db.session.expunge(course)
        db.session.remove()
    return course


def earned(app: Flask) -> dict[str, list[tuple[Any, ...]]]:
    snapshot = table_snapshot(app)
    return {name: snapshot[name] for name in EARNED}


def public_ids(app: Flask, user: User) -> tuple[str, str]:
    """The person's certificate and badge award (both issued by completing the course)."""
    with app.app_context():
        certificate = db.session.scalar(
            select(Certificate.public_id).where(Certificate.user_id == user.id)
        )
        award = db.session.scalar(select(BadgeAward.public_id).where(BadgeAward.user_id == user.id))
        db.session.remove()
    assert certificate and award, "completing the course issued no certificate or badge"
    return certificate, award


# ------------------------------------------------------------------------ asking, access


def test_the_confirmation_says_what_happens_and_whom_it_concerns_and_changes_nothing(
    app: Flask, world: World, logged_in: Callable[[User], FlaskClient]
) -> None:
    client = logged_in(world.author)
    before = table_snapshot(app)
    html = page(client, f"/author/courses/{SLUG}/retire")
    assert f"Retire “{TITLE}”?" in html
    hidden = re.search(r'id="retire-hidden">(.*?)</dd>', html, re.S)
    assert hidden and "catalog and recommendations" in hidden[1]
    assert "no longer assign" in hidden[1] and "nobody new can enrol" in hidden[1]
    enrolled = re.search(r'id="retire-enrolled">(.*?)</dd>', html, re.S)
    assert enrolled and "2 people are enrolled, 1 not finished" in enrolled[1]
    assert "They keep access: they can finish it or look back at it" in enrolled[1]
    assert "1 open assignment stays" in enrolled[1]
    kept = re.search(r'id="retire-kept">(.*?)</dd>', html, re.S)
    assert kept and "1 certificate" in kept[1] and "still verify" in kept[1]
    assert table_snapshot(app) == before  # asking changes nothing
    # The course page offers it; without the CSRF token nothing happens.
    assert f'href="/author/courses/{SLUG}/retire"' in page(client, f"/author/courses/{SLUG}")
    assert client.post(f"/author/courses/{SLUG}/retire").status_code == 400
    assert client.post(f"/author/courses/{SLUG}/restore").status_code == 400
    assert table_snapshot(app) == before


def test_only_the_courses_authors_and_admins_retire_it(
    app: Flask, world: World, make_user: Callable[..., User]
) -> None:
    other_author = client_for(app, make_user(name="Otto Other", is_author=True))
    learner = client_for(app, world.learner)
    before = table_snapshot(app)
    token = csrf_token(other_author, "/author/")
    for url in (f"/author/courses/{SLUG}/retire", f"/author/courses/{SLUG}/restore"):
        if url.endswith("retire"):
            assert other_author.get(url).status_code == 404
        assert other_author.post(url, data={"csrf_token": token}).status_code == 404
    token = csrf_token(learner, "/account/password")
    assert learner.get(f"/author/courses/{SLUG}/retire").status_code == 403
    response = learner.post(f"/author/courses/{SLUG}/retire", data={"csrf_token": token})
    assert response.status_code == 403
    assert table_snapshot(app) == before
    admin = make_user(name="Ann Admin", is_admin=True)
    assert retire(client_for(app, admin)).status_code == 302
    assert course_row(app).retired_by_id == admin.id


# ------------------------------------------------------------------------------- retiring


def test_retiring_records_who_and_when_and_the_workspace_shows_it(
    app: Flask, world: World, logged_in: Callable[[User], FlaskClient]
) -> None:
    client = logged_in(world.author)
    before = earned(app)
    response = retire(client)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/author/courses/{SLUG}"
    course = course_row(app)
    assert course.retired_by_id == world.author.id
    assert course.retired_at is not None
    assert utcnow() - course.retired_at < timedelta(minutes=1)
    assert earned(app) == before  # progress, answers, levels, badges, certificates: untouched
    html = page(client, f"/author/courses/{SLUG}")
    assert "Retired" in html and "by Ada Author" in html and "Restore the course" in html
    assert f'href="/author/courses/{SLUG}/retire"' not in html
    listing = page(client, "/author/")
    row = re.search(rf'/author/courses/{SLUG}".*?</tr>', listing, re.S)
    assert row and "Retired" in row[0] and f'action="/author/courses/{SLUG}/restore"' in row[0]
    # Retiring twice says so and changes nothing.
    assert retire(client).status_code == 302
    assert "retired already" in page(client, f"/author/courses/{SLUG}")
    assert course_row(app).retired_at == course.retired_at


def test_a_retired_course_is_not_offered_to_anyone_new(
    app: Flask, world: World, logged_in: Callable[[User], FlaskClient]
) -> None:
    newcomer = client_for(app, world.newcomer)
    assert f"/courses/{SLUG}" in page(newcomer, "/courses")
    assert TITLE in page(newcomer, "/")  # recommended for their role
    assert retire(logged_in(world.author)).status_code == 302

    assert f'href="/courses/{SLUG}"' not in page(newcomer, "/courses")
    assert f'href="/courses/{SLUG}"' not in page(newcomer, "/")
    html = page(newcomer, f"/courses/{SLUG}")
    assert "has been retired and is no longer offered" in html
    assert f'action="/courses/{SLUG}/enrol"' not in html
    response = post(newcomer, f"/courses/{SLUG}/enrol")
    assert response.status_code == 302
    assert "no longer open for enrolment" in page(newcomer, f"/courses/{SLUG}")
    with app.app_context():
        assert (
            db.session.scalar(select(Enrolment).where(Enrolment.user_id == world.newcomer.id))
            is None
        )
        db.session.remove()


def test_a_retired_course_cannot_be_assigned_or_reminded(
    app: Flask, world: World, logged_in: Callable[[User], FlaskClient]
) -> None:
    with app.app_context():
        soon = utcnow().date() + timedelta(days=7)
        assert [r.course_slug for r in due_reminders(db.session, soon, 7)] == [SLUG]
        db.session.rollback()
        db.session.remove()
    assert retire(logged_in(world.author)).status_code == 302
    boss = client_for(app, world.manager)
    assert f'value="{SLUG}"' not in page(boss, "/assignments/new")
    before = table_snapshot(app)
    response = post(boss, "/assignments/new", assignment(world.newcomer))
    assert response.status_code == 400
    assert f"“{TITLE}” has been retired by its authors: it can no longer be assigned" in (
        response.get_data(as_text=True)
    )
    assert table_snapshot(app) == before
    with app.app_context():
        assert due_reminders(db.session, soon, 7) == []
        db.session.rollback()
        db.session.remove()


def test_people_enrolled_keep_access_but_it_is_nothing_to_do_any_more(
    app: Flask, world: World, logged_in: Callable[[User], FlaskClient]
) -> None:
    learner = client_for(app, world.learner)
    home = page(learner, "/")
    assert 'id="assigned-courses"' in home and 'id="continue-learning"' in home
    assert retire(logged_in(world.author)).status_code == 302

    home = page(learner, "/")
    assert 'id="assigned-courses"' not in home and 'id="continue-learning"' not in home
    mine = re.search(r'id="courses-heading".*?</section>', home, re.S)
    assert mine and f'href="/courses/{SLUG}"' in mine[0] and "No longer offered" in mine[0]
    html = page(learner, f"/courses/{SLUG}")
    assert "You can still finish it or look back at it" in html
    assert page(learner, f"/courses/{SLUG}/first-steps")  # modules still open
    finisher = client_for(app, world.finisher)
    assert "Completed" in page(finisher, f"/courses/{SLUG}")


def test_certificates_and_badges_of_a_retired_course_still_verify(
    app: Flask, world: World, logged_in: Callable[[User], FlaskClient]
) -> None:
    certificate, award = public_ids(app, world.finisher)
    finisher = client_for(app, world.finisher)
    credential = finisher.get(f"/certificates/{certificate}/credential.jwt")
    assert credential.status_code == 200
    assert retire(logged_in(world.author)).status_code == 302

    anonymous = app.test_client()
    verification = page(anonymous, f"/certificates/{certificate}/verify")
    assert "Valid certificate" in verification and "Fay Finisher" in verification
    assert TITLE in page(anonymous, f"/certificates/{certificate}")
    assert "Valid." in page(anonymous, f"/ob/awards/{award}")
    assert anonymous.get(f"/ob/v2/assertions/{award}").status_code == 200
    assert anonymous.get(f"/ob/v3/courses/{SLUG}").status_code == 200
    result = anonymous.post(
        "/ob/v3/verify", data={"credential": credential.get_data(as_text=True)}
    ).get_json()
    assert result["valid"] is True, result
    # A credential issued after retiring verifies too.
    fresh = finisher.get(f"/certificates/{certificate}/credential.jwt").get_data(as_text=True)
    assert anonymous.post("/ob/v3/verify", data={"credential": fresh}).get_json()["valid"] is True


# ------------------------------------------------------------------------------ restoring


def test_restoring_brings_it_back(
    app: Flask, world: World, logged_in: Callable[[User], FlaskClient]
) -> None:
    author = logged_in(world.author)
    assert retire(author).status_code == 302
    html = page(author, f"/author/courses/{SLUG}/retire")
    assert f"“{TITLE}” is retired" in html and "Restore the course" in html
    token = csrf_token(author, "/author/")
    response = author.post(
        f"/author/courses/{SLUG}/restore", data={"csrf_token": token, "back": "index"}
    )
    assert response.status_code == 302 and response.headers["Location"] == "/author/"
    course = course_row(app)
    assert course.retired_at is None and course.retired_by_id is None
    assert "back in the catalog" in page(author, "/author/")
    newcomer = client_for(app, world.newcomer)
    assert f'href="/courses/{SLUG}"' in page(newcomer, "/courses")
    boss = client_for(app, world.manager)
    assert post(boss, "/assignments/new", assignment(world.newcomer)).status_code == 302
    with app.app_context():
        assigned = db.session.scalars(select(Assignment.user_id).order_by(Assignment.user_id))
        assert sorted(assigned) == sorted([world.learner.id, world.newcomer.id])
        db.session.remove()
    # Restoring what is not retired says so.
    author.post(f"/author/courses/{SLUG}/restore", data={"csrf_token": token})
    assert "not retired" in page(author, f"/author/courses/{SLUG}")


def test_publishing_a_new_version_leaves_a_retired_course_retired(
    app: Flask, world: World, logged_in: Callable[[User], FlaskClient]
) -> None:
    client = logged_in(world.author)
    assert retire(client).status_code == 302
    token = csrf_token(client, "/author/")
    draft = client.post(f"/author/courses/{SLUG}/edit", data={"csrf_token": token})
    draft_url = draft.headers["Location"]
    with app.app_context():
        course = db.session.scalar(select(Course).where(Course.slug == SLUG))
        assert course is not None
        files = dict(course.current_version.source) if course.current_version else {}
        db.session.remove()
    path = "01-first-steps.md"
    response = client.post(
        f"{draft_url}/edit/{path}",
        data={"csrf_token": token, "text": files[path] + "\nOne more line.\n", "action": "save"},
    )
    assert response.status_code == 302
    html = page(client, f"{draft_url}/publish")
    assert "A new version of a retired course" in html and "until you restore it" in html
    # Publish as the command line does (the test course's placeholder options would not pass
    # the workspace's question checks).
    files[path] += "\nOne more line.\n"
    source, problems = parse_course(
        SLUG, {name: text.encode() for name, text in files.items()}, known_courses=set()
    )
    assert source is not None, problems
    with app.app_context():
        assert publish_course(db.session, source, None).version.number == 2
        db.session.commit()
        db.session.remove()
    assert course_row(app).retired_at is not None
    newcomer = client_for(app, world.newcomer)
    assert f'href="/courses/{SLUG}"' not in page(newcomer, "/courses")
