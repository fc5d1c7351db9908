"""Volunteering as an AI champion, the programme owners' decision, and who the champions are.

Services flush; views commit. :func:`is_champion` is the public check other features use
(office hours: who may host; use cases: who may review).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, func, select
from sqlalchemy.orm import joinedload

from lms.champions.models import CONFIRMED, DECLINED, STEPPED_DOWN, VOLUNTEERED, Champion
from lms.database import DbSession
from lms.notifications.service import notify
from lms.people.models import User, utcnow
from lms.recognition.service import award_due_badges

CHAMPIONS_PATH = "/champions"
MAX_LISTED = 500


def is_champion(session: DbSession, user_id: int) -> bool:
    """Whether the person is a confirmed AI champion and still active (one statement)."""
    return bool(
        session.scalar(
            select(
                exists().where(
                    Champion.user_id == user_id,
                    Champion.status == CONFIRMED,
                    User.id == Champion.user_id,
                    User.active.is_(True),
                )
            )
        )
    )


def offer_of(session: DbSession, user_id: int) -> Champion | None:
    return session.scalar(select(Champion).where(Champion.user_id == user_id))


@dataclass
class Offer:
    job_function: str
    team_only: bool
    why: str
    helps_with: str


def volunteer(session: DbSession, user: User, offer: Offer) -> Champion:
    """Record (or update) the person's offer. A confirmed champion who edits stays confirmed;
    after a decline or stepping down, it is a new offer for the programme owners."""
    champion = offer_of(session, user.id)
    if champion is None:
        champion = Champion(user_id=user.id, status=VOLUNTEERED, decision_note="")
        session.add(champion)
    elif champion.status in {DECLINED, STEPPED_DOWN}:
        champion.status = VOLUNTEERED
        champion.decision_note = ""
        champion.decided_by_id = None
        champion.decided_at = None
    champion.job_function = offer.job_function
    champion.team_only = offer.team_only
    champion.why = offer.why
    champion.helps_with = offer.helps_with
    champion.updated_at = utcnow()
    session.flush()
    return champion


def decide(session: DbSession, champion: Champion, status: str, note: str, by: User) -> bool:
    """Confirm or decline an offer (validated by the form); tells the person in the app and,
    on confirmation, awards what the badge rules now give. False when nothing changed."""
    if champion.status == status and champion.decision_note == note:
        return False
    champion.status = status
    champion.decision_note = note
    champion.decided_by_id = by.id
    champion.decided_at = utcnow()
    champion.updated_at = champion.decided_at
    session.flush()
    words = (
        "You are now an AI champion. Thank you!"
        if status == CONFIRMED
        else "Your offer to be an AI champion was not taken up this time."
    )
    notify(session, champion.user_id, "champion", words, CHAMPIONS_PATH + "/volunteer")
    if status == CONFIRMED:
        award_due_badges(session, champion.user_id)
    return True


def step_down(session: DbSession, champion: Champion) -> None:
    champion.status = STEPPED_DOWN
    champion.updated_at = utcnow()
    session.flush()


def confirmed_champions(session: DbSession) -> list[Champion]:
    """Active confirmed champions with their person (and manager), by function then name."""
    return list(
        session.scalars(
            select(Champion)
            .join(User, User.id == Champion.user_id)
            .where(Champion.status == CONFIRMED, User.active.is_(True))
            .options(joinedload(Champion.person))
            .order_by(Champion.job_function, User.name, Champion.id)
            .limit(MAX_LISTED)
        )
    )


def offers_to_decide(session: DbSession) -> list[Champion]:
    """Every offer, open ones first (one statement)."""
    still_open = Champion.status == VOLUNTEERED
    return list(
        session.scalars(
            select(Champion)
            .join(User, User.id == Champion.user_id)
            .where(User.active.is_(True))
            .options(joinedload(Champion.person))
            .order_by(still_open.desc(), Champion.updated_at.desc(), Champion.id.desc())
            .limit(MAX_LISTED)
        )
    )


def get_offer(session: DbSession, champion_id: int) -> Champion | None:
    return session.scalar(
        select(Champion).where(Champion.id == champion_id).options(joinedload(Champion.person))
    )


def champions_in_team(session: DbSession, root_id: int, direct_only: bool) -> int:
    """How many confirmed, active champions report to ``root_id`` (directly, or anywhere below
    them). One statement that walks up from the champions, not down the team, so its cost follows
    the number of champions whatever the size of the team."""
    confirmed = (
        select(User.id.label("champion"), User.manager_id.label("above"))
        .join(Champion, Champion.user_id == User.id)
        .where(Champion.status == CONFIRMED, User.active.is_(True))
    )
    if direct_only:
        inner = confirmed.subquery()
        statement = select(func.count()).select_from(inner).where(inner.c.above == root_id)
        return int(session.scalar(statement) or 0)
    chain = confirmed.cte("champion_chain", recursive=True)
    manager = select(chain.c.champion, User.manager_id).join(User, User.id == chain.c.above)
    chain = chain.union(manager)  # UNION: a cycle in the org chart still ends
    statement = select(func.count(func.distinct(chain.c.champion))).where(chain.c.above == root_id)
    return int(session.scalar(statement) or 0)
