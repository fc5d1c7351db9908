"""Question statistics pages for authors: per course (its final quiz) and per module (its
knowledge check), sortable, with a CSV export.

Access is the author workspace's rule: authors see the courses they own, admins every course.
Anyone else, and an author asking for someone else's course, gets 404 (existence not confirmed).
Every page is a GET that only reads.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Blueprint, Response, current_app, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from lms.assessment.statistics import (
    DEFAULT_MIN_RESPONSES,
    FLAGS,
    QUIZ,
    ItemStatistics,
    course_item_statistics,
)
from lms.authoring.service import course_for
from lms.courses.models import Course, CourseVersion, Module, ModuleVersion
from lms.courses.vocabulary import COMPETENCIES
from lms.downloads import attachment
from lms.extensions import db
from lms.inputs import query_int
from lms.people.models import User
from lms.security import has_capability, not_found_for
from lms.team.export import BOM, safe_cell

bp = Blueprint("assessment", __name__, url_prefix="/statistics")

DIFFICULTY_LABELS = {1: "recall", 2: "apply", 3: "judge"}
TYPE_LABELS = {
    "single": "choose one",
    "multiple": "choose all",
    "true-false": "true/false",
    "scenario": "scenario",
}


# ------------------------------------------------------------------------------------ sorting

# Column -> (value to sort by, first click descending?). A first click shows the likely problems
# first: the hardest, least discriminating, rarest distractors, most flags, most answers.
SORTS: dict[str, tuple[Callable[[ItemStatistics], float | None], bool]] = {
    "question": (lambda item: float(item.position), False),
    "responses": (lambda item: float(item.responses), True),
    "facility": (lambda item: item.facility, False),
    "discrimination": (lambda item: item.discrimination, False),
    "picks": (lambda item: item.rarest_distractor_share, False),
    "flags": (lambda item: float(len(item.flags)) if item.enough else None, True),
}


@dataclass(frozen=True)
class SortOrder:
    key: str = "question"
    descending: bool = False

    @classmethod
    def parse(cls, args: Any) -> SortOrder:
        key = args.get("sort", "question")
        if key not in SORTS:
            return cls()
        return cls(key, args.get("dir") == "desc")

    def as_args(self) -> dict[str, str]:
        if self.key == "question" and not self.descending:
            return {}
        return {"sort": self.key, "dir": "desc" if self.descending else "asc"}

    def apply(self, items: Sequence[ItemStatistics]) -> list[ItemStatistics]:
        """Sorted by the column; questions without the figure (not enough answers) always last;
        ties in question order."""
        value_of = SORTS[self.key][0]
        known = [item for item in items if value_of(item) is not None]
        unknown = [item for item in items if value_of(item) is None]
        known.sort(key=lambda item: item.position)
        known.sort(key=lambda item: value_of(item) or 0.0, reverse=self.descending)
        unknown.sort(key=lambda item: item.position)
        return known + unknown

    def link_args(self, key: str) -> dict[str, str]:
        """The query arguments of a column heading's link: the other direction if sorted by it."""
        descending = not self.descending if key == self.key else SORTS[key][1]
        return {"sort": key, "dir": "desc" if descending else "asc"}

    def aria(self, key: str) -> str:
        if key != self.key:
            return "none"
        return "descending" if self.descending else "ascending"


# ------------------------------------------------------------------------------------- access


def _course(slug: str) -> Course:
    """The course if the current user may see its statistics (the author workspace's rule)."""
    if not has_capability("author"):
        not_found_for("question statistics are for the course's authors and admins")
    me: User = current_user._get_current_object()
    course = course_for(db.session, me, slug)
    if course is None:
        not_found_for(f"course {slug!r} is not one this author edits")
    return course


@dataclass(frozen=True)
class Version:
    """The course version shown (not the ORM row: that carries every Markdown file)."""

    id: int
    number: int
    title: str


def _version(course: Course) -> Version:
    """The version asked for (``?version=N``), or the live one."""
    number = query_int("version")
    query = select(CourseVersion.id, CourseVersion.number, CourseVersion.title).where(
        CourseVersion.course_id == course.id
    )
    if number is None:
        query = query.where(CourseVersion.id == course.current_version_id)
    else:
        query = query.where(CourseVersion.number == number)
    row = db.session.execute(query).first()
    if row is None:
        not_found_for(f"course {course.slug!r} has no version {number}")
    return Version(*row)


@dataclass(frozen=True)
class VersionLink:
    number: int
    published_at: datetime
    live: bool


@dataclass(frozen=True)
class ModuleLink:
    module_id: int
    slug: str
    title: str
    position: int
    questions: int


def _versions(course: Course) -> list[VersionLink]:
    rows = db.session.execute(
        select(CourseVersion.id, CourseVersion.number, CourseVersion.published_at)
        .where(CourseVersion.course_id == course.id)
        .order_by(CourseVersion.number.desc())
    ).all()
    live = course.current_version_id
    return [VersionLink(number, at, version_id == live) for version_id, number, at in rows]


def _modules(version: Version) -> list[ModuleLink]:
    rows = db.session.execute(
        select(
            ModuleVersion.module_id,
            Module.slug,
            ModuleVersion.title,
            ModuleVersion.position,
            ModuleVersion.question_count,
        )
        .join(Module, Module.id == ModuleVersion.module_id)
        .where(ModuleVersion.course_version_id == version.id)
        .order_by(ModuleVersion.position)
    ).all()
    return [ModuleLink(*row) for row in rows]


def percent(share: float) -> str:
    """A share as a percentage: whole numbers, with a decimal below 10% (so a distractor flagged
    below 5% never reads "5%")."""
    value = 100 * share
    return f"{value:.1f}%" if value < 10 else f"{value:.0f}%"


def min_responses() -> int:
    value = current_app.config.get("ITEM_STATS_MIN_RESPONSES", DEFAULT_MIN_RESPONSES)
    try:
        return max(1, int(value))
    except (TypeError, ValueError):
        return DEFAULT_MIN_RESPONSES


# -------------------------------------------------------------------------------------- pages


@dataclass(frozen=True)
class Part:
    """What one page shows: the final quiz pool, or one module's knowledge check."""

    key: str | int  # QUIZ or a module id
    name: str  # "Final quiz", "Knowledge check: <module title>"
    endpoint: str
    csv_endpoint: str
    args: dict[str, str]
    file_part: str


def _page(course: Course, version: Version, modules: list[ModuleLink], part: Part) -> str:
    sort = SortOrder.parse(request.args)
    minimum = min_responses()
    items = course_item_statistics(
        db.session, course, version_id=version.id, part=part.key, min_responses=minimum
    )
    version_args = {} if version.id == course.current_version_id else {"version": version.number}

    def url(endpoint: str = part.endpoint, **extra: Any) -> str:
        args: dict[str, Any] = {"slug": course.slug, **version_args}
        if endpoint in (part.endpoint, part.csv_endpoint):
            args.update(part.args)
        args.update(extra)
        return url_for(endpoint, **args)

    return render_template(
        "assessment/statistics.html",
        course=course,
        version=version,
        versions=_versions(course),
        modules=modules,
        part=part,
        items=sort.apply(items),
        sort=sort,
        url=url,
        minimum=minimum,
        flags=FLAGS,
        percent=percent,
        competencies=COMPETENCIES,
        difficulty_labels=DIFFICULTY_LABELS,
        type_labels=TYPE_LABELS,
        quiz_items=part.key == QUIZ,
        enough=sum(1 for item in items if item.enough),
        flagged=sum(1 for item in items if item.flags),
    )


QUIZ_PART = Part(QUIZ, "Final quiz", "assessment.course", "assessment.course_csv", {}, "quiz")


def _module_part(course: Course, modules: list[ModuleLink], module_slug: str) -> Part:
    module = next((m for m in modules if m.slug == module_slug), None)
    if module is None:
        not_found_for(f"course {course.slug!r} has no module {module_slug!r} in this version")
    return Part(
        module.module_id,
        f"Knowledge check: {module.title}",
        "assessment.module",
        "assessment.module_csv",
        {"module_slug": module.slug},
        module.slug,
    )


@bp.get("/courses/<slug>")
def course(slug: str) -> Any:
    found = _course(slug)
    version = _version(found)
    modules = _modules(version)
    return _page(found, version, modules, QUIZ_PART)


@bp.get("/courses/<slug>/modules/<module_slug>")
def module(slug: str, module_slug: str) -> Any:
    found = _course(slug)
    version = _version(found)
    modules = _modules(version)
    return _page(found, version, modules, _module_part(found, modules, module_slug))


# ---------------------------------------------------------------------------------------- CSV


def csv_text(items: Sequence[ItemStatistics], minimum: int) -> str:
    """The table as CSV: one row per question, one column per option (A, B, ...) with the share
    of responses that chose it; figures empty below the minimum. Safe to open in a spreadsheet."""
    letters = max((len(item.options) for item in items), default=0)
    header = [
        "Question id",
        "Question",
        "Type",
        "Competency",
        "Difficulty (author)",
        "Responses",
        "Facility %",
        "Discrimination",
        "Right options",
        *(f"Option {chr(ord('A') + index)} picked %" for index in range(letters)),
        "Flags",
    ]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for item in items:
        options: list[object] = [
            "" if option.share is None else round(100 * option.share, 1) for option in item.options
        ]
        options += [""] * (letters - len(options))
        if not item.enough:
            flags = f"not enough answers yet ({item.responses} of {minimum})"
        else:
            flags = "; ".join(flag.label for flag in item.flags)
        row: list[object] = [
            item.slug,
            item.stem_text,
            TYPE_LABELS.get(item.type, item.type),
            COMPETENCIES.get(item.competency, item.competency),
            item.difficulty,
            item.responses,
            "" if item.facility_percent is None else item.facility_percent,
            "" if item.discrimination is None else round(item.discrimination, 3),
            " ".join(option.letter for option in item.options if option.correct),
            *options,
            flags,
        ]
        # Text may start like a formula (a stem, an option); numbers are ours (and may be
        # negative, which safe_cell would quote).
        writer.writerow([safe_cell(cell) if isinstance(cell, str) else cell for cell in row])
    return BOM + out.getvalue()


def _csv(course: Course, version: Version, part: Part) -> Response:
    minimum = min_responses()
    items = SortOrder.parse(request.args).apply(
        course_item_statistics(
            db.session, course, version_id=version.id, part=part.key, min_responses=minimum
        )
    )
    filename = f"question-statistics-{course.slug}-v{version.number}-{part.file_part}.csv"
    return Response(
        csv_text(items, minimum),
        mimetype="text/csv",
        headers={"Content-Disposition": attachment(filename)},
    )


@bp.get("/courses/<slug>/quiz.csv")
def course_csv(slug: str) -> Response:
    found = _course(slug)
    return _csv(found, _version(found), QUIZ_PART)


@bp.get("/courses/<slug>/modules/<module_slug>/check.csv")
def module_csv(slug: str, module_slug: str) -> Response:
    found = _course(slug)
    version = _version(found)
    return _csv(found, version, _module_part(found, _modules(version), module_slug))
