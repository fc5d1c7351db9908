"""The baseline assessment's self-rating step, and the self-rated vs measured comparison."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from lms.activity.service import record
from lms.database import DbSession
from lms.learn.models import SelfRating
from lms.learn.service import audiences_for, level_map
from lms.literacy.model import CORE_AREAS
from lms.people.models import User, utcnow


def areas_for(session: DbSession, user: User, audiences: set[str] | None = None) -> list[str]:
    """The core areas, and "leading" for managers and executives (``audiences`` if known)."""
    areas = list(CORE_AREAS)
    if audiences is None:
        audiences = audiences_for(session, user)
    if audiences & {"managers", "executives"}:
        areas.append("leading")
    return areas


def record_self_ratings(session: DbSession, user: User, ratings: dict[str, int]) -> None:
    now = utcnow()
    for competency, level in ratings.items():
        session.add(SelfRating(user_id=user.id, competency=competency, level=level, rated_at=now))
    record(
        session,
        user.id,
        "self-assessed",
        "baseline",
        "self-rating",
        object_name="Self-rating",
        result={"ratings": ratings},
        at=now,
    )
    session.flush()


def latest_self_ratings(session: DbSession, user_id: int) -> dict[str, int]:
    newest = (
        select(SelfRating.competency, func.max(SelfRating.id).label("id"))
        .where(SelfRating.user_id == user_id)
        .group_by(SelfRating.competency)
        .subquery()
    )
    rows = session.execute(
        select(SelfRating.competency, SelfRating.level).join(newest, newest.c.id == SelfRating.id)
    ).all()
    return {competency: level for competency, level in rows}


@dataclass
class Gap:
    competency: str
    self_rated: int | None
    measured: int

    @property
    def difference(self) -> int | None:
        return None if self.self_rated is None else self.self_rated - self.measured


def self_vs_measured(
    session: DbSession,
    user: User,
    measured: dict[str, int] | None = None,
    audiences: set[str] | None = None,
) -> list[Gap]:
    """Self-rated against measured level per area (pass ``measured``/``audiences`` if loaded)."""
    rated = latest_self_ratings(session, user.id)
    if measured is None:
        measured = level_map(session, user.id)
    return [
        Gap(area, rated.get(area), measured.get(area, 0))
        for area in areas_for(session, user, audiences)
    ]
