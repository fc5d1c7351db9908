"""``flask --app wsgi lms search ...``: the search feature's commands."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from lms.extensions import db
from lms.search.courses import index_all_courses
from lms.search.usecases import index_all_use_cases

search_cli = AppGroup("search", help="The search index.")


@search_cli.command("reindex")
def reindex_command() -> None:
    """Rebuild the search index from the live content (publishing keeps it current; this is for
    a database restored from elsewhere)."""
    courses = index_all_courses(db.session)
    use_cases = index_all_use_cases(db.session)
    db.session.commit()
    click.echo(f"Indexed {courses} course(s) and their lessons, {use_cases} use case(s).")
