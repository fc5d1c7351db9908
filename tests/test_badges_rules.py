"""Badge rules and awarding, against the real database.

Each criteria type awards when, and only when, what it asks for is recorded; awards happen in the
learning event's own transaction (through the ``learning_progressed`` signal) or from
``lms badges evaluate``; clicking around earns nothing; revoked awards stay revoked; and two
transactions awarding the same badge to the same person at the same moment make one award
(threads on SQLite and PostgreSQL).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from lms.activity.service import record
from lms.extensions import db
from lms.learn import quiz
from lms.learn.models import Attempt
from lms.literacy.models import OVERALL, LiteracyLevel
from lms.notifications.models import Notification
from lms.people.models import User
from lms.recognition import service
from lms.recognition.models import Badge, BadgeAward
from lms.recognition.publish import publish_badges
from lms.recognition.rules import Facts, evaluate
from tests.badge_helpers import (
    awarded,
    evaluate_now,
    notifications_of,
    publish_badge,
    write_badge,
)
from tests.conftest import login, row_count
from tests.learn_helpers import (
    CourseSpec,
    answer_key,
    assign,
    complete_modules,
    enrol,
    page,
    publish_spec,
    read_module,
    sentinel_course,
    start_baseline,
    start_check,
    start_quiz,
    submit,
    user_id,
)

FAST_QUIZ = {"cooldown_minutes": 0, "max_attempts": 0}


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "courses"


@pytest.fixture
def publish(app: Flask, root: Path) -> Callable[[str], CourseSpec]:
    def do(slug: str) -> CourseSpec:
        spec = sentinel_course(slug, **FAST_QUIZ)
        publish_spec(app, root, spec)
        return spec

    return do


@pytest.fixture
def learner(make_user: Callable[..., User]) -> User:
    return make_user(job_function="engineering")


def client_for(app: Flask, user: User) -> FlaskClient:
    client = app.test_client()
    assert login(client, user.email).status_code == 302
    return client


def finish(app: Flask, client: FlaskClient, spec: CourseSpec) -> None:
    """Enrol (if needed), complete every module and pass the final quiz."""
    if "Enrol" in page(client, f"/courses/{spec.slug}"):
        enrol(client, spec.slug)
    complete_modules(client, app, spec)
    assert submit(client, app, start_quiz(client, spec.slug)).status_code == 302


def set_level(app: Flask, person: User, competency: str, level: int) -> None:
    with app.app_context():
        row = db.session.scalar(
            select(LiteracyLevel).where(
                LiteracyLevel.user_id == person.id, LiteracyLevel.competency == competency
            )
        )
        if row is None:
            row = LiteracyLevel(
                user_id=person.id, competency=competency, level=level, score=0.5, evidence=3.0
            )
            db.session.add(row)
        row.level = level
        db.session.commit()
        db.session.remove()


def stored_level(app: Flask, person: User, competency: str) -> int:
    with app.app_context():
        level = db.session.scalar(
            select(LiteracyLevel.level).where(
                LiteracyLevel.user_id == person.id, LiteracyLevel.competency == competency
            )
        )
        db.session.remove()
    return level or 0


def award_of(app: Flask, person: User, slug: str) -> BadgeAward:
    with app.app_context():
        award: BadgeAward | None = db.session.scalar(
            select(BadgeAward)
            .join(Badge, Badge.id == BadgeAward.badge_id)
            .where(BadgeAward.user_id == person.id, Badge.slug == slug)
        )
        assert award is not None
        db.session.expunge(award)
        db.session.remove()
    return award


# ------------------------------------------------------------------------- each criteria type


def test_passing_a_course_awards_its_badge_in_the_same_request_and_notifies(
    app: Flask, root: Path, publish: Callable[[str], CourseSpec], learner: User
) -> None:
    spec = publish("alpha")
    publish_badge(app, root, "alpha-done", {"type": "course-completed", "course": "alpha"})
    client = client_for(app, learner)
    enrol(client, "alpha")
    complete_modules(client, app, spec)
    assert awarded(app, learner.id) == []  # modules done, quiz not passed yet
    submit(client, app, start_quiz(client, "alpha"), right=False)
    assert awarded(app, learner.id) == []
    submit(client, app, start_quiz(client, "alpha"))
    assert awarded(app, learner.id) == ["alpha-done"]

    award = award_of(app, learner, "alpha-done")
    assert award.evidence == {"course": "alpha"}
    assert len(award.public_id) == 36 and len(award.recipient_salt) == 32
    assert notifications_of(app, learner.id) == [
        ("badge-earned", "You earned the badge Alpha done", f"/badges/awards/{award.public_id}")
    ]
    # More learning does not award it again.
    submit(client, app, start_check(client, "alpha", "check-the-figures"))
    assert row_count(app, BadgeAward) == 1


def test_a_set_of_courses_needs_every_one(
    app: Flask, root: Path, publish: Callable[[str], CourseSpec], learner: User
) -> None:
    alpha, beta = publish("alpha"), publish("beta")
    publish_badge(app, root, "both", {"type": "courses-completed", "courses": ["alpha", "beta"]})
    client = client_for(app, learner)
    finish(app, client, alpha)
    assert awarded(app, learner.id) == []
    finish(app, client, beta)
    assert awarded(app, learner.id) == ["both"]
    assert award_of(app, learner, "both").evidence == {"courses": ["alpha", "beta"]}


def test_enrolling_reading_and_browsing_earn_nothing(
    app: Flask, root: Path, publish: Callable[[str], CourseSpec], learner: User
) -> None:
    spec = publish("alpha")
    rules: dict[str, dict[str, Any]] = {
        "any-level": {"type": "level-at-least", "competency": "evaluating", "level": 1},
        "any-overall": {"type": "overall-level-at-least", "level": 1},
        "baseline": {"type": "baseline-done"},
        "alpha-done": {"type": "course-completed", "course": "alpha"},
        "curious": {"type": "voluntary-learning", "count": 1},
    }
    for slug, criteria in rules.items():
        publish_badge(app, root, slug, criteria)
    client = client_for(app, learner)
    enrol(client, "alpha")
    for module in spec.modules:
        page(client, f"/courses/alpha/{module.slug}")
        read_module(client, "alpha", module.slug)
    page(client, "/courses/alpha")
    page(client, "/")
    page(client, "/baseline")
    assert awarded(app, learner.id) == []
    assert evaluate_now(app, learner.id) == []
    assert stored_level(app, learner, "evaluating") == 0


def test_level_badges_follow_the_measured_level(
    app: Flask, root: Path, publish: Callable[[str], CourseSpec], learner: User
) -> None:
    spec = publish("alpha")
    publish_badge(
        app, root, "practising", {"type": "level-at-least", "competency": "evaluating", "level": 2}
    )
    publish_badge(
        app, root, "proficient", {"type": "level-at-least", "competency": "evaluating", "level": 3}
    )
    publish_badge(
        app, root, "directing", {"type": "level-at-least", "competency": "directing", "level": 1}
    )
    finish(app, client_for(app, learner), spec)
    level = stored_level(app, learner, "evaluating")
    assert level == 2  # the sentinel course's answers are worth level 2, not 3
    assert awarded(app, learner.id) == ["practising"]
    assert award_of(app, learner, "practising").evidence == {
        "competency": "evaluating",
        "level": 2,
    }


def test_overall_level_badge(app: Flask, root: Path, learner: User) -> None:
    publish_badge(app, root, "all-round", {"type": "overall-level-at-least", "level": 2})
    set_level(app, learner, "evaluating", 4)  # one strong area is not "overall"
    set_level(app, learner, OVERALL, 1)
    assert evaluate_now(app, learner.id) == []
    set_level(app, learner, OVERALL, 2)
    assert evaluate_now(app, learner.id) == ["all-round"]
    assert award_of(app, learner, "all-round").evidence == {"competency": "overall", "level": 2}


def test_the_baseline_badge_needs_a_submitted_baseline(
    app: Flask, root: Path, publish: Callable[[str], CourseSpec], learner: User
) -> None:
    publish("alpha")
    publish_badge(app, root, "first-look", {"type": "baseline-done"})
    client = client_for(app, learner)
    ratings = {f"rate-{area}": "1" for area in ("foundations", "delegation", "directing",
               "evaluating", "responsible", "context")}  # fmt: skip
    attempt_id = start_baseline(client, ratings)
    assert awarded(app, learner.id) == []  # started is not done
    submit(client, app, attempt_id, right=False)  # any result counts: it is about knowing
    assert awarded(app, learner.id) == ["first-look"]


def test_voluntary_learning_counts_only_self_chosen_courses(
    app: Flask, root: Path, publish: Callable[[str], CourseSpec], learner: User
) -> None:
    alpha, beta, gamma = publish("alpha"), publish("beta"), publish("gamma")
    publish_badge(app, root, "curious", {"type": "voluntary-learning", "count": 2})
    client = client_for(app, learner)
    assign(app, learner, "beta", None)
    finish(app, client, alpha)
    finish(app, client, beta)  # assigned: does not count
    assert awarded(app, learner.id) == []
    finish(app, client, gamma)
    assert awarded(app, learner.id) == ["curious"]
    assert award_of(app, learner, "curious").evidence == {"courses": ["alpha", "gamma"]}


def test_a_learning_streak_counts_distinct_iso_weeks_of_learning(
    app: Flask, root: Path, learner: User
) -> None:
    publish_badge(app, root, "streak", {"type": "learning-streak", "weeks": 3})

    def event(verb: str, when: datetime) -> None:
        with app.app_context():
            record(db.session, learner.id, verb, "module", "x/y", at=when)
            db.session.commit()
            db.session.remove()

    event("completed", datetime(2026, 1, 5, 9))  # Monday, ISO week 2
    event("passed", datetime(2026, 1, 11, 23, 30))  # Sunday, still week 2
    event("failed", datetime(2026, 1, 12, 0, 10))  # Monday, week 3
    event("enrolled", datetime(2026, 2, 2, 12))  # enrolling is not learning
    event("opened", datetime(2026, 2, 9, 12))  # nor is opening a page
    assert evaluate_now(app, learner.id) == []
    event("completed", datetime(2026, 3, 2, 8))  # week 10
    assert evaluate_now(app, learner.id) == ["streak"]
    assert award_of(app, learner, "streak").evidence == {"weeks": 3, "latest_week": "2026-W10"}


def test_leading_by_example_needs_a_manager_or_executive(
    app: Flask,
    root: Path,
    publish: Callable[[str], CourseSpec],
    make_user: Callable[..., User],
) -> None:
    spec = publish("lead")
    publish_badge(app, root, "example", {"type": "leading-by-example", "course": "lead"})
    employee = make_user()
    manager = make_user()
    make_user(manager=manager)
    executive = make_user(is_executive=True)
    for person in (employee, manager, executive):
        finish(app, client_for(app, person), spec)
    assert awarded(app, employee.id) == []
    assert award_of(app, manager, "example").evidence == {"course": "lead", "role": "manager"}
    assert award_of(app, executive, "example").evidence == {"course": "lead", "role": "executive"}


def test_evaluate_is_pure_and_never_awards_unknown_rules() -> None:
    facts = Facts(completed={"a": "self"}, levels={"evaluating": 2, OVERALL: 1})
    assert evaluate({"type": "course-completed", "course": "a"}, facts) == {"course": "a"}
    assert evaluate({"type": "course-completed", "course": "b"}, facts) is None
    assert (
        evaluate({"type": "level-at-least", "competency": "directing", "level": 1}, facts) is None
    )
    assert evaluate({"type": "overall-level-at-least", "level": 2}, facts) is None
    assert evaluate({"type": "something-new"}, facts) is None
    assert evaluate({"type": "baseline-done"}, facts) is None


def test_a_retired_badge_is_not_awarded(
    app: Flask, root: Path, publish: Callable[[str], CourseSpec], learner: User
) -> None:
    spec = publish("alpha")
    publish_badge(app, root, "alpha-done", {"type": "course-completed", "course": "alpha"})
    with app.app_context():
        publish_badges(db.session, [], retire_missing=True)
        db.session.commit()
        db.session.remove()
    finish(app, client_for(app, learner), spec)
    assert awarded(app, learner.id) == []


def test_the_award_shares_the_learning_transaction(
    app: Flask, root: Path, publish: Callable[[str], CourseSpec], learner: User
) -> None:
    """Rolled back with the attempt it came from: no award without the learning behind it."""
    spec = publish("alpha")
    publish_badge(app, root, "alpha-done", {"type": "course-completed", "course": "alpha"})
    client = client_for(app, learner)
    enrol(client, "alpha")
    complete_modules(client, app, spec)
    attempt_id = start_quiz(client, "alpha")
    answers = {qid: [key] for qid, key in answer_key(app, attempt_id).items()}
    with app.app_context():
        person = db.session.get(User, learner.id)
        attempt = db.session.get(Attempt, attempt_id)
        assert person is not None and attempt is not None
        quiz.submit_attempt(db.session, person, attempt, answers)
        pending = db.session.scalar(select(func.count(BadgeAward.id)))
        assert pending == 1  # awarded inside the submission's transaction...
        db.session.rollback()  # ...and gone with it
        db.session.remove()
    assert awarded(app, learner.id, live_only=False) == []
    assert row_count(app, Notification) == 0


def test_awarding_runs_a_bounded_number_of_statements(
    app: Flask,
    root: Path,
    learner: User,
    count_statements: Callable[[], Any],
) -> None:
    folder = root / "many"
    criteria: list[dict[str, Any]] = [
        {"type": "course-completed", "course": "alpha"},
        {"type": "courses-completed", "courses": ["alpha", "beta"]},
        {"type": "level-at-least", "competency": "evaluating", "level": 2},
        {"type": "overall-level-at-least", "level": 2},
        {"type": "baseline-done"},
        {"type": "voluntary-learning", "count": 3},
        {"type": "learning-streak", "weeks": 4},
        {"type": "leading-by-example", "course": "alpha"},
    ]
    for number in range(3):
        for index, item in enumerate(criteria):
            write_badge(folder, f"badge-{number}-{index}", item)
    from tests.badge_helpers import publish_badge_folder

    publish_badge_folder(app, folder)
    with app.app_context(), count_statements() as counter:
        assert service.award_due_badges(db.session, learner.id) == []
        db.session.remove()
    # Live badges, held awards, then one query per kind of fact (5): never one per badge.
    assert counter.count <= 7, counter.statements


# ------------------------------------------------------------------- re-evaluation (CLI)


def run(app: Flask, *args: str) -> Any:
    return app.test_cli_runner().invoke(args=["lms", "badges", *args])


def test_evaluate_awards_what_a_new_rule_makes_due(
    app: Flask,
    root: Path,
    publish: Callable[[str], CourseSpec],
    learner: User,
    make_user: Callable[..., User],
) -> None:
    spec = publish("alpha")
    finish(app, client_for(app, learner), spec)
    bystander = make_user()
    publish_badge(app, root, "alpha-done", {"type": "course-completed", "course": "alpha"})
    assert awarded(app, learner.id) == []  # the rule came after the learning

    dry = run(app, "evaluate", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert f"{learner.email}: would award alpha-done" in dry.output
    assert row_count(app, BadgeAward) == 0 and row_count(app, Notification) == 0

    other = run(app, "evaluate", "--email", bystander.email)
    assert "Evaluated 1 person(s) against 1 badge(s): 0 awarded." in other.output

    result = run(app, "evaluate", "--batch-size", "1")
    assert result.exit_code == 0, result.output
    assert f"{learner.email}: awarded alpha-done" in result.output
    people = row_count(app, User)
    assert f"Evaluated {people} person(s) against 1 badge(s): 1 awarded." in result.output
    assert awarded(app, learner.id) == ["alpha-done"]
    assert [kind for kind, _, _ in notifications_of(app, learner.id)] == ["badge-earned"]

    again = run(app, "evaluate")
    assert "0 awarded" in again.output and row_count(app, BadgeAward) == 1

    unknown = run(app, "evaluate", "--email", "nobody@example.com")
    assert unknown.exit_code != 0 and "No one has the email nobody@example.com" in unknown.output


def test_a_revoked_award_is_not_made_again(
    app: Flask,
    root: Path,
    publish: Callable[[str], CourseSpec],
    learner: User,
    make_user: Callable[..., User],
) -> None:
    spec = publish("alpha")
    publish_badge(app, root, "alpha-done", {"type": "course-completed", "course": "alpha"})
    client = client_for(app, learner)
    finish(app, client, spec)
    admin = make_user(is_admin=True)
    with app.app_context():
        award = db.session.scalar(select(BadgeAward))
        person = db.session.get(User, admin.id)
        assert award is not None and person is not None
        service.revoke(db.session, award, person, "  Shared   answers in the quiz  ")
        db.session.commit()
        with pytest.raises(service.RevokeError, match="already been revoked"):
            service.revoke(db.session, award, person, "again")
        db.session.rollback()
        db.session.remove()
    stored = award_of(app, learner, "alpha-done")
    assert stored.revoked_at is not None and stored.revoked_by_id == admin.id
    assert stored.revocation_reason == "Shared answers in the quiz"
    assert notifications_of(app, learner.id)[-1][:2] == (
        "badge-revoked",
        "Your badge Alpha done was revoked: Shared answers in the quiz",
    )

    assert evaluate_now(app, learner.id) == []
    assert "0 awarded" in run(app, "evaluate").output
    # More learning: still not re-awarded.
    submit(client, app, start_check(client, "alpha", "check-the-figures"))
    assert awarded(app, learner.id) == []
    assert awarded(app, learner.id, live_only=False) == ["alpha-done"]


def test_a_revocation_needs_a_reason(app: Flask, root: Path, learner: User) -> None:
    publish_badge(app, root, "all-round", {"type": "overall-level-at-least", "level": 1})
    set_level(app, learner, OVERALL, 1)
    evaluate_now(app, learner.id)
    with app.app_context():
        award = db.session.scalar(select(BadgeAward))
        person = db.session.get(User, learner.id)
        assert award is not None and person is not None
        for reason in ("", "   ", "x" * 501):
            with pytest.raises(service.RevokeError):
                service.revoke(db.session, award, person, reason)
        db.session.remove()
    assert award_of(app, learner, "all-round").revoked_at is None


# ------------------------------------------------------------------------------ concurrency


def run_together(count: int, work: Callable[[int], Any]) -> list[Any]:
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count
    errors: list[BaseException] = []

    def run_one(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = work(index)
        except BaseException as error:  # reported in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=run_one, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return results


@pytest.fixture
def due_learner(
    app: Flask, root: Path, publish: Callable[[str], CourseSpec], learner: User
) -> User:
    """A learner who completed alpha before two badges for it existed: both are now due."""
    spec = publish("alpha")
    finish(app, client_for(app, learner), spec)
    publish_badge(app, root, "alpha-done", {"type": "course-completed", "course": "alpha"})
    publish_badge(app, root, "curious", {"type": "voluntary-learning", "count": 1})
    return learner


def test_two_transactions_granting_the_same_award_make_one_row(
    app: Flask, due_learner: User
) -> None:
    """Both see the badge as due, then both insert at the same moment: one wins, one is told
    "already awarded" (the unique constraint, caught in its savepoint), and neither fails."""
    gate = threading.Barrier(2)

    def work(_index: int) -> list[str]:
        with app.app_context():
            try:
                due = service.due_badges(
                    db.session, [due_learner.id], service.live_rules(db.session)
                )
                assert len(due) == 2
                gate.wait(timeout=30)  # both have decided before either inserts
                made = [item.rule.slug for item in due if service.grant(db.session, item)]
                db.session.commit()
                return made
            finally:
                db.session.remove()

    results = run_together(2, work)
    assert sorted(slug for made in results for slug in made) == ["alpha-done", "curious"]
    assert awarded(app, due_learner.id) == ["alpha-done", "curious"]
    assert row_count(app, BadgeAward) == 2
    assert len(notifications_of(app, due_learner.id)) == 2


@pytest.mark.parametrize("threads", [8])
def test_concurrent_events_for_one_person_award_each_badge_once(
    app: Flask, due_learner: User, threads: int
) -> None:
    def work(_index: int) -> int:
        with app.app_context():
            try:
                awards = service.award_due_badges(db.session, due_learner.id)
                db.session.commit()
                return len(awards)
            finally:
                db.session.remove()

    results = run_together(threads, work)
    assert sum(results) == 2
    assert awarded(app, due_learner.id) == ["alpha-done", "curious"]
    assert row_count(app, BadgeAward) == 2
    assert len(notifications_of(app, due_learner.id)) == 2


def test_the_database_refuses_a_second_award_row(app: Flask, due_learner: User) -> None:
    """Even code that skips the rules cannot award twice: the constraint is in the schema."""
    from sqlalchemy.exc import IntegrityError

    evaluate_now(app, due_learner.id)
    with app.app_context():
        existing = db.session.scalar(select(BadgeAward))
        assert existing is not None
        db.session.add(
            BadgeAward(
                badge_id=existing.badge_id,
                user_id=existing.user_id,
                evidence={},
                recipient_salt="x",
            )
        )
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
        db.session.remove()
    assert row_count(app, BadgeAward) == 2
    assert user_id(app, due_learner.email) == due_learner.id
