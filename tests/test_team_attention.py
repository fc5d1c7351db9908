"""The "needs attention" list on the team dashboard and the manager's home page (who is overdue,
stalled or has never started, only within the manager's own subtree, in one statement) and the
"Remind" action (in-app and email, once a day per person and manager, recorded, 404 outside)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from lms.extensions import db
from lms.notifications.models import Notification
from lms.people.models import utcnow
from lms.team.attention import needs_attention
from lms.team.models import TeamReminder
from lms.team.scope import viewer_members_cte
from tests.conftest import csrf_token, login, table_snapshot
from tests.test_team import Builder, days_ago


@dataclass
class Tree:
    boss: int
    boss_email: str
    lead: int
    overdue: int
    stalled: int
    never_started: int
    fine: int
    outsider: int
    gone: int


@pytest.fixture
def tree(app: Flask) -> Tree:
    now = utcnow()
    with app.app_context():
        b = Builder()
        boss = b.person("Bea Boss", email="bea.boss@attention.example.com")
        lead = b.person("Lee Lead", boss)
        b.enrol(lead, "done", enrolled_at=days_ago(9, now), completed_at=days_ago(2, now))
        b.event(lead, days_ago(2, now))
        overdue = b.person("Olga Overdue", lead)
        b.enrol(
            overdue,
            "assigned",
            source="assigned",
            enrolled_at=days_ago(20, now),
            due_at=days_ago(3, now),
        )
        b.event(overdue, days_ago(5, now))
        stalled = b.person("Sam Stalled", boss)
        b.enrol(stalled, "slow", enrolled_at=days_ago(60, now))
        b.event(stalled, days_ago(45, now))
        never = b.person("Nell Never", lead)
        b.enrol(never, "new", enrolled_at=days_ago(2, now))
        b.event(never, days_ago(2, now), verb="enrolled")
        fine = b.person("Fay Fine", boss)
        b.enrol(fine, "slow", enrolled_at=days_ago(60, now))
        b.event(fine, days_ago(1, now))
        other = b.person("Otto Other")
        outsider = b.person("Una Outsider", other)
        b.enrol(
            outsider,
            "assigned",
            source="assigned",
            enrolled_at=days_ago(20, now),
            due_at=days_ago(3, now),
        )
        gone = b.person("Gil Gone", boss, active=False)
        b.enrol(gone, "new", enrolled_at=days_ago(2, now))
        db.session.commit()
        db.session.remove()
    return Tree(
        boss, "bea.boss@attention.example.com", lead, overdue, stalled, never, fine, outsider, gone
    )


def test_the_list_names_overdue_stalled_and_never_started_in_the_subtree(
    app: Flask, tree: Tree, count_statements: Callable[[], Any]
) -> None:
    with app.app_context():
        members = viewer_members_cte(tree.boss)
        with count_statements() as counter:
            attention = needs_attention(db.session, members, utcnow())
        assert len(counter.statements) == 1
    listed = {item.id: item.reasons for item in attention.items}
    assert listed == {
        tree.never_started: ["Has not started"],
        tree.overdue: ["Overdue on an assignment"],
        tree.stalled: ["No learning in over 30 days"],
    }
    assert [item.name for item in attention.items] == ["Nell Never", "Olga Overdue", "Sam Stalled"]
    assert not attention.more
    assert tree.outsider not in listed and tree.gone not in listed and tree.fine not in listed


def test_the_list_is_cut_at_the_limit(app: Flask, tree: Tree) -> None:
    with app.app_context():
        attention = needs_attention(db.session, viewer_members_cte(tree.boss), utcnow(), limit=2)
    assert len(attention.items) == 2 and attention.more


def _client(client: FlaskClient, email: str) -> FlaskClient:
    assert login(client, email).status_code == 302
    return client


def test_dashboard_and_home_show_the_list_with_links(client: FlaskClient, tree: Tree) -> None:
    _client(client, tree.boss_email)
    for url in ("/team/", "/"):
        html = client.get(url).get_data(as_text=True)
        assert "Needs attention" in html, url
        assert f'href="/team/people/{tree.overdue}">Olga Overdue</a>: Overdue on an assignment' in (
            html
        )
        assert "Nell Never</a>: Has not started" in html
        assert "Sam Stalled</a>: No learning in over 30 days" in html
        assert "Una Outsider" not in html and "Gil Gone" not in html and "Fay Fine" not in html


def test_a_sub_team_dashboard_lists_only_that_team(client: FlaskClient, tree: Tree) -> None:
    _client(client, tree.boss_email)
    html = client.get(f"/team/?team={tree.lead}").get_data(as_text=True)
    assert "Olga Overdue" in html and "Nell Never" in html
    assert "Sam Stalled" not in html


def test_learners_home_has_no_list(client: FlaskClient, tree: Tree, app: Flask) -> None:
    with app.app_context():
        from lms.people.models import User

        person = db.session.get(User, tree.fine)
        assert person is not None
        email = person.email
    _client(client, email)
    assert "Needs attention" not in client.get("/").get_data(as_text=True)


# ---------------------------------------------------------------------------------- reminders


def _remind(client: FlaskClient, person: int, page: str, back: str = "person") -> Any:
    return client.post(
        f"/team/people/{person}/remind", data={"csrf_token": csrf_token(client, page), "back": back}
    )


def test_remind_sends_a_notification_and_an_email_and_is_recorded(
    client: FlaskClient, tree: Tree, app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    _client(client, tree.boss_email)
    page = f"/team/people/{tree.overdue}"
    assert "No reminders sent yet." in client.get(page).get_data(as_text=True)
    with caplog.at_level(logging.INFO, logger="lms.mail"):
        response = _remind(client, tree.overdue, page)
    assert response.status_code == 303 and response.headers["Location"].endswith(page)
    mails = [r.getMessage() for r in caplog.records if r.name == "lms.mail"]
    assert len(mails) == 1 and "subject=A reminder from Bea Boss" in mails[0]
    assert "Bea Boss sent you a reminder" in mails[0]
    with app.app_context():
        notes = db.session.scalars(
            select(Notification).where(Notification.user_id == tree.overdue)
        ).all()
        assert [n.text for n in notes] == ["Bea Boss reminded you to continue your learning."]
        assert db.session.scalar(select(func.count(TeamReminder.id))) == 1
    html = client.get(page).get_data(as_text=True)
    assert "Reminder sent to Olga Overdue." in html
    assert f"Reminded by Bea Boss on {utcnow():%d %b %Y}" in html


def test_a_second_reminder_the_same_day_is_refused(
    client: FlaskClient, tree: Tree, app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    _client(client, tree.boss_email)
    assert _remind(client, tree.stalled, "/team/", "team").headers["Location"].endswith("/team/")
    with caplog.at_level(logging.INFO, logger="lms.mail"):
        response = _remind(client, tree.stalled, "/", "home")
    assert response.status_code == 303 and response.headers["Location"].endswith("/")
    assert not [r for r in caplog.records if r.name == "lms.mail"]
    html = client.get("/").get_data(as_text=True)
    assert "You already reminded Sam Stalled today." in html
    with app.app_context():
        assert db.session.scalar(select(func.count(TeamReminder.id))) == 1
        assert (
            db.session.scalar(
                select(func.count(Notification.id)).where(Notification.user_id == tree.stalled)
            )
            == 1
        )


def test_remind_answers_404_outside_the_subtree(client: FlaskClient, tree: Tree) -> None:
    _client(client, tree.boss_email)
    for person in (tree.outsider, tree.gone, tree.boss, 2**70):
        assert _remind(client, person, "/team/").status_code == 404, person


def test_the_dashboard_and_home_carry_a_remind_button_per_person(
    client: FlaskClient, tree: Tree
) -> None:
    _client(client, tree.boss_email)
    for url in ("/team/", "/"):
        html = client.get(url).get_data(as_text=True)
        assert f'action="/team/people/{tree.never_started}/remind"' in html, url
        assert f'action="/team/people/{tree.fine}/remind"' not in html, url


def test_people_table_level_cells_are_shaded_and_keep_the_number(
    client: FlaskClient, tree: Tree
) -> None:
    _client(client, tree.boss_email)
    html = client.get("/team/people").get_data(as_text=True)
    assert 'class="num lvl lvl-0" data-col="overall" title="Not yet">0</td>' in html


def test_a_reminder_whose_email_cannot_go_leaves_nothing_behind(
    client: FlaskClient, tree: Tree, app: Flask
) -> None:
    _client(client, tree.boss_email)
    app.config["MAIL_SERVER"] = "127.0.0.1"
    app.config["MAIL_PORT"] = 9  # nothing listens there
    before = table_snapshot(app)
    response = _remind(client, tree.stalled, "/team/", "team")
    assert response.status_code == 303
    assert table_snapshot(app) == before  # no reminder recorded, no notification
    app.config["MAIL_SERVER"] = None
    assert "could not be sent" in client.get("/team/").get_data(as_text=True)
    assert _remind(client, tree.stalled, "/team/", "team").status_code == 303
    with app.app_context():
        assert db.session.scalar(select(func.count(TeamReminder.id))) == 1


# ------------------------------------------------------------ assign a course and give kudos


def test_each_person_listed_has_assign_and_kudos_actions_that_come_back(
    client: FlaskClient, tree: Tree
) -> None:
    _client(client, tree.boss_email)
    for url, back in (("/team/", "team"), ("/", "home")):
        html = client.get(url).get_data(as_text=True)
        for person in (tree.overdue, tree.stalled, tree.never_started):
            assert f'href="/assignments/new/{person}?back={back}"' in html, (url, person)
            assert f'href="/recognition/kudos?to={person}&amp;back={back}"' in html, (url, person)
        assert f"/assignments/new/{tree.fine}" not in html
        assert 'Assign a course<span class="visually-hidden"> to Olga Overdue</span>' in html
    person_page = client.get(f"/team/people/{tree.fine}").get_data(as_text=True)
    assert f'href="/assignments/new/{tree.fine}"' in person_page
    assert f'href="/recognition/kudos?to={tree.fine}&amp;back=person"' in person_page


def test_assign_from_the_attention_list_returns_to_the_dashboard(
    client: FlaskClient, tree: Tree, app: Flask, tmp_path: Any
) -> None:
    from lms.assignments.models import Assignment
    from tests.learn_helpers import post, publish_spec, sentinel_course

    publish_spec(app, tmp_path, sentinel_course())
    _client(client, tree.boss_email)
    form = client.get(f"/assignments/new/{tree.never_started}?back=team")
    assert form.status_code == 200
    assert "Assign a course to Nell Never" in form.get_data(as_text=True)
    due = (utcnow().date() + timedelta(days=7)).isoformat()
    data = {"course": "sentinel-course", "due_on": due, "back": "team"}
    response = post(client, f"/assignments/new/{tree.never_started}", data)
    assert response.status_code == 303 and response.headers["Location"] == "/team/"
    with app.app_context():
        rows = db.session.execute(select(Assignment.user_id, Assignment.assigned_by_id)).all()
    assert [tuple(row) for row in rows] == [(tree.never_started, tree.boss)]
    assert "Assigned “Sentinel course” to Nell Never" in client.get("/team/").get_data(as_text=True)
    # Home's list comes back home; someone outside the subtree is not found, form or post.
    data["back"] = "home"
    response = post(client, f"/assignments/new/{tree.stalled}", data)
    assert response.headers["Location"] == "/"
    before = table_snapshot(app)
    for person in (tree.outsider, tree.gone, tree.boss):
        assert client.get(f"/assignments/new/{person}?back=team").status_code == 404
        assert post(client, f"/assignments/new/{person}", data).status_code == 404
    assert table_snapshot(app) == before
