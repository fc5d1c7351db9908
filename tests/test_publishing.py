"""Publishing: atomic, idempotent, versioned, keeps identities, retires instead of deleting.

Covers ``publish_course`` directly and through ``lms courses publish``; concurrent publishes of one
course are kept apart by the unique (course_id, number) constraint on course versions.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from lms.courses.format import CourseSource, parse_course
from lms.courses.models import (
    Course,
    CourseAsset,
    CourseVersion,
    Module,
    ModuleVersion,
    Question,
    QuestionVersion,
)
from lms.courses.publish import PublishResult, publish_course
from lms.extensions import db
from tests.conftest import row_count, table_snapshot
from tests.test_course_format import BROKEN, good_course_files

SLUG = "tiny-course"


def source(files: dict[str, bytes] | None = None, slug: str = SLUG) -> CourseSource:
    parsed, problems = parse_course(slug, files or good_course_files(), known_courses=set())
    assert parsed is not None, problems
    return parsed


def publish(app: Flask, files: dict[str, bytes] | None = None, slug: str = SLUG) -> PublishResult:
    with app.app_context():
        result = publish_course(db.session, source(files, slug), None)
        db.session.commit()
        db.session.refresh(result.version)
        db.session.expunge_all()
        db.session.remove()
    return result


def ids(app: Flask, model: Any) -> dict[str, tuple[int, Any]]:
    """slug -> (id, retired_at) for Module or Question rows."""
    with app.app_context():
        rows = db.session.execute(select(model.slug, model.id, model.retired_at)).all()
        db.session.remove()
    return {slug: (row_id, retired) for slug, row_id, retired in rows}


def live(app: Flask, slug: str = SLUG) -> tuple[int, str] | None:
    with app.app_context():
        row = db.session.execute(
            select(CourseVersion.number, CourseVersion.content_hash)
            .join(Course, Course.current_version_id == CourseVersion.id)
            .where(Course.slug == slug)
        ).first()
        db.session.remove()
    return (row[0], row[1]) if row else None


def without_second_module() -> dict[str, bytes]:
    files = good_course_files()
    del files["02-second.md"]
    files["01-first.md"] = files["01-first.md"].replace(b" Next: [second](02-second.md).", b"")
    return files


# ----------------------------------------------------------------------------------- basics


def test_first_publish_creates_version_1_with_rendered_html_and_source(app: Flask) -> None:
    result = publish(app)
    assert result.changed and result.version.number == 1
    assert live(app) == (1, source().content_hash)
    with app.app_context():
        version = db.session.scalar(select(CourseVersion))
        assert version is not None
        assert version.source == {p: d.decode() for p, d in good_course_files().items()}
        assert version.quiz_settings == {
            "pass_mark": 70, "questions": 1, "max_attempts": 3, "cooldown_minutes": 0,
            "time_limit_minutes": 0, "review": "guarded",
        }  # fmt: skip
        modules = list(db.session.scalars(select(ModuleVersion).order_by(ModuleVersion.position)))
        assert [m.title for m in modules] == ["First", "Second"]
        assert 'href="/courses/tiny-course/second"' in modules[0].html
        assert [m.question_count for m in modules] == [1, 1]
        questions = list(
            db.session.scalars(select(QuestionVersion).order_by(QuestionVersion.position))
        )
        assert [q.question.slug for q in questions] == [
            "first-check",
            "second-check",
            "quiz-one",
            "quiz-source-first",
        ]
        assert questions[2].module_id is None and questions[2].multiple_answers
        assert questions[0].correct_keys == {"a"}
        db.session.remove()


def test_publishing_the_same_content_twice_is_a_no_op(app: Flask) -> None:
    publish(app)
    before = table_snapshot(app)
    again = publish(app)
    assert not again.changed and again.version.number == 1
    assert table_snapshot(app) == before


def test_editing_a_module_creates_version_2_and_keeps_module_and_question_ids(
    app: Flask,
) -> None:
    publish(app)
    modules_before, questions_before = ids(app, Module), ids(app, Question)
    files = good_course_files()
    files["01-first.md"] = files["01-first.md"].replace(b"First lesson.", b"First lesson, v2.")
    result = publish(app, files)
    assert result.changed and result.version.number == 2
    assert live(app) == (2, source(files).content_hash)
    assert ids(app, Module) == modules_before  # progress keyed on module ids survives
    assert ids(app, Question) == questions_before
    assert row_count(app, CourseVersion) == 2
    with app.app_context():
        html = db.session.execute(
            select(CourseVersion.number, ModuleVersion.html)
            .join(CourseVersion, CourseVersion.id == ModuleVersion.course_version_id)
            .where(ModuleVersion.module_id == modules_before["first"][0])
            .order_by(CourseVersion.number)
        ).all()
        db.session.remove()
    # Version 1 keeps exactly what learners saw then.
    assert "First lesson." in html[0][1] and "v2" not in html[0][1]
    assert "First lesson, v2." in html[1][1]


def test_reordering_modules_keeps_their_ids(app: Flask) -> None:
    publish(app)
    before = ids(app, Module)
    files = good_course_files()
    files["05-first.md"] = files.pop("01-first.md")
    files["course.md"] = files["course.md"].replace(b"01-first.md", b"05-first.md")
    publish(app, files)
    assert ids(app, Module) == before
    with app.app_context():
        positions = dict(
            db.session.execute(
                select(Module.slug, ModuleVersion.position)
                .join(Module)
                .join(CourseVersion, CourseVersion.id == ModuleVersion.course_version_id)
                .where(CourseVersion.number == 2)
            ).all()
        )
        db.session.remove()
    assert positions == {"second": 1, "first": 2}


def test_a_removed_module_and_its_questions_are_retired_not_deleted(app: Flask) -> None:
    publish(app)
    before_modules, before_questions = ids(app, Module), ids(app, Question)
    publish(app, without_second_module())
    after_modules, after_questions = ids(app, Module), ids(app, Question)
    assert set(after_modules) == {"first", "second"}  # the row is kept
    assert after_modules["second"][0] == before_modules["second"][0]
    assert after_modules["second"][1] is not None and after_modules["first"][1] is None
    assert after_questions["second-check"][0] == before_questions["second-check"][0]
    assert after_questions["second-check"][1] is not None
    with app.app_context():
        # Version 1 still has the module; version 2 does not.
        counts = dict(
            db.session.execute(
                select(CourseVersion.number, func.count(ModuleVersion.id))
                .join(ModuleVersion, ModuleVersion.course_version_id == CourseVersion.id)
                .group_by(CourseVersion.number)
            ).all()
        )
        db.session.remove()
    assert counts == {1: 2, 2: 1}
    # Putting it back brings back the same identity.
    publish(app)
    restored = ids(app, Module)
    assert restored["second"] == (before_modules["second"][0], None)
    assert ids(app, Question)["second-check"] == (before_questions["second-check"][0], None)


def test_a_removed_question_is_retired(app: Flask) -> None:
    publish(app)
    before = ids(app, Question)
    files = good_course_files()
    quiz = files["quiz.md"].decode()
    files["quiz.md"] = (quiz.replace("## Question: quiz-one", "## Question: quiz-two")).encode()
    publish(app, files)
    after = ids(app, Question)
    assert after["quiz-one"][0] == before["quiz-one"][0] and after["quiz-one"][1] is not None
    assert after["quiz-two"][1] is None and "quiz-two" not in before
    assert after["first-check"] == before["first-check"]


def test_assets_are_stored_per_version(app: Flask) -> None:
    files = good_course_files()
    files["images/a.png"] = b"\x89PNG-one"
    files["01-first.md"] = files["01-first.md"].replace(b"First lesson.", b"![a](images/a.png)")
    publish(app, files)
    files["images/a.png"] = b"\x89PNG-two"
    publish(app, files)
    with app.app_context():
        rows = db.session.execute(
            select(
                CourseVersion.number, CourseAsset.path, CourseAsset.data, CourseAsset.content_type
            )
            .join(CourseVersion, CourseVersion.id == CourseAsset.course_version_id)
            .order_by(CourseVersion.number)
        ).all()
        db.session.remove()
    assert [tuple(row) for row in rows] == [
        (1, "images/a.png", b"\x89PNG-one", "image/png"),
        (2, "images/a.png", b"\x89PNG-two", "image/png"),
    ]


def test_published_html_is_sanitized(app: Flask) -> None:
    files = good_course_files()
    files["01-first.md"] = files["01-first.md"].replace(
        b"First lesson.",
        b"<script>alert(1)</script><img src=x onerror=alert(1)> [j](javascript:alert(1))",
    )
    publish(app, files)
    with app.app_context():
        html = " ".join(db.session.scalars(select(ModuleVersion.html)))
        db.session.remove()
    assert "<script" not in html and "onerror" not in html and "javascript:" not in html


# ------------------------------------------------------------------------ invalid = nothing


@pytest.fixture
def courses_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "courses"
    (folder / SLUG).mkdir(parents=True)
    for path, data in good_course_files().items():
        (folder / SLUG / path).write_bytes(data)
    return folder


def run_cli(app: Flask, *args: str) -> Any:
    return app.test_cli_runner().invoke(args=["lms", "courses", *args])


def test_cli_publish_publishes_then_is_unchanged(app: Flask, courses_dir: Path) -> None:
    result = run_cli(app, "publish", str(courses_dir / SLUG))
    assert result.exit_code == 0, result.output
    assert "tiny-course: published version 1" in result.output
    again = run_cli(app, "publish", str(courses_dir / SLUG))
    assert again.exit_code == 0 and "tiny-course: unchanged" in again.output
    assert row_count(app, CourseVersion) == 1


def test_publishing_an_invalid_course_changes_nothing(app: Flask, courses_dir: Path) -> None:
    assert run_cli(app, "publish", str(courses_dir / SLUG)).exit_code == 0
    first = live(app)
    # Break the course on disk, and publish it together with the deliberately broken course.
    module = courses_dir / SLUG / "02-second.md"
    module.write_text(module.read_text().replace("- [x] True", "- [ ] True"))
    (courses_dir / SLUG / "01-first.md").write_text("changed, without front matter\n")
    before = table_snapshot(app)
    counts = {model.__name__: row_count(app, model) for model in (Course, CourseVersion, Module,
              ModuleVersion, Question, QuestionVersion, CourseAsset)}  # fmt: skip
    result = run_cli(app, "publish", str(courses_dir / SLUG), str(BROKEN))
    assert result.exit_code == 1
    assert "nothing was published" in result.output
    assert "02-second.md:9: question 'second-check' has no correct answer" in result.output
    assert "01-first.md:1: missing front matter" in result.output
    assert "broken-course/course.md:5: unknown competency 'telepathy'" in result.output
    assert table_snapshot(app) == before
    assert counts == {model.__name__: row_count(app, model) for model in (Course, CourseVersion,
                      Module, ModuleVersion, Question, QuestionVersion, CourseAsset)}  # fmt: skip
    assert live(app) == first


def test_a_failure_half_way_through_a_publish_rolls_everything_back(app: Flask) -> None:
    publish(app)
    before = table_snapshot(app)
    files = good_course_files()
    files["01-first.md"] = files["01-first.md"].replace(b"First lesson.", b"Changed.")

    def crash_after_the_version_rows(session: Session, *_: Any) -> None:
        # Fails the flush that writes module versions: the new course version is already written.
        if any(isinstance(row, ModuleVersion) for row in session.new):
            raise RuntimeError("the server died half-way")

    with app.app_context():
        session = db.session()
        event.listen(session, "before_flush", crash_after_the_version_rows)
        try:
            with pytest.raises(RuntimeError):
                publish_course(db.session, source(files), None)
            with db.session.no_autoflush:  # the new version row was already written
                assert db.session.scalar(select(func.count()).select_from(CourseVersion)) == 2
            db.session.rollback()
        finally:
            event.remove(session, "before_flush", crash_after_the_version_rows)
            db.session.remove()
    assert table_snapshot(app) == before
    assert live(app) == (1, source().content_hash)


# ------------------------------------------------------------------------------ concurrency


def test_a_concurrent_publish_of_the_same_course_is_refused_by_the_version_number(
    app: Flask,
) -> None:
    """Two publishes that both read "latest is version 1": the second to write gets an
    IntegrityError on (course_id, number) and changes nothing; the first stays live."""
    publish(app)
    mine = good_course_files()
    mine["01-first.md"] = mine["01-first.md"].replace(b"First lesson.", b"Mine.")
    theirs = good_course_files()
    theirs["01-first.md"] = theirs["01-first.md"].replace(b"First lesson.", b"Theirs.")

    with app.app_context():
        engine = db.engine
    slow, fast = Session(engine), Session(engine)
    interleaved: list[bool] = []

    def let_the_other_publish_first(session: Session, *_: Any) -> None:
        # Runs when ``slow`` flushes its new version, after it computed its number (2).
        if interleaved:
            return
        interleaved.append(True)
        publish_course(fast, source(theirs), None)
        fast.commit()

    event.listen(slow, "before_flush", let_the_other_publish_first)
    try:
        with pytest.raises(IntegrityError):
            publish_course(slow, source(mine), None)
            slow.commit()
        slow.rollback()
    finally:
        event.remove(slow, "before_flush", let_the_other_publish_first)
        slow.close()
        fast.close()
    assert interleaved
    assert live(app) == (2, source(theirs).content_hash)
    assert row_count(app, CourseVersion) == 2
    # Trying again after the refusal works and becomes version 3.
    assert publish(app, mine).version.number == 3


def test_parallel_publishes_never_share_a_version_number(app: Flask) -> None:
    publish(app)
    with app.app_context():
        engine = db.engine
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def worker(number: int) -> None:
        files = good_course_files()
        files["01-first.md"] = files["01-first.md"].replace(
            b"First lesson.", f"Edit {number}.".encode()
        )
        parsed = source(files)
        with Session(engine) as session:
            barrier.wait(timeout=30)
            try:
                publish_course(session, parsed, None)
                session.commit()
                outcomes.append("published")
            except (IntegrityError, OperationalError):
                session.rollback()
                outcomes.append("refused")

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(outcomes) == 4 and "published" in outcomes
    with app.app_context():
        numbers = sorted(db.session.scalars(select(CourseVersion.number)))
        db.session.remove()
    assert numbers == list(range(1, len(numbers) + 1))  # unique and gap-free
    assert len(numbers) == 1 + outcomes.count("published")
    current = live(app)
    assert current is not None and current[0] == numbers[-1]
