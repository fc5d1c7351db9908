"""Server-side login sessions.

Flask's session cookie is signed, not encrypted, and cannot be revoked by the server. So the only
thing Flask-Login keeps in it (and in the remember-me cookie) is the random token of an
``AuthSession`` row.
Logging out revokes that row; changing a password revokes every row of the user. A cookie captured
earlier then matches nothing and the request is anonymous.

A row also dies of age, whatever cookie points at it: ``LMS_SESSION_MAX_AGE_DAYS`` after the login
(absolute) or ``LMS_SESSION_IDLE_DAYS`` after it was last used (idle). Both are conditions of the
one lookup statement; ``last_seen_at`` is moved forward at most every ``TOUCH_EVERY``, so a page
pays one extra statement that often and never more.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import Engine, Select, bindparam, exists, func, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import aliased, lazyload

from lms.database import DbSession
from lms.notifications.models import Notification
from lms.people.models import AuthSession, User, utcnow
from lms.people.services import token_digest

logger = logging.getLogger(__name__)


def start_session(session: DbSession, user: User, ip: str, user_agent: str) -> str:
    token = secrets.token_urlsafe(32)
    session.add(
        AuthSession(
            user_id=user.id,
            token_hash=token_digest(token),
            ip=ip[:64],
            user_agent=user_agent[:255],
        )
    )
    user.last_login_at = utcnow()
    user.auth_session_token = token
    session.flush()
    return token


# Longer would reach dates before year 1 when subtracted from today: ten years is plenty.
MAX_LIFETIME_DAYS = 3650
# How often a request moves last_seen_at forward (at most): the idle lifetime is exact to this.
TOUCH_EVERY = timedelta(minutes=5)


@dataclass(frozen=True)
class SessionLifetime:
    """How long a login lives on the server: ``max_age`` from the login, ``idle`` from its last
    use. Read from ``SESSION_MAX_AGE_DAYS`` and ``SESSION_IDLE_DAYS`` (decimals allowed)."""

    max_age: timedelta
    idle: timedelta

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> SessionLifetime:
        return cls(
            max_age=_days(config, "SESSION_MAX_AGE_DAYS"),
            idle=_days(config, "SESSION_IDLE_DAYS"),
        )

    @property
    def touch_every(self) -> timedelta:
        # A short idle lifetime must not end sessions that are in use between two touches.
        return min(TOUCH_EVERY, self.idle / 4)


def _days(config: Mapping[str, Any], name: str) -> timedelta:
    value = config[name]
    try:
        days = float(value)
    except (TypeError, ValueError):
        days = 0.0
    if not 0 < days <= MAX_LIFETIME_DAYS:  # also refuses NaN
        raise ValueError(
            f"LMS_{name} must be a number of days above 0 and at most {MAX_LIFETIME_DAYS}, "
            f"not {value!r}."
        )
    return timedelta(days=days)


class NavFacts(NamedTuple):
    """What the navigation shows about the user, read with the session (see ``nav_facts``)."""

    is_manager: bool
    unread_notifications: int


_Report = aliased(User)


def _session_user_statement(nav_facts: bool) -> Select[Any]:
    """The user behind a live token; with ``nav_facts``, also "has reports" and the unread count.

    The two facts are scalar subqueries on indexed columns (users.manager_id, notifications
    (user_id, read_at)), so a page pays one round trip for them instead of three statements.
    ``lazyload`` keeps User.manager (``lazy="joined"``) out of this statement: almost no page needs
    the user's manager, and the few that do load it on access as before.
    """
    columns: list[Any] = [User, AuthSession.last_seen_at]
    if nav_facts:
        columns += [
            exists().where(_Report.manager_id == User.id).label("is_manager"),
            select(func.count(Notification.id))
            .where(Notification.user_id == User.id, Notification.read_at.is_(None))
            .scalar_subquery()
            .label("unread_notifications"),
        ]
    return (
        select(*columns)
        .join(AuthSession, AuthSession.user_id == User.id)
        .where(
            AuthSession.token_hash == bindparam("token_hash"),
            AuthSession.revoked_at.is_(None),
            AuthSession.created_at > bindparam("created_after"),
            AuthSession.last_seen_at > bindparam("seen_after"),
            User.active.is_(True),
        )
        .options(lazyload(User.manager))
    )


# Built once: constructing this statement took about 0.2 ms, twice what running it takes on SQLite.
_USER_ONLY = _session_user_statement(nav_facts=False)
_USER_WITH_NAV_FACTS = _session_user_statement(nav_facts=True)


def load_session_user(
    session: DbSession, token: str, lifetime: SessionLifetime, *, nav_facts: bool = False
) -> tuple[User, NavFacts | None] | None:
    """One statement: the active user behind a live session token (or None), and with
    ``nav_facts`` what the navigation shows about them.

    Nothing is cached between requests: a session revoked a moment ago matches no row here, and
    neither does one past its absolute or idle lifetime.
    """
    now = utcnow()
    statement = _USER_WITH_NAV_FACTS if nav_facts else _USER_ONLY
    digest = token_digest(token)
    parameters = {
        "token_hash": digest,
        "created_after": now - lifetime.max_age,
        "seen_after": now - lifetime.idle,
    }
    row = session.execute(statement, parameters).one_or_none()
    if row is None:
        return None
    user: User = row[0]
    if now - row[1] >= lifetime.touch_every:
        _touch(session, digest, now)
    user.auth_session_token = token
    facts = NavFacts(bool(row[2]), int(row[3] or 0)) if nav_facts else None
    return user, facts


def _touch(session: DbSession, digest: str, now: datetime) -> None:
    """Record that the session is in use, committed on its own connection: most requests
    (every GET) never commit theirs, and this must not wait for the request's outcome."""
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    try:
        with engine.begin() as connection:
            connection.execute(
                update(AuthSession).where(AuthSession.token_hash == digest).values(last_seen_at=now)
            )
    except OperationalError:
        # The database is busy (a SQLite writer past the busy timeout): bookkeeping must not fail
        # the page. The next request a few seconds later tries again.
        logger.warning("could not record session use; will retry", exc_info=True)


def revoke_session(session: DbSession, token: str) -> None:
    session.execute(
        update(AuthSession)
        .where(AuthSession.token_hash == token_digest(token), AuthSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def revoke_all_sessions(session: DbSession, user_id: int) -> None:
    session.execute(
        update(AuthSession)
        .where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
