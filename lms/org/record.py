"""The AI literacy record: per person, the trainings completed (with dates), the measured level per
competency area, job function and role. Evidence for the AI literacy duty of Article 4 of the EU AI
Act ("measures to ensure, to their best extent, a sufficient level of AI literacy of their staff").

Someone who has never given an answer that counts towards a level is *not measured*
(lms.literacy.coverage): their record says so (``measured`` no / false) and carries no levels (empty
cells, ``null``), never level 0, which means "answered, but no reliable evidence yet".

Exports are streamed: two ordered statements (people with their levels, completed trainings) are
read in batches and merged by person, so a 10,000-person team is never held in memory at once.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, case, func, select

from lms.courses.models import Course, CourseVersion
from lms.courses.vocabulary import COMPETENCIES, LEVELS
from lms.database import DbSession
from lms.learn.models import Enrolment
from lms.literacy.coverage import NOT_MEASURED, has_evidence
from lms.literacy.models import OVERALL, LiteracyLevel
from lms.org.roles import role_expression
from lms.people.models import JOB_FUNCTIONS, User
from lms.people.org import is_in_subtree, subtree_cte

AREAS = list(COMPETENCIES)
PURPOSE = (
    "AI literacy record: trainings completed and measured AI literacy per person, as evidence of "
    "the measures taken under Article 4 (AI literacy) of the EU AI Act (Regulation (EU) 2024/1689)."
)
BATCH = 500


@dataclass
class Training:
    course: str
    title: str
    enrolled_on: str
    completed_on: str
    source: str  # self | assigned


@dataclass
class PersonRecord:
    id: int
    email: str
    name: str
    job_function: str
    title: str
    role: str
    measured: bool
    overall: int | None  # None when not measured
    levels: dict[str, int | None]
    levels_updated: str
    trainings: list[Training] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "email": self.email,
            "name": self.name,
            "job_function": self.job_function,
            "job_function_label": JOB_FUNCTIONS.get(self.job_function, self.job_function),
            "title": self.title,
            "role": self.role,
            "measured": self.measured,
            "overall_level": self.overall,
            "overall_level_label": NOT_MEASURED if self.overall is None else LEVELS[self.overall],
            "levels": self.levels,
            "levels_updated": self.levels_updated or None,
            "trainings_completed": [training.__dict__ for training in self.trainings],
        }


# ------------------------------------------------------------------------------------- access


def may_see_person(session: DbSession, viewer: User, person_id: int) -> bool:
    """Admins: anyone, deactivated people too; a person: themself. Executives: any active
    person; a manager: the active people of their subtree (deactivated people are left out of
    every team and organisation view and export, see docs/dashboards.md)."""
    if viewer.is_admin or viewer.id == person_id:
        return True
    person = session.get(User, person_id)
    if person is None or not person.active:
        return False
    return viewer.is_executive or is_in_subtree(session, viewer.id, person_id)


def may_see_team(session: DbSession, viewer: User, manager_id: int) -> bool:
    if viewer.is_admin or viewer.is_executive or viewer.id == manager_id:
        return True
    return is_in_subtree(session, viewer.id, manager_id)


# ---------------------------------------------------------------------------------- selection


def person_scope(person_id: int) -> Select[Any]:
    return select(User.id).where(User.id == person_id)


def team_scope(manager_id: int) -> Select[Any]:
    """The manager and everyone below them, active people only (like every team view)."""
    tree = subtree_cte(manager_id, include_self=True, name="record_team")
    return select(User.id).join(tree, tree.c.id == User.id).where(User.active.is_(True))


def everyone_scope() -> Select[Any]:
    return select(User.id).where(User.active.is_(True))


def _day(value: datetime | None) -> str:
    return value.date().isoformat() if value else ""


def records(session: DbSession, scope: Select[Any]) -> Iterator[PersonRecord]:
    """People in ``scope`` (ordered by id) with their levels and completed trainings."""
    levels = (
        select(
            LiteracyLevel.user_id,
            *[
                func.max(case((LiteracyLevel.competency == area, LiteracyLevel.level))).label(area)
                for area in [*AREAS, OVERALL]
            ],
            func.max(LiteracyLevel.updated_at).label("updated"),
            func.max(case((has_evidence(), 1), else_=0)).label("measured"),
        )
        .where(LiteracyLevel.user_id.in_(scope))
        .group_by(LiteracyLevel.user_id)
        .subquery("levels")
    )
    people = session.execute(
        select(
            User.id,
            User.email,
            User.name,
            User.job_function,
            User.title,
            role_expression(),
            *[levels.c[area] for area in [*AREAS, OVERALL]],
            levels.c.updated,
            levels.c.measured,
        )
        .outerjoin(levels, levels.c.user_id == User.id)
        .where(User.id.in_(scope))
        .order_by(User.id)
        .execution_options(yield_per=BATCH)
    )
    trainings = session.execute(
        select(
            Enrolment.user_id,
            Course.slug,
            CourseVersion.title,
            Enrolment.enrolled_at,
            Enrolment.completed_at,
            Enrolment.source,
        )
        .join(Course, Course.id == Enrolment.course_id)
        .outerjoin(CourseVersion, CourseVersion.id == Course.current_version_id)
        .where(Enrolment.completed_at.is_not(None), Enrolment.user_id.in_(scope))
        .order_by(Enrolment.user_id, Enrolment.completed_at, Course.slug)
        .execution_options(yield_per=BATCH)
    )
    pending = next(trainings, None)
    for row in people:
        measured = bool(row[8 + len(AREAS)])
        # A measured person without a level in an area is at 0 there, as in their overall level.
        area_levels: dict[str, int | None] = {
            area: int(row[6 + i] or 0) if measured else None for i, area in enumerate(AREAS)
        }
        record = PersonRecord(
            id=row[0],
            email=row[1],
            name=row[2],
            job_function=row[3],
            title=row[4],
            role=row[5],
            measured=measured,
            overall=int(row[6 + len(AREAS)] or 0) if measured else None,
            levels=area_levels,
            levels_updated=_day(row[7 + len(AREAS)]),
        )
        while pending is not None and pending[0] <= record.id:
            if pending[0] == record.id:
                record.trainings.append(
                    Training(
                        course=pending[1],
                        title=pending[2] or pending[1],
                        enrolled_on=_day(pending[3]),
                        completed_on=_day(pending[4]),
                        source=pending[5],
                    )
                )
            pending = next(trainings, None)
        yield record


# ----------------------------------------------------------------------------------- formats

CSV_COLUMNS = [
    "email",
    "name",
    "job_function",
    "title",
    "role",
    "measured",
    "overall_level",
    *[f"level_{area}" for area in AREAS],
    "levels_updated",
    "training_course",
    "training_title",
    "training_enrolled_on",
    "training_completed_on",
    "training_source",
    "generated_at",
]


def csv_lines(people: Iterator[PersonRecord], generated_at: datetime) -> Iterator[str]:
    """One row per person and completed training (one row with empty training columns for someone
    without any)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    stamp = generated_at.isoformat(timespec="seconds") + "Z"

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate(0)
        return text

    writer.writerow(CSV_COLUMNS)
    yield flush()
    for person in people:
        base = [
            _safe(person.email),
            _safe(person.name),
            person.job_function,
            _safe(person.title),
            person.role,
            "yes" if person.measured else "no",
            _level(person.overall),
            *[_level(person.levels[area]) for area in AREAS],
            person.levels_updated,
        ]
        if not person.trainings:
            writer.writerow([*base, "", "", "", "", "", stamp])
        for training in person.trainings:
            writer.writerow(
                [
                    *base,
                    training.course,
                    _safe(training.title),
                    training.enrolled_on,
                    training.completed_on,
                    training.source,
                    stamp,
                ]
            )
        yield flush()


def _level(level: int | None) -> int | str:
    """Empty for someone not measured: a 0 would claim a level nobody knows."""
    return "" if level is None else level


def _safe(text: str) -> str:
    """Keep spreadsheet programs from running a cell as a formula (CSV injection)."""
    return "'" + text if text[:1] in {"=", "+", "-", "@", "\t", "\r"} else text


def json_chunks(
    people: Iterator[PersonRecord], generated_at: datetime, scope: dict[str, Any]
) -> Iterator[str]:
    head = {
        "record": "AI literacy record",
        "purpose": PURPOSE,
        "generated_at": generated_at.isoformat(timespec="seconds") + "Z",
        "scope": scope,
        "level_scale": {str(level): label for level, label in LEVELS.items()},
        "measured": (
            "false for someone who has not yet answered any question that counts towards a level; "
            "their levels are then null (not measured), not 0"
        ),
        "competency_areas": COMPETENCIES,
    }
    opening = json.dumps(head, ensure_ascii=False, indent=1)[:-2]  # drop the closing "\n}"
    yield opening + ',\n "people": ['
    separator = "\n  "
    for person in people:
        yield separator + json.dumps(person.as_json(), ensure_ascii=False)
        separator = ",\n  "
    yield "\n ]\n}\n"


def record_filename(label: str, extension: str, generated_at: datetime) -> str:
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in label.lower()).strip("-")
    return f"ai-literacy-record-{safe or 'export'}-{generated_at:%Y%m%d}.{extension}"
