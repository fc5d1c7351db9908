"""Attempts: no answer key before submission, review policies, ownership, exactly-once scoring,
time limits, attempt limits and cool-downs (checklist items 11-13); the baseline assessment's own
tests are in tests/test_baseline.py.

Every option's feedback and every explanation in the fixture courses carries a sentinel
(``ZQFB-...``/``ZQEXPL-...``): a page that shows any of them, or any word about correctness, before
the attempt it belongs to is submitted fails the test. Concurrency tests run real threads against
the real database (SQLite, or PostgreSQL with ``LMS_TEST_DATABASE_URL``).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.routing.converters import NumberConverter

from lms.activity.models import ActivityEvent
from lms.courses.models import QuestionVersion
from lms.database import commit_once_despite_races
from lms.extensions import db
from lms.learn import quiz
from lms.learn.models import Attempt, AttemptAnswer
from lms.literacy.model import CORE_AREAS
from lms.literacy.models import LevelChange
from lms.people.models import User, utcnow
from tests.conftest import login
from tests.learn_helpers import (
    CORRECTNESS_MARKERS,
    EXPLANATION_SENTINEL,
    FEEDBACK_SENTINEL,
    CourseSpec,
    answer_count,
    answer_key,
    answer_places,
    answers_for,
    complete_modules,
    enrol,
    get_attempt,
    page,
    post,
    publish_spec,
    read_module,
    sentinel_course,
    start_baseline,
    start_check,
    start_quiz,
    submit,
    token,
)

SLUG = "sentinel-course"


@pytest.fixture
def publish(app: Flask, tmp_path: Path) -> Callable[[CourseSpec], int]:
    def do(spec: CourseSpec) -> int:
        return publish_spec(app, tmp_path / "courses", spec)

    return do


@pytest.fixture
def learner(make_user: Callable[..., User]) -> User:
    return make_user(job_function="engineering")


def quiz_ready(
    app: Flask,
    publish: Callable[[CourseSpec], int],
    client: FlaskClient,
    **quiz_settings: Any,
) -> CourseSpec:
    """Publish the sentinel course, enrol, complete every module: the final quiz is next."""
    spec = sentinel_course(**quiz_settings)
    publish(spec)
    enrol(client, SLUG)
    complete_modules(client, app, spec)
    return spec


def events(app: Flask, user: User, *verbs: str) -> list[ActivityEvent]:
    with app.app_context():
        rows = list(
            db.session.scalars(
                select(ActivityEvent)
                .where(ActivityEvent.user_id == user.id, ActivityEvent.verb.in_(verbs))
                .order_by(ActivityEvent.id)
            )
        )
        for row in rows:
            db.session.expunge(row)
        db.session.remove()
    return rows


def quiz_attempt_count(app: Flask, user: User) -> int:
    with app.app_context():
        count = db.session.scalar(
            select(func.count(Attempt.id)).where(Attempt.user_id == user.id, Attempt.kind == "quiz")
        )
        db.session.remove()
    return count or 0


def set_attempt(app: Flask, attempt_id: int, **values: Any) -> None:
    with app.app_context():
        db.session.execute(update(Attempt).where(Attempt.id == attempt_id).values(**values))
        db.session.commit()
        db.session.remove()


def assert_no_answer_key(html: str, where: str) -> None:
    found = CORRECTNESS_MARKERS.search(html)
    assert found is None, f"{where} shows {found.group(0)!r} before submission"


PER_QUESTION_REVIEW = re.compile(
    rf"{FEEDBACK_SENTINEL}|{EXPLANATION_SENTINEL}|correct answer|your choice|review-right|"
    r"review-wrong|is-correct|not quite|Question \d",
    re.IGNORECASE,
)


def assert_no_per_question_review(html: str, where: str) -> None:
    """After submission under ``none``/``score``: nothing about any single question."""
    found = PER_QUESTION_REVIEW.search(html)
    assert found is None, f"{where} shows {found.group(0)!r}"


# ---------------------------------------------------------------- no answer key before submission


def learner_get_paths(app: Flask, values: dict[str, list[str]]) -> list[str]:
    """Every GET path a learner can reach, with each argument taken from ``values``."""
    paths: list[str] = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or set()) or rule.endpoint == "static":
            continue
        combinations: list[dict[str, str]] = [{}]
        for argument in sorted(rule.arguments):
            numeric = isinstance(rule._converters[argument], NumberConverter)
            choices = values.get(argument, ["1" if numeric else "x"])
            combinations = [{**c, argument: choice} for c in combinations for choice in choices]
        for combination in combinations:
            built = rule.build(combination, append_unknown=False)
            if built is not None:
                paths.append(built[1])
    return sorted(set(paths))


def walk(app: Flask, client: FlaskClient, values: dict[str, list[str]], skip: set[str]) -> int:
    """GET every learner-reachable page; none may show feedback, explanations or correctness."""
    checked = 0
    for path in learner_get_paths(app, values):
        if path in skip:
            continue
        response = client.get(path)
        assert response.status_code < 500, (path, response.status_code)
        if path.startswith(("/attempts/", f"/courses/{SLUG}")) and "/files/" not in path:
            assert response.status_code == 200, (path, response.status_code)
        assert_no_answer_key(response.get_data(as_text=True), path)
        checked += 1
    # Query-string variants of listing pages too.
    for extra in ("/courses?q=option", "/courses?competency=evaluating", "/baseline"):
        assert_no_answer_key(page(client, extra), extra)
    return checked


def test_no_page_shows_an_answer_key_before_submission(
    app: Flask,
    publish: Callable[[CourseSpec], int],
    learner: User,
    logged_in: Callable[[User], FlaskClient],
) -> None:
    spec = sentinel_course()
    publish(spec)
    client = logged_in(learner)
    modules = [m.slug for m in spec.modules]
    enrol(client, SLUG)
    for module in modules:
        read_module(client, SLUG, module)

    # State 1: a knowledge check and the baseline are open; nothing was ever submitted.
    check = start_check(client, SLUG, "check-the-figures")
    baseline_id = start_baseline(client, {f"rate-{area}": "2" for area in CORE_AREAS})
    # The baseline's question pages (one question each); its old address only redirects there.
    steps = range(1, len(get_attempt(app, baseline_id).question_version_ids) + 1)
    baseline_page = {f"/attempts/{baseline_id}"}
    attempt_page = page(client, f"/attempts/{check}")
    assert "Which option fits sentinel-course-check-one?" in attempt_page
    assert 'type="radio" name="q' in attempt_page and " checked" not in attempt_page
    values = {
        "slug": [SLUG],
        "module_slug": modules,
        "attempt_id": [str(check), str(baseline_id)],
        "number": [str(number) for number in steps],
        "path": ["course.md", "quiz.md", "01-first-steps.md", "x"],
    }
    assert walk(app, client, values, skip=baseline_page) >= 10

    # State 2: the check was passed (its own result page may explain it), the quiz is open.
    submit(client, app, check)
    quiz_id = start_quiz(client, SLUG)
    quiz_page = page(client, f"/attempts/{quiz_id}")
    assert quiz_page.count('class="question"') == 3
    values["attempt_id"] = [str(quiz_id), str(baseline_id)]
    walk(app, client, values, skip={f"/attempts/{check}", *baseline_page})
    # The open quiz is still free of its key after the check's full review was seen.
    assert EXPLANATION_SENTINEL in page(client, f"/attempts/{check}")
    assert_no_answer_key(page(client, f"/attempts/{quiz_id}"), "the open quiz")


def test_the_learner_view_of_a_question_carries_no_key(app: Flask) -> None:
    question = QuestionVersion(
        id=7,
        stem_html="<p>Stem</p>",
        multiple_answers=False,
        competency="evaluating",
        options=[
            {"key": "a", "html": "A", "correct": True, "feedback_html": "ZQFB-a"},
            {"key": "b", "html": "B", "correct": False, "feedback_html": "ZQFB-b"},
        ],
        explanation_html="ZQEXPL",
    )
    attempt = Attempt(option_orders={"7": ["b", "a"]})
    shown = quiz.question_for_learner(question, attempt)
    # The attempt's order, identified by place on the page: the stored key's letter (which
    # follows the authored order) is not in the markup.
    assert [vars(option) for option in shown.options] == [
        {"value": "1", "html": "B"},
        {"value": "2", "html": "A"},
    ]
    assert "ZQ" not in repr(shown) and "correct" not in repr(shown)


# ------------------------------------------------------------------------ review after submission


@pytest.mark.parametrize("review", ["none", "score", "full"])
def test_after_submission_the_review_policy_decides_what_is_shown(
    app: Flask,
    publish: Callable[[CourseSpec], int],
    learner: User,
    logged_in: Callable[[User], FlaskClient],
    review: str,
) -> None:
    client = logged_in(learner)
    quiz_ready(app, publish, client, review=review)
    attempt = start_quiz(client, SLUG)
    key = answer_key(app, attempt)
    chosen = answers_for(app, attempt, right=2)  # two of three right: 66.7% >= 60%, passed
    response = post(client, f"/attempts/{attempt}/submit", chosen)
    assert response.headers["Location"].endswith(f"/attempts/{attempt}")
    html = page(client, f"/attempts/{attempt}")
    assert "<h1>You completed Sentinel course</h1>" in html  # the completion screen
    stored = get_attempt(app, attempt)
    assert stored.review == review and stored.passed and stored.score == 66.7

    slugs = {
        question_id: slug
        for question_id, slug in _question_slugs(app, list(key)).items()
    }
    if review == "none":
        assert_no_answer_key(html, "review none")
        assert_no_per_question_review(html, "review none")
        assert "66.7" not in html and "you scored" not in html and "Score by competency" not in html
        assert "66.7" not in page(client, f"/courses/{SLUG}")
    elif review == "score":
        assert_no_per_question_review(html, "review score")
        assert "you scored 67%" in html
        assert re.search(r"<td>Evaluating outputs</td><td>2 of 3</td>", html)
    else:
        assert "you scored 67%" in html and "Score by competency" in html
        assert html.count("(correct answer)") == 3
        assert html.count("(your choice)") == 3
        assert html.count("review-right") == 2 and html.count("review-wrong") == 1
        for question_id, slug in slugs.items():
            assert f"{EXPLANATION_SENTINEL}-{slug}" in html
            order = (stored.option_orders or {})[str(question_id)]
            picked = order[int(chosen[f"q{question_id}"]) - 1]
            for letter in "abc":
                shown = f"{FEEDBACK_SENTINEL}-{slug}-{letter}" in html
                # Feedback on what was chosen and on the right answer; not on other options.
                assert shown == (letter in {picked, key[question_id]}), (slug, letter)
    # The policy is the course's, whatever the knowledge checks showed.
    assert stored.review == review


def _question_slugs(app: Flask, question_ids: list[int]) -> dict[int, str]:
    from lms.courses.models import Question

    with app.app_context():
        rows = db.session.execute(
            select(QuestionVersion.id, Question.slug)
            .join(Question, Question.id == QuestionVersion.question_id)
            .where(QuestionVersion.id.in_(question_ids))
        ).all()
        db.session.remove()
    return {question_id: slug for question_id, slug in rows}


def test_the_knowledge_check_follows_the_courses_review_policy(
    app: Flask,
    publish: Callable[[CourseSpec], int],
    learner: User,
    logged_in: Callable[[User], FlaskClient],
) -> None:
    publish(sentinel_course(review="none"))
    client = logged_in(learner)
    enrol(client, SLUG)
    read_module(client, SLUG, "check-the-figures")
    attempt = start_check(client, SLUG, "check-the-figures")
    submit(client, app, attempt, right=False)
    html = page(client, f"/attempts/{attempt}")
    assert "Not passed yet" in html
    assert_no_answer_key(html, "check with review none")


# ----------------------------------------------------------------------------------- ownership


def test_another_users_attempt_is_404_to_read_and_to_submit(
    app: Flask,
    publish: Callable[[CourseSpec], int],
    learner: User,
    make_user: Callable[..., User],
    logged_in: Callable[[User], FlaskClient],
) -> None:
    client = logged_in(learner)
    quiz_ready(app, publish, client)
    attempt = start_quiz(client, SLUG)
    submitted = start_check(client, SLUG, "check-the-figures")
    submit(client, app, submitted)

    intruder = app.test_client()
    login(intruder, make_user(job_function="engineering").email)
    for attempt_id in (attempt, submitted, 999_999):
        assert intruder.get(f"/attempts/{attempt_id}").status_code == 404
        response = intruder.post(
            f"/attempts/{attempt_id}/submit",
            data={"csrf_token": token(intruder), **answers_for(app, attempt)},
        )
        assert response.status_code == 404
    untouched = get_attempt(app, attempt)
    assert untouched.submitted_at is None and untouched.score is None
    assert answer_count(app, attempt) == 0
    # The owner can still submit it.
    submit(client, app, attempt)
    assert get_attempt(app, attempt).submitted_at is not None


# -------------------------------------------------------------------------------- exactly once


def test_submitting_twice_is_refused_and_scored_once(
    app: Flask,
    publish: Callable[[CourseSpec], int],
    learner: User,
    logged_in: Callable[[User], FlaskClient],
) -> None:
    client = logged_in(learner)
    quiz_ready(app, publish, client)
    attempt = start_quiz(client, SLUG)
    submit(client, app, attempt, right=False)
    first = get_attempt(app, attempt)
    assert first.passed is False and first.score == 0.0
    response = submit(client, app, attempt, right=True)
    assert response.headers["Location"].endswith(f"/attempts/{attempt}")
    assert "This attempt has already been submitted." in page(client, f"/attempts/{attempt}")
    second = get_attempt(app, attempt)
    assert (second.score, second.passed, second.submitted_at) == (0.0, False, first.submitted_at)
    assert answer_count(app, attempt) == 3
    assert [e.object_type for e in events(app, learner, "passed", "failed")] == [
        "check",
        "quiz",
    ]


def test_submitting_after_the_time_limit_is_refused_on_the_server(
    app: Flask,
    publish: Callable[[CourseSpec], int],
    learner: User,
    logged_in: Callable[[User], FlaskClient],
) -> None:
    client = logged_in(learner)
    quiz_ready(app, publish, client)
    attempt = start_quiz(client, SLUG)
    started = get_attempt(app, attempt)
    assert started.deadline_at is not None
    assert timedelta(minutes=14) < started.deadline_at - started.started_at <= timedelta(minutes=15)
    set_attempt(app, attempt, deadline_at=utcnow() - timedelta(seconds=30))
    response = submit(client, app, attempt)  # all right, but too late
    assert response.headers["Location"].endswith(f"/attempts/{attempt}")
    html = page(client, f"/attempts/{attempt}")
    assert "The time for this attempt has run out; it was not scored." in html
    late = get_attempt(app, attempt)
    assert late.submitted_at is None and late.score is None
    assert answer_count(app, attempt) == 0
    # The course page no longer offers to continue it; the next start closes it as failed.
    assert "Continue your attempt" not in page(client, f"/courses/{SLUG}")
    assert events(app, learner, "passed", "failed")[-1].object_type == "check"
    # It counts as a failed try: the cool-down runs from the deadline, on every page and POST.
    post(client, f"/courses/{SLUG}/quiz")
    html = page(client, f"/courses/{SLUG}")
    assert "Take a break before the next attempt." in html and "Start the quiz" not in html
    assert "Take a break before the next attempt." in page(client, f"/courses/{SLUG}")
    assert quiz_attempt_count(app, learner) == 1
    # Once the cool-down is over, starting again closes it as failed and opens a new one.
    deadline = utcnow() - timedelta(minutes=31)
    set_attempt(app, attempt, deadline_at=deadline)
    assert "Start the quiz" in page(client, f"/courses/{SLUG}")
    second = start_quiz(client, SLUG)
    assert second != attempt and quiz_attempt_count(app, learner) == 2
    closed = get_attempt(app, attempt)
    assert (closed.submitted_at, closed.passed, closed.score) == (deadline, False, 0.0)
    assert answer_count(app, attempt) == 0


def test_a_submission_within_the_deadline_is_scored(
    app: Flask,
    publish: Callable[[CourseSpec], int],
    learner: User,
    logged_in: Callable[[User], FlaskClient],
) -> None:
    client = logged_in(learner)
    quiz_ready(app, publish, client)
    attempt = start_quiz(client, SLUG)
    set_attempt(app, attempt, deadline_at=utcnow() + timedelta(seconds=20))
    submit(client, app, attempt)
    assert get_attempt(app, attempt).passed is True


def test_starting_the_quiz_again_returns_the_open_attempt(
    app: Flask,
    publish: Callable[[CourseSpec], int],
    learner: User,
    logged_in: Callable[[User], FlaskClient],
) -> None:
    client = logged_in(learner)
    quiz_ready(app, publish, client)
    first = start_quiz(client, SLUG)
    assert start_quiz(client, SLUG) == first
    assert "Continue your attempt" in page(client, f"/courses/{SLUG}")
    assert quiz_attempt_count(app, learner) == 1


def test_the_attempt_limit_is_enforced_on_the_server(
    app: Flask,
    publish: Callable[[CourseSpec], int],
    learner: User,
    logged_in: Callable[[User], FlaskClient],
) -> None:
    client = logged_in(learner)
    quiz_ready(app, publish, client, max_attempts=2, cooldown_minutes=0)
    for _ in range(2):
        submit(client, app, start_quiz(client, SLUG), right=False)
    response = post(client, f"/courses/{SLUG}/quiz")
    assert response.headers["Location"].endswith(f"/courses/{SLUG}")
    html = page(client, f"/courses/{SLUG}")
    assert "You have used all 2 attempts." in html
    assert "Start the quiz" not in html
    assert quiz_attempt_count(app, learner) == 2


def test_the_cool_down_is_enforced_on_the_server(
    app: Flask,
    publish: Callable[[CourseSpec], int],
    learner: User,
    logged_in: Callable[[User], FlaskClient],
) -> None:
    client = logged_in(learner)
    quiz_ready(app, publish, client, cooldown_minutes=30)
    failed = start_quiz(client, SLUG)
    submit(client, app, failed, right=False)
    response = post(client, f"/courses/{SLUG}/quiz")
    assert response.headers["Location"].endswith(f"/courses/{SLUG}")
    html = page(client, f"/courses/{SLUG}")
    assert "Take a break before the next attempt." in html
    assert "You can try again after" in html and "Start the quiz" not in html
    assert quiz_attempt_count(app, learner) == 1
    # 29 minutes later: still waiting. 31 minutes later: allowed.
    submitted_at = get_attempt(app, failed).submitted_at
    assert submitted_at is not None
    set_attempt(app, failed, submitted_at=submitted_at - timedelta(minutes=29))
    post(client, f"/courses/{SLUG}/quiz")
    assert quiz_attempt_count(app, learner) == 1
    set_attempt(app, failed, submitted_at=submitted_at - timedelta(minutes=31))
    second = start_quiz(client, SLUG)
    assert second != failed and quiz_attempt_count(app, learner) == 2


def test_a_passed_quiz_cannot_be_taken_again(
    app: Flask,
    publish: Callable[[CourseSpec], int],
    learner: User,
    logged_in: Callable[[User], FlaskClient],
) -> None:
    client = logged_in(learner)
    quiz_ready(app, publish, client)
    submit(client, app, start_quiz(client, SLUG))
    post(client, f"/courses/{SLUG}/quiz")
    assert "You have passed this quiz." in page(client, f"/courses/{SLUG}")
    assert quiz_attempt_count(app, learner) == 1


def test_unknown_and_repeated_answers_are_ignored(
    app: Flask,
    publish: Callable[[CourseSpec], int],
    learner: User,
    logged_in: Callable[[User], FlaskClient],
) -> None:
    client = logged_in(learner)
    quiz_ready(app, publish, client)
    attempt = start_quiz(client, SLUG)
    places = answer_places(app, attempt)
    # Several answers to a single-answer question, places that do not exist, unknown questions.
    data: dict[str, Any] = {
        f"q{qid}": ["z", right, "a", "9", "1", "2", "3"] for qid, (right, _) in places.items()
    }
    data["q999999"] = "a"
    client.post(f"/attempts/{attempt}/submit", data={"csrf_token": token(client), **data})
    with app.app_context():
        chosen = db.session.scalars(
            select(AttemptAnswer.chosen).where(AttemptAnswer.attempt_id == attempt)
        ).all()
        db.session.remove()
    assert sorted(chosen) == [["a"], ["a"], ["a"]]  # the first valid key only
    assert answer_count(app, attempt) == 3


# --------------------------------------------------------------------------------- concurrency


def run_together(count: int, work: Callable[[int], str]) -> list[str]:
    """Run ``work(i)`` in ``count`` threads released at the same moment; their results."""
    barrier = threading.Barrier(count)
    results: list[str] = [""] * count
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = work(index)
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return results


def assert_scored_once(app: Flask, user: User, attempt_id: int, questions: int) -> None:
    stored = get_attempt(app, attempt_id)
    assert stored.submitted_at is not None and stored.score is not None
    assert answer_count(app, attempt_id) == questions
    verdicts = [e for e in events(app, user, "passed", "failed") if e.object_type == "quiz"]
    assert len(verdicts) == 1
    with app.app_context():
        changes = db.session.scalar(
            select(func.count(LevelChange.id)).where(LevelChange.user_id == user.id)
        )
        db.session.remove()
    assert len(events(app, user, "level-changed")) == changes


@pytest.mark.parametrize("threads", [8])
def test_concurrent_http_submissions_of_one_attempt_score_once(
    app: Flask,
    publish: Callable[[CourseSpec], int],
    learner: User,
    logged_in: Callable[[User], FlaskClient],
    threads: int,
) -> None:
    client = logged_in(learner)
    quiz_ready(app, publish, client)
    attempt = start_quiz(client, SLUG)
    data = {"csrf_token": token(client), **answers_for(app, attempt)}
    cookie = client.get_cookie("session")
    assert cookie is not None
    clients = []
    for _ in range(threads):
        other = app.test_client()
        other.set_cookie("session", cookie.value)
        clients.append(other)

    def send(index: int) -> str:
        response = clients[index].post(f"/attempts/{attempt}/submit", data=data)
        assert response.status_code == 302, response.status_code
        html = page(clients[index], response.headers["Location"])
        return "refused" if "already been submitted" in html else "scored"

    results = run_together(threads, send)
    assert sorted(results) == ["refused"] * (threads - 1) + ["scored"]
    assert_scored_once(app, learner, attempt, questions=3)
    assert get_attempt(app, attempt).passed is True


@pytest.mark.parametrize("threads", [8])
def test_concurrent_service_submissions_of_one_attempt_score_once(
    app: Flask,
    publish: Callable[[CourseSpec], int],
    learner: User,
    logged_in: Callable[[User], FlaskClient],
    threads: int,
) -> None:
    client = logged_in(learner)
    quiz_ready(app, publish, client)
    attempt_id = start_quiz(client, SLUG)
    answers = {qid: [key] for qid, key in answer_key(app, attempt_id).items()}

    def score(_index: int) -> str:
        with app.app_context():
            try:
                # Each thread: its own app context, session and connection; the views' own
                # exactly-once policy (a lost race is retried once on fresh state).
                def submit() -> None:
                    person = db.session.get(User, learner.id)
                    attempt = db.session.get(Attempt, attempt_id)
                    assert person is not None and attempt is not None
                    quiz.submit_attempt(db.session, person, attempt, answers)

                commit_once_despite_races(db.session, submit)
                return "scored"
            except quiz.AlreadySubmitted:
                return "refused"
            finally:
                db.session.remove()

    results = run_together(threads, score)
    assert sorted(results) == ["refused"] * (threads - 1) + ["scored"]
    assert_scored_once(app, learner, attempt_id, questions=3)


def test_a_stale_copy_of_an_attempt_cannot_be_scored_again(
    app: Flask,
    publish: Callable[[CourseSpec], int],
    learner: User,
    logged_in: Callable[[User], FlaskClient],
) -> None:
    """The claim is the database's conditional UPDATE, not the in-memory ``submitted_at``."""
    client = logged_in(learner)
    quiz_ready(app, publish, client)
    attempt_id = start_quiz(client, SLUG)
    answers = {qid: [key] for qid, key in answer_key(app, attempt_id).items()}
    with app.app_context():
        engine = db.engine
    from sqlalchemy.orm import Session

    with Session(engine) as first, Session(engine) as second:
        person_1, person_2 = first.get(User, learner.id), second.get(User, learner.id)
        stale_1, stale_2 = first.get(Attempt, attempt_id), second.get(Attempt, attempt_id)
        assert person_1 and person_2 and stale_1 and stale_2
        assert stale_2.submitted_at is None
        quiz.submit_attempt(first, person_1, stale_1, answers)
        first.commit()
        second.rollback()  # a new transaction; the loaded object still says "not submitted"
        stale_2.__dict__["submitted_at"] = None
        with pytest.raises(quiz.AlreadySubmitted):
            quiz.submit_attempt(second, person_2, stale_2, answers)
        second.rollback()
    assert_scored_once(app, learner, attempt_id, questions=3)


def test_the_database_refuses_a_second_answer_to_the_same_question(
    app: Flask,
    publish: Callable[[CourseSpec], int],
    learner: User,
    logged_in: Callable[[User], FlaskClient],
) -> None:
    client = logged_in(learner)
    quiz_ready(app, publish, client)
    attempt_id = start_quiz(client, SLUG)
    submit(client, app, attempt_id)
    with app.app_context():
        answer = db.session.scalars(
            select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt_id)
        ).first()
        assert answer is not None
        db.session.add(
            AttemptAnswer(
                attempt_id=answer.attempt_id,
                user_id=answer.user_id,
                question_id=answer.question_id,
                question_version_id=answer.question_version_id,
                competency=answer.competency,
                difficulty=answer.difficulty,
                chosen=["a"],
                correct=True,
            )
        )
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
        db.session.remove()
    assert answer_count(app, attempt_id) == 3


def test_concurrent_starts_of_the_quiz_open_one_attempt(
    app: Flask,
    publish: Callable[[CourseSpec], int],
    learner: User,
    logged_in: Callable[[User], FlaskClient],
) -> None:
    """Two tabs starting the quiz at once get the same attempt: no extra try is used up."""
    client = logged_in(learner)
    quiz_ready(app, publish, client)
    data = {"csrf_token": token(client)}
    cookie = client.get_cookie("session")
    assert cookie is not None
    clients = []
    for _ in range(8):
        other = app.test_client()
        other.set_cookie("session", cookie.value)
        clients.append(other)

    def start(index: int) -> str:
        response = clients[index].post(f"/courses/{SLUG}/quiz", data=data)
        assert response.status_code == 302, response.status_code
        return str(response.headers["Location"])

    locations = run_together(len(clients), start)
    assert quiz_attempt_count(app, learner) == 1
    assert len(set(locations)) == 1 and re.search(r"/attempts/\d+$", locations[0])
