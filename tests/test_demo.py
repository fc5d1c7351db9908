"""The small demo (``flask lms demo``): every demo login opens on something to show and to do,
badges and certificates are up to date, the wall and the pulse's perception gap have figures, and
running it again changes nothing.

The demo is set up once for the module, on an empty database (it takes a while); the tests only
read it, and the last one runs the demo a second time to prove that changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

import pytest
from click.testing import Result
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from lms.authoring.models import CourseDraft
from lms.courses.models import Course
from lms.demo import DEMO_LOGINS, DEMO_PASSWORD
from lms.demo_story import KEEP_PRIVATE
from lms.extensions import db
from lms.learn.models import Attempt, Enrolment
from lms.people.models import User, utcnow
from lms.pulse.models import Pulse, PulseAnswerCount, PulseQuestion
from lms.pulse.results import pulse_results
from lms.recognition.kudos_models import Certificate, Kudos
from lms.recognition.models import Badge, BadgeAward, RecognitionSettings
from tests.conftest import _empty_tables, _test_config, login, table_snapshot

ELI, MAYA = DEMO_LOGINS["employee"], DEMO_LOGINS["manager"]
ADA, ALEX = DEMO_LOGINS["author"], DEMO_LOGINS["executive/admin"]
MINIMUM = 5  # LMS_PULSE_MIN_GROUP's default


@pytest.fixture(scope="module")
def demo(database_url: str) -> Iterator[tuple[Flask, str]]:
    """An app whose database holds the demo, and what the demo command printed."""
    from lms import create_app

    app = create_app(_test_config(database_url))
    yield app, run(app, "demo").output
    with app.app_context():
        db.session.remove()
        _empty_tables()
        db.engine.dispose()


def run(app: Flask, *args: str) -> Result:
    result = app.test_cli_runner().invoke(args=["lms", *args])
    assert result.exit_code == 0, result.output
    return result


def page(app: Flask, email: str, url: str) -> str:
    client: FlaskClient = app.test_client()
    assert login(client, email, DEMO_PASSWORD).status_code == 302
    response = client.get(url)
    assert response.status_code == 200, (email, url, response.status_code)
    return response.get_data(as_text=True)


def section(html: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}".*?</section>', html, re.S)
    assert match, f"no #{element_id}"
    return match.group(0)


def courses_of(email: str, completed: bool) -> set[str]:
    done = Enrolment.completed_at.is_not(None) if completed else Enrolment.completed_at.is_(None)
    return set(
        db.session.scalars(
            select(Course.slug)
            .join(Enrolment, Enrolment.course_id == Course.id)
            .join(User, User.id == Enrolment.user_id)
            .where(User.email == email, done)
        )
    )


def badges_of(email: str) -> set[str]:
    return set(
        db.session.scalars(
            select(Badge.slug)
            .join(BadgeAward, BadgeAward.badge_id == Badge.id)
            .join(User, User.id == BadgeAward.user_id)
            .where(User.email == email)
        )
    )


def test_every_demo_login_opens_on_something_to_show(demo: tuple[Flask, str]) -> None:
    app, output = demo
    assert "a story for" in output and "badges and" in output

    # Eli: a course to continue (with progress), one assigned and due soon, one completed with
    # its badge and certificate, the baseline taken.
    home = page(app, ELI, "/")
    card = section(home, "continue-learning")
    assert "Working with AI" in card and re.search(r'<progress value="([1-9]\d?)"', card)
    assert "Checking AI output" in home and "due" in home
    with app.app_context():
        assert courses_of(ELI, completed=True) == {"ai-foundations"}
        assert courses_of(ELI, completed=False) == {"working-with-ai", "checking-ai-output"}
        assert {"ai-foundations", "know-where-you-stand"} <= badges_of(ELI)
        eli = db.session.scalar(select(User).where(User.email == ELI))
        assert eli is not None
        assert db.session.scalar(
            select(Certificate.course_title).where(Certificate.user_id == eli.id)
        )
        assert db.session.scalar(
            select(func.count(Attempt.id)).where(
                Attempt.user_id == eli.id,
                Attempt.kind == "baseline",
                Attempt.submitted_at.is_not(None),
            )
        )
        due = db.session.scalar(
            select(Enrolment.due_at).where(
                Enrolment.user_id == eli.id, Enrolment.source == "assigned"
            )
        )
        assert due is not None and 0 < (due - utcnow()).days <= 14
        db.session.remove()

    # Maya: her team's Needs attention names someone overdue, someone stalled, someone who has
    # not started; she is learning herself and got kudos.
    attention = section(page(app, MAYA, "/team/"), "needs-attention")
    for name, reason in (
        ("Ken Sato", "Overdue on an assignment"),
        ("Jonas Berg", "No learning in over 30 days"),
        ("Tariq Rahman", "Has not started"),
    ):
        assert re.search(rf"{name}.{{0,200}}{reason}", attention, re.S), (name, reason)
    with app.app_context():
        assert courses_of(MAYA, completed=True) and courses_of(MAYA, completed=False)
        assert db.session.scalar(
            select(func.count(Kudos.id))
            .join(User, User.id == Kudos.recipient_id)
            .where(User.email == MAYA)
        )
        # Alex completed the executives' course and shows the leaders' learning; Ada writes.
        assert "ai-strategy-for-executives" in courses_of(ALEX, completed=True)
        assert "ai-leader" in badges_of(ALEX)
        assert db.session.scalar(
            select(func.count(CourseDraft.id))
            .join(User, User.id == CourseDraft.author_id)
            .where(User.email == ADA)
        )
        db.session.remove()
    assert "Alex Morgan" in page(app, ELI, "/org/leaders")
    assert "ai-meeting-assistants" in page(app, ADA, "/author/")

    # The wall: a realistic share of people opted in; kudos, badges and completions on it.
    with app.app_context():
        people = db.session.scalar(select(func.count(User.id))) or 0
        shown = db.session.scalar(
            select(func.count()).where(RecognitionSettings.show_on_wall.is_(True))
        )
        assert people * 0.4 <= (shown or 0) <= people - len(KEEP_PRIVATE)
        db.session.remove()
    wall = page(app, MAYA, "/recognition")
    assert wall.count("received kudos from") >= 5
    assert wall.count("earned the badge") >= 3

    # Badges and certificates are up to date, and the stored levels agree with the answers.
    assert "0 would be awarded" in run(app, "badges", "evaluate", "--dry-run").output
    assert "evidence: 0 changed" in run(app, "levels", "recompute").output
    assert "Issued 0 certificate(s)." in run(app, "badges", "certificates").output


def test_the_pulse_shows_a_perception_gap(demo: tuple[Flask, str]) -> None:
    """Executives and managers (alone, or together as Leaders) are enough to show in several
    rounds, and they rate the rollout higher than employees do."""
    app, _ = demo
    today = date.today()
    with app.app_context():
        pulse = db.session.scalars(select(Pulse)).first()
        assert pulse is not None
        strategic = db.session.scalar(
            select(PulseQuestion).where(
                PulseQuestion.pulse_id == pulse.id, PulseQuestion.key == "strategic"
            )
        )
        assert strategic is not None
        leaders = dict(
            db.session.execute(
                select(PulseAnswerCount.round_start, func.sum(PulseAnswerCount.count))
                .where(
                    PulseAnswerCount.question_id == strategic.id,
                    PulseAnswerCount.respondent_group.in_(["executive", "manager"]),
                )
                .group_by(PulseAnswerCount.round_start)
            ).all()
        )
        result = pulse_results(db.session, pulse, None, MINIMUM, today)
        released = [summary.start for summary in result.released_rounds]
        assert len(released) >= 4
        assert sum(1 for start in released if leaders.get(start, 0) >= MINIMUM) >= 3
        gaps = []
        for start in released:
            shown = pulse_results(db.session, pulse, start, MINIMUM, today)
            row = next(q for q in shown.questions if q.question.key == "strategic")
            if row.gap is not None:
                gaps.append(row.gap)
        db.session.remove()
    # Small groups: one round may go the other way, the rounds together clearly do not.
    assert len(gaps) >= 3 and sum(1 for gap in gaps if gap > 0) >= len(gaps) - 1, gaps
    assert sum(gaps) / len(gaps) > 0.4, gaps
    assert "Gap" in page(app, ALEX, "/pulse/results")


def test_running_the_demo_again_changes_nothing(demo: tuple[Flask, str]) -> None:
    app, _ = demo
    before = table_snapshot(app)
    again = run(app, "demo").output
    assert "a story" not in again and "awarded" not in again
    after = table_snapshot(app)
    changed = {
        name
        for name in before
        if len(before[name]) != len(after[name])
        or (name not in RETAKEN and before[name] != after[name])
    }
    assert changed == set()


# Retaken on every run with the same number of rows (their times of computation change).
RETAKEN = {"org_snapshots"}
