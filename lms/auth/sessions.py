"""Server-side login sessions.

Flask's session cookie is signed, not encrypted, and cannot be revoked by the server. So the only
thing Flask-Login keeps in it (and in the remember-me cookie) is the random token of an
``AuthSession`` row.
Logging out revokes that row; changing a password revokes every row of the user. A cookie captured
earlier then matches nothing and the request is anonymous.
"""

from __future__ import annotations

import secrets

from sqlalchemy import select, update
from sqlalchemy.orm import contains_eager

from lms.database import DbSession
from lms.people.models import AuthSession, User, utcnow
from lms.people.services import token_digest


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


def load_session_user(session: DbSession, token: str) -> User | None:
    """One query: the active user behind a live session token, or None."""
    row = session.execute(
        select(AuthSession)
        .join(AuthSession.user)
        .options(contains_eager(AuthSession.user))
        .where(
            AuthSession.token_hash == token_digest(token),
            AuthSession.revoked_at.is_(None),
            User.active.is_(True),
        )
    ).scalar_one_or_none()
    if row is None:
        return None
    user = row.user
    user.auth_session_token = token
    return user


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
