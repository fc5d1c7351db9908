"""No dead ends: one more quiz attempt, granted with a reason, and extra time on timed quizzes.

A manager may grant an attempt to people in their own subtree, an admin to anyone; anyone else
is told the person does not exist (the views answer 404). Time accommodations are set by admins
only; managers see that one exists, never why (the note is for admins).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from lms.courses.models import Course, CourseVersion
from lms.database import DbSession
from lms.learn.models import AttemptGrant, TimeAccommodation
from lms.people.models import User, utcnow
from lms.people.org import is_in_subtree

# What an admin can choose: a label for people, and the multiplier stored (0 = no time limit).
ACCOMMODATIONS = {"none": None, "x1.5": 1.5, "x2": 2.0, "no-limit": 0.0}
ACCOMMODATION_LABELS = {
    "none": "No accommodation",
    "x1.5": "One and a half times the time",
    "x2": "Twice the time",
    "no-limit": "No time limit",
}
MIN_REASON = 5


class GrantError(Exception):
    """Refused for a reason the person asking can fix (shown to them)."""


def may_act_for(session: DbSession, actor: User, person_id: int) -> bool:
    """Admins for everyone; managers for their own subtree (not themselves)."""
    if actor.is_admin:
        return True
    return person_id != actor.id and is_in_subtree(session, actor.id, person_id)


def grant_attempt(
    session: DbSession, actor: User, person: User, course_slug: str, reason: str
) -> AttemptGrant:
    """One more attempt at the course's final quiz, recorded with who and why. Flushes."""
    reason = " ".join(reason.split())
    if len(reason) < MIN_REASON:
        raise GrantError("Say why the extra attempt is given (a few words at least).")
    course = session.scalar(select(Course).where(Course.slug == course_slug))
    if course is None or course.current_version_id is None:
        raise GrantError("There is no such course.")
    grant = AttemptGrant(
        user_id=person.id, course_id=course.id, granted_by_id=actor.id, reason=reason[:500]
    )
    # Not an activity event: activity counts as engagement, and a grant is not the person's doing.
    session.add(grant)
    session.flush()
    return grant


@dataclass(frozen=True)
class GrantLine:
    course_title: str
    granted_at: datetime
    granted_by: str
    reason: str


def grants_for(session: DbSession, person_id: int) -> list[GrantLine]:
    """Every extra attempt granted to this person, newest first (one statement)."""
    granter = User.__table__.alias("granter")
    rows = session.execute(
        select(CourseVersion.title, AttemptGrant.granted_at, granter.c.name, AttemptGrant.reason)
        .join(Course, Course.id == AttemptGrant.course_id)
        .join(CourseVersion, CourseVersion.id == Course.current_version_id)
        .outerjoin(granter, granter.c.id == AttemptGrant.granted_by_id)
        .where(AttemptGrant.user_id == person_id)
        .order_by(AttemptGrant.granted_at.desc(), AttemptGrant.id.desc())
    ).all()
    return [GrantLine(title, at, by or "someone who has left", why) for title, at, by, why in rows]


def accommodation_of(session: DbSession, person_id: int) -> TimeAccommodation | None:
    return session.get(TimeAccommodation, person_id)


def accommodation_choice(accommodation: TimeAccommodation | None) -> str:
    if accommodation is None:
        return "none"
    return next(k for k, v in ACCOMMODATIONS.items() if v == accommodation.multiplier)


def set_accommodation(
    session: DbSession, admin: User, person: User, choice: str, note: str
) -> TimeAccommodation | None:
    """Set (or with ``none`` remove) a person's time accommodation. Admins only. Flushes."""
    if not admin.is_admin:
        raise GrantError("Only administrators set time accommodations.")
    if choice not in ACCOMMODATIONS:
        raise GrantError("Choose one of the listed accommodations.")
    existing = session.get(TimeAccommodation, person.id)
    multiplier = ACCOMMODATIONS[choice]
    if multiplier is None:
        if existing is not None:
            session.delete(existing)
        session.flush()
        return None
    if existing is None:
        existing = TimeAccommodation(user_id=person.id, multiplier=multiplier)
        session.add(existing)
    existing.multiplier = multiplier
    existing.note = " ".join(note.split())[:500]
    existing.set_by_id = admin.id
    existing.set_at = utcnow()
    session.flush()
    return existing


def course_slugs(session: DbSession) -> list[str]:
    """Every live course with a final quiz (what an extra attempt can be for)."""
    return list(
        session.scalars(
            select(Course.slug)
            .join(CourseVersion, CourseVersion.id == Course.current_version_id)
            .where(CourseVersion.quiz_settings.is_not(None))
            .order_by(Course.slug)
        )
    )
