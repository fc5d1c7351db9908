"""``flask --app wsgi lms reminders send``: for cron."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import click
from flask import current_app
from flask.cli import AppGroup

from lms.extensions import db
from lms.inputs import cli_day
from lms.mail import Mailer, MailError, MailUnavailable, open_mailer

if TYPE_CHECKING:
    from lms.assignments.service import Reminder

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
    skipped. Each reminder is committed only once its email was handed over, so one that failed
    (reported here, exit status 1) is tried again by the next run. Prints one line per reminder.
    """
    from lms.assignments.service import due_reminders
    from lms.people.models import utcnow

    today = cli_day(today_text, "--today") or utcnow().date()
    reminders = due_reminders(db.session, today, days)
    db.session.commit()  # the completions copied over
    base_url = str(current_app.config.get("BASE_URL") or "http://127.0.0.1:5000")
    run = ReminderRun(due=len(reminders))
    try:
        with open_mailer(current_app.config) as mailer:
            run.logged_only = mailer.logged_only
            _remind_each(mailer, reminders, today, base_url, run)
    except MailUnavailable as error:
        run.stopped = str(error)
    _report(run, today)


@dataclass
class ReminderRun:
    due: int
    sent: int = 0
    failed: int = 0
    skipped: int = 0  # reminded today by another run meanwhile
    logged_only: bool = False
    stopped: str = ""  # why the run stopped early (the mail server went away)


def _remind_each(
    mailer: Mailer, reminders: list[Reminder], today: date, base_url: str, run: ReminderRun
) -> None:
    """One transaction per reminder: claim it, hand its email over, then commit. A message that
    fails rolls back its own claim and notification only; the rest go on."""
    from lms.assignments.service import claim_reminder, reminder_mail

    for reminder in reminders:
        if not claim_reminder(db.session, reminder, today):
            db.session.rollback()  # another run reminded it today
            run.skipped += 1
            continue
        try:
            mailer.send(reminder_mail(reminder, base_url))
        except MailUnavailable:
            db.session.rollback()
            raise
        except MailError as error:
            db.session.rollback()
            run.failed += 1
            click.echo(f"{reminder.email}: {reminder.course_slug}: not sent: {error}", err=True)
            continue
        db.session.commit()
        run.sent += 1
        state = "overdue" if reminder.overdue else "due"
        click.echo(
            f"{reminder.email}: {reminder.course_slug} ({state} {reminder.due_on.isoformat()})"
        )


def _report(run: ReminderRun, today: date) -> None:
    where = "logged (no LMS_MAIL_SERVER)" if run.logged_only else "emailed"
    click.echo(f"Sent {run.sent} reminder(s) for {today.isoformat()}: in-app and {where}.")
    left = run.due - run.sent - run.failed - run.skipped if run.stopped else 0
    if run.stopped:
        click.echo(f"Stopped: {run.stopped}.", err=True)
    if run.failed or left:
        # Not claimed: the next run sends them (minus any that another run reminded meanwhile).
        raise click.ClickException(
            f"{run.failed + left} reminder(s) not sent ({run.failed} failed, {left} not tried); "
            "the next run tries them again."
        )
