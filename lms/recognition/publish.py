"""Loading and publishing badge definitions (``courses/_badges/``) together with the courses.

The CLI (``lms courses check|publish``) and ``lms demo`` call :func:`load_tree`, which reads the
courses exactly as before and, when the whole tree (or the badges folder) is asked for, the badges
too. :func:`publish_badges` only flushes: the caller publishes courses and badges and commits once,
so a failure anywhere publishes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import select

from lms.assessment.lint import Assessment, assess
from lms.courses.format import CourseSource, Problem
from lms.courses.loader import load_courses, read_folder
from lms.courses.render import render_markdown
from lms.courses.shared import load_shared, review_warnings
from lms.database import DbSession
from lms.people.models import utcnow
from lms.recognition.badges_format import BadgeSource, parse_badges
from lms.recognition.models import Badge
from lms.recognition.svg import render_png

BADGES_FOLDER = "_badges"
BADGE_LINE_RE = re.compile(r"^badge\s*:")


@dataclass
class Tree:
    courses: list[CourseSource]
    badges: list[BadgeSource]
    problems: list[Problem]
    with_badges: bool  # whether the badges folder was read (the whole tree or named explicitly)
    assessment: Assessment = field(default_factory=lambda: Assessment([]))
    # Shared snippets whose review date has passed (lms.courses.shared): shown, never blocking.
    warnings: list[Problem] = field(default_factory=list)


def badges_dir(courses_dir: Path) -> Path:
    return courses_dir / BADGES_FOLDER


def _same(path: Path, other: Path) -> bool:
    try:
        return path.resolve() == other.resolve()
    except OSError:
        return False


def course_folder_names(courses_dir: Path) -> set[str]:
    if not courses_dir.is_dir():
        return set()
    return {
        child.name
        for child in courses_dir.iterdir()
        if child.is_dir() and not child.name.startswith((".", "_"))
    }


def load_tree(paths: list[Path], courses_dir: Path, extra_known: set[str] | None = None) -> Tree:
    """Courses named by ``paths`` (nothing: all of them) and, with them, the badges.

    Badges are read when ``paths`` is empty or names the courses folder or its ``_badges``
    folder. A badge may name any course in ``courses_dir`` or in ``extra_known`` (published ones).
    When the whole tree is read, every course's ``badge:`` must name a defined badge.
    """
    folder = badges_dir(courses_dir)
    course_paths = [path for path in paths if not _same(path, folder)]
    wants_badges = not paths or any(_same(path, courses_dir) for path in paths)
    wants_badges = wants_badges or len(course_paths) < len(paths)
    if paths and not course_paths:
        courses: list[CourseSource] = []
        problems: list[Problem] = []
    else:
        courses, problems = load_courses(course_paths, courses_dir, extra_known)
    badges: list[BadgeSource] = []
    with_badges = wants_badges and folder.is_dir()
    if with_badges:
        known = course_folder_names(courses_dir) | (extra_known or set())
        known |= {course.slug for course in courses}
        files = read_folder(folder)
        badges, badge_problems = parse_badges(
            files, display_root=_display(folder), known_courses=known
        )
        problems.extend(badge_problems)
        defined = {name[: -len(".md")] for name in files if name.endswith(".md")}
        problems.extend(_undefined_course_badges(courses, defined, courses_dir))
    # The assessment checks run on courses that parsed; the catalogue-wide ones (reachability of
    # levels, duplicates across courses) only when the whole tree was read.
    whole = not paths or any(_same(path, courses_dir) for path in paths)
    assessment = assess(courses, whole_catalogue=whole)
    problems.extend(assessment.problems())
    warnings = review_warnings(load_shared(courses_dir), courses, date.today(), every=whole)
    return Tree(courses, badges, problems, with_badges, assessment, warnings)


def _display(folder: Path) -> str:
    try:
        return folder.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return folder.as_posix()


def _undefined_course_badges(
    courses: list[CourseSource], defined: set[str], courses_dir: Path
) -> list[Problem]:
    problems = []
    for course in courses:
        if course.badge and course.badge not in defined:
            text = course.files.get("course.md", b"").decode("utf-8", "replace").split("\n")
            line = next((n for n, row in enumerate(text, 1) if BADGE_LINE_RE.match(row)), 1)
            problems.append(
                Problem(
                    f"{_display(courses_dir / course.slug)}/course.md",
                    line,
                    f"badge {course.badge!r} is not defined: add "
                    f"{BADGES_FOLDER}/{course.badge}.md and its image",
                )
            )
    return problems


@dataclass
class BadgePublishResult:
    badge: Badge
    state: str  # new | updated | unchanged | retired


def publish_badges(
    session: DbSession, sources: list[BadgeSource], *, retire_missing: bool = True
) -> list[BadgePublishResult]:
    """Create or update badges from validated sources; unchanged ones are not touched at all.

    Badges missing from ``sources`` are retired (no longer awarded; awards made stay valid) when
    ``retire_missing``; a retired badge that comes back is live again.
    """
    existing = {badge.slug: badge for badge in session.scalars(select(Badge))}
    results: list[BadgePublishResult] = []
    now = utcnow()
    for source in sources:
        badge = existing.get(source.slug)
        unchanged = badge is not None and badge.content_hash == source.content_hash
        if badge is not None and unchanged and badge.retired_at is None:
            results.append(BadgePublishResult(badge, "unchanged"))
            continue
        state = "updated"
        if badge is None:
            badge = Badge(slug=source.slug)
            session.add(badge)
            state = "new"
        badge.name = source.name
        badge.description = source.description
        badge.criteria = source.criteria
        badge.criteria_html = render_markdown(source.criteria_markdown)
        badge.alignments = source.alignments
        if state == "new" or badge.image_svg != source.svg:
            badge.image_png = render_png(source.svg)
        badge.image_svg = source.svg
        badge.content_hash = source.content_hash
        badge.published_at = now
        badge.retired_at = None
        results.append(BadgePublishResult(badge, state))
    if retire_missing:
        live = {source.slug for source in sources}
        for slug, badge in sorted(existing.items()):
            if slug not in live and badge.retired_at is None:
                badge.retired_at = now
                results.append(BadgePublishResult(badge, "retired"))
    session.flush()
    return results
