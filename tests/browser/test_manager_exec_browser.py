"""Managers and executives in a real browser: a manager assigns a course and sees it overdue once
the due date has passed; an executive sees the perception gap with small groups suppressed, and the
organisation view's charts. Console errors and CSP violations fail the test (see conftest)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Page, expect
from sqlalchemy import select, update

from lms.assignments.models import Assignment
from lms.config import PROJECT_ROOT
from lms.extensions import db
from lms.learn.models import Enrolment
from lms.people.models import User, utcnow
from lms.pulse.format import load_pulses
from lms.pulse.models import Pulse, PulseQuestion
from lms.pulse.service import publish_pulse, round_start, submit_answers
from tests.browser.conftest import ARTIFACTS, log_in
from tests.conftest import PASSWORD
from tests.learn_helpers import publish_spec, sentinel_course

pytestmark = pytest.mark.browser


def test_a_manager_assigns_a_course_and_sees_it_overdue(
    page: Page, app: Flask, make_user: Callable[..., User], tmp_path: Path
) -> None:
    publish_spec(app, tmp_path, sentinel_course("sentinel-course"))
    manager = make_user(name="Mia Manager", title="Team Lead")
    bob = make_user(name="Bob Builder", title="Engineer", manager=manager)
    make_user(name="Cy Coder", title="Engineer", manager=manager)

    log_in(page, manager.email, PASSWORD)
    page.wait_for_url("**/")
    page.goto("/assignments/new")
    page.get_by_label("Course").select_option("sentinel-course")
    page.get_by_label("Bob Builder (Engineer)").check()
    tomorrow = utcnow().date() + timedelta(days=1)
    page.get_by_label("Due date").fill(tomorrow.isoformat())
    page.get_by_label("Note to the learners (optional)").fill("Before the release, please.")
    page.get_by_role("button", name="Assign").click()
    page.wait_for_url("**/assignments/")
    expect(page.get_by_role("status")).to_contain_text("Assigned “Sentinel course” to 1 person.")
    row = page.locator("#assignments tbody tr", has_text="Bob Builder")
    expect(row).to_contain_text("Not started")
    expect(row).to_contain_text(tomorrow.strftime("%d %b %Y"))
    expect(page.locator("#count-overdue")).to_have_text("0")

    # Time passes: the due date is now in the past.
    yesterday = utcnow().date() - timedelta(days=1)
    with app.app_context():
        db.session.execute(
            update(Assignment).where(Assignment.user_id == bob.id).values(due_on=yesterday)
        )
        db.session.execute(
            update(Enrolment)
            .where(Enrolment.user_id == bob.id)
            .values(due_at=datetime.combine(yesterday, datetime.max.time()))
        )
        db.session.commit()
        db.session.remove()
    page.reload()
    expect(row).to_contain_text("Overdue")
    expect(page.locator("#count-overdue")).to_have_text("1")
    page.get_by_role("link", name="Overdue", exact=True).click()
    expect(page.locator("#assignments tbody tr")).to_have_count(1)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "assignments-overdue.png"), full_page=True)

    # The learner sees it too.
    page.locator("summary", has_text="Mia Manager").click()
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/login")
    log_in(page, bob.email, PASSWORD)
    page.wait_for_url("**/")
    expect(page.locator(".tag-overdue").first).to_be_visible()


def test_an_executive_sees_the_perception_gap_with_small_groups_suppressed(
    page: Page, app: Flask, make_user: Callable[..., User]
) -> None:
    pulses, _ = load_pulses(PROJECT_ROOT / "courses")
    ceo = make_user(name="Cleo CEO", is_executive=True, job_function="leadership")
    executives = [ceo] + [
        make_user(is_executive=True, job_function="leadership", manager=ceo) for _ in range(5)
    ]
    managers = [make_user(job_function="engineering", manager=ceo) for _ in range(7)]
    employees = [
        make_user(job_function=function, manager=managers[i % 7])
        for i, function in enumerate(["engineering"] * 8 + ["legal"] * 2 + ["hr"] * 2)
    ]
    with app.app_context():
        publish_pulse(db.session, pulses[0])
        db.session.flush()
        pulse = db.session.scalar(select(Pulse))
        assert pulse is not None
        questions = list(db.session.scalars(select(PulseQuestion)))
        current = round_start(pulse, utcnow().date())
        assert current is not None
        # A round closed weeks ago: an open round shows no figures (docs/pulse.md, Open rounds).
        today = current - timedelta(weeks=8)
        for people, likert, yes in ((executives, 5, 0), (managers, 4, 0), (employees, 2, 1)):
            for person in people:
                user = db.session.get(User, person.id)
                assert user is not None
                # Questions with options: the first option (a value the scale's may not be).
                answers = {
                    q.id: yes if q.kind == "yes-no" else likert if q.kind == "likert" else 1
                    for q in questions
                }
                submit_answers(db.session, user, pulse, questions, answers, today)
        db.session.commit()
        db.session.remove()
    assert app.test_cli_runner().invoke(args=["lms", "snapshots", "take"]).exit_code == 0

    log_in(page, ceo.email, PASSWORD)
    page.wait_for_url("**/")
    page.get_by_role("link", name="Organisation").click()
    page.wait_for_url("**/org/")
    expect(page.get_by_role("heading", name="By job function")).to_be_visible()
    expect(page.locator("svg.line-chart")).to_have_count(1)
    page.get_by_role("link", name="Perception pulse results").click()
    page.wait_for_url("**/pulse/results")
    expect(page.locator("#participants")).to_contain_text("25 people answered")
    strategic = page.locator('#gap-table tr[data-question="strategic"]')
    expect(strategic.locator('td[data-group="executive"]')).to_contain_text("5.00")
    expect(strategic.locator('td[data-group="employee"]')).to_contain_text("2.00")
    expect(strategic).to_contain_text("+3.00")
    expect(page.locator("svg.gap-scale circle")).to_have_count(6 * 3)
    by_function = page.locator("#function-table")
    expect(by_function.get_by_text("fewer than 5").first).to_be_visible()
    expect(by_function).not_to_contain_text("(n=2)")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "pulse-results.png"), full_page=True)

    # The answer page works for someone who has not answered (in under a minute).
    newcomer = make_user(name="Nia New", job_function="sales", manager=managers[0])
    page.locator("summary", has_text="Cleo CEO").click()
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/login")
    log_in(page, newcomer.email, PASSWORD)
    page.wait_for_url("**/")
    page.goto("/pulse/")
    for index, fieldset in enumerate(page.locator("fieldset.pulse-question").all()):
        fieldset.locator("input").nth(index % 2).check()  # radios, or checkboxes
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_role("status")).to_contain_text("added anonymously")
    expect(page.get_by_text("You have answered this round.")).to_be_visible()
