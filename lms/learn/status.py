"""One way to say where a person is with a course, used on every page that shows it.

The words are: "Not started", "In progress 40%", "Completed" and "Overdue". The catalog, the
course page, the learner's home, the manager's person page and the assignments list all call
:func:`enrolment_status`, so the same enrolment reads the same wherever it appears.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from lms.courses.models import Course, ModuleVersion
from lms.learn.models import Enrolment, ModuleProgress


@dataclass(frozen=True)
class Status:
    key: str  # not-started | in-progress | completed | overdue
    label: str
    percent: int

    @property
    def css(self) -> str:
        """The tag class that goes with the words (the words alone carry the meaning)."""
        return {"completed": "tag-done", "overdue": "tag-overdue"}.get(self.key, "")


def enrolment_status(
    *,
    completed_at: datetime | None,
    due_at: datetime | None,
    now: datetime,
    modules_done: int,
    modules_total: int,
) -> Status:
    percent = round(100 * modules_done / modules_total) if modules_total else 0
    percent = min(percent, 100)
    if completed_at is not None:
        return Status("completed", "Completed", 100)
    if due_at is not None and due_at < now:
        return Status("overdue", "Overdue", percent)
    if modules_done:
        return Status("in-progress", f"In progress {percent}%", percent)
    return Status("not-started", "Not started", 0)


def module_counts() -> tuple[Any, Any]:
    """Two correlated columns (modules done, modules in the course) for a select that has
    ``Enrolment`` and ``Course`` in its FROM clause: no extra statement per page."""
    total = (
        select(func.count(ModuleVersion.id))
        .where(ModuleVersion.course_version_id == Course.current_version_id)
        .correlate(Course)
        .scalar_subquery()
    )
    done = (
        select(func.count(ModuleProgress.id))
        .where(
            ModuleProgress.user_id == Enrolment.user_id,
            ModuleProgress.course_id == Enrolment.course_id,
            ModuleProgress.completed_at.is_not(None),
            ModuleProgress.module_id.in_(
                select(ModuleVersion.module_id).where(
                    ModuleVersion.course_version_id == Course.current_version_id
                )
            ),
        )
        .correlate(Enrolment, Course)
        .scalar_subquery()
    )
    return done, total
