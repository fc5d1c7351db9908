"""The baseline's results page ("Your starting point"): per area, the self-rated against the
measured level, a sentence for every large gap, and a suggested path of courses.

The figures are those the baseline ended with (kept in ``BaselineProgress`` when it was scored),
so the page still shows the starting point after the levels have moved on. A baseline scored
before that was kept falls back to the latest self-rating and the levels as they are now.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from lms.courses.models import Course
from lms.courses.vocabulary import COMPETENCIES
from lms.database import DbSession
from lms.learn.baseline import Gap, self_vs_measured
from lms.learn.home import Recommendation, recommend
from lms.learn.models import BaselineProgress, Enrolment
from lms.people.models import User

# Three answers per area place at most level 2 (docs/literacy-model.md): a measured 2 means "at
# least 2", so a higher self-rating is no proven gap.
BASELINE_CEILING = 2
# A difference of this many levels or more gets a sentence of its own.
LARGE_GAP = 2
WEAKEST_SHOWN = 2


@dataclass
class AreaResult:
    competency: str
    name: str
    self_rated: int | None
    measured: int

    @property
    def difference(self) -> int | None:
        """Self-rated minus measured (None: not rated)."""
        return None if self.self_rated is None else self.self_rated - self.measured

    @property
    def at_ceiling(self) -> bool:
        """Rated above a measured level the baseline cannot show beyond."""
        return self.measured >= BASELINE_CEILING and (self.difference or 0) > 0

    @property
    def gap_words(self) -> str:
        difference = self.difference
        if difference is None:
            return "Not rated"
        if difference == 0:
            return "Same"
        if difference > 0:
            return f"Rated {'up to ' if self.at_ceiling else ''}{difference} higher"
        return f"Answers {-difference} higher"

    @property
    def sentence(self) -> str | None:
        """What a large gap means, in a sentence (None: no large gap)."""
        difference = self.difference
        if difference is None or abs(difference) < LARGE_GAP:
            return None
        said = f"You rated yourself {self.self_rated} in {self.name}; your answers show"
        if self.at_ceiling:
            return f"{said} at least {self.measured}, the most this short assessment can show."
        if difference > 0:
            return f"{said} {self.measured}."
        return f"{said} {self.measured}: you know more than you think."


@dataclass
class StartingPoint:
    areas: list[AreaResult]
    weakest: list[AreaResult]
    courses: list[Recommendation]

    @property
    def sentences(self) -> list[str]:
        return [area.sentence for area in self.areas if area.sentence]


def starting_point(
    session: DbSession, user: User, progress: BaselineProgress | None, audiences: set[str]
) -> StartingPoint:
    """Two statements when the baseline's figures were kept (courses, enrolments)."""
    if progress is not None and progress.measured is not None:
        rated = progress.self_rated or {}
        areas = [
            AreaResult(area, COMPETENCIES[area], rated.get(area), level)
            for area, level in sorted(
                progress.measured.items(), key=lambda item: list(COMPETENCIES).index(item[0])
            )
            if area in COMPETENCIES
        ]
    else:
        areas = [
            AreaResult(gap.competency, COMPETENCIES[gap.competency], gap.self_rated, gap.measured)
            for gap in self_vs_measured(session, user, None, audiences)
        ]
    # Lowest measured first and, among equals, the largest overrating: where to start.
    ranked = sorted(areas, key=lambda area: (area.measured, -(area.difference or 0)))
    weakest = [area for area in ranked if area.measured < 4][:WEAKEST_SHOWN]
    enrolled = set(
        session.scalars(
            select(Course.slug)
            .join(Enrolment, Enrolment.course_id == Course.id)
            .where(Enrolment.user_id == user.id)
        )
    )
    # recommend() ranks courses by the areas' order among equal levels: pass them ranked.
    gaps = [Gap(area.competency, area.self_rated, area.measured) for area in ranked]
    return StartingPoint(areas, weakest, recommend(session, user, gaps, enrolled, audiences))
