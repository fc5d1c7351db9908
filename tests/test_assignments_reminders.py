"""``lms reminders send``: who is reminded, at most once a day, in-app and by email (logged in
development, SMTP when configured: a tiny real SMTP server on 127.0.0.1 receives them here)."""

from __future__ import annotations

import logging
import socketserver
import threading
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from flask import Flask
from sqlalchemy import func, select, update

from lms.assignments.models import Assignment
from lms.assignments.service import assign_course, send_reminders
from lms.courses.models import Course
from lms.extensions import db
from lms.learn.models import Enrolment
from lms.notifications.models import Notification
from lms.people.models import User
from tests.learn_helpers import course_id, publish_spec, sentinel_course

TODAY = date(2031, 3, 10)


def run(app: Flask, *args: str) -> Result:
    return app.test_cli_runner().invoke(args=["lms", *args])


@pytest.fixture
def team(app: Flask, make_user: Callable[..., User], tmp_path: Path) -> dict[str, User]:
    publish_spec(app, tmp_path, sentinel_course("remind-me"))
    boss = make_user(name="Boss")
    people = {
        "overdue": make_user(name="Olly Overdue", manager=boss),
        "soon": make_user(name="Sue Soon", manager=boss),
        "today": make_user(name="Tim Today", manager=boss),
        "later": make_user(name="Lou Later", manager=boss),
        "done": make_user(name="Dee Done", manager=boss),
        "gone": make_user(name="Gil Gone", manager=boss),
    }
    due = {
        "overdue": TODAY - timedelta(days=4),
        "soon": TODAY + timedelta(days=3),
        "today": TODAY,
        "later": TODAY + timedelta(days=10),
        "done": TODAY - timedelta(days=1),
        "gone": TODAY - timedelta(days=1),
    }
    with app.app_context():
        manager = db.session.get(User, boss.id)
        course = db.session.get(Course, course_id(app, "remind-me"))
        assert manager is not None and course is not None
        for key, person in people.items():
            assign_course(db.session, manager, course, [person.id], due[key], "")
        db.session.execute(
            update(Enrolment)
            .where(Enrolment.user_id == people["done"].id)
            .values(completed_at=func.current_timestamp())
        )  # a bulk write: the reminder run copies the completion over first
        db.session.execute(update(User).where(User.id == people["gone"].id).values(active=False))
        db.session.commit()
        db.session.remove()
    return people


def reminder_count(app: Flask) -> dict[int, int]:
    with app.app_context():
        rows = db.session.execute(
            select(Notification.user_id, func.count(Notification.id))
            .where(Notification.kind == "reminder")
            .group_by(Notification.user_id)
        ).all()
        db.session.remove()
    return {user_id: count for user_id, count in rows}


def test_due_soon_and_overdue_are_reminded_once_a_day(
    app: Flask, team: dict[str, User], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="lms.mail")
    first = run(app, "reminders", "send", "--today", TODAY.isoformat())
    assert first.exit_code == 0, first.output
    reminded = {team[k].id for k in ("overdue", "soon", "today")}
    assert set(reminder_count(app)) == reminded
    assert "Sent 3 reminder(s) for 2031-03-10" in first.output
    assert f"{team['overdue'].email}: remind-me (overdue 2031-03-06)" in first.output
    assert f"{team['soon'].email}: remind-me (due 2031-03-13)" in first.output
    mails = [r.getMessage() for r in caplog.records if r.name == "lms.mail"]
    assert len(mails) == 3
    assert any(team["overdue"].email in m and "is overdue" in m for m in mails)

    again = run(app, "reminders", "send", "--today", TODAY.isoformat())
    assert again.exit_code == 0
    assert "Sent 0 reminder(s)" in again.output
    assert reminder_count(app) == dict.fromkeys(reminded, 1)

    with app.app_context():
        done = db.session.scalar(
            select(Assignment.completed_at).where(Assignment.user_id == team["done"].id)
        )
    assert done is not None  # copied from the enrolment by the run

    tomorrow = run(app, "reminders", "send", "--today", (TODAY + timedelta(days=1)).isoformat())
    assert "Sent 3 reminder(s)" in tomorrow.output
    assert reminder_count(app) == dict.fromkeys(reminded, 2)


def test_the_window_is_configurable(app: Flask, team: dict[str, User]) -> None:
    result = run(app, "reminders", "send", "--today", TODAY.isoformat(), "--days", "0")
    assert "Sent 2 reminder(s)" in result.output  # overdue and due today, not in 3 days
    wide = run(app, "reminders", "send", "--today", TODAY.isoformat(), "--days", "14")
    assert "Sent 2 reminder(s)" in wide.output  # the two left: in 3 and in 10 days


def test_the_claim_is_a_conditional_update(app: Flask, team: dict[str, User]) -> None:
    """An assignment another run already reminded today is not reminded again, even when it was
    selected before that run committed."""
    with app.app_context():
        db.session.execute(
            update(Assignment)
            .where(Assignment.user_id == team["overdue"].id)
            .values(last_reminded_on=TODAY)
        )
        db.session.commit()
        sent = send_reminders(db.session, TODAY, 3)
        db.session.commit()
    assert {r.user_id for r in sent} == {team["soon"].id, team["today"].id}


def test_bad_day_is_an_error(app: Flask) -> None:
    result = run(app, "reminders", "send", "--today", "10/03/2031")
    assert result.exit_code != 0 and "--today must be YYYY-MM-DD" in result.output


# ---------------------------------------------------------------------------------- over SMTP


class SMTPHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP to receive messages (EHLO, MAIL, RCPT, DATA, QUIT)."""

    received: list[dict[str, Any]]

    def reply(self, line: str) -> None:
        self.wfile.write((line + "\r\n").encode())

    def handle(self) -> None:
        self.reply("220 test ready")
        message: dict[str, Any] = {"to": []}
        while True:
            raw = self.rfile.readline()
            if not raw:
                return
            command = raw.decode().strip()
            verb = command[:4].upper()
            if verb in {"EHLO", "HELO"}:
                self.reply("250 test")
            elif verb == "MAIL":
                message = {"from": command, "to": []}
                self.reply("250 ok")
            elif verb == "RCPT":
                message["to"].append(command)
                self.reply("250 ok")
            elif verb == "DATA":
                self.reply("354 go on")
                lines = []
                while (line := self.rfile.readline().decode()) not in {".\r\n", ""}:
                    lines.append(line)
                message["data"] = "".join(lines)
                self.server.received.append(message)  # type: ignore[attr-defined]
                self.reply("250 queued")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 ok")


@pytest.fixture
def smtp_server() -> Iterator[tuple[int, list[dict[str, Any]]]]:
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), SMTPHandler)
    server.received = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], server.received  # type: ignore[attr-defined]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def app_config(smtp_server: tuple[int, list[dict[str, Any]]], request: Any) -> dict[str, Any]:
    if "smtp" not in request.node.name:
        return {}
    return {
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp_server[0],
        "MAIL_SENDER": "LMS <lms@example.com>",
    }


def test_reminders_go_out_over_smtp_when_a_server_is_set(
    app: Flask, team: dict[str, User], smtp_server: tuple[int, list[dict[str, Any]]]
) -> None:
    result = run(app, "reminders", "send", "--today", TODAY.isoformat())
    assert result.exit_code == 0, result.output
    assert "in-app and emailed" in result.output
    received = smtp_server[1]
    assert len(received) == 3
    recipients = {m["to"][0].upper() for m in received}
    assert f"RCPT TO:<{team['overdue'].email}>".upper() in recipients
    overdue = next(m for m in received if team["overdue"].email in m["to"][0])
    assert "Subject: Overdue: Sentinel course" in overdue["data"]
    assert "/courses/remind-me" in overdue["data"]
