"""Creating and reading notifications. Services flush; the caller commits."""

from __future__ import annotations

from flask import g, has_app_context
from sqlalchemy import func, select, update

from lms.database import DbSession
from lms.notifications.models import Notification
from lms.people.models import utcnow


def notify(session: DbSession, user_id: int, kind: str, text: str, url: str = "") -> Notification:
    notification = Notification(user_id=user_id, kind=kind, text=text[:500], url=url[:500])
    session.add(notification)
    session.flush()
    forget_unread_count()
    return notification


def forget_unread_count() -> None:
    """Drop this request's unread count (read with the session user) after notifications change,
    so a page rendered later in the same request counts again instead of showing a stale bell."""
    if has_app_context():
        g.pop("unread_notifications", None)


def unread_count(session: DbSession, user_id: int) -> int:
    return (
        session.scalar(
            select(func.count(Notification.id)).where(
                Notification.user_id == user_id, Notification.read_at.is_(None)
            )
        )
        or 0
    )


def recent(session: DbSession, user_id: int, limit: int = 50) -> list[Notification]:
    return list(
        session.scalars(
            select(Notification)
            .where(Notification.user_id == user_id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        )
    )


def mark_all_read(session: DbSession, user_id: int) -> None:
    session.execute(
        update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    forget_unread_count()
