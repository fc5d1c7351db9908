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
from lms.org.charts import line_chart
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
from lms.pulse.results import leaky_functions, role_breakdown, suppressed_keys
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


# The shipped questions with options, as published first: options are valued 1, 2, ... in order.
BANDS = {"nothing": 1, "under-20": 2, "20-to-50": 3, "over-50": 4}
KINDS = {"chat": 1, "writing": 2, "coding": 3, "meeting-notes": 4, "image-design": 5, "none": 6}
SCALE_QUESTIONS = 6  # of the eight shipped questions, those with a mean


def answers_form(
    ids: dict[str, int],
    value: int = 4,
    yes: int = 1,
    band: str = "nothing",
    kinds: tuple[str, ...] = ("none",),
) -> dict[str, Any]:
    answers: dict[str, Any] = {
        f"q{qid}": str(yes if key == "paid-own-tools" else value) for key, qid in ids.items()
    }
    answers[f"q{ids['paid-how-much']}"] = str(BANDS[band])
    answers[f"q{ids['own-tool-kinds']}"] = [str(KINDS[kind]) for kind in kinds]
    return answers


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
    assert form.count('type="radio"') == 5 * 5 + 2 + len(BANDS)
    assert form.count('type="checkbox"') == len(KINDS)
    assert "I have paid for AI tools for work myself." in form
    response = post(
        client,
        "/pulse/ai-at-work",
        answers_form(pulse, value=2, yes=0, band="over-50", kinds=("chat", "coding")),
    )
    assert response.status_code == 302
    assert "Thank you! Your answers were added anonymously." in page(client, "/pulse/")
    assert "You have answered this round." in page(client, "/pulse/")
    stored = counts(app)
    assert stored[("strategic", "employee", "sales", 2)] == 1
    assert stored[("paid-own-tools", "employee", "sales", 0)] == 1
    assert stored[("paid-how-much", "employee", "sales", BANDS["over-50"])] == 1
    # Each option ticked counts once, and the question's respondents (value 0) once.
    assert stored[("own-tool-kinds", "employee", "sales", KINDS["chat"])] == 1
    assert stored[("own-tool-kinds", "employee", "sales", KINDS["coding"])] == 1
    assert stored[("own-tool-kinds", "employee", "sales", 0)] == 1
    assert sum(stored.values()) == 6 + 1 + 3

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
        answers: dict[int, Any] = {q.id: 1 if q.kind == "yes-no" else 3 for q in questions}
        start = submit_answers(db.session, user, the_pulse, questions, answers, today)
        db.session.commit()
        db.session.add(
            PulseParticipation(pulse_id=the_pulse.id, round_start=start, user_id=user.id)
        )
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
    assert sum(counts(app).values()) == 6 + 1 + 2  # one option ticked, and its respondent


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
    # Every cell of the round exists from the first answer on (all at zero but nine), so the
    # order rows were created in does not tell who answered what.
    cells_per_group = 5 * 5 + 2 + len(BANDS) + len(KINDS) + 1  # + who answered the checkboxes
    assert rows == cells_per_group * len(RESPONDENT_GROUPS) * len(JOB_FUNCTIONS)


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
    app: Flask, people: list[User], values: dict[str, Any], day: date | None = None
) -> None:
    """``values``: question key -> value (choose-any: a list of option values); unlisted
    questions get 3 (yes for yes/no)."""
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


def group_cells(row: str) -> dict[str, str]:
    """A table row's cells by their data-group."""
    return {part.split('"')[0]: part for part in row.split('data-group="')[1:]}


def test_role_breakdown_shows_leaders_only_when_needed_and_then_neither_alone() -> None:
    every = ["executive", "manager", "employee"]
    leaders = ["leaders", "employee"]
    assert role_breakdown({"executive": 6, "manager": 7, "employee": 12}, 5) == every
    assert role_breakdown({"executive": 3, "manager": 3, "employee": 12}, 5) == leaders
    assert role_breakdown({"executive": 6, "manager": 3, "employee": 12}, 5) == leaders
    assert role_breakdown({"executive": 2, "manager": 9, "employee": 0}, 5) == leaders
    # Together too few: the three groups stay, and suppression hides the small ones as before.
    assert role_breakdown({"executive": 2, "manager": 2, "employee": 12}, 5) == every
    # Nobody is not a small group: no executives and 7 managers need no Leaders.
    assert role_breakdown({"executive": 0, "manager": 7, "employee": 12}, 5) == every
    assert role_breakdown({"executive": 0, "manager": 3, "employee": 12}, 5) == every


def test_a_small_group_is_shown_only_inside_leaders(app: Flask, groups: dict[str, Any]) -> None:
    """6 executives and 3 managers: managers alone are too few, so both are shown together as
    Leaders, and the executives are not shown alone either (Leaders minus executives would be
    the three managers)."""
    day = closed_round(app)
    answer_as(app, groups["executives"], {"strategic": 5}, day)
    answer_as(app, groups["managers"][:3], {"strategic": 1}, day)
    answer_as(app, groups["employees"], {"strategic": 2}, day)
    body = results_page(app, groups["executives"][0])
    cells = group_cells(body.split('data-question="strategic"')[1].split("</tr>")[0])
    assert set(cells) == {"leaders", "employee"}
    assert "3.67 <small>(n=9)</small>" in cells["leaders"]  # (6 x 5 + 3 x 1) / 9
    assert "2.00 <small>(n=12)</small>" in cells["employee"]
    assert "+1.67" in body.split('data-question="strategic"')[1].split("</tr>")[0]
    assert (
        "Executives and managers are shown together as Leaders: fewer than 5 managers answered"
        in body
    )
    assert "(n=3)" not in body and "(n=6)" not in body and "5.00" not in body
    assert (
        '<th scope="col">Executives</th>'
        not in body.split('id="gap-table"')[1].split("</table>")[0]
    )


def test_no_function_gives_away_a_group_next_to_leaders(app: Flask, groups: dict[str, Any]) -> None:
    """6 executives (all in leadership), 3 managers and 8 employees (all in engineering).
    Leaders (9) minus leadership (6) would be the three managers, and engineering (11) minus
    employees (8) too: both functions are hidden."""
    day = closed_round(app)
    answer_as(app, groups["executives"], {"strategic": 5}, day)
    answer_as(app, groups["managers"][:3], {"strategic": 1}, day)
    answer_as(app, groups["employees"][:8], {"strategic": 2}, day)
    assert leaky_functions(
        {"leadership": {"executive": 6}, "engineering": {"manager": 3, "employee": 8}},
        ["leaders", "employee"],
        5,
    ) == {"leadership", "engineering"}
    body = results_page(app, groups["executives"][0])
    gap = group_cells(body.split('data-question="strategic"')[1].split("</tr>")[0])
    assert "(n=9)" in gap["leaders"] and "(n=8)" in gap["employee"]
    table = body.split('id="function-table"')[1].split("</table>")[0]
    strategic = table.split("</tr>")[1]
    assert strategic.count("fewer than 5") == 2
    assert "(n=6)" not in table and "(n=11)" not in table


def test_two_small_groups_are_shown_together_as_leaders(app: Flask, groups: dict[str, Any]) -> None:
    day = closed_round(app)
    answer_as(app, groups["executives"][:3], {"strategic": 5}, day)
    answer_as(app, groups["managers"][:3], {"strategic": 3}, day)
    answer_as(app, groups["employees"], {"strategic": 2}, day)
    body = results_page(app, groups["executives"][0])
    cells = group_cells(body.split('data-question="strategic"')[1].split("</tr>")[0])
    assert set(cells) == {"leaders", "employee"}
    assert "4.00 <small>(n=6)</small>" in cells["leaders"]
    assert (
        "Executives and managers are shown together as Leaders: each group alone is too small "
        "to show." in body
    )
    assert "(n=3)" not in body


def test_leaders_too_few_together_are_suppressed_as_before(
    app: Flask, groups: dict[str, Any]
) -> None:
    day = closed_round(app)
    answer_as(app, groups["executives"][:2], {"strategic": 5}, day)
    answer_as(app, groups["managers"][:2], {"strategic": 1}, day)
    answer_as(app, groups["employees"], {"strategic": 2}, day)
    body = results_page(app, groups["executives"][0])
    cells = group_cells(body.split('data-question="strategic"')[1].split("</tr>")[0])
    assert set(cells) == {"executive", "manager", "employee"}
    # 2 + 2 hidden would be 4 < 5: the employees are hidden with them (complementary).
    assert all("fewer than 5" in cell for cell in cells.values())
    assert "shown together as Leaders" not in body
    assert "(n=" not in body.split('id="gap-table"')[1].split("</table>")[0]


def test_over_time_lines_break_at_a_round_where_a_group_is_not_shown(
    app: Flask, groups: dict[str, Any]
) -> None:
    """Four rounds; in the third the managers are too few, so executives and managers are shown
    as Leaders there: their lines stop before it and start again after it, never joined across."""
    rounds = [closed_round(app, back) for back in (5, 4, 3, 2)]
    for index, day in enumerate(rounds):
        managers = groups["managers"][:3] if index == 2 else groups["managers"]
        answer_as(app, groups["executives"], {"strategic": 5}, day)
        answer_as(app, managers, {"strategic": 4}, day)
        answer_as(app, groups["employees"], {"strategic": 2}, day)
    client = app.test_client()
    assert login(client, groups["executives"][0].email).status_code == 302
    body = page(client, f"/pulse/results?round={rounds[1].isoformat()}")
    over_time = body.split('id="time-heading"')[1].split("</details>")[0]
    chart = over_time.split("<svg")[1].split("</svg>")[0]
    executive_lines = re.findall(r'<polyline points="([^"]*)" class="line series-executive"', chart)
    assert len(executive_lines) == 1  # rounds 1-2; round 4 stands alone (a dot, no line)
    assert len(executive_lines[0].split()) == 2
    assert chart.count('class="dot series-executive"') == 3
    leaders_dots = chart.count('class="dot series-leaders"')
    assert leaders_dots == 1 and 'class="line series-leaders"' not in chart
    employee_lines = re.findall(r'<polyline points="([^"]*)" class="line series-employee"', chart)
    assert len(employee_lines) == 1 and len(employee_lines[0].split()) == 4
    table = over_time.split("<table")[1]
    third = table.split("<tr>")[4]  # header, then one row per round
    assert rounds[2].strftime("%d %b %Y") in third
    assert 'data-group="executive"><span class="meta">in Leaders' in third
    assert "4.67 <small>(n=9)</small>" in third  # (6 x 5 + 3 x 4) / 9


def test_line_chart_segments_break_at_gaps() -> None:
    chart = line_chart(
        ["a", "b", "c", "d", "e"],
        [
            ("s", "series-s", [1.0, 2.0, None, 3.0, 4.0]),
            ("t", "series-t", [None, 1.0, None, 2.0, None]),
        ],
        y_min=0,
        y_max=5,
    )
    first, second = chart.series
    assert len(first.segments) == 2 and [len(s.split()) for s in first.segments] == [2, 2]
    assert len(first.dots) == 4
    assert [len(s.split()) for s in second.segments] == [1, 1]


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
    assert 'id="choices"' in body  # the options' shares cost no statement per option or answer
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
    assert sum(counts(app).values()) == 24 * (6 + 1 + 2)  # the answer was counted

    after = [without_tokens(page(executive, url)) for url in urls]
    assert after == before
    assert "At least 20 people have answered the round" in after[0]
    assert "(n=" not in after[0] and "4.00" not in after[0] and "% yes" not in after[0]
    assert 'id="choices"' not in after[0] and "%</td>" not in after[0]


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


# ------------------------------------------------------------------------ questions with options


def test_questions_with_options_are_fieldsets_of_radios_and_checkboxes(
    pulse: dict[str, int],
    make_user: Callable[..., User],
    logged_in: Callable[[User], FlaskClient],
) -> None:
    form = page(logged_in(make_user()), "/pulse/")
    bands = form.split('class="pulse-question choose-one"')[1].split("</fieldset>")[0]
    assert "<legend>Roughly how much do you pay yourself each month" in bands
    assert bands.count('type="radio"') == 4 and "More than 50 a month" in bands
    kinds = form.split('class="pulse-question choose-any"')[1].split("</fieldset>")[0]
    assert "(tick all that apply)</small></legend>" in kinds
    assert kinds.count('type="checkbox"') == 6
    assert f'name="q{pulse["own-tool-kinds"]}"' in kinds
    assert "None: I use only what the company provides" in kinds


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"paid-how-much": "99"}, "Not a valid choice"),
        ({"paid-how-much": "band"}, "Not a valid choice"),
        ({"own-tool-kinds": ["1", "99"]}, "not a valid choice"),
        ({"own-tool-kinds": ["x"]}, "could not be coerced"),
        ({"own-tool-kinds": []}, "Please tick at least one option."),
        ({"own-tool-kinds": ["1", "6"]}, "cannot be ticked together with another option"),
    ],
)
def test_an_unknown_or_impossible_choice_is_a_form_error_and_stores_nothing(
    app: Flask,
    pulse: dict[str, int],
    make_user: Callable[..., User],
    logged_in: Callable[[User], FlaskClient],
    change: dict[str, Any],
    message: str,
) -> None:
    client = logged_in(make_user())
    form = answers_form(pulse)
    for key, value in change.items():
        form[f"q{pulse[key]}"] = value
    response = post(client, "/pulse/ai-at-work", form)
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert message in body and "Please answer every question." in body
    assert counts(app) == {}
    with app.app_context():
        assert db.session.scalar(select(func.count(PulseParticipation.id))) == 0


def test_the_service_refuses_what_the_form_would(
    app: Flask, pulse: dict[str, int], make_user: Callable[..., User]
) -> None:
    """submit_answers checks answers itself: a caller other than the form cannot store an unknown
    option, an empty choice or "none" with another option."""
    from lms.pulse.service import PulseError

    person = make_user()
    with app.app_context():
        user = db.session.get(User, person.id)
        the_pulse = db.session.scalar(select(Pulse))
        assert user is not None and the_pulse is not None
        questions = list(db.session.scalars(select(PulseQuestion)))
        good: dict[int, Any] = {q.id: 1 for q in questions}
        for key, bad in (
            ("paid-how-much", 0),
            ("paid-how-much", [1]),
            ("own-tool-kinds", []),
            ("own-tool-kinds", [1, 1]),
            ("own-tool-kinds", [0]),
            ("own-tool-kinds", [KINDS["none"], KINDS["chat"]]),
            ("strategic", 6),
        ):
            with pytest.raises(PulseError, match="Please answer every question"):
                submit_answers(
                    db.session, user, the_pulse, questions, {**good, pulse[key]: bad}, date.today()
                )
        db.session.rollback()
    assert counts(app) == {}


def choice_cells(body: str, key: str, option: str) -> dict[str, str]:
    """The cells of one option's row in a question's table of shares, by group."""
    table = body.split(f'class="choice-result" data-question="{key}"')[1].split("</table>")[0]
    if option == "respondents":
        return group_cells(table.split('class="respondents"')[1].split("</tr>")[0])
    value = (BANDS if key == "paid-how-much" else KINDS)[option]
    return group_cells(table.split(f'data-option="{value}"')[1].split("</tr>")[0])


def test_shares_per_option_and_group_for_a_closed_round(app: Flask, groups: dict[str, Any]) -> None:
    day = closed_round(app)
    answer_as(app, groups["executives"], {"paid-how-much": 1, "own-tool-kinds": [1]}, day)
    answer_as(app, groups["managers"], {"paid-how-much": 2, "own-tool-kinds": [2]}, day)
    employees = groups["employees"]
    answer_as(app, employees[:6], {"paid-how-much": 4, "own-tool-kinds": [1, 2, 3]}, day)
    answer_as(app, employees[6:9], {"paid-how-much": 1, "own-tool-kinds": [1]}, day)
    answer_as(app, employees[9:], {"paid-how-much": 1, "own-tool-kinds": [6]}, day)
    body = results_page(app, groups["executives"][0])
    assert "Questions with options" in body
    over_50 = choice_cells(body, "paid-how-much", "over-50")
    assert set(over_50) == {"executive", "manager", "employee"}
    assert "50%" in over_50["employee"] and "0%" in over_50["executive"]
    assert "100%" in choice_cells(body, "paid-how-much", "under-20")["manager"]
    # A share of the people who answered: ticking several options adds up to more than 100 %.
    chat = choice_cells(body, "own-tool-kinds", "chat")
    assert "75%" in chat["employee"] and "100%" in chat["executive"] and "0%" in chat["manager"]
    assert "50%" in choice_cells(body, "own-tool-kinds", "coding")["employee"]
    assert "25%" in choice_cells(body, "own-tool-kinds", "none")["employee"]
    respondents = choice_cells(body, "own-tool-kinds", "respondents")
    assert [respondents[g].split(">")[1].split("<")[0] for g in ("executive", "manager")] == [
        "6",
        "7",
    ]
    assert ">12<" in respondents["employee"]
    # The bars: width classes in steps of 5 %, no style attribute.
    bars = body.split('class="choice-result" data-question="own-tool-kinds"')[1].split("<table")[0]
    assert 'class="seg series-employee w-75"' in bars and "style=" not in bars
    # No mean for questions with options: not in the gap, by function, or over time.
    assert (
        'data-question="paid-how-much"' not in body.split('id="gap-table"')[1].split("</table>")[0]
    )
    assert "Roughly how much" not in body.split('id="function-table"')[1].split("</table>")[0]
    assert body.count("Roughly how much do you pay") == 2  # its heading and its table's label


def test_a_small_group_is_hidden_in_the_shares_with_its_complement(
    app: Flask, groups: dict[str, Any]
) -> None:
    """6 executives, 7 managers, 3 employees: the employees are too few, and hidden alone they
    could be worked out from a total, so the next smallest group (executives) is hidden too."""
    day = closed_round(app)
    answer_as(app, groups["executives"], {"own-tool-kinds": [1]}, day)
    answer_as(app, groups["managers"], {"own-tool-kinds": [2]}, day)
    answer_as(app, groups["employees"][:3], {"own-tool-kinds": [1, 3]}, day)
    body = results_page(app, groups["executives"][0])
    chat = choice_cells(body, "own-tool-kinds", "chat")
    assert "fewer than 5" in chat["employee"] and "fewer than 5" in chat["executive"]
    assert "0%" in chat["manager"]
    respondents = choice_cells(body, "own-tool-kinds", "respondents")
    assert "fewer than 5" in respondents["employee"] and ">7<" in respondents["manager"]
    coding = choice_cells(body, "own-tool-kinds", "coding")
    assert "%" not in coding["employee"] and "%" not in coding["executive"]


def test_the_leaders_rule_applies_to_the_shares(app: Flask, groups: dict[str, Any]) -> None:
    """6 executives and 3 managers: shown together as Leaders, neither alone."""
    day = closed_round(app)
    answer_as(app, groups["executives"], {"paid-how-much": 1}, day)
    answer_as(app, groups["managers"][:3], {"paid-how-much": 4}, day)
    answer_as(app, groups["employees"], {"paid-how-much": 4}, day)
    body = results_page(app, groups["executives"][0])
    over_50 = choice_cells(body, "paid-how-much", "over-50")
    assert set(over_50) == {"leaders", "employee"}
    assert "33%" in over_50["leaders"] and "100%" in over_50["employee"]  # 3 of 9; 12 of 12
    assert ">9<" in choice_cells(body, "paid-how-much", "respondents")["leaders"]
    choices = body.split('id="choices"')[1].split("</section>")[0]
    assert "Executives</th>" not in choices and "Managers</th>" not in choices


def test_an_open_round_shows_no_shares(app: Flask, groups: dict[str, Any]) -> None:
    answer_as(app, groups["employees"], {"paid-how-much": 4, "own-tool-kinds": [1, 2]})
    body = results_page(app, groups["executives"][0])
    assert "At least 10 people have answered the round" in body
    assert 'id="choices"' not in body and "Questions with options" not in body
    assert "%</td>" not in body and "More than 50 a month" not in body
