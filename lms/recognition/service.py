"""Awarding and revoking badges. Services flush; the caller commits.

Awards are made only here, by the rules in :mod:`lms.recognition.rules`:

- when learning progresses (:data:`lms.learn.signals.learning_progressed`, sent after module
  completions and scored attempts), inside the same transaction as the learning itself;
- by ``flask --app wsgi lms badges evaluate`` after a rule changed.

Idempotent by construction: ``badge_awards`` is unique per (badge, person). Each award is inserted
in a SAVEPOINT; if another transaction awarded the same badge first, the insert fails with an
``IntegrityError``, only the savepoint rolls back, and the badge counts as already awarded. A
person who has (or had: revoked) an award is never awarded that badge again automatically.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Flask
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from lms.database import DbSession, begin_outer_transaction
from lms.learn.signals import learning_progressed
from lms.notifications.service import notify
from lms.people.models import User, utcnow
from lms.recognition.kudos_models import Certificate
from lms.recognition.models import Badge, BadgeAward
from lms.recognition.rules import evaluate, load_facts, needs_for

MAX_REASON = 500


def award_path(public_id: str) -> str:
    """The award's page (served by the recognition blueprint)."""
    return f"/badges/awards/{public_id}"


@dataclass(frozen=True)
class BadgeRule:
    """What awarding needs of a badge, as plain values (safe across session clears)."""

    id: int
    slug: str
    name: str
    criteria: dict[str, Any]


@dataclass(frozen=True)
class Due:
    user_id: int
    rule: BadgeRule
    evidence: dict[str, Any]


def live_rules(session: DbSession) -> list[BadgeRule]:
    """The live badges' rules (only the columns rules need: never the images)."""
    return [
        BadgeRule(badge_id, slug, name, dict(criteria))
        for badge_id, slug, name, criteria in session.execute(
            select(Badge.id, Badge.slug, Badge.name, Badge.criteria)
            .where(Badge.retired_at.is_(None))
            .order_by(Badge.slug)
        )
    ]


def due_badges(
    session: DbSession, user_ids: Sequence[int], rules: Sequence[BadgeRule]
) -> list[Due]:
    """Badges these people now qualify for and have never held (read only; bounded queries)."""
    if not user_ids or not rules:
        return []
    held: dict[int, set[int]] = {user_id: set() for user_id in user_ids}
    for user_id, badge_id in session.execute(
        select(BadgeAward.user_id, BadgeAward.badge_id).where(BadgeAward.user_id.in_(user_ids))
    ):
        held[user_id].add(badge_id)
    pending = {
        user_id: [rule for rule in rules if rule.id not in held[user_id]] for user_id in user_ids
    }
    needs = needs_for([rule.criteria for rules_left in pending.values() for rule in rules_left])
    people = [user_id for user_id, rules_left in pending.items() if rules_left]
    facts = load_facts(session, people, needs)
    due = []
    for user_id in people:
        for rule in pending[user_id]:
            evidence = evaluate(rule.criteria, facts[user_id])
            if evidence is not None:
                due.append(Due(user_id, rule, evidence))
    return due


def grant(session: DbSession, due: Due) -> BadgeAward | None:
    """Insert one award (and its notification) in a savepoint; None if it already existed."""
    begin_outer_transaction(session)
    try:
        with session.begin_nested():
            award = BadgeAward(
                badge_id=due.rule.id,
                user_id=due.user_id,
                awarded_at=utcnow(),
                evidence=due.evidence,
                recipient_salt=secrets.token_hex(16),
            )
            session.add(award)
            session.flush()
            notify(
                session,
                due.user_id,
                "badge-earned",
                f"You earned the badge {due.rule.name}",
                award_path(award.public_id),
            )
    except IntegrityError:
        return None  # awarded meanwhile by a concurrent transaction
    return award


@dataclass(frozen=True)
class EarnedBadge:
    slug: str
    name: str
    public_id: str  # the award's, for its page and public verification page


@dataclass(frozen=True)
class Earned:
    """What a person holds from one moment of learning (a course completed): badges awarded in
    that window and the course's certificate."""

    badges: list[EarnedBadge]
    certificate_id: str | None  # the certificate's public id


def earned_with(
    session: DbSession, user_id: int, course_id: int, start: datetime, end: datetime
) -> Earned:
    """Live badges awarded to the person from ``start`` to ``end`` (awarding runs in the same
    transaction as the learning that earned them) and their certificate for the course: two
    statements. For pages such as the course-completed screen."""
    badges = [
        EarnedBadge(slug, name, public_id)
        for slug, name, public_id in session.execute(
            select(Badge.slug, Badge.name, BadgeAward.public_id)
            .join(Badge, Badge.id == BadgeAward.badge_id)
            .where(
                BadgeAward.user_id == user_id,
                BadgeAward.revoked_at.is_(None),
                BadgeAward.awarded_at >= start,
                BadgeAward.awarded_at <= end,
            )
            .order_by(BadgeAward.awarded_at, BadgeAward.id)
        )
    ]
    certificate = session.scalar(
        select(Certificate.public_id).where(
            Certificate.user_id == user_id, Certificate.course_id == course_id
        )
    )
    return Earned(badges, certificate)


def award_due_badges(session: DbSession, user_id: int) -> list[BadgeAward]:
    """Award every badge this person now qualifies for. Returns the new awards."""
    awards = []
    for due in due_badges(session, [user_id], live_rules(session)):
        award = grant(session, due)
        if award is not None:
            awards.append(award)
    return awards


def _on_learning_progressed(sender: DbSession, **kwargs: Any) -> None:
    award_due_badges(sender, int(kwargs["user_id"]))


def init_app(app: Flask) -> None:
    """Award badges when learning progresses (same transaction as the learning event)."""
    learning_progressed.connect(_on_learning_progressed)


# ----------------------------------------------------------------------- re-evaluating everyone


def people_batches(
    session: DbSession, user_ids: Sequence[int] | None, batch_size: int
) -> Iterator[list[int]]:
    """Active people's ids in batches, by id (keyset pagination: one query per batch)."""
    last = 0
    while True:
        statement = select(User.id).where(User.active.is_(True), User.id > last)
        if user_ids is not None:
            statement = statement.where(User.id.in_(user_ids))
        batch = list(session.scalars(statement.order_by(User.id).limit(batch_size)))
        if not batch:
            return
        yield batch
        last = batch[-1]


# ------------------------------------------------------------------------------------ revoking


class RevokeError(ValueError):
    """A revocation that cannot be made, with a message fit to show."""


def revoke(session: DbSession, award: BadgeAward, by: User, reason: str) -> None:
    """Revoke an award with a reason. The row stays (Open Badges lists it as revoked)."""
    reason = " ".join(reason.split())
    if not reason:
        raise RevokeError("Give a reason for revoking the badge.")
    if len(reason) > MAX_REASON:
        raise RevokeError(f"The reason is longer than {MAX_REASON} characters.")
    # One conditional UPDATE: of two admins revoking at the same moment, one wins.
    claimed = session.execute(
        update(BadgeAward)
        .where(BadgeAward.id == award.id, BadgeAward.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revocation_reason=reason, revoked_by_id=by.id)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise RevokeError("This award has already been revoked.")
    session.refresh(award)
    notify(
        session,
        award.user_id,
        "badge-revoked",
        f"Your badge {award.badge.name} was revoked: {reason}",
        award_path(award.public_id),
    )
    session.flush()


# --------------------------------------------------------------------------------- admin lists


@dataclass
class BadgeSummary:
    id: int
    slug: str
    name: str
    criteria: dict[str, Any]
    retired: bool
    awarded: int  # live awards
    revoked: int


def badge_summaries(session: DbSession) -> list[BadgeSummary]:
    """Every badge with its award counts (two queries; images are not loaded)."""
    counts: dict[int, tuple[int, int]] = {
        badge_id: (total, revoked)
        for badge_id, total, revoked in session.execute(
            select(
                BadgeAward.badge_id,
                func.count(BadgeAward.id),
                func.count(BadgeAward.revoked_at),
            ).group_by(BadgeAward.badge_id)
        )
    }
    rows = session.execute(
        select(Badge.id, Badge.slug, Badge.name, Badge.criteria, Badge.retired_at).order_by(
            Badge.retired_at.is_not(None), Badge.name
        )
    )
    summaries = []
    for badge_id, slug, name, criteria, retired_at in rows:
        total, revoked = counts.get(badge_id, (0, 0))
        summaries.append(
            BadgeSummary(
                badge_id,
                slug,
                name,
                dict(criteria),
                retired_at is not None,
                total - revoked,
                revoked,
            )
        )
    return summaries


@dataclass
class AwardRow:
    award: BadgeAward
    badge_slug: str
    badge_name: str
    person_name: str
    person_email: str
    revoked_by: str | None


@dataclass
class AwardPage:
    rows: list[AwardRow]
    total: int
    page: int
    pages: int


def search_awards(
    session: DbSession, query: str = "", badge_slug: str = "", page: int = 1, per_page: int = 50
) -> AwardPage:
    """Awards, newest first, filtered by person (name or email) or badge name, and by badge."""
    revoker = aliased(User)
    conditions = []
    if query:
        pattern = f"%{query.lower()}%"
        conditions.append(
            or_(
                func.lower(User.name).like(pattern),
                func.lower(User.email).like(pattern),
                func.lower(Badge.name).like(pattern),
            )
        )
    if badge_slug:
        conditions.append(Badge.slug == badge_slug)
    base = (
        select(BadgeAward.id)
        .join(Badge, Badge.id == BadgeAward.badge_id)
        .join(User, User.id == BadgeAward.user_id)
        .where(*conditions)
    )
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    rows = session.execute(
        select(BadgeAward, Badge.slug, Badge.name, User.name, User.email, revoker.name)
        .join(Badge, Badge.id == BadgeAward.badge_id)
        .join(User, User.id == BadgeAward.user_id)
        .outerjoin(revoker, revoker.id == BadgeAward.revoked_by_id)
        .where(*conditions)
        .order_by(BadgeAward.awarded_at.desc(), BadgeAward.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return AwardPage([AwardRow(*row) for row in rows], total, page, pages)


def badge_png(session: DbSession, slug: str) -> bytes | None:
    png: bytes | None = session.scalar(select(Badge.image_png).where(Badge.slug == slug))
    return png
