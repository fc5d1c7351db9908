"""The learner's side: catalog, enrolment, reading, knowledge checks, resuming and re-publishing.

Courses are written as Markdown into a temporary folder and published the way the CLI does it
(``tests/learn_helpers.py``); every request goes through the real views, CSRF tokens included.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from lms.activity.models import ActivityEvent
from lms.courses.models import Module
from lms.extensions import db
from lms.learn import service
from lms.learn.models import Enrolment, ModuleProgress
from lms.people.models import User
from tests.learn_helpers import (
    CourseSpec,
    ModuleSpec,
    QuestionSpec,
    assign,
    complete_modules,
    course_id,
    enrolment,
    get_attempt,
    page,
    publish_spec,
    read_module,
    sentinel_course,
    start_check,
    start_quiz,
    submit,
)
from tests.learn_helpers import enrol as enrol_in


@pytest.fixture
def publish(app: Flask, tmp_path: Path) -> Callable[[CourseSpec], int]:
    def do(spec: CourseSpec) -> int:
        return publish_spec(app, tmp_path / "courses", spec)

    return do


@pytest.fixture
def engineer(make_user: Callable[..., User]) -> User:
    return make_user(job_function="engineering")


def catalog_sections(html: str) -> tuple[str, str]:
    """(the "fits your role" section, the "everything else" section) of the catalog page."""
    top, _, rest = html.partition('id="all-heading"')
    return (top if 'id="fit-heading"' in top else ""), rest


def three_courses() -> list[CourseSpec]:
    return [
        CourseSpec(
            slug="engineering-drafts",
            title="Engineering drafts",
            summary="Review code an assistant wrote.",
            audience=("engineering",),
            competencies=("evaluating",),
            target_level=2,
            minutes=30,
            modules=[ModuleSpec("one")],
        ),
        CourseSpec(
            slug="sales-pitches",
            title="Sales pitches",
            summary="Write a persuasive pitch with AI and keep it true.",
            audience=("sales",),
            competencies=("directing",),
            target_level=3,
            minutes=60,
            modules=[ModuleSpec("one")],
        ),
        CourseSpec(
            slug="everyone-basics",
            title="Everyone basics",
            summary="What a language model is.",
            audience=("everyone",),
            competencies=("foundations",),
            target_level=1,
            minutes=120,
            modules=[ModuleSpec("one")],
        ),
    ]


# ----------------------------------------------------------------------------------- catalog


def test_the_catalog_shows_courses_for_the_learners_role_first(
    app: Flask,
    publish: Callable[[CourseSpec], int],
    make_user: Callable[..., User],
    logged_in: Callable[[User], FlaskClient],
) -> None:
    for spec in three_courses():
        publish(spec)
    client = logged_in(make_user(job_function="sales"))
    fits, others = catalog_sections(page(client, "/courses"))
    assert "Sales pitches" in fits and "Everyone basics" in fits
    assert "Engineering drafts" not in fits
    assert "Engineering drafts" in others
    assert "Sales pitches" not in others


def test_an_engineer_sees_a_different_order_than_a_salesperson(
    app: Flask,
    publish: Callable[[CourseSpec], int],
    engineer: User,
    logged_in: Callable[[User], FlaskClient],
) -> None:
    for spec in three_courses():
        publish(spec)
    html = page(logged_in(engineer), "/courses")
    fits, others = catalog_sections(html)
    assert "Engineering drafts" in fits and "Everyone basics" in fits
    assert "Sales pitches" in others and "Sales pitches" not in fits
    assert html.index("Engineering drafts") < html.index("Sales pitches")
    with app.app_context():
        person = db.session.get(User, engineer.id)
        assert person is not None
        entries = service.catalog(db.session, person, service.CatalogFilters())
        assert [e.fits_role for e in entries] == [True, True, False]
        db.session.remove()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("function=sales", {"Sales pitches"}),
        ("function=everyone", {"Everyone basics"}),
        ("competency=directing", {"Sales pitches"}),
        ("competency=foundations", {"Everyone basics"}),
        ("length=short", {"Engineering drafts"}),
        ("length=medium", {"Sales pitches"}),
        ("length=long", {"Everyone basics"}),
        ("level=3", {"Sales pitches"}),
        ("level=1", {"Everyone basics"}),
        ("q=PITCH", {"Sales pitches"}),  # case-insensitive, in the title
        ("q=language+model", {"Everyone basics"}),  # in the summary
        ("function=engineering&level=2&length=short", {"Engineering drafts"}),
        ("function=engineering&level=3", set()),
        ("q=nothing-like-this", set()),
        ("level=abc&length=forever&competency=telepathy", None),  # nonsense: ignored or empty
    ],
)
def test_catalog_filters(
    app: Flask,
    publish: Callable[[CourseSpec], int],
    engineer: User,
    logged_in: Callable[[User], FlaskClient],
    query: str,
    expected: set[str] | None,
) -> None:
    for spec in three_courses():
        publish(spec)
    html = page(logged_in(engineer), f"/courses?{query}")
    shown = set(re.findall(r'<h3><a href="/courses/[^"]+">([^<]+)</a></h3>', html))
    if expected is None:
        # An unknown competency matches nothing; bad level and length are ignored, never a 500.
        assert shown == set()
        assert "No other courses match." in html
    else:
        assert shown == expected
    if expected == set():
        assert "No other courses match." in html


def test_nonsense_level_and_length_are_ignored(
    app: Flask,
    publish: Callable[[CourseSpec], int],
    engineer: User,
    logged_in: Callable[[User], FlaskClient],
) -> None:
    for spec in three_courses():
        publish(spec)
    client = logged_in(engineer)
    html = page(client, "/courses?level=abc&length=forever&q=" + "x" * 500)
    assert "No other courses match." in html  # the over-long query is cut, still matches nothing
    html = page(client, "/courses?level=-1&length=forever")
    assert len(re.findall(r'class="course-card"', html)) == 3


def test_an_assigned_course_comes_first_and_shows_its_due_date(
    app: Flask,
    publish: Callable[[CourseSpec], int],
    engineer: User,
    logged_in: Callable[[User], FlaskClient],
) -> None:
    for spec in three_courses():
        publish(spec)
    # Assigned although it does not fit the role: it still leads the page, with its due date.
    assign(app, engineer, "sales-pitches", datetime(2031, 3, 5, 12, 0))
    client = logged_in(engineer)
    html = page(client, "/courses")
    fits, _ = catalog_sections(html)
    assert "Sales pitches" in fits
    assert html.index("Sales pitches") < html.index("Engineering drafts")
    card = html[html.index("Sales pitches") :].split("</article>", 1)[0]
    assert "Assigned · due 05 Mar 2031" in card
    # The course page and the home page say so too.
    assert "due 05 Mar 2031" in page(client, "/courses/sales-pitches")
    home = page(client, "/")
    assert "Assigned to you" in home and "due 05 Mar 2031" in home


def test_an_overdue_assignment_is_flagged_on_the_home_page(
    app: Flask,
    publish: Callable[[CourseSpec], int],
    engineer: User,
    logged_in: Callable[[User], FlaskClient],
) -> None:
    publish(three_courses()[0])
    assign(app, engineer, "engineering-drafts", datetime(2020, 1, 2))
    home = page(logged_in(engineer), "/")
    assert "due 02 Jan 2020" in home and "Overdue" in home


def test_an_unknown_course_or_module_is_404(
    app: Flask,
    publish: Callable[[CourseSpec], int],
    engineer: User,
    logged_in: Callable[[User], FlaskClient],
) -> None:
    publish(sentinel_course())
    client = logged_in(engineer)
    assert client.get("/courses/no-such-course").status_code == 404
    enrol_in(client, "sentinel-course")
    assert client.get("/courses/sentinel-course/no-such-module").status_code == 404


# --------------------------------------------------------------------------------- enrolment


def test_enrolling_twice_keeps_one_enrolment(
    app: Flask,
    publish: Callable[[CourseSpec], int],
    engineer: User,
    logged_in: Callable[[User], FlaskClient],
) -> None:
    publish(sentinel_course())
    client = logged_in(engineer)
    html = page(client, "/courses/sentinel-course")
    assert "Enrol in this course" in html
    # Modules are listed but cannot be opened before enrolling.
    response = client.get("/courses/sentinel-course/first-steps")
    assert response.status_code == 302 and response.headers["Location"].endswith(
        "/courses/sentinel-course"
    )
    enrol_in(client, "sentinel-course")
    enrol_in(client, "sentinel-course")
    with app.app_context():
        events = db.session.scalar(
            select(func.count(ActivityEvent.id)).where(
                ActivityEvent.user_id == engineer.id, ActivityEvent.verb == "enrolled"
            )
        )
        db.session.remove()
    assert events == 1
    html = page(client, "/courses/sentinel-course")
    assert "Enrol in this course" not in html
    assert "Start: First steps" in html


def test_reading_before_enrolling_is_refused(
    app: Flask,
    publish: Callable[[CourseSpec], int],
    engineer: User,
    logged_in: Callable[[User], FlaskClient],
) -> None:
    publish(sentinel_course())
    client = logged_in(engineer)
    response = read_module(client, "sentinel-course", "first-steps")
    assert response.headers["Location"].endswith("/courses/sentinel-course")
    assert "Enrol in the course first." in page(client, "/courses/sentinel-course")
    with app.app_context():
        assert db.session.scalar(select(func.count(ModuleProgress.id))) == 0
        db.session.remove()


# ---------------------------------------------------------------------------------- progress


def progress_of(app: Flask, user: User, module_slug: str) -> ModuleProgress | None:
    with app.app_context():
        row = db.session.scalar(
            select(ModuleProgress)
            .join(Module, Module.id == ModuleProgress.module_id)
            .where(ModuleProgress.user_id == user.id, Module.slug == module_slug)
        )
        if row is not None:
            db.session.expunge(row)
        db.session.remove()
    return row


def test_reading_a_module_without_a_check_completes_it(
    app: Flask,
    publish: Callable[[CourseSpec], int],
    engineer: User,
    logged_in: Callable[[User], FlaskClient],
) -> None:
    publish(sentinel_course())
    client = logged_in(engineer)
    enrol_in(client, "sentinel-course")
    assert "I've read this, next" in page(client, "/courses/sentinel-course/first-steps")
    response = read_module(client, "sentinel-course", "first-steps")
    # On to the next module.
    assert response.headers["Location"].endswith("/courses/sentinel-course/check-the-figures")
    progress = progress_of(app, engineer, "first-steps")
    assert progress is not None and progress.read_at and progress.completed_at
    html = page(client, "/courses/sentinel-course")
    assert "1 of 3 modules complete" in html
    with app.app_context():
        completed = db.session.scalars(
            select(ActivityEvent.object_id).where(
                ActivityEvent.user_id == engineer.id, ActivityEvent.verb == "completed"
            )
        ).all()
        db.session.remove()
    assert completed == ["sentinel-course/first-steps"]
    # Reading again changes nothing.
    read_module(client, "sentinel-course", "first-steps")
    again = progress_of(app, engineer, "first-steps")
    assert again is not None and again.completed_at == progress.completed_at


def test_a_module_with_a_check_completes_only_after_passing_it(
    app: Flask,
    publish: Callable[[CourseSpec], int],
    engineer: User,
    logged_in: Callable[[User], FlaskClient],
) -> None:
    publish(sentinel_course())
    client = logged_in(engineer)
    enrol_in(client, "sentinel-course")
    html = page(client, "/courses/sentinel-course/check-the-figures")
    assert "Mark the module as read to take its knowledge check." in html
    response = read_module(client, "sentinel-course", "check-the-figures")
    assert response.headers["Location"].endswith("/check-the-figures#check")
    progress = progress_of(app, engineer, "check-the-figures")
    assert progress is not None and progress.read_at and progress.completed_at is None
    assert "Check pending" in page(client, "/courses/sentinel-course")
    assert "Start the knowledge check" in page(client, "/courses/sentinel-course/check-the-figures")

    failed = start_check(client, "sentinel-course", "check-the-figures")
    submit(client, app, failed, right=1)  # one of two right: 50% < 60%
    assert get_attempt(app, failed).passed is False
    progress = progress_of(app, engineer, "check-the-figures")
    assert progress is not None and progress.completed_at is None
    assert progress.check_passed_at is None
    assert "Not passed yet" in page(client, f"/attempts/{failed}")

    passed = start_check(client, "sentinel-course", "check-the-figures")
    assert passed != failed
    submit(client, app, passed)
    assert get_attempt(app, passed).passed is True
    progress = progress_of(app, engineer, "check-the-figures")
    assert progress is not None and progress.completed_at and progress.check_passed_at
    assert "You passed this check." in page(client, "/courses/sentinel-course/check-the-figures")
    assert "1 of 3 modules complete" in page(client, "/courses/sentinel-course")


def test_passing_the_check_before_reading_completes_the_module_on_reading(
    app: Flask,
    publish: Callable[[CourseSpec], int],
    engineer: User,
    logged_in: Callable[[User], FlaskClient],
) -> None:
    publish(sentinel_course())
    client = logged_in(engineer)
    enrol_in(client, "sentinel-course")
    attempt = start_check(client, "sentinel-course", "check-the-figures")
    submit(client, app, attempt)
    progress = progress_of(app, engineer, "check-the-figures")
    assert progress is None or progress.completed_at is None
    read_module(client, "sentinel-course", "check-the-figures")
    progress = progress_of(app, engineer, "check-the-figures")
    assert progress is not None and progress.completed_at is not None


def test_a_module_without_a_check_has_no_check_to_start(
    app: Flask,
    publish: Callable[[CourseSpec], int],
    engineer: User,
    logged_in: Callable[[User], FlaskClient],
) -> None:
    publish(sentinel_course())
    client = logged_in(engineer)
    enrol_in(client, "sentinel-course")
    from tests.learn_helpers import post

    response = post(client, "/courses/sentinel-course/first-steps/check")
    assert response.status_code == 302
    assert "This module has no knowledge check." in page(client, response.headers["Location"])


def test_the_course_page_resumes_where_the_learner_left_off(
    app: Flask,
    publish: Callable[[CourseSpec], int],
    engineer: User,
    logged_in: Callable[[User], FlaskClient],
) -> None:
    publish(sentinel_course())
    client = logged_in(engineer)
    enrol_in(client, "sentinel-course")
    read_module(client, "sentinel-course", "first-steps")
    read_module(client, "sentinel-course", "check-the-figures")  # check still pending
    html = page(client, "/courses/sentinel-course")
    assert re.search(r'href="/courses/sentinel-course/check-the-figures">Resume: Check the', html)
    # Jumping ahead and finishing the last module: resume goes back to what is still open.
    read_module(client, "sentinel-course", "wrap-up")
    html = page(client, "/courses/sentinel-course")
    assert re.search(r'href="/courses/sentinel-course/check-the-figures">Resume: Check the', html)
    # A new session (logging in again elsewhere) resumes at the same place.
    other = app.test_client()
    from tests.conftest import login

    login(other, engineer.email)
    html = page(other, "/courses/sentinel-course")
    assert "Resume: Check the figures" in html
    assert "2 of 3 modules complete" in html


def test_the_learner_resumes_at_the_module_after_the_last_one_completed(
    app: Flask,
    publish: Callable[[CourseSpec], int],
    engineer: User,
    logged_in: Callable[[User], FlaskClient],
) -> None:
    publish(sentinel_course())
    client = logged_in(engineer)
    enrol_in(client, "sentinel-course")
    read_module(client, "sentinel-course", "first-steps")
    html = page(client, "/courses/sentinel-course")
    assert "Resume: Check the figures" in html
    assert enrolment(app, engineer, "sentinel-course") is not None


def test_completing_every_module_and_the_quiz_completes_the_course(
    app: Flask,
    publish: Callable[[CourseSpec], int],
    engineer: User,
    logged_in: Callable[[User], FlaskClient],
) -> None:
    spec = sentinel_course()
    publish(spec)
    client = logged_in(engineer)
    enrol_in(client, spec.slug)
    assert "Complete every module to unlock the quiz." in page(client, "/courses/sentinel-course")
    complete_modules(client, app, spec)
    found = enrolment(app, engineer, spec.slug)
    assert found is not None and found.completed_at is None  # the quiz is still to pass
    html = page(client, "/courses/sentinel-course")
    assert "3 of 3 modules complete" in html and "Start the quiz" in html
    attempt = start_quiz(client, spec.slug)
    submit(client, app, attempt)
    found = enrolment(app, engineer, spec.slug)
    assert found is not None and found.completed_at is not None
    html = page(client, "/courses/sentinel-course")
    assert "Completed" in html and "You have passed this quiz." in html
    home = page(client, "/")
    assert re.search(r"Completed: <a href=\"/courses/sentinel-course\">Sentinel course</a>", home)


def test_a_course_without_a_quiz_completes_with_its_last_module(
    app: Flask,
    publish: Callable[[CourseSpec], int],
    engineer: User,
    logged_in: Callable[[User], FlaskClient],
) -> None:
    spec = CourseSpec(slug="no-quiz", modules=[ModuleSpec("only")])
    publish(spec)
    client = logged_in(engineer)
    enrol_in(client, "no-quiz")
    response = read_module(client, "no-quiz", "only")
    assert response.headers["Location"].endswith("/courses/no-quiz")
    assert "Course complete. Well done!" in page(client, "/courses/no-quiz")
    found = enrolment(app, engineer, "no-quiz")
    assert found is not None and found.completed_at is not None


def test_the_quiz_cannot_start_before_every_module_is_complete(
    app: Flask,
    publish: Callable[[CourseSpec], int],
    engineer: User,
    logged_in: Callable[[User], FlaskClient],
) -> None:
    publish(sentinel_course())
    client = logged_in(engineer)
    enrol_in(client, "sentinel-course")
    read_module(client, "sentinel-course", "first-steps")
    from tests.learn_helpers import post

    response = post(client, "/courses/sentinel-course/quiz")
    assert response.headers["Location"].endswith("/courses/sentinel-course")
    html = page(client, "/courses/sentinel-course")
    assert "Complete every module before the final quiz." in html


# ------------------------------------------------------------------------------ re-publishing


def module_ids(app: Flask, slug: str) -> dict[str, int]:
    with app.app_context():
        rows = db.session.execute(
            select(Module.slug, Module.id).where(Module.course_id == course_id(app, slug))
        ).all()
        db.session.remove()
    return {module_slug: module_id for module_slug, module_id in rows}


def test_republishing_a_changed_course_keeps_progress_and_history(
    app: Flask,
    publish: Callable[[CourseSpec], int],
    engineer: User,
    logged_in: Callable[[User], FlaskClient],
) -> None:
    spec = sentinel_course()
    first_version = publish(spec)
    client = logged_in(engineer)
    enrol_in(client, spec.slug)
    read_module(client, spec.slug, "first-steps")
    read_module(client, spec.slug, "check-the-figures")
    check = start_check(client, spec.slug, "check-the-figures")
    submit(client, app, check)
    ids_before = module_ids(app, spec.slug)

    # The author rewrites a lesson, re-orders the modules, adds one and removes none.
    spec.modules[0].body = "A rewritten lesson: figures, names and dates need a source."
    spec.modules = [spec.modules[2], spec.modules[0], spec.modules[1], ModuleSpec("new-module")]
    second_version = publish(spec)
    assert second_version != first_version

    ids_after = module_ids(app, spec.slug)
    assert {k: ids_after[k] for k in ids_before} == ids_before
    html = page(client, "/courses/sentinel-course")
    assert "2 of 4 modules complete" in html
    module_list = html.split('class="module-list"', 1)[1]
    listed = re.findall(r'href="/courses/sentinel-course/([a-z-]+)">', module_list)
    assert listed == ["wrap-up", "first-steps", "check-the-figures", "new-module"]
    assert "A rewritten lesson" in page(client, "/courses/sentinel-course/first-steps")
    # The check taken on the first version still shows what was asked then.
    result = page(client, f"/attempts/{check}")
    assert "sentinel-course-check-one" in result
    assert get_attempt(app, check).course_version_id == first_version


def test_republishing_without_a_module_hides_it_but_keeps_its_progress(
    app: Flask,
    publish: Callable[[CourseSpec], int],
    engineer: User,
    logged_in: Callable[[User], FlaskClient],
) -> None:
    spec = sentinel_course()
    publish(spec)
    client = logged_in(engineer)
    enrol_in(client, spec.slug)
    read_module(client, spec.slug, "wrap-up")
    spec.modules = spec.modules[:2]
    publish(spec)
    assert client.get("/courses/sentinel-course/wrap-up").status_code == 404
    assert "0 of 2 modules complete" in page(client, "/courses/sentinel-course")
    assert progress_of(app, engineer, "wrap-up") is not None
    # Bringing it back restores the learner's progress on it.
    spec.modules.append(ModuleSpec("wrap-up", "Wrap up"))
    publish(spec)
    assert "1 of 3 modules complete" in page(client, "/courses/sentinel-course")


def test_republishing_an_unchanged_course_creates_no_version(
    app: Flask, publish: Callable[[CourseSpec], int]
) -> None:
    spec = sentinel_course()
    assert publish(spec) == publish(spec)


def test_a_learner_never_sees_a_question_block_as_lesson_text(
    app: Flask,
    publish: Callable[[CourseSpec], int],
    engineer: User,
    logged_in: Callable[[User], FlaskClient],
) -> None:
    spec = CourseSpec(
        slug="lesson-only",
        modules=[ModuleSpec("m", questions=[QuestionSpec("lesson-only-q")])],
    )
    publish(spec)
    client = logged_in(engineer)
    enrol_in(client, "lesson-only")
    html = page(client, "/courses/lesson-only/m")
    assert "Lesson text of m" in html
    assert "Which option fits" not in html and "Option a of" not in html


# ---------------------------------------------------------------------------------- home page


def recommended_section(html: str) -> str:
    section = html.split('id="next-heading"', 1)[1].split("</section>", 1)[0]
    return section.split("<h3>Recommended</h3>", 1)[1] if "<h3>Recommended</h3>" in section else ""


def test_the_home_page_recommends_courses_for_the_role_that_build_weak_areas(
    app: Flask,
    publish: Callable[[CourseSpec], int],
    make_user: Callable[..., User],
    logged_in: Callable[[User], FlaskClient],
) -> None:
    for spec in three_courses():
        publish(spec)
    publish(
        CourseSpec(
            slug="leading-teams",
            title="Leading teams",
            audience=("managers",),
            competencies=("leading",),
            modules=[ModuleSpec("one")],
        )
    )
    engineer = make_user(job_function="engineering")
    client = logged_in(engineer)
    recommended = recommended_section(page(client, "/"))
    assert "Engineering drafts" in recommended and "Everyone basics" in recommended
    assert "Builds Evaluating outputs, for your role" in recommended
    assert "Builds Foundations, for everyone" in recommended
    # Courses for other roles are for the catalog, not the learner's short list.
    assert "Sales pitches" not in recommended and "Leading teams" not in recommended

    # Already at the course's target level in its area: nothing to gain, not recommended.
    from lms.literacy.models import LiteracyLevel
    from lms.people.models import utcnow

    with app.app_context():
        db.session.add(
            LiteracyLevel(
                user_id=engineer.id,
                competency="evaluating",
                level=2,
                score=0.6,
                evidence=5.0,
                changed_at=utcnow(),
                updated_at=utcnow(),
            )
        )
        db.session.commit()
        db.session.remove()
    recommended = recommended_section(page(client, "/"))
    assert "Engineering drafts" not in recommended and "Everyone basics" in recommended
    # Enrolled: listed under "My courses" instead.
    enrol_in(client, "everyone-basics")
    html = page(client, "/")
    assert "Everyone basics" not in recommended_section(html)
    assert re.search(r'My courses.*href="/courses/everyone-basics">Everyone basics', html, re.S)


def test_a_manager_is_recommended_courses_for_leaders(
    app: Flask,
    publish: Callable[[CourseSpec], int],
    make_user: Callable[..., User],
    logged_in: Callable[[User], FlaskClient],
) -> None:
    publish(
        CourseSpec(
            slug="leading-teams",
            title="Leading teams",
            audience=("managers",),
            competencies=("leading",),
            modules=[ModuleSpec("one")],
        )
    )
    manager = make_user(job_function="engineering")
    make_user(manager=manager)
    recommended = recommended_section(page(logged_in(manager), "/"))
    assert "Leading teams" in recommended
    assert "Builds Leading adoption, for leaders like you" in recommended


def test_recent_achievements_leave_out_levels_that_fell(
    app: Flask, engineer: User, logged_in: Callable[[User], FlaskClient]
) -> None:
    from lms.activity.service import record

    with app.app_context():
        for previous, level in ((0, 2), (2, 1)):
            record(
                db.session,
                engineer.id,
                "level-changed",
                "competency",
                "evaluating",
                object_name="Evaluating outputs",
                result={"level": level, "previous": previous},
            )
        db.session.commit()
        db.session.remove()
    html = page(logged_in(engineer), "/")
    assert "Evaluating outputs: level 0 → 2" in html
    assert "level 2 → 1" not in html


def post_concurrently(app: Flask, client: FlaskClient, url: str, threads: int = 8) -> list[int]:
    """POST ``url`` from ``threads`` clients sharing ``client``'s session, all at once."""
    import threading

    from tests.learn_helpers import token

    data = {"csrf_token": token(client)}
    cookie = client.get_cookie("session")
    assert cookie is not None
    clients = []
    for _ in range(threads):
        other = app.test_client()
        other.set_cookie("session", cookie.value)
        clients.append(other)
    barrier = threading.Barrier(len(clients))
    statuses: list[int] = []

    def send(other: FlaskClient) -> None:
        barrier.wait(timeout=30)
        statuses.append(other.post(url, data=data).status_code)

    workers = [threading.Thread(target=send, args=(other,)) for other in clients]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    return statuses


def count_events(app: Flask, user: User, verb: str) -> int:
    with app.app_context():
        count = db.session.scalar(
            select(func.count(ActivityEvent.id)).where(
                ActivityEvent.user_id == user.id, ActivityEvent.verb == verb
            )
        )
        db.session.remove()
    return count or 0


def test_concurrent_enrolments_make_one_enrolment(
    app: Flask,
    publish: Callable[[CourseSpec], int],
    engineer: User,
    logged_in: Callable[[User], FlaskClient],
) -> None:
    """A double click (or two tabs) on "Enrol": one enrolment, one event, no error page."""
    publish(sentinel_course())
    client = logged_in(engineer)
    statuses = post_concurrently(app, client, "/courses/sentinel-course/enrol")
    assert statuses == [302] * 8
    with app.app_context():
        enrolments = db.session.scalar(
            select(func.count()).select_from(Enrolment).where(Enrolment.user_id == engineer.id)
        )
        db.session.remove()
    assert enrolments == 1
    assert count_events(app, engineer, "enrolled") == 1


def test_concurrent_reads_of_a_module_complete_it_once(
    app: Flask,
    publish: Callable[[CourseSpec], int],
    engineer: User,
    logged_in: Callable[[User], FlaskClient],
) -> None:
    publish(sentinel_course())
    client = logged_in(engineer)
    enrol_in(client, "sentinel-course")
    statuses = post_concurrently(app, client, "/courses/sentinel-course/first-steps/read")
    assert statuses == [302] * 8
    progress = progress_of(app, engineer, "first-steps")
    assert progress is not None and progress.completed_at is not None
    assert count_events(app, engineer, "completed") == 1


def test_concurrent_reads_after_the_check_was_passed_complete_the_module_once(
    app: Flask,
    publish: Callable[[CourseSpec], int],
    engineer: User,
    logged_in: Callable[[User], FlaskClient],
) -> None:
    """The progress row exists already, so only the completion claim keeps it to one event."""
    publish(sentinel_course())
    client = logged_in(engineer)
    enrol_in(client, "sentinel-course")
    submit(client, app, start_check(client, "sentinel-course", "check-the-figures"))
    statuses = post_concurrently(app, client, "/courses/sentinel-course/check-the-figures/read")
    assert statuses == [302] * 8
    progress = progress_of(app, engineer, "check-the-figures")
    assert progress is not None and progress.completed_at is not None
    assert count_events(app, engineer, "completed") == 1
