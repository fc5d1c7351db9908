""" "Tell us what you use": reports and requests through every status with the reporter told and
seeing the outcome, validation, who may see and triage a report, the leaders' k-anonymous totals
(small groups suppressed), and fixed statement counts."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from lms.extensions import db
from lms.notifications.models import Notification
from lms.people.models import User
from lms.tools.models import ToolReport
from lms.tools.usage import usage_summary
from tests.conftest import table_snapshot
from tests.learn_helpers import client_for, page, post

TOOL: dict[str, str] = {
    "name": "Chat assistant",
    "purpose": "Drafting with your work account",
    "data_public": "allowed",
    "data_internal": "allowed",
    "data_confidential": "ask-first",
    "data_personal": "not-allowed",
    "access": "Sign in at chat.example.com",
    "owner_email": "",
    "licence": "everyone",
    "notes": "",
}
REPORT: dict[str, str] = {
    "kind": "use",
    "tool": "other",
    "other_name": "Free transcriber",
    "frequency": "weekly",
    "pays": "under-20",
    "reason": "Notes of customer calls.",
}


@pytest.fixture
def admin(make_user: Callable[..., User]) -> User:
    return make_user(name="Ada Admin", is_admin=True)


@pytest.fixture
def owner(app: Flask, admin: User) -> FlaskClient:
    return client_for(app, admin)


def add_tool(client: FlaskClient, **changes: str) -> int:
    response = post(client, "/tools/new", {**TOOL, **changes})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return int(response.headers["Location"].rsplit("/", 1)[1])


def send_report(client: FlaskClient, **changes: str) -> int:
    response = post(client, "/tools/report", {**REPORT, **changes})
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return int(response.headers["Location"].rsplit("/", 1)[1])


def decide(client: FlaskClient, report_id: int, **fields: str) -> Any:
    data = {"status": "under-review", "response": "", "covered_by": "", **fields}
    return post(client, f"/tools/reports/{report_id}/status", data)


def notifications(app: Flask, user: User) -> list[tuple[str, str]]:
    with app.app_context():
        rows = db.session.execute(
            select(Notification.text, Notification.url)
            .where(Notification.user_id == user.id)
            .order_by(Notification.id)
        ).all()
        db.session.remove()
    return [(text, url) for text, url in rows]


# ------------------------------------------------------------------------------ reporting


def test_a_report_goes_through_every_status_and_the_reporter_sees_each_outcome(
    app: Flask, owner: FlaskClient, make_user: Callable[..., User]
) -> None:
    covering = add_tool(owner)
    reporter = make_user(name="Rita Reporter")
    client = client_for(app, reporter)
    assert "Nobody gets into trouble for this" in page(client, "/tools/report")
    report_id = send_report(client)
    mine = page(client, "/tools/reports")
    assert "Free transcriber" in mine and "New" in mine
    assert "Not looked at yet" in page(client, f"/tools/reports/{report_id}")
    assert "Free transcriber" in page(owner, "/tools/triage")

    steps = [
        ({"status": "under-review"}, "under review", "is looking at it"),
        ({"status": "approved", "response": "Go ahead."}, "approved", "Go ahead."),
        (
            {"status": "approved-with-conditions", "response": "Public data only."},
            "approved with conditions",
            "Public data only.",
        ),
        ({"status": "declined", "response": "It keeps recordings."}, "declined", "keeps"),
        (
            {"status": "covered", "covered_by": str(covering)},
            "already covered by Chat assistant",
            "Already covered by Chat assistant.",
        ),
    ]
    for number, (fields, words, shown) in enumerate(steps, start=1):
        response = decide(owner, report_id, **fields)
        assert response.status_code == 302, response.get_data(as_text=True)[:2000]
        told = notifications(app, reporter)
        assert len(told) == number
        assert told[-1] == (
            f"Your report about “Free transcriber”: {words}.",
            f"/tools/reports/{report_id}",
        )
        assert shown in page(client, f"/tools/reports/{report_id}")
    assert f'href="/tools/{covering}"' in page(client, f"/tools/reports/{report_id}")
    # Saving the same decision again tells nobody.
    again = decide(owner, report_id, status="covered", covered_by=str(covering))
    assert again.status_code == 302 and len(notifications(app, reporter)) == len(steps)


def test_a_request_and_a_typed_register_name_are_recorded_as_such(
    app: Flask, owner: FlaskClient, make_user: Callable[..., User]
) -> None:
    tool_id = add_tool(owner)
    client = client_for(app, make_user())
    typed = send_report(client, other_name="  chat   ASSISTANT ")
    picked = send_report(client, tool=str(tool_id), other_name="ignored")
    request = send_report(client, kind="request", other_name="Formula helper", pays="nothing")
    with app.app_context():
        rows = {
            report.id: (report.kind, report.tool_id, report.tool_name)
            for report in db.session.scalars(select(ToolReport))
        }
        db.session.remove()
    assert rows[typed] == ("use", tool_id, "Chat assistant")
    assert rows[picked] == ("use", tool_id, "Chat assistant")
    assert rows[request] == ("request", None, "Formula helper")
    assert "You asked for it" in page(client, "/tools/reports")
    assert re.search(
        r'<input checked[^>]*value="request"', page(client, "/tools/report?kind=request")
    )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"tool": ""}, "Choose a tool."),
        ({"tool": "12345"}, "Not a valid choice"),
        ({"other_name": ""}, "Type the tool&#39;s name."),
        ({"other_name": "<b>x</b>"}, "Use letters, digits"),
        ({"kind": "gossip"}, "Not a valid choice"),
        ({"frequency": ""}, "Choose how often."),
        ({"pays": "a lot"}, "Not a valid choice"),
        ({"reason": ""}, "Tell us in a few words why."),
        ({"reason": "x" * 1001}, "Keep it under 1,000 characters."),
        ({"other_name": "Tab\tname"}, "control characters"),
    ],
)
def test_a_bad_report_is_refused_with_a_message_and_nothing_is_written(
    app: Flask, make_user: Callable[..., User], changes: dict[str, str], message: str
) -> None:
    client = client_for(app, make_user())
    before = table_snapshot(app)
    response = post(client, "/tools/report", {**REPORT, **changes})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert table_snapshot(app) == before


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"status": "declined"}, "Say why it is declined"),
        ({"status": "approved-with-conditions"}, "Write the conditions"),
        ({"status": "covered"}, "Choose the approved tool that already covers it."),
        ({"status": "covered", "covered_by": "999999"}, "Not a valid choice"),
        ({"status": "lost"}, "Not a valid choice"),
        ({"status": "approved", "response": "x" * 1001}, "Keep it under 1,000 characters."),
    ],
)
def test_a_decision_missing_its_reason_or_tool_is_refused(
    app: Flask,
    owner: FlaskClient,
    make_user: Callable[..., User],
    fields: dict[str, str],
    message: str,
) -> None:
    report_id = send_report(client_for(app, make_user()))
    before = table_snapshot(app)
    response = decide(owner, report_id, **fields)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert table_snapshot(app) == before


def test_only_the_reporter_and_programme_owners_see_a_report(
    app: Flask, owner: FlaskClient, make_user: Callable[..., User]
) -> None:
    boss = make_user(name="Bo Boss", is_executive=True)
    reporter = make_user(name="Rita Reporter", manager=boss)
    report_id = send_report(client_for(app, reporter))
    assert "Rita Reporter" in page(owner, f"/tools/reports/{report_id}")
    for person in (make_user(), boss, make_user(is_author=True)):
        client = client_for(app, person)
        assert client.get(f"/tools/reports/{report_id}").status_code == 404
        assert "Free transcriber" not in page(client, "/tools/reports")
        assert client.get("/tools/triage").status_code == 403
    # Triage is for programme owners only, the reporter included; nothing changes.
    clients = [client_for(app, person) for person in (reporter, boss)]
    before = table_snapshot(app)
    for client in clients:
        assert decide(client, report_id, status="approved").status_code == 403
    assert table_snapshot(app) == before
    assert owner.get("/tools/reports/999999").status_code == 404
    # The reporter sees their own report, without the triage form.
    own = page(client_for(app, reporter), f"/tools/reports/{report_id}")
    assert "Free transcriber" in own and "Save and tell" not in own


def test_triage_list_filters_by_status(
    app: Flask, owner: FlaskClient, make_user: Callable[..., User]
) -> None:
    client = client_for(app, make_user())
    first = send_report(client, other_name="Alpha tool")
    send_report(client, other_name="Beta tool")
    decide(owner, first, status="declined", response="No.")
    declined = page(owner, "/tools/triage?status=declined")
    assert "Alpha tool" in declined and "Beta tool" not in declined
    assert "Declined (1)" in declined and "New (1)" in declined
    everything = page(owner, "/tools/triage?status=bogus&page=99")
    assert "Alpha tool" in everything and "Beta tool" in everything


# ------------------------------------------------------------------------------ the totals


def reporters(
    app: Flask, make_user: Callable[..., User], function: str, count: int
) -> list[FlaskClient]:
    return [client_for(app, make_user(job_function=function)) for _ in range(count)]


def test_usage_totals_suppress_small_groups(
    app: Flask, owner: FlaskClient, make_user: Callable[..., User]
) -> None:
    add_tool(owner)  # in the register: never among the unapproved tools
    engineers = reporters(app, make_user, "engineering", 6)
    sales = reporters(app, make_user, "sales", 2)
    support = reporters(app, make_user, "customer-support", 3)
    for number, client in enumerate(engineers):
        send_report(client, other_name="Personal chat", pays="nothing" if number else "over-50")
        send_report(client, other_name="personal CHAT", pays="nothing")  # counted once
        send_report(client, other_name="Chat assistant")
    for client in sales:
        send_report(client, other_name="Personal chat", pays="20-50")
    for client in support:
        send_report(client, other_name="Call recorder")
        send_report(client, kind="request", other_name="Formula helper")
    for client in engineers[:2]:
        send_report(client, kind="request", other_name="formula helper")
    with app.app_context():
        usage = usage_summary(db.session, 5)
        db.session.remove()
    assert usage.people == 11 and usage.paying == 3 + 3  # sales 2 + 1 engineer, support 3
    assert [(tool.name, tool.people, tool.paying) for tool in usage.tools] == [
        ("Personal chat", 8, 3)
    ]
    # Sales (2) is too small; hiding it alone would let 8 - 6 give it away: engineering too.
    assert [(group.label, group.people) for group in usage.tools[0].functions] == [
        ("Engineering", None),
        ("Sales", None),
    ]
    assert usage.hidden_tools == 1  # the call recorder: 3 people
    # By function: engineering 6 shown; sales 2 and support 3 hidden together (5 people).
    assert [(group.label, group.people, group.paying) for group in usage.functions] == [
        ("Engineering", 6, 1),
        ("Sales", None, None),
        ("Customer support", None, None),
    ]
    assert [(group.label, group.people) for group in usage.requests] == [("Formula helper", 5)]
    text = page(owner, "/tools/usage")
    assert "Personal chat" in text and "Call recorder" not in text
    assert "fewer than 5" in text and "1 other tool was named by fewer than 5" in text


def test_usage_shows_nothing_below_the_minimum_and_only_to_leaders(
    app: Flask, owner: FlaskClient, make_user: Callable[..., User]
) -> None:
    for client in reporters(app, make_user, "engineering", 4):
        send_report(client, other_name="Personal chat")
    text = page(owner, "/tools/usage")
    assert "Fewer than 5 people have told us" in text and "Personal chat" not in text
    assert page(client_for(app, make_user(is_executive=True)), "/tools/usage")
    for person in (make_user(), make_user(is_author=True)):
        assert client_for(app, person).get("/tools/usage").status_code == 403


@pytest.mark.parametrize("app_config", [{"PULSE_MIN_GROUP": 3}])
def test_usage_follows_the_pulse_minimum_group(
    app: Flask, owner: FlaskClient, make_user: Callable[..., User], app_config: dict[str, Any]
) -> None:
    for client in reporters(app, make_user, "engineering", 3):
        send_report(client, other_name="Personal chat")
    text = page(owner, "/tools/usage")
    assert "<td>Engineering: 3</td>" in text


# ------------------------------------------------------------------------------ statement counts


def test_report_pages_run_a_fixed_number_of_statements(
    app: Flask,
    owner: FlaskClient,
    make_user: Callable[..., User],
    count_statements: Callable[[], Any],
) -> None:
    tool_id = add_tool(owner)
    reporter = client_for(app, make_user())
    first = send_report(reporter)

    def measure(client: FlaskClient, urls: list[str]) -> list[int]:
        counts = []
        for url in urls:
            assert client.get(url).status_code == 200, url
            with count_statements() as counter:
                assert client.get(url).status_code == 200, url
            counts.append(counter.count)
        return counts

    reporter_urls = ["/tools/reports", f"/tools/reports/{first}", "/tools/report"]
    owner_urls = [f"/tools/reports/{first}", "/tools/triage", "/tools/usage"]
    few = measure(reporter, reporter_urls), measure(owner, owner_urls)
    functions = ["engineering", "sales", "hr", "finance"]
    for number in range(16):
        client = (
            reporter
            if number < 4
            else client_for(app, make_user(job_function=functions[number % 4]))
        )
        made = send_report(client, other_name=f"Tool {number % 6}", pays="20-50")
        send_report(client, kind="request", tool=str(tool_id))
        decide(owner, made, status="declined", response="Not now.")
    add_tool(owner, name="Another tool")
    many = measure(reporter, reporter_urls), measure(owner, owner_urls)
    assert few == many
    assert max(few[0]) <= 3 and max(few[1]) <= 4, few  # the session lookup included
