"""Stored read summaries of large scopes (lms.summaries): when the team dashboard and the
organisation view read them, when they are recomputed, and when they are thrown away.

Tests lower ``SUMMARY_LIVE_BELOW`` so that small test teams count as large.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from lms.extensions import db
from lms.literacy.models import OVERALL
from lms.org.service import Overview, overview
from lms.org.snapshots import take_snapshot, week_start
from lms.people.admin import PersonChanges, update_person
from lms.people.models import User, utcnow
from lms.people.org import large_subtrees
from lms.summaries import codec, store
from lms.summaries.models import StoredSummary
from lms.team.dashboard import TeamSummary, team_summary
from lms.team.scope import Scope
from tests.conftest import csrf_token, login
from tests.test_team import Builder, make_team


def people_figure(client: FlaskClient, url: str = "/team/") -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    found = re.search(r'id="figure-people">(\d+)<', response.get_data(as_text=True))
    assert found, url
    return found.group(1)


def stored(app: Flask) -> dict[str, int]:
    with app.app_context():
        rows = db.session.execute(select(StoredSummary.key, StoredSummary.people)).all()
        db.session.remove()
    return {key: people for key, people in rows}


def set_summary(app: Flask, key: str, **values: Any) -> None:
    with app.app_context():
        db.session.execute(update(StoredSummary).where(StoredSummary.key == key).values(**values))
        db.session.commit()
        db.session.remove()


def client_for(app: Flask, user: User) -> FlaskClient:
    client = app.test_client()
    assert login(client, user.email).status_code == 302
    return client


def test_a_small_team_is_computed_on_every_view(
    app: Flask, make_user: Callable[..., User], logged_in: Callable[[User], FlaskClient]
) -> None:
    boss = make_user(name="Boss")
    make_user(name="First", manager=boss)
    client = logged_in(boss)
    assert people_figure(client) == "1"
    make_user(name="Second", manager=boss)
    page = client.get("/team/").get_data(as_text=True)
    assert 'id="figure-people">2<' in page
    assert "Refresh now" not in page  # nothing stored, nothing to refresh
    assert stored(app) == {}


def test_a_large_team_is_read_from_its_stored_summary(
    app: Flask,
    make_user: Callable[..., User],
    logged_in: Callable[[User], FlaskClient],
    count_statements: Callable[[], Any],
) -> None:
    app.config["SUMMARY_LIVE_BELOW"] = 2
    boss = make_user(name="Boss")
    lead = make_user(name="Lead", manager=boss)
    make_user(name="Under Lead", manager=lead)
    client = logged_in(boss)
    with count_statements() as cold:
        assert people_figure(client) == "2"
    assert stored(app) == {f"team:{boss.id}:all": 2}

    make_user(name="Newcomer", manager=boss)
    with count_statements() as warm:
        page = client.get("/team/").get_data(as_text=True)
    assert 'id="figure-people">2<' in page  # the stored figures, until they expire
    assert "a summary of this large team, recomputed every 5 minutes" in page
    assert warm.count <= cold.count - 6  # none of the aggregates ran
    assert not any("enrolments" in statement for statement in warm.statements)

    # "Refresh now" recomputes at once.
    token = csrf_token(client, "/team/")
    response = client.post("/team/refresh", data={"csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"] == "/team/"
    page = client.get("/team/").get_data(as_text=True)
    assert 'id="figure-people">3<' in page
    assert "The figures were recomputed just now." in page

    # Past the maximum age, the next view recomputes.
    make_user(name="Second Newcomer", manager=boss)
    assert people_figure(client) == "3"
    set_summary(app, f"team:{boss.id}:all", computed_at=utcnow() - timedelta(seconds=301))
    assert people_figure(client) == "4"
    assert stored(app) == {f"team:{boss.id}:all": 4}

    # A scope below the threshold (it shrank, or the threshold rose) is computed live again.
    make_user(name="Third Newcomer", manager=boss)
    app.config["SUMMARY_LIVE_BELOW"] = 250
    page = client.get("/team/").get_data(as_text=True)
    assert 'id="figure-people">5<' in page and "Refresh now" not in page


def test_an_expired_summary_another_worker_is_recomputing_is_served_meanwhile(
    app: Flask, make_user: Callable[..., User], logged_in: Callable[[User], FlaskClient]
) -> None:
    app.config["SUMMARY_LIVE_BELOW"] = 2
    boss = make_user(name="Boss")
    make_user(name="A", manager=boss)
    make_user(name="B", manager=boss)
    client = logged_in(boss)
    assert people_figure(client) == "2"
    make_user(name="C", manager=boss)
    now = utcnow()
    set_summary(
        app,
        f"team:{boss.id}:all",
        computed_at=now - timedelta(minutes=10),
        refresh_claimed_until=now + timedelta(minutes=1),
    )
    page = client.get("/team/").get_data(as_text=True)
    assert 'id="figure-people">2<' in page
    assert "(being recomputed now)" in page
    token = csrf_token(client, "/team/")
    client.post("/team/refresh", data={"csrf_token": token})  # the claim is someone else's
    page = client.get("/team/").get_data(as_text=True)
    assert 'id="figure-people">2<' in page
    assert "being recomputed by another request" in page
    # A claim that outlived its worker (it died mid-way) no longer blocks the recompute.
    set_summary(app, f"team:{boss.id}:all", refresh_claimed_until=now - timedelta(seconds=1))
    assert people_figure(client) == "3"


def test_scopes_are_stored_apart_and_access_is_checked_before_the_store(
    app: Flask, make_user: Callable[..., User], logged_in: Callable[[User], FlaskClient]
) -> None:
    app.config["SUMMARY_LIVE_BELOW"] = 1
    boss = make_user(name="Boss")
    lead = make_user(name="Lead", manager=boss)
    make_user(name="Under Lead", manager=lead)
    other = make_user(name="Other Boss")
    make_user(name="Other Report", manager=other)
    client = logged_in(boss)
    assert people_figure(client) == "2"
    assert people_figure(client, "/team/?direct=1") == "1"
    sub_team = client.get(f"/team/?team={lead.id}").get_data(as_text=True)
    assert 'id="figure-people">1<' in sub_team
    lead_client = client_for(app, lead)
    own = lead_client.get("/team/").get_data(as_text=True)
    assert 'id="figure-people">1<' in own
    # One stored summary serves both, but the HTML of each keeps its own links.
    assert f"/team/people?team={lead.id}&amp;stalled=1" in sub_team
    assert "/team/people?stalled=1" in own
    assert stored(app) == {
        f"team:{boss.id}:all": 2,
        f"team:{boss.id}:direct": 1,
        f"team:{lead.id}:all": 1,
    }
    # Stored figures are no way round the subtree rule.
    assert lead_client.get(f"/team/?team={boss.id}").status_code == 404
    assert client.get(f"/team/?team={other.id}").status_code == 404
    token = csrf_token(client, "/team/")
    assert (
        client.post(f"/team/refresh?team={other.id}", data={"csrf_token": token}).status_code == 404
    )
    assert f"team:{other.id}:all" not in stored(app)


def test_a_summary_stored_in_an_older_shape_is_recomputed_not_a_500(
    app: Flask, make_user: Callable[..., User], logged_in: Callable[[User], FlaskClient]
) -> None:
    """After a deploy that changed the figures' dataclasses, rows stored before it may not decode:
    the page recomputes them."""
    app.config["SUMMARY_LIVE_BELOW"] = 1
    boss = make_user(name="Boss")
    make_user(name="Report", manager=boss)
    client = logged_in(boss)
    assert people_figure(client) == "1"
    for payload in ('{"totals": {"people": 1}}', "not json", "[]"):
        set_summary(app, f"team:{boss.id}:all", payload=payload, computed_at=utcnow())
        make_user(name=f"Report for {payload}", manager=boss)
        page = client.get("/team/")
        assert page.status_code == 200
        assert f'id="figure-people">{stored(app)[f"team:{boss.id}:all"]}<' in page.get_data(
            as_text=True
        )
    assert stored(app) == {f"team:{boss.id}:all": 4}


def test_refresh_is_a_post_with_a_csrf_token_for_managers_only(
    app: Flask, make_user: Callable[..., User], logged_in: Callable[[User], FlaskClient]
) -> None:
    app.config["SUMMARY_LIVE_BELOW"] = 1
    boss = make_user(name="Boss")
    report = make_user(name="Report", manager=boss)
    client = logged_in(boss)
    assert client.get("/team/refresh").status_code == 405
    assert client.post("/team/refresh").status_code == 400
    report_client = client_for(app, report)
    token = csrf_token(report_client, "/account/password")
    assert report_client.post("/team/refresh", data={"csrf_token": token}).status_code == 403
    assert stored(app) == {}


def test_only_one_worker_claims_an_expired_summary(app: Flask) -> None:
    """Eight threads (each with its own connection, like eight workers) race for one claim."""
    now = utcnow()
    with app.app_context():
        engine = db.engine
        store._store(engine, "team:1:all", 5, "{}", now - timedelta(hours=1), 10)
    results: list[bool] = []
    barrier = threading.Barrier(8)

    def claim() -> None:
        barrier.wait()
        results.append(store._claim(engine, "team:1:all", now))

    threads = [threading.Thread(target=claim) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 7 + [True]
    with app.app_context():
        engine.dispose()


def test_changes_to_the_chart_and_new_snapshots_forget_stored_summaries(
    app: Flask, make_user: Callable[..., User]
) -> None:
    boss = make_user(name="Boss")
    report = make_user(name="Report", manager=boss)
    admin = make_user(name="Admin", is_admin=True)
    now = utcnow()
    with app.app_context():
        engine = db.engine
        for key in ("org", f"team:{boss.id}:all"):
            store._store(engine, key, 1, "{}", now, 1)
        take_snapshot(db.session, week_start(now.date()))
        db.session.commit()
        assert set(store.stored_keys(db.session)) == {f"team:{boss.id}:all"}

        person = db.session.get(User, report.id)
        acting = db.session.get(User, admin.id)
        assert person is not None and acting is not None
        changes = PersonChanges(
            email=person.email,
            name="Report Renamed",
            job_function=person.job_function,
            title=person.title,
            manager_email=boss.email,
            is_author=False,
            is_admin=False,
            is_executive=False,
            active=True,
        )
        update_person(db.session, person, changes, acting=acting)  # same manager: kept
        db.session.commit()
        assert store.stored_keys(db.session) == [f"team:{boss.id}:all"]
        changes = PersonChanges(**{**changes.__dict__, "manager_email": ""})
        update_person(db.session, person, changes, acting=acting)
        db.session.commit()
        assert store.stored_keys(db.session) == []
        db.session.remove()


def test_the_org_view_reads_its_stored_summary_and_the_live_setting(
    app: Flask,
    make_user: Callable[..., User],
    logged_in: Callable[[User], FlaskClient],
    count_statements: Callable[[], Any],
) -> None:
    app.config["SUMMARY_LIVE_BELOW"] = 2
    chief = make_user(name="Chief", is_executive=True, is_admin=True)
    make_team(app, chief.id, 12)
    client = logged_in(chief)
    with count_statements() as cold:
        first = client.get("/org/").get_data(as_text=True)
    assert 'id="org-people">13<' in first
    assert stored(app) == {"org": 13}
    make_user(name="Newcomer", manager=chief)
    with count_statements() as warm:
        again = client.get("/org/").get_data(as_text=True)
    assert 'id="org-people">13<' in again
    assert warm.count <= cold.count - 3
    # The leaders setting is read live, not from the stored figures.
    assert "is <strong>not shown</strong>" in again
    token = csrf_token(client, "/org/")
    assert client.post("/org/settings/leaders", data={"csrf_token": token}).status_code == 302
    assert "is <strong>shown to everyone</strong>" in client.get("/org/").get_data(as_text=True)
    response = client.post("/org/refresh", data={"csrf_token": token})
    assert response.status_code == 303
    assert 'id="org-people">14<' in client.get("/org/").get_data(as_text=True)
    # Not for people who may not see the organisation view.
    report = client_for(app, make_user(name="Someone"))
    token = csrf_token(report, "/account/password")
    assert report.post("/org/refresh", data={"csrf_token": token}).status_code == 403


def test_stored_figures_decode_to_equal_objects(app: Flask, make_user: Callable[..., User]) -> None:
    chief = make_user(name="Chief", is_executive=True)
    make_team(app, chief.id, 15)
    now = utcnow()
    with app.app_context():
        take_snapshot(db.session, week_start(now.date()) - timedelta(weeks=1))
        team = team_summary(db.session, Scope(chief.id, chief.id), now)
        org = overview(db.session, now.date())
        db.session.remove()
    assert team.totals.people == 15 and org.total.people == 16
    assert codec.loads(TeamSummary, codec.dumps(team)) == team
    assert codec.loads(Overview, codec.dumps(org)) == org
    assert org.all_trend and codec.loads(Overview, codec.dumps(org)).all_trend == org.all_trend


def test_large_subtrees_counts_active_people_at_every_depth(
    app: Flask, make_user: Callable[..., User]
) -> None:
    top = make_user(name="Top")
    middle = make_user(name="Middle", manager=top)
    for number in range(3):
        make_user(name=f"Leaf {number}", manager=middle)
    make_user(name="Gone", manager=middle, active=False)
    make_user(name="Direct", manager=top)
    with app.app_context():
        assert large_subtrees(db.session, 1) == [(top.id, 5), (middle.id, 3)]
        assert large_subtrees(db.session, 4) == [(top.id, 5)]
        db.session.remove()


def test_the_refresh_command_stores_every_large_scope(
    app: Flask, make_user: Callable[..., User]
) -> None:
    app.config["SUMMARY_LIVE_BELOW"] = 3
    top = make_user(name="Top", is_executive=True)
    middle = make_user(name="Middle", manager=top)
    for number in range(3):
        make_user(name=f"Leaf {number}", manager=middle)
    small = make_user(name="Small", manager=top)
    make_user(name="Small's report", manager=small)
    with app.app_context():
        store._store(db.engine, f"team:{small.id}:all", 1, "{}", utcnow(), 1)  # no longer large
    result = app.test_cli_runner().invoke(args=["lms", "summaries", "refresh"])
    assert result.exit_code == 0, result.output
    assert stored(app) == {"org": 7, f"team:{top.id}:all": 6, f"team:{middle.id}:all": 3}
    assert "Summaries: 3 stored (scopes of 3+ people)" in result.output
    assert re.search(rf"team:{top.id}:all\s+6 people", result.output)
    result = app.test_cli_runner().invoke(args=["lms", "summaries", "clear"])
    assert result.exit_code == 0 and stored(app) == {}


def test_the_summary_shows_measured_levels(app: Flask, make_user: Callable[..., User]) -> None:
    """A stored summary carries the same heatmap a live one shows (levels come through JSON)."""
    app.config["SUMMARY_LIVE_BELOW"] = 1
    boss = make_user(name="Boss")
    with app.app_context():
        builder = Builder()
        person = builder.person("Levelled", boss.id)
        builder.level(person, OVERALL, 3)
        db.session.commit()
        db.session.remove()
    client = client_for(app, boss)
    for _ in range(2):  # computed and stored, then read back
        page = client.get("/team/").get_data(as_text=True)
        row = re.search(r'data-area="overall".*?</tr>', page, re.S)
        assert row and "100%" in row.group(0)
