"""``flask --app wsgi lms office-hours remind``: for cron (e.g. hourly)."""

from __future__ import annotations

from datetime import UTC, datetime

import click
from flask import current_app
from flask.cli import AppGroup

from lms.extensions import db
from lms.mail import MailError, MailUnavailable, open_mailer
from lms.officehours.reminders import claim_reminder, due_reminders, reminder_mail
from lms.people.models import utcnow

office_hours_cli = AppGroup("office-hours", help="Office hours.")


@office_hours_cli.command("remind")
@click.option(
    "--now",
    "now_text",
    default=None,
    metavar="YYYY-MM-DDTHH:MM",
    help="Run as if it were this moment, in UTC (default: now).",
)
def remind_command(now_text: str | None) -> None:
    """Remind confirmed people of sessions starting within the next 24 hours: in-app and by email.

    Safe to run as often as you like: each person is reminded once per session. A reminder is
    committed only once its email was handed over, so one that failed (exit status 1) is tried
    again by the next run.
    """
    now = _moment(now_text) if now_text else utcnow()
    reminders = due_reminders(db.session, now)
    db.session.rollback()  # nothing read is kept: each reminder is its own transaction
    base_url = str(current_app.config.get("BASE_URL") or "http://127.0.0.1:5000")
    sent = failed = 0
    stopped = ""
    try:
        with open_mailer(current_app.config) as mailer:
            for reminder in reminders:
                if not claim_reminder(db.session, reminder, now):
                    db.session.rollback()  # another run reminded this person meanwhile
                    continue
                try:
                    mailer.send(reminder_mail(reminder, base_url))
                except MailUnavailable:
                    db.session.rollback()
                    raise
                except MailError as error:
                    db.session.rollback()
                    failed += 1
                    click.echo(f"{reminder.email}: {reminder.title}: not sent: {error}", err=True)
                    continue
                db.session.commit()
                sent += 1
                click.echo(f"{reminder.email}: {reminder.title} ({reminder.when})")
    except MailUnavailable as error:
        stopped = str(error)
    click.echo(f"Sent {sent} office-hours reminder(s).")
    if stopped or failed:
        raise click.ClickException(
            f"{failed} reminder(s) failed{'; stopped: ' + stopped if stopped else ''}; "
            "the next run tries them again."
        )


def _moment(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as error:
        raise click.BadParameter("use YYYY-MM-DDTHH:MM (UTC)", param_hint="--now") from error
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment
