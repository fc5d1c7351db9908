"""``flask --app wsgi lms reminders send``: for cron."""

from __future__ import annotations

from datetime import date

import click
from flask import current_app
from flask.cli import AppGroup

from lms.extensions import db

reminders_cli = AppGroup("reminders", help="Reminders for assigned courses.")


@reminders_cli.command("send")
@click.option(
    "--today",
    "today_text",
    default=None,
    metavar="YYYY-MM-DD",
    help="Run as if today were this day (default: today, UTC).",
)
@click.option(
    "--days",
    default=3,
    show_default=True,
    type=click.IntRange(0, 60),
    help="Remind assignments due within this many days (overdue ones always).",
)
def send_reminders_command(today_text: str | None, days: int) -> None:
    """Remind open assignments due soon or overdue: in-app and by email, at most once a day.

    Safe to run as often as you like (e.g. hourly from cron): an assignment reminded today is
    skipped. Prints one line per reminder sent.
    """
    from lms.assignments.service import reminder_email_body, send_reminders
    from lms.mail import Mail, send
    from lms.people.models import utcnow

    try:
        today = date.fromisoformat(today_text) if today_text else utcnow().date()
    except ValueError as error:
        raise click.ClickException(f"--today must be YYYY-MM-DD, not {today_text!r}") from error
    reminders = send_reminders(db.session, today, days)
    db.session.commit()
    base_url = str(current_app.config.get("BASE_URL") or "http://127.0.0.1:5000")
    report = send(
        current_app.config,
        [
            Mail(
                to=reminder.email,
                subject=(
                    f"Overdue: {reminder.course_title}"
                    if reminder.overdue
                    else f"Due {reminder.due_on:%d %b}: {reminder.course_title}"
                ),
                body=reminder_email_body(reminder, base_url),
            )
            for reminder in reminders
        ],
    )
    for reminder in reminders:
        state = "overdue" if reminder.overdue else "due"
        click.echo(
            f"{reminder.email}: {reminder.course_slug} ({state} {reminder.due_on.isoformat()})"
        )
    where = "logged (no LMS_MAIL_SERVER)" if report.logged_only else "emailed"
    click.echo(
        f"Sent {len(reminders)} reminder(s) for {today.isoformat()}: in-app and {where}"
        + (f", {report.failed} email(s) failed" if report.failed else "")
        + "."
    )
    if report.failed:
        raise SystemExit(1)
