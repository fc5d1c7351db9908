"""Honest measurement: shuffled options, unseen-first retakes, guarded review, knowledge checks
that count once, extra attempts and time accommodations, the assessment linter and the audit."""

from __future__ import annotations

import itertools
import math
import random
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from lms.assessment.audit import (
    audit_pool,
    chance_right,
    needed_right,
    pass_chance_one_attempt,
)
from lms.assessment.draw import option_order, unseen_first
from lms.assessment.lint import assess
from lms.courses.format import parse_course
from lms.courses.loader import load_courses
from lms.extensions import db
from lms.learn.models import AttemptAnswer, AttemptGrant
from lms.literacy.models import LiteracyLevel
from lms.people.models import User
from tests.learn_helpers import (
    CourseSpec,
    QuestionSpec,
    client_for,
    complete_modules,
    enrol,
    get_attempt,
    page,
    post,
    publish_spec,
    read_module,
    sentinel_course,
    start_check,
    start_quiz,
    submit,
)

SLUG = "sentinel-course"
COURSES = Path(__file__).resolve().parent.parent / "courses"


@pytest.fixture
def publish(app: Flask, tmp_path: Path) -> Callable[[CourseSpec], int]:
    def do(spec: CourseSpec) -> int:
        return publish_spec(app, tmp_path / "courses", spec)

    return do


@pytest.fixture
def learner(make_user: Callable[..., User]) -> User:
    return make_user(job_function="engineering")


def big_pool_course(**quiz: Any) -> CourseSpec:
    settings: dict[str, Any] = {"cooldown_minutes": 0, "review": "guarded", **quiz}
    spec = sentinel_course(SLUG, **settings)
    spec.quiz_pool = [
        QuestionSpec(f"pool-{n}", "evaluating", 1 + n % 3, correct=n % 3) for n in range(6)
    ]
    return spec


def ready(
    app: Flask, publish: Callable[[CourseSpec], int], client: FlaskClient, spec: CourseSpec
) -> None:
    publish(spec)
    enrol(client, spec.slug)
    complete_modules(client, app, spec)


# ------------------------------------------------------------------------------ the engine


def test_options_are_shuffled_per_attempt_and_shown_in_the_same_order_everywhere(
    app: Flask,
    publish: Callable[[CourseSpec], int],
    learner: User,
    logged_in: Callable[[User], FlaskClient],
) -> None:
    client = logged_in(learner)
    ready(app, publish, client, big_pool_course(review="full"))
    attempt_id = start_quiz(client, SLUG)
    stored = get_attempt(app, attempt_id)
    assert stored.option_orders is not None
    html = page(client, f"/attempts/{attempt_id}")
    slugs = {}
    for question_id in stored.question_version_ids:
        order = stored.option_orders[str(question_id)]
        # The markup lists the options in the stored order ("Option b of ..." etc.) and posts
        # places 1..n, never the stored keys.
        block = html.split(f'id="question-{question_id}"')[1].split("</fieldset>")[0]
        assert re.findall(r"Option ([abc]) of", block) == order
        assert re.findall(r'value="([^"]+)"', block) == ["1", "2", "3"]
        slugs[question_id] = re.findall(r"Option [abc] of ([\w-]+)", block)[0]
    post(client, f"/attempts/{attempt_id}/submit", {})
    result = page(client, f"/attempts/{attempt_id}")
    for question_id, slug in slugs.items():
        order = stored.option_orders[str(question_id)]
        position = [result.index(f"Option {key} of {slug}") for key in order]
        assert position == sorted(position)  # the result lists them in the attempt's order


def test_option_order_is_uniform_and_pins_the_last_option() -> None:
    rng = random.Random(3)
    firsts = [option_order(["a", "b", "c", "d"], False, rng)[0] for _ in range(4000)]
    assert all(900 < firsts.count(key) < 1100 for key in "abcd")
    pinned = [option_order(["a", "b", "c", "none"], True, rng) for _ in range(200)]
    assert all(order[-1] == "none" for order in pinned)
    assert len({tuple(order) for order in pinned}) == 6


def test_retakes_draw_unseen_questions_first(
    app: Flask,
    publish: Callable[[CourseSpec], int],
    learner: User,
    logged_in: Callable[[User], FlaskClient],
) -> None:
    client = logged_in(learner)
    ready(app, publish, client, big_pool_course())
    first = start_quiz(client, SLUG)
    submit(client, app, first, right=False)
    second = start_quiz(client, SLUG)
    ids = {a: set(get_attempt(app, a).question_version_ids) for a in (first, second)}
    assert not ids[first] & ids[second]  # six questions, three drawn: all new the second time
    submit(client, app, second, right=False)


def test_unseen_first_falls_back_to_the_least_recently_seen() -> None:
    rng = random.Random(1)
    seen = {"a": 1, "b": 2, "c": 3}
    for _ in range(50):
        picked = unseen_first(["a", "b", "c", "d"], seen, 2, rng)
        assert set(picked) == {"d", "a"}


def test_guarded_review_hides_the_keys_until_the_last_attempt(
    app: Flask,
    publish: Callable[[CourseSpec], int],
    learner: User,
    logged_in: Callable[[User], FlaskClient],
) -> None:
    client = logged_in(learner)
    ready(app, publish, client, big_pool_course(max_attempts=2))
    first = start_quiz(client, SLUG)
    submit(client, app, first, right=False)
    html = page(client, f"/attempts/{first}")
    assert "Not quite" in html and "ZQEXPL" in html  # right or wrong, and why ...
    assert "(correct answer)" not in html  # ... but not the key of a question drawn again
    second = start_quiz(client, SLUG)
    submit(client, app, second, right=False)
    assert "(correct answer)" in page(client, f"/attempts/{second}")  # no attempt left
    assert "(correct answer)" in page(client, f"/attempts/{first}")


def test_knowledge_check_retries_are_practice_not_evidence(
    app: Flask,
    publish: Callable[[CourseSpec], int],
    learner: User,
    logged_in: Callable[[User], FlaskClient],
) -> None:
    client = logged_in(learner)
    spec = sentinel_course()
    publish(spec)
    enrol(client, SLUG)
    read_module(client, SLUG, "check-the-figures")
    first = start_check(client, SLUG, "check-the-figures")
    submit(client, app, first, right=False)
    levels_before = _levels(app, learner)
    for _ in range(3):
        again = start_check(client, SLUG, "check-the-figures")
        submit(client, app, again, right=True)
    with app.app_context():
        counts = db.session.execute(
            select(AttemptAnswer.attempt_id, AttemptAnswer.counts).where(
                AttemptAnswer.user_id == learner.id
            )
        ).all()
        db.session.remove()
    assert {c for a, c in counts if a == first} == {True}
    assert {c for a, c in counts if a != first} == {False}
    assert _levels(app, learner) == levels_before  # retries of answered questions add nothing


def _levels(app: Flask, user: User) -> dict[str, tuple[int, float]]:
    with app.app_context():
        rows = db.session.scalars(select(LiteracyLevel).where(LiteracyLevel.user_id == user.id))
        found = {row.competency: (row.level, row.score) for row in rows}
        db.session.remove()
    return found


# ------------------------------------------------------------------ extra attempts, extra time


def _exhaust(app: Flask, publish: Callable[[CourseSpec], int], client: FlaskClient) -> None:
    ready(app, publish, client, big_pool_course(max_attempts=1))
    submit(client, app, start_quiz(client, SLUG), right=False)
    response = post(client, f"/courses/{SLUG}/quiz")
    assert "/attempts/" not in response.headers.get("Location", "")


def test_a_manager_grants_one_more_attempt_inside_their_subtree_only(
    app: Flask,
    publish: Callable[[CourseSpec], int],
    make_user: Callable[..., User],
) -> None:
    manager = make_user(job_function="engineering")
    report = make_user(job_function="engineering", manager=manager)
    stranger = make_user(job_function="engineering")
    learner_client = client_for(app, report)
    _exhaust(app, publish, learner_client)

    other = client_for(app, stranger)
    refused = post(
        other, f"/people/{report.id}/extra-attempt", {"course": SLUG, "reason": "Was ill"}
    )
    assert refused.status_code == 404
    boss = client_for(app, manager)
    assert (
        post(
            boss,
            f"/people/{report.id}/extra-attempt",
            {"course": SLUG, "reason": "Was ill that day"},
        ).status_code
        == 302
    )
    with app.app_context():
        grant = db.session.scalar(select(AttemptGrant))
        assert grant is not None and grant.granted_by_id == manager.id
        assert grant.reason == "Was ill that day"
        db.session.remove()
    assert "Was ill that day" in page(boss, f"/team/people/{report.id}")
    learner_client = client_for(app, report)
    assert "/attempts/" in post(learner_client, f"/courses/{SLUG}/quiz").headers["Location"]


def test_an_admin_sets_a_time_accommodation_that_every_timed_quiz_honours(
    app: Flask,
    publish: Callable[[CourseSpec], int],
    make_user: Callable[..., User],
) -> None:
    admin = make_user(is_admin=True)
    manager = make_user(job_function="engineering")
    person = make_user(job_function="engineering", manager=manager)
    admin_client = client_for(app, admin)
    saved = post(
        admin_client,
        f"/admin/people/{person.id}/accommodation",
        {"choice": "x2", "note": "Dyslexia, assessed by HR"},
    )
    assert saved.status_code == 302
    manager_page = page(client_for(app, manager), f"/team/people/{person.id}")
    assert "extra time on timed quizzes" in manager_page
    assert "Dyslexia" not in manager_page  # managers never see why
    client = client_for(app, person)
    ready(app, publish, client, big_pool_course(time_limit_minutes=15))
    attempt = get_attempt(app, start_quiz(client, SLUG))
    assert attempt.deadline_at is not None
    minutes = (attempt.deadline_at - attempt.started_at).total_seconds() / 60
    assert math.isclose(minutes, 30, abs_tol=0.1)
    employee = client_for(app, make_user(job_function="engineering"))
    assert post(
        employee, f"/admin/people/{person.id}/accommodation", {"choice": "no-limit"}
    ).status_code in {403, 404}


# ------------------------------------------------------------------------------ the linter

GOOD_COURSE = """---
title: Linted course
summary: One or two sentences.
audience: [everyone]
competencies: [evaluating]
target_level: 1
estimated_minutes: 10
quiz:
  pass_mark: 70
  questions: 2
  max_attempts: 3
  cooldown_minutes: 0
  time_limit_minutes: 0
  review: guarded
---
Overview.
"""
MODULE = "---\ntitle: One\ncompetencies: [evaluating]\nestimated_minutes: 5\n---\nLesson text.\n"


_stem_numbers = itertools.count()
STEMS = [
    "A draft invoice summary quotes a total that nobody recognises.",
    "The assistant's meeting notes name a deadline you did not agree.",
    "Your forecast deck cites a market figure without a source.",
    "A customer reply drafted by the tool promises a refund policy.",
    "The code review bot approves a change that deletes a migration.",
    "A translated contract clause reads differently from the original.",
    "An HR letter generated from a template uses the wrong notice period.",
    "The summary of a support ticket leaves out the customer's complaint.",
    "A chart produced from the CRM export shows a sudden drop in March.",
    "The tool's answer about travel rules quotes last year's allowance.",
]


def question(
    slug: str, options: list[tuple[bool, str]], qtype: str = "single", extra: str = ""
) -> str:
    lines = [f"## Question: {slug}", f"type: {qtype}", "competency: evaluating", "difficulty: 2"]
    lines += [extra] if extra else []
    lines += ["", STEMS[next(_stem_numbers) % len(STEMS)] + f" What now ({slug})?", ""]
    for correct, text in options:
        lines += [f"- [{'x' if correct else ' '}] {text}", f"  Feedback: about {text}."]
    lines += ["", f"Explanation: because of {slug}.", ""]
    return "\n".join(lines)


def balanced(n: int) -> list[tuple[bool, str]]:
    texts = [
        "Check the figure against the ledger",
        "Ask the owner of the data first",
        "Compare it with last month's report",
        "Send it on as the tool produced it",
    ]
    return [(i == n % 4, t) for i, t in enumerate(texts)]


def longest_key_pool() -> str:
    """Six questions whose right answer is always the longest option."""
    options = [
        (True, "Check the figure against the ledger and the source"),
        (False, "Send it on"),
        (False, "Ask nobody"),
        (False, "Guess"),
    ]
    return "\n".join(question(f"q-{n}", options) for n in range(6))


def lint(quiz_md: str) -> list[str]:
    fillers = [question(f"filler-{n}", balanced(n)) for n in range(3)]
    quiz_md = "\n".join([quiz_md, *fillers])
    files = {
        "course.md": GOOD_COURSE.encode(),
        "01-one.md": MODULE.encode(),
        "quiz.md": quiz_md.encode(),
    }
    course, problems = parse_course("linted", files, display_root="courses/linted")
    assert course is not None, problems
    return [str(f) for f in assess([course], whole_catalogue=False).findings if not f.allowed]


def test_a_clean_pool_has_no_findings() -> None:
    pool = "\n".join(question(f"q-{n}", balanced(n)) for n in range(7))
    assert lint(pool) == []


@pytest.mark.parametrize(
    ("rule", "pool"),
    [
        (
            "pool-key-longest",
            longest_key_pool(),
        ),
        (
            "key-longest",
            question(
                "q-long",
                [
                    (True, "Check the figure against the ledger and ask the owner of the data"),
                    (False, "Send it on"),
                    (False, "Ask nobody"),
                    (False, "Guess"),
                ],
            ),
        ),
        (
            "true-false-balance",
            "\n".join(
                question(f"tf-{n}", [(False, "True"), (True, "False")], "true-false")
                for n in range(5)
            ),
        ),
        (
            "choose-all-pattern",
            "\n".join(
                question(
                    f"m-{n}",
                    [
                        (True, "Check the ledger"),
                        (True, "Ask the data owner"),
                        (True, "Compare last month"),
                        (False, "Send"),
                    ],
                    "multiple",
                )
                for n in range(5)
            ),
        ),
        (
            "self-label",
            question(
                "q-label",
                [
                    (True, "Quote the figure (verified)"),
                    (False, "Quote the figure (unverified)"),
                    (False, "Leave the figure out"),
                    (False, "Round it"),
                ],
            ),
        ),
        ("all-none-above", question("q-none", [(True, "None of the above"), *balanced(0)[1:]])),
    ],
)
def test_each_rule_fires_with_file_and_line(rule: str, pool: str) -> None:
    found = lint(pool)
    assert any(re.match(rf"courses/linted/quiz\.md:\d+: {rule}: ", line) for line in found), found


def test_a_justified_allow_silences_one_finding_and_pin_last_allows_none_of_these() -> None:
    long_key = [
        (True, "Check the figure against the ledger and ask the owner of the data"),
        (False, "Send it on"),
        (False, "Ask nobody"),
        (False, "Guess"),
    ]
    allowed = question(
        "q-long", long_key, extra="allow: key-longest: the law's full wording is the point"
    )
    assert lint(allowed) == []
    pinned = question("q-none", [*balanced(1)[:3], (False, "None of these")], extra="pin_last: yes")
    assert lint(pinned) == []


def test_reachability_names_the_level_and_area_that_cannot_be_reached() -> None:
    files = {
        "course.md": GOOD_COURSE.encode(),
        "01-one.md": MODULE.encode(),
        "quiz.md": "\n".join(question(f"q-{n}", balanced(n)) for n in range(6)).encode(),
    }
    course, _ = parse_course("linted", files, display_root="courses/linted")
    assert course is not None
    found = [str(f) for f in assess([course], whole_catalogue=True).findings]
    assert any("reachability: level 3 (and above) in 'evaluating'" in line for line in found), found


def test_the_shipped_curriculum_passes_the_strict_check() -> None:
    courses, problems = load_courses([], COURSES)
    assert problems == []
    assessment = assess(courses, whole_catalogue=True)
    assert [str(f) for f in assessment.blocking + assessment.warnings] == []


# ------------------------------------------------------------------------------ the audit


def test_the_one_attempt_pass_chance_is_exact_against_brute_force() -> None:
    chances = [0.9, 0.1, 0.5, 1.0, 0.0, 0.3]
    drawn, mark = 4, 70
    need = needed_right(mark, drawn)
    total = 0.0
    draws = list(itertools.combinations(range(len(chances)), drawn))
    for draw in draws:
        for outcome in itertools.product([0, 1], repeat=drawn):
            p = math.prod(
                chances[i] if o else 1 - chances[i] for i, o in zip(draw, outcome, strict=True)
            )
            total += p * (sum(outcome) >= need)
    assert math.isclose(pass_chance_one_attempt(chances, drawn, mark), total / len(draws))


def test_the_shipped_final_quizzes_defeat_every_test_wise_strategy() -> None:
    courses, _ = load_courses([], COURSES)
    for course in courses:
        assert course.quiz is not None
        rows = audit_pool(
            course.slug,
            course.quiz_pool,
            course.quiz.questions,
            course.quiz.pass_mark,
            course.quiz.max_attempts,
            simulations=200,
        )
        for row in rows:
            assert row.one_attempt <= 0.05, (course.slug, row.strategy, row.one_attempt)


def test_a_longest_option_pool_is_caught_by_the_audit() -> None:
    files = {
        "course.md": GOOD_COURSE.encode(),
        "01-one.md": MODULE.encode(),
        "quiz.md": longest_key_pool().encode(),
    }
    course, _ = parse_course("linted", files)
    assert course is not None
    assert chance_right(course.quiz_pool[0], "longest") == 1.0
    rows = {
        r.strategy: r for r in audit_pool("linted", course.quiz_pool, 2, 70, 3, simulations=100)
    }
    assert rows["longest"].one_attempt == 1.0 and rows["best-mix"].one_attempt == 1.0
    assert rows["random"].one_attempt < 0.1


# ------------------------------------------------------------------------ measured difficulty


def test_measured_difficulty_replaces_the_label_once_enough_people_answered(
    app: Flask,
    publish: Callable[[CourseSpec], int],
    learner: User,
    logged_in: Callable[[User], FlaskClient],
) -> None:
    from lms.assessment.measured import difficulty_from_facility, measure
    from lms.courses.models import MeasuredDifficulty

    assert [difficulty_from_facility(f) for f in (1.0, 0.8, 0.79, 0.45, 0.44, 0.0)] == [
        1,
        1,
        2,
        2,
        3,
        3,
    ]
    client = logged_in(learner)
    ready(app, publish, client, sentinel_course(cooldown_minutes=0))
    submit(client, app, start_quiz(client, SLUG), right=False)
    with app.app_context():
        assert measure(db.session, min_responses=2) == []  # one answer each: not enough yet
        relabels = measure(db.session, min_responses=1)
        db.session.commit()
        measured = {
            row.question_id: row.difficulty
            for row in db.session.scalars(select(MeasuredDifficulty))
        }
        db.session.remove()
    # The quiz answered wrong measures hard (3), the checks passed measure easy (1); the labels
    # that disagree are suggested for relabelling.
    assert set(measured.values()) == {1, 3}
    assert relabels and all(r.measured == difficulty_from_facility(r.facility) for r in relabels)
    assert {(1, 3), (2, 3)} <= {(r.labelled, r.measured) for r in relabels}


def test_near_duplicate_checks_are_bounded_on_a_hostile_pool(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A file of hundreds of near-identical questions: the exact comparison runs a bounded number
    of times (it is quadratic in the stem's length), and each question is reported once."""
    import lms.assessment.lint as lint_module

    calls = []
    real = lint_module._close

    def counting(one: object, other: object) -> bool:
        calls.append(1)
        return real(one, other)  # type: ignore[arg-type]

    monkeypatch.setattr(lint_module, "_close", counting)
    monkeypatch.setattr(lint_module, "MAX_COMPARISONS", 300)
    options = balanced(0)
    pool = "\n".join(
        question(f"same-{n}", options).replace(
            "What now", "What should the analyst do with this figure before sending it on"
        )
        for n in range(200)
    )
    found = lint(pool)
    assert len(calls) <= 300
    duplicates = [line for line in found if "near-duplicate" in line]
    assert duplicates and len(duplicates) <= 200


def test_long_runs_of_spaces_in_a_question_parse_in_linear_time() -> None:
    import time

    from lms.courses.questions import parse_question

    problems: list[tuple[int, str]] = []

    class Report:
        def add(self, line: int, message: str) -> None:
            problems.append((line, message))

    started = time.perf_counter()
    parse_question(["## Question:" + " " * 40_000 + "x", "type:" + " " * 40_000], 1, Report(), None)
    assert time.perf_counter() - started < 0.5  # was seconds: a lazy group before \s*$
    assert all(len(message) < 300 for _, message in problems)  # no 40 KB echo


@settings(max_examples=300)
@given(
    facilities=st.lists(st.floats(min_value=0, max_value=1), min_size=1, max_size=40),
    labels=st.lists(st.integers(min_value=1, max_value=3), min_size=40, max_size=40),
)
def test_measured_difficulty_property_easy_items_never_make_a_level_above_one(
    facilities: list[float], labels: list[int]
) -> None:
    """Whatever an author labels them, items most people get right (facility >= 80%) are
    measured as difficulty 1, so right answers to them alone never reach level 2; and the
    measured difficulty never rises as facility rises."""
    from datetime import datetime

    from lms.assessment.measured import EASY_FROM, difficulty_from_facility
    from lms.literacy.model import Evidence, area_level

    at = datetime(2026, 1, 1)
    measured = [difficulty_from_facility(f) for f in facilities]
    ordered = [difficulty_from_facility(f) for f in sorted(facilities)]
    assert ordered == sorted(ordered, reverse=True)
    easy = [
        Evidence("evaluating", difficulty, True, at, f"course:{n}")
        for n, (facility, difficulty) in enumerate(zip(facilities, measured, strict=False))
        if facility >= EASY_FROM
    ]
    labelled_hard = [
        Evidence("evaluating", label, True, at, f"course:{n}")
        for n, (facility, label) in enumerate(zip(facilities, labels, strict=False))
        if facility >= EASY_FROM
    ]
    assert area_level(easy).level <= 1
    if len(labelled_hard) >= 7 and all(item.difficulty == 3 for item in labelled_hard):
        assert area_level(labelled_hard).level == 4  # what the labels alone would have given
