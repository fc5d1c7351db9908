"""The shipped curriculum as a whole: every job function is shown a track written for it ("For
your role"), and every course's estimate leaves room for its modules and its final quiz."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from lms.courses.format import CourseSource
from lms.courses.loader import load_courses
from lms.courses.publish import publish_course
from lms.extensions import db
from lms.learn import service
from lms.people.models import JOB_FUNCTIONS, User
from tests.learn_helpers import page

COURSES = Path(__file__).resolve().parent.parent / "courses"

# Functions without a track of their own, and why. Any other function must have one.
WITHOUT_TRACK = {
    "leadership": "leaders are executives, shown the executives' course through that role",
}

# Role tracks added for issue 16: the function each is written for.
NEW_TRACKS = {
    "legal": "ai-for-legal",
    "it-and-security": "ai-for-it-and-security",
}

# An untimed quiz is counted at a minute and a half per question drawn.
UNTIMED_MINUTES_PER_QUESTION = 1.5



@functools.cache
def shipped() -> dict[str, CourseSource]:
    """Parsed once per run (parsing the tree takes seconds); callers do not change them."""
    courses, problems = load_courses([], COURSES)
    assert problems == [], "\n".join(str(problem) for problem in problems)
    return {course.slug: course for course in courses}


def quiz_minutes(course: CourseSource) -> int:
    """The time a learner is told the final quiz takes: its time limit, or per question drawn."""
    if course.quiz is None:
        return 0
    if course.quiz.time_limit_minutes:
        return course.quiz.time_limit_minutes
    return math.ceil(course.quiz.questions * UNTIMED_MINUTES_PER_QUESTION)


# ------------------------------------------------------------------------------ role mapping


def test_every_job_function_has_a_track_written_for_it() -> None:
    courses = shipped()
    for function in JOB_FUNCTIONS:
        tracks = [slug for slug, course in courses.items() if function in course.audience]
        if function in WITHOUT_TRACK:
            continue
        assert tracks, f"no course names the function {function!r} in its audience"
    for function, slug in NEW_TRACKS.items():
        assert courses[slug].audience == [function]
        assert function in JOB_FUNCTIONS


def publish_tracks(app: Flask, slugs: list[str]) -> None:
    """Publish these shipped courses as the command line does (prerequisites from the tree)."""
    courses, problems = load_courses([COURSES / slug for slug in slugs], COURSES)
    assert problems == [] and len(courses) == len(slugs)
    with app.app_context():
        for course in courses:
            publish_course(db.session, course, None)
        db.session.commit()
        db.session.remove()


def card_of(html: str, title: str) -> str:
    """The catalog card (``<article>``) that shows ``title``."""
    start = html.rindex("<article", 0, html.index(f">{title}</a>"))
    return html[start : html.index("</article>", start)]


@pytest.mark.parametrize(("function", "slug"), sorted(NEW_TRACKS.items()))
def test_a_new_track_is_shown_to_its_function_for_their_role(
    app: Flask,
    make_user: Callable[..., User],
    logged_in: Callable[[User], FlaskClient],
    function: str,
    slug: str,
) -> None:
    courses = shipped()
    others = [other for other in (*NEW_TRACKS.values(), "ai-for-engineering") if other != slug]
    publish_tracks(app, [slug, *others])
    person = make_user(job_function=function)
    html = page(logged_in(person), "/courses")
    fits, rest = html.partition('id="all-heading"')[::2]
    assert 'id="fit-heading"' in fits
    own = courses[slug].title
    assert own in fits and own not in rest
    assert "For your role" in card_of(html, own)
    for other in others:
        title = courses[other].title
        assert title in rest and title not in fits
        assert "For your role" not in card_of(html, title)
    with app.app_context():
        user = db.session.get(User, person.id)
        assert user is not None
        fitting = {
            entry.course.slug
            for entry in service.catalog(db.session, user, service.CatalogFilters())
            if entry.fits_role
        }
        db.session.remove()
    assert fitting == {slug}


def test_the_catalog_filter_offers_the_new_functions(
    app: Flask, make_user: Callable[..., User], logged_in: Callable[[User], FlaskClient]
) -> None:
    publish_tracks(app, list(NEW_TRACKS.values()))
    client = logged_in(make_user(job_function="engineering"))
    titles = {slug: shipped()[slug].title for slug in NEW_TRACKS.values()}
    for function, slug in NEW_TRACKS.items():
        html = page(client, f"/courses?function={function}")
        assert f'<option value="{function}" selected>{JOB_FUNCTIONS[function]}</option>' in html
        assert {title for title in titles.values() if title in html} == {titles[slug]}


# ------------------------------------------------------------------------------ time estimates


@pytest.mark.parametrize(
    "slug",
    sorted(p.name for p in COURSES.iterdir() if (p / "course.md").is_file()),
)
def test_the_course_estimate_covers_its_modules_and_its_final_quiz(slug: str) -> None:
    course = shipped()[slug]
    modules = sum(module.estimated_minutes for module in course.modules)
    assert modules + quiz_minutes(course) <= course.estimated_minutes, (
        f"{slug}: modules {modules} min + final quiz {quiz_minutes(course)} min, "
        f"estimate {course.estimated_minutes} min"
    )


def test_the_untimed_quiz_is_counted_per_question() -> None:
    course = shipped()["ai-for-legal"]
    assert course.quiz is not None
    assert quiz_minutes(course) == course.quiz.time_limit_minutes == 20
    untimed = replace(course, quiz=replace(course.quiz, time_limit_minutes=0))
    assert quiz_minutes(untimed) == 15  # 10 questions
    assert quiz_minutes(replace(course, quiz=None)) == 0
