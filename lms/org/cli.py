"""``flask --app wsgi lms snapshots take``: weekly, from cron (idempotent per week)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from lms.extensions import db
from lms.inputs import cli_day

snapshots_cli = AppGroup("snapshots", help="Weekly snapshots behind the organisation trends.")


@snapshots_cli.command("take")
@click.option(
    "--week",
    "week_text",
    default=None,
    metavar="YYYY-MM-DD",
    help="Any day of the week to take (default: this week). Weeks start on Monday (UTC).",
)
@click.option(
    "--weeks",
    default=1,
    show_default=True,
    type=click.IntRange(1, 520),
    help="Also take this many weeks back (to fill in history).",
)
def take_snapshots_command(week_text: str | None, weeks: int) -> None:
    """Compute and store the week's figures per function, department and the whole organisation.

    Taking a week again replaces its figures (one row per week and group).
    """
    from datetime import timedelta

    from lms.org.snapshots import MEASURED, take_snapshot, week_start
    from lms.people.models import utcnow

    day = cli_day(week_text, "--week") or utcnow().date()
    last = week_start(day)
    for back in range(weeks - 1, -1, -1):
        start = last - timedelta(weeks=back)
        rows = take_snapshot(db.session, start)
        overall = next((row for row in rows if row.group_type == "all"), None)
        measured = next(
            (row for row in rows if row.group_type == MEASURED and row.group_key == "all"), None
        )
        summary = (
            f"{overall.people} people, {measured.people if measured else 0} measured, "
            f"{measured.practising_share if measured else 0:.0%} of the measured at level 2+, "
            f"{overall.active_learners} active, {overall.completions} completion(s)"
            if overall
            else "no one"
        )
        click.echo(f"Week of {start.isoformat()}: {len(rows)} group(s); {summary}.")
    db.session.commit()


def run_demo_insights(people: int | None, seed: int) -> None:
    """The demo's history: for the small demo, once, generated learning history, the demo
    logins' story (``lms.demo_story``) and pulse answers, and on every run the badges and
    certificates due and weekly snapshots; with ``people``, the large generated organisation
    (``lms.demo_large``). Commits."""
    from lms.demo import DEMO_LOGINS, DEMO_ORG_CSV, DEMO_PASSWORD
    from lms.demo_large import (
        LargeDemoError,
        build_large_org,
        existing_marker,
        seed_demo_extras,
    )
    from lms.people.services import find_user_by_email, hash_password

    emails = [line.split(",", 1)[0] for line in DEMO_ORG_CSV.splitlines()[1:] if line]
    done = seed_demo_extras(db.session, emails, list(DEMO_LOGINS.values()))
    db.session.commit()
    click.echo(f"Dashboards: {'; '.join(done)}.")
    if people is None:
        return
    wanted = f"people={people} seed={seed}"
    marker = existing_marker(db.session)
    if marker == wanted:
        click.echo(f"Large organisation: already set up ({marker}); nothing to do.")
        return
    ceo = find_user_by_email(db.session, DEMO_LOGINS["executive/admin"])
    if ceo is None:
        raise click.ClickException("The demo CEO is missing; run the demo without --people first.")
    try:
        result = build_large_org(
            db.session, people, seed, ceo=ceo, password_hash=hash_password(DEMO_PASSWORD)
        )
    except LargeDemoError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    db.session.commit()
    rows = sum(result.rows.values())
    click.echo(
        f"Large organisation: {result.people} people under {result.top_email}, "
        f"{rows:,} rows in {result.seconds:.1f} s."
    )
    for table, count in sorted(result.rows.items()):
        click.echo(f"  {table:<22} {count:>9,}")
    click.echo("Some generated logins (same password):")
    for role, email in result.sample_logins.items():
        click.echo(f"  {role:<16} {email}")
    from lms.summaries.cli import refresh_and_report

    refresh_and_report()  # the large teams' dashboards open at once
