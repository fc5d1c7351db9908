"""Pulse checking and publishing, called by ``lms courses check|publish`` and ``lms demo``."""

from __future__ import annotations

from pathlib import Path

import click

from lms.database import DbSession
from lms.pulse.format import load_pulses
from lms.pulse.service import PulseError, publish_pulse


def check_pulses(courses_dir: Path) -> int:
    """Validate ``courses/_pulse``; print problems as ``file:line: message``; return how many."""
    pulses, problems = load_pulses(courses_dir)
    for problem in problems:
        click.echo(str(problem))
    if pulses and not problems:
        questions = sum(len(pulse.questions) for pulse in pulses)
        click.echo(f"OK: {len(pulses)} pulse(s), {questions} question(s).")
    return len(problems)


def publish_pulses(session: DbSession, courses_dir: Path) -> int:
    """Validate and publish ``courses/_pulse`` (flushes only; the caller commits). Returns the
    number of problems (nothing is published when there are any)."""
    pulses, problems = load_pulses(courses_dir)
    for problem in problems:
        click.echo(str(problem))
    if problems:
        return len(problems)
    for source in pulses:
        try:
            result = publish_pulse(session, source)
        except PulseError as error:
            click.echo(str(error))
            return 1
        state = "published" if result.changed else "unchanged"
        click.echo(f"pulse {source.slug}: {state}")
    return 0
