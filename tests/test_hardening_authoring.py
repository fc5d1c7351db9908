"""Hardening (issue 17), the lower findings about authoring input.

Drafts had no size or count limit (a 52 KB zip became a 67 MB draft row) and the workspace loaded
every draft's files to list them; course SVG images were served as uploaded, scripts included;
``courses check`` and ``publish`` disagreed about a badge naming a published course whose folder is
gone; ``..`` entries in a zip were ignored without a word; and a line break in a title passed the
checker (and later stopped every reminder email).
"""

from __future__ import annotations

import base64
import io
import shutil
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, func, select

from lms.authoring.models import CourseDraft
from lms.courses.format import parse_course
from lms.courses.loader import read_zip
from lms.courses.models import CourseAsset
from lms.courses.publish import publish_course
from lms.extensions import db
from lms.people.models import User
from lms.pulse.format import parse_pulse
from lms.recognition.badges_format import parse_badges
from tests.badge_helpers import SIMPLE_SVG, badge_markdown, write_badge
from tests.conftest import PASSWORD, csrf_token
from tests.test_badges_format import run, tree  # noqa: F401  (the fixture)
from tests.test_course_format import good_course_files, zip_of

MB = 1024 * 1024


def client_for(app: Flask, user: User) -> FlaskClient:
    client = app.test_client()
    token = csrf_token(client, "/login")
    response = client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    return client


@pytest.fixture
def author(make_user: Callable[..., User]) -> User:
    return make_user(is_author=True)


def upload(client: FlaskClient, data: bytes, slug: str = "") -> Any:
    return client.post(
        "/author/upload",
        data={
            "csrf_token": csrf_token(client, "/author/"),
            "slug": slug,
            "file": (io.BytesIO(data), "course.zip"),
        },
        content_type="multipart/form-data",
    )


def new_course(client: FlaskClient, slug: str) -> Any:
    return client.post(
        "/author/new", data={"slug": slug, "csrf_token": csrf_token(client, "/author/")}
    )


def draft_count(app: Flask) -> int:
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(CourseDraft))
        db.session.remove()
    return int(count or 0)


# ----------------------------------------------------------------------------------- drafts


def test_a_small_zip_cannot_become_a_huge_draft(app: Flask, author: User) -> None:
    files = good_course_files()
    for number in range(11):  # 22 MB of zeros: a zip of a few dozen KB
        files[f"files/padding-{number}.txt"] = b"\0" * (2 * MB)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path, content in files.items():
            archive.writestr(f"tiny-course/{path}", content)
    data = buffer.getvalue()
    assert len(data) < 100_000
    response = upload(client_for(app, author), data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "A draft can hold at most 20 MB of files" in html
    assert draft_count(app) == 0  # before: a draft row of 30 MB (base64 of the padding)


def test_saving_or_adding_files_stops_at_the_draft_size_limit(app: Flask, author: User) -> None:
    app.config["DRAFT_MAX_MB"] = 1
    client = client_for(app, author)
    draft_url = new_course(client, "sized-course").headers["Location"]
    token = csrf_token(client, draft_url)
    # Under 500 KB each: the test client keeps smaller bodies in memory.
    image = b"\x89PNG\r\n\x1a\n" + b"\0" * (400 * 1024)

    def add(name: str) -> Any:
        return client.post(
            f"{draft_url}/add-asset",
            data={"csrf_token": token, "file": (io.BytesIO(image), name)},
            content_type="multipart/form-data",
        )

    assert add("one.png").status_code == 302
    assert add("two.png").status_code == 302
    third = add("three.png")
    assert third.status_code == 422
    assert "A draft can hold at most 1 MB of files" in third.get_data(as_text=True)
    text = "---\ntitle: Intro\ncompetencies: [foundations]\nestimated_minutes: 5\n---\n\n"
    saved = client.post(
        f"{draft_url}/edit/01-introduction.md",
        data={"csrf_token": token, "text": text + "x" * (250 * 1024), "action": "save"},
    )
    assert saved.status_code == 422
    assert "A draft can hold at most 1 MB of files" in saved.get_data(as_text=True)


def test_an_author_keeps_a_limited_number_of_drafts(
    app: Flask, author: User, make_user: Callable[..., User]
) -> None:
    app.config["DRAFTS_PER_AUTHOR"] = 2
    client = client_for(app, author)
    assert new_course(client, "first-course").status_code == 302
    assert new_course(client, "second-course").status_code == 302
    third = new_course(client, "third-course")
    assert third.status_code == 422
    assert "You have 2 drafts, the most one author can keep" in third.get_data(as_text=True)
    assert new_course(client, "first-course").status_code == 302  # an existing draft: fine
    refused = upload(client, zip_of(good_course_files(), "tiny-course/"))
    assert refused.status_code == 422
    # Editing a published course at the limit: a message, not a 500.
    with app.app_context():
        source, _ = parse_course("tiny-course", good_course_files(), known_courses=set())
        assert source is not None
        owner = db.session.get(User, author.id)
        publish_course(db.session, source, owner, owner)
        db.session.commit()
        db.session.remove()
    response = client.post(
        "/author/courses/tiny-course/edit",
        data={"csrf_token": csrf_token(client, "/author/courses/tiny-course")},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "You have 2 drafts" in response.get_data(as_text=True)
    assert draft_count(app) == 2
    assert client_for(app, make_user(is_author=True)) is not None  # others are not affected


@pytest.fixture
def statements(app: Flask) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(str(args[2]))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    yield seen
    event.remove(engine, "before_cursor_execute", record)


def test_the_workspace_lists_drafts_without_loading_their_files(
    app: Flask, author: User, statements: list[str]
) -> None:
    with app.app_context():
        big = base64.b64encode(b"\0" * (3 * MB)).decode("ascii")
        for number in range(3):
            db.session.add(
                CourseDraft(
                    slug=f"big-course-{number}",
                    author_id=author.id,
                    files={"course.md": "x" * MB},
                    assets={"files/big.txt": big},
                )
            )
        db.session.commit()
        db.session.remove()
    client = client_for(app, author)
    statements.clear()
    html = client.get("/author/").get_data(as_text=True)
    assert "big-course-2" in html
    drafts = [sql for sql in statements if "course_drafts" in sql]
    assert drafts
    assert not [
        sql for sql in drafts if "course_drafts.files" in sql or "course_drafts.assets" in sql
    ]


# ---------------------------------------------------------------------------- SVG images

DIRTY_SVG = b"""<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 100" class="drawing">
<metadata>editor data</metadata>
<rect x="10" y="10" width="50" height="20" style="fill:#123456" data-id="7"/>
</svg>
"""
SCRIPT_SVG = b"""<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 100">
<rect width="10" height="10"/>
<script>alert(document.cookie)</script>
<circle r="5" onclick="alert(1)"/>
</svg>
"""


def course_with_image(svg: bytes) -> dict[str, bytes]:
    files = good_course_files()
    files["01-first.md"] = files["01-first.md"].replace(
        b"First lesson.", b"First lesson. ![A diagram](images/diagram.svg)"
    )
    files["images/diagram.svg"] = svg
    return files


def test_svg_images_with_scripts_are_refused_at_their_line() -> None:
    course, problems = parse_course("tiny-course", course_with_image(SCRIPT_SVG))
    assert course is None
    found = [str(problem) for problem in problems]
    assert (
        "courses/tiny-course/images/diagram.svg:3: SVG image: <script> is not allowed in images: "
        "it could run code" in found
    )
    assert (
        "courses/tiny-course/images/diagram.svg:4: SVG image: event handler attribute 'onclick' "
        "is not allowed" in found
    )


def test_svg_images_are_published_and_served_as_the_cleaned_copy(
    app: Flask, client: FlaskClient, make_user: Callable[..., User]
) -> None:
    course, problems = parse_course("tiny-course", course_with_image(DIRTY_SVG))
    assert course is not None, problems
    cleaned = course.assets["images/diagram.svg"].decode()
    assert "metadata" not in cleaned and "class=" not in cleaned and "data-id" not in cleaned
    assert 'fill="#123456"' in cleaned and 'viewBox="0 0 200 100"' in cleaned
    with app.app_context():
        publish_course(db.session, course, None)
        db.session.commit()
        stored = db.session.scalar(select(CourseAsset.data))
        db.session.remove()
    assert stored == cleaned.encode()
    learner = client_for(app, make_user())
    served = learner.get("/courses/tiny-course/files/images/diagram.svg")
    assert served.status_code == 200
    assert served.get_data() == cleaned.encode()


# ------------------------------------------------------------------- check and publish


def test_check_and_publish_agree_on_a_badge_naming_a_published_course_without_a_folder(
    app: Flask,
    tree: Path,  # noqa: F811
) -> None:
    assert run(app, "courses", "publish").exit_code == 0
    # The course stays published; its folder is gone (say it is edited in the workspace now).
    shutil.rmtree(tree / "tiny-course")
    write_badge(tree / "_badges", "fan", {"type": "course-completed", "course": "tiny-course"})
    check = run(app, "courses", "check")
    publish = run(app, "courses", "publish")
    assert check.exit_code == 0, check.output  # before: "unknown course 'tiny-course'"
    assert publish.exit_code == 0, publish.output
    # A course neither published nor in the folder: both refuse.
    write_badge(tree / "_badges", "ghost", {"type": "course-completed", "course": "no-course"})
    check = run(app, "courses", "check")
    publish = run(app, "courses", "publish")
    assert check.exit_code == publish.exit_code == 1
    for result in (check, publish):
        assert "_badges/ghost.md:7: unknown course 'no-course'" in result.output


# ---------------------------------------------------------------------------------- zips


def test_dot_dot_entries_in_a_zip_are_reported_with_their_name() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path, data in good_course_files().items():
            archive.writestr(f"tiny-course/{path}", data)
        archive.writestr("../evil.md", b"x")
        archive.writestr("tiny-course/../../up.md", b"x")
        archive.writestr("/etc/absolute.md", b"x")
        archive.writestr("tiny-course/.hidden", b"ignored quietly, as documented")
    slug, files, problems = read_zip(buffer.getvalue())
    assert slug == "tiny-course"
    assert sorted(str(problem) for problem in problems) == [
        "../evil.md:1: path points outside the course folder",
        "/etc/absolute.md:1: path points outside the course folder",
        "tiny-course/../../up.md:1: path points outside the course folder",
    ]
    assert ".hidden" not in files and "course.md" in files


def test_an_upload_with_dot_dot_entries_is_refused_with_them_listed(
    app: Flask, author: User
) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path, data in good_course_files().items():
            archive.writestr(f"tiny-course/{path}", data)
        archive.writestr("../evil.md", b"x")
    response = upload(client_for(app, author), buffer.getvalue())
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "../evil.md" in html and "path points outside the course folder" in html
    assert draft_count(app) == 0


# ------------------------------------------------------------------- control characters


@pytest.mark.parametrize(
    ("path", "old", "new", "line", "code"),
    [
        ("course.md", b"title: Tiny course", b'title: "Tiny\\ncourse"', 2, "000A"),
        (
            "course.md",
            b"summary: A small valid course for tests.",
            b'summary: "A small\\tvalid course for tests."',
            3,
            "0009",
        ),
        ("01-first.md", b"title: First", b'title: "First\\a"', 2, "0007"),
        ("02-second.md", b"title: Second", b'title: "Second\\u2028line"', 2, "2028"),
    ],
)
def test_control_characters_in_course_titles_are_refused_at_their_line(
    path: str, old: bytes, new: bytes, line: int, code: str
) -> None:
    files = good_course_files()
    files[path] = files[path].replace(old, new)
    course, problems = parse_course("tiny-course", files, known_courses=set())
    assert course is None
    key = "summary" if b"summary" in new else "title"
    assert [str(problem) for problem in problems] == [
        f"courses/tiny-course/{path}:{line}: {key!r} must be one line of plain text: it contains "
        f"a line break or another control character (U+{code})"
    ]


def test_control_characters_in_badge_names_and_pulse_titles_are_refused() -> None:
    badge = badge_markdown("Tidy", {"type": "baseline-done"}, image="tidy.svg")
    badge = badge.replace("name: Tidy", 'name: "Tidy\\r\\nBcc: someone@example.com"')
    svg = SIMPLE_SVG.format(name="Tidy", colour="#123456")
    _, problems = parse_badges({"tidy.md": badge.encode(), "tidy.svg": svg.encode()})
    assert any(
        problem.line == 2 and "'name' must be one line of plain text" in problem.message
        for problem in problems
    ), problems
    pulse = (
        '---\ntitle: "AI\\nat work"\nopens: 2030-01-07\nrecurs: every 4 weeks\n'
        "scale: likert-5\n---\n\nA minute.\n\n- [strategic] Our approach is strategic.\n"
    )
    _, pulse_problems = parse_pulse("pulse", pulse.encode(), display_path="_pulse/pulse.md")
    assert [str(problem) for problem in pulse_problems] == [
        "_pulse/pulse.md:2: 'title' must be one line of plain text: it contains a line break or "
        "another control character (U+000A)"
    ]


@pytest.mark.parametrize("app_config", [{"DRAFT_CHECK_LIMIT": "2 per minute"}])
def test_validating_a_draft_is_limited_per_author(
    app: Flask, make_user: Callable[..., User], logged_in: Callable[[User], FlaskClient]
) -> None:
    """Validate renders the whole draft (up to the course's CPU budget): bounded per author."""
    author = make_user(is_author=True)
    client = logged_in(author)
    response = client.post(
        "/author/new",
        data={"csrf_token": csrf_token(client, "/author/"), "slug": "limited-course"},
    )
    assert response.status_code == 302, response.status_code
    draft_url = response.headers["Location"]
    assert client.get(f"{draft_url}/validate").status_code == 200
    assert client.get(f"{draft_url}/validate").status_code == 200
    assert client.get(f"{draft_url}/validate").status_code == 429
