"""The baseline assessment ("Where do I stand?"): a self-rating with "I can ..." descriptors, the
questions one per page with answers saved as the person goes (and resumed after leaving), scoring
exactly as a one-page submission, and the results page ("Your starting point").

Runs on SQLite, or PostgreSQL with ``LMS_TEST_DATABASE_URL``; concurrency tests use real threads.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape
from sqlalchemy import func, select, update

from lms.activity.models import ActivityEvent
from lms.courses.models import QuestionVersion
from lms.courses.vocabulary import COMPETENCIES, LEVELS
from lms.extensions import db
from lms.learn import quiz
from lms.learn.models import Attempt, AttemptAnswer, BaselineProgress, SelfRating
from lms.literacy.descriptors import AREA_HINTS, DESCRIPTORS, descriptor
from lms.literacy.model import CORE_AREAS
from lms.literacy.models import OVERALL, LiteracyLevel
from lms.people.models import User
from tests.conftest import csrf_token, login, logout, table_snapshot
from tests.learn_helpers import (
    CORRECTNESS_MARKERS,
    CourseSpec,
    ModuleSpec,
    QuestionSpec,
    answer_places,
    finish_baseline,
    get_attempt,
    page,
    post,
    publish_spec,
    start_baseline,
    submit,
)

AREAS_WITH_LEADING = (*CORE_AREAS, "leading")
QUESTIONS = 3 * len(CORE_AREAS)  # one easy, one medium and one hard per area


@pytest.fixture
def publish(app: Flask, tmp_path: Path) -> Callable[[CourseSpec], int]:
    def do(spec: CourseSpec) -> int:
        return publish_spec(app, tmp_path / "courses", spec)

    return do


@pytest.fixture
def learner(make_user: Callable[..., User]) -> User:
    return make_user(job_function="engineering")


def question_bank() -> CourseSpec:
    """Three questions (difficulty 1, 2, 3) in every area, for the baseline to draw from."""
    pool = [
        QuestionSpec(f"bank-{area}-{difficulty}", area, difficulty, correct=difficulty - 1)
        for area in AREAS_WITH_LEADING
        for difficulty in (1, 2, 3)
    ]
    return CourseSpec(
        slug="question-bank",
        title="Question bank",
        audience=("everyone",),
        competencies=("foundations",),
        modules=[ModuleSpec("intro")],
        quiz_pool=pool,
        quiz={
            "pass_mark": 70,
            "questions": 5,
            "max_attempts": 0,
            "cooldown_minutes": 0,
            "time_limit_minutes": 0,
            "review": "full",
        },
    )


def baseline_questions(app: Flask, attempt_id: int) -> list[QuestionVersion]:
    """The attempt's questions in the order its pages show them."""
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt is not None
        questions = quiz.attempt_questions(db.session, attempt)
        for question in questions:
            db.session.expunge(question)
        db.session.remove()
    return questions


def rate(ratings: dict[str, int | str]) -> dict[str, str]:
    return {f"rate-{area}": str(value) for area, value in ratings.items()}


def step(client: FlaskClient, attempt_id: int, number: int, go: str, *answer: str) -> Any:
    return post(
        client, f"/baseline/{attempt_id}/questions/{number}", {"answer": list(answer), "go": go}
    )


def step_through(
    client: FlaskClient, app: Flask, attempt_id: int, right: Callable[[QuestionVersion], bool]
) -> Any:
    """Answer page by page, right where ``right(question)`` says so, and finish."""
    places = answer_places(app, attempt_id)
    questions = baseline_questions(app, attempt_id)
    response = None
    for number, question in enumerate(questions, start=1):
        choice = places[question.id][0 if right(question) else 1]
        go = "finish" if number == len(questions) else "next"
        response = step(client, attempt_id, number, go, choice)
        assert response.status_code == 302
    return response


def progress_of(app: Flask, attempt_id: int) -> BaselineProgress | None:
    with app.app_context():
        row = db.session.get(BaselineProgress, attempt_id)
        if row is not None:
            db.session.expunge(row)
        db.session.remove()
    return row


def stored_levels(app: Flask, user: User) -> dict[str, int]:
    with app.app_context():
        rows = db.session.scalars(select(LiteracyLevel).where(LiteracyLevel.user_id == user.id))
        levels = {row.competency: row.level for row in rows}
        db.session.remove()
    return levels


def table_rows(html: str) -> dict[str, tuple[str, ...]]:
    """The results table: area -> (self-rated, measured, difference) as read, tags dropped."""
    rows = {}
    for area, cells in re.findall(r'<tr data-area="(\w+)">(.*?)</tr>', html, re.S):
        found = re.findall(r"<td data-(?:self|measured|gap)>(.*?)</td>", cells, re.S)
        rows[area] = tuple(" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in found)
    return rows


def assert_no_answer_key(html: str, where: str) -> None:
    found = CORRECTNESS_MARKERS.search(html)
    assert found is None, f"{where} shows {found.group(0)!r} before submission"


# ---------------------------------------------------------------------------------- self-rating


def test_every_area_has_an_i_can_line_for_every_level() -> None:
    assert set(DESCRIPTORS) == set(COMPETENCIES) == set(AREA_HINTS)
    for area, lines in DESCRIPTORS.items():
        assert len(lines) == len(LEVELS) == 5, area
        assert len(set(lines)) == 5, area
        for level, line in enumerate(lines):
            assert line == descriptor(area, level)
            assert line.startswith(("I ", "I'")) and line.endswith(".") and len(line) <= 95, line
            # The rating page is open before the questions: no word that marks an answer.
            assert not CORRECTNESS_MARKERS.search(line), line
        assert all(line.startswith("I can ") for line in lines[2:]), area


def test_the_rating_page_shows_the_descriptors_as_the_choices(
    app: Flask, learner: User, logged_in: Callable[[User], FlaskClient]
) -> None:
    html = page(logged_in(learner), "/baseline")
    assert html.count('<fieldset class="rating"') == len(CORE_AREAS)
    assert 'name="rate-leading"' not in html  # "leading" is for managers and executives
    for area in CORE_AREAS:
        found = re.search(rf'<fieldset class="rating" id="rate-{area}".*?</fieldset>', html, re.S)
        assert found, area
        block = found.group(0)
        assert f"<legend>{COMPETENCIES[area]}</legend>" in block
        assert escape(AREA_HINTS[area]) in block
        labels = re.findall(r"<label class=\"rating-option\">(.*?)</label>", block, re.S)
        assert len(labels) == 5, area
        for level, label in enumerate(labels):
            # Each radio's label is its level and the descriptor.
            assert f'name="rate-{area}" value="{level}"' in label
            assert f"Level {level} · {LEVELS[level]}" in label
            assert escape(descriptor(area, level)) in label, (area, level)
    assert_no_answer_key(html, "the rating page")


def test_a_manager_rates_and_is_measured_on_leading_too(
    app: Flask,
    publish: Callable[[CourseSpec], int],
    make_user: Callable[..., User],
    logged_in: Callable[[User], FlaskClient],
) -> None:
    publish(question_bank())
    manager = make_user(job_function="engineering")
    make_user(manager=manager)
    client = logged_in(manager)
    html = page(client, "/baseline")
    assert html.count('<fieldset class="rating"') == len(AREAS_WITH_LEADING)
    for level in range(5):
        assert escape(descriptor("leading", level)) in html
    attempt_id = start_baseline(client, rate(dict.fromkeys(AREAS_WITH_LEADING, 2)))
    areas = {q.competency for q in baseline_questions(app, attempt_id)}
    assert areas == set(AREAS_WITH_LEADING)


def test_every_rating_is_needed_and_nothing_is_stored_otherwise(
    app: Flask,
    publish: Callable[[CourseSpec], int],
    learner: User,
    logged_in: Callable[[User], FlaskClient],
) -> None:
    publish(question_bank())
    client = logged_in(learner)
    ratings = rate(dict.fromkeys(CORE_AREAS, 2))
    ratings["rate-evaluating"] = "5"
    del ratings["rate-context"]
    response = post(client, "/baseline", ratings)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    # An error summary at the top that links to each area, and the message at the area too.
    assert '<a href="#rate-evaluating">Rate yourself for Evaluating outputs.</a>' in html
    assert '<a href="#rate-context">Rate yourself for Organisational context.</a>' in html
    assert 'id="rate-context-error">Rate yourself for Organisational context.</p>' in html
    assert 'name="rate-foundations" value="2" checked' in html  # what was chosen is kept
    with app.app_context():
        assert db.session.scalar(select(func.count(SelfRating.id))) == 0
        assert db.session.scalar(select(func.count(Attempt.id))) == 0
        db.session.remove()


def test_without_published_questions_the_baseline_says_so(
    app: Flask, learner: User, logged_in: Callable[[User], FlaskClient]
) -> None:
    client = logged_in(learner)
    response = post(client, "/baseline", rate(dict.fromkeys(CORE_AREAS, 1)))
    assert response.status_code == 422
    assert "There are no published questions yet." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(SelfRating.id))) == 0
        db.session.remove()


# ------------------------------------------------------------------------ one question per page


def test_one_question_per_page_with_progress_and_no_answer_key(
    app: Flask,
    publish: Callable[[CourseSpec], int],
    learner: User,
    logged_in: Callable[[User], FlaskClient],
) -> None:
    publish(question_bank())
    client = logged_in(learner)
    response = post(client, "/baseline", rate(dict.fromkeys(CORE_AREAS, 1)))
    attempt_id = start_baseline(client, rate(dict.fromkeys(CORE_AREAS, 1)))  # the same one
    assert response.headers["Location"].endswith(f"/baseline/{attempt_id}/questions/1")
    questions = baseline_questions(app, attempt_id)
    assert len(questions) == QUESTIONS
    # A mixed set: every core area, easy, medium and hard; nothing for "leading".
    by_area: dict[str, set[int]] = {}
    for question in questions:
        by_area.setdefault(question.competency, set()).add(question.difficulty)
    assert by_area == {area: {1, 2, 3} for area in CORE_AREAS}

    for number, question in enumerate(questions, start=1):
        html = page(client, f"/baseline/{attempt_id}/questions/{number}")
        assert html.count('<fieldset class="question"') == 1
        assert question.stem_html in html  # this question, and only this one
        assert f"<strong>Question {number} of {QUESTIONS}</strong>" in html
        assert f'<progress value="{number}" max="{QUESTIONS}"' in html
        assert html.count('name="answer"') == 3
        assert ('value="back"' in html) == (number > 1)
        assert ('value="next"' in html) == (number < QUESTIONS)
        assert ('value="finish"' in html) == (number == QUESTIONS)
        assert_no_answer_key(html, f"question {number}")
    for outside in (0, QUESTIONS + 1):
        assert client.get(f"/baseline/{attempt_id}/questions/{outside}").status_code == 404
    # The old all-on-one-page address leads to the step pages.
    old = client.get(f"/attempts/{attempt_id}")
    assert old.status_code == 302 and old.headers["Location"].endswith("/baseline")


def test_answers_are_saved_as_you_go_and_a_new_login_resumes_there(
    app: Flask,
    publish: Callable[[CourseSpec], int],
    learner: User,
    logged_in: Callable[[User], FlaskClient],
) -> None:
    publish(question_bank())
    client = logged_in(learner)
    attempt_id = start_baseline(client, rate(dict.fromkeys(CORE_AREAS, 2)))
    questions = baseline_questions(app, attempt_id)
    places = answer_places(app, attempt_id)
    for number in (1, 2, 3, 4):
        response = step(client, attempt_id, number, "next", places[questions[number - 1].id][0])
        assert response.headers["Location"].endswith(f"/questions/{number + 1}")
    # Back saves what is on the page too (here: a change of mind on question 5, then back).
    response = step(client, attempt_id, 5, "back", places[questions[4].id][1])
    assert response.headers["Location"].endswith("/questions/4")
    progress = progress_of(app, attempt_id)
    assert progress is not None and progress.position == 3
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt is not None
        questions_now = quiz.attempt_questions(db.session, attempt)
        keys = {question.id: question.options for question in questions_now}
        db.session.remove()
    assert len(progress.answers) == 5
    for question in questions[:4]:
        chosen = progress.answers[str(question.id)]
        assert [o["correct"] for o in keys[question.id] if o["key"] in chosen] == [True]
    # Nothing is evidence yet.
    with app.app_context():
        assert db.session.scalar(select(func.count(AttemptAnswer.id))) == 0
        db.session.remove()

    # Leave: log out, log in again in a fresh browser.
    logout(client)
    fresh = app.test_client()
    assert login(fresh, learner.email).status_code == 302
    home = page(fresh, "/baseline")
    resume = f'href="/baseline/{attempt_id}/questions/4">Continue with question 4</a>'
    assert "Pick up where you left off" in home and resume in home
    assert "You stopped at question 4 of 18." in home
    html = page(fresh, f"/baseline/{attempt_id}/questions/4")
    assert f'value="{places[questions[3].id][0]}" checked' in html
    assert html.count(" checked") == 1
    assert "4 answered" not in html and "5 answered" in html
    # Rating again while it is open goes on with the same attempt, where it was left.
    response = post(fresh, "/baseline", rate(dict.fromkeys(CORE_AREAS, 3)))
    assert response.headers["Location"].endswith(f"/baseline/{attempt_id}/questions/4")


def test_the_last_page_lists_what_is_unanswered_and_finishing_scores_once(
    app: Flask,
    publish: Callable[[CourseSpec], int],
    learner: User,
    logged_in: Callable[[User], FlaskClient],
) -> None:
    publish(question_bank())
    client = logged_in(learner)
    attempt_id = start_baseline(client, rate(dict.fromkeys(CORE_AREAS, 2)))
    step(client, attempt_id, 1, "next")  # skipped
    step(client, attempt_id, 2, "next", "1")
    html = page(client, f"/baseline/{attempt_id}/questions/{QUESTIONS}")
    assert f'href="/baseline/{attempt_id}/questions/1">question 1</a>' in html
    assert 'questions/2">' not in html
    assert "A question left out counts as not known." in html
    response = step(client, attempt_id, QUESTIONS, "finish")
    assert response.headers["Location"].endswith("/baseline/result")
    assert get_attempt(app, attempt_id).submitted_at is not None
    with app.app_context():
        answers = db.session.scalar(
            select(func.count(AttemptAnswer.id)).where(AttemptAnswer.attempt_id == attempt_id)
        )
        db.session.remove()
    assert answers == QUESTIONS  # every question is scored, the skipped ones as not known
    # Finishing again, or saving into a scored baseline, changes nothing.
    before = table_snapshot(app)
    again = step(client, attempt_id, QUESTIONS, "finish", "1")
    assert again.headers["Location"].endswith("/baseline/result")
    assert step(client, attempt_id, 3, "next", "1").headers["Location"].endswith("/result")
    assert table_snapshot(app) == before
    # A scored baseline's pages lead to the results.
    response = client.get(f"/baseline/{attempt_id}/questions/1")
    assert response.status_code == 302 and response.headers["Location"].endswith("/result")


def test_two_tabs_saving_at_once_keep_every_answer(
    app: Flask,
    publish: Callable[[CourseSpec], int],
    learner: User,
    logged_in: Callable[[User], FlaskClient],
) -> None:
    publish(question_bank())
    client = logged_in(learner)
    attempt_id = start_baseline(client, rate(dict.fromkeys(CORE_AREAS, 2)))
    step(client, attempt_id, 1, "next", "1")
    data = {"csrf_token": csrf_token(client, "/baseline"), "go": "next", "answer": "2"}
    cookie = client.get_cookie("session")
    assert cookie is not None
    tabs = []
    for _ in range(6):
        tab = app.test_client()
        tab.set_cookie("session", cookie.value)
        tabs.append(tab)
    barrier = threading.Barrier(len(tabs))
    statuses: list[int] = []

    def save(index: int) -> None:
        barrier.wait(timeout=30)
        response = tabs[index].post(f"/baseline/{attempt_id}/questions/{index + 2}", data=data)
        statuses.append(response.status_code)

    threads = [threading.Thread(target=save, args=(i,)) for i in range(len(tabs))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert statuses == [302] * len(tabs)
    progress = progress_of(app, attempt_id)
    assert progress is not None
    order = get_attempt(app, attempt_id).question_version_ids
    assert sorted(progress.answers) == sorted(str(qid) for qid in order[:7])
    assert progress.revision == 7


# -------------------------------------------------------------------------------------- scoring


def answers_by_question(app: Flask, attempt_id: int) -> dict[int, tuple[Any, ...]]:
    with app.app_context():
        rows = db.session.scalars(
            select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt_id)
        )
        found = {
            row.question_id: (row.competency, row.difficulty, row.chosen, row.correct, row.counts)
            for row in rows
        }
        db.session.remove()
    return found


def baseline_events(app: Flask, user: User) -> list[tuple[str, str, Any]]:
    with app.app_context():
        rows = db.session.scalars(
            select(ActivityEvent).where(ActivityEvent.user_id == user.id).order_by(ActivityEvent.id)
        )
        # In a stable order: levels of one attempt change in no particular order.
        found = sorted(
            ((e.verb, e.object_id, e.result) for e in rows if e.verb != "self-assessed"),
            key=repr,
        )
        db.session.remove()
    return found


def places_choosing(app: Flask, attempt_id: int, right: set[int]) -> dict[int, str]:
    """Question version id -> the place of a chosen option: the right one for the question
    identities in ``right``, else the first wrong one as authored (the same keys in any attempt,
    whatever its shuffled order)."""
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt is not None
        found = {}
        for question in quiz.attempt_questions(db.session, attempt):
            keys = [option["key"] for option in question.options]
            wrong = next(key for key in keys if key not in question.correct_keys)
            key = min(question.correct_keys) if question.question_id in right else wrong
            found[question.id] = str(quiz.option_order_of(question, attempt).index(key) + 1)
        db.session.remove()
    return found


def test_step_by_step_scores_exactly_like_the_one_page_submission(
    app: Flask,
    publish: Callable[[CourseSpec], int],
    make_user: Callable[..., User],
) -> None:
    """The same answers, given on one page (the way the baseline used to be taken, and still
    accepted from a page opened before) and page by page: the same evidence, score, levels and
    activity."""
    publish(question_bank())
    one_page, step_by_step = make_user(), make_user()
    right: set[int] = set()
    results = []
    for person in (one_page, step_by_step):
        client = app.test_client()
        login(client, person.email)
        attempt_id = start_baseline(client, rate(dict.fromkeys(CORE_AREAS, 2)))
        if not right:  # the same questions are drawn for both: the bank has three per area
            right = {q.question_id for q in baseline_questions(app, attempt_id)[::2]}
        places = places_choosing(app, attempt_id, right)
        if person is one_page:
            fields = {f"q{qid}": place for qid, place in places.items()}
            post(client, f"/attempts/{attempt_id}/submit", fields)
        else:
            order = get_attempt(app, attempt_id).question_version_ids
            for number, qid in enumerate(order, start=1):
                go = "next" if number < QUESTIONS else "finish"
                step(client, attempt_id, number, go, places[qid])
        attempt = get_attempt(app, attempt_id)
        results.append(
            (
                attempt.score,
                attempt.passed,
                answers_by_question(app, attempt_id),
                stored_levels(app, person),
                baseline_events(app, person),
            )
        )
    assert results[0] == results[1]
    score, _, answers, levels, events = results[1]
    assert score == round(100 * len(right) / QUESTIONS, 1) and len(answers) == QUESTIONS
    assert sum(1 for answer in answers.values() if answer[3]) == len(right) == 9
    success = {"scaled": score / 100, "success": True, "score": score}
    assert ("completed", "baseline", success) in events
    assert set(levels) == {*CORE_AREAS, OVERALL}


# -------------------------------------------------------------------------------- results page

RATINGS = {
    "foundations": 0,  # all right -> 2: rated 2 lower
    "delegation": 1,  # none right -> 0: rated 1 higher (small)
    "directing": 3,  # easy and medium right -> 1: rated 2 higher
    "evaluating": 4,  # all right -> 2, the most a baseline shows: "at least 2"
    "responsible": 2,  # none right -> 0: rated 2 higher
    "context": 1,  # easy and medium right -> 1: the same
}
RIGHT = {
    "foundations": {1, 2, 3},
    "delegation": set(),
    "directing": {1, 2},
    "evaluating": {1, 2, 3},
    "responsible": set(),
    "context": {1, 2},
}
# By hand, from docs/literacy-model.md: all three right: correct 4.5, score 4.5 / 6.5 = 0.69,
# level 2. Easy and medium right: correct 2.5, share 2.5 / 4.5, score 0.556 * 2.5 / 4.5 = 0.31,
# level 1. None right: level 0.
MEASURED = {"foundations": 2, "delegation": 0, "directing": 1, "evaluating": 2, "responsible": 0,
            "context": 1}  # fmt: skip


def take_the_hand_computed_baseline(
    app: Flask, client: FlaskClient, publish: Callable[[CourseSpec], int]
) -> int:
    publish(question_bank())
    publish(
        CourseSpec(
            slug="safe-data-habits",
            title="Safe data habits",
            summary="What may go into an AI tool, and what may not.",
            audience=("everyone",),
            competencies=("responsible",),
            target_level=2,
            modules=[ModuleSpec("rules", "The rules")],
        )
    )
    attempt_id = start_baseline(client, rate(dict(RATINGS)))
    step_through(client, app, attempt_id, lambda q: q.difficulty in RIGHT[q.competency])
    return attempt_id


def test_the_results_page_shows_the_hand_computed_gaps_and_a_path(
    app: Flask,
    publish: Callable[[CourseSpec], int],
    learner: User,
    logged_in: Callable[[User], FlaskClient],
) -> None:
    client = logged_in(learner)
    attempt_id = take_the_hand_computed_baseline(app, client, publish)
    attempt = get_attempt(app, attempt_id)
    assert attempt.kind == "baseline" and attempt.review == "score"
    assert stored_levels(app, learner) == MEASURED | {OVERALL: 1}  # floor(6 / 6)
    with app.app_context():
        rated = db.session.execute(
            select(SelfRating.competency, SelfRating.level).where(SelfRating.user_id == learner.id)
        ).all()
        db.session.remove()
    assert dict(rated) == RATINGS

    html = page(client, "/baseline/result")
    assert "<h1>Your starting point</h1>" in html
    rows = table_rows(html)
    assert rows == {
        "foundations": ("0 Not yet", "at least 2 Practising", "Answers 2 higher"),
        "delegation": ("1 Aware", "0 Not yet", "Rated 1 higher"),
        "directing": ("3 Proficient", "1 Aware", "Rated 2 higher"),
        "evaluating": ("4 Leading", "at least 2 Practising", "Rated up to 2 higher"),
        "responsible": ("2 Practising", "0 Not yet", "Rated 2 higher"),
        "context": ("1 Aware", "1 Aware", "Same"),
    }
    # The chart draws the same figures: a bar per rating and per measured level, by class.
    chart = re.search(r'<div class="gap-chart" aria-hidden="true">(.*?)</section>', html, re.S)
    assert chart
    bars = re.findall(r'class="gap-bar gap-(self|measured) w-(\d)"', chart.group(1))
    assert bars == [
        pair
        for area in CORE_AREAS
        for pair in (("self", str(RATINGS[area])), ("measured", str(MEASURED[area])))
    ]
    sentences = re.findall(r"<li>(You rated yourself [^<]+)</li>", html)
    assert sentences == [
        "You rated yourself 0 in Foundations; your answers show 2: you know more than you think.",
        "You rated yourself 3 in Directing AI; your answers show 1.",
        "You rated yourself 4 in Evaluating outputs; your answers show at least 2, the most this "
        "short assessment can show.",
        "You rated yourself 2 in Responsible use; your answers show 0.",
    ]
    # Where to start: the lowest measured, the larger overrating first; a course for it.
    assert (
        "Start where your answers showed the least: <strong>Responsible use</strong> and "
        "<strong>Delegation and workflow fit</strong>." in html
    )
    assert '<a href="/courses/safe-data-habits">Safe data habits</a>' in html
    assert "Builds Responsible use, for everyone" in html
    assert "flash" not in html  # the results are the page, not messages above it
    # Nothing about single questions: the baseline's review policy is "score".
    assert not re.search(r"ZQFB|ZQEXPL|Question \d|your choice|review-", html)


def test_the_results_page_keeps_the_starting_point_and_home_links_to_it(
    app: Flask,
    publish: Callable[[CourseSpec], int],
    learner: User,
    logged_in: Callable[[User], FlaskClient],
) -> None:
    client = logged_in(learner)
    assert "Where do I stand? Take the baseline" in page(client, "/")
    assert client.get("/baseline/result").headers["Location"].endswith("/baseline")
    take_the_hand_computed_baseline(app, client, publish)
    home = page(client, "/")
    assert "Take the baseline" not in home
    assert '<a href="/baseline/result">Your starting point</a>' in home
    # The home page keeps comparing the self-rating with the measured level, as before.
    assert "(you rate yourself 2 higher)" in home  # directing: rated 3, measured 1
    assert "(you are 2 above your own rating)" in home  # foundations: rated 0, measured 2
    # Levels move on later (a course, say): the starting point stays what it was.
    with app.app_context():
        db.session.execute(
            update(LiteracyLevel)
            .where(LiteracyLevel.user_id == learner.id, LiteracyLevel.competency == "directing")
            .values(level=4)
        )
        db.session.commit()
        db.session.remove()
    html = page(client, "/baseline/result")
    assert "You rated yourself 3 in Directing AI; your answers show 1." in html
    assert table_rows(html)["directing"][1] == "1 Aware"
    # It can be taken again, as before: a new attempt, and then its results.
    again = start_baseline(client, rate(dict.fromkeys(CORE_AREAS, 2)))
    assert "You rated yourself 3 in Directing AI" in page(client, "/baseline/result")
    finish_baseline(client, app, again, right=True)
    html = page(client, "/baseline/result")
    assert "You rated yourself 3 in Directing AI" not in html
    assert table_rows(html)["directing"][0] == "2 Practising"


def test_a_baseline_scored_on_one_page_falls_back_to_the_current_figures(
    app: Flask,
    publish: Callable[[CourseSpec], int],
    learner: User,
    logged_in: Callable[[User], FlaskClient],
) -> None:
    """A baseline submitted the old way (an open tab from before) has no kept figures: its
    results page shows the latest self-rating and the levels as they are."""
    publish(question_bank())
    client = logged_in(learner)
    attempt_id = start_baseline(client, rate(dict.fromkeys(CORE_AREAS, 1)))
    submit(client, app, attempt_id, right=True)
    assert client.get(f"/attempts/{attempt_id}").headers["Location"].endswith("/baseline/result")
    html = page(client, "/baseline/result")
    expected = ("1 Aware", "at least 2 Practising", "Answers 1 higher")
    assert table_rows(html) == dict.fromkeys(CORE_AREAS, expected)
    assert "Your own view and your answers agree within one level in every area." in html


# ----------------------------------------------------------------------------- access and safety


def test_every_step_needs_its_csrf_token_and_gets_change_nothing(
    app: Flask,
    publish: Callable[[CourseSpec], int],
    learner: User,
    logged_in: Callable[[User], FlaskClient],
) -> None:
    publish(question_bank())
    client = logged_in(learner)
    attempt_id = start_baseline(client, rate(dict.fromkeys(CORE_AREAS, 2)))
    step(client, attempt_id, 1, "next", "1")
    before = table_snapshot(app)
    for url, data in [
        ("/baseline", rate(dict.fromkeys(CORE_AREAS, 2))),
        (f"/baseline/{attempt_id}/questions/2", {"answer": "1", "go": "next"}),
        (f"/baseline/{attempt_id}/questions/{QUESTIONS}", {"answer": "1", "go": "finish"}),
    ]:
        for token in ({}, {"csrf_token": "not-a-token"}):
            response = client.post(url, data={**data, **token})
            assert response.status_code == 400, (url, token)
    for url in (
        "/baseline",
        f"/baseline/{attempt_id}/questions/1",
        f"/baseline/{attempt_id}/questions/{QUESTIONS}",
        "/baseline/result",
        f"/attempts/{attempt_id}",
        "/",
    ):
        assert client.get(url).status_code in {200, 302}, url
    assert table_snapshot(app) == before


def test_someone_elses_baseline_is_not_found_and_stays_untouched(
    app: Flask,
    publish: Callable[[CourseSpec], int],
    make_user: Callable[..., User],
) -> None:
    publish(question_bank())
    owner, other = make_user(), make_user()
    owner_client, other_client = app.test_client(), app.test_client()
    login(owner_client, owner.email)
    login(other_client, other.email)
    attempt_id = start_baseline(owner_client, rate(dict.fromkeys(CORE_AREAS, 2)))
    step(owner_client, attempt_id, 1, "next", "1")
    before = table_snapshot(app)
    url = f"/baseline/{attempt_id}/questions/1"
    assert other_client.get(url).status_code == 404
    assert step(other_client, attempt_id, 1, "next", "2").status_code == 404
    assert step(other_client, attempt_id, QUESTIONS, "finish", "2").status_code == 404
    assert table_snapshot(app) == before
    # Another kind of attempt is no baseline page either.
    with app.app_context():
        db.session.execute(update(Attempt).where(Attempt.id == attempt_id).values(kind="check"))
        db.session.commit()
        db.session.remove()
    assert owner_client.get(url).status_code == 404
