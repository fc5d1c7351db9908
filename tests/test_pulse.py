"""Answering the pulse (once per round, anonymously) and the executive results (groups side by
side, small groups suppressed, individual answers never shown)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import DateTime, func, inspect, select

from lms.config import PROJECT_ROOT
from lms.extensions import db
from lms.learn.models import SelfRating
from lms.literacy.models import LiteracyLevel
from lms.people.models import JOB_FUNCTIONS, User, utcnow
from lms.pulse.format import load_pulses
from lms.pulse.models import (
    RESPONDENT_GROUPS,
    Pulse,
    PulseAnswerCount,
    PulseParticipation,
    PulseQuestion,
)
from lms.pulse.release import answered_in_steps, figures_on, figures_released
from lms.pulse.results import suppressed_keys
from lms.pulse.service import publish_pulse, round_start, submit_answers
from tests.conftest import login
from tests.learn_helpers import page, post


@pytest.fixture
def app_config(request: Any) -> dict[str, Any]:
    return {"PULSE_MIN_GROUP": 3} if "threshold" in request.node.name else {}


@pytest.fixture
def pulse(app: Flask) -> dict[str, int]:
    """The shipped pulse, published. Returns question key -> id."""
    pulses, problems = load_pulses(PROJECT_ROOT / "courses")
    assert not problems
    with app.app_context():
        publish_pulse(db.session, pulses[0])
        db.session.commit()
        ids = {q.key: q.id for q in db.session.scalars(select(PulseQuestion))}
        db.session.remove()
    return ids


def answers_form(ids: dict[str, int], value: int = 4, yes: int = 1) -> dict[str, str]:
    return {f"q{qid}": str(yes if key == "paid-own-tools" else value) for key, qid in ids.items()}


def counts(app: Flask) -> dict[tuple[str, str, str, int], int]:
    """(question key, group, function, value) -> count, for counts above zero."""
    with app.app_context():
        rows = db.session.execute(
            select(
                PulseQuestion.key,
                PulseAnswerCount.respondent_group,
                PulseAnswerCount.job_function,
                PulseAnswerCount.value,
                func.sum(PulseAnswerCount.count),
            )
            .join(PulseQuestion, PulseQuestion.id == PulseAnswerCount.question_id)
            .group_by(
                PulseQuestion.key,
                PulseAnswerCount.respondent_group,
                PulseAnswerCount.job_function,
                PulseAnswerCount.value,
            )
        ).all()
        db.session.remove()
    return {(k, g, f, v): int(n) for k, g, f, v, n in rows if n}


def test_everyone_answers_once_per_round(
    app: Flask,
    pulse: dict[str, int],
    make_user: Callable[..., User],
    logged_in: Callable[[User], FlaskClient],
) -> None:
    person = make_user(job_function="sales")
    client = logged_in(person)
    form = page(client, "/pulse/")
    assert form.count('type="radio"') == 5 * 5 + 2
    assert "I have paid for AI tools for work myself." in form
    response = post(client, "/pulse/ai-at-work", answers_form(pulse, value=2, yes=0))
    assert response.status_code == 302
    assert "Thank you! Your answers were added anonymously." in page(client, "/pulse/")
    assert "You have answered this round." in page(client, "/pulse/")
    stored = counts(app)
    assert stored[("strategic", "employee", "sales", 2)] == 1
    assert stored[("paid-own-tools", "employee", "sales", 0)] == 1
    assert sum(stored.values()) == 6

    again = post(client, "/pulse/ai-at-work", answers_form(pulse, value=5))
    assert again.status_code == 302
    assert "already answered this round" in page(client, "/pulse/")
    assert counts(app) == stored
    with app.app_context():
        assert db.session.scalar(select(func.count(PulseParticipation.id))) == 1


def test_the_database_refuses_a_second_participation_row(
    app: Flask, pulse: dict[str, int], make_user: Callable[..., User]
) -> None:
    """Two submissions racing past the friendly check still cannot both count: the participation
    row is unique per (pulse, round, person), and it is inserted before any count is added, in the
    same transaction."""
    from sqlalchemy.exc import IntegrityError

    person = make_user()
    today = utcnow().date()
    with app.app_context():
        user = db.session.get(User, person.id)
        the_pulse = db.session.scalar(select(Pulse))
        assert user is not None and the_pulse is not None
        questions = list(db.session.scalars(select(PulseQuestion)))
        answers = {q.id: 1 if q.kind == "yes-no" else 3 for q in questions}
        start = submit_answers(db.session, user, the_pulse, questions, answers, today)
        db.session.commit()
        db.session.add(
            PulseParticipation(pulse_id=the_pulse.id, round_start=start, user_id=user.id)
        )
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
    assert sum(counts(app).values()) == 6


def test_every_question_must_be_answered(
    app: Flask,
    pulse: dict[str, int],
    make_user: Callable[..., User],
    logged_in: Callable[[User], FlaskClient],
) -> None:
    client = logged_in(make_user())
    partial = answers_form(pulse)
    partial.pop(f"q{pulse['strategic']}")
    partial[f"q{pulse['org-literacy']}"] = "9"
    response = post(client, "/pulse/ai-at-work", partial)
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert body.count("Please answer this question.") == 1
    assert "Not a valid choice" in body
    assert counts(app) == {}
    response = client.post("/pulse/ai-at-work", data=answers_form(pulse))  # no CSRF token
    assert response.status_code == 400
    assert counts(app) == {}


def test_answers_are_stored_without_anyone_s_identity(
    app: Flask,
    pulse: dict[str, int],
    make_user: Callable[..., User],
    logged_in: Callable[[User], FlaskClient],
) -> None:
    with app.app_context():
        columns = {c["name"]: c for c in inspect(db.engine).get_columns("pulse_answer_counts")}
        participation = {c["name"] for c in inspect(db.engine).get_columns("pulse_participation")}
    assert not [name for name in columns if "user" in name or "email" in name]
    assert not [c for c in columns.values() if isinstance(c["type"], DateTime)]  # no timestamps
    assert set(columns) == {
        "id",
        "pulse_id",
        "question_id",
        "round_start",
        "respondent_group",
        "job_function",
        "value",
        "count",
    }
    assert participation == {"id", "pulse_id", "round_start", "user_id"}  # no answers, no time

    client = logged_in(make_user())
    assert post(client, "/pulse/ai-at-work", answers_form(pulse)).status_code == 302
    with app.app_context():
        rows = db.session.scalar(select(func.count(PulseAnswerCount.id)))
    # Every cell of the round exists from the first answer on (all at zero but six), so the
    # order rows were created in does not tell who answered what.
    assert rows == (5 * 5 + 2) * len(RESPONDENT_GROUPS) * len(JOB_FUNCTIONS)


def test_respondent_groups(
    app: Flask,
    pulse: dict[str, int],
    make_user: Callable[..., User],
) -> None:
    executive = make_user(is_executive=True, job_function="leadership")
    manager = make_user(job_function="finance", manager=executive)
    make_user(manager=manager)
    for person in (executive, manager):
        client = app.test_client()
        assert login(client, person.email).status_code == 302
        assert post(client, "/pulse/ai-at-work", answers_form(pulse)).status_code == 302
    stored = counts(app)
    assert stored[("strategic", "executive", "leadership", 4)] == 1
    assert stored[("strategic", "manager", "finance", 4)] == 1


def test_suppressed_keys() -> None:
    assert suppressed_keys({"a": 6, "b": 3, "c": 12}, 5) == {"b", "a"}
    assert suppressed_keys({"a": 6, "b": 5, "c": 12}, 5) == set()
    assert suppressed_keys({"a": 0, "b": 7, "c": 12}, 5) == set()  # nobody is not a small group
    assert suppressed_keys({"a": 2, "b": 3, "c": 12}, 5) == {"a", "b"}  # 5 together
    assert suppressed_keys({"a": 1, "b": 1}, 5) == {"a", "b"}
    assert suppressed_keys({"a": 4}, 5) == {"a"}


def answer_as(
    app: Flask, people: list[User], values: dict[str, int], day: date | None = None
) -> None:
    with app.app_context():
        the_pulse = db.session.scalar(select(Pulse))
        assert the_pulse is not None
        questions = list(db.session.scalars(select(PulseQuestion)))
        for person in people:
            user = db.session.get(User, person.id)
            assert user is not None
            answers = {q.id: values.get(q.key, 1 if q.kind == "yes-no" else 3) for q in questions}
            submit_answers(db.session, user, the_pulse, questions, answers, day or utcnow().date())
        db.session.commit()
        db.session.remove()


def current_round(app: Flask) -> date:
    with app.app_context():
        the_pulse = db.session.scalar(select(Pulse))
        assert the_pulse is not None
        start = round_start(the_pulse, utcnow().date())
        db.session.remove()
    assert start is not None
    return start


def closed_round(app: Flask, back: int = 2) -> date:
    """The start of the round ``back`` rounds (of four weeks) before the current one: closed more
    than a day ago, so its figures are out, whatever day the tests run on."""
    return current_round(app) - timedelta(weeks=4 * back)


@pytest.fixture
def groups(app: Flask, pulse: dict[str, int], make_user: Callable[..., User]) -> dict[str, Any]:
    """6 executives, 7 managers (one team each), 12 employees in three functions."""
    ceo = make_user(is_executive=True, job_function="leadership", name="Cleo CEO")
    executives = [ceo] + [
        make_user(is_executive=True, job_function="leadership", manager=ceo) for _ in range(5)
    ]
    managers = [make_user(job_function="engineering", manager=ceo) for _ in range(7)]
    employees = [
        make_user(job_function=function, manager=managers[i % 7])
        for i, function in enumerate(["engineering"] * 8 + ["legal"] * 2 + ["hr"] * 2)
    ]
    return {"executives": executives, "managers": managers, "employees": employees}


def results_page(app: Flask, user: User, query: str = "") -> str:
    client = app.test_client()
    assert login(client, user.email).status_code == 302
    return page(client, f"/pulse/results{query}")


def test_executives_see_the_gap_with_small_groups_suppressed(
    app: Flask, groups: dict[str, Any]
) -> None:
    day = closed_round(app)
    answer_as(app, groups["executives"], {"strategic": 5, "paid-own-tools": 0}, day)
    answer_as(app, groups["managers"], {"strategic": 4, "paid-own-tools": 1}, day)
    answer_as(app, groups["employees"], {"strategic": 2, "paid-own-tools": 1}, day)
    body = results_page(app, groups["executives"][0])
    assert "25 people answered the round" in body
    row = body.split('data-question="strategic"')[1].split("</tr>")[0]
    assert "5.00 <small>(n=6)</small>" in row
    assert "4.00 <small>(n=7)</small>" in row
    assert "2.00 <small>(n=12)</small>" in row
    assert "+3.00" in row  # executives minus employees
    paid = body.split('data-question="paid-own-tools"')[1].split("</tr>")[0]
    assert "0% yes" in paid and "100% yes" in paid
    # By function: legal (2) and hr (2) are hidden together (4 < 5), so the next smallest
    # (leadership, 6) is hidden too; engineering (15) is shown.
    table = body.split('id="function-table"')[1].split("</table>")[0]
    strategic = table.split("</tr>")[1]
    assert strategic.count("fewer than 5") == 3
    assert "(n=15)" in strategic


def test_a_small_group_is_suppressed_and_cannot_be_subtracted(
    app: Flask, groups: dict[str, Any]
) -> None:
    day = closed_round(app)
    answer_as(app, groups["executives"], {"strategic": 5}, day)
    answer_as(app, groups["managers"][:3], {"strategic": 1}, day)
    answer_as(app, groups["employees"], {"strategic": 2}, day)
    body = results_page(app, groups["executives"][0])
    row = body.split('data-question="strategic"')[1].split("</tr>")[0]
    cells = {part.split('"')[0]: part for part in row.split('data-group="')[1:]}
    assert "fewer than 5" in cells["manager"]
    # Hiding 3 managers alone would let anyone subtract them from a total: the next smallest
    # group (executives, 6) is hidden with them.
    assert "fewer than 5" in cells["executive"]
    assert "2.00 <small>(n=12)</small>" in cells["employee"]
    assert "(n=3)" not in body and "1.00" not in row


def test_the_threshold_is_configurable(app: Flask, groups: dict[str, Any]) -> None:
    day = closed_round(app)
    answer_as(app, groups["executives"], {"strategic": 5}, day)
    answer_as(app, groups["managers"][:3], {"strategic": 1}, day)
    answer_as(app, groups["employees"], {"strategic": 2}, day)
    body = results_page(app, groups["executives"][0])
    row = body.split('data-question="strategic"')[1].split("</tr>")[0]
    assert "1.00 <small>(n=3)</small>" in row and "fewer than" not in row


def test_self_rated_vs_measured_per_group(app: Flask, groups: dict[str, Any]) -> None:
    answer_as(app, groups["employees"], {})
    with app.app_context():
        for person in groups["employees"]:
            db.session.add(SelfRating(user_id=person.id, competency="evaluating", level=3))
            db.session.add(
                LiteracyLevel(
                    user_id=person.id, competency="evaluating", level=1, score=0.4, evidence=3.0
                )
            )
        for person in groups["executives"][:2]:
            db.session.add(SelfRating(user_id=person.id, competency="evaluating", level=4))
        db.session.commit()
    body = results_page(app, groups["executives"][0])
    table = body.split('id="calibration-table"')[1].split("</table>")[0]
    executive = table.split('data-group="executive"')[1].split("</tr>")[0]
    assert "fewer than 5" in executive and "4.00" not in executive
    # Two executives alone would be subtracted from a total: employees are hidden with them.
    employee = table.split('data-group="employee"')[1].split("</tr>")[0]
    assert "fewer than 5" in employee

    with app.app_context():
        for person in groups["executives"][2:]:
            db.session.add(SelfRating(user_id=person.id, competency="evaluating", level=4))
        db.session.commit()
    body = results_page(app, groups["executives"][0])
    table = body.split('id="calibration-table"')[1].split("</table>")[0]
    employee = table.split('data-group="employee"')[1].split("</tr>")[0]
    assert "<td>12</td><td>3.00</td><td>1.00</td><td>+2.00</td>" in employee
    executive = table.split('data-group="executive"')[1].split("</tr>")[0]
    assert "<td>6</td><td>4.00</td><td>0.00</td><td>+4.00</td>" in executive
    assert "no self-ratings yet" in table.split('data-group="manager"')[1].split("</tr>")[0]


def test_results_are_for_executives_and_admins(
    app: Flask, groups: dict[str, Any], make_user: Callable[..., User]
) -> None:
    for person in (groups["managers"][0], groups["employees"][0]):
        client = app.test_client()
        assert login(client, person.email).status_code == 302
        assert client.get("/pulse/results").status_code == 403
    admin = make_user(is_admin=True)
    assert "No rounds answered yet" in results_page(app, admin)
    answer_as(app, groups["employees"], {}, closed_round(app))
    assert "The perception gap" in results_page(app, admin)


def test_results_over_rounds_and_a_constant_statement_count(
    app: Flask,
    groups: dict[str, Any],
    count_statements: Callable[[], Any],
) -> None:
    older, earlier, current = closed_round(app, 3), closed_round(app, 2), current_round(app)
    answer_as(app, groups["employees"], {"have-training": 2}, older)
    client = app.test_client()
    assert login(client, groups["executives"][0].email).status_code == 302
    with count_statements() as first:
        assert client.get("/pulse/results").status_code == 200
    answer_as(app, groups["employees"] + groups["managers"], {"have-training": 4}, earlier)
    answer_as(app, groups["managers"], {"have-training": 1}, current)
    with count_statements() as second:
        body = client.get("/pulse/results").get_data(as_text=True)
    assert first.count == second.count <= 10, (first.count, second.count)
    assert "Over time" in body
    assert older.strftime("%d %b %Y") in body and earlier.strftime("%d %b %Y") in body
    # The open round is listed (how many answered, in steps) but none of its figures is shown.
    assert f"{current.strftime('%d %b %Y')} (at least 5 answered so far)" in body
    assert "1.00" not in body
    older_page = client.get(f"/pulse/results?round={older.isoformat()}").get_data(as_text=True)
    assert "12 people answered the round" in older_page


def without_tokens(body: str) -> str:
    """A page minus what differs between any two requests (the logout form's CSRF token)."""
    return re.sub(r'name="csrf_token" value="[^"]*"', "", body)


def test_one_more_answer_in_an_open_round_changes_nothing_an_executive_sees(
    app: Flask, pulse: dict[str, int], groups: dict[str, Any]
) -> None:
    """The tester's differencing attack: read the open round, let exactly one person answer, read
    again. Any difference (a mean, a share, an n=) would give that person's answers away."""
    others = groups["executives"] + groups["managers"] + groups["employees"][:-2]
    answer_as(app, others, {"strategic": 4, "paid-own-tools": 0})  # 23 people
    executive = app.test_client()
    assert login(executive, groups["executives"][0].email).status_code == 302
    urls = ["/pulse/results", f"/pulse/results?round={current_round(app).isoformat()}"]
    before = [without_tokens(page(executive, url)) for url in urls]

    target = app.test_client()
    assert login(target, groups["employees"][-2].email).status_code == 302
    assert post(target, "/pulse/ai-at-work", answers_form(pulse, value=1, yes=1)).status_code == 302
    assert sum(counts(app).values()) == 24 * 6  # the answer was counted

    after = [without_tokens(page(executive, url)) for url in urls]
    assert after == before
    assert "At least 20 people have answered the round" in after[0]
    assert "(n=" not in after[0] and "4.00" not in after[0] and "% yes" not in after[0]


def participation_removed(body: str) -> str:
    """A results page minus the only thing an open round shows: how many people answered."""
    body = re.sub(r'<p id="participants">.*?</p>', "", without_tokens(body))
    return re.sub(r"\((fewer than|at least) \d+ answered so far\)", "", body)


def figures(body: str) -> str:
    """The figures of the selected round: the gap, the spread, by function, over time."""
    return body.split('id="gap-table"')[1].split('id="calibration-table"')[0]


def test_an_open_round_shows_how_many_answered_in_steps_of_the_minimum_group(
    app: Flask, groups: dict[str, Any]
) -> None:
    """Answers arrive one at a time: the page changes only when a step of five completes, and
    then only in how many people answered (never a figure of the open round)."""
    executive = app.test_client()
    assert login(executive, groups["executives"][0].email).status_code == 302
    bodies = []
    for person in groups["employees"]:
        answer_as(app, [person], {"strategic": 5})
        bodies.append(page(executive, "/pulse/results"))
    assert len({without_tokens(body) for body in bodies[:4]}) == 1
    assert "Fewer than 5 people have answered the round" in bodies[3]
    assert len({without_tokens(body) for body in bodies[4:9]}) == 1
    assert "At least 5 people have answered the round" in bodies[4]
    assert "At least 10 people have answered the round" in bodies[9]
    assert len({participation_removed(body) for body in bodies}) == 1
    assert "(n=" not in bodies[-1] and "5.00" not in bodies[-1]


def test_a_closed_round_shows_its_final_figures(
    app: Flask,
    pulse: dict[str, int],
    groups: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    start = current_round(app)
    answer_as(app, groups["executives"], {"strategic": 5})
    answer_as(app, groups["employees"], {"strategic": 2})
    with app.app_context():
        the_pulse = db.session.scalar(select(Pulse))
        assert the_pulse is not None
        released_on = figures_on(the_pulse, start)
        db.session.remove()
    assert released_on is not None
    executive = app.test_client()
    assert login(executive, groups["executives"][0].email).status_code == 302

    # The day the round closes, an answer sent in its last second may still be on its way.
    monkeypatch.setattr("lms.pulse.views.today", lambda: released_on - timedelta(days=1))
    closing = page(executive, "/pulse/results")
    assert "At least 15 people have answered the round" in closing
    assert "It was open until" in closing
    assert f"its figures appear on <strong>{released_on.strftime('%d %B %Y')}</strong>" in closing
    assert "(n=" not in closing

    monkeypatch.setattr("lms.pulse.views.today", lambda: released_on)
    final = page(executive, "/pulse/results")
    assert "18 people answered the round" in final
    row = final.split('data-question="strategic"')[1].split("</tr>")[0]
    assert "5.00 <small>(n=6)</small>" in row and "2.00 <small>(n=12)</small>" in row
    assert "+3.00" in row

    # Answering now counts in the next round; the closed round's figures stay as they are.
    manager = app.test_client()
    assert login(manager, groups["managers"][0].email).status_code == 302
    assert post(manager, "/pulse/ai-at-work", answers_form(pulse)).status_code == 302
    again = page(executive, f"/pulse/results?round={start.isoformat()}")
    assert figures(again) == figures(final)
    assert "18 people answered the round" in again
    assert "(fewer than 5 answered so far)" in again  # the new round, listed without figures


def test_a_round_that_never_closes_shows_no_figures(app: Flask, groups: dict[str, Any]) -> None:
    with app.app_context():
        the_pulse = db.session.scalar(select(Pulse))
        assert the_pulse is not None
        the_pulse.every_unit, the_pulse.every_count = "once", 0
        db.session.commit()
        db.session.remove()
    answer_as(app, groups["employees"], {"strategic": 2})
    body = results_page(app, groups["executives"][0])
    assert "At least 10 people have answered the round" in body
    assert "single round that never closes, so its figures are not shown" in body
    assert "(n=" not in body and "2.00" not in body


def test_the_release_rule() -> None:
    weekly = Pulse(opens_on=date(2025, 1, 6), every_unit="weeks", every_count=4)
    assert figures_on(weekly, date(2025, 1, 6)) == date(2025, 2, 4)  # closes 3 Feb, +1 day
    assert not figures_released(weekly, date(2025, 1, 6), date(2025, 2, 3))
    assert figures_released(weekly, date(2025, 1, 6), date(2025, 2, 4))
    monthly = Pulse(opens_on=date(2025, 1, 31), every_unit="months", every_count=1)
    assert figures_on(monthly, date(2025, 1, 31)) == date(2025, 3, 1)  # closes 28 Feb
    once = Pulse(opens_on=date(2025, 1, 6), every_unit="once", every_count=0)
    assert figures_on(once, date(2025, 1, 6)) is None
    assert not figures_released(once, date(2025, 1, 6), date(2999, 1, 1))
    assert [answered_in_steps(n, 5) for n in range(12)] == [0] * 5 + [5] * 5 + [10] * 2
