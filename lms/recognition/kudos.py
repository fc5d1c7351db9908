"""Kudos: a manager's short note of recognition to someone in their org subtree."""

from __future__ import annotations

from sqlalchemy import select

from lms.database import DbSession
from lms.notifications.service import notify
from lms.people.models import User
from lms.people.org import is_in_subtree, subtree_cte
from lms.recognition.kudos_models import KUDOS_MAX_LENGTH, Kudos
from lms.recognition.models import RecognitionSettings

RECIPIENT_LIMIT = 1000


class KudosError(ValueError):
    """The message is empty or too long."""


class NotInSubtree(LookupError):
    """The recipient does not report to the sender (the view answers 404)."""


def recipients(session: DbSession, manager_id: int, limit: int = RECIPIENT_LIMIT) -> list[User]:
    """Active people in the manager's subtree, by name (at most ``limit``)."""
    tree = subtree_cte(manager_id)
    return list(
        session.scalars(
            select(User)
            .join(tree, tree.c.id == User.id)
            .where(User.active.is_(True))
            .order_by(User.name, User.id)
            .limit(limit)
        )
    )


def recipient_in_subtree(session: DbSession, manager_id: int, user_id: int) -> User | None:
    """The active person if they report to the manager (directly or not), else ``None``."""
    person = session.get(User, user_id)
    if person is None or not person.active or not is_in_subtree(session, manager_id, user_id):
        return None
    return person


def visibility(settings: RecognitionSettings, name: str) -> str:
    """Who will see kudos sent to the person, by their own recognition settings."""
    places = [
        place
        for place, shown in (
            ("the recognition wall", settings.show_on_wall),
            ("their profile", settings.show_on_profile),
        )
        if shown
    ]
    if not places:
        return f"{name} keeps their recognition private: only they will see your kudos."
    return (
        f"{name} shares their recognition: your kudos will also appear on {' and '.join(places)}."
    )


def clean_message(message: str) -> str:
    text = message.strip().replace("\r\n", "\n")
    if not text:
        raise KudosError("Write a short message.")
    if len(text) > KUDOS_MAX_LENGTH:
        raise KudosError(f"Keep it to {KUDOS_MAX_LENGTH} characters or fewer.")
    return text


def send_kudos(
    session: DbSession, sender: User, recipient_id: int, message: str, url: str
) -> Kudos:
    """Record kudos and notify the recipient. ``url`` is where the notification leads."""
    recipient = session.get(User, recipient_id)
    if (
        recipient is None
        or not recipient.active
        or not is_in_subtree(session, sender.id, recipient_id)
    ):
        raise NotInSubtree(recipient_id)
    text = clean_message(message)
    kudos = Kudos(sender_id=sender.id, recipient_id=recipient.id, message=text)
    session.add(kudos)
    session.flush()
    notify(session, recipient.id, "kudos", f"Kudos from {sender.name}: {text}", url)
    return kudos
