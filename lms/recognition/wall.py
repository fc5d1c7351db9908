"""The recognition wall, profiles and privacy settings.

Nothing about a person is shown to others unless they opted in (``RecognitionSettings``, off by
default): the wall filters on ``show_on_wall`` and profiles on ``show_on_profile`` in SQL, at read
time, so switching off hides everything at once. Every page runs a fixed number of queries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import String, literal_column, select, union_all
from sqlalchemy.orm import joinedload

from lms.database import DbSession
from lms.people.models import User, utcnow
from lms.people.org import is_in_subtree
from lms.recognition.kudos_models import Certificate, Kudos
from lms.recognition.models import BadgeAward, RecognitionSettings

PER_PAGE = 20
MAX_PAGE = 500
PROFILE_LIMIT = 200
PROFILE_KUDOS_LIMIT = 20


def settings_for(session: DbSession, user_id: int) -> RecognitionSettings:
    """The person's settings; the defaults (everything off) if they never saved any."""
    found = session.get(RecognitionSettings, user_id)
    if found is not None:
        return found
    return RecognitionSettings(user_id=user_id, show_on_wall=False, show_on_profile=False)


def save_settings(
    session: DbSession, user_id: int, *, show_on_wall: bool, show_on_profile: bool
) -> RecognitionSettings:
    settings = session.get(RecognitionSettings, user_id)
    if settings is None:
        settings = RecognitionSettings(user_id=user_id)
        session.add(settings)
    settings.show_on_wall = show_on_wall
    settings.show_on_profile = show_on_profile
    settings.updated_at = utcnow()
    session.flush()
    return settings


@dataclass
class WallItem:
    kind: str  # badge | course | kudos
    at: datetime
    person: User
    award: BadgeAward | None = None
    certificate: Certificate | None = None
    kudos: Kudos | None = None


@dataclass
class WallPage:
    items: list[WallItem]
    page: int
    has_next: bool


def _wall_rows() -> tuple[Any, Any, Any]:
    on_wall = RecognitionSettings.show_on_wall.is_(True)
    badges = (
        select(
            literal_column("'badge'", String).label("kind"),
            BadgeAward.id.label("item_id"),
            BadgeAward.awarded_at.label("at"),
        )
        .join(RecognitionSettings, RecognitionSettings.user_id == BadgeAward.user_id)
        .join(User, User.id == BadgeAward.user_id)
        .where(on_wall, User.active.is_(True), BadgeAward.revoked_at.is_(None))
    )
    courses = (
        select(
            literal_column("'course'", String).label("kind"),
            Certificate.id.label("item_id"),
            Certificate.completed_at.label("at"),
        )
        .join(RecognitionSettings, RecognitionSettings.user_id == Certificate.user_id)
        .join(User, User.id == Certificate.user_id)
        .where(on_wall, User.active.is_(True))
    )
    kudos = (
        select(
            literal_column("'kudos'", String).label("kind"),
            Kudos.id.label("item_id"),
            Kudos.created_at.label("at"),
        )
        .join(RecognitionSettings, RecognitionSettings.user_id == Kudos.recipient_id)
        .join(User, User.id == Kudos.recipient_id)
        .where(on_wall, User.active.is_(True))
    )
    return badges, courses, kudos


def wall_page(session: DbSession, page: int = 1, per_page: int = PER_PAGE) -> WallPage:
    """Newest first, ``per_page`` at a time: one union query, then one query per kind shown."""
    page = min(max(page, 1), MAX_PAGE)
    combined = union_all(*_wall_rows()).subquery()
    rows = session.execute(
        select(combined.c.kind, combined.c.item_id, combined.c.at)
        .order_by(combined.c.at.desc(), combined.c.kind, combined.c.item_id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page + 1)
    ).all()
    has_next = len(rows) > per_page
    rows = rows[:per_page]
    wanted: dict[str, list[int]] = {"badge": [], "course": [], "kudos": []}
    for kind, item_id, _at in rows:
        wanted[kind].append(item_id)
    awards = (
        {
            award.id: award
            for award in session.scalars(
                select(BadgeAward)
                .options(joinedload(BadgeAward.badge), joinedload(BadgeAward.user))
                .where(BadgeAward.id.in_(wanted["badge"]))
            )
        }
        if wanted["badge"]
        else {}
    )
    certificates = (
        {
            certificate.id: certificate
            for certificate in session.scalars(
                select(Certificate)
                .options(joinedload(Certificate.user))
                .where(Certificate.id.in_(wanted["course"]))
            )
        }
        if wanted["course"]
        else {}
    )
    kudos = (
        {
            note.id: note
            for note in session.scalars(
                select(Kudos)
                .options(joinedload(Kudos.sender), joinedload(Kudos.recipient))
                .where(Kudos.id.in_(wanted["kudos"]))
            )
        }
        if wanted["kudos"]
        else {}
    )
    items = []
    for kind, item_id, at in rows:
        if kind == "badge" and item_id in awards:
            items.append(WallItem(kind, at, awards[item_id].user, award=awards[item_id]))
        elif kind == "course" and item_id in certificates:
            certificate = certificates[item_id]
            items.append(WallItem(kind, at, certificate.user, certificate=certificate))
        elif kind == "kudos" and item_id in kudos:
            items.append(WallItem(kind, at, kudos[item_id].recipient, kudos=kudos[item_id]))
    return WallPage(items=items, page=page, has_next=has_next)


@dataclass
class Profile:
    person: User
    is_self: bool
    settings: RecognitionSettings
    awards: list[BadgeAward] = field(default_factory=list)
    certificates: list[Certificate] = field(default_factory=list)
    kudos: list[Kudos] = field(default_factory=list)
    can_send_kudos: bool = False


def profile(session: DbSession, viewer_id: int, user_id: int) -> Profile | None:
    """A person's badges, certificates and kudos, or None if ``viewer_id`` may not see them:
    everyone sees their own; others only when the person opted in to ``show_on_profile``."""
    person = session.get(User, user_id)
    if person is None:
        return None
    is_self = viewer_id == user_id
    settings = settings_for(session, user_id)
    if not is_self and (not person.active or not settings.show_on_profile):
        return None
    award_query = (
        select(BadgeAward)
        .options(joinedload(BadgeAward.badge))
        .where(BadgeAward.user_id == user_id)
        .order_by(BadgeAward.awarded_at.desc(), BadgeAward.id.desc())
        .limit(PROFILE_LIMIT)
    )
    if not is_self:
        award_query = award_query.where(BadgeAward.revoked_at.is_(None))
    certificates = session.scalars(
        select(Certificate)
        .where(Certificate.user_id == user_id)
        .order_by(Certificate.completed_at.desc(), Certificate.id.desc())
        .limit(PROFILE_LIMIT)
    )
    kudos = session.scalars(
        select(Kudos)
        .options(joinedload(Kudos.sender))
        .where(Kudos.recipient_id == user_id)
        .order_by(Kudos.created_at.desc(), Kudos.id.desc())
        .limit(PROFILE_KUDOS_LIMIT)
    )
    return Profile(
        person=person,
        is_self=is_self,
        settings=settings,
        awards=list(session.scalars(award_query).unique()),
        certificates=list(certificates),
        kudos=list(kudos.unique()),
        can_send_kudos=not is_self and is_in_subtree(session, viewer_id, user_id),
    )
