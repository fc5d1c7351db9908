"""``lms reminders send``: who is reminded, at most once a day, in-app and by email (logged in
development, SMTP when configured: a tiny real SMTP server on 127.0.0.1 receives them here)."""

from __future__ import annotations

import logging
import socket
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
from lms.assignments.service import assign_course, claim_reminder, due_reminders
from lms.courses.models import Course, CourseVersion
from lms.extensions import db
from lms.learn.models import Enrolment
from lms.mail import Mail, clean_header, send
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
        due = due_reminders(db.session, TODAY, 3)
        db.session.commit()
        assert {r.user_id for r in due} == {team[k].id for k in ("overdue", "soon", "today")}
        db.session.execute(
            update(Assignment)
            .where(Assignment.user_id == team["overdue"].id)
            .values(last_reminded_on=TODAY)
        )  # another run claims one of them meanwhile
        db.session.commit()
        claimed = [r for r in due if claim_reminder(db.session, r, TODAY)]
        db.session.commit()
    assert {r.user_id for r in claimed} == {team["soon"].id, team["today"].id}


def test_bad_day_is_an_error(app: Flask) -> None:
    result = run(app, "reminders", "send", "--today", "10/03/2031")
    assert result.exit_code != 0 and "--today must be YYYY-MM-DD" in result.output


# ---------------------------------------------------------------------------------- over SMTP


class SMTPServer(socketserver.ThreadingTCPServer):
    """A real SMTP server on 127.0.0.1 for the tests: keeps what it receives, can refuse some
    recipients (550) and can go away after a number of messages."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), SMTPHandler)
        self.received: list[dict[str, Any]] = []
        self.refuse: set[str] = set()  # RCPT TO of these addresses gets a 550
        self.drop_after = 0  # close the connection after this many messages (0: never)

    @property
    def port(self) -> int:
        return int(self.server_address[1])


class SMTPHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP to receive messages (EHLO, MAIL, RCPT, DATA, QUIT)."""

    server: SMTPServer

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
                if any(address in command.lower() for address in self.server.refuse):
                    self.reply("550 no such mailbox")
                    continue
                message["to"].append(command)
                self.reply("250 ok")
            elif verb == "DATA":
                self.reply("354 go on")
                lines = []
                while (line := self.rfile.readline().decode()) not in {".\r\n", ""}:
                    lines.append(line)
                message["data"] = "".join(lines)
                self.server.received.append(message)
                self.reply("250 queued")
                if len(self.server.received) == self.server.drop_after:
                    return  # the server goes away in the middle of a run
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 ok")


@pytest.fixture
def smtp_server() -> Iterator[SMTPServer]:
    server = SMTPServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def app_config(smtp_server: SMTPServer, request: Any) -> dict[str, Any]:
    if "smtp" not in request.node.name:
        return {}
    return {
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp_server.port,
        "MAIL_SENDER": "LMS <lms@example.com>",
    }


def test_reminders_go_out_over_smtp_when_a_server_is_set(
    app: Flask, team: dict[str, User], smtp_server: SMTPServer
) -> None:
    result = run(app, "reminders", "send", "--today", TODAY.isoformat())
    assert result.exit_code == 0, result.output
    assert "in-app and emailed" in result.output
    received = smtp_server.received
    assert len(received) == 3
    recipients = {m["to"][0].upper() for m in received}
    assert f"RCPT TO:<{team['overdue'].email}>".upper() in recipients
    overdue = next(m for m in received if team["overdue"].email in m["to"][0])
    assert "Subject: Overdue: Sentinel course" in overdue["data"]
    assert "/courses/remind-me" in overdue["data"]


# -------------------------------------------- one message failing never stops the others (issue 17)


def recipients(server: SMTPServer) -> list[str]:
    return [m["to"][0].split(":", 1)[1].strip("<>").lower() for m in server.received]


def last_reminded(app: Flask, user: User) -> date | None:
    with app.app_context():
        day = db.session.scalar(
            select(Assignment.last_reminded_on).where(Assignment.user_id == user.id)
        )
        db.session.remove()
    return day


def test_smtp_a_newline_in_a_course_title_still_delivers_every_reminder(
    app: Flask,
    team: dict[str, User],
    tmp_path: Path,
    make_user: Callable[..., User],
    smtp_server: SMTPServer,
) -> None:
    """Before: the header raised after every assignment was marked reminded, so nobody got an
    email and the rerun sent nothing. Now the title becomes one clean subject line."""
    publish_spec(app, tmp_path, sentinel_course("bad-title"))
    newcomer = make_user(name="Nell New")
    with app.app_context():
        db.session.execute(
            update(CourseVersion)
            .where(CourseVersion.course_id == course_id(app, "bad-title"))
            .values(title="Bad\ntitle\r\nBcc: everyone@example.com\x1b\u2028end")
        )
        manager = db.session.get(User, newcomer.id)
        course = db.session.get(Course, course_id(app, "bad-title"))
        assert manager is not None and course is not None
        assign_course(db.session, manager, course, [newcomer.id], TODAY, "")
        db.session.commit()
        db.session.remove()

    result = run(app, "reminders", "send", "--today", TODAY.isoformat())

    assert result.exit_code == 0, result.output
    assert "Sent 4 reminder(s)" in result.output
    assert sorted(recipients(smtp_server)) == sorted(
        [newcomer.email, *(team[k].email for k in ("overdue", "soon", "today"))]
    )
    bad = next(m for m in smtp_server.received if newcomer.email in m["to"][0])
    headers = bad["data"].split("\r\n\r\n", 1)[0]
    assert "Subject: Due 10 Mar: Bad title Bcc: everyone@example.com end\r\n" in headers + "\r\n"
    assert "\r\nBcc:" not in headers and not headers.startswith("Bcc:")
    assert set(reminder_count(app)) == {
        newcomer.id,
        *(team[k].id for k in ("overdue", "soon", "today")),
    }
    again = run(app, "reminders", "send", "--today", TODAY.isoformat())
    assert "Sent 0 reminder(s)" in again.output and len(smtp_server.received) == 4


def test_smtp_a_refused_message_fails_alone_is_reported_and_retried(
    app: Flask, team: dict[str, User], make_user: Callable[..., User], smtp_server: SMTPServer
) -> None:
    refused = add_overdue_person(app, make_user, "refused.person@example.com")
    smtp_server.refuse.add(refused.email)

    first = run(app, "reminders", "send", "--today", TODAY.isoformat())

    assert first.exit_code == 1
    assert "Sent 3 reminder(s)" in first.output
    assert f"{refused.email}: remind-me: not sent: the mail server refused" in first.output
    assert "1 reminder(s) not sent (1 failed, 0 not tried); the next run tries them again" in (
        first.output
    )
    assert "Traceback" not in first.output
    assert sorted(recipients(smtp_server)) == sorted(
        team[k].email for k in ("overdue", "soon", "today")
    )
    assert refused.id not in reminder_count(app)  # its in-app notification went with the claim
    assert last_reminded(app, refused) is None and last_reminded(app, team["soon"]) == TODAY

    still = run(app, "reminders", "send", "--today", TODAY.isoformat())
    assert still.exit_code == 1 and "Sent 0 reminder(s)" in still.output
    assert len(smtp_server.received) == 3  # the others were not sent twice

    smtp_server.refuse.clear()  # the mailbox exists now
    retry = run(app, "reminders", "send", "--today", TODAY.isoformat())
    assert retry.exit_code == 0, retry.output
    assert "Sent 1 reminder(s)" in retry.output
    assert recipients(smtp_server)[-1] == refused.email
    assert reminder_count(app)[refused.id] == 1


def test_an_address_that_cannot_be_a_header_fails_alone_when_mail_is_logged(
    app: Flask,
    team: dict[str, User],
    make_user: Callable[..., User],
    caplog: pytest.LogCaptureFixture,
) -> None:
    broken = add_overdue_person(app, make_user, "broken\r\nbcc@example.com")
    caplog.set_level(logging.INFO, logger="lms.mail")

    result = run(app, "reminders", "send", "--today", TODAY.isoformat())

    assert result.exit_code == 1
    assert "Sent 3 reminder(s)" in result.output and "cannot build the message" in result.output
    mails = [r.getMessage() for r in caplog.records if r.name == "lms.mail"]
    assert len(mails) == 3 and not any("broken" in m for m in mails)
    assert last_reminded(app, broken) is None


def test_smtp_an_unreachable_server_claims_nothing_and_the_next_run_sends_all(
    app: Flask, team: dict[str, User], smtp_server: SMTPServer
) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    app.config["MAIL_PORT"] = closed_port

    down = run(app, "reminders", "send", "--today", TODAY.isoformat())

    assert down.exit_code == 1
    assert f"Stopped: mail server 127.0.0.1:{closed_port} unavailable" in down.output
    assert "3 reminder(s) not sent (0 failed, 3 not tried)" in down.output
    assert reminder_count(app) == {}
    app.config["MAIL_PORT"] = smtp_server.port
    up = run(app, "reminders", "send", "--today", TODAY.isoformat())
    assert up.exit_code == 0 and "Sent 3 reminder(s)" in up.output
    assert len(smtp_server.received) == 3


def test_smtp_a_server_that_goes_away_mid_run_keeps_what_it_took(
    app: Flask, team: dict[str, User], smtp_server: SMTPServer
) -> None:
    smtp_server.drop_after = 1

    first = run(app, "reminders", "send", "--today", TODAY.isoformat())

    assert first.exit_code == 1
    assert "Sent 1 reminder(s)" in first.output
    assert "2 reminder(s) not sent (0 failed, 2 not tried)" in first.output
    assert len(reminder_count(app)) == 1  # only the reminder whose email was handed over
    smtp_server.drop_after = 0
    second = run(app, "reminders", "send", "--today", TODAY.isoformat())
    assert second.exit_code == 0 and "Sent 2 reminder(s)" in second.output
    assert sorted(recipients(smtp_server)) == sorted(
        team[k].email for k in ("overdue", "soon", "today")
    )


def test_header_values_become_one_clean_line() -> None:
    assert clean_header(" Bad\ntitle\r\n\tBcc: x@y\x00\x1b[31m\u2028\u2029\x85end ") == (
        "Bad title Bcc: x@y [31m end"
    )
    assert clean_header("Ünïcödé — ok") == "Ünïcödé — ok"


def test_send_isolates_each_message(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="lms.mail")
    mails = [
        Mail("a@example.com", "Due:\nsoon", "body"),
        Mail("bad\n@example.com", "Due", "body"),
        Mail("c@example.com", "Due", "body"),
    ]
    report = send({}, mails)
    assert (report.sent, report.failed, report.logged_only) == (2, 1, True)
    assert [mail.to for mail, _ in report.failures] == ["bad\n@example.com"]
    assert "subject=Due: soon" in caplog.text


def add_overdue_person(app: Flask, make_user: Callable[..., User], email: str) -> User:
    """Someone with the remind-me course assigned and overdue."""
    person = make_user(email=email, name="Pat Problem")
    with app.app_context():
        course = db.session.get(Course, course_id(app, "remind-me"))
        manager = db.session.get(User, person.id)
        assert course is not None and manager is not None
        assign_course(db.session, manager, course, [person.id], TODAY - timedelta(days=2), "")
        db.session.commit()
        db.session.remove()
    return person
