"""The author workspace: access, history and diffs, drafts, preview, validate, zips, publish."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from lms.assessment.lint import assess
from lms.authoring import guide
from lms.authoring.models import CourseDraft
from lms.authoring.service import audience_in_words, audience_size
from lms.authoring.snippets import SNIPPETS, Snippet
from lms.courses.format import (
    SNIPPET_TEXT,
    TEMPLATE_EXPLANATION,
    TEMPLATE_FEEDBACK,
    TEMPLATE_LESSON,
    TEMPLATE_MODULE_TITLE,
    TEMPLATE_OVERVIEW,
    TEMPLATE_QUESTION_ID,
    TEMPLATE_RIGHT,
    TEMPLATE_RIGHT_TOO,
    TEMPLATE_SITUATION,
    TEMPLATE_STEM,
    TEMPLATE_SUMMARY,
    TEMPLATE_TEXT,
    TEMPLATE_WRONG,
    TEMPLATE_WRONG_TOO,
    Problem,
    parse_course,
)
from lms.courses.models import Course, CourseVersion, Module, ModuleVersion
from lms.courses.publish import link_targets, publish_course
from lms.courses.render import markdown_to_html, render_markdown
from lms.extensions import db
from lms.people.models import User
from tests.conftest import csrf_token, example_path, login, row_count, table_snapshot
from tests.test_course_format import good_course_files, zip_of

SLUG = "tiny-course"
Publish = Callable[..., int]


@pytest.fixture
def author(make_user: Callable[..., User]) -> User:
    return make_user(name="Ada Author", is_author=True)


@pytest.fixture
def publish(app: Flask) -> Publish:
    """Publish a course straight from files (as the CLI does) and return its version number."""

    def do(
        files: dict[str, bytes] | None = None, owner: User | None = None, slug: str = SLUG
    ) -> int:
        with app.app_context():
            source, problems = parse_course(slug, files or good_course_files(), known_courses=set())
            assert source is not None, problems
            person = db.session.get(User, owner.id) if owner else None
            result = publish_course(db.session, source, person, person)
            db.session.commit()
            number = result.version.number
            db.session.remove()
        return number

    return do


def token(client: FlaskClient) -> str:
    return csrf_token(client, "/author/")


def draft_id(app: Flask, user: User, slug: str = SLUG) -> int:
    with app.app_context():
        found = db.session.scalar(
            select(CourseDraft.id).where(CourseDraft.author_id == user.id, CourseDraft.slug == slug)
        )
        db.session.remove()
    assert found is not None
    return int(found)


def draft_files(app: Flask, number: int) -> dict[str, str]:
    with app.app_context():
        draft = db.session.get(CourseDraft, number)
        assert draft is not None
        files = dict(draft.files)
        db.session.remove()
    return files


def live_number(app: Flask, slug: str = SLUG) -> int | None:
    with app.app_context():
        course = db.session.scalar(select(Course).where(Course.slug == slug))
        number = course.current_version.number if course and course.current_version else None
        db.session.remove()
    return number


def start_draft(client: FlaskClient, slug: str = SLUG) -> str:
    response = client.post(f"/author/courses/{slug}/edit", data={"csrf_token": token(client)})
    assert response.status_code == 302, response.status_code
    location: str = response.headers["Location"]
    assert re.fullmatch(r"/author/drafts/\d+", location), location
    return location


def save(client: FlaskClient, draft_url: str, path: str, text: str) -> Any:
    return client.post(
        f"{draft_url}/edit/{path}",
        data={"csrf_token": token(client), "text": text, "action": "save"},
    )


def post_publish(client: FlaskClient, draft_url: str) -> int:
    return client.post(f"{draft_url}/publish", data={"csrf_token": token(client)}).status_code


def page(client: FlaskClient, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


# ------------------------------------------------------------------------------------ access


def author_rules(app: Flask) -> list[Any]:
    return [rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/author")]


def test_the_workspace_has_the_expected_pages(app: Flask) -> None:
    endpoints = {rule.endpoint for rule in author_rules(app)}
    assert {
        "authoring.index", "authoring.course", "authoring.course_diff", "authoring.draft",
        "authoring.edit", "authoring.preview", "authoring.validate", "authoring.publish",
        "authoring.upload", "authoring.download_draft", "authoring.download_live",
    } <= endpoints  # fmt: skip


def test_authors_find_the_guide_rendered_once_and_others_do_not(
    app: Flask,
    logged_in: Callable[[User], FlaskClient],
    author: User,
    make_user: Callable[..., User],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[list[str]] = []

    def counted(texts: list[str]) -> list[str]:
        calls.append(texts)
        return markdown_to_html(texts)

    monkeypatch.setattr(guide, "markdown_to_html", counted)
    guide.guide_page.cache_clear()
    client = logged_in(author)
    assert 'href="/author/guide"' in page(client, "/author/")
    for _ in range(2):
        html = page(client, "/author/guide")
        assert "<h1>How to write a course</h1>" in html and "Authoring courses" not in html
        assert '<h2 id="folder-layout">Folder layout</h2>' in html
    assert len(calls) == 1  # once per process, not per request
    learner = app.test_client()
    login(learner, make_user(name="Lee Learner").email)
    assert learner.get("/author/guide").status_code == 403
    assert 'href="/author/guide"' not in page(learner, "/")
    guide.guide_page.cache_clear()


@pytest.mark.parametrize("roles", [{}, {"is_executive": True}], ids=["employee", "executive"])
def test_non_authors_get_403_on_every_author_url(
    app: Flask,
    make_user: Callable[..., User],
    logged_in: Callable[[User], FlaskClient],
    author: User,
    publish: Publish,
    roles: dict[str, bool],
) -> None:
    publish(owner=author)
    client = logged_in(make_user(**roles))
    csrf = csrf_token(client, "/account/password")
    before = table_snapshot(app)
    checked = 0
    for rule in author_rules(app):
        path = example_path(rule, {"slug": SLUG, "draft_id": 1, "number": 1, "path": "course.md"})
        if "GET" in (rule.methods or set()):
            assert client.get(path).status_code == 403, path
        if "POST" in (rule.methods or set()):
            response = client.post(path, data={"csrf_token": csrf, "slug": "x", "text": "x"})
            assert response.status_code == 403, path
        checked += 1
    assert checked >= 15
    assert table_snapshot(app) == before
    assert "/author/" not in page(client, "/")  # no Authoring link in the navigation


def test_another_authors_course_and_draft_answer_404(
    app: Flask,
    make_user: Callable[..., User],
    logged_in: Callable[[User], FlaskClient],
    author: User,
    publish: Publish,
) -> None:
    publish(owner=author)
    owner_client = logged_in(author)
    draft_url = start_draft(owner_client)
    number = int(draft_url.rsplit("/", 1)[1])
    other = make_user(name="Otto Other", is_author=True)
    other_client = app.test_client()
    assert login(other_client, other.email).status_code == 302
    csrf = token(other_client)
    before = table_snapshot(app)
    checked = 0
    for rule in author_rules(app):
        if not ({"slug", "draft_id"} & set(rule.arguments)):
            continue
        values = {"slug": SLUG, "draft_id": number, "number": 1, "path": "course.md"}
        path = example_path(rule, values)
        if "GET" in (rule.methods or set()):
            assert other_client.get(path).status_code == 404, path
        if "POST" in (rule.methods or set()):
            response = other_client.post(
                path, data={"csrf_token": csrf, "text": "x", "path": "course.md"}
            )
            assert response.status_code == 404, path
        checked += 1
    assert checked >= 12
    assert table_snapshot(app) == before
    # The other author's workspace does not list the course.
    assert SLUG not in page(other_client, "/author/")


def test_authors_see_their_courses_and_admins_see_all(
    app: Flask,
    make_user: Callable[..., User],
    logged_in: Callable[[User], FlaskClient],
    author: User,
    publish: Publish,
) -> None:
    publish(owner=author)
    other = make_user(name="Otto Other", is_author=True)
    files = good_course_files()
    publish(files, owner=other, slug="other-course")
    html = page(logged_in(author), "/author/")
    assert "/author/courses/tiny-course" in html and "other-course" not in html
    admin_client = app.test_client()
    admin = make_user(name="Ann Admin", is_admin=True)
    assert login(admin_client, admin.email).status_code == 302
    html = page(admin_client, "/author/")
    assert "/author/courses/tiny-course" in html and "/author/courses/other-course" in html
    assert "Otto Other" in html  # admins see each course's owner
    assert page(admin_client, "/author/courses/other-course")


def test_the_navigation_links_the_workspace_for_authors(
    logged_in: Callable[[User], FlaskClient], author: User
) -> None:
    assert 'href="/author/"' in page(logged_in(author), "/")


# ----------------------------------------------------------------------- history and diffs


def test_course_page_shows_publish_history_with_who_when_and_hash(
    app: Flask, logged_in: Callable[[User], FlaskClient], author: User, publish: Publish
) -> None:
    publish(owner=author)
    files = good_course_files()
    files["01-first.md"] = files["01-first.md"].replace(b"First lesson.", b"First lesson, v2.")
    assert publish(files, owner=author) == 2
    with app.app_context():
        hashes = list(db.session.scalars(select(CourseVersion.content_hash)))
        db.session.remove()
    html = page(logged_in(author), f"/author/courses/{SLUG}")
    assert "Publish history" in html
    for content_hash in hashes:
        assert content_hash[:12] in html
    assert html.count("Ada Author") >= 2
    assert "<mark>live</mark>" in html
    assert f"/author/courses/{SLUG}/versions/1/download" in html


def test_diff_between_two_versions_is_readable_and_escaped(
    app: Flask, logged_in: Callable[[User], FlaskClient], author: User, publish: Publish
) -> None:
    publish(owner=author)
    files = good_course_files()
    files["01-first.md"] = files["01-first.md"].replace(
        b"First lesson.", b"First lesson with `<script>alert(1)</script>` as code."
    )
    del files["quiz.md"]
    files["course.md"] = re.sub(rb"quiz:\n(  .*\n)+", b"", files["course.md"])
    publish(files, owner=author)
    client = logged_in(author)
    html = page(client, f"/author/courses/{SLUG}/diff?from=1&to=2")
    assert "Changes from version 1 to version 2" in html
    assert "01-first.md" in html and "quiz.md" in html and "removed" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html
    assert 'class="diff-added"' in html and 'class="diff-removed"' in html
    # Defaults: the live version against the one before.
    assert "Changes from version 1 to version 2" in page(client, f"/author/courses/{SLUG}/diff")
    unified = client.get(f"/author/courses/{SLUG}/diff?from=1&to=2&format=unified")
    assert unified.status_code == 200
    assert unified.mimetype == "text/plain"
    text = unified.get_data(as_text=True)
    assert "--- v1/01-first.md" in text and "+++ v2/01-first.md" in text
    assert "+First lesson with `<script>alert(1)</script>` as code." in text
    assert client.get(f"/author/courses/{SLUG}/diff?from=1&to=9").status_code == 404
    assert client.get(f"/author/courses/{SLUG}/diff?from=x&to=y").status_code < 500


def test_diff_with_one_version_says_there_is_nothing_to_compare(
    logged_in: Callable[[User], FlaskClient], author: User, publish: Publish
) -> None:
    publish(owner=author)
    assert "nothing to compare" in page(logged_in(author), f"/author/courses/{SLUG}/diff")


# ------------------------------------------------------------------------------------ drafts


def test_starting_a_draft_copies_the_live_version_and_is_idempotent(
    app: Flask, logged_in: Callable[[User], FlaskClient], author: User, publish: Publish
) -> None:
    publish(owner=author)
    client = logged_in(author)
    draft_url = start_draft(client)
    number = int(draft_url.rsplit("/", 1)[1])
    files = draft_files(app, number)
    assert files == {path: data.decode() for path, data in good_course_files().items()}
    assert start_draft(client) == draft_url  # the same draft again
    assert row_count(app, CourseDraft) == 1
    html = page(client, draft_url)
    for path in good_course_files():
        assert f"{draft_url}/edit/{path}" in html
    assert "Started from version 1" in html
    assert f'href="{draft_url}"' in page(client, "/author/")


def test_edit_preview_without_javascript_shows_the_published_html_and_saves_nothing(
    app: Flask, logged_in: Callable[[User], FlaskClient], author: User, publish: Publish
) -> None:
    publish(owner=author)
    client = logged_in(author)
    draft_url = start_draft(client)
    number = int(draft_url.rsplit("/", 1)[1])
    editor = page(client, f"{draft_url}/edit/01-first.md")
    assert "First lesson. Next: [second](02-second.md)." in editor
    assert 'name="action" value="preview"' in editor
    assert "authoring.js" in editor
    text = (
        good_course_files()["01-first.md"]
        .decode()
        .replace("First lesson.", "A **bold** edit <img src=x onerror=alert(1)>.")
    )
    response = client.post(
        f"{draft_url}/edit/01-first.md",
        data={"csrf_token": token(client), "text": text, "action": "preview"},
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Preview of your unsaved changes" in html
    lesson = text.split("---\n", 2)[2].split("## Question:")[0]
    expected = render_markdown(lesson, link_targets(SLUG))
    assert expected in html  # exactly the HTML publishing stores
    assert "<strong>bold</strong>" in expected and "onerror" not in expected
    assert 'href="/courses/tiny-course/second"' in expected
    assert "Knowledge check" in html and "first-check" in html
    assert "A **bold** edit" in html  # the textarea keeps the unsaved text
    assert "First lesson. Next" in draft_files(app, number)["01-first.md"]  # not saved


def test_the_live_preview_endpoint_returns_the_fragment_and_needs_csrf(
    app: Flask, logged_in: Callable[[User], FlaskClient], author: User, publish: Publish
) -> None:
    publish(owner=author)
    client = logged_in(author)
    draft_url = start_draft(client)
    text = good_course_files()["02-second.md"].decode().replace("Second lesson.", "## Heading two")
    response = client.post(
        f"{draft_url}/preview",
        data={"csrf_token": token(client), "path": "02-second.md", "text": text},
    )
    assert response.status_code == 200
    fragment = response.get_data(as_text=True)
    assert '<h2 id="heading-two">Heading two</h2>' in fragment
    assert "<html" not in fragment and "No problems" in fragment
    refused = client.post(f"{draft_url}/preview", data={"path": "02-second.md", "text": text})
    assert refused.status_code == 400
    missing = client.post(f"{draft_url}/preview", data={"csrf_token": token(client), "text": "x"})
    assert missing.status_code == 400
    unknown = client.post(
        f"{draft_url}/preview", data={"csrf_token": token(client), "path": "x.js", "text": "x"}
    )
    assert unknown.status_code == 404


def test_preview_lists_this_files_problems_with_links_to_the_lines(
    logged_in: Callable[[User], FlaskClient], author: User, publish: Publish
) -> None:
    publish(owner=author)
    client = logged_in(author)
    draft_url = start_draft(client)
    text = good_course_files()["01-first.md"].decode()
    text = text.replace("competency: evaluating", "competency: x")
    fragment = client.post(
        f"{draft_url}/preview",
        data={"csrf_token": token(client), "path": "01-first.md", "text": text},
    ).get_data(as_text=True)
    assert "1 problem in this file" in fragment
    assert "Line 11</a>: question &#39;first-check&#39;: unknown competency &#39;x&#39;" in fragment
    assert f'href="{draft_url}/edit/01-first.md?line=11#editor" data-line="11"' in fragment


def test_save_validate_and_publish_a_draft(
    app: Flask, logged_in: Callable[[User], FlaskClient], author: User, publish: Publish
) -> None:
    publish(owner=author)
    client = logged_in(author)
    draft_url = start_draft(client)
    original = good_course_files()["01-first.md"].decode()
    response = save(
        client,
        draft_url,
        "01-first.md",
        original.replace("\n", "\r\n").replace("First lesson.", "First lesson, improved."),
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"{draft_url}/edit/01-first.md"
    number = int(draft_url.rsplit("/", 1)[1])
    assert "\r" not in draft_files(app, number)["01-first.md"]
    validation = page(client, f"{draft_url}/validate")
    assert "No problems: the draft is ready to publish." in validation
    response = client.post(f"{draft_url}/publish", data={"csrf_token": token(client)})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/author/courses/{SLUG}"
    assert "Published tiny-course version 2" in page(client, f"/author/courses/{SLUG}")
    assert live_number(app) == 2
    assert row_count(app, CourseDraft) == 0
    with app.app_context():
        html = db.session.scalar(
            select(ModuleVersion.html)
            .join(Module)
            .join(CourseVersion, CourseVersion.id == ModuleVersion.course_version_id)
            .where(Module.slug == "first", CourseVersion.number == 2)
        )
        db.session.remove()
    assert html is not None and "First lesson, improved." in html
    assert client.get(draft_url).status_code == 404  # the draft is gone


def test_validation_shows_each_problem_next_to_its_line_with_a_link_to_the_editor(
    app: Flask, logged_in: Callable[[User], FlaskClient], author: User, publish: Publish
) -> None:
    publish(owner=author)
    client = logged_in(author)
    draft_url = start_draft(client)
    broken = (
        good_course_files()["02-second.md"]
        .decode()
        .replace("- [x] True", "- [ ] True")
        .replace("Second lesson.", "Second lesson, see [missing](images/nope.png).")
    )
    assert save(client, draft_url, "02-second.md", broken).status_code == 302
    html = page(client, f"{draft_url}/validate")
    assert "2 problems in 1 file" in html
    assert "<code>02-second.md:7</code> broken link &#39;images/nope.png&#39;" in html
    assert (
        "<code>02-second.md:9</code> question &#39;second-check&#39; has no correct answer" in html
    )
    assert f'href="{draft_url}/edit/02-second.md?line=7#editor"' in html
    assert 'source-line source-line-marked"><span class="source-number">7</span>' in html
    editor = page(client, f"{draft_url}/edit/02-second.md?line=7")
    assert 'data-line="7"' in editor
    assert "2 problems in this file" in editor


def test_publishing_an_invalid_draft_changes_nothing_and_says_why(
    app: Flask, logged_in: Callable[[User], FlaskClient], author: User, publish: Publish
) -> None:
    publish(owner=author)
    client = logged_in(author)
    draft_url = start_draft(client)
    broken = good_course_files()["course.md"].decode().replace("target_level: 2", "target_level: 9")
    assert save(client, draft_url, "course.md", broken).status_code == 302
    before = table_snapshot(app)
    response = client.post(f"{draft_url}/publish", data={"csrf_token": token(client)})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "nothing was published and the live version stays" in html
    assert "course.md:6</code></a>" in html and "must be between 1 and 4" in html
    assert table_snapshot(app) == before
    assert live_number(app) == 1


def test_publishing_an_unchanged_draft_creates_no_version(
    app: Flask, logged_in: Callable[[User], FlaskClient], author: User, publish: Publish
) -> None:
    publish(owner=author)
    client = logged_in(author)
    draft_url = start_draft(client)
    response = client.post(f"{draft_url}/publish", data={"csrf_token": token(client)})
    assert response.status_code == 302
    assert "Nothing changed: version 1" in page(client, f"/author/courses/{SLUG}")
    assert row_count(app, CourseVersion) == 1


def test_a_new_course_from_a_skeleton_can_be_published_by_its_author(
    app: Flask, logged_in: Callable[[User], FlaskClient], author: User
) -> None:
    client = logged_in(author)
    bad = client.post("/author/new", data={"csrf_token": token(client), "slug": "Not A Slug"})
    assert bad.status_code == 422
    assert "for example “not-a-slug”" in bad.get_data(as_text=True)
    response = client.post("/author/new", data={"csrf_token": token(client), "slug": "new-course"})
    assert response.status_code == 302
    draft_url = response.headers["Location"]
    assert "new course, not published yet" in page(client, draft_url).lower()
    # The unedited template is refused, each sentence named at its file and line.
    validation = page(client, f"{draft_url}/validate")
    assert "<code>course.md:3</code> replace the template text" in validation
    assert "<code>course.md:10</code> replace the template text" in validation
    assert "<code>01-introduction.md:7</code> replace the template text" in validation
    before = table_snapshot(app)
    refused = client.post(f"{draft_url}/publish", data={"csrf_token": token(client)})
    assert refused.status_code == 422
    assert "replace the template text" in refused.get_data(as_text=True)
    assert table_snapshot(app) == before
    number = int(draft_url.rsplit("/", 1)[1])
    files = draft_files(app, number)
    course_md = (
        files["course.md"]
        .replace(TEMPLATE_SUMMARY, "Write a clear prompt.")
        .replace(TEMPLATE_OVERVIEW, "For everyone new to AI tools.")
    )
    assert save(client, draft_url, "course.md", course_md).status_code == 302
    lesson = files["01-introduction.md"].replace(TEMPLATE_LESSON, "A prompt is a request.")
    assert save(client, draft_url, "01-introduction.md", lesson).status_code == 302
    assert "No problems" in page(client, f"{draft_url}/validate")
    response = client.post(f"{draft_url}/publish", data={"csrf_token": token(client)})
    assert response.status_code == 302
    with app.app_context():
        course = db.session.scalar(select(Course).where(Course.slug == "new-course"))
        assert course is not None and course.owner_id == author.id
        assert course.current_version is not None
        assert course.current_version.published_by_id == author.id
        db.session.remove()


def test_publish_first_asks_and_says_who_will_see_the_course(
    app: Flask,
    logged_in: Callable[[User], FlaskClient],
    author: User,
    publish: Publish,
    make_user: Callable[..., User],
    count_statements: Callable[[], Any],
) -> None:
    publish(owner=author)  # the author works in engineering
    make_user(name="Sam Sales", job_function="sales")
    make_user(name="Eve Engineer", job_function="engineering")
    make_user(name="Gone Engineer", job_function="engineering", active=False)
    make_user(name="Mia Marketing", job_function="marketing")
    client = logged_in(author)
    draft_url = start_draft(client)
    course_md = (
        good_course_files()["course.md"]
        .decode()
        .replace("audience: [everyone]", "audience: [engineering, sales]")
    )
    assert save(client, draft_url, "course.md", course_md).status_code == 302
    assert f'href="{draft_url}/publish"' in page(client, draft_url)
    before = table_snapshot(app)
    with count_statements() as counter:
        html = page(client, f"{draft_url}/publish")
    assert table_snapshot(app) == before  # asking changes nothing
    assert "Everyone in engineering and sales: 3 people" in html
    assert "replaces version 1" in html
    assert ">Publish now</button>" in html and 'name="csrf_token"' in html
    make_user(name="Sid Sales", job_function="sales")
    with count_statements() as more:
        assert "Everyone in engineering and sales: 4 people" in page(client, f"{draft_url}/publish")
    assert more.count == counter.count  # one count, however many people
    assert client.post(f"{draft_url}/publish", data={}).status_code == 400  # no CSRF token
    assert post_publish(client, draft_url) == 302
    assert live_number(app) == 2


def test_the_publish_question_for_a_new_course_and_for_a_draft_with_problems(
    app: Flask, logged_in: Callable[[User], FlaskClient], author: User
) -> None:
    client = logged_in(author)
    response = client.post("/author/new", data={"csrf_token": token(client), "slug": "fresh"})
    draft_url = response.headers["Location"]
    html = page(client, f"{draft_url}/publish")
    assert "cannot be published yet" in html and "Publish now" not in html
    assert "replace the template text" in html
    number = int(draft_url.rsplit("/", 1)[1])
    for path, text in draft_files(app, number).items():
        for sentence in (TEMPLATE_SUMMARY, TEMPLATE_OVERVIEW, TEMPLATE_LESSON):
            text = text.replace(sentence, "Written by the author.")
        assert save(client, draft_url, path, text).status_code == 302
    html = page(client, f"{draft_url}/publish")
    assert "Everyone: 1 person" in html and "A new course" in html


def test_an_audience_in_words() -> None:
    assert audience_in_words(["everyone", "sales"]) == "Everyone"
    assert audience_in_words(["customer-support"]) == "Everyone in customer support"
    assert (
        audience_in_words(["hr", "legal", "managers", "executives"])
        == "Everyone in HR and people and legal, managers and executives"
    )


def test_the_audience_count_follows_managers_and_executives(
    app: Flask, make_user: Callable[..., User]
) -> None:
    boss = make_user(name="Bo Boss", job_function="finance")
    make_user(name="Ray Report", job_function="sales", manager=boss)
    make_user(name="Ed Exec", job_function="legal", is_executive=True)
    make_user(name="Old Exec", job_function="legal", is_executive=True, active=False)
    with app.app_context():
        assert audience_size(db.session, ["managers"]) == 1
        assert audience_size(db.session, ["executives"]) == 1
        assert audience_size(db.session, ["managers", "sales"]) == 2
        assert audience_size(db.session, ["everyone"]) == 3
        db.session.remove()


def test_a_new_course_cannot_take_the_name_of_someone_elses_course(
    app: Flask,
    make_user: Callable[..., User],
    logged_in: Callable[[User], FlaskClient],
    author: User,
    publish: Publish,
) -> None:
    publish(owner=make_user(name="Otto Other", is_author=True))
    client = logged_in(author)
    before = table_snapshot(app)
    response = client.post("/author/new", data={"csrf_token": token(client), "slug": SLUG})
    assert response.status_code == 422
    assert "taken by a course you do not edit" in response.get_data(as_text=True)
    upload = client.post(
        "/author/upload",
        data={
            "csrf_token": token(client),
            "file": (io.BytesIO(zip_of(good_course_files(), f"{SLUG}/")), "c.zip"),
        },
        content_type="multipart/form-data",
    )
    assert upload.status_code == 422
    assert table_snapshot(app) == before


def test_add_and_delete_files_and_assets(
    app: Flask, logged_in: Callable[[User], FlaskClient], author: User, publish: Publish
) -> None:
    publish(owner=author)
    client = logged_in(author)
    draft_url = start_draft(client)
    number = int(draft_url.rsplit("/", 1)[1])
    bad = client.post(
        f"{draft_url}/add-file", data={"csrf_token": token(client), "path": "notes.txt"}
    )
    assert bad.status_code == 422 and "is not a course file name" in bad.get_data(as_text=True)
    duplicate = client.post(
        f"{draft_url}/add-file", data={"csrf_token": token(client), "path": "01-first.md"}
    )
    assert duplicate.status_code == 422 and "already has a file" in duplicate.get_data(as_text=True)
    response = client.post(
        f"{draft_url}/add-file", data={"csrf_token": token(client), "path": "03-third-step.md"}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"{draft_url}/edit/03-third-step.md"
    assert "title: Third step" in draft_files(app, number)["03-third-step.md"]
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
    response = client.post(
        f"{draft_url}/add-asset",
        data={"csrf_token": token(client), "file": (io.BytesIO(png), "My Diagram.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert "images/My-Diagram.png" in page(client, draft_url)
    refused = client.post(
        f"{draft_url}/add-asset",
        data={"csrf_token": token(client), "file": (io.BytesIO(b"x"), "evil.html")},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422
    response = client.post(
        f"{draft_url}/delete-file", data={"csrf_token": token(client), "path": "03-third-step.md"}
    )
    assert response.status_code == 302
    assert "03-third-step.md" not in draft_files(app, number)
    missing = client.post(
        f"{draft_url}/delete-file", data={"csrf_token": token(client), "path": "nope.md"}
    )
    assert missing.status_code == 422


def test_editor_refuses_bad_paths_and_oversized_text_without_a_500(
    logged_in: Callable[[User], FlaskClient], author: User, publish: Publish
) -> None:
    publish(owner=author)
    client = logged_in(author)
    draft_url = start_draft(client)
    assert client.get(f"{draft_url}/edit/../../etc/passwd").status_code == 404
    assert client.get(f"{draft_url}/edit/script.js").status_code == 404
    new = page(client, f"{draft_url}/edit/09-brand-new.md")  # a new module: not created by GET
    assert "title: Brand new" in new and "created when you save" in new
    too_big = save(client, draft_url, "01-first.md", "x" * (2 * 1024 * 1024 + 1))
    assert too_big.status_code == 422


def test_discarding_a_draft(
    app: Flask, logged_in: Callable[[User], FlaskClient], author: User, publish: Publish
) -> None:
    publish(owner=author)
    client = logged_in(author)
    draft_url = start_draft(client)
    response = client.post(f"{draft_url}/discard", data={"csrf_token": token(client)})
    assert response.status_code == 302
    assert row_count(app, CourseDraft) == 0
    assert live_number(app) == 1


def test_draft_diff_against_the_live_version(
    logged_in: Callable[[User], FlaskClient], author: User, publish: Publish
) -> None:
    publish(owner=author)
    client = logged_in(author)
    draft_url = start_draft(client)
    text = good_course_files()["02-second.md"].decode()
    text = text.replace("Second lesson.", "Second <b>lesson</b>.")
    save(client, draft_url, "02-second.md", text)
    html = page(client, f"{draft_url}/diff")
    assert "Changes from live version 1 to your draft" in html
    assert "Second &lt;b&gt;lesson&lt;/b&gt;." in html


def test_a_warning_when_someone_published_since_the_draft_started(
    app: Flask, logged_in: Callable[[User], FlaskClient], author: User, publish: Publish
) -> None:
    publish(owner=author)
    client = logged_in(author)
    draft_url = start_draft(client)
    files = good_course_files()
    files["02-second.md"] += b"\nMore.\n"
    publish(files, owner=author)
    assert "Version 2 was published since you started this draft" in page(client, draft_url)


# -------------------------------------------------------------------------------------- zips


def upload(client: FlaskClient, data: bytes, slug: str = "", url: str = "/author/upload") -> Any:
    return client.post(
        url,
        data={"csrf_token": token(client), "slug": slug, "file": (io.BytesIO(data), "course.zip")},
        content_type="multipart/form-data",
    )


def test_upload_a_zipped_course_into_a_new_draft_and_publish_it(
    app: Flask, logged_in: Callable[[User], FlaskClient], author: User
) -> None:
    client = logged_in(author)
    files = good_course_files()
    files["images/diagram.png"] = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
    files["01-first.md"] = files["01-first.md"].replace(
        b"First lesson.", b"First lesson. ![diagram](images/diagram.png)"
    )
    response = upload(client, zip_of(files, "zipped-course/"))
    assert response.status_code == 302, response.get_data(as_text=True)
    draft_url = response.headers["Location"]
    assert "Validate it before you publish" in page(client, draft_url)
    assert "No problems" in page(client, f"{draft_url}/validate")
    assert post_publish(client, draft_url) == 302
    assert live_number(app, "zipped-course") == 1
    # Downloading the live version gives the same course back, which uploads as unchanged.
    download = client.get("/author/courses/zipped-course/download")
    assert download.status_code == 200 and download.mimetype == "application/zip"
    assert 'filename="zipped-course-v1.zip"' in download.headers["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(download.data))
    assert {name: archive.read(name) for name in archive.namelist()} == {
        f"zipped-course/{path}": data for path, data in files.items()
    }
    response = upload(client, download.data)
    assert response.status_code == 302
    client.post(f"{response.headers['Location']}/publish", data={"csrf_token": token(client)})
    assert live_number(app, "zipped-course") == 1
    assert row_count(app, CourseVersion) == 1


def test_upload_with_files_at_the_top_level_needs_a_name(
    logged_in: Callable[[User], FlaskClient], author: User
) -> None:
    client = logged_in(author)
    response = upload(client, zip_of(good_course_files()))
    assert response.status_code == 422
    assert "Name the course" in response.get_data(as_text=True)
    assert upload(client, zip_of(good_course_files()), slug="named-course").status_code == 302


def test_bad_uploads_re_render_with_messages_and_change_nothing(
    app: Flask, logged_in: Callable[[User], FlaskClient], author: User
) -> None:
    client = logged_in(author)
    before = table_snapshot(app)
    not_zip = upload(client, b"this is not a zip", slug="x-course")
    assert not_zip.status_code == 422
    assert "not a zip file" in not_zip.get_data(as_text=True)
    latin = good_course_files()
    latin["02-second.md"] += "caf\u00e9\n".encode("latin-1")
    bad_text = upload(client, zip_of(latin, "latin-course/"))
    assert bad_text.status_code == 422
    html = bad_text.get_data(as_text=True)
    assert "<code>02-second.md:22</code>" in html and "not UTF-8" in html
    empty = upload(client, zip_of({}), slug="empty-course")
    assert empty.status_code == 422
    wrong_type = client.post(
        "/author/upload",
        data={"csrf_token": token(client), "file": (io.BytesIO(b"x"), "course.tar")},
        content_type="multipart/form-data",
    )
    assert wrong_type.status_code == 422
    assert "Upload a .zip file" in wrong_type.get_data(as_text=True)
    assert table_snapshot(app) == before


def test_an_invalid_course_uploads_into_a_draft_and_validation_lists_its_problems(
    app: Flask, logged_in: Callable[[User], FlaskClient], author: User
) -> None:
    from tests.test_course_format import BROKEN, EXPECTED_PROBLEMS

    client = logged_in(author)
    files = {p.name: p.read_bytes() for p in BROKEN.iterdir() if p.name != "04-latin-1.md"}
    response = upload(client, zip_of(files, "broken-course/"))
    assert response.status_code == 302
    draft_url = response.headers["Location"]
    html = page(client, f"{draft_url}/validate")
    for path, line, _ in EXPECTED_PROBLEMS:
        if path != "04-latin-1.md":
            assert f"<code>{path}:{line}</code>" in html, (path, line)
    before = table_snapshot(app)
    assert post_publish(client, draft_url) == 422
    assert table_snapshot(app) == before


def test_replacing_a_draft_from_a_zip_and_downloading_it(
    app: Flask, logged_in: Callable[[User], FlaskClient], author: User, publish: Publish
) -> None:
    publish(owner=author)
    client = logged_in(author)
    draft_url = start_draft(client)
    number = int(draft_url.rsplit("/", 1)[1])
    files = good_course_files()
    files["02-second.md"] = files["02-second.md"].replace(b"Second lesson.", b"Replaced.")
    response = upload(client, zip_of(files), url=f"{draft_url}/upload")
    assert response.status_code == 302
    assert "Replaced." in draft_files(app, number)["02-second.md"]
    assert upload(client, b"garbage", url=f"{draft_url}/upload").status_code == 422
    download = client.get(f"{draft_url}/download")
    assert download.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(download.data)).namelist()
    assert sorted(names) == sorted(f"{SLUG}/{path}" for path in files)


def test_version_download_and_unknown_version(
    logged_in: Callable[[User], FlaskClient], author: User, publish: Publish
) -> None:
    publish(owner=author)
    client = logged_in(author)
    assert client.get(f"/author/courses/{SLUG}/versions/1/download").status_code == 200
    assert client.get(f"/author/courses/{SLUG}/versions/7/download").status_code == 404


# ----------------------------------------------------------------------------------- admins


def test_an_admin_can_edit_and_publish_any_course_and_the_owner_stays(
    app: Flask,
    make_user: Callable[..., User],
    logged_in: Callable[[User], FlaskClient],
    author: User,
    publish: Publish,
) -> None:
    publish(owner=author)
    admin = make_user(name="Ann Admin", is_admin=True)
    client = logged_in(admin)
    draft_url = start_draft(client)
    text = good_course_files()["02-second.md"].decode()
    text = text.replace("Second lesson.", "Fixed by admin.")
    assert save(client, draft_url, "02-second.md", text).status_code == 302
    assert post_publish(client, draft_url) == 302
    with app.app_context():
        course = db.session.scalar(select(Course).where(Course.slug == SLUG))
        assert course is not None and course.owner_id == author.id
        assert course.current_version is not None
        assert course.current_version.published_by_id == admin.id
        db.session.remove()


def test_a_publish_that_loses_a_race_is_refused_whole_and_the_draft_is_kept(
    app: Flask, logged_in: Callable[[User], FlaskClient], author: User, publish: Publish
) -> None:
    publish(owner=author)
    client = logged_in(author)
    draft_url = start_draft(client)
    text = good_course_files()["02-second.md"].decode().replace("Second lesson.", "Mine.")
    assert save(client, draft_url, "02-second.md", text).status_code == 302
    with app.app_context():
        engine = db.engine
    theirs = good_course_files()
    theirs["01-first.md"] = theirs["01-first.md"].replace(b"First lesson.", b"Theirs.")
    fired: list[bool] = []

    def someone_else_publishes_first(session: Session, *_: Any) -> None:
        # When this request is about to write its new version, another publish commits first.
        if fired or not any(isinstance(row, CourseVersion) for row in session.new):
            return
        fired.append(True)
        source, _problems = parse_course(SLUG, theirs, known_courses=set())
        assert source is not None
        with Session(engine) as other:
            publish_course(other, source, None)
            other.commit()

    event.listen(Session, "before_flush", someone_else_publishes_first)
    try:
        response = client.post(f"{draft_url}/publish", data={"csrf_token": token(client)})
    finally:
        event.remove(Session, "before_flush", someone_else_publishes_first)
    assert fired
    assert response.status_code == 409
    assert "Someone published this course at the same moment" in response.get_data(as_text=True)
    assert live_number(app) == 2 and row_count(app, CourseVersion) == 2
    assert row_count(app, CourseDraft) == 1  # the draft is kept: publish again
    assert "Version 2 was published since you started this draft" in page(client, draft_url)
    assert post_publish(client, draft_url) == 302
    assert live_number(app) == 3


# ------------------------------------------------------------------- the in-app guide's pages

GUIDE_PAGES = {"/author/guide", "/author/guide/badges", "/author/guide/literacy-model"}
# What an author never types: commands, their options, settings and program files.
ADMIN_WORDS = re.compile(
    r"flask --app|\blms (?:courses|quiz|levels|badges|demo|summaries|snapshots|reminders)\b"
    r"|LMS_[A-Z]|pytest|\.py\b|(?:^|\s)--[a-z]"
)


class _Visible(HTMLParser):
    """The text of a page outside ``<details class="technical">`` (nesting respected)."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0  # inside technical details: their <details> depth
        self.text: list[str] = []
        self.hidden: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "details" and (self.depth or ("class", "technical") in attrs):
            self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "details" and self.depth:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        (self.hidden if self.depth else self.text).append(data)


def visible_and_folded(html: str) -> tuple[str, str]:
    parser = _Visible()
    parser.feed(html)
    return " ".join(parser.text), " ".join(parser.hidden)


def test_every_link_in_the_guide_and_the_docs_it_links_to_opens(
    logged_in: Callable[[User], FlaskClient], author: User
) -> None:
    client = logged_in(author)
    seen: set[str] = set()
    todo = ["/author/guide"]
    followed = 0
    while todo:
        url = todo.pop()
        if url in seen:
            continue
        seen.add(url)
        html = page(client, url)
        article = html[html.index('id="authoring-guide"') :]
        ids = set(re.findall(r' id="([^"]+)"', html))
        for href in re.findall(r'<a href="([^"]*)"', article):
            followed += 1
            path, _, fragment = href.partition("#")
            if re.match(r"^(?:https?|mailto):", href):
                continue  # a page on the web: not ours to check here
            assert path == "" or path.startswith("/author/guide"), (url, href)
            if path:
                todo.append(path)
                target = set(re.findall(r' id="([^"]+)"', page(client, path)))
            else:
                target = ids
            assert not fragment or fragment in target, (url, href)
    assert seen == GUIDE_PAGES
    assert followed >= 8
    assert client.get("/author/guide/architecture").status_code == 404  # not a page here
    assert client.get("/author/guide/authoring").status_code == 404
    assert client.get("/author/guide/..%2Fpyproject").status_code == 404


def test_the_guide_folds_commands_and_settings_into_details_for_administrators(
    logged_in: Callable[[User], FlaskClient], author: User
) -> None:
    client = logged_in(author)
    for url in GUIDE_PAGES:
        html = page(client, url)
        visible, folded = visible_and_folded(html[html.index('id="authoring-guide"') :])
        leak = ADMIN_WORDS.search(visible)
        assert leak is None, (url, visible[max(0, leak.start() - 100) : leak.end() + 40])
        assert "For administrators: technical details" in html, url
        assert ADMIN_WORDS.search(folded), url
    guide_html = page(client, "/author/guide")
    visible, folded = visible_and_folded(guide_html)
    assert "flask --app wsgi lms courses publish" in folded
    assert "Retire and restore" in visible and "Templates." in visible
    assert '<h2 id="folder-layout">Folder layout</h2>' in guide_html
    model = page(client, "/author/guide/literacy-model")
    assert "<h1>The literacy model: from answers to levels</h1>" in model
    assert "How to tune" in visible_and_folded(model)[1]  # marked technical in the doc


def test_a_doc_is_split_into_what_authors_read_and_what_administrators_need() -> None:
    text = (
        "Write [badges](badges.md#criteria), see [the model](../docs/literacy-model.md) and "
        "[the architecture](architecture.md).\n\n"
        "- Keep options short.\n"
        "- Run `lms courses check` first.\n"
        "- Name every source.\n\n"
        "Set `LMS_DRAFT_MAX_MB` to allow more.\n\n"
        "<!-- technical -->\n"
        "## Internals\n\n"
        "Rows are claimed with one UPDATE.\n"
        "<!-- /technical -->\n\n"
        "```markdown\n---\ntitle: A module\n---\n```\n"
    )
    html = guide.render_doc(text)
    visible, folded = visible_and_folded(html)
    assert 'href="/author/guide/badges#criteria"' in html
    assert 'href="/author/guide/literacy-model"' in html
    assert "the architecture" in visible and "architecture.md" not in html  # unlinked
    assert "Keep options short." in visible and "Name every source." in visible
    assert "lms courses check" in folded and "lms courses check" not in visible
    assert "LMS_DRAFT_MAX_MB" in folded
    assert "Internals" in folded and "one UPDATE" in folded and "Internals" not in visible
    assert "title: A module" in visible  # a course-format example is for authors
    # The list's technical item, the setting and the marked part follow each other: one fold.
    assert html.count('<details class="technical">') == 1


# ------------------------------------------------------------------- templates in the editor

FILLED = {
    TEMPLATE_LESSON: "Check every figure against the place it comes from.",
    TEMPLATE_MODULE_TITLE: "Checking figures",
    TEMPLATE_STEM: "Which source settles a disputed revenue figure?",
    TEMPLATE_SITUATION: "The assistant wrote: revenue rose 43% last year in the north.",
    TEMPLATE_RIGHT: "The audited annual report",
    TEMPLATE_RIGHT_TOO: "The finance team's ledger",
    TEMPLATE_WRONG: "A second chatbot's answer",
    TEMPLATE_WRONG_TOO: "A press release draft",
    TEMPLATE_FEEDBACK: "It depends on where the figure was first recorded.",
    TEMPLATE_EXPLANATION: "A figure is settled by its primary source, never by another summary.",
}


def _with_snippet(snippet: Snippet, fill: bool) -> dict[str, bytes]:
    """The test course with the snippet as a module of its own (the module snippet) or as a
    question at the end of a module."""
    text = snippet.text
    if fill:
        text = text.replace(TEMPLATE_QUESTION_ID, f"{snippet.key}-question")
        for sentence, words in FILLED.items():
            text = text.replace(sentence, words)
    files = good_course_files()
    if snippet.key == "module":
        files["03-from-the-template.md"] = text.encode()
    else:
        files["02-second.md"] += b"\n" + text.encode()
    return files


@pytest.mark.parametrize("snippet", SNIPPETS, ids=lambda snippet: snippet.key)
def test_each_template_is_valid_once_its_sentences_are_replaced(snippet: Snippet) -> None:
    assert set(SNIPPET_TEXT) <= {*FILLED, TEMPLATE_QUESTION_ID}
    source, problems = parse_course(SLUG, _with_snippet(snippet, fill=True), known_courses=set())
    assert problems == [] and source is not None
    assert assess([source], whole_catalogue=False).problems() == []
    if snippet.key != "module":
        question = next(q for q in source.questions if q.slug == f"{snippet.key}-question")
        assert question.type == snippet.key.removesuffix("-all")
        assert question.multiple_answers == (snippet.key in {"multiple", "scenario-all"})


@pytest.mark.parametrize("snippet", SNIPPETS, ids=lambda snippet: snippet.key)
def test_an_unedited_template_is_refused_sentence_by_sentence(snippet: Snippet) -> None:
    files = _with_snippet(snippet, fill=False)
    source, problems = parse_course(SLUG, files, display_root="", known_courses=set())
    assert source is None
    path = "03-from-the-template.md" if snippet.key == "module" else "02-second.md"
    lines = files[path].decode().split("\n")
    expected = {
        Problem(path, number, f'replace the template text: "{sentence}"')
        for number, line in enumerate(lines, start=1)
        for sentence in TEMPLATE_TEXT
        if sentence in line
    }
    assert len(expected) >= (2 if snippet.key == "module" else 5)
    assert set(problems) == expected  # nothing else is wrong with it


def test_the_editor_offers_the_templates_that_fit_the_file(
    logged_in: Callable[[User], FlaskClient], author: User, publish: Publish
) -> None:
    publish(owner=author)
    client = logged_in(author)
    draft_url = start_draft(client)
    module = page(client, f"{draft_url}/edit/01-first.md")
    toolbar = re.search(r'<div class="snippet-toolbar".*?</div>', module, re.S)
    assert toolbar and " hidden>" in toolbar[0]  # shown by the script only
    assert re.findall(r'data-snippet="snippet-([a-z-]+)"', toolbar[0]) == [s.key for s in SNIPPETS]
    assert '<details class="snippets" id="snippets">' in module  # copyable without JavaScript
    for snippet in SNIPPETS:
        copyable = f'<pre id="snippet-{snippet.key}"><code>{escape(snippet.text)}</code></pre>'
        assert copyable in module
    # The editor's script comes before the workspace's, and no inline script or style.
    assert module.index("editor.js") < module.index("authoring.js")
    assert "<script>" not in module and " style=" not in module
    quiz = page(client, f"{draft_url}/edit/quiz.md")
    assert 'data-snippet="snippet-single"' in quiz and 'data-snippet="snippet-module"' not in quiz
    assert "snippet-toolbar" not in page(client, f"{draft_url}/edit/course.md")


# ----------------------------------------------------------------------- the web address name


def test_the_web_address_name_is_explained_and_checked_with_a_suggestion(
    app: Flask, logged_in: Callable[[User], FlaskClient], author: User
) -> None:
    client = logged_in(author)
    html = page(client, "/author/")
    assert '<label for="new-slug">Web address name</label>' in html
    assert "e.g. /courses/prompting-basics" in html and "it can&#39;t be changed later" in html
    for typed, message in [
        ("Prompting Basics", "for example “prompting-basics”"),
        ("Décisions & IA", "for example “decisions-ia”"),
        ("---", "no spaces, capitals or accents)."),
        ("", "Choose the course&#39;s web address name."),
    ]:
        response = client.post("/author/new", data={"csrf_token": token(client), "slug": typed})
        assert response.status_code == 422, typed
        body = response.get_data(as_text=True)
        assert message in body, typed
        assert 'aria-invalid="true"' in body
    upload = client.post(
        "/author/upload",
        data={
            "csrf_token": token(client),
            "slug": "Bad Name",
            "file": (io.BytesIO(zip_of(good_course_files(), "tiny-course/")), "course.zip"),
        },
        content_type="multipart/form-data",
    )
    assert upload.status_code == 422 and "for example “bad-name”" in upload.get_data(as_text=True)
    assert row_count(app, CourseDraft) == 0
    response = client.post(
        "/author/new", data={"csrf_token": token(client), "slug": "  prompting-basics "}
    )
    assert response.status_code == 302
    assert row_count(app, CourseDraft) == 1


# ------------------------------------------------------------------- the editor's statements


def test_the_editor_runs_a_fixed_number_of_statements(
    app: Flask,
    logged_in: Callable[[User], FlaskClient],
    author: User,
    publish: Publish,
    make_user: Callable[..., User],
    count_statements: Callable[[], Any],
) -> None:
    publish(owner=author)
    client = logged_in(author)
    draft_url = start_draft(client)
    url = f"{draft_url}/edit/01-first.md"

    def measure() -> int:
        assert client.get(url).status_code == 200  # warm-up
        with count_statements() as counter:
            assert client.get(url).status_code == 200
        count: int = counter.count
        return count

    small = measure()
    # More of everything: courses, versions, other drafts, modules in this draft.
    for number in range(6):
        publish(owner=author, slug=f"other-course-{number}")
    files = good_course_files()
    files["01-first.md"] = files["01-first.md"].replace(b"First lesson.", b"A new version.")
    publish(files, owner=author)
    other = logged_in_elsewhere(app, make_user(is_author=True))
    for number in range(3):
        other.post("/author/new", data={"csrf_token": token(other), "slug": f"theirs-{number}"})
    module = good_course_files()["02-second.md"].decode()
    for number in range(3, 15):
        assert save(client, draft_url, f"{number:02d}-more-{number}.md", module).status_code == 302
    assert measure() == small
    assert small <= 5, small  # today: 4 (the session, the draft, its course, published names)


def logged_in_elsewhere(app: Flask, user: User) -> FlaskClient:
    client = app.test_client()
    assert login(client, user.email).status_code == 302
    return client
