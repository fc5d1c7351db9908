"""``flask --app wsgi lms summaries ...``: the stored dashboard summaries."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from lms.extensions import db
from lms.people.models import utcnow
from lms.summaries.refresh import refresh_all
from lms.summaries.store import Policy, forget

summaries_cli = AppGroup("summaries", help="Stored dashboard summaries of large teams.")


def refresh_and_report() -> None:
    """Recompute every stored summary and print one line each. Commits."""
    policy = Policy.from_config(current_app.config)
    done = refresh_all(db.session, utcnow(), policy)
    db.session.commit()
    stored = [item for item in done if item.stored]
    for item in stored:
        click.echo(f"  {item.key:<24} {item.people:>7,} people  {item.seconds * 1000:>8,.0f} ms")
    total = sum(item.seconds for item in done)
    click.echo(
        f"Summaries: {len(stored)} stored (scopes of {policy.live_below}+ people) in {total:.1f} s."
    )


@summaries_cli.command("refresh")
def refresh_command() -> None:
    """Recompute the stored summaries now. Run it from cron (every few minutes, at most
    LMS_SUMMARY_MAX_AGE_SECONDS apart) so no manager waits for a large team's figures."""
    refresh_and_report()


@summaries_cli.command("clear")
def clear_command() -> None:
    """Delete every stored summary; the next view of each dashboard recomputes it."""
    forget(db.session)
    db.session.commit()
    click.echo("Stored summaries deleted.")
