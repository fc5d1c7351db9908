"""What a result page says beyond the marks.

- A passed attempt that completed its course gets the completion screen: the level change this
  attempt made (per area and overall, before and after, from the evidence) and the next course to
  take. What was earned (badges, the certificate) is recognition's, added by the view.
- A failed final quiz says what to do next: try again (attempts left, a cool-down) or who can
  grant one more attempt, and the modules to revisit. Never which options were right: the review
  policy (``quiz.shows_keys``) alone decides that.

Each is a fixed number of statements, whatever the person's history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from lms.courses.models import Course, Module, ModuleVersion
from lms.courses.vocabulary import COMPETENCIES, LEVELS
from lms.database import DbSession
from lms.learn.baseline import Gap, areas_for
from lms.learn.home import Recommendation, recommend
from lms.learn.models import Attempt, Enrolment
from lms.learn.quiz import ReviewItem, quiz_status
from lms.learn.service import audiences_for
from lms.literacy.model import CORE_AREAS
from lms.literacy.models import OVERALL
from lms.literacy.service import LevelStep, levels_around
from lms.people.models import User, utcnow

# Scoring, completing the course and awarding run in one request: whatever that request did is
# stamped within this long of the attempt's submission.
SAME_REQUEST = timedelta(minutes=1)


@dataclass
class Completion:
    course_id: int
    completed_at: datetime
    levels: list[LevelStep]  # the course's and this attempt's areas, then the overall level
    next_course: Recommendation | None
    counted: bool  # the course version's answers count towards levels (approved)
    weakest: list[str]  # the lowest core areas: what lifts the overall level

    @property
    def earned_until(self) -> datetime:
        return self.completed_at + SAME_REQUEST

    def lifts(self) -> list[tuple[LevelStep, str]]:
        """Where this attempt moved nothing: what would lift each level next, in words."""
        found = [(step, lift_in_words(step, self.weakest)) for step in self.levels]
        return [(step, words) for step, words in found if words and not step.changed]


def completion_for(
    session: DbSession, user: User, attempt: Attempt, items: list[ReviewItem], manager: bool
) -> Completion | None:
    """The completion screen's facts when this attempt completed its course, else None.

    Three statements: the person's enrolments, the evidence, the published courses.
    """
    version = attempt.course_version
    if not attempt.passed or attempt.submitted_at is None or version is None:
        return None
    enrolled = {
        slug: (course_id, completed_at)
        for slug, course_id, completed_at in session.execute(
            select(Course.slug, Enrolment.course_id, Enrolment.completed_at)
            .join(Course, Course.id == Enrolment.course_id)
            .where(Enrolment.user_id == user.id)
        )
    }
    completed_at = next(
        (at for course_id, at in enrolled.values() if course_id == attempt.course_id), None
    )
    if completed_at is None or not (
        attempt.submitted_at <= completed_at <= attempt.submitted_at + SAME_REQUEST
    ):
        return None  # completed earlier, later (a module read afterwards) or not at all
    areas = [
        area
        for area in COMPETENCIES
        if area in version.competencies or any(i.question.competency == area for i in items)
    ]
    steps = levels_around(session, user.id, attempt.id, attempt.submitted_at, areas)
    after = {area: step.after for area, step in steps.items()}
    return Completion(
        course_id=version.course_id,
        completed_at=completed_at,
        levels=[steps[area] for area in areas] + [steps[OVERALL]],
        next_course=_next_course(session, user, after, set(enrolled), manager),
        counted=version.approved_at is not None,
        weakest=_weakest(after),
    )


HARD_QUESTIONS = {
    3: "hard questions (judging situations that are new to you)",
    2: "questions that apply it to everyday work",
    1: "questions",
}


def lift_in_words(step: LevelStep, weakest: list[str]) -> str:
    """What would lift this level next, in words (empty at the top level)."""
    if step.after >= len(LEVELS) - 1:
        return ""
    target = f"level {step.after + 1} ({LEVELS[step.after + 1]})"
    if step.competency == OVERALL:
        names = ", then ".join(COMPETENCIES[area] for area in weakest)
        return (
            f"To reach overall {target}, the six core areas need to average level "
            f"{step.after + 1}: start with {names}."
        )
    hard = HARD_QUESTIONS.get(step.hard_difficulty, "questions")
    parts = []
    if "correct" in step.missing and "hard" in step.missing:
        parts.append(f"more right answers, some of them to {hard}")
    elif "correct" in step.missing:
        parts.append("more right answers")
    elif "hard" in step.missing:
        parts.append(f"more right answers to {hard}")
    if "score" in step.missing:
        parts.append("fewer wrong answers among your recent ones")
    if not parts:
        return ""
    return f"To reach {target}: {' and '.join(parts)}."


def _next_course(
    session: DbSession, user: User, measured: dict[str, int], enrolled: set[str], manager: bool
) -> Recommendation | None:
    """The learner home's first recommendation, from the levels just reached (one statement)."""
    audiences = audiences_for(session, user, manager)
    gaps = [Gap(area, None, measured.get(area, 0)) for area in areas_for(session, user, audiences)]
    found = recommend(session, user, gaps, enrolled, audiences)
    return found[0] if found else None


def _weakest(levels: dict[str, int]) -> list[str]:
    """The core areas at the lowest level: raising them lifts the overall level soonest."""
    lowest = min(levels.get(area, 0) for area in CORE_AREAS)
    return [area for area in CORE_AREAS if levels.get(area, 0) == lowest][:2]


# ------------------------------------------------------------------------- a failed final quiz


@dataclass
class ModuleLink:
    slug: str
    title: str


@dataclass
class NextSteps:
    passed_later: bool
    open_attempt: Attempt | None
    attempts_left: int | None  # None: as many as needed
    available_at: datetime | None  # after a cool-down
    manager_name: str | None  # who can grant one more attempt, with administrators
    revisit: list[ModuleLink]

    @property
    def wait_in_words(self) -> str:
        return wait_in_words(self.available_at - utcnow()) if self.available_at else ""


def failed_quiz_steps(
    session: DbSession, user: User, attempt: Attempt, items: list[ReviewItem]
) -> NextSteps | None:
    """What to do after a failed final quiz: three statements (attempts, grants, modules), one
    more for the manager's name once every attempt is used."""
    version = attempt.course_version
    if attempt.kind != "quiz" or attempt.passed is not False or version is None:
        return None
    status: dict[str, Any] = quiz_status(session, user, version.course, version)
    limit: int = status["limit"]
    left = max(limit - status["used"], 0) if limit else None
    manager = None
    if left == 0 and not status["passed"] and user.manager_id is not None:
        manager = session.scalar(select(User.name).where(User.id == user.manager_id))
    # Under "none" the learner learns nothing about single questions, not even their areas.
    missed = (
        {item.question.competency for item in items if not item.correct}
        if attempt.review != "none"
        else set()
    )
    return NextSteps(
        passed_later=bool(status["passed"]),
        open_attempt=status["open_attempt"],
        attempts_left=left,
        available_at=status["available_at"],
        manager_name=manager,
        revisit=modules_covering(session, version.course, missed),
    )


def modules_covering(session: DbSession, course: Course, areas: set[str]) -> list[ModuleLink]:
    """The live modules that teach any of ``areas``, in course order (one statement). A final
    quiz's questions belong to no module: their area says where they are taught."""
    if not areas or course.current_version_id is None:
        return []
    rows = session.execute(
        select(Module.slug, ModuleVersion.title, ModuleVersion.competencies)
        .join(Module, Module.id == ModuleVersion.module_id)
        .where(ModuleVersion.course_version_id == course.current_version_id)
        .order_by(ModuleVersion.position)
    )
    return [
        ModuleLink(slug, title) for slug, title, taught in rows if areas.intersection(taught or [])
    ]


def wait_in_words(left: timedelta) -> str:
    """A short wait as people say it: minutes under two hours, then hours, then days."""
    minutes = max(1, round(left.total_seconds() / 60))
    if minutes < 120:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    hours = round(minutes / 60)
    if hours < 48:
        return f"about {hours} hours"
    return f"about {round(hours / 24)} days"
