"""The organisation view: weekly snapshots (computed in SQL, idempotent), access, statement counts
that do not grow with the organisation, leaders' learning, and the AI literacy record export."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from lms.activity.models import ActivityEvent
from lms.courses.models import Course, CourseVersion
from lms.extensions import db
from lms.learn.models import Enrolment
from lms.literacy.models import OVERALL, LevelChange, LiteracyLevel
from lms.org.models import Snapshot
from lms.org.service import overview
from lms.org.snapshots import take_snapshot, week_start
from lms.people.models import User, utcnow
from tests.conftest import login
from tests.learn_helpers import (
    enrol,
    page,
    post,
    publish_spec,
    sentinel_course,
    start_check,
    submit,
)

WEEK = date(2031, 3, 10)  # a Monday
MIDWEEK = datetime(2031, 3, 12, 10, 0)


def run(app: Flask, *args: str) -> Result:
    return app.test_cli_runner().invoke(args=["lms", *args])


def add(app: Flask, *rows: Any) -> None:
    with app.app_context():
        db.session.add_all(rows)
        db.session.commit()
        db.session.remove()


def make_course(app: Flask, slug: str, title: str) -> int:
    with app.app_context():
        course = Course(slug=slug)
        db.session.add(course)
        db.session.flush()
        version = CourseVersion(
            course_id=course.id,
            number=1,
            content_hash="x" * 64,
            title=title,
            summary="s",
            audience=["everyone"],
            competencies=["evaluating"],
            target_level=2,
            estimated_minutes=10,
            prerequisites=[],
            quiz_settings=None,
            overview_html="",
            source={},
        )
        db.session.add(version)
        db.session.flush()
        course.current_version_id = version.id
        db.session.commit()
        course_id = course.id
        db.session.remove()
    return course_id


@pytest.fixture
def org(make_user: Callable[..., User]) -> dict[str, User]:
    long_ago = datetime(2030, 1, 1)
    ceo = make_user(
        name="Cleo CEO", is_executive=True, job_function="leadership", created_at=long_ago
    )
    head1 = make_user(
        name="Hal Head", title="CTO", job_function="engineering", manager=ceo, created_at=long_ago
    )
    x1 = make_user(name="Xia One", job_function="engineering", manager=head1, created_at=long_ago)
    x2 = make_user(name="Xan Two", job_function="sales", manager=head1, created_at=long_ago)
    head2 = make_user(
        name="Hanna Head", title="CRO", job_function="sales", manager=ceo, created_at=long_ago
    )
    y1 = make_user(name="Yves One", job_function="sales", manager=head2, created_at=long_ago)
    late = make_user(
        name="Lee Late", job_function="sales", manager=head2, created_at=datetime(2031, 3, 20)
    )
    admin = make_user(name="Ada Admin", is_admin=True, job_function="hr", created_at=long_ago)
    return {
        "ceo": ceo,
        "head1": head1,
        "x1": x1,
        "x2": x2,
        "head2": head2,
        "y1": y1,
        "late": late,
        "admin": admin,
    }


def history(app: Flask, org: dict[str, User]) -> int:
    course_id = make_course(app, "some-course", "Some course")
    add(
        app,
        LevelChange(
            user_id=org["x1"].id,
            competency=OVERALL,
            old_level=0,
            new_level=1,
            changed_at=datetime(2031, 2, 1),
        ),
        LevelChange(
            user_id=org["x1"].id,
            competency=OVERALL,
            old_level=1,
            new_level=2,
            changed_at=datetime(2031, 3, 1),
        ),
        LevelChange(
            user_id=org["x2"].id, competency=OVERALL, old_level=0, new_level=1, changed_at=MIDWEEK
        ),
        LevelChange(
            user_id=org["y1"].id,
            competency=OVERALL,
            old_level=0,
            new_level=3,
            changed_at=datetime(2031, 3, 18),
        ),  # after the week
        LevelChange(
            user_id=org["y1"].id,
            competency="evaluating",
            old_level=0,
            new_level=4,
            changed_at=datetime(2031, 3, 1),
        ),  # an area, not overall
        ActivityEvent(
            user_id=org["x1"].id,
            verb="opened",
            object_type="module",
            object_id="a/b",
            occurred_at=MIDWEEK,
        ),
        ActivityEvent(
            user_id=org["x1"].id,
            verb="opened",
            object_type="module",
            object_id="a/c",
            occurred_at=MIDWEEK + timedelta(hours=1),
        ),
        ActivityEvent(
            user_id=org["y1"].id,
            verb="opened",
            object_type="module",
            object_id="a/b",
            occurred_at=datetime(2031, 3, 9, 23, 59),
        ),  # Sunday before
        Enrolment(
            user_id=org["x2"].id,
            course_id=course_id,
            source="self",
            enrolled_at=datetime(2031, 3, 1),
            completed_at=MIDWEEK,
        ),
    )
    return course_id


def snapshots(app: Flask) -> dict[tuple[str, str], tuple[Any, ...]]:
    with app.app_context():
        rows = db.session.scalars(select(Snapshot).where(Snapshot.week_start == WEEK)).all()
        result = {
            (s.group_type, s.group_key): (
                s.people,
                s.average_level,
                s.practising_share,
                s.active_learners,
                s.completions,
            )
            for s in rows
        }
        db.session.remove()
    return result


def test_a_weekly_snapshot_is_computed_in_sql_and_idempotent(
    app: Flask, org: dict[str, User]
) -> None:
    history(app, org)
    result = run(app, "snapshots", "take", "--week", "2031-03-12")
    assert result.exit_code == 0, result.output
    assert "Week of 2031-03-10:" in result.output
    taken = snapshots(app)
    # Seven people existed (Lee joined later); levels as of Sunday night: Xia 2, Xan 1.
    assert taken[("all", "all")] == (7, round(3 / 7, 4), round(1 / 7, 4), 1, 1)
    head1, head2 = str(org["head1"].id), str(org["head2"].id)
    assert taken[("department", head1)] == (3, 1.0, round(1 / 3, 4), 1, 1)
    assert taken[("department", head2)] == (2, 0.0, 0.0, 0, 0)
    assert taken[("function", "sales")] == (3, round(1 / 3, 4), 0.0, 0, 1)
    assert taken[("function", "engineering")] == (2, 1.0, 0.5, 1, 0)
    assert ("department", str(org["ceo"].id)) not in taken
    # The measured (Xia, Xan: a level by then) apart, and the whole organisation per level.
    assert taken[("measured", "all")] == (2, 1.5, 0.5, 1, 1)
    assert taken[("measured", f"department:{head1}")] == (2, 1.5, 0.5, 1, 1)
    assert taken[("measured", "function:sales")] == (1, 1.0, 0.0, 0, 1)
    assert ("measured", f"department:{head2}") not in taken
    assert taken[("level", "none")] == (5, 0.0, 0.0, 0, 0)
    assert taken[("level", "1")] == (1, 1.0, 0.0, 0, 1)
    assert taken[("level", "2")] == (1, 2.0, 1.0, 1, 0)
    assert ("level", "0") not in taken

    again = run(app, "snapshots", "take", "--week", "2031-03-10")
    assert again.exit_code == 0
    assert snapshots(app) == taken
    with app.app_context():
        assert db.session.scalar(select(func.count(Snapshot.id))) == len(taken)

    # New evidence for that week replaces the stored figures; the row count stays the same.
    add(
        app,
        ActivityEvent(
            user_id=org["y1"].id,
            verb="opened",
            object_type="module",
            object_id="a/b",
            occurred_at=MIDWEEK,
        ),
    )
    assert run(app, "snapshots", "take", "--week", "2031-03-16").exit_code == 0
    assert snapshots(app)[("department", head2)][3] == 1
    with app.app_context():
        assert db.session.scalar(select(func.count(Snapshot.id))) == len(taken)


def test_several_weeks_back(app: Flask, org: dict[str, User]) -> None:
    history(app, org)
    result = run(app, "snapshots", "take", "--week", "2031-03-10", "--weeks", "3")
    assert result.exit_code == 0
    assert result.output.count("Week of") == 3
    with app.app_context():
        weeks = set(db.session.scalars(select(Snapshot.week_start)))
    assert weeks == {date(2031, 2, 24), date(2031, 3, 3), WEEK}
    assert run(app, "snapshots", "take", "--week", "soon").exit_code != 0


def client_for(app: Flask, user: User) -> FlaskClient:
    client = app.test_client()
    assert login(client, user.email).status_code == 302
    return client


def test_the_org_view_is_for_executives_and_admins(app: Flask, org: dict[str, User]) -> None:
    history(app, org)
    run(app, "snapshots", "take", "--week", "2031-03-10", "--weeks", "2")
    for who in ("ceo", "admin"):
        body = page(client_for(app, org[who]), "/org/")
        assert "By job function" in body and "By department" in body
        assert "Hal Head (CTO)" in body and "Hanna Head (CRO)" in body
        assert "Weekly figures" in body
    for who in ("head2", "y1"):
        assert client_for(app, org[who]).get("/org/").status_code == 403
    nav = page(client_for(app, org["ceo"]), "/")
    assert 'href="/org/"' in nav
    assert 'href="/org/"' not in page(client_for(app, org["y1"]), "/")


def bulk_people(app: Flask, boss: User, count: int, prefix: str) -> None:
    """A few departments under ``boss`` with levels and snapshots' worth of activity."""
    with app.app_context():
        heads = []
        for index in range(4):
            head = User(
                email=f"{prefix}head{index}@example.com",
                name=f"Head {index}",
                job_function="engineering",
                manager_id=boss.id,
            )
            db.session.add(head)
            heads.append(head)
        db.session.flush()
        functions = ["engineering", "sales", "hr", "finance", "legal"]
        for index in range(count):
            person = User(
                email=f"{prefix}{index}@example.com",
                name=f"P {index}",
                job_function=functions[index % 5],
                manager_id=heads[index % 4].id,
            )
            db.session.add(person)
            db.session.flush()
            db.session.add(
                LiteracyLevel(
                    user_id=person.id, competency=OVERALL, level=index % 5, score=0.5, evidence=1.0
                )
            )
            db.session.add(
                LiteracyLevel(
                    user_id=person.id,
                    competency="evaluating",
                    level=index % 4,
                    score=0.5,
                    evidence=1.0,
                )
            )
        db.session.commit()
        db.session.remove()


def test_the_org_view_runs_a_fixed_number_of_statements(
    app: Flask, org: dict[str, User], count_statements: Callable[[], Any]
) -> None:
    # Computed live at both sizes here; reading a stored summary is tested in test_summaries.
    app.config["SUMMARY_LIVE_BELOW"] = 10**9
    client = client_for(app, org["ceo"])
    with count_statements() as small:
        assert client.get("/org/").status_code == 200
    bulk_people(app, org["ceo"], 300, "many")
    history(app, org)
    assert run(app, "snapshots", "take", "--weeks", "8").exit_code == 0
    with count_statements() as large:
        body = client.get("/org/").get_data(as_text=True)
    assert small.count == large.count, (small.statements, large.statements)
    assert large.count <= 9
    assert "Head 3" in body
    assert 'id="change-since"' in body
    week = re.findall(r'<option value="([0-9-]+)"', body.split('id="since"')[1])[-1]
    with count_statements() as compared:
        body = client.get(f"/org/?since={week}").get_data(as_text=True)
    assert compared.count == large.count  # the weeks compared with come with the snapshots read
    assert f'<option value="{week}" selected>' in body


def test_leaders_learning_is_shown_when_admins_turn_it_on(app: Flask, org: dict[str, User]) -> None:
    course_id = history(app, org)
    add(
        app,
        Enrolment(
            user_id=org["ceo"].id,
            course_id=course_id,
            source="self",
            enrolled_at=datetime(2031, 1, 1),
            completed_at=datetime(2031, 1, 9),
        ),
        LiteracyLevel(user_id=org["ceo"].id, competency=OVERALL, level=3, score=0.8, evidence=10.0),
    )
    employee = client_for(app, org["y1"])
    assert employee.get("/org/leaders").status_code == 404
    manager = client_for(app, org["head2"])
    assert post(manager, "/org/settings/leaders").status_code == 403

    admin = client_for(app, org["admin"])
    assert "Only admins see this page now" in page(admin, "/org/leaders")
    response = post(admin, "/org/settings/leaders")
    assert response.status_code == 302
    assert admin.post("/org/settings/leaders").status_code == 400  # no CSRF token

    body = page(employee, "/org/leaders").split('id="leaders"')[1]
    row = body.split("Cleo CEO")[1].split("</tr>")[0]
    assert "3 · Proficient" in row and "<td>1</td>" in row and "09 Jan 2031" in row
    assert "Hal Head" not in body and "Yves One" not in body  # not executives
    assert "See what our leaders are learning" in page(employee, "/pulse/")

    post(admin, "/org/settings/leaders")
    assert employee.get("/org/leaders").status_code == 404


# ---------------------------------------------------------------------- the AI literacy record


def test_a_person_s_record_has_trainings_dates_levels_and_role(
    app: Flask, org: dict[str, User]
) -> None:
    history(app, org)
    add(
        app,
        LiteracyLevel(
            user_id=org["x2"].id,
            competency="evaluating",
            level=2,
            score=0.6,
            evidence=5.0,
            updated_at=datetime(2031, 3, 12),
        ),
        LiteracyLevel(
            user_id=org["x2"].id,
            competency=OVERALL,
            level=1,
            score=0.3,
            evidence=0.0,
            updated_at=datetime(2031, 3, 12),
        ),
    )
    client = client_for(app, org["head1"])
    response = client.get(f"/org/record/person/{org['x2'].id}.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert (
        'attachment; filename="ai-literacy-record-xan-two-'
        in response.headers["Content-Disposition"]
    )
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == 1
    row = rows[0]
    assert row["email"] == org["x2"].email and row["job_function"] == "sales"
    assert row["role"] == "employee" and row["overall_level"] == "1"
    assert row["level_evaluating"] == "2" and row["level_foundations"] == "0"
    assert row["training_course"] == "some-course" and row["training_title"] == "Some course"
    assert row["training_completed_on"] == "2031-03-12" and row["training_source"] == "self"

    data = json.loads(client.get(f"/org/record/person/{org['x2'].id}.json").get_data())
    assert "Article 4" in data["purpose"]
    (person,) = data["people"]
    assert person["trainings_completed"] == [
        {
            "course": "some-course",
            "title": "Some course",
            "enrolled_on": "2031-03-01",
            "completed_on": "2031-03-12",
            "source": "self",
        }
    ]
    assert person["levels"]["evaluating"] == 2 and person["overall_level_label"] == "Aware"


def test_team_records_stream_the_subtree(app: Flask, org: dict[str, User]) -> None:
    history(app, org)
    client = client_for(app, org["head1"])
    rows = list(
        csv.DictReader(
            io.StringIO(
                client.get(f"/org/record/team/{org['head1'].id}.csv").get_data(as_text=True)
            )
        )
    )
    assert {row["email"] for row in rows} == {org[k].email for k in ("head1", "x1", "x2")}
    assert {row["role"] for row in rows if row["email"] == org["head1"].email} == {"manager"}
    ceo = client_for(app, org["ceo"])
    data = json.loads(ceo.get("/org/record/everyone.json").get_data())
    assert len(data["people"]) == 8
    everyone = ceo.get("/org/record/everyone.csv").get_data(as_text=True)
    assert everyone.count("\n") == 9  # header + one row each (one training, for Xan)


@pytest.mark.parametrize(
    ("viewer", "url_for_target", "status"),
    [
        ("head1", ("person", "x1"), 200),  # in my subtree
        ("head1", ("person", "head1"), 200),  # myself
        ("head1", ("person", "y1"), 404),  # another department
        ("head1", ("team", "head2"), 404),
        ("head2", ("team", "head2"), 200),
        ("y1", ("person", "x1"), 404),
        ("y1", ("person", "y1"), 200),
        ("y1", ("team", "head2"), 404),  # my manager's team
        ("ceo", ("person", "y1"), 200),  # executives: anyone
        ("admin", ("team", "head1"), 200),  # admins: anyone
    ],
)
def test_record_access(
    app: Flask,
    org: dict[str, User],
    viewer: str,
    url_for_target: tuple[str, str],
    status: int,
) -> None:
    kind, target = url_for_target
    client = client_for(app, org[viewer])
    for fmt in ("csv", "json"):
        response = client.get(f"/org/record/{kind}/{org[target].id}.{fmt}")
        body = response.get_data(as_text=True)  # read it all: the body is streamed
        assert response.status_code == status, (viewer, kind, target, fmt)
        if status == 404:
            assert org[target].email not in body
    assert client.get(f"/org/record/person/{org[target].id}.xml").status_code == 404
    assert client.get("/org/record/person/999999.csv").status_code == 404


def test_everyone_record_is_for_executives(app: Flask, org: dict[str, User]) -> None:
    assert client_for(app, org["head2"]).get("/org/record/everyone.csv").status_code == 403


def test_spreadsheet_formulas_are_neutralised(app: Flask, make_user: Callable[..., User]) -> None:
    person = make_user(name='=HYPERLINK("http://evil")', title="+1", is_admin=True)
    body = client_for(app, person).get(f"/org/record/person/{person.id}.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in body and ",'+1," in body


# ------------------------------------------------------------- measured, and not measured


def level_row(user: User, competency: str, level: int, evidence: float) -> LiteracyLevel:
    return LiteracyLevel(
        user_id=user.id, competency=competency, level=level, score=0.5, evidence=evidence
    )


@pytest.fixture
def measured_org(app: Flask, make_user: Callable[..., User]) -> dict[str, User]:
    """Five active people: three measured (overall levels 3, 0 and 1) and two never assessed
    (one without any stored level, one whose only answers do not count yet: levels stored at 0
    with no evidence behind them), and a deactivated measured person who counts nowhere."""
    long_ago = datetime(2020, 1, 1)

    def person(name: str, function: str, **fields: Any) -> User:
        return make_user(name=name, job_function=function, created_at=long_ago, **fields)

    ceo = person("Cleo CEO", "leadership", is_executive=True)
    people = {
        "ceo": ceo,
        "zero": person("Zed Zero", "engineering", manager=ceo),
        "one": person("Una One", "sales", manager=ceo),
        "never": person("Nev Never", "sales", manager=ceo),
        "unapproved": person("Ulla Unapproved", "engineering", manager=ceo),
        "gone": person("Gone Away", "sales", manager=ceo, active=False),
    }
    add(
        app,
        level_row(ceo, "evaluating", 4, 14.0),
        level_row(ceo, "directing", 3, 8.0),
        level_row(ceo, OVERALL, 3, 0.0),  # the overall row never stores an amount
        level_row(people["zero"], "evaluating", 0, 1.0),  # answered: no reliable evidence yet
        level_row(people["zero"], OVERALL, 0, 0.0),
        level_row(people["one"], "evaluating", 2, 4.0),
        level_row(people["one"], OVERALL, 1, 0.0),
        level_row(people["unapproved"], "evaluating", 0, 0.0),
        level_row(people["unapproved"], OVERALL, 0, 0.0),
        level_row(people["gone"], "evaluating", 4, 14.0),
        level_row(people["gone"], OVERALL, 4, 0.0),
    )
    return people


def test_not_measured_is_apart_from_level_0(app: Flask, measured_org: dict[str, User]) -> None:
    with app.app_context():
        data = overview(db.session, utcnow().date())
        db.session.remove()
    total = data.total
    assert (total.people, total.measured, total.not_measured) == (5, 3, 2)
    assert total.distribution == [1, 1, 0, 1, 0]  # Zed at 0 is measured; Nev and Ulla are not
    assert total.practising == 1 and round(total.practising_share, 4) == round(1 / 3, 4)
    assert total.median_level == 1
    # Areas share the headline's denominator: the three measured (Cleo, who has no answers in
    # foundations, is at 0 there).
    assert data.areas["evaluating"] == [1, 0, 1, 0, 1]
    assert data.areas["directing"] == [2, 0, 0, 1, 0]
    assert data.areas["foundations"] == [3, 0, 0, 0, 0]
    assert all(sum(levels) == 3 for levels in data.areas.values())
    sales = next(group for group in data.functions if group.key == "sales")
    assert (sales.people, sales.measured, sales.distribution) == (2, 1, [0, 1, 0, 0, 0])

    body = page(client_for(app, measured_org["ceo"]), "/org/")
    assert 'id="org-measured">3<' in body and 'id="org-people">5<' in body
    assert 'id="org-coverage">33%<' not in body and 'id="org-coverage">60%<' in body
    assert 'id="org-practising">33%<' in body and 'id="org-median">1 · Aware<' in body
    levels = body.split('id="org-levels"')[1].split("</table>")[0]
    assert (
        '<tr data-level="0"><th scope="row">0 · Not yet</th><td>1</td><td>33% of the measured'
        in levels
    )
    assert (
        '<tr data-level="none"><th scope="row">Not measured</th><td>2</td><td>40% of everyone'
        in levels
    )
    area = body.split('data-area="evaluating"')[1].split("</tr>")[0]
    assert '<td data-level="0">1 <small>33%</small>' in area
    # No mean of an ordinal scale anywhere.
    assert "Average level" not in body and "average overall level" not in body
    assert "How to read this page" in body and 'aria-describedby="note-measured"' in body
    assert 'id="note-measured"' in body and 'id="def-measured"' in body


def test_the_record_says_not_measured_instead_of_level_0(
    app: Flask, measured_org: dict[str, User]
) -> None:
    client = client_for(app, measured_org["ceo"])
    rows = {
        row["email"]: row
        for row in csv.DictReader(
            io.StringIO(client.get("/org/record/everyone.csv").get_data(as_text=True))
        )
    }
    assert "measured" in next(iter(rows.values()))
    for key in ("never", "unapproved"):
        row = rows[measured_org[key].email]
        assert row["measured"] == "no"
        assert row["overall_level"] == "" and row["level_evaluating"] == ""
    zero = rows[measured_org["zero"].email]
    assert zero["measured"] == "yes" and zero["overall_level"] == "0"
    assert zero["level_evaluating"] == "0" and zero["level_foundations"] == "0"
    assert rows[measured_org["ceo"].email]["overall_level"] == "3"
    assert measured_org["gone"].email not in rows

    data = json.loads(client.get("/org/record/everyone.json").get_data())
    people = {person["email"]: person for person in data["people"]}
    never = people[measured_org["never"].email]
    assert never["measured"] is False and never["overall_level"] is None
    assert never["overall_level_label"] == "Not measured"
    assert set(never["levels"].values()) == {None}
    zero_json = people[measured_org["zero"].email]
    assert zero_json["measured"] is True and zero_json["overall_level"] == 0
    assert zero_json["overall_level_label"] == "Not yet"
    assert "not measured" in data["measured"]


def test_leaders_learning_says_not_measured(app: Flask, make_user: Callable[..., User]) -> None:
    admin = make_user(name="Ada Admin", is_admin=True)
    make_user(name="Ned Exec", is_executive=True)
    body = page(client_for(app, admin), "/org/leaders")
    row = body.split("Ned Exec")[1].split("</tr>")[0]
    assert "Not measured yet" in row and "0 · Not yet" not in row


def test_change_since_a_chosen_week(app: Flask, measured_org: dict[str, User]) -> None:
    """Two weekly snapshots from the level history: Una reached level 1 three weeks ago, Cleo
    level 3 last week (both measured from then on); Zed's answers left no history (level 0), so
    he counts as measured only now. Then: 1 of 5, then 2 of 5, now 3 of 5."""
    this_week = week_start(utcnow().date())
    first, second = this_week - timedelta(weeks=3), this_week - timedelta(weeks=1)
    add(
        app,
        LevelChange(
            user_id=measured_org["one"].id,
            competency=OVERALL,
            old_level=0,
            new_level=1,
            changed_at=datetime.combine(first, datetime.min.time()) + timedelta(days=2),
        ),
        LevelChange(
            user_id=measured_org["ceo"].id,
            competency=OVERALL,
            old_level=0,
            new_level=3,
            changed_at=datetime.combine(second, datetime.min.time()) + timedelta(days=2),
        ),
    )
    empty = this_week - timedelta(weeks=5)  # nobody measured yet
    with app.app_context():
        take_snapshot(db.session, empty)
        take_snapshot(db.session, first)
        take_snapshot(db.session, second)
        db.session.commit()
        levels = {
            (s.week_start, s.group_key): s.people
            for s in db.session.scalars(select(Snapshot).where(Snapshot.group_type == "level"))
        }
        db.session.remove()
    assert levels.pop((empty, "none")) == 5
    assert levels == {
        (first, "none"): 4,
        (first, "1"): 1,
        (second, "none"): 3,
        (second, "1"): 1,
        (second, "3"): 1,
    }

    client = client_for(app, measured_org["ceo"])

    def change_rows(query: str) -> dict[str, str]:
        body = page(client, f"/org/{query}")
        table = body.split('id="change-since"')[1].split("</table>")[0]
        return {
            row.split('"')[0]: row.split("</tr>")[0] for row in table.split('data-figure="')[1:]
        }

    since_first = change_rows(f"?since={first.isoformat()}")
    assert "20% <small>(1 of 5)</small>" in since_first["measured"]
    assert "60% <small>(3 of 5)</small>" in since_first["measured"]
    assert "+40 pts" in since_first["measured"]
    assert since_first["level-0"].endswith("<td>+33 pts</td>")
    assert since_first["level-1"].endswith("<td>-67 pts</td>")
    assert since_first["level-3"].endswith("<td>+33 pts</td>")
    assert since_first["level-4"].endswith("<td>+0 pts</td>")
    assert since_first["practising"].endswith("<td>+33 pts</td>")
    since_second = change_rows(f"?since={second.isoformat()}")
    assert "+20 pts" in since_second["measured"]
    assert since_second["level-1"].endswith("<td>-17 pts</td>")
    assert since_second["level-3"].endswith("<td>-17 pts</td>")
    # With nobody measured then, no level had a share: no change either.
    since_empty = change_rows(f"?since={empty.isoformat()}")
    assert "0% <small>(0 of 5)</small>" in since_empty["measured"]
    assert "+60 pts" in since_empty["measured"]
    assert (
        since_empty["level-1"].endswith("<td>—</td>")
        and "<td>— <small>(0)" in since_empty["level-1"]
    )
    assert since_empty["practising"].endswith("<td>—</td>")
    # Without a week, or with one that is not a snapshot's or not a date: the oldest week.
    for query in (
        "",
        "?since=soon",
        "?since=2001-01-01",
        f"?since={this_week.isoformat()}",
        "?since=%C3%A9",
    ):
        assert change_rows(query) == since_empty, query
    body = page(client, f"/org/?since={second.isoformat()}")
    assert f'<option value="{second.isoformat()}" selected>' in body
    # Per group: Cleo's function had nobody measured three weeks ago (so no level 2+ change).
    body = page(client, f"/org/?since={first.isoformat()}")
    leadership = body.split('data-group="leadership"')[1].split("</tr>")[0]
    assert "<td>+100 pts</td>\n      <td>—</td>" in leadership


def test_a_snapshot_counts_as_measured_whoever_answered_by_the_end_of_the_week(
    app: Flask, make_user: Callable[..., User], tmp_path: Path
) -> None:
    """Real answers, all wrong: level 0 with evidence behind it. This week's snapshot counts the
    learner measured at level 0; last week's, before the answers, not measured."""
    spec = sentinel_course()
    publish_spec(app, tmp_path, spec)
    learner = make_user(name="Wren Wrong", created_at=datetime(2020, 1, 1))
    make_user(name="Idle Ivy", created_at=datetime(2020, 1, 1))
    client = client_for(app, learner)
    enrol(client, spec.slug)
    attempt = start_check(client, spec.slug, "check-the-figures")
    assert submit(client, app, attempt, right=False).status_code == 302
    this_week = week_start(utcnow().date())
    with app.app_context():
        now_rows = take_snapshot(db.session, this_week)
        before_rows = take_snapshot(db.session, this_week - timedelta(weeks=1))
        db.session.commit()
        level = db.session.scalar(
            select(LiteracyLevel.level).where(
                LiteracyLevel.user_id == learner.id, LiteracyLevel.competency == OVERALL
            )
        )
        db.session.remove()
    assert level == 0

    def levels(rows: list[Any]) -> dict[str, int]:
        return {row.group_key: row.people for row in rows if row.group_type == "level"}

    assert levels(now_rows) == {"0": 1, "none": 1}
    assert levels(before_rows) == {"none": 2}
    measured = {(r.group_type, r.group_key): r.people for r in now_rows}
    assert measured[("measured", "all")] == 1
    assert measured[("measured", "function:engineering")] == 1
    assert ("measured", "all") not in {(r.group_type, r.group_key) for r in before_rows}
