"""Shared texts (``courses/_shared/``) and ``[[include: name]]`` (docs/authoring.md, "Shared
texts"): resolving, the checker's errors and warnings with file:line, the content hash, publishing
and the author workspace."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from lms.courses.format import CourseSource, Problem, parse_course, split_file
from lms.courses.includes import SharedSnippets
from lms.courses.loader import load_courses
from lms.courses.models import Course
from lms.courses.publish import publish_course, render_course
from lms.courses.shared import load_shared, parse_shared, review_warnings
from lms.extensions import db
from lms.people.models import User
from tests.test_authoring import page, save, start_draft
from tests.test_course_format import good_course_files

SLUG = "tiny-course"
COURSES = Path(__file__).resolve().parent.parent / "courses"


def snippet(
    body: str = "The Act applies from **2 February 2025**.\n",
    *,
    owner: str | None = "Legal",
    review_by: str | None = "2027-03-01",
    extra: str = "",
) -> bytes:
    lines = ["---", "title: Dates of the Act"]
    if owner is not None:
        lines.append(f"owner: {owner}")
    if review_by is not None:
        lines.append(f"review_by: {review_by}")
    lines += ["sources:", "  - https://eur-lex.europa.eu/eli/reg/2024/1689/oj"]
    lines += [extra] if extra else []
    return ("\n".join([*lines, "---", "", body])).encode()


def shared(**snippets: bytes) -> SharedSnippets:
    return parse_shared(
        {f"{name.replace('_', '-')}.md": data for name, data in snippets.items()},
        "courses/_shared",
    )


def with_include(name: str = "act-dates", *, after: str = "First lesson.") -> dict[str, bytes]:
    files = good_course_files()
    text = files["01-first.md"].decode()
    files["01-first.md"] = text.replace(
        after, f"{after}\n\nThe dates:\n\n[[include: {name}]]\n", 1
    ).encode()
    return files


def parse(
    files: dict[str, bytes], snippets: SharedSnippets | None
) -> tuple[CourseSource | None, list[Problem]]:
    return parse_course(
        SLUG, files, display_root="courses/tiny-course", known_courses=set(), shared=snippets
    )


def line_of(files: dict[str, bytes], path: str, needle: str) -> int:
    lines = files[path].decode().split("\n")
    return next(number for number, line in enumerate(lines, 1) if needle in line)


# ---------------------------------------------------------------------------- resolving


def test_an_include_is_replaced_by_the_shared_text() -> None:
    course, problems = parse(with_include(), shared(act_dates=snippet()))
    assert course is not None, problems
    body = course.modules[0].body
    assert "[[include:" not in body
    assert "The dates:\n\n\nThe Act applies from **2 February 2025**." in body
    assert course.included == {"act-dates": ["courses/tiny-course/01-first.md:11"]}
    html = render_course(course).modules["first"]
    assert "<strong>2 February 2025</strong>" in html


def test_the_overview_can_include_and_the_preview_shows_the_text() -> None:
    files = good_course_files()
    files["course.md"] += b"\n[[include: act-dates]]\n"
    snippets = shared(act_dates=snippet())
    course, problems = parse(files, snippets)
    assert course is not None, problems
    assert "2 February 2025" in course.overview
    parts = split_file("course.md", files["course.md"], snippets)
    assert parts is not None and "2 February 2025" in parts.body
    module = split_file("01-first.md", with_include()["01-first.md"], snippets)
    assert module is not None and "2 February 2025" in module.body


def test_a_shared_text_may_hold_placeholders_but_a_code_sample_of_an_include_is_text() -> None:
    files = with_include()
    files["02-second.md"] = files["02-second.md"].replace(
        b"Second lesson.", b"Second lesson. Write `[[include: act-dates]]` alone on a line."
    )
    body = "Ask [[org: ai-contact]] before you start.\n"
    course, problems = parse(files, shared(act_dates=snippet(body)))
    assert course is not None, problems
    assert "[[org: ai-contact]]" in course.modules[0].body
    assert "`[[include: act-dates]]`" in course.modules[1].body


# ------------------------------------------------------------------------------- errors


def test_a_missing_include_is_an_error_at_its_file_and_line() -> None:
    files = with_include("no-such-text")
    course, problems = parse(files, shared(act_dates=snippet()))
    assert course is None
    line = line_of(files, "01-first.md", "[[include:")
    assert problems == [
        Problem(
            "courses/tiny-course/01-first.md",
            line,
            "[[include: no-such-text]]: there is no shared text courses/_shared/no-such-text.md",
        )
    ]


def test_without_shared_texts_every_include_is_an_error() -> None:
    course, problems = parse(with_include(), None)
    assert course is None
    assert [p.line for p in problems] == [11] and "there is no shared text" in problems[0].message


def test_an_include_inside_a_sentence_or_a_question_is_refused() -> None:
    files = good_course_files()
    files["01-first.md"] = (
        files["01-first.md"]
        .replace(b"First lesson.", b"First lesson, see [[include: act-dates]] here.")
        .replace(b"Which one?", b"Which one?\n\n[[include: act-dates]]")
    )
    files["quiz.md"] = files["quiz.md"].replace(
        b"## Question:", b"[[include: act-dates]]\n\n## Question:", 1
    )
    course, problems = parse(files, shared(act_dates=snippet()))
    assert course is None
    found = {(p.path.rsplit("/", 1)[1], p.line, p.message.split(": ")[-1]) for p in problems}
    sentence = line_of(files, "01-first.md", "see [[include:")
    question = line_of(files, "01-first.md", "Which one?") + 2
    in_questions = "includes work in lesson text and the course overview, not questions"
    assert ("01-first.md", sentence, "<name>]]") in found
    assert ("01-first.md", question, in_questions) in found
    assert ("quiz.md", 1, in_questions) in found
    # Never also called an unknown placeholder.
    assert not any("unknown placeholder" in p.message for p in problems)


def test_line_numbers_after_an_include_stay_the_modules_own() -> None:
    files = with_include()
    files["01-first.md"] = files["01-first.md"].replace(
        b"[[include: act-dates]]\n", b"[[include: act-dates]]\n\nA [broken link](03-nowhere.md).\n"
    )
    course, problems = parse(files, shared(act_dates=snippet("One\n\ntwo\n\nthree\n")))
    assert course is None
    line = line_of(files, "01-first.md", "[broken link]")
    assert [(p.path, p.line) for p in problems] == [("courses/tiny-course/01-first.md", line)]


def test_a_shared_text_without_owner_or_review_date_is_refused_and_so_is_its_includer() -> None:
    snippets = shared(act_dates=snippet(owner=None), other=snippet(review_by=None))
    assert snippets.snippets == {} and snippets.broken == {"act-dates", "other"}
    assert snippets.problems["act-dates"] == [
        Problem("courses/_shared/act-dates.md", 1, "missing required setting 'owner'")
    ]
    assert "review_by" in snippets.problems["other"][0].message
    course, problems = parse(with_include(), snippets)
    assert course is None
    assert problems == [
        Problem(
            "courses/tiny-course/01-first.md",
            11,
            "[[include: act-dates]]: the shared text courses/_shared/act-dates.md has problems "
            "(listed for that file)",
        )
    ]


def test_a_shared_text_cannot_include_another_one() -> None:
    nested = snippet("Intro.\n\n[[include: other]]\n")
    snippets = shared(act_dates=nested, other=snippet())
    # Front matter: 7 lines (--- ... ---), a blank line, "Intro.", a blank line, the include.
    assert snippets.problems["act-dates"] == [
        Problem(
            "courses/_shared/act-dates.md",
            11,
            "a shared text cannot include another one (includes go one level deep)",
        )
    ]


def test_an_error_inside_a_shared_text_is_reported_at_the_shared_texts_line() -> None:
    body = "Fine.\n\nSee [the module](01-first.md) and [[org: policy]].\n\n## Question: x\n"
    snippets = shared(act_dates=snippet(body, extra="colour: red"))
    found = {
        (p.line, p.message.split(" (")[0].split(":")[0]) for p in snippets.problems["act-dates"]
    }
    path = {p.path for p in snippets.problems["act-dates"]}
    assert path == {"courses/_shared/act-dates.md"}
    assert (7, "unknown setting 'colour'") in found
    assert (12, "link '01-first.md'") in found
    assert (12, "unknown placeholder [[org") in found
    assert (14, "a shared text holds lesson text only, no questions") in found


@pytest.mark.parametrize(
    ("extra_front", "message"),
    [
        ("", "'review_by' must be a date written like 2027-03-01"),
        ("sources: [not-a-link]", "source 'not-a-link' must be a full link (https://...)"),
    ],
)
def test_bad_settings_of_a_shared_text(extra_front: str, message: str) -> None:
    data = snippet(review_by="next spring" if not extra_front else "2027-03-01")
    if extra_front:
        data = data.replace(
            b"sources:\n  - https://eur-lex.europa.eu/eli/reg/2024/1689/oj", extra_front.encode()
        )
    problems = shared(act_dates=data).problems["act-dates"]
    assert [p.message for p in problems] == [message]


# ------------------------------------------------------------------- review dates, hashes


def test_an_overdue_review_warns_at_the_review_line_naming_owner_and_includers() -> None:
    snippets = shared(act_dates=snippet(review_by="2026-01-31"))
    course, problems = parse(with_include(), snippets)
    assert course is not None, problems  # overdue is a warning, never an error
    [warning] = review_warnings(snippets, [course], date(2026, 2, 1))
    assert warning.path == "courses/_shared/act-dates.md" and warning.line == 4
    assert "review date 2026-01-31 has passed" in warning.message
    assert "Legal should check it" in warning.message
    assert "(included by courses/tiny-course/01-first.md:11)" in warning.message
    assert review_warnings(snippets, [course], date(2026, 1, 31)) == []
    # Checking some courses only: a snippet none of them includes is not mentioned.
    assert review_warnings(snippets, [], date(2026, 2, 1), every=False) == []
    assert "included by no course" in review_warnings(snippets, [], date(2026, 2, 1))[0].message


def test_the_content_hash_changes_when_an_included_text_changes() -> None:
    first, _ = parse(with_include(), shared(act_dates=snippet()))
    again, _ = parse(with_include(), shared(act_dates=snippet()))
    changed, _ = parse(with_include(), shared(act_dates=snippet("Now from 2028.\n")))
    plain, _ = parse(good_course_files(), shared(act_dates=snippet()))
    assert first is not None and again is not None and changed is not None and plain is not None
    assert first.content_hash == again.content_hash
    assert changed.content_hash != first.content_hash
    # A snippet no file includes does not count.
    unused, _ = parse(good_course_files(), shared(act_dates=snippet("Other.\n")))
    assert unused is not None and unused.content_hash == plain.content_hash


def write_tree(root: Path, snippet_data: bytes) -> Path:
    folder = root / SLUG
    folder.mkdir(parents=True)
    for path, data in with_include().items():
        (folder / path).write_bytes(data)
    (root / "_shared").mkdir()
    (root / "_shared" / "act-dates.md").write_bytes(snippet_data)
    return folder


def test_publishing_again_after_a_shared_text_changed_makes_a_new_version(
    app: Flask, tmp_path: Path
) -> None:
    write_tree(tmp_path, snippet())

    def publish() -> tuple[int, str]:
        courses, problems = load_courses([], tmp_path)
        assert problems == [] and len(courses) == 1
        with app.app_context():
            result = publish_course(db.session, courses[0], None)
            db.session.commit()
            number, html = result.version.number, result.version.modules[0].html
            db.session.remove()
        return number, html

    assert publish()[0] == 1
    assert publish()[0] == 1  # unchanged: nothing new
    (tmp_path / "_shared" / "act-dates.md").write_bytes(snippet("Now from 2028.\n"))
    number, html = publish()
    assert number == 2 and "Now from 2028." in html


@pytest.fixture
def tree_config(tmp_path: Path) -> Path:
    return tmp_path / "tree"


@pytest.fixture
def app_config(tree_config: Path) -> dict[str, object]:
    return {"COURSES_DIR": str(tree_config)}


def test_cli_check_lists_snippet_problems_and_warns_of_overdue_reviews(
    app: Flask, tree_config: Path
) -> None:
    # One course named: the catalogue-wide assessment checks (reachability) stay out of it.
    folder = str(write_tree(tree_config, snippet(review_by="2020-01-01")))
    result = app.test_cli_runner().invoke(args=["lms", "courses", "check", "--strict", folder])
    assert result.exit_code == 0, result.output
    shared_file = f"{tree_config / '_shared' / 'act-dates.md'}:4: warning: review date 2020-01-01"
    assert shared_file in result.output
    assert "01-first.md:11)" in result.output
    (tree_config / "_shared" / "act-dates.md").write_bytes(snippet(owner=None))
    result = app.test_cli_runner().invoke(args=["lms", "courses", "check", folder])
    assert result.exit_code == 1
    assert f"{tree_config / '_shared' / 'act-dates.md'}:1: missing required setting 'owner'" in (
        result.output
    )
    assert "01-first.md:11: [[include: act-dates]]: the shared text" in result.output


def test_the_shipped_shared_texts_are_owned_dated_and_sourced() -> None:
    snippets = load_shared(COURSES)
    assert snippets.problems == {}
    assert len(snippets.snippets) >= 5
    for found in snippets.snippets.values():
        assert found.owner == "Legal" and found.sources
        assert all(source.startswith("https://eur-lex.europa.eu/eli/") for source in found.sources)


# ------------------------------------------------------------------------------ workspace


@pytest.fixture
def author(make_user: Callable[..., User]) -> User:
    return make_user(name="Ada Author", is_author=True)


def test_a_draft_includes_the_trees_shared_texts(
    app: Flask, tree_config: Path, logged_in: Callable[[User], FlaskClient], author: User
) -> None:
    write_tree(tree_config, snippet())
    courses, problems = load_courses([], tree_config)
    assert problems == []
    with app.app_context():
        person = db.session.get(User, author.id)
        publish_course(db.session, courses[0], person, person)
        db.session.commit()
        db.session.remove()
    client = logged_in(author)
    draft_url = start_draft(client)
    text = with_include()["01-first.md"].decode()
    assert save(client, draft_url, "01-first.md", text).status_code == 302
    assert "No problems" in page(client, f"{draft_url}/validate")
    editor = page(client, f"{draft_url}/edit/01-first.md")
    assert "2 February 2025" in editor  # the preview shows the shared text in place
    bad = text.replace("[[include: act-dates]]", "[[include: act-dats]]")
    save(client, draft_url, "01-first.md", bad)
    validation = page(client, f"{draft_url}/validate")
    assert "01-first.md:11" in validation and "there is no shared text" in validation
    with app.app_context():
        course = db.session.scalar(select(Course).where(Course.slug == SLUG))
        assert course is not None and course.current_version is not None
        assert course.current_version.number == 1  # Validate changed nothing
        db.session.remove()
