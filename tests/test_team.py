"""Team dashboard: figures on a constructed data set, the direct-reports switch, sub-teams, the
people table (sort, filters, paging), the person page and the CSV export.

The data set is written straight into the real database (people, levels, enrolments, events,
attempts, ratings, badges) with chosen times around a fixed ``NOW``, so every expected figure can be
worked out by hand; the same figures are then checked on the rendered pages. An outsider team with
data of its own sits next to it: none of it may count.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from lms.activity.models import ActivityEvent
from lms.courses.models import Course
from lms.extensions import db
from lms.learn.models import Attempt, Enrolment, SelfRating
from lms.literacy.models import OVERALL, LevelChange, LiteracyLevel
from lms.people.models import User, utcnow
from lms.recognition.models import Badge, BadgeAward
from lms.team.dashboard import TeamSummary, team_summary
from lms.team.export import csv_chunks, safe_cell
from lms.team.people import (
    AREAS,
    PeopleFilters,
    PersonRow,
    Sort,
    iter_people,
    people_page,
    person_detail,
)
from lms.team.scope import Scope
from lms.team.sql import week_starts
from tests.conftest import PASSWORD, login

NOW = datetime(2025, 3, 12, 15, 0)  # a Wednesday
_serial = itertools.count(1)


def days_ago(days: float, now: datetime = NOW) -> datetime:
    return now - timedelta(days=days)


class Builder:
    """Writes rows for tests; use inside an app context, then ``commit``."""

    def __init__(self) -> None:
        self.session = db.session
        self.courses: dict[str, int] = {}
        self.badges: dict[str, int] = {}

    def person(
        self,
        name: str,
        manager: int | None = None,
        *,
        function: str = "engineering",
        created_at: datetime | None = None,
        active: bool = True,
        email: str | None = None,
        title: str = "Specialist",
    ) -> int:
        number = next(_serial)
        user = User(
            email=email or f"{name.split()[0].lower()}.{number}@team.example.com",
            name=name,
            job_function=function,
            title=title,
            manager_id=manager,
            active=active,
            password_hash=_password_hash(),
            created_at=created_at or days_ago(365),
        )
        self.session.add(user)
        self.session.flush()
        return int(user.id)

    def course(self, slug: str) -> int:
        if slug not in self.courses:
            course = self.session.scalar(select(Course).where(Course.slug == slug))
            if course is None:
                course = Course(slug=slug)
                self.session.add(course)
                self.session.flush()
            self.courses[slug] = course.id
        return self.courses[slug]

    def enrol(
        self,
        user: int,
        slug: str,
        *,
        source: str = "self",
        enrolled_at: datetime,
        due_at: datetime | None = None,
        completed_at: datetime | None = None,
    ) -> None:
        self.session.add(
            Enrolment(
                user_id=user,
                course_id=self.course(slug),
                source=source,
                enrolled_at=enrolled_at,
                due_at=due_at,
                completed_at=completed_at,
            )
        )

    def event(self, user: int, at: datetime, verb: str = "opened") -> None:
        self.session.add(
            ActivityEvent(
                user_id=user, verb=verb, object_type="module", object_id="m", occurred_at=at
            )
        )

    def level(self, user: int, competency: str, level: int) -> None:
        self.session.add(
            LiteracyLevel(user_id=user, competency=competency, level=level, score=0.5, evidence=1.0)
        )

    def change(self, user: int, competency: str, old: int, new: int, at: datetime) -> None:
        self.session.add(
            LevelChange(
                user_id=user, competency=competency, old_level=old, new_level=new, changed_at=at
            )
        )

    def rating(self, user: int, competency: str, level: int, at: datetime = NOW) -> None:
        self.session.add(SelfRating(user_id=user, competency=competency, level=level, rated_at=at))
        self.session.flush()  # ids follow insertion order: the latest rating has the highest id

    def attempt(
        self,
        user: int,
        slug: str,
        *,
        passed: bool | None,
        kind: str = "quiz",
        submitted: bool = True,
        at: datetime = NOW,
    ) -> None:
        self.session.add(
            Attempt(
                user_id=user,
                kind=kind,
                course_id=self.course(slug),
                question_version_ids=[],
                started_at=at,
                submitted_at=at if submitted else None,
                score=(1.0 if passed else 0.2) if submitted else None,
                passed=passed if submitted else None,
            )
        )

    def badge(self, user: int, slug: str, *, revoked: bool = False, at: datetime = NOW) -> None:
        if slug not in self.badges:
            badge = Badge(
                slug=slug,
                name=f"Badge {slug}",
                description="A test badge",
                criteria_html="<p>Do it</p>",
                criteria={"type": "course-completed", "course": "x"},
                alignments=[],
                image_svg="<svg></svg>",
                image_png=b"png",
                content_hash="0" * 64,
            )
            self.session.add(badge)
            self.session.flush()
            self.badges[slug] = badge.id
        self.session.add(
            BadgeAward(
                badge_id=self.badges[slug],
                user_id=user,
                recipient_salt="salt",
                awarded_at=at,
                revoked_at=at if revoked else None,
            )
        )

    def commit(self) -> None:
        self.session.commit()


_HASH: list[str] = []


def _password_hash() -> str:
    if not _HASH:
        from tests.conftest import _PASSWORD_HASH

        _HASH.append(_PASSWORD_HASH)
    return _HASH[0]


@dataclass
class World:
    ids: dict[str, int] = field(default_factory=dict)
    emails: dict[str, str] = field(default_factory=dict)

    def __getitem__(self, name: str) -> int:
        return self.ids[name]


def build_world(app: Flask, now: datetime = NOW) -> World:
    """boss -> lead -> (ann, bob, eve); boss -> cat; boss -> dan (deactivated).
    other -> oz: an outsider team with data of its own (must never count)."""
    world = World()
    starts = week_starts(now, 12)

    def ago(days: float) -> datetime:
        return days_ago(days, now)

    def in_week(index: int) -> datetime:
        return starts[index] + timedelta(days=2, hours=12)

    with app.app_context():
        b = Builder()
        boss = b.person("Bo Boss", created_at=ago(400), title="Director")
        lead = b.person("Lee Lead", boss, created_at=ago(120), title="Team lead")
        ann = b.person("Ann Archer", lead, created_at=ago(100), email="ann@team.example.com")
        bob = b.person("Bob Brown", lead, function="sales", created_at=in_week(0) - timedelta(10))
        eve = b.person("Eve Evans", lead, created_at=ago(20))
        # Created after her first assignment (imported history): invited = the assignment.
        cat = b.person("Cat Carter", boss, created_at=ago(10))
        dan = b.person("Dan Gone", boss, active=False)
        other = b.person("Ola Other", created_at=ago(400))
        oz = b.person("=Oz Outsider", other, created_at=ago(300), email="oz@team.example.com")
        world.ids.update(
            boss=boss, lead=lead, ann=ann, bob=bob, eve=eve, cat=cat, dan=dan, other=other, oz=oz
        )

        # Levels: overall lead 2, ann 3, bob 1 (cat, eve: none = 0); evaluating ann 2, bob 2.
        for person, competency, level in [
            (lead, OVERALL, 2),
            (lead, "directing", 3),
            (ann, OVERALL, 3),
            (ann, "evaluating", 2),
            (bob, OVERALL, 1),
            (bob, "evaluating", 2),
            (dan, OVERALL, 4),
            (oz, OVERALL, 4),
            (oz, "evaluating", 4),
        ]:
            b.level(person, competency, level)
        b.change(ann, OVERALL, 0, 1, ago(50))
        b.change(ann, OVERALL, 1, 3, ago(5))
        b.change(ann, "evaluating", 0, 2, ago(5))

        # Activity. First events: lead 20 days after invitation, ann 4, bob 10, cat 2.
        b.event(lead, ago(100))
        b.event(ann, ago(96))
        b.event(ann, in_week(10))
        b.event(ann, now - timedelta(hours=2))
        b.event(ann, now - timedelta(hours=1))
        b.event(bob, in_week(0))
        b.event(bob, in_week(10))
        b.event(cat, ago(58))  # week 3
        b.event(cat, in_week(5))
        b.event(dan, now - timedelta(hours=1))
        b.event(oz, now - timedelta(hours=1))
        b.event(oz, ago(300))

        # Enrolments: assigned lead (done), ann (overdue), bob (open), cat (overdue).
        b.enrol(
            lead,
            "course-a",
            source="assigned",
            enrolled_at=ago(90),
            due_at=ago(60),
            completed_at=ago(70),
        )
        b.enrol(ann, "course-a", source="assigned", enrolled_at=ago(10), due_at=ago(1))
        b.enrol(ann, "course-b", enrolled_at=ago(10))
        b.enrol(bob, "course-b", enrolled_at=ago(60))
        b.enrol(bob, "course-a", source="assigned", enrolled_at=ago(60), due_at=ago(-10))
        b.enrol(cat, "course-a", source="assigned", enrolled_at=ago(60), due_at=ago(30))
        b.enrol(oz, "course-a", source="assigned", enrolled_at=ago(90), due_at=ago(30))
        b.enrol(dan, "course-b", enrolled_at=ago(90))

        # Quiz attempts: 4 submitted quiz attempts in scope, 2 passed.
        b.attempt(ann, "course-a", passed=False, at=now)
        b.attempt(ann, "course-a", passed=True, at=now)
        b.attempt(ann, "course-a", passed=True, kind="check", at=now)  # not a quiz
        b.attempt(bob, "course-a", passed=False, at=now)
        b.attempt(bob, "course-a", passed=None, submitted=False, at=now)  # still open
        b.attempt(cat, "course-a", passed=True, at=now)
        b.attempt(oz, "course-a", passed=True, at=now)

        # Self-ratings (the latest per area counts).
        b.rating(ann, "evaluating", 1, ago(30))
        b.rating(ann, "evaluating", 3, ago(3))
        b.rating(bob, "evaluating", 4, now)
        b.rating(cat, "evaluating", 2, now)
        b.rating(lead, "directing", 1, now)
        b.rating(oz, "evaluating", 0, now)

        b.badge(ann, "x", at=now)
        b.badge(ann, "y", revoked=True, at=now)
        b.badge(bob, "x", at=now)
        b.badge(oz, "x", at=now)
        b.commit()
        for name, person_id in world.ids.items():
            user = db.session.get(User, person_id)
            assert user is not None
            world.emails[name] = user.email
        db.session.remove()
    return world


@pytest.fixture
def world(app: Flask) -> World:
    return build_world(app)


def summary_for(app: Flask, scope: Scope, now: datetime = NOW) -> TeamSummary:
    with app.app_context():
        result = team_summary(db.session, scope, now)
        db.session.remove()
    return result


# ------------------------------------------------------------------------------------- figures


def test_summary_figures_on_the_constructed_team(app: Flask, world: World) -> None:
    summary = summary_for(app, Scope(world["boss"], world["boss"]))
    t = summary.totals
    assert t.people == 5  # lead, ann, bob, eve, cat; not dan (deactivated), not oz (outsider)
    # Measured: lead, ann and bob. Cat and Eve never answered anything that counts: they are
    # "not measured", apart from level 0, and every share is of the three measured.
    assert (summary.overall.measured, summary.overall.not_measured) == (3, 2)
    assert summary.measured_share == "60%"
    assert [cell.count for cell in summary.overall.cells] == [0, 1, 1, 1, 0]
    assert [cell.share for cell in summary.overall.cells] == ["0%", "33%", "33%", "33%", "0%"]
    assert summary.overall.practising == 2 and summary.practising_share == "67%"
    evaluating = next(area for area in summary.areas if area.competency == "evaluating")
    # Lead is measured but has no answers in this area: level 0 there, as in the overall level.
    assert [cell.count for cell in evaluating.cells] == [1, 0, 2, 0, 0]
    assert (evaluating.measured, evaluating.not_measured) == (3, 2)
    directing = next(area for area in summary.areas if area.competency == "directing")
    assert [cell.count for cell in directing.cells] == [2, 0, 0, 1, 0]
    assert (t.assigned, t.assigned_done, t.overdue, t.assigned_people) == (4, 1, 2, 4)
    assert (t.voluntary, t.voluntary_people, t.completed) == (2, 2, 1)
    assert (t.badges, t.badge_people) == (2, 2)  # the revoked badge does not count
    assert (t.quiz_attempts, t.quiz_passed, t.quiz_people) == (4, 2, 3)
    assert summary.pass_rate_text == "50%"
    assert t.stalled == 1  # cat: unfinished for 60 days, last activity 40 days ago
    assert t.active_recently == 2  # ann and bob (week 10); cat's last event is too old


def test_weekly_active_learners_count_distinct_people_per_iso_week(
    app: Flask, world: World
) -> None:
    summary = summary_for(app, Scope(world["boss"], world["boss"]))
    learners = [week.learners for week in summary.weeks]
    expected = [0] * 12
    expected[0] = 1  # bob
    expected[3] = 1  # cat's first event
    expected[5] = 1  # cat
    expected[10] = 2  # ann and bob
    expected[11] = 1  # ann, twice in the current week: one learner
    assert learners == expected
    assert summary.weeks[-1].label == "2025-W11" and summary.weeks[0].label == "2024-W52"
    assert summary.weeks[-1].start == datetime(2025, 3, 10)


def test_median_days_from_invitation_to_first_activity(app: Flask, world: World) -> None:
    summary = summary_for(app, Scope(world["boss"], world["boss"]))
    # lead 20, ann 4, bob 10, cat 2 (from her first assignment, which precedes her account)
    assert summary.onboarding.started == 4
    assert summary.onboarding.median_days == 7.0
    assert summary.never_active == 1  # eve
    sub_team = summary_for(app, Scope(world["boss"], world["lead"]))
    assert sub_team.onboarding.median_days == 7.0  # ann 4, bob 10 (lead is not in it)
    assert sub_team.onboarding.started == 2 and sub_team.never_active == 1


def test_calibration_compares_the_latest_self_rating_with_the_measured_level(
    app: Flask, world: World
) -> None:
    summary = summary_for(app, Scope(world["boss"], world["boss"]))
    rows = {row.competency: row for row in summary.calibration}
    assert set(rows) == {"evaluating", "directing"}
    evaluating = rows["evaluating"]  # ann 3 vs 2, bob 4 vs 2, cat 2 vs 0 (no level yet)
    assert (evaluating.people, evaluating.self_rated, evaluating.measured) == (3, 3.0, 1.33)
    assert evaluating.difference == 1.67
    directing = rows["directing"]  # lead rates 1, measured 3
    assert (directing.people, directing.self_rated, directing.measured) == (1, 1.0, 3.0)


def test_direct_reports_only(app: Flask, world: World) -> None:
    summary = summary_for(app, Scope(world["boss"], world["boss"], direct_only=True))
    t = summary.totals
    assert t.people == 2  # lead and cat
    assert (t.assigned, t.assigned_done, t.overdue) == (2, 1, 1)
    assert (t.quiz_attempts, t.quiz_passed) == (1, 1)
    assert t.stalled == 1 and t.badges == 0
    assert [cell.count for cell in summary.overall.cells] == [0, 0, 1, 0, 0]  # lead
    assert summary.overall.not_measured == 1  # cat
    learners = [week.learners for week in summary.weeks]
    assert learners[3] == 1 and learners[5] == 1 and sum(learners) == 2
    assert summary.onboarding.median_days == 11.0  # lead 20, cat 2


def test_an_empty_scope_has_no_figures_and_no_errors(app: Flask, world: World) -> None:
    summary = summary_for(app, Scope(world["boss"], world["eve"]))
    assert summary.totals.people == 0
    assert summary.practising_share == "-" and summary.pass_rate_text == "-"
    assert summary.measured_share == "-" and summary.overall.measured == 0
    assert summary.onboarding.median_days is None and summary.calibration == []
    assert [week.learners for week in summary.weeks] == [0] * 12


# --------------------------------------------------------------------------------- the people


def names(
    app: Flask, scope: Scope, filters: PeopleFilters, sort: Sort, now: datetime = NOW
) -> list[str]:
    with app.app_context():
        page = people_page(db.session, scope, filters, sort, 1, now)
        db.session.remove()
    return [row.name for row in page.rows]


def test_people_rows_carry_each_persons_figures(app: Flask, world: World) -> None:
    with app.app_context():
        page = people_page(
            db.session, Scope(world["boss"], world["boss"]), PeopleFilters(), Sort(), 1, NOW
        )
        db.session.remove()
    rows = {row.name: row for row in page.rows}
    assert list(rows) == ["Ann Archer", "Bob Brown", "Cat Carter", "Eve Evans", "Lee Lead"]
    ann = rows["Ann Archer"]
    assert (ann.overall, ann.levels["evaluating"], ann.levels["directing"]) == (3, 2, 0)
    assert (ann.completed, ann.assigned, ann.assigned_done, ann.overdue) == (0, 1, 0, 1)
    assert ann.badges == 1 and not ann.stalled
    assert ann.last_active == NOW - timedelta(hours=1)
    assert rows["Cat Carter"].stalled and rows["Cat Carter"].overdue == 1
    lead = rows["Lee Lead"]
    assert (lead.overall, lead.completed, lead.assigned_done, lead.levels["directing"]) == (
        2,
        1,
        1,
        3,
    )
    assert rows["Eve Evans"].last_active is None and rows["Eve Evans"].overall == 0


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        (Sort("overall", True), ["Ann Archer", "Lee Lead", "Bob Brown", "Cat Carter", "Eve Evans"]),
        (Sort("overall"), ["Cat Carter", "Eve Evans", "Bob Brown", "Lee Lead", "Ann Archer"]),
        (Sort("name", True), ["Lee Lead", "Eve Evans", "Cat Carter", "Bob Brown", "Ann Archer"]),
        (Sort("function"), ["Ann Archer", "Cat Carter", "Eve Evans", "Lee Lead", "Bob Brown"]),
        (Sort("overdue", True), ["Ann Archer", "Cat Carter", "Bob Brown", "Eve Evans", "Lee Lead"]),
        (Sort("badges", True), ["Ann Archer", "Bob Brown", "Cat Carter", "Eve Evans", "Lee Lead"]),
        (
            Sort("last_active", True),
            ["Ann Archer", "Bob Brown", "Cat Carter", "Lee Lead", "Eve Evans"],
        ),
        (Sort("last_active"), ["Lee Lead", "Cat Carter", "Bob Brown", "Ann Archer", "Eve Evans"]),
        (
            Sort("level_evaluating", True),
            ["Ann Archer", "Bob Brown", "Cat Carter", "Eve Evans", "Lee Lead"],
        ),
    ],
)
def test_people_sort(app: Flask, world: World, sort: Sort, expected: list[str]) -> None:
    assert names(app, Scope(world["boss"], world["boss"]), PeopleFilters(), sort) == expected


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (PeopleFilters(function="sales"), ["Bob Brown"]),
        (PeopleFilters(level=0), ["Cat Carter", "Eve Evans"]),
        (PeopleFilters(level=3), ["Ann Archer"]),
        (PeopleFilters(stalled=True), ["Cat Carter"]),
        (PeopleFilters(query="ARCH"), ["Ann Archer"]),
        (PeopleFilters(query="team lead"), ["Lee Lead"]),  # the title
        (PeopleFilters(query="ann@team"), ["Ann Archer"]),  # the email
        (PeopleFilters(query="%"), []),  # wildcards are searched for literally
        (PeopleFilters(query="Oz"), []),  # an outsider is never found
        (PeopleFilters(function="sales", level=0), []),
    ],
)
def test_people_filters(
    app: Flask, world: World, filters: PeopleFilters, expected: list[str]
) -> None:
    assert names(app, Scope(world["boss"], world["boss"]), filters, Sort()) == expected


def test_filters_and_sort_come_only_from_the_whitelists() -> None:
    args = {"function": "astronaut", "level": "9", "sort": "password_hash", "dir": "sideways"}
    assert PeopleFilters.parse(args) == PeopleFilters()
    assert Sort.parse(args) == Sort()
    parsed = PeopleFilters.parse({"function": "sales", "level": "2", "stalled": "1", "q": " x "})
    assert parsed == PeopleFilters("x", "sales", 2, True)
    assert Sort.parse({"sort": "overall", "dir": "desc"}) == Sort("overall", True)


def test_direct_only_and_sub_team_people(app: Flask, world: World) -> None:
    direct = Scope(world["boss"], world["boss"], direct_only=True)
    assert names(app, direct, PeopleFilters(), Sort()) == ["Cat Carter", "Lee Lead"]
    sub_team = Scope(world["boss"], world["lead"])
    assert names(app, sub_team, PeopleFilters(), Sort()) == ["Ann Archer", "Bob Brown", "Eve Evans"]


def test_paging_in_sql(app: Flask, world: World) -> None:
    scope = Scope(world["boss"], world["boss"])
    with app.app_context():
        first = people_page(db.session, scope, PeopleFilters(), Sort(), 1, NOW, per_page=2)
        third = people_page(db.session, scope, PeopleFilters(), Sort(), 3, NOW, per_page=2)
        beyond = people_page(db.session, scope, PeopleFilters(), Sort(), 99, NOW, per_page=2)
        db.session.remove()
    assert [row.name for row in first.rows] == ["Ann Archer", "Bob Brown"]
    assert (first.total, first.pages, first.first, first.last) == (5, 3, 1, 2)
    assert [row.name for row in third.rows] == ["Lee Lead"]
    assert beyond.page == 3 and [row.name for row in beyond.rows] == ["Lee Lead"]


def test_iter_people_streams_every_matching_row(app: Flask, world: World) -> None:
    with app.app_context():
        rows = list(
            iter_people(
                db.session,
                Scope(world["boss"], world["boss"]),
                PeopleFilters(),
                Sort("overall", True),
                NOW,
                batch=2,
            )
        )
        db.session.remove()
    assert [row.name for row in rows][:2] == ["Ann Archer", "Lee Lead"] and len(rows) == 5


def test_person_detail(app: Flask, world: World) -> None:
    with app.app_context():
        detail = person_detail(db.session, world["boss"], world["ann"], NOW)
        assert detail is not None
        assert detail.person.name == "Ann Archer" and not detail.has_reports
        assert detail.overall == 3
        assert [(c.competency, c.new_level) for c in detail.history] == [
            (OVERALL, 1),
            (OVERALL, 3),
            ("evaluating", 2),
        ]
        assert {(c.slug, c.status) for c in detail.courses} == {
            ("course-a", "Overdue"),
            ("course-b", "Not started"),
        }
        course_a = next(c for c in detail.courses if c.slug == "course-a")
        assert (course_a.quiz_attempts, course_a.quiz_passed) == (2, True)
        assert [c.slug for c in detail.assignments] == ["course-a"]
        assert [b.name for b in detail.badges] == ["Badge x"]
        assert detail.overall_chart.points.count(",") == 6  # start, two steps, end
        lead = person_detail(db.session, world["boss"], world["lead"], NOW)
        assert lead is not None and lead.has_reports
        for outside in ("oz", "other", "boss", "dan"):
            assert person_detail(db.session, world["boss"], world[outside], NOW) is None
        db.session.remove()


# -------------------------------------------------------------------------------------- pages


@pytest.fixture
def boss_client(client: FlaskClient, world: World) -> FlaskClient:
    assert login(client, world.emails["boss"], PASSWORD).status_code == 302
    return client


def page_text(client: FlaskClient, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return str(response.get_data(as_text=True))


def test_dashboard_page_shows_the_figures(boss_client: FlaskClient) -> None:
    html = page_text(boss_client, "/team/")
    assert 'id="figure-people">5<' in html
    assert "My team" in html and 'aria-current="page">Overview' in html
    assert "Weekly active learners" in html and "<svg" in html
    assert 'id="heatmap"' in html and 'id="calibration"' in html and 'id="weekly-table"' in html
    assert 'id="figure-measured">3 of 5<' in html
    assert "Not measured: <strong>2</strong> of 5 people" in html
    overall = html.split('data-area="overall"')[1].split("</tr>")[0]
    assert '<td data-level="none">2</td>' in overall
    assert 'data-level="0">0<small>0%</small>' in overall  # nobody measured is at level 0
    assert "Outsider" not in html
    assert 'style="' not in html and "<script" not in html  # the CSP forbids both
    direct = page_text(boss_client, "/team/?direct=1")
    assert 'id="figure-people">2<' in direct and "direct reports only" in direct


def test_people_page_sorts_filters_and_links_people(boss_client: FlaskClient, world: World) -> None:
    html = page_text(boss_client, "/team/people?sort=overall&dir=desc")
    order = [html.index(name) for name in ("Ann Archer", "Lee Lead", "Bob Brown")]
    assert order == sorted(order)
    assert f'href="/team/people/{world["ann"]}"' in html
    assert 'aria-sort="descending"><a href="/team/people?sort=overall&amp;dir=asc"' in html
    filtered = page_text(boss_client, "/team/people?function=sales")
    assert "Bob Brown" in filtered and "Ann Archer" not in filtered
    assert "/team/people.csv?function=sales" in filtered
    assert "Outsider" not in page_text(boss_client, "/team/people?q=Oz")


def test_person_page(boss_client: FlaskClient, world: World) -> None:
    html = page_text(boss_client, f"/team/people/{world['ann']}")
    assert "Ann Archer" in html and "course-a" in html and "Badge x" in html
    assert "Overdue" in html and "level 3" in html
    lead = page_text(boss_client, f"/team/people/{world['lead']}")
    assert f"/team/?team={world['lead']}" in lead


def test_sub_team_dashboard(boss_client: FlaskClient, world: World) -> None:
    html = page_text(boss_client, f"/team/?team={world['lead']}")
    assert 'id="figure-people">3<' in html and "The team of Lee Lead" in html


def read_csv(body: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def test_csv_export_has_the_filtered_rows(boss_client: FlaskClient) -> None:
    response = boss_client.get("/team/people.csv?sort=overall&dir=desc")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="team-')
    rows = read_csv(response.data)
    assert [row["Name"] for row in rows] == [
        "Ann Archer",
        "Lee Lead",
        "Bob Brown",
        "Cat Carter",
        "Eve Evans",
    ]
    assert rows[0]["Overall level"] == "3" and rows[0]["Level: Evaluating outputs"] == "2"
    assert rows[0]["Assignments overdue"] == "1" and rows[0]["Badges"] == "1"
    assert rows[3]["Stalled"] == "yes"
    sales = read_csv(boss_client.get("/team/people.csv?function=sales").data)
    assert [row["Name"] for row in sales] == ["Bob Brown"]
    direct = read_csv(boss_client.get("/team/people.csv?direct=1").data)
    assert [row["Name"] for row in direct] == ["Cat Carter", "Lee Lead"]


def test_csv_cells_cannot_be_formulas() -> None:
    for dangerous in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert safe_cell(dangerous) == "'" + dangerous
    assert safe_cell("Ann") == "Ann" and safe_cell(3) == "3" and safe_cell(None) == ""


def test_csv_export_neutralises_a_formula_in_a_name(
    app: Flask, make_user: Callable[..., User], logged_in: Callable[[User], FlaskClient]
) -> None:
    boss = make_user(name="Boss")
    make_user(name='=HYPERLINK("http://evil.example","click")', manager=boss)
    make_user(name="@risky", manager=boss, title="-2+3")
    rows = read_csv(logged_in(boss).get("/team/people.csv").data)
    assert sorted(row["Name"] for row in rows) == [
        '\'=HYPERLINK("http://evil.example","click")',
        "'@risky",
    ]
    assert {row["Title"] for row in rows} == {"Specialist", "'-2+3"}


# Used by the statement-count tests too.
def make_team(app: Flask, manager: int, size: int, *, now: datetime | None = None) -> list[int]:
    """``size`` reports under ``manager`` (every tenth leads a few of the others), each with
    levels, enrolments, activity, attempts, ratings and sometimes a badge."""
    now = now or utcnow()
    people: list[int] = []
    with app.app_context():
        b = Builder()
        leads = [manager]
        for number in range(size):
            boss = leads[number % len(leads)] if number % 10 else manager
            person = b.person(f"Member {manager}-{number:03d}", boss, created_at=days_ago(200, now))
            people.append(person)
            if number % 10 == 0:
                leads.append(person)
            b.level(person, OVERALL, number % 5)
            b.level(person, "evaluating", (number + 1) % 5)
            b.change(person, OVERALL, 0, number % 5, days_ago(number % 40, now))
            b.enrol(person, f"course-{number % 3}", enrolled_at=days_ago(50, now))
            b.enrol(
                person,
                "assigned-course",
                source="assigned",
                enrolled_at=days_ago(45, now),
                due_at=days_ago(number % 20 - 10, now),
                completed_at=days_ago(1, now) if number % 4 == 0 else None,
            )
            for week in range(number % 6):
                b.event(person, days_ago(week * 7 + 1, now))
            b.attempt(person, "course-0", passed=number % 2 == 0, at=days_ago(3, now))
            b.rating(person, "evaluating", number % 4)
            if number % 3 == 0:
                b.badge(person, f"b{manager}")
        b.commit()
        db.session.remove()
    return people


@dataclass
class Teams:
    small_manager: User
    big_manager: User
    small: list[int]
    big: list[int]


@pytest.fixture
def teams(app: Flask, make_user: Callable[..., User]) -> Iterator[Teams]:
    small_manager = make_user(name="Small Manager")
    big_manager = make_user(name="Big Manager")
    small = make_team(app, small_manager.id, 3)
    big = make_team(app, big_manager.id, 60)
    yield Teams(small_manager, big_manager, small, big)


def test_paging_links_keep_the_filters(
    app: Flask, teams: Teams, logged_in: Callable[[User], FlaskClient]
) -> None:
    client = logged_in(teams.big_manager)
    html = page_text(client, "/team/people?function=engineering&sort=overall&dir=desc")
    assert "1\u201325 of 60 people" in html
    assert (
        'href="/team/people?function=engineering&amp;sort=overall&amp;dir=desc&amp;page=2"' in html
    )
    last = page_text(client, "/team/people?function=engineering&sort=overall&dir=desc&page=3")
    assert "51\u201360 of 60 people" in last and 'rel="next"' not in last
    assert len(read_csv(client.get("/team/people.csv").data)) == 60


def test_the_export_is_streamed_in_chunks(
    app: Flask, teams: Teams, logged_in: Callable[[User], FlaskClient]
) -> None:
    client = logged_in(teams.big_manager)
    response = client.get("/team/people.csv", buffered=False)
    assert response.is_streamed
    chunks = list(response.response)
    response.close()
    assert sum(chunk.count(b"\n") for chunk in chunks) == 61  # header and 60 people
    template = PersonRow(
        1, "A", "a@x", "", "sales", 0, dict.fromkeys(AREAS, 0), 0, 0, 0, 0, None, 0, False
    )
    many = csv_chunks(template for _ in range(450))
    sizes = [chunk.count("\n") for chunk in many]
    assert sizes == [200, 200, 51]  # a bounded number of lines at a time, never the whole file
