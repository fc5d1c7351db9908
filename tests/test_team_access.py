"""Who may see what on the team pages (checklist items 1 and 2).

- Only people with reports get the team pages; anyone else gets 403 with a page saying why.
- A manager asking for anyone outside their own org subtree (person page, sub-team filter, export)
  gets 404 exactly like for someone who does not exist, and the denial is logged; nothing of the
  outsider appears in any page or export.
- Managers see levels and results, never a person's quiz answers.
- The team pages never change anything.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from lms.extensions import db
from lms.people.models import User
from tests.conftest import PASSWORD, login, table_snapshot
from tests.learn_helpers import (
    EXPLANATION_SENTINEL,
    FEEDBACK_SENTINEL,
    complete_modules,
    enrol,
    publish_spec,
    sentinel_course,
    start_quiz,
    submit,
)
from tests.test_team import World, build_world, read_csv


@pytest.fixture
def world(app: Flask) -> World:
    return build_world(app)


TEAM_GETS = ("/team/", "/team/people", "/team/people.csv", "/team/?direct=1")


def client_for(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    assert login(client, email, PASSWORD).status_code == 302
    return client


@pytest.mark.parametrize(
    "roles",
    [{}, {"is_admin": True}, {"is_executive": True}, {"is_author": True}],
    ids=["employee", "admin", "executive", "author"],
)
def test_people_without_reports_get_403_with_an_explanation(
    app: Flask,
    make_user: Callable[..., User],
    logged_in: Callable[[User], FlaskClient],
    roles: dict[str, bool],
) -> None:
    boss = make_user(name="Some Boss")
    someone = make_user(name="Someone Else", manager=boss)
    client = logged_in(make_user(**roles))
    for url in (*TEAM_GETS, f"/team/people/{someone.id}", f"/team/?team={boss.id}"):
        response = client.get(url)
        assert response.status_code == 403, url
        html = response.get_data(as_text=True)
        assert "No team to show" in html and "Someone Else" not in html
    home = client.get("/").get_data(as_text=True)
    assert 'href="/team/"' not in home  # no "My team" link either


def test_a_manager_sees_the_team_link_and_pages(
    app: Flask, make_user: Callable[..., User], logged_in: Callable[[User], FlaskClient]
) -> None:
    boss = make_user(name="Some Boss")
    make_user(name="Report", manager=boss)
    client = logged_in(boss)
    assert 'href="/team/"' in client.get("/").get_data(as_text=True)
    for url in TEAM_GETS:
        assert client.get(url).status_code == 200, url


def test_losing_the_last_report_closes_the_team_pages(
    app: Flask, make_user: Callable[..., User], logged_in: Callable[[User], FlaskClient]
) -> None:
    boss = make_user(name="Some Boss")
    report = make_user(name="Report", manager=boss)
    client = logged_in(boss)
    assert client.get("/team/").status_code == 200
    with app.app_context():
        person = db.session.get(User, report.id)
        assert person is not None
        person.manager_id = None
        db.session.commit()
    assert client.get("/team/").status_code == 403


def without_token(html: str) -> str:
    return re.sub(r'name="csrf_token" value="[^"]+"', "", html)


def outsiders(world: World) -> dict[str, int]:
    """Not in boss's subtree: the other team, boss themself, and a deactivated report."""
    return {name: world[name] for name in ("oz", "other", "boss", "dan")}


def test_a_person_outside_the_subtree_is_404_like_a_missing_one(
    app: Flask, world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="lms.security")
    client = client_for(app, world.emails["boss"])
    missing = client.get("/team/people/999999")
    assert missing.status_code == 404
    for name, person_id in outsiders(world).items():
        response = client.get(f"/team/people/{person_id}")
        assert response.status_code == 404, name
        # The same page as for no one at all: existence is not confirmed.
        assert without_token(response.get_data(as_text=True)) == without_token(
            missing.get_data(as_text=True)
        ), name
    denials = [r.getMessage() for r in caplog.records if r.name == "lms.security"]
    assert any(
        f"user={world['boss']}" in message and f"/team/people/{world['oz']}" in message
        for message in denials
    )
    assert client.get(f"/team/people/{world['bob']}").status_code == 200  # a report's report


def test_a_lower_manager_sees_only_their_own_subtree(app: Flask, world: World) -> None:
    client = client_for(app, world.emails["lead"])
    assert 'id="figure-people">3<' in client.get("/team/").get_data(as_text=True)
    for name in ("cat", "boss", "oz", "lead"):  # a peer, their manager, an outsider, themself
        assert client.get(f"/team/people/{world[name]}").status_code == 404, name
    for name in ("cat", "boss", "oz"):
        assert client.get(f"/team/?team={world[name]}").status_code == 404, name
    assert client.get(f"/team/?team={world['lead']}").status_code == 200  # their own team


@pytest.mark.parametrize("page", ["/team/", "/team/people", "/team/people.csv"])
def test_a_sub_team_filter_outside_the_subtree_is_404(app: Flask, world: World, page: str) -> None:
    client = client_for(app, world.emails["boss"])
    for team in (world["oz"], world["other"], 999999):
        response = client.get(f"{page}?team={team}")
        assert response.status_code == 404, (page, team)
        assert "Outsider" not in response.get_data(as_text=True)
    inside = client.get(f"{page}?team={world['lead']}")
    assert inside.status_code == 200
    # The boss's own id is the whole team; a non-number is ignored, like no filter at all.
    assert client.get(f"{page}?team={world['boss']}").status_code == 200
    assert client.get(f"{page}?team=oz").status_code == 200


def test_nothing_of_an_outsider_appears_anywhere(app: Flask, world: World) -> None:
    client = client_for(app, world.emails["boss"])
    pages = [
        "/team/",
        "/team/?direct=1",
        "/team/people?q=Oz",
        "/team/people?q=oz%40team",
        "/team/people?level=4",
        "/team/people?sort=overall&dir=desc",
        f"/team/people?team={world['lead']}",
    ]
    for url in pages:
        html = client.get(url).get_data(as_text=True)
        for marker in ("Outsider", "oz@team.example.com", "Ola Other", "Dan Gone"):
            assert marker not in html, (url, marker)
    for url in ("/team/people.csv", "/team/people.csv?q=Oz", "/team/people.csv?level=4"):
        body = client.get(url).get_data(as_text=True)
        assert "Outsider" not in body and "oz@team" not in body and "Dan Gone" not in body
    rows = read_csv(client.get("/team/people.csv").data)
    assert {row["Email"] for row in rows} == {
        world.emails[name] for name in ("lead", "ann", "bob", "eve", "cat")
    }


def test_team_pages_change_nothing(app: Flask, world: World) -> None:
    client = client_for(app, world.emails["boss"])
    before = table_snapshot(app)
    for url in (*TEAM_GETS, f"/team/people/{world['ann']}", f"/team/people/{world['oz']}"):
        client.get(url).get_data()
    assert table_snapshot(app) == before
    for url in ("/team/", "/team/people", "/team/people.csv", f"/team/people/{world['ann']}"):
        assert client.post(url).status_code in {400, 405}, url


def test_managers_never_see_quiz_answers(
    app: Flask,
    make_user: Callable[..., User],
    logged_in: Callable[[User], FlaskClient],
    tmp_path: Path,
) -> None:
    boss = make_user(name="Quiz Boss")
    learner = make_user(name="Quiz Taker", manager=boss)
    spec = sentinel_course()
    publish_spec(app, tmp_path, spec)
    learner_client = logged_in(learner)
    enrol(learner_client, spec.slug)
    complete_modules(learner_client, app, spec)
    submit(learner_client, app, start_quiz(learner_client, spec.slug), right=1)
    boss_client = client_for(app, boss.email)
    pages = [
        f"/team/people/{learner.id}",
        "/team/",
        "/team/people",
        "/team/people.csv",
    ]
    for url in pages:
        body = boss_client.get(url).get_data(as_text=True)
        assert FEEDBACK_SENTINEL not in body and EXPLANATION_SENTINEL not in body, url
        assert "Option a of" not in body and "Which option fits" not in body, url
        assert not re.search(r"/attempts/\d+", body), url
    person = boss_client.get(f"/team/people/{learner.id}").get_data(as_text=True)
    assert "Sentinel course" in person and "Not passed yet (1 attempt)" in person
    # The attempt itself stays the learner's own.
    with app.app_context():
        from sqlalchemy import select

        from lms.learn.models import Attempt

        attempt_id = db.session.scalar(select(Attempt.id).where(Attempt.user_id == learner.id))
        db.session.remove()
    assert boss_client.get(f"/attempts/{attempt_id}").status_code == 404


def test_odd_ids_and_values_are_404_or_ignored_never_500(app: Flask, world: World) -> None:
    client = client_for(app, world.emails["boss"])
    huge = "9" * 20  # beyond any 64-bit id
    for url in (
        f"/team/?team={huge}",
        f"/team/people/{huge}",
        f"/team/people.csv?team={huge}",
        "/team/?team=-3",
        "/team/?team=0",
    ):
        assert client.get(url).status_code == 404, url
    for url in (
        "/team/people?level=%C2%B2",
        "/team/people?level=-1",
        "/team/people?page=-4",
        f"/team/people?page={huge}",
        "/team/people?sort=__class__&dir=up",
        "/team/people?q=" + "x" * 5000,
        "/team/?direct=yes",
        "/team/people?stalled=%FF",
    ):
        assert client.get(url).status_code == 200, url
    # Control characters are refused before any view runs (lms.inputs).
    assert client.get("/team/people?function=%00").status_code == 400
