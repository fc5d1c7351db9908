"""A manager reminds someone in their team: an in-app notification and an email, at most once per
person, manager and day, recorded for the person page. Services flush; the caller commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError

from lms.database import DbSession, begin_outer_transaction
from lms.mail import Mail
from lms.notifications.service import notify
from lms.people.models import User
from lms.team.models import TeamReminder
from lms.team.scope import in_cte, valid_id, viewer_members_cte


@dataclass(frozen=True)
class ReminderLine:
    manager: str
    sent_at: datetime

    @property
    def text(self) -> str:
        return f"Reminded by {self.manager} on {self.sent_at:%d %b %Y}"


def person_in_subtree(session: DbSession, viewer_id: int, person_id: int) -> User | None:
    """The active person if they are in the viewer's subtree, else ``None`` (the caller: 404)."""
    if not valid_id(person_id):
        return None
    visible = viewer_members_cte(viewer_id)
    return session.scalar(select(User).where(User.id == person_id, in_cte(User.id, visible)))


def remind(
    session: DbSession, manager: User, person: User, now: datetime, base_url: str
) -> Mail | None:
    """Record today's reminder and write the notification (flush only); the email to send, or
    ``None`` when this manager already reminded this person today (nothing written)."""
    today: date = now.date()
    already = session.scalar(
        select(
            exists().where(
                TeamReminder.person_id == person.id,
                TeamReminder.manager_id == manager.id,
                TeamReminder.sent_on == today,
            )
        )
    )
    if already:
        return None
    begin_outer_transaction(session)  # else on SQLite the savepoint's release would commit
    try:
        with session.begin_nested():  # the unique key settles two clicks at the same moment
            session.add(
                TeamReminder(person_id=person.id, manager_id=manager.id, sent_on=today, sent_at=now)
            )
    except IntegrityError:
        return None
    notify(
        session,
        person.id,
        "reminder",
        f"{manager.name} reminded you to continue your learning.",
        url="/",
    )
    body = (
        f"Hello {person.name},\n\n{manager.name} sent you a reminder to continue your AI-literacy "
        f"learning.\n\nContinue here: {base_url.rstrip('/')}/\n"
    )
    return Mail(to=person.email, subject=f"A reminder from {manager.name}", body=body)


def reminders_for(session: DbSession, person_id: int, limit: int = 10) -> list[ReminderLine]:
    """The latest reminders sent to the person, newest first (one statement)."""
    rows = session.execute(
        select(User.name, TeamReminder.sent_at)
        .join(User, User.id == TeamReminder.manager_id)
        .where(TeamReminder.person_id == person_id)
        .order_by(TeamReminder.sent_at.desc(), TeamReminder.id.desc())
        .limit(limit)
    ).all()
    return [ReminderLine(name, sent_at) for name, sent_at in rows]
