"""The organisation's AI settings and the programme owners. Services flush; views commit."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from lms.courses.render import render_markdown
from lms.database import DbSession
from lms.people.models import User, utcnow
from lms.people.services import find_user_by_email
from lms.tools.content import SETTINGS_ID, rerender
from lms.tools.models import ProgrammeOwner, ProgrammeSettings

# Which placeholder each setting fills in.
SETTING_KEYS = {
    "policy_url": "org:policy-link",
    "policy_title": "org:policy-link",
    "contact_name": "org:ai-contact",
    "contact_email": "org:ai-contact",
    "contact_channel": "org:ai-contact",
    "data_card_markdown": "org:data-classes",
}


@dataclass
class SettingsData:
    policy_url: str
    policy_title: str
    contact_name: str
    contact_email: str
    contact_channel: str
    data_card_markdown: str


def current_settings(session: DbSession) -> ProgrammeSettings:
    """The settings row, or an unsaved empty one (nothing filled in yet)."""
    settings = session.get(ProgrammeSettings, SETTINGS_ID)
    if settings is None:
        settings = ProgrammeSettings(
            id=SETTINGS_ID,
            policy_url="",
            policy_title="",
            contact_name="",
            contact_email="",
            contact_channel="",
            data_card_markdown="",
            data_card_html="",
        )
    return settings


def save_settings(session: DbSession, data: SettingsData, by: User) -> list[str]:
    """Store the settings; re-render course text using the ones that changed. Returns the
    changed placeholder keys. The card's Markdown is rendered (RenderError when it cannot be
    within the time budget; nothing is stored then) and sanitized like course text."""
    settings = current_settings(session)
    card_html = render_markdown(data.data_card_markdown) if data.data_card_markdown else ""
    changed = {
        key for name, key in SETTING_KEYS.items() if getattr(settings, name) != getattr(data, name)
    }
    for name in SETTING_KEYS:
        setattr(settings, name, getattr(data, name))
    settings.data_card_html = card_html
    settings.updated_at = utcnow()
    settings.updated_by_id = by.id
    session.add(settings)
    session.flush()
    rerender(session, changed)
    return sorted(changed)


def programme_owners(session: DbSession) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .join(ProgrammeOwner, ProgrammeOwner.user_id == User.id)
            .order_by(User.name, User.id)
        )
    )


class OwnerError(Exception):
    """Why someone cannot be added (words for the form)."""


def add_programme_owner(session: DbSession, email: str, by: User) -> User:
    person = find_user_by_email(session, email)
    if person is None or not person.active:
        raise OwnerError("No one active in the organisation has this email.")
    if session.get(ProgrammeOwner, person.id) is not None:
        raise OwnerError(f"{person.name} already runs the AI programme.")
    session.add(ProgrammeOwner(user_id=person.id, added_by_id=by.id))
    session.flush()
    return person


def remove_programme_owner(session: DbSession, user_id: int) -> User | None:
    """Remove ``user_id`` from the owners; the person, or None when they were not one."""
    owner = session.get(ProgrammeOwner, user_id)
    if owner is None:
        return None
    person = owner.user
    session.delete(owner)
    session.flush()
    return person
