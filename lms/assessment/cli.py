"""``flask --app wsgi lms quiz ...``: the test-wise audit and measured difficulty."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from lms.assessment.audit import (
    STRATEGIES,
    STRATEGY_NAMES,
    AuditRow,
    audit_baseline,
    audit_pool,
)
from lms.courses.format import CourseSource
from lms.courses.loader import load_courses

quiz_cli = AppGroup("quiz", help="Quizzes: the test-wise audit, measured difficulty.")

TARGET_PERCENT = 5.0


@quiz_cli.command("audit")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--max-percent",
    type=click.FloatRange(0, 100),
    default=TARGET_PERCENT,
    show_default=True,
    help="Exit 1 if any strategy passes one attempt more often than this.",
)
@click.option("--seed", default=1, show_default=True, help="Seed of the retake simulation.")
def audit_command(paths: tuple[Path, ...], max_percent: float, seed: int) -> None:
    """Simulate learners who never read the questions against every course's final quiz (with
    its real draw, pass mark and attempts) and the baseline; print each one's chance to pass."""
    courses, problems = load_courses(list(paths), Path(current_app.config["COURSES_DIR"]))
    if problems:
        for problem in problems:
            click.echo(str(problem), err=True)
        raise click.ClickException("Fix the problems above first (lms courses check).")
    rows: list[AuditRow] = []
    for course in courses:
        if course.quiz is not None and course.quiz_pool:
            settings = course.quiz
            rows += audit_pool(
                course.slug,
                course.quiz_pool,
                settings.questions,
                settings.pass_mark,
                settings.max_attempts,
                seed,
            )
    _print_rows(rows)
    if not paths:
        _print_baseline(courses, seed)
    worst = max(rows, key=lambda row: row.one_attempt, default=None)
    if worst is not None and worst.one_attempt * 100 > max_percent:
        click.echo(
            f"{worst.course}: '{STRATEGY_NAMES[worst.strategy]}' passes one attempt "
            f"{worst.one_attempt:.1%} of the time (allowed: {max_percent:g}%).",
            err=True,
        )
        sys.exit(1)


def _print_rows(rows: list[AuditRow]) -> None:
    width = max((len(row.course) for row in rows), default=6)
    click.echo(f"{'course':<{width}}  {'strategy':<60}  one attempt  within attempts")
    for row in rows:
        attempts = f"({row.attempts})" if row.attempts else "(10, unlimited)"
        click.echo(
            f"{row.course:<{width}}  {STRATEGY_NAMES[row.strategy]:<60}  "
            f"{row.one_attempt:>10.1%}  {row.within_attempts:>6.1%} {attempts}"
        )


def _print_baseline(courses: list[CourseSource], seed: int) -> None:
    questions = [question for course in courses for question in course.questions]
    click.echo("\nbaseline: chance to be placed at level 1+ / 2+ in an area (the worst area)")
    for strategy in STRATEGIES:
        at_one, at_two = audit_baseline(questions, strategy, random.Random(seed))  # noqa: S311
        click.echo(f"  {STRATEGY_NAMES[strategy]:<60}  {at_one:>6.1%} / {at_two:.1%}")


@quiz_cli.command("measure")
@click.option(
    "--min-responses",
    type=click.IntRange(1, 1_000_000),
    default=None,
    help="Answers a question needs before its measured difficulty counts (default: the "
    "LMS_ITEM_STATS_MIN_RESPONSES setting, 30).",
)
def measure_command(min_responses: int | None) -> None:
    """Measure every question's difficulty from real answers (the level model then uses it) and
    list the questions whose author's label disagrees. Run `lms levels recompute` afterwards."""
    from lms.assessment.measured import measure
    from lms.extensions import db

    minimum = min_responses or int(current_app.config.get("ITEM_STATS_MIN_RESPONSES", 30))
    relabels = measure(db.session, minimum)
    db.session.commit()
    for item in relabels:
        click.echo(
            f"{item.course}/{item.question}: labelled {item.labelled}, measured {item.measured} "
            f"({item.facility:.0%} right of {item.responses} answers): consider relabelling"
        )
    click.echo(f"{len(relabels)} question(s) to reconsider. Now run: lms levels recompute")
