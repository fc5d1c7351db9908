"""Search (lms/search): one box over courses and their lessons, full text on both backends.

The shipped courses are published through the command line, as an operator does; the index is
kept by the publish itself (a signal), so nothing here calls the indexer directly except the
reindex command's test.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from lms.config import PROJECT_ROOT
from lms.extensions import db
from lms.people.models import User
from lms.search.models import SearchDocument
from lms.search.query import search, terms_of
from tests.learn_helpers import post

SHIPPED = ("ai-foundations", "working-with-ai", "ai-for-engineering")
# The first words of the lesson on hallucination, where a test adds words of its own.
OPENING = "Knowing how a language model works"


def publish(app: Flask, *folders: Path) -> None:
    result = app.test_cli_runner().invoke(
        args=["lms", "courses", "publish", *(str(folder) for folder in folders)]
    )
    assert result.exit_code == 0, result.output


@pytest.fixture
def shipped(tmp_path: Path) -> list[Path]:
    """Copies of three shipped courses (a test may edit its copy)."""
    folders = []
    for slug in SHIPPED:
        folder = tmp_path / "courses" / slug
        shutil.copytree(PROJECT_ROOT / "courses" / slug, folder)
        folders.append(folder)
    return folders


@pytest.fixture
def reader(make_user: Callable[..., User], logged_in: Callable[[User], FlaskClient]) -> FlaskClient:
    return logged_in(make_user())


def hits_on_page(client: FlaskClient, query: str, **args: str) -> str:
    response = client.get("/search", query_string={"q": query, **args})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def titles(app: Flask, query: str, **filters: Any) -> list[str]:
    with app.app_context():
        return [hit.title for hit in search(db.session, query, **filters)]


def test_the_lesson_that_covers_hallucination_comes_first(
    app: Flask, shipped: list[Path], reader: FlaskClient
) -> None:
    publish(app, *shipped)
    found = titles(app, "hallucination")
    assert found[0] == "What AI is good and bad at", found
    # Stemming: the plural and a half-typed word find the same lesson first.
    assert titles(app, "hallucinations")[0] == "What AI is good and bad at"
    assert titles(app, "halluc")[0] == "What AI is good and bad at"
    page = hits_on_page(reader, "hallucination")
    first = re.search(r"<h3><a href=\"([^\"]+)\">([^<]+)</a></h3>", page)
    assert first is not None
    assert first.groups() == ("/courses/ai-foundations/strengths-and-limits", found[0])
    assert "<mark>" in page and 'href="/courses/ai-foundations/' in page


def test_only_live_content_is_found(app: Flask, shipped: list[Path]) -> None:
    foundations = shipped[0]
    lesson = foundations / "03-strengths-and-limits.md"
    lesson.write_text(lesson.read_text().replace(OPENING, f"The quokkafish rule. {OPENING}"))
    assert titles(app, "quokkafish") == []  # nothing published yet
    publish(app, foundations)
    assert titles(app, "quokkafish") == ["What AI is good and bad at"]
    # The next version drops the word: the old text is not searchable any more.
    lesson.write_text(lesson.read_text().replace("The quokkafish rule. ", ""))
    publish(app, foundations)
    assert titles(app, "quokkafish") == []
    with app.app_context():
        documents = db.session.scalar(select(func.count(SearchDocument.id)))
    assert documents == 1 + len(list(foundations.glob("0*.md")))  # the course and its lessons


def test_filters_narrow_by_kind_and_area(app: Flask, shipped: list[Path]) -> None:
    publish(app, *shipped)
    everything = titles(app, "review")
    courses_only = titles(app, "review", kind="course")
    assert courses_only and set(courses_only) < set(everything)
    with app.app_context():
        hits = search(db.session, "review", area="evaluating")
        assert hits and all("evaluating" in hit.tags["area"] for hit in hits)
    assert titles(app, "review", kind="no-such-kind") == everything  # unknown: ignored


@pytest.mark.parametrize(
    "query",
    ['"', "AND OR NOT", "*", "title:x", "')--", "NEAR(a b)", "ü" * 500, "^x", "a\u00a0b", "ﬁle"],
)
def test_any_words_typed_answer_a_page(
    app: Flask, shipped: list[Path], reader: FlaskClient, query: str
) -> None:
    publish(app, shipped[0])
    hits_on_page(reader, query)


def test_excerpts_are_escaped_with_only_marks_added(
    app: Flask, shipped: list[Path], reader: FlaskClient
) -> None:
    lesson = shipped[0] / "03-strengths-and-limits.md"
    hostile = "Type `<img src=x onerror=alert(1)>` zebrawords. "
    lesson.write_text(lesson.read_text().replace(OPENING, hostile + OPENING))
    publish(app, shipped[0])
    page = hits_on_page(reader, "zebrawords")
    assert "<mark>zebrawords</mark>" in page
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page


def test_the_page_needs_a_login_and_its_statements_do_not_grow(
    app: Flask,
    client: FlaskClient,
    shipped: list[Path],
    make_user: Callable[..., User],
    logged_in: Callable[[User], FlaskClient],
    count_statements: Callable[[], Any],
) -> None:
    assert client.get("/search?q=review").status_code == 302
    publish(app, shipped[0])
    logged_in(make_user())
    with count_statements() as small:
        hits_on_page(client, "review")
    publish(app, *shipped)
    with count_statements() as large:
        hits_on_page(client, "review")
    assert small.count == large.count <= 2


def test_reindex_rebuilds_the_same_index(app: Flask, shipped: list[Path]) -> None:
    publish(app, *shipped)

    def documents() -> list[tuple[str, str, str]]:
        with app.app_context():
            rows = db.session.execute(
                select(SearchDocument.kind, SearchDocument.key, SearchDocument.title).order_by(
                    SearchDocument.kind, SearchDocument.key
                )
            )
            return [(row.kind, row.key, row.title) for row in rows]

    before = documents()
    with app.app_context():
        db.session.execute(SearchDocument.__table__.delete())
        db.session.commit()
    assert titles(app, "hallucination") == []
    result = app.test_cli_runner().invoke(args=["lms", "search", "reindex"])
    assert result.exit_code == 0 and "Indexed 3 course(s)" in result.output
    assert documents() == before
    assert titles(app, "hallucination")[0] == "What AI is good and bad at"


def test_terms_are_plain_words() -> None:
    assert terms_of('"prompt" AND (data*)') == ["prompt", "and", "data"]
    assert len(terms_of("word " * 50)) == 8


def test_the_tools_register_is_searchable_and_stays_current(
    app: Flask,
    make_user: Callable[..., User],
    logged_in: Callable[[User], FlaskClient],
) -> None:
    client = logged_in(make_user(is_admin=True))
    tool = {
        "name": "Meeting scribe",
        "purpose": "Transcribes and summarises internal meetings",
        "data_public": "allowed",
        "data_internal": "allowed",
        "data_confidential": "ask-first",
        "data_personal": "not-allowed",
        "access": "Ask the service desk for a seat",
        "owner_email": "",
        "licence": "everyone",
        "notes": "",
    }
    response = post(client, "/tools/new", tool)
    assert response.status_code == 302
    tool_id = int(response.headers["Location"].rsplit("/", 1)[1])
    page = hits_on_page(client, "transcribes meetings", kind="tool")
    assert f'href="/tools/{tool_id}"' in page and "Meeting scribe" in page
    assert titles(app, "personal not allowed", kind="tool") == ["Meeting scribe"]

    post(client, f"/tools/{tool_id}/edit", {**tool, "name": "Minutes helper"})
    assert titles(app, "transcribes") == ["Minutes helper"]
    post(client, f"/tools/{tool_id}/delete")
    assert titles(app, "transcribes") == []
