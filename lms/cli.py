"""``flask --app wsgi lms ...`` commands. Each command commits once, at the end, or not at all."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app, url_for
from flask.cli import AppGroup
from sqlalchemy.exc import OperationalError, ProgrammingError

from lms.assessment.cli import quiz_cli
from lms.assignments.cli import reminders_cli
from lms.extensions import db
from lms.officehours.cli import office_hours_cli
from lms.org.cli import run_demo_insights, snapshots_cli
from lms.people.importer import OrgImportError, import_org_chart
from lms.people.models import JOB_FUNCTIONS
from lms.people.services import NewUser, PeopleError, create_user, issue_password_token
from lms.pulse.cli import check_pulses, publish_pulses
from lms.search.cli import search_cli
from lms.summaries.cli import summaries_cli


class LmsGroup(AppGroup):
    """The ``lms`` command group. A command run on a database that was never migrated says what
    to run, in one line, instead of a traceback about a missing table."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (OperationalError, ProgrammingError) as error:
            if not _missing_table(error):
                raise
            raise click.ClickException(
                "The database has no tables yet: run `flask --app wsgi db upgrade` first."
            ) from error


def _missing_table(error: Exception) -> bool:
    text = str(getattr(error, "orig", error)).lower()
    return "no such table" in text or ("relation" in text and "does not exist" in text)


lms_cli = LmsGroup("lms", help="ai-literacy-lms administration.")
users_cli = AppGroup("users", help="People and accounts.")
org_cli = AppGroup("org", help="The organisation chart.")
lms_cli.add_command(users_cli)
lms_cli.add_command(org_cli)
lms_cli.add_command(reminders_cli)
lms_cli.add_command(snapshots_cli)
lms_cli.add_command(summaries_cli)
lms_cli.add_command(quiz_cli)
lms_cli.add_command(search_cli)
lms_cli.add_command(office_hours_cli)


def register_cli(app: Flask) -> None:
    app.cli.add_command(lms_cli)


def password_link(token: str) -> str:
    base = current_app.config.get("BASE_URL", "http://127.0.0.1:5000")
    with current_app.test_request_context(base_url=base):
        return url_for("auth.set_password_with_token", token=token, _external=True)


# The admin form's field for each option of `users create`.
PERSON_OPTIONS = {"email": "--email", "name": "--name", "job_function": "--function",
                  "title": "--title", "manager_email": "--manager"}


def person_problem(
    email: str, name: str, job_function: str, title: str, manager_email: str | None
) -> str | None:
    """The first thing the admin's person form would refuse in these values, as one line.

    The command validates with the very same form (lengths, email syntax, control characters),
    so the command line cannot create a person the admin pages would not.
    """
    from werkzeug.datastructures import MultiDict

    from lms.admin.forms import PersonForm

    values = {"email": email, "name": name, "job_function": job_function, "title": title,
              "manager_email": manager_email or "", "active": "y"}
    form = PersonForm(formdata=MultiDict(values), meta={"csrf": False})
    if form.validate():
        return None
    field, errors = next(iter(form.errors.items()))
    return f"{PERSON_OPTIONS.get(field, field)}: {errors[0]}"


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--function", "job_function", type=click.Choice(list(JOB_FUNCTIONS)), required=True)
@click.option("--title", default="")
@click.option("--manager", "manager_email", default=None, help="The manager's email.")
@click.option("--author", is_flag=True, help="May author and publish courses.")
@click.option("--admin", is_flag=True, help="Administrator.")
@click.option("--executive", is_flag=True, help="Member of the leadership team.")
def create_user_command(
    email: str,
    name: str,
    job_function: str,
    title: str,
    manager_email: str | None,
    author: bool,
    admin: bool,
    executive: bool,
) -> None:
    """Create a person and print a one-time link to set their password."""
    problem = person_problem(email, name, job_function, title, manager_email)
    if problem:
        raise click.ClickException(problem)
    try:
        user = create_user(
            db.session,
            NewUser(email, name, job_function, title, manager_email, author, admin, executive),
        )
    except PeopleError as error:
        raise click.ClickException(str(error)) from error
    token = issue_password_token(db.session, user, current_app.config["SET_PASSWORD_TOKEN_HOURS"])
    db.session.commit()
    click.echo(f"Created {user.name} <{user.email}>.")
    click.echo(f"Set-password link (valid {current_app.config['SET_PASSWORD_TOKEN_HOURS']} h):")
    click.echo(f"  {password_link(token)}")


@org_cli.command("import")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_org_command(csv_file: Path) -> None:
    """Import an org chart CSV: all or nothing; every bad row is reported."""
    try:
        text = csv_file.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise click.ClickException(f"{csv_file}: not UTF-8 text") from error
    try:
        result = import_org_chart(db.session, text)
    except OrgImportError as error:
        db.session.rollback()
        for problem in error.problems:
            click.echo(f"{csv_file}:{problem.line}: {problem.message}", err=True)
        click.echo(f"Nothing was imported ({len(error.problems)} problem(s)).", err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(
        f"Imported {csv_file}: {result.created} added, {result.updated} updated, "
        f"{result.unchanged} unchanged."
    )


@lms_cli.command("demo")
@click.option(
    "--people",
    type=click.IntRange(10, 200_000),
    default=None,
    help="Also generate a large organisation of this many people with six months of history.",
)
@click.option("--seed", default=42, show_default=True, help="Random seed for --people.")
def demo_command(people: int | None, seed: int) -> None:
    """Set up (or refresh) the demo organisation. Safe to run again."""
    from lms.courses.publish import publish_course
    from lms.demo import DEMO_LOGINS, DEMO_PASSWORD, set_up_demo_org
    from lms.officehours.demo_data import seed_office_hours
    from lms.people.models import utcnow
    from lms.people.services import find_user_by_email
    from lms.recognition.publish import load_tree, publish_badges
    from lms.tools.demo_data import seed_tools_demo
    from lms.usecases.demo_data import seed_use_cases

    result = set_up_demo_org(db.session)
    tree = load_tree([], Path(current_app.config["COURSES_DIR"]))
    if tree.problems:
        for problem in tree.problems:
            click.echo(str(problem), err=True)
        raise click.ClickException("The shipped courses have problems; nothing was set up.")
    author = find_user_by_email(db.session, DEMO_LOGINS["author"])
    # The demo's operator vouches for the shipped courses: their answers count straight away.
    published = [
        publish_course(db.session, course, author, author, approve=True) for course in tree.courses
    ]
    badges = publish_badges(db.session, tree.badges) if tree.with_badges else []
    if publish_pulses(db.session, Path(current_app.config["COURSES_DIR"])):
        raise click.ClickException("The shipped pulse surveys have problems; nothing was set up.")
    seed_tools_demo(db.session)  # the AI tools register, settings and reports (lms.tools)
    seed_office_hours(db.session)  # sessions, sign-ups and attendance (lms.officehours)
    seed_use_cases(db.session, utcnow().date())  # champions and the use-case library
    db.session.commit()
    click.echo(f"Demo organisation: {result.created} added, {result.updated} updated.")
    changed = sum(1 for item in published if item.changed)
    click.echo(f"Courses: {len(published)} live ({changed} published now).")
    new_badges = sum(1 for item in badges if item.state in {"new", "updated"})
    click.echo(f"Badges: {len(tree.badges)} live ({new_badges} published now).")
    click.echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    for role, email in DEMO_LOGINS.items():
        click.echo(f"  {role:<16} {email}")
    run_demo_insights(people, seed)


courses_cli = AppGroup("courses", help="Courses: check and publish Markdown courses.")
lms_cli.add_command(courses_cli)


def _published_if_any() -> set[str]:
    """The published courses' slugs; none when the database is not set up (a bare checkout)."""
    from sqlalchemy.exc import SQLAlchemyError

    from lms.courses.service import published_slugs

    try:
        return published_slugs(db.session)
    except SQLAlchemyError:
        db.session.rollback()
        return set()


@courses_cli.command("check")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--strict", is_flag=True, help="Treat the assessment checks' warnings as errors.")
def check_courses_command(paths: tuple[Path, ...], strict: bool) -> None:
    """Validate courses (default: all of courses/, badges included) and print every problem as
    file:line: message; the assessment checks as file:line: rule-id: message."""
    from lms.courses.publish import render_problems
    from lms.recognition.publish import load_tree

    # Like publish: prerequisites and badges may name courses published before (from the
    # workspace, or a folder since removed), so that check and publish accept the same tree.
    tree = load_tree(list(paths), Path(current_app.config["COURSES_DIR"]), _published_if_any())
    # Rendering within its time budget is part of publishing, so it is part of checking.
    courses, problems = tree.courses, tree.problems + render_problems(tree.courses)
    for problem in problems:
        click.echo(str(problem))
    for finding in tree.assessment.warnings:
        click.echo(str(finding))
    for finding in tree.assessment.allowed:
        click.echo(f"{finding} - allowed: {finding.allowed}")
    for warning in tree.warnings:  # overdue reviews of shared texts: shown, never failing
        click.echo(str(warning))
    pulse_problems = check_pulses(Path(current_app.config["COURSES_DIR"])) if not paths else 0
    warnings = len(tree.assessment.warnings) if strict else 0
    if problems or pulse_problems or warnings:
        click.echo(f"{len(problems) + pulse_problems + warnings} problem(s).", err=True)
        sys.exit(1)
    modules = sum(len(course.modules) for course in courses)
    questions = sum(len(course.questions) for course in courses)
    click.echo(f"OK: {len(courses)} course(s), {modules} module(s), {questions} question(s).")
    if tree.with_badges:
        click.echo(f"OK: {len(tree.badges)} badge(s).")


@courses_cli.command("publish")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--owner", "owner_email", default=None, help="Email of the author who owns new courses."
)
def publish_courses_command(paths: tuple[Path, ...], owner_email: str | None) -> None:
    """Validate, then publish courses (default: all of courses/, badges included). All or
    nothing."""
    from lms.courses.format import Problem
    from lms.courses.publish import publish_course
    from lms.courses.render import RenderError
    from lms.courses.service import published_slugs
    from lms.people.services import find_user_by_email
    from lms.recognition.publish import load_tree, publish_badges
    from lms.recognition.svg import BadgeImageError

    owner = None
    if owner_email:
        owner = find_user_by_email(db.session, owner_email)
        if owner is None:
            raise click.ClickException(f"No one has the email {owner_email}.")
    tree = load_tree(
        list(paths), Path(current_app.config["COURSES_DIR"]), published_slugs(db.session)
    )
    if tree.problems:
        for problem in tree.problems:
            click.echo(str(problem))
        click.echo(f"{len(tree.problems)} problem(s): nothing was published.", err=True)
        sys.exit(1)
    try:
        results = [publish_course(db.session, course, None, owner) for course in tree.courses]
        badges = publish_badges(db.session, tree.badges) if tree.with_badges else []
        pulse_problems = not paths and publish_pulses(
            db.session, Path(current_app.config["COURSES_DIR"])
        )
    except RenderError as error:
        db.session.rollback()
        if not error.path:
            raise click.ClickException(f"{error}; nothing was published.") from error
        click.echo(str(Problem(error.path, 1, error.reason)))
        click.echo("1 problem(s): nothing was published.", err=True)
        sys.exit(1)
    except BadgeImageError as error:
        db.session.rollback()
        raise click.ClickException(f"{error}; nothing was published.") from error
    if pulse_problems:
        db.session.rollback()
        raise click.ClickException("The pulse surveys have problems; nothing was published.")
    db.session.commit()
    for result in results:
        state = f"published version {result.version.number}" if result.changed else "unchanged"
        click.echo(f"{result.course.slug}: {state}")
    for item in badges:
        click.echo(f"badge {item.badge.slug}: {item.state}")


xapi_cli = AppGroup("xapi", help="Learning records as xAPI 1.0.3 statements.")
lms_cli.add_command(xapi_cli)


@xapi_cli.command("export")
@click.option("--email", "emails", multiple=True, help="A person to export (repeatable).")
@click.option(
    "--manager-email",
    default=None,
    help="Export everyone who reports to this manager, at any depth (not the manager).",
)
@click.option("--since", default=None, metavar="YYYY-MM-DD", help="From this UTC day (included).")
@click.option("--until", default=None, metavar="YYYY-MM-DD", help="To this UTC day (included).")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to this file (default: standard output).",
)
def export_xapi_command(
    emails: tuple[str, ...],
    manager_email: str | None,
    since: str | None,
    until: str | None,
    output: Path | None,
) -> None:
    """Write a JSON array of xAPI statements, oldest first (everyone unless people are named).

    Statements are written one at a time as they are read; a file appears only when complete.
    """
    from lms.activity.service import (
        ExportError,
        base_url_from,
        day_range,
        find_people,
        json_array,
        parse_day,
        statements,
    )
    from lms.people.org import subtree_ids
    from lms.people.services import find_user_by_email

    try:
        start, end = day_range(parse_day(since, "--since"), parse_day(until, "--until"))
    except ExportError as error:
        raise click.ClickException(str(error)) from error
    user_ids: list[int] | None = None
    if emails or manager_email:
        people, unknown = find_people(db.session, emails)
        manager = find_user_by_email(db.session, manager_email) if manager_email else None
        if manager_email and manager is None:
            unknown.append(manager_email)
        if unknown:
            raise click.ClickException(f"No one has the email {', '.join(unknown)}.")
        selected = {person.id for person in people}
        if manager is not None:  # a team: its deactivated people are left out, as everywhere
            selected |= subtree_ids(db.session, manager.id, active_only=True)
        user_ids = sorted(selected)

    count = 0

    def counted() -> Iterator[dict[str, Any]]:
        nonlocal count
        base_url = base_url_from(current_app.config)
        for statement in statements(
            db.session, base_url, user_ids=user_ids, since=start, until=end
        ):
            count += 1
            yield statement

    if output is None:
        for chunk in json_array(counted()):
            click.echo(chunk, nl=False)
    else:
        write_atomically(output, json_array(counted()))
    click.echo(f"Exported {count} statement(s) to {output or 'standard output'}.", err=True)


def write_atomically(output: Path, chunks: Iterable[str]) -> None:
    """Write ``chunks`` to ``output`` through a temporary file beside it, so the file appears
    only when complete. A folder that is missing or cannot be written stops the command with
    one line instead of a traceback."""
    import os
    import tempfile

    if not output.parent.is_dir():
        raise click.ClickException(f"--output: the folder {output.parent} does not exist.")
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{output.name}.", dir=output.parent)
    except OSError as error:
        raise click.ClickException(
            f"--output: cannot write in {output.parent}: {error.strerror}."
        ) from error
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            for chunk in chunks:
                stream.write(chunk)
        os.replace(temporary, output)
    except BaseException as error:
        Path(temporary).unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise click.ClickException(
                f"--output: cannot write {output}: {error.strerror}."
            ) from error
        raise


badges_cli = AppGroup("badges", help="Badges, Open Badges keys and credentials, certificates.")
lms_cli.add_command(badges_cli)


def _add_open_badges_commands() -> None:
    from lms.openbadges.cli import COMMANDS

    for command in COMMANDS:
        badges_cli.add_command(command)


_add_open_badges_commands()


def people_named(emails: tuple[str, ...]) -> list[int] | None:
    """The ids of the people ``--email`` named, None for everyone; unknown emails stop the
    command."""
    from lms.activity.service import find_people

    if not emails:
        return None
    people, unknown = find_people(db.session, emails)
    if unknown:
        raise click.ClickException(f"No one has the email {', '.join(unknown)}.")
    return [person.id for person in people]


@badges_cli.command("evaluate")
@click.option("--email", "emails", multiple=True, help="Only this person (repeatable).")
@click.option("--batch-size", default=200, show_default=True, type=click.IntRange(1, 5000))
@click.option("--dry-run", is_flag=True, help="Report what would be awarded; change nothing.")
def evaluate_badges_command(emails: tuple[str, ...], batch_size: int, dry_run: bool) -> None:
    """Re-evaluate the badge rules for everyone (or the people named) and award what is due.

    Run it after a rule changed. People are taken in batches; each batch is committed on its own
    (awards are idempotent, so running it again is always safe). Revoked awards are not re-made.
    """
    from sqlalchemy import select

    from lms.people.models import User
    from lms.recognition import service

    user_ids = people_named(emails)
    rules = service.live_rules(db.session)
    evaluated = awarded = 0
    for batch in service.people_batches(db.session, user_ids, batch_size):
        evaluated += len(batch)
        due = service.due_badges(db.session, batch, rules)
        granted = [item for item in due if dry_run or service.grant(db.session, item)]
        emails_by_id: dict[int, str] = {
            person_id: email
            for person_id, email in db.session.execute(
                select(User.id, User.email).where(User.id.in_({item.user_id for item in granted}))
            )
        }
        if dry_run:
            db.session.rollback()
        else:
            db.session.commit()
        for item in granted:
            verb = "would award" if dry_run else "awarded"
            click.echo(f"{emails_by_id.get(item.user_id, item.user_id)}: {verb} {item.rule.slug}")
        awarded += len(granted)
        db.session.expunge_all()
    summary = "would be awarded" if dry_run else "awarded"
    click.echo(
        f"Evaluated {evaluated} person(s) against {len(rules)} badge(s): {awarded} {summary}."
    )


levels_cli = AppGroup("levels", help="Stored literacy levels.")
lms_cli.add_command(levels_cli)


@levels_cli.command("recompute")
@click.option("--email", "emails", multiple=True, help="Only this person (repeatable).")
@click.option("--batch-size", default=200, show_default=True, type=click.IntRange(1, 5000))
def recompute_levels_command(emails: tuple[str, ...], batch_size: int) -> None:
    """Recompute everyone's stored levels from their evidence (after the level model changed).

    Otherwise a level only moves at the person's next scored attempt. Changes are recorded like
    any other (history, activity log). People are taken in batches, each committed on its own;
    running it again changes nothing. Run `lms badges evaluate` afterwards for level badges.
    """
    from lms.literacy.service import recompute_people
    from lms.recognition.service import people_batches
    from lms.summaries.store import forget

    user_ids = people_named(emails)
    recomputed = changed = moves = 0
    for batch in people_batches(db.session, user_ids, batch_size):
        changes = recompute_people(db.session, batch)
        recomputed += len(changes)
        changed += sum(1 for person_changes in changes.values() if person_changes)
        moves += sum(len(person_changes) for person_changes in changes.values())
        db.session.commit()
        db.session.expunge_all()
    if moves:
        forget(db.session)  # stored dashboard figures would show the old levels
        db.session.commit()
    click.echo(
        f"Recomputed {recomputed} person(s) with evidence: {changed} changed, "
        f"{moves} level change(s) recorded."
    )
