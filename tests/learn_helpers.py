"""Building, publishing and taking small courses in tests (learner side).

A course is written as Markdown files into a folder (exactly as ``docs/authoring.md`` describes),
read with :func:`lms.courses.loader.read_folder`, parsed with
:func:`lms.courses.format.parse_course` and published with
:func:`lms.courses.publish.publish_course`, the same path the CLI takes.

Every option's feedback and every explanation carries a sentinel string (``ZQFB-...`` and
``ZQEXPL-...``), so a test can prove that no answer key reaches a page before submission.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from lms.courses.format import parse_course
from lms.courses.loader import read_folder
from lms.courses.models import Course, CourseVersion, QuestionVersion
from lms.courses.publish import publish_course
from lms.extensions import db
from lms.learn.models import Attempt, AttemptAnswer, Enrolment
from lms.learn.quiz import option_order_of
from lms.people.models import User
from tests.conftest import csrf_token, login

FEEDBACK_SENTINEL = "ZQFB"
EXPLANATION_SENTINEL = "ZQEXPL"
# Anything that tells a learner which option is right, as the result page would print it.
CORRECTNESS_MARKERS = re.compile(
    r"correct|review-right|review-wrong|not quite|your choice|"
    + FEEDBACK_SENTINEL
    + "|"
    + EXPLANATION_SENTINEL,
    re.IGNORECASE,
)


@dataclass
class QuestionSpec:
    slug: str
    competency: str = "evaluating"
    difficulty: int = 2
    correct: int = 1  # index of the correct option (of three)


@dataclass
class ModuleSpec:
    slug: str
    title: str = ""
    minutes: int = 10
    questions: list[QuestionSpec] = field(default_factory=list)
    body: str = ""


@dataclass
class CourseSpec:
    slug: str = "sentinel-course"
    title: str = "Sentinel course"
    summary: str = "Practise spotting made-up figures in drafts."
    audience: tuple[str, ...] = ("engineering",)
    competencies: tuple[str, ...] = ("evaluating",)
    target_level: int = 2
    minutes: int = 30
    overview: str = "Who this is for and what you will be able to do."
    modules: list[ModuleSpec] = field(default_factory=list)
    quiz_pool: list[QuestionSpec] = field(default_factory=list)
    quiz: dict[str, Any] | None = None


DEFAULT_QUIZ: dict[str, Any] = {
    "pass_mark": 60,
    "questions": 3,
    "max_attempts": 3,
    "cooldown_minutes": 30,
    "time_limit_minutes": 15,
    "review": "full",
}


def sentinel_course(slug: str = "sentinel-course", **quiz: Any) -> CourseSpec:
    """Three modules (the second with a two-question knowledge check) and a three-question quiz."""
    return CourseSpec(
        slug=slug,
        modules=[
            ModuleSpec("first-steps", "First steps"),
            ModuleSpec(
                "check-the-figures",
                "Check the figures",
                questions=[
                    QuestionSpec(f"{slug}-check-one", correct=0),
                    QuestionSpec(f"{slug}-check-two", "responsible", 1, correct=2),
                ],
            ),
            ModuleSpec("wrap-up", "Wrap up"),
        ],
        quiz_pool=[
            QuestionSpec(f"{slug}-quiz-one", "evaluating", 1, correct=0),
            QuestionSpec(f"{slug}-quiz-two", "evaluating", 2, correct=1),
            QuestionSpec(f"{slug}-quiz-three", "evaluating", 3, correct=2),
        ],
        quiz={**DEFAULT_QUIZ, **quiz},
    )


def question_markdown(question: QuestionSpec) -> str:
    options = []
    for index, letter in enumerate("abc"):
        mark = "x" if index == question.correct else " "
        options.append(
            f"- [{mark}] Option {letter} of {question.slug}\n"
            f"  Feedback: {FEEDBACK_SENTINEL}-{question.slug}-{letter}"
        )
    return (
        f"## Question: {question.slug}\n"
        f"type: single\n"
        f"competency: {question.competency}\n"
        f"difficulty: {question.difficulty}\n\n"
        f"Which option fits {question.slug}?\n\n" + "\n".join(options) + "\n\n"
        f"Explanation: {EXPLANATION_SENTINEL}-{question.slug} is the reason.\n\n"
    )


def write_course(root: Path, spec: CourseSpec) -> Path:
    """Write ``spec`` as a course folder under ``root`` (replacing any previous files)."""
    folder = root / spec.slug
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    front = [
        "---",
        f"title: {spec.title}",
        f"summary: {spec.summary}",
        f"audience: [{', '.join(spec.audience)}]",
        f"competencies: [{', '.join(spec.competencies)}]",
        f"target_level: {spec.target_level}",
        f"estimated_minutes: {spec.minutes}",
    ]
    if spec.quiz is not None:
        front.append("quiz:")
        front.extend(f"  {key}: {value}" for key, value in spec.quiz.items())
    front.append("---")
    (folder / "course.md").write_text("\n".join(front) + f"\n\n{spec.overview}\n")
    for position, module in enumerate(spec.modules, start=1):
        body = module.body or f"Lesson text of {module.slug}: read every figure twice."
        text = (
            f"---\ntitle: {module.title or module.slug}\ncompetencies: [{spec.competencies[0]}]\n"
            f"estimated_minutes: {module.minutes}\n---\n\n{body}\n\n"
            + "".join(question_markdown(q) for q in module.questions)
        )
        (folder / f"{position:02d}-{module.slug}.md").write_text(text)
    if spec.quiz_pool:
        pool = "".join(question_markdown(q) for q in spec.quiz_pool)
        (folder / "quiz.md").write_text("---\ntitle: Final quiz\n---\n\n" + pool)
    return folder


def publish_folder(app: Flask, folder: Path, publisher_id: int | None = None) -> int:
    """Parse and publish a course folder; returns the live version id. Fails on any problem."""
    source, problems = parse_course(
        folder.name, read_folder(folder), display_root="", known_courses=set()
    )
    assert source is not None, "\n".join(str(problem) for problem in problems)
    with app.app_context():
        publisher = db.session.get(User, publisher_id) if publisher_id else None
        result = publish_course(db.session, source, publisher)
        db.session.commit()
        version_id: int = result.version.id
        db.session.remove()
    return version_id


def publish_spec(app: Flask, root: Path, spec: CourseSpec) -> int:
    return publish_folder(app, write_course(root, spec))


# --------------------------------------------------------------------------- acting as a learner


def token(client: FlaskClient) -> str:
    """The session's CSRF token (valid for every form of this session)."""
    return csrf_token(client, "/account/password")


def post(client: FlaskClient, url: str, data: dict[str, Any] | None = None) -> Any:
    return client.post(url, data={"csrf_token": token(client), **(data or {})})


def enrol(client: FlaskClient, slug: str) -> None:
    response = post(client, f"/courses/{slug}/enrol")
    assert response.status_code == 302, response.status_code


def read_module(client: FlaskClient, slug: str, module: str) -> Any:
    response = post(client, f"/courses/{slug}/{module}/read")
    assert response.status_code == 302, response.status_code
    return response


def attempt_id_from(response: Any) -> int:
    assert response.status_code == 302, response.status_code
    match = re.search(r"/attempts/(\d+)$", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def start_check(client: FlaskClient, slug: str, module: str) -> int:
    return attempt_id_from(post(client, f"/courses/{slug}/{module}/check"))


def start_quiz(client: FlaskClient, slug: str) -> int:
    return attempt_id_from(post(client, f"/courses/{slug}/quiz"))


def answer_key(app: Flask, attempt_id: int) -> dict[int, str]:
    """Question version id -> the correct option key, read from the database (never the page)."""
    return {qid: right for qid, (right, _wrong) in _places(app, attempt_id, keys=True).items()}


def answer_places(app: Flask, attempt_id: int) -> dict[int, tuple[str, str]]:
    """Question version id -> (a right, a wrong) option as the form posts it: its place on the
    attempt's page (options are shuffled per attempt), read from the database."""
    return _places(app, attempt_id, keys=False)


def _places(app: Flask, attempt_id: int, keys: bool) -> dict[int, tuple[str, str]]:
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt is not None
        questions = db.session.scalars(
            select(QuestionVersion).where(QuestionVersion.id.in_(attempt.question_version_ids))
        )
        found = {}
        for question in questions:
            order = option_order_of(question, attempt)
            right = sorted(question.correct_keys)[0]
            wrong = next(key for key in order if key not in question.correct_keys)
            if keys:
                found[question.id] = (right, wrong)
            else:
                found[question.id] = (str(order.index(right) + 1), str(order.index(wrong) + 1))
        db.session.remove()
    return found


def place_of(app: Flask, attempt_id: int, question_id: int, key: str) -> str:
    """The form value of option ``key`` of a question in an attempt."""
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        question = db.session.get(QuestionVersion, question_id)
        assert attempt is not None and question is not None
        place = str(option_order_of(question, attempt).index(key) + 1)
        db.session.remove()
    return place


def answers_for(app: Flask, attempt_id: int, right: bool | int = True) -> dict[str, str]:
    """Form fields answering an attempt: all right, all wrong, or the first ``right`` (an int)."""
    places = answer_places(app, attempt_id)
    fields = {}
    for number, (question_id, (correct, wrong)) in enumerate(sorted(places.items())):
        is_right = number < right if not isinstance(right, bool) else right
        fields[f"q{question_id}"] = correct if is_right else wrong
    return fields


def submit(client: FlaskClient, app: Flask, attempt_id: int, right: bool | int = True) -> Any:
    return post(client, f"/attempts/{attempt_id}/submit", answers_for(app, attempt_id, right))


def complete_modules(client: FlaskClient, app: Flask, spec: CourseSpec) -> None:
    """Read every module and pass every knowledge check."""
    for module in spec.modules:
        read_module(client, spec.slug, module.slug)
        if module.questions:
            attempt = start_check(client, spec.slug, module.slug)
            assert submit(client, app, attempt).status_code == 302


def page(client: FlaskClient, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return str(response.get_data(as_text=True))


# ---------------------------------------------------------------------------------- database


def user_id(app: Flask, email: str) -> int:
    with app.app_context():
        found = db.session.scalar(select(User.id).where(User.email == email))
        db.session.remove()
    assert found is not None
    return found


def course_id(app: Flask, slug: str) -> int:
    with app.app_context():
        found = db.session.scalar(select(Course.id).where(Course.slug == slug))
        db.session.remove()
    assert found is not None
    return found


def live_version(app: Flask, slug: str) -> CourseVersion:
    with app.app_context():
        version: CourseVersion | None = db.session.scalar(
            select(CourseVersion)
            .join(Course, Course.current_version_id == CourseVersion.id)
            .where(Course.slug == slug)
        )
        assert version is not None
        db.session.expunge(version)
        db.session.remove()
    return version


def get_attempt(app: Flask, attempt_id: int) -> Attempt:
    with app.app_context():
        attempt = db.session.get(Attempt, attempt_id)
        assert attempt is not None
        db.session.expunge(attempt)
        db.session.remove()
    return attempt


def answer_count(app: Flask, attempt_id: int) -> int:
    with app.app_context():
        count = db.session.scalar(
            select(func.count(AttemptAnswer.id)).where(AttemptAnswer.attempt_id == attempt_id)
        )
        db.session.remove()
    return count or 0


def assign(app: Flask, user: User, slug: str, due_at: datetime | None) -> None:
    """Enrol ``user`` as an assignment (what a manager's assignment does)."""
    from lms.learn import service

    with app.app_context():
        person = db.session.get(User, user.id)
        course = db.session.scalar(select(Course).where(Course.slug == slug))
        assert person is not None and course is not None
        service.enrol(db.session, person, course, source="assigned", due_at=due_at)
        db.session.commit()
        db.session.remove()


def enrolment(app: Flask, user: User, slug: str) -> Enrolment | None:
    with app.app_context():
        row = db.session.scalar(
            select(Enrolment)
            .join(Course, Course.id == Enrolment.course_id)
            .where(Enrolment.user_id == user.id, Course.slug == slug)
        )
        if row is not None:
            db.session.expunge(row)
        db.session.remove()
    return row


def client_for(app: Flask, user: User) -> FlaskClient:
    """A fresh client logged in as ``user`` (for tests with several people at once)."""
    client = app.test_client()
    response = login(client, user.email)
    assert response.status_code == 302
    return client


# ---------------------------------------------------------------------------------- baseline

BASELINE_STEP = re.compile(r"/baseline/(\d+)/questions/(\d+)$")


def start_baseline(client: FlaskClient, ratings: dict[str, str]) -> int:
    """Post the self-ratings (``rate-<area>`` -> "0".."4"); the baseline attempt's id."""
    response = post(client, "/baseline", ratings)
    assert response.status_code == 302, response.status_code
    found = BASELINE_STEP.search(response.headers["Location"])
    assert found, response.headers["Location"]
    return int(found.group(1))


def finish_baseline(
    client: FlaskClient, app: Flask, attempt_id: int, right: bool | int = True
) -> Any:
    """Answer every question page by page (all right, all wrong, or the first ``right`` in
    question-id order, as :func:`answers_for`) and submit the last page; the final response."""
    fields = answers_for(app, attempt_id, right)
    order = get_attempt(app, attempt_id).question_version_ids
    response = None
    for number, question_id in enumerate(order, start=1):
        go = "finish" if number == len(order) else "next"
        response = post(
            client,
            f"/baseline/{attempt_id}/questions/{number}",
            {"answer": fields[f"q{question_id}"], "go": go},
        )
        assert response.status_code == 302, (number, response.status_code)
    return response
