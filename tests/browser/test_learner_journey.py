"""A new employee's first course, in real Chromium: baseline, a recommended course, a module and
its knowledge check, the final quiz failed and then passed, and the level rising on the home page.

The browser fixtures (tests/browser/conftest.py) fail the test on any console error or CSP
violation. The test reads answer keys from the database (never from the page) to answer right or
wrong on purpose, and resets the quiz cool-down in the database between the two tries.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Page
from sqlalchemy import select, update

from lms.extensions import db
from lms.learn.models import Attempt
from lms.literacy.model import CORE_AREAS
from lms.literacy.models import LiteracyLevel
from lms.people.models import User
from tests.browser.conftest import ARTIFACTS, log_in
from tests.conftest import PASSWORD
from tests.learn_helpers import (
    CourseSpec,
    ModuleSpec,
    QuestionSpec,
    answer_places,
    get_attempt,
    publish_spec,
)

pytestmark = pytest.mark.browser

JOURNEY = CourseSpec(
    slug="checking-drafts",
    title="Checking drafts",
    summary="Catch made-up figures before a draft leaves your desk.",
    audience=("engineering",),
    competencies=("evaluating",),
    target_level=2,
    minutes=20,
    modules=[
        ModuleSpec("spot-the-error", "Spot the error"),
        ModuleSpec(
            "verify-the-figures",
            "Verify the figures",
            questions=[
                QuestionSpec("journey-check-one", "evaluating", 2, correct=1),
                QuestionSpec("journey-check-two", "evaluating", 2, correct=2),
            ],
        ),
    ],
    quiz_pool=[
        QuestionSpec("journey-quiz-one", "evaluating", 1, correct=0),
        QuestionSpec("journey-quiz-two", "evaluating", 2, correct=1),
        QuestionSpec("journey-quiz-three", "evaluating", 3, correct=2),
    ],
    quiz={
        "pass_mark": 60,
        "questions": 3,
        "max_attempts": 3,
        "cooldown_minutes": 30,
        "time_limit_minutes": 15,
        "review": "full",
    },
)

# Questions in the other core areas, so the baseline really is a mixed set across all of them.
BANK = CourseSpec(
    slug="question-bank",
    title="Question bank",
    audience=("sales",),
    competencies=("foundations",),
    modules=[ModuleSpec("intro")],
    quiz_pool=[
        QuestionSpec(f"bank-{area}-{difficulty}", area, difficulty, correct=difficulty - 1)
        for area in CORE_AREAS
        if area != "evaluating"
        for difficulty in (1, 2, 3)
    ],
    quiz={
        "pass_mark": 70,
        "questions": 5,
        "max_attempts": 0,
        "cooldown_minutes": 0,
        "time_limit_minutes": 0,
        "review": "full",
    },
)


def attempt_id(page: Page) -> int:
    match = re.search(r"/attempts/(\d+)$", page.url)
    assert match, page.url
    return int(match.group(1))


def answer(page: Page, app: Flask, right: bool) -> int:
    """Answer every question on the open attempt page, all right or all wrong, and submit."""
    current = attempt_id(page)
    places = answer_places(app, current)
    questions = page.locator("fieldset.question")
    assert questions.count() == len(places)
    for question_id, (correct, wrong) in places.items():
        choice = correct if right else wrong
        page.locator(f'input[name="q{question_id}"][value="{choice}"]').check()
    page.get_by_role("button", name="Submit answers").click()
    page.wait_for_url(f"**/attempts/{current}")
    return current


def answer_baseline(page: Page, app: Flask, total: int) -> None:
    """Answer the baseline one page at a time, all wrong; the first page by keyboard only."""
    page.wait_for_url(re.compile(r".*/baseline/\d+/questions/1$"))
    match = re.search(r"/baseline/(\d+)/", page.url)
    assert match
    attempt = int(match.group(1))
    order = get_attempt(app, attempt).question_version_ids
    places = answer_places(app, attempt)
    assert len(order) == total
    for number, question_id in enumerate(order, start=1):
        page.wait_for_url(f"**/baseline/{attempt}/questions/{number}")
        assert page.locator("fieldset.question").count() == 1
        progress = page.locator("#step-progress-text").inner_text()
        assert progress.startswith(f"Question {number} of {total}"), progress
        option = page.locator(f'input[name="answer"][value="{places[question_id][1]}"]')
        if number == 1:
            option.focus()
            page.keyboard.press("Space")
            page.keyboard.press("Enter")  # submits with the form's first button: Next
        else:
            option.check()
            page.get_by_role("button", name="See my results" if number == total else "Next").click()
    page.wait_for_url("**/baseline/result")


def levels_on_home(page: Page) -> dict[str, int]:
    page.goto("/")
    cells = page.locator("td[data-level]")
    levels = {}
    for index in range(cells.count()):
        cell = cells.nth(index)
        area = cell.get_attribute("data-level")
        assert area is not None
        levels[area] = int(cell.inner_text().split("·")[0].strip())
    return levels


def stored_level(app: Flask, user: User, area: str) -> int:
    with app.app_context():
        level = db.session.scalar(
            select(LiteracyLevel.level).where(
                LiteracyLevel.user_id == user.id, LiteracyLevel.competency == area
            )
        )
        db.session.remove()
    return level or 0


def end_cool_down(app: Flask, attempt: int) -> None:
    with app.app_context():
        submitted_at = db.session.scalar(select(Attempt.submitted_at).where(Attempt.id == attempt))
        assert submitted_at is not None
        db.session.execute(
            update(Attempt)
            .where(Attempt.id == attempt)
            .values(submitted_at=submitted_at - timedelta(minutes=31))
        )
        db.session.commit()
        db.session.remove()


def test_a_new_employee_takes_a_course_and_their_level_rises(
    page: Page,
    app: Flask,
    tmp_path: Path,
    make_user: Callable[..., User],
) -> None:
    publish_spec(app, tmp_path / "courses", JOURNEY)
    publish_spec(app, tmp_path / "courses", BANK)
    employee = make_user(name="Nia Newstart", job_function="engineering", title="Engineer")

    log_in(page, employee.email, PASSWORD)
    page.wait_for_url("**/")

    # 1. The baseline: rate yourself in every area, then answer a mixed set (all wrong here).
    page.get_by_role("button", name="Where do I stand? Take the baseline").click()
    page.wait_for_url("**/baseline")
    for area in CORE_AREAS:
        page.locator(f'input[name="rate-{area}"][value="2"]').check()
    page.get_by_role("button", name="Continue to the questions").click()
    answer_baseline(page, app, 3 * len(CORE_AREAS))
    assert page.get_by_role("heading", name="Your starting point").is_visible()
    assert page.locator("table.gap-table tbody tr").count() == len(CORE_AREAS)
    page.get_by_role("button", name="Go to your home page").click()
    page.wait_for_url("**/")
    before = levels_on_home(page)
    assert set(before) == set(CORE_AREAS)
    assert before["evaluating"] == 0
    assert "(you rate yourself 2 higher)" in page.locator("table.levels-table").inner_text()

    # 2. A recommended course, from the home page.
    recommended = page.locator("section", has=page.get_by_role("heading", name="What to do next"))
    recommended.get_by_role("link", name="Checking drafts").click()
    page.wait_for_url("**/courses/checking-drafts")
    page.get_by_role("button", name="Enrol in this course").click()
    assert page.get_by_text("You are enrolled. Enjoy the course!").is_visible()

    # 3. Read the first module; the second has a knowledge check that must be passed.
    page.get_by_role("button", name="Start: Spot the error").click()
    page.wait_for_url("**/courses/checking-drafts/spot-the-error")
    page.get_by_role("button", name="I've read this, next").click()
    page.wait_for_url("**/courses/checking-drafts/verify-the-figures")
    page.get_by_role("button", name="I've read this").click()
    page.wait_for_url("**/verify-the-figures#check")
    page.get_by_role("button", name="Start the knowledge check").click()
    page.wait_for_url(re.compile(r".*/attempts/\d+$"))
    answer(page, app, right=True)
    assert page.get_by_role("heading", name="Passed").is_visible()
    page.get_by_role("button", name="Back to the module").click()
    assert page.get_by_text("You passed this check.").is_visible()
    page.get_by_role("link", name="Back to the course").click()
    page.wait_for_url("**/courses/checking-drafts#quiz")
    assert page.get_by_text("2 of 2 modules complete").is_visible()

    # 4. The final quiz: failed first.
    page.get_by_role("button", name="Start the quiz").click()
    page.wait_for_url(re.compile(r".*/attempts/\d+$"))
    failed = answer(page, app, right=False)
    assert page.get_by_role("heading", name="Not passed yet").is_visible()
    assert page.locator("#next-steps").get_by_text(re.compile("Take a break first")).is_visible()
    page.get_by_role("button", name="Back to the course").click()
    assert page.get_by_text("Take a break before the next attempt.").is_visible()
    assert page.get_by_role("button", name="Start the quiz").count() == 0

    # 5. After the cool-down (ended in the database), passed.
    end_cool_down(app, failed)
    page.reload()
    page.get_by_role("button", name="Start the quiz").click()
    page.wait_for_url(re.compile(r".*/attempts/\d+$"))
    answer(page, app, right=True)
    # The completion screen: the level change, the certificate, the review folded away.
    assert page.get_by_role("heading", name="You completed Checking drafts").is_visible()
    evaluating = page.locator('#level-change tr[data-area="evaluating"]')
    assert re.search(r"Up \d level", evaluating.inner_text())
    assert page.get_by_role("button", name="View and print your certificate").is_visible()
    review = page.locator("#answer-review")
    assert review.get_attribute("open") is None
    assert not review.get_by_text("Question 1").is_visible()
    review.locator("summary").click()
    assert review.get_by_text("Question 1").is_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "learner-quiz-passed.png"), full_page=True)

    # 6. The home page shows the level risen, as stored.
    after = levels_on_home(page)
    assert after["evaluating"] > before["evaluating"]
    assert after["evaluating"] == stored_level(app, employee, "evaluating")
    assert {area: level for area, level in after.items() if area != "evaluating"} == {
        area: level for area, level in before.items() if area != "evaluating"
    }
    assert page.get_by_role("link", name="Checking drafts").first.is_visible()
    assert "Completed:" in page.locator("section", has_text="My courses").inner_text()
    page.screenshot(path=str(ARTIFACTS / "learner-home-after.png"), full_page=True)
