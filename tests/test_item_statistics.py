"""Question statistics (lms.assessment.statistics and its pages): the figures against a small
example computed by hand, the minimum number of answers, flags, access, the CSV, a fixed number of
statements whatever the number of attempts, and practice answers left out."""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from lms.assessment.statistics import (
    QUIZ,
    ItemStatistics,
    correlation,
    course_item_statistics,
)
from lms.courses.format import parse_course
from lms.courses.loader import read_folder
from lms.courses.models import Course, Module, Question, QuestionVersion
from lms.courses.publish import publish_course
from lms.extensions import db
from lms.learn.models import Attempt, AttemptAnswer
from lms.people.models import User, utcnow
from tests.conftest import login

SLUG = "stats-course"
QUIZ_URL = f"/statistics/courses/{SLUG}"
CHECK_URL = f"/statistics/courses/{SLUG}/modules/check-the-figures"
URLS = [QUIZ_URL, f"{QUIZ_URL}/quiz.csv", CHECK_URL, f"{CHECK_URL}/check.csv"]
MIN = 5  # ITEM_STATS_MIN_RESPONSES in these tests (the default is 30)


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"ITEM_STATS_MIN_RESPONSES": MIN}


def single(slug: str, right: str, keys: str = "abc", difficulty: int = 2) -> str:
    options = "\n".join(
        f"- [{'x' if key == right else ' '}] Option {key} of {slug}\n  Feedback: Why {key}."
        for key in keys
    )
    return (
        f"## Question: {slug}\ntype: single\ncompetency: evaluating\ndifficulty: {difficulty}\n\n"
        f"Which option fits {slug}?\n\n{options}\n\nExplanation: Because.\n\n"
    )


def choose_all(slug: str, right: str, keys: str = "abcd") -> str:
    options = "\n".join(
        f"- [{'x' if key in right else ' '}] Option {key} of {slug}\n  Feedback: Why {key}."
        for key in keys
    )
    return (
        f"## Question: {slug}\ntype: multiple\ncompetency: evaluating\ndifficulty: 3\n\n"
        f"Which options fit {slug}? Choose all that apply.\n\n{options}\n\n"
        "Explanation: Because.\n\n"
    )


def write_course(root: Path) -> Path:
    """One module with a two-question knowledge check, and a three-question final quiz: Q1 (key
    b), Q2 (key a), Q3 (choose all; keys a and c)."""
    folder = root / SLUG
    folder.mkdir(parents=True)
    (folder / "course.md").write_text(
        "---\ntitle: Statistics course\nsummary: Figures in drafts.\naudience: [engineering]\n"
        "competencies: [evaluating]\ntarget_level: 2\nestimated_minutes: 20\nquiz:\n"
        "  pass_mark: 60\n  questions: 3\n  max_attempts: 0\n  cooldown_minutes: 0\n"
        "  time_limit_minutes: 0\n  review: full\n---\n\nWho this is for.\n"
    )
    (folder / "01-check-the-figures.md").write_text(
        "---\ntitle: Check the figures\ncompetencies: [evaluating]\nestimated_minutes: 10\n---\n\n"
        "Read every figure twice.\n\n" + single("check-one", "a") + single("check-two", "c")
    )
    (folder / "quiz.md").write_text(
        "---\ntitle: Final quiz\n---\n\n"
        + single("q1-invented-figure", "b")
        + single("q2-source-check", "a")
        + choose_all("q3-what-to-verify", "ac")
    )
    return folder


@pytest.fixture
def people(app: Flask, make_user: Callable[..., User], tmp_path: Path) -> dict[str, Any]:
    author = make_user(is_author=True, name="Ada Author")
    source, problems = parse_course(
        SLUG, read_folder(write_course(tmp_path)), display_root="", known_courses=set()
    )
    assert source is not None, problems
    with app.app_context():
        owner = db.session.get(User, author.id)
        publish_course(db.session, source, owner, owner)
        db.session.commit()
        db.session.remove()
    return {
        "author": author,
        "admin": make_user(is_admin=True, name="Ann Admin"),
        "other_author": make_user(is_author=True, name="Otto Other"),
        "employee": make_user(name="Eli Employee"),
        "learners": [make_user(name=f"Learner {n}") for n in range(1, 7)],
    }


def record(
    app: Flask,
    learners: list[User],
    answers: list[dict[str, list[str]]],
    *,
    kind: str = "quiz",
    counts: bool = True,
) -> None:
    """One submitted attempt per entry of ``answers`` (question slug -> chosen option keys), by
    the learners in turn, written as the app writes them."""
    with app.app_context():
        course = db.session.scalar(select(Course).where(Course.slug == SLUG))
        assert course is not None
        rows = db.session.execute(
            select(QuestionVersion, Question.slug)
            .join(Question, Question.id == QuestionVersion.question_id)
            .where(QuestionVersion.course_version_id == course.current_version_id)
        ).all()
        by_slug = {slug: question for question, slug in rows}
        now = utcnow()
        for number, chosen_by_slug in enumerate(answers):
            questions = [by_slug[slug] for slug in chosen_by_slug]
            right = [
                set(chosen_by_slug[q_slug]) == q.correct_keys
                for q_slug, q in zip(chosen_by_slug, questions, strict=True)
            ]
            user_id = learners[number % len(learners)].id
            attempt = Attempt(
                user_id=user_id,
                kind=kind,
                course_id=course.id,
                course_version_id=course.current_version_id,
                module_id=questions[0].module_id,
                question_version_ids=[q.id for q in questions],
                started_at=now,
                submitted_at=now,
                score=round(100 * sum(right) / len(right), 1),
                passed=sum(right) / len(right) >= 0.6,
                pass_mark=60,
                option_orders={str(q.id): [o["key"] for o in q.options] for q in questions},
            )
            db.session.add(attempt)
            db.session.flush()
            for question, is_right in zip(questions, right, strict=True):
                q_slug = next(s for s, q in by_slug.items() if q.id == question.id)
                db.session.add(
                    AttemptAnswer(
                        attempt_id=attempt.id,
                        user_id=user_id,
                        question_id=question.question_id,
                        question_version_id=question.id,
                        competency=question.competency,
                        difficulty=question.difficulty,
                        chosen=sorted(chosen_by_slug[q_slug]),
                        correct=is_right,
                        answered_at=now,
                        counts=counts,
                    )
                )
        db.session.commit()
        db.session.remove()


# The hand-computed example: six people, one final-quiz attempt each, all three questions.
#
#           Q1 (key b)  Q2 (key a)  Q3 (choose all: a, c)   right in the attempt (R)
#   P1      b   right   a   right   a        wrong          2
#   P2      b   right   a   right   a b c    wrong          2
#   P3      b   right   a   right   c        wrong          2
#   P4      a   wrong   b   wrong   (none)   wrong          0
#   P5      b   right   b   wrong   a c      right          2
#   P6      c   wrong   c   wrong   a c      right          1
#
# Facility: Q1 4/6, Q2 3/6, Q3 2/6.
# Discrimination: correlation of the item's 0/1 (x) with the share right on the two OTHER items
# (y = (R - x) / 2; a correlation does not change when y is scaled, so the counts R - x are used
# below). r = (nΣxy - ΣxΣy) / sqrt((nΣx - (Σx)²)(nΣy² - (Σy)²)), n = 6 (x² = x).
#   Q1: x = 1 1 1 0 1 0, R - x = 1 1 1 0 1 1: Σx 4, Σy 5, Σxy 4, Σy² 5
#       r = (24 - 20) / sqrt((24 - 16)(30 - 25)) = 4 / sqrt(40)   =  0.632456
#   Q2: x = 1 1 1 0 0 0, R - x = 1 1 1 0 2 1: Σx 3, Σy 6, Σxy 3, Σy² 8
#       r = (18 - 18) / sqrt((18 - 9)(48 - 36))  = 0                          (low: < 0.2)
#   Q3: x = 0 0 0 0 1 1, R - x = 2 2 2 0 1 0: Σx 2, Σy 7, Σxy 1, Σy² 13
#       r = (6 - 14) / sqrt((12 - 4)(78 - 49))   = -8 / sqrt(232) = -0.525226   (negative)
# Option picks (share of the 6 responses choosing each option):
#   Q1: A 1/6, B 4/6, C 1/6.   Q2: A 3/6, B 2/6, C 1/6.
#   Q3: A 4/6 (P1 P2 P5 P6), B 1/6 (P2), C 4/6 (P2 P3 P5 P6), D 0 -> a distractor nobody picks.
HAND = [
    {"q1-invented-figure": ["b"], "q2-source-check": ["a"], "q3-what-to-verify": ["a"]},
    {"q1-invented-figure": ["b"], "q2-source-check": ["a"], "q3-what-to-verify": ["a", "b", "c"]},
    {"q1-invented-figure": ["b"], "q2-source-check": ["a"], "q3-what-to-verify": ["c"]},
    {"q1-invented-figure": ["a"], "q2-source-check": ["b"], "q3-what-to-verify": []},
    {"q1-invented-figure": ["b"], "q2-source-check": ["b"], "q3-what-to-verify": ["a", "c"]},
    {"q1-invented-figure": ["c"], "q2-source-check": ["c"], "q3-what-to-verify": ["a", "c"]},
]


def quiz_items(app: Flask, minimum: int = MIN) -> dict[str, ItemStatistics]:
    with app.app_context():
        course = db.session.scalar(select(Course).where(Course.slug == SLUG))
        assert course is not None
        items = course_item_statistics(db.session, course, part=QUIZ, min_responses=minimum)
        db.session.remove()
    return {item.slug: item for item in items}


def shares(item: ItemStatistics) -> dict[str, float | None]:
    return {option.letter: option.share for option in item.options}


def test_figures_match_the_hand_computed_example(app: Flask, people: dict[str, Any]) -> None:
    record(app, people["learners"], HAND)
    items = quiz_items(app)
    assert list(items) == ["q1-invented-figure", "q2-source-check", "q3-what-to-verify"]
    q1, q2, q3 = items.values()
    assert [q.responses for q in (q1, q2, q3)] == [6, 6, 6]
    assert [q.right for q in (q1, q2, q3)] == [4, 3, 2]
    assert q1.facility == 4 / 6 and q2.facility == 3 / 6 and q3.facility == 2 / 6
    assert q1.discrimination == pytest.approx(4 / math.sqrt(40), abs=1e-12)
    assert q2.discrimination == 0.0
    assert q3.discrimination == pytest.approx(-8 / math.sqrt(232), abs=1e-12)
    assert shares(q1) == {"A": 1 / 6, "B": 4 / 6, "C": 1 / 6}
    assert shares(q2) == {"A": 3 / 6, "B": 2 / 6, "C": 1 / 6}
    assert shares(q3) == {"A": 4 / 6, "B": 1 / 6, "C": 4 / 6, "D": 0.0}
    assert [o.correct for o in q3.options] == [True, False, True, False]
    assert q1.flag_codes == ()
    assert q2.flag_codes == ("low-discrimination",)
    assert q3.flag_codes == ("negative-discrimination", "rare-distractor")
    assert q3.flags[1].label == "Distractor nobody picks (D)"
    assert q1.stem_text == "Which option fits q1-invented-figure?"
    assert q3.multiple_answers and q3.type == "multiple"


def test_the_correlation_from_sums() -> None:
    # Q1 of the example, in shares of the other items (y = (R - x) / 2).
    assert correlation(6, 4, 2.5, 2.0, 1.25) == pytest.approx(4 / math.sqrt(40))
    assert correlation(6, 6, 3, 3, 2) is None  # everyone right: x does not vary
    assert correlation(4, 2, 2, 1, 1) is None  # y the same for everyone
    assert correlation(1, 1, 1, 1, 1) is None


def test_no_figures_below_the_minimum(
    app: Flask, people: dict[str, Any], logged_in: Callable[[User], FlaskClient]
) -> None:
    record(app, people["learners"], HAND)
    below = quiz_items(app, minimum=7)
    for item in below.values():
        assert item.responses == 6 and not item.enough
        assert item.facility is None and item.discrimination is None and item.flags == ()
        assert all(option.share is None for option in item.options)
    assert quiz_items(app, minimum=6)["q1-invented-figure"].facility == 4 / 6

    app.config["ITEM_STATS_MIN_RESPONSES"] = 7
    html = logged_in(people["author"]).get(QUIZ_URL).get_data(as_text=True)
    assert html.count("Not enough answers yet (6 of the 7 needed).") == 3
    assert "66.7%" not in html and "Too easy</strong>" not in html


def test_the_default_minimum_is_thirty() -> None:
    from lms.config import DEFAULTS, _from_env

    assert DEFAULTS["ITEM_STATS_MIN_RESPONSES"] == 30
    assert _from_env({"LMS_ITEM_STATS_MIN_RESPONSES": "50"}) == {"ITEM_STATS_MIN_RESPONSES": 50}


def flag_attempts() -> list[dict[str, list[str]]]:
    """40 attempts, people in order of ability (0 lowest): Q1 right for all but the strongest
    (who picks A), Q2 right for the stronger half (the others pick B or C), Q3 right for the six
    strongest (the others choose only A)."""
    attempts = []
    for i in range(40):
        attempts.append(
            {
                "q1-invented-figure": ["a"] if i == 39 else ["b"],
                "q2-source-check": ["a"] if i >= 20 else ["b"] if i < 10 else ["c"],
                "q3-what-to-verify": ["a", "c"] if i >= 34 else ["a"],
            }
        )
    return attempts


def test_flags(app: Flask, people: dict[str, Any]) -> None:
    record(app, people["learners"], flag_attempts())
    items = quiz_items(app, minimum=30)
    q1, q2, q3 = items.values()
    # Q1: 39 of 40 right; the one wrong answer is the strongest person's.
    assert q1.facility == 39 / 40
    assert q1.discrimination is not None and q1.discrimination < 0
    assert q1.flag_codes == ("too-easy", "negative-discrimination", "rare-distractor")
    assert q1.flags[2].label == "Distractor nobody picks (A, C)"  # A 2.5%, C 0%
    # Q2: half right, and those are the people who do well on the rest: no flag.
    assert q2.facility == 0.5 and (q2.discrimination or 0) > 0.2
    assert shares(q2) == {"A": 0.5, "B": 0.25, "C": 0.25}
    assert q2.flag_codes == ()
    # Q3: 6 of 40 right; wrong answers miss C, nobody ticks B or D.
    assert q3.facility == 6 / 40
    assert q3.flag_codes == ("too-hard", "rare-distractor")
    assert q3.flags[1].label == "Distractor nobody picks (B, D)"


def test_practice_answers_are_left_out(app: Flask, people: dict[str, Any]) -> None:
    record(app, people["learners"], HAND)
    before = quiz_items(app)
    # Retries that are practice (counts = false), every answer right: nothing changes.
    everything_right = {
        "q1-invented-figure": ["b"],
        "q2-source-check": ["a"],
        "q3-what-to-verify": ["a", "c"],
    }
    record(app, people["learners"], [everything_right] * 6, counts=False)
    assert quiz_items(app) == before

    # The knowledge check: five first tries count, five retries (all right) do not.
    first = [{"check-one": ["a"], "check-two": ["a"]}] * 2 + [
        {"check-one": ["b"], "check-two": ["c"]}
    ] * 3
    record(app, people["learners"], first, kind="check")
    retries = [{"check-one": ["a"], "check-two": ["c"]}] * 5
    record(app, people["learners"], retries, kind="check", counts=False)
    with app.app_context():
        course = db.session.scalar(select(Course).where(Course.slug == SLUG))
        module_id = db.session.scalar(select(Module.id).where(Module.slug == "check-the-figures"))
        assert course is not None and module_id is not None
        check = {
            item.slug: item
            for item in course_item_statistics(db.session, course, part=module_id, min_responses=5)
        }
        db.session.remove()
    assert list(check) == ["check-one", "check-two"]
    assert check["check-one"].responses == 5 and check["check-one"].facility == 2 / 5
    assert check["check-two"].responses == 5 and check["check-two"].facility == 3 / 5
    # Each attempt answered both: x of one and the other are perfectly opposed here.
    assert check["check-one"].discrimination == pytest.approx(-1.0)
    assert quiz_items(app) == before  # the check's answers are not the quiz's


def test_a_fixed_number_of_statements_whatever_the_attempts(
    app: Flask,
    people: dict[str, Any],
    logged_in: Callable[[User], FlaskClient],
    count_statements: Callable[[], Any],
) -> None:
    client = logged_in(people["author"])

    def measure() -> tuple[int, int, int]:
        with app.app_context():
            course = db.session.scalar(select(Course).where(Course.slug == SLUG))
            assert course is not None
            with count_statements() as counter:
                course_item_statistics(db.session, course, part=QUIZ, min_responses=MIN)
            db.session.remove()
        assert client.get(QUIZ_URL).status_code == 200  # warm-up
        with count_statements() as page:
            assert client.get(QUIZ_URL).status_code == 200
        with count_statements() as export:
            assert client.get(f"{QUIZ_URL}/quiz.csv").status_code == 200
        return counter.count, page.count, export.count

    record(app, people["learners"], HAND[:3])
    few = measure()
    record(app, people["learners"], flag_attempts()[:27])
    many = measure()
    assert quiz_items(app)["q1-invented-figure"].responses == 30
    assert few == many
    assert few[0] == 2  # the questions, then every figure in one statement


def test_access(
    app: Flask, people: dict[str, Any], logged_in: Callable[[User], FlaskClient]
) -> None:
    record(app, people["learners"], HAND)
    anonymous = app.test_client()
    for url in URLS:
        response = anonymous.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url
    for who, status in [
        ("author", 200),
        ("admin", 200),
        ("other_author", 404),
        ("employee", 404),
    ]:
        client = app.test_client()
        assert login(client, people[who].email).status_code == 302
        for url in URLS:
            assert client.get(url).status_code == status, (who, url)
        for url in (
            "/statistics/courses/no-such-course",
            f"{QUIZ_URL}/modules/no-such-module",
            f"{QUIZ_URL}?version=9",
        ):
            assert client.get(url).status_code == 404, (who, url)
    # The author workspace's course page links to the statistics.
    html = logged_in(people["author"]).get(f"/author/courses/{SLUG}").get_data(as_text=True)
    assert f'href="{QUIZ_URL}">Question statistics</a>' in html


def rows_of(html: str) -> list[str]:
    return re.findall(r'data-question="([^"]+)"', html)


def test_the_page(
    app: Flask, people: dict[str, Any], logged_in: Callable[[User], FlaskClient]
) -> None:
    record(app, people["learners"], HAND)
    client = logged_in(people["author"])
    html = client.get(QUIZ_URL).get_data(as_text=True)
    assert rows_of(html) == ["q1-invented-figure", "q2-source-check", "q3-what-to-verify"]
    for text in (
        "Facility</strong>: the share of answers that were right",
        "Discrimination</strong>: whether the people who do well",
        "66.7%",
        "50.0%",
        "33.3%",
        "0.63",
        "0.00",
        "-0.53",
        "Low discrimination</strong>",
        "Negative discrimination</strong>",
        "Distractor nobody picks (D)</strong>",
        "(right answer)",
        "Which option fits q1-invented-figure?",
        "No figure is shown until a question has <strong>5</strong>",
        'tabindex="0" role="region"',
        "Knowledge check: Check the figures",
        f'href="{QUIZ_URL}/quiz.csv"',
    ):
        assert text in html, text
    assert "style=" not in html and not re.search(r"<script(?![^>]*\ssrc=)", html)

    ascending = client.get(f"{QUIZ_URL}?sort=facility&dir=asc").get_data(as_text=True)
    assert rows_of(ascending) == ["q3-what-to-verify", "q2-source-check", "q1-invented-figure"]
    assert 'aria-sort="ascending"' in ascending
    # The heading of the sorted column now links to the other direction.
    assert f'href="{QUIZ_URL}?sort=facility&amp;dir=desc"' in ascending
    descending = client.get(f"{QUIZ_URL}?sort=discrimination&dir=desc").get_data(as_text=True)
    assert rows_of(descending) == ["q1-invented-figure", "q2-source-check", "q3-what-to-verify"]
    assert rows_of(client.get(f"{QUIZ_URL}?sort=nonsense").get_data(as_text=True)) == rows_of(html)

    check = client.get(CHECK_URL).get_data(as_text=True)
    assert rows_of(check) == ["check-one", "check-two"]
    assert check.count("Not enough answers yet (0 of the 5 needed).") == 2


def test_the_csv(
    app: Flask, people: dict[str, Any], logged_in: Callable[[User], FlaskClient]
) -> None:
    record(app, people["learners"], HAND)
    client = logged_in(people["author"])
    response = client.get(f"{QUIZ_URL}/quiz.csv?sort=facility&dir=asc")
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="question-statistics-{SLUG}-v1-quiz.csv"'
    )
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == [
        "Question id",
        "Question",
        "Type",
        "Competency",
        "Difficulty (author)",
        "Responses",
        "Facility %",
        "Discrimination",
        "Right options",
        "Option A picked %",
        "Option B picked %",
        "Option C picked %",
        "Option D picked %",
        "Flags",
    ]
    assert rows[1] == [
        "q3-what-to-verify",
        "Which options fit q3-what-to-verify? Choose all that apply.",
        "choose all",
        "Evaluating outputs",
        "3",
        "6",
        "33.3",
        "-0.525",
        "A C",
        "66.7",
        "16.7",
        "66.7",
        "0.0",
        "Negative discrimination; Distractor nobody picks (D)",
    ]
    assert rows[2][0] == "q2-source-check" and rows[2][6:9] == ["50.0", "0.0", "A"]
    assert rows[2][-2:] == ["", "Low discrimination"]  # three options: no D
    assert rows[3][0] == "q1-invented-figure" and rows[3][6:8] == ["66.7", "0.632"]
    assert len(rows) == 4

    app.config["ITEM_STATS_MIN_RESPONSES"] = 7
    below = client.get(f"{QUIZ_URL}/quiz.csv").get_data(as_text=True)
    first = list(csv.reader(io.StringIO(below.lstrip("\ufeff"))))[1]
    assert first[5:8] == ["6", "", ""]
    assert first[-1] == "not enough answers yet (6 of 7)"


def test_a_formula_in_a_question_is_not_run_by_a_spreadsheet() -> None:
    from lms.assessment.views import csv_text

    item = ItemStatistics(
        question_id=1,
        question_version_id=1,
        slug="formula",
        module_id=None,
        position=1,
        type="single",
        multiple_answers=False,
        competency="evaluating",
        difficulty=1,
        stem_text='=HYPERLINK("http://example.com")',
        responses=0,
        right=0,
        enough=False,
        facility=None,
        discrimination=None,
        discrimination_responses=0,
        options=(),
    )
    row = list(csv.reader(io.StringIO(csv_text([item], 30).lstrip("\ufeff"))))[1]
    assert row[1].startswith("'=")


def test_both_forms_of_the_statement_give_the_same_rows(app: Flask, people: dict[str, Any]) -> None:
    from lms.assessment.statistics import _sums_by_join, _sums_by_window

    record(app, people["learners"], HAND)
    record(app, people["learners"], flag_attempts())
    record(app, people["learners"], HAND[:2], counts=False)
    with app.app_context():
        ids = list(db.session.scalars(select(QuestionVersion.id)))
        by_join = sorted(tuple(row) for row in db.session.execute(_sums_by_join(ids)))
        by_window = sorted(tuple(row) for row in db.session.execute(_sums_by_window(ids)))
        db.session.remove()
    assert by_join == by_window and len(by_join) > 10


# ------------------------------------------------------------------ the demo's simulated answers


def demo_question(slug: str, course: str = "some-course", **fields: Any) -> Any:
    from lms.demo_large import QuestionInfo

    values: dict[str, Any] = {
        "version_id": 1,
        "question_id": 1,
        "competency": "responsible",
        "difficulty": 2,
        "correct": ["a"],
        "keys": ["a", "b", "c", "d"],
        "slug": slug,
        "course_slug": course,
    }
    values.update(fields)
    return QuestionInfo(**values)


def test_the_demo_answers_by_an_item_response_model() -> None:
    import random

    from lms.demo_large import AMBIGUOUS_ITEMS

    item = demo_question("plain-item")
    again = demo_question("plain-item")
    assert (item.discrimination, item.location) == (again.discrimination, again.location)
    assert item.discrimination > 0
    chances = [item.chance(ability) for ability in (0.0, 1.0, 2.0, 3.0, 4.0)]
    assert chances == sorted(chances) and chances[0] >= item.guessing == 0.25
    rng = random.Random(1)
    assert all(item.wrong_answer(rng) != ["a"] for _ in range(200))

    choose_all = demo_question("choose-all", correct=["a", "c"], multiple=True)
    wrong = [choose_all.wrong_answer(rng) for _ in range(300)]
    assert all(answer and answer != ["a", "c"] for answer in wrong)
    assert {"b", "d"} & {key for answer in wrong for key in answer}

    # The deliberately ambiguous item: the stronger someone is, the likelier they get it wrong,
    # mostly by picking the "careful" distractor.
    (course, slug), phrase = next(iter(AMBIGUOUS_ITEMS.items()))
    texts = {"a": "Yes", "b": "No", "c": f"Only after she {phrase} first", "d": "Personal account"}
    ambiguous = demo_question(slug, course, texts=texts)
    assert ambiguous.trap == "c"
    assert ambiguous.chance(0.5) > ambiguous.chance(2.0) > ambiguous.chance(3.5)
    picks = [ambiguous.wrong_answer(rng)[0] for _ in range(500)]
    assert picks.count("c") > 0.7 * len(picks)


def test_the_ambiguous_demo_item_is_flagged(app: Flask, tmp_path: Path) -> None:
    """The large demo's people, answering the real course: its ambiguous question comes out with
    clearly negative discrimination, far below every other question of the quiz."""
    from datetime import date

    from lms.config import PROJECT_ROOT
    from lms.courses.shared import load_shared
    from lms.demo_large import AMBIGUOUS_ITEMS, build_large_org

    (course_slug, question_slug) = next(iter(AMBIGUOUS_ITEMS))
    source, problems = parse_course(
        course_slug,
        read_folder(PROJECT_ROOT / "courses" / course_slug),
        display_root="",
        known_courses={"ai-foundations"},
        shared=load_shared(PROJECT_ROOT / "courses"),
    )
    assert source is not None, problems
    with app.app_context():
        ceo = User(email="ceo@example.com", name="Cleo CEO", job_function="leadership")
        db.session.add(ceo)
        db.session.flush()
        publish_course(db.session, source, None)
        build_large_org(db.session, 700, 5, ceo=ceo, password_hash="x", today=date(2031, 6, 18))
        db.session.commit()
        course = db.session.scalar(select(Course).where(Course.slug == course_slug))
        assert course is not None
        items = course_item_statistics(db.session, course, part=QUIZ, min_responses=30)
        db.session.remove()
    by_slug = {item.slug: item for item in items}
    ambiguous = by_slug[question_slug]
    assert ambiguous.enough, ambiguous.responses
    assert "negative-discrimination" in ambiguous.flag_codes
    others = [item for item in items if item.slug != question_slug and item.enough]
    # Sampling noise can take an ordinary item a little below zero; nothing else comes close.
    # (About -0.25 whatever the seed: many quiz attempts come from people who revised for an
    # assigned course, so abilities among quiz takers are closer together than among everyone.)
    assert (ambiguous.discrimination or 0) < -0.2
    assert len(others) > 10 and all((item.discrimination or 0) > -0.15 for item in others)
