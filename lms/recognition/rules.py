"""Badge rules: which badges a person qualifies for, from what the database records.

Two halves. :func:`load_facts` reads the few facts rules need for a batch of people with a fixed
number of queries (at most one per kind of fact, whatever the number of people or badges), and
:func:`evaluate` decides one badge for one person from those facts, without touching the database.

Only recorded learning counts: completed courses (``Enrolment.completed_at``), stored levels
(``LiteracyLevel``, computed from scored answers), a submitted baseline, learning activity events
(completions and scored attempts; enrolling or opening a page is not learning). Clicking around
earns nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, exists, func, select
from sqlalchemy.orm import aliased

from lms.activity.models import ActivityEvent
from lms.champions.models import CONFIRMED, Champion
from lms.courses.models import Course
from lms.courses.vocabulary import COMPETENCIES, LEVELS
from lms.database import DbSession
from lms.learn.models import Attempt, Enrolment
from lms.literacy.models import OVERALL, LiteracyLevel
from lms.officehours.models import OfficeHoursSignup
from lms.people.models import User
from lms.usecases.models import UseCase, UseCaseTry

# Activity that counts towards a learning streak: finishing something or having an attempt scored.
LEARNING_VERBS = ("completed", "passed", "failed")

# Which facts each criteria type needs (so a batch loads only those).
NEEDS: dict[str, frozenset[str]] = {
    "course-completed": frozenset({"completed"}),
    "courses-completed": frozenset({"completed"}),
    "level-at-least": frozenset({"levels"}),
    "overall-level-at-least": frozenset({"levels"}),
    "baseline-done": frozenset({"baseline"}),
    "voluntary-learning": frozenset({"completed"}),
    "learning-streak": frozenset({"weeks"}),
    "leading-by-example": frozenset({"completed", "role"}),
    "use-cases-published": frozenset({"use_cases"}),
    "use-cases-tried": frozenset({"use_cases"}),
    "champion": frozenset({"champion"}),
    "office-hours-attended": frozenset({"office_hours"}),
}


@dataclass
class Facts:
    """What rules know about one person."""

    completed: dict[str, str] = field(default_factory=dict)  # course slug -> enrolment source
    levels: dict[str, int] = field(default_factory=dict)  # competency (or "overall") -> level
    baseline_done: bool = False
    active_weeks: set[tuple[int, int]] = field(default_factory=set)  # ISO (year, week)
    is_manager: bool = False
    is_executive: bool = False
    use_cases_published: int = 0  # their shared cases now in the library
    use_cases_tried: int = 0  # colleagues' cases they marked "I tried this"
    is_champion: bool = False  # a confirmed AI champion
    office_hours_attended: int = 0  # sessions the host marked them as attending


def needs_for(criteria: Sequence[Mapping[str, Any]]) -> set[str]:
    needed: set[str] = set()
    for item in criteria:
        needed |= NEEDS.get(str(item.get("type")), frozenset())
    return needed


def load_facts(session: DbSession, user_ids: Sequence[int], needs: set[str]) -> dict[int, Facts]:
    """Facts for these people, reading only what ``needs`` names (one query per kind)."""
    facts = {user_id: Facts() for user_id in user_ids}
    ids = list(facts)
    if not ids:
        return facts
    if "completed" in needs:
        rows = session.execute(
            select(Enrolment.user_id, Course.slug, Enrolment.source)
            .join(Course, Course.id == Enrolment.course_id)
            .where(Enrolment.user_id.in_(ids), Enrolment.completed_at.is_not(None))
        )
        for user_id, slug, source in rows:
            facts[user_id].completed[slug] = source
    if "levels" in needs:
        level_rows = session.execute(
            select(LiteracyLevel.user_id, LiteracyLevel.competency, LiteracyLevel.level).where(
                LiteracyLevel.user_id.in_(ids)
            )
        )
        for user_id, competency, level in level_rows:
            facts[user_id].levels[competency] = level
    if "baseline" in needs:
        for user_id in session.scalars(
            select(Attempt.user_id)
            .where(
                Attempt.user_id.in_(ids),
                Attempt.kind == "baseline",
                Attempt.submitted_at.is_not(None),
            )
            .distinct()
        ):
            facts[user_id].baseline_done = True
    if "weeks" in needs:
        day = func.date(ActivityEvent.occurred_at, type_=Date)
        for user_id, when in session.execute(
            select(ActivityEvent.user_id, day)
            .where(ActivityEvent.user_id.in_(ids), ActivityEvent.verb.in_(LEARNING_VERBS))
            .distinct()
        ):
            facts[user_id].active_weeks.add(_iso_week(when))
    if "office_hours" in needs:
        _load_office_hours(session, ids, facts)
    if "use_cases" in needs:
        _load_use_cases(session, ids, facts)
    if "champion" in needs:
        for user_id in session.scalars(
            select(Champion.user_id).where(Champion.user_id.in_(ids), Champion.status == CONFIRMED)
        ):
            facts[user_id].is_champion = True
    if "role" in needs:
        report = aliased(User)
        has_reports = exists().where(report.manager_id == User.id)
        for user_id, is_executive, is_manager in session.execute(
            select(User.id, User.is_executive, has_reports).where(User.id.in_(ids))
        ):
            facts[user_id].is_executive = bool(is_executive)
            facts[user_id].is_manager = bool(is_manager)
    return facts


def _load_office_hours(session: DbSession, ids: list[int], facts: dict[int, Facts]) -> None:
    # From the sign-ups, not the activity events: attendance the host unticks stops counting.
    attended = OfficeHoursSignup.attended_at.is_not(None)
    for user_id, count in session.execute(
        select(OfficeHoursSignup.user_id, func.count(OfficeHoursSignup.id))
        .where(OfficeHoursSignup.user_id.in_(ids), attended)
        .group_by(OfficeHoursSignup.user_id)
    ):
        facts[user_id].office_hours_attended = int(count)


def _load_use_cases(session: DbSession, ids: list[int], facts: dict[int, Facts]) -> None:
    for user_id, count in session.execute(
        select(UseCase.author_id, func.count())
        .where(UseCase.author_id.in_(ids), UseCase.status == "published")
        .group_by(UseCase.author_id)
    ):
        facts[user_id].use_cases_published = int(count)
    for user_id, count in session.execute(
        select(UseCaseTry.user_id, func.count())
        .where(UseCaseTry.user_id.in_(ids))
        .group_by(UseCaseTry.user_id)
    ):
        facts[user_id].use_cases_tried = int(count)


def _iso_week(value: date | datetime | str) -> tuple[int, int]:
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    year, week, _ = value.isocalendar()
    return year, week


def evaluate(criteria: Mapping[str, Any], facts: Facts) -> dict[str, Any] | None:
    """The evidence when ``facts`` meet ``criteria``, else None. Unknown types never award."""
    kind = criteria.get("type")
    if kind == "course-completed":
        course = criteria["course"]
        return {"course": course} if course in facts.completed else None
    if kind == "courses-completed":
        courses = list(criteria["courses"])
        return {"courses": courses} if all(c in facts.completed for c in courses) else None
    if kind == "level-at-least":
        competency, wanted = criteria["competency"], int(criteria["level"])
        level = facts.levels.get(competency, 0)
        return {"competency": competency, "level": level} if level >= wanted else None
    if kind == "overall-level-at-least":
        level = facts.levels.get(OVERALL, 0)
        return {"competency": OVERALL, "level": level} if level >= int(criteria["level"]) else None
    if kind == "baseline-done":
        return {"baseline": "done"} if facts.baseline_done else None
    if kind == "voluntary-learning":
        chosen = sorted(slug for slug, source in facts.completed.items() if source == "self")
        return {"courses": chosen} if len(chosen) >= int(criteria["count"]) else None
    if kind == "learning-streak":
        weeks = sorted(facts.active_weeks)
        if len(weeks) < int(criteria["weeks"]):
            return None
        return {"weeks": len(weeks), "latest_week": "{}-W{:02d}".format(*weeks[-1])}
    if kind == "leading-by-example":
        course = criteria["course"]
        if course not in facts.completed or not (facts.is_manager or facts.is_executive):
            return None
        return {"course": course, "role": "executive" if facts.is_executive else "manager"}
    if kind == "office-hours-attended":
        count = facts.office_hours_attended
        return {"office_hours_attended": count} if count >= int(criteria["count"]) else None
    return _evaluate_adoption(kind, criteria, facts)


def _evaluate_adoption(
    kind: Any, criteria: Mapping[str, Any], facts: Facts
) -> dict[str, Any] | None:
    """The use-case library's and champions' rules (lms.usecases, lms.champions)."""
    if kind == "use-cases-published":
        count = facts.use_cases_published
        return {"use_cases_published": count} if count >= int(criteria["count"]) else None
    if kind == "use-cases-tried":
        count = facts.use_cases_tried
        return {"use_cases_tried": count} if count >= int(criteria["count"]) else None
    if kind == "champion":
        return {"champion": True} if facts.is_champion else None
    return None


def describe(criteria: Mapping[str, Any]) -> str:
    """One line for people: what the rule asks for."""
    kind = criteria.get("type")
    if kind == "course-completed":
        return f"Complete the course {criteria['course']}"
    if kind == "courses-completed":
        return "Complete the courses " + ", ".join(criteria["courses"])
    if kind == "level-at-least":
        area = COMPETENCIES.get(criteria["competency"], criteria["competency"])
        level = criteria["level"]
        return f"Reach level {level} ({LEVELS.get(level, '')}) in {area}"
    if kind == "overall-level-at-least":
        level = criteria["level"]
        return f"Reach overall level {level} ({LEVELS.get(level, '')})"
    if kind == "baseline-done":
        return "Take the baseline assessment"
    if kind == "voluntary-learning":
        return f"Complete {criteria['count']} courses you chose yourself"
    if kind == "learning-streak":
        return f"Learn in {criteria['weeks']} different weeks"
    if kind == "leading-by-example":
        return f"As a manager or executive, complete the course {criteria['course']}"
    if kind == "office-hours-attended":
        count = int(criteria["count"])
        return f"Attend {count} office hours session{'s' if count > 1 else ''}"
    if kind == "use-cases-published":
        return f"Share {criteria['count']} use cases that are published in the library"
    if kind == "use-cases-tried":
        return f"Try {criteria['count']} colleagues' use cases and say so"
    if kind == "champion":
        return "Be confirmed as an AI champion"
    return str(kind)
