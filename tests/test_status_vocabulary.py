"""One enrolment reads the same on every page that shows it: the catalog, the course page, the
learner's home, the manager's person page and the assignments list."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from flask import Flask
from sqlalchemy import update

from lms.assignments.models import Assignment
from lms.extensions import db
from lms.learn.models import Enrolment
from lms.learn.status import enrolment_status
from lms.people.models import User, utcnow
from tests.learn_helpers import (
    client_for,
    page,
    post,
    publish_spec,
    read_module,
    sentinel_course,
)

SLUG = "sentinel-course"
STATUS = re.compile(r"data-status>([^<]+)<")


def test_the_four_words() -> None:
    now = datetime(2026, 1, 10, 12)
    later, earlier = now + timedelta(days=1), now - timedelta(days=1)

    def label(**kw: object) -> str:
        values: dict[str, object] = {
            "completed_at": None,
            "due_at": None,
            "now": now,
            "modules_done": 0,
            "modules_total": 3,
        }
        values.update(kw)
        return enrolment_status(**values).label  # type: ignore[arg-type]

    assert label() == "Not started"
    assert label(modules_done=1) == "In progress 33%"
    assert label(modules_done=2, due_at=later) == "In progress 67%"
    assert label(modules_done=1, due_at=earlier) == "Overdue"
    assert label(due_at=earlier, completed_at=earlier) == "Completed"
    assert label(modules_total=0) == "Not started"


def _statuses(app: Flask, learner: User, manager: User) -> dict[str, list[str]]:
    mine = client_for(app, learner)
    boss = client_for(app, manager)
    catalog = page(mine, "/courses")
    card = catalog[catalog.index(f'href="/courses/{SLUG}"') :]
    card = card[: card.index("</article>")]
    return {
        "catalog": STATUS.findall(card),
        "course": STATUS.findall(page(mine, f"/courses/{SLUG}")),
        "home": STATUS.findall(page(mine, "/")),
        "person": STATUS.findall(page(boss, f"/team/people/{learner.id}")),
        "assignments": STATUS.findall(page(boss, "/assignments/")),
    }


def test_one_enrolment_reads_the_same_on_every_page(
    app: Flask, make_user: Callable[..., User], tmp_path: Path
) -> None:
    publish_spec(app, tmp_path, sentinel_course(SLUG))
    boss = make_user(name="Bea Boss")
    bob = make_user(name="Bob Dev", manager=boss)
    due = (utcnow().date() + timedelta(days=14)).isoformat()
    data = {"course": SLUG, "scope": "selected", "due_on": due, "note": "", "people": [bob.id]}
    assert post(client_for(app, boss), "/assignments/new", data).status_code == 302

    def same_everywhere(expected: str) -> None:
        seen = _statuses(app, bob, boss)
        assert seen == {name: [expected] for name in seen}, seen

    same_everywhere("Not started")
    read_module(client_for(app, bob), SLUG, "first-steps")
    same_everywhere("In progress 33%")

    yesterday = utcnow().date() - timedelta(days=1)
    with app.app_context():
        db.session.execute(update(Assignment).values(due_on=yesterday))
        db.session.execute(
            update(Enrolment).values(due_at=datetime.combine(yesterday, datetime.max.time()))
        )
        db.session.commit()
    same_everywhere("Overdue")


def test_home_starts_with_a_continue_card(
    app: Flask, make_user: Callable[..., User], tmp_path: Path
) -> None:
    publish_spec(app, tmp_path, sentinel_course(SLUG))
    boss = make_user(name="Bea Boss")
    bob = make_user(name="Bob Dev", manager=boss)
    mine = client_for(app, bob)
    assert 'id="continue-learning"' not in page(mine, "/")  # nothing to continue yet

    due = (utcnow().date() + timedelta(days=14)).isoformat()
    data = {"course": SLUG, "scope": "selected", "due_on": due, "note": "", "people": [bob.id]}
    assert post(client_for(app, boss), "/assignments/new", data).status_code == 302
    home = page(mine, "/")
    card = home[home.index('id="continue-learning"') : home.index("</section>")]
    assert "Continue learning" in card and "Sentinel course" in card
    assert "Start: First steps" in card and "0% complete" in card and "Not started" in card
    assert "due " + (utcnow().date() + timedelta(days=14)).strftime("%d %b %Y") in card
    # The card comes before the assigned courses and the literacy profile.
    assert home.index("continue-learning") < home.index("assigned-courses")
    assert home.index("assigned-courses") < home.index("levels-heading")

    read_module(mine, SLUG, "first-steps")
    home = page(mine, "/")
    card = home[home.index('id="continue-learning"') : home.index("</section>")]
    assert "Continue: Check the figures" in card
    assert "33% complete" in card and "In progress 33%" in card
    assert f'/courses/{SLUG}/check-the-figures"' in card
