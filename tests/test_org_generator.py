"""The large-organisation generator: deterministic for a seed, a realistic shape, every dashboard's
tables filled, and ``lms demo --people`` refuses to build a second one."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

from click.testing import Result
from flask import Flask
from sqlalchemy import func, select

from lms.config import PROJECT_ROOT
from lms.demo_large import LargeDemoError, build_large_org
from lms.extensions import db
from lms.people.models import User
from lms.pulse.format import load_pulses
from lms.pulse.service import publish_pulse
from tests.conftest import _empty_tables
from tests.learn_helpers import publish_spec, sentinel_course

TODAY = date(2031, 6, 18)
GENERATED = [
    "users",
    "enrolments",
    "module_progress",
    "attempts",
    "attempt_answers",
    "self_ratings",
    "literacy_levels",
    "level_changes",
    "activity_events",
    "assignments",
    "pulse_participation",
    "pulse_answer_counts",
    "org_snapshots",
]
WALL_CLOCK = {"taken_at"}


def set_up(app: Flask, root: Path) -> int:
    publish_spec(app, root, sentinel_course("responsible-ai-use"))
    pulses, _ = load_pulses(PROJECT_ROOT / "courses")
    with app.app_context():
        publish_pulse(db.session, pulses[0])
        ceo = User(
            email="ceo@example.com",
            name="Cleo CEO",
            job_function="leadership",
            is_executive=True,
            created_at=datetime(2020, 1, 1),
        )
        db.session.add(ceo)
        db.session.commit()
        ceo_id = ceo.id
        db.session.remove()
    return ceo_id


def generate(app: Flask, ceo_id: int, people: int, seed: int) -> dict[str, int]:
    with app.app_context():
        ceo = db.session.get(User, ceo_id)
        assert ceo is not None
        result = build_large_org(
            db.session, people, seed, ceo=ceo, password_hash="not-a-real-hash", today=TODAY
        )
        db.session.commit()
        db.session.remove()
    return result.rows


def digest(app: Flask) -> dict[str, str]:
    """A hash of every generated row per table, wall-clock columns left out. Ids are not reset
    between tests, so every id (primary, foreign, and the question version ids an attempt lists)
    is replaced by its rank within its table."""
    hashes = {}
    with app.app_context():
        rank_cache: dict[str, dict[int, int]] = {}

        def ranks(name: str) -> dict[int, int]:
            if name not in rank_cache:
                table = db.metadata.tables[name]
                ids = db.session.scalars(select(table.c.id).order_by(table.c.id))
                rank_cache[name] = {value: index for index, value in enumerate(ids)}
            return rank_cache[name]

        for name in GENERATED:
            table = db.metadata.tables[name]
            columns = [c for c in table.columns if c.name not in WALL_CLOCK]
            lines = []
            for row in db.session.execute(select(*columns).order_by(*table.primary_key.columns)):
                values: list[Any] = []
                for column, value in zip(columns, row, strict=True):
                    if column.primary_key and name == "org_snapshots":
                        continue  # rows are compared by week and group below
                    if value is not None and column.primary_key and column.name == "id":
                        value = ranks(name)[value]
                    elif value is not None and column.foreign_keys:
                        target = next(iter(column.foreign_keys)).column.table.name
                        value = ranks(target)[value]
                    elif column.name == "question_version_ids":
                        value = [ranks("question_versions")[v] for v in value]
                    elif column.name == "option_orders" and value is not None:
                        # Keyed by question version id (as a string): ranked like the ids.
                        value = {
                            ranks("question_versions")[int(key)]: order
                            for key, order in value.items()
                        }
                    elif column.name == "group_key" and (
                        row.group_type == "department" or value.startswith("department:")
                    ):
                        # A department: "<head id>", or "department:<head id>" among the measured.
                        prefix, colon, head = value.rpartition(":")
                        value = f"{prefix}{colon}{ranks('users')[int(head)]}"
                    values.append(value)
                lines.append(repr(values))
            if name == "org_snapshots":
                lines.sort()
            hashes[name] = hashlib.sha256("\n".join(lines).encode()).hexdigest()
        db.session.remove()
    return hashes


def test_the_same_seed_builds_the_same_organisation(app: Flask, tmp_path: Path) -> None:
    ceo = set_up(app, tmp_path / "one")
    rows = generate(app, ceo, 120, seed=7)
    first = digest(app)
    for name in ("users", "attempt_answers", "activity_events", "pulse_answer_counts"):
        assert rows.get(name, 0) > 0 or name == "pulse_answer_counts", (name, rows)

    with app.app_context():
        _empty_tables()
    ceo = set_up(app, tmp_path / "two")
    generate(app, ceo, 120, seed=7)
    assert digest(app) == first

    with app.app_context():
        _empty_tables()
    ceo = set_up(app, tmp_path / "three")
    generate(app, ceo, 120, seed=8)
    other = digest(app)
    assert other["users"] != first["users"]
    assert other["activity_events"] != first["activity_events"]


def test_a_realistic_shape_and_history(app: Flask, tmp_path: Path) -> None:
    ceo = set_up(app, tmp_path)
    rows = generate(app, ceo, 400, seed=42)
    assert rows["users"] == 400
    with app.app_context():
        people = db.session.execute(
            select(User.id, User.manager_id, User.is_executive, User.job_function).where(
                User.id != ceo
            )
        ).all()
        reports = Counter(manager for _, manager, _, _ in people)
        executives = [p for p in people if p.is_executive]
        assert len(executives) == 8 and {p.manager_id for p in executives} == {ceo}
        depth = {ceo: 0}
        for person_id, manager_id, _, _ in sorted(people):
            assert manager_id is not None
            depth[person_id] = depth[manager_id] + 1
        assert max(depth.values()) >= 3
        # Managers below the department heads have 5-12 reports (the last one of a department
        # may have fewer: it takes whoever is left).
        spans = [n for manager, n in reports.items() if manager != ceo]
        assert max(spans) <= 12
        assert sum(1 for n in spans if n >= 5) >= len(spans) * 0.7
        assert {function for *_, function in people} >= {"engineering", "sales", "legal"}
        from lms.assignments.models import Assignment
        from lms.learn.models import Enrolment
        from lms.pulse.models import PulseParticipation

        sources = Counter(db.session.scalars(select(Enrolment.source)))
        assert sources["self"] > 0 and sources["assigned"] > 0
        overdue = db.session.scalar(
            select(func.count(Assignment.id)).where(
                Assignment.completed_at.is_(None), Assignment.due_on < TODAY
            )
        )
        assert (overdue or 0) > 0
        assert (db.session.scalar(select(func.count(PulseParticipation.id))) or 0) > 100
        assert_completions_follow_an_s_curve(
            db.session.execute(
                select(Assignment.created_at, Assignment.due_on, Assignment.completed_at)
            ).all()
        )
        db.session.remove()
    assert rows["activity_events"] > 400 * 20
    assert rows["org_snapshots"] == 27

    with app.app_context():
        ceo_user = db.session.get(User, ceo)
        assert ceo_user is not None
        try:
            build_large_org(db.session, 50, 1, ceo=ceo_user, password_hash="x", today=TODAY)
        except LargeDemoError as error:
            assert "already exists" in str(error)
        else:
            raise AssertionError("a second large demo was built")
        db.session.rollback()


def assert_completions_follow_an_s_curve(rows: Sequence[Any]) -> None:
    """Assigned courses are completed the way assignments go: few on the first day, a burst in
    the days after the assignment, fewer and fewer after that, a bump when the reminders come
    (three days before the due date), late completers after it, and some never."""
    done = [(created, due, completed) for created, due, completed in rows if completed]
    after = Counter((completed - created).days for created, _, completed in done)
    first_days = after[0] + after[1]
    burst = sum(after[day] for day in range(2, 6))
    assert first_days < burst, after  # rises...
    peak = max(after, key=lambda day: (after[day], -day))
    assert peak < 14, after
    assert sum(after[day] for day in range(14, 21)) < sum(after[day] for day in range(7)), after
    before_due = Counter((completed.date() - due).days for _, due, completed in done)
    reminded = sum(before_due[day] for day in range(-3, 3))
    assert reminded > sum(before_due[day] for day in range(-9, -3)), before_due  # ...a bump
    assert sum(n for day, n in before_due.items() if day > 0) > 0  # late completers
    never = sum(1 for *_, completed in rows if completed is None)
    overdue = sum(1 for _, due, completed in rows if completed is None and due < TODAY)
    assert 0.05 * len(rows) <= overdue <= never <= 0.4 * len(rows), (overdue, never, len(rows))


def run(app: Flask, *args: str) -> Result:
    return app.test_cli_runner().invoke(args=["lms", *args])


def test_demo_with_people_and_the_dashboards_have_data(app: Flask) -> None:
    result = run(app, "demo", "--people", "40", "--seed", "3")
    assert result.exit_code == 0, result.output
    assert re.search(r"Dashboards: learning history for \d+ demo people", result.output)
    assert "Large organisation: 40 people under alex.exec@example.com" in result.output
    again = run(app, "demo", "--people", "40", "--seed", "3")
    assert again.exit_code == 0, again.output
    assert "already set up (people=40 seed=3)" in again.output
    assert "Dashboards: 12 weekly snapshots." in again.output  # the rest only once
    different = run(app, "demo", "--people", "50", "--seed", "3")
    assert different.exit_code != 0
    assert "a large demo organisation already exists" in different.output

    from tests.conftest import login

    pages: dict[str, Any] = {
        "alex.exec@example.com": ["/org/", "/pulse/results", "/assignments/"],
        "maya.manager@example.com": ["/assignments/"],
    }
    for email, urls in pages.items():
        client = app.test_client()
        assert login(client, email, "learn-ai-together").status_code == 302
        for url in urls:
            assert client.get(url).status_code == 200, url
