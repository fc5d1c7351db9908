"""Learner pages run a fixed number of SQL statements, whatever the amount of data.

Each page is measured twice in one database: for a learner with one small course and a couple of
attempts, then for a learner with a 24-module course, a dozen enrolments and many attempts, after
other learners have added data of their own. The two counts must be equal (no query in a loop), and
what each page runs beyond the statements every page runs (session lookup, navigation) must stay
under a small bound. Counted with the ``count_statements`` fixture: every statement sent to the
database during the request.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from lms.literacy.model import CORE_AREAS
from lms.people.models import User
from tests.conftest import login
from tests.learn_helpers import (
    CourseSpec,
    ModuleSpec,
    QuestionSpec,
    assign,
    complete_modules,
    enrol,
    finish_baseline,
    post,
    publish_spec,
    sentinel_course,
    start_baseline,
    start_check,
    start_quiz,
    submit,
)

# Upper bounds on what each page runs itself, beyond the statement every page runs (the login
# session lookup with the navigation's facts, measured on /account/password): today's counts plus
# one.
OWN_BOUNDS = {
    "home": 8,  # +1 on purpose: the "Continue learning" card's modules (lms.learn.home)
    "catalog": 4,
    "course": 4,
    "module": 3,
    "attempt": 3,
    "result": 7,  # +3: a failed quiz's next steps (lms.learn.outcome): attempts, grants, modules
    "completion": 9,  # levels before and after, the next course, badges, the certificate
    "baseline": 2,
    "baseline_question": 3,
    "baseline_result": 4,
}
# What every page pays: one statement, the session lookup, which also reads the navigation's facts
# (has reports, unread notifications). It was three (the lookup, is_manager, the unread COUNT).
COMMON = 1

UNLIMITED_QUIZ: dict[str, Any] = {
    "max_attempts": 0,
    "cooldown_minutes": 0,
    "time_limit_minutes": 30,
}


def big_course(slug: str, modules: int) -> CourseSpec:
    return CourseSpec(
        slug=slug,
        title=f"Course {slug}",
        audience=("engineering", "everyone"),
        competencies=("evaluating", "directing"),
        modules=[
            ModuleSpec(
                f"module-{number}",
                f"Module {number}",
                questions=[QuestionSpec(f"{slug}-{number}-q", "directing", 1 + number % 3)]
                if number % 3 == 0
                else [],
            )
            for number in range(1, modules + 1)
        ],
        quiz_pool=[
            QuestionSpec(f"{slug}-quiz-{number}", "evaluating", 1 + number % 3, number % 3)
            for number in range(12)
        ],
        quiz={
            "pass_mark": 60,
            "questions": 8,
            "max_attempts": 0,
            "cooldown_minutes": 0,
            "time_limit_minutes": 30,
            "review": "full",
        },
    )


def take_course(
    app: Flask, client: FlaskClient, spec: CourseSpec, failed_quizzes: int
) -> dict[str, Any]:
    """Enrol, complete every module, fail the quiz ``failed_quizzes`` times, leave one open."""
    enrol(client, spec.slug)
    complete_modules(client, app, spec)
    submitted = 0
    for _ in range(failed_quizzes):
        submitted = start_quiz(client, spec.slug)
        submit(client, app, submitted, right=False)
    checked = next((m.slug for m in spec.modules if m.questions), spec.modules[0].slug)
    return {"open": start_quiz(client, spec.slug), "submitted": submitted, "module": checked}


def finish_course(app: Flask, client: FlaskClient, spec: CourseSpec, failed_quizzes: int) -> int:
    """Enrol, complete every module, fail the quiz ``failed_quizzes`` times, then pass it: the
    passing attempt's result is the completion screen."""
    enrol(client, spec.slug)
    complete_modules(client, app, spec)
    for _ in range(failed_quizzes):
        submit(client, app, start_quiz(client, spec.slug), right=False)
    passed = start_quiz(client, spec.slug)
    submit(client, app, passed, right=True)
    return passed


def take_baseline(app: Flask, client: FlaskClient, times: int) -> int:
    """Take the baseline ``times`` times, then start it again and answer its first page; the
    open baseline's id."""
    ratings = {f"rate-{area}": "2" for area in (*CORE_AREAS, "leading")}
    for _ in range(times):
        finish_baseline(client, app, start_baseline(client, ratings), right=1)
    attempt = start_baseline(client, ratings)
    post(client, f"/baseline/{attempt}/questions/1", {"answer": "1", "go": "next"})
    return attempt


def measure(
    client: FlaskClient, count_statements: Callable[[], Any], urls: dict[str, str]
) -> dict[str, int]:
    counts: dict[str, int] = {}
    for name, url in urls.items():
        assert client.get(url).status_code == 200, url  # warm-up: connection, caches
        with count_statements() as counter:
            response = client.get(url)
        assert response.status_code == 200, url
        counts[name] = counter.count
    return counts


def urls_for(slug: str, taken: dict[str, Any]) -> dict[str, str]:
    return {
        "home": "/",
        "catalog": "/courses",
        "course": f"/courses/{slug}",
        "module": f"/courses/{slug}/{taken['module']}",
        "attempt": f"/attempts/{taken['open']}",
        "result": f"/attempts/{taken['submitted']}",
        "completion": f"/attempts/{taken['completed']}",
        "baseline": "/baseline",
        "baseline_question": f"/baseline/{taken['baseline']}/questions/2",
        "baseline_result": "/baseline/result",
        "common": "/account/password",
    }


@pytest.mark.slow
def test_learner_pages_run_a_fixed_number_of_statements(
    app: Flask,
    tmp_path: Path,
    make_user: Callable[..., User],
    count_statements: Callable[[], Any],
) -> None:
    root = tmp_path / "courses"

    # Small: one three-module course, one enrolment, one failed and one open quiz attempt.
    small_spec = sentinel_course(**UNLIMITED_QUIZ)
    publish_spec(app, root, small_spec)
    small_user = make_user(job_function="engineering")
    small = app.test_client()
    login(small, small_user.email)
    baseline = take_baseline(app, small, times=1)
    taken = take_course(app, small, small_spec, failed_quizzes=1) | {"baseline": baseline}
    done_spec = sentinel_course("small-done", **UNLIMITED_QUIZ)
    publish_spec(app, root, done_spec)
    taken["completed"] = finish_course(app, small, done_spec, failed_quizzes=0)
    small_counts = measure(small, count_statements, urls_for(small_spec.slug, taken))

    # Large: a 24-module course, twelve more courses, a manager with a team, many attempts, and
    # other learners' data in the same tables.
    large_spec = big_course("big-course", 24)
    publish_spec(app, root, large_spec)
    others = [big_course(f"extra-{number}", 2) for number in range(12)]
    for spec in others:
        publish_spec(app, root, spec)
    large_user = make_user(job_function="engineering")
    for _ in range(3):
        make_user(manager=large_user)
    large = app.test_client()
    login(large, large_user.email)
    baseline = take_baseline(app, large, times=3)
    for number, spec in enumerate(others):
        if number % 2:
            assign(app, large_user, spec.slug, datetime(2031, 1, number + 1))
        else:
            enrol(large, spec.slug)
        if number < 4:
            take_course(app, large, spec, failed_quizzes=1)
    taken = take_course(app, large, large_spec, failed_quizzes=4) | {"baseline": baseline}
    done_spec = big_course("big-done", 24)
    publish_spec(app, root, done_spec)
    taken["completed"] = finish_course(app, large, done_spec, failed_quizzes=3)
    for _ in range(6):  # more knowledge-check attempts on the module measured
        submit(large, app, start_check(large, large_spec.slug, taken["module"]), right=False)
    bystander = app.test_client()
    login(bystander, make_user(job_function="sales").email)
    take_course(app, bystander, large_spec, failed_quizzes=2)
    large_counts = measure(large, count_statements, urls_for(large_spec.slug, taken))

    # A manager's home runs one statement more than a learner's, on purpose: its "needs attention"
    # list (lms.team.attention), one statement whatever the team's size.
    small_counts["home"] += 1
    assert large_counts == small_counts, {"small": small_counts, "large": large_counts}
    common = large_counts.pop("common")
    assert common == COMMON, f"every page runs {common} statements before its own"
    for name, count in large_counts.items():
        assert count - common <= OWN_BOUNDS[name], (name, count, common, OWN_BOUNDS[name])
