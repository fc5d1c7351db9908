from __future__ import annotations

from datetime import UTC, datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, DateTime, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import db

JOB_FUNCTIONS: dict[str, str] = {
    "engineering": "Engineering",
    "sales": "Sales",
    "marketing": "Marketing",
    "customer-support": "Customer support",
    "hr": "HR and people",
    "finance": "Finance",
    "operations": "Operations",
    "legal": "Legal",
    "it-and-security": "IT and security",
    "leadership": "Leadership",
}


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class User(UserMixin, db.Model):  # type: ignore[name-defined,misc]
    """A person in the organisation. Everyone learns; "manager" follows from having reports."""

    __tablename__ = "users"
    __allow_unmapped__ = True  # for auth_session_token, a per-request attribute, not a column

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored lower-cased (see normalise_email): the unique constraint ignores case everywhere.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    job_function: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200), default="")
    manager_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_author: Mapped[bool] = mapped_column(Boolean, default=False)
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    is_executive: Mapped[bool] = mapped_column(Boolean, default=False)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)

    manager: Mapped[User | None] = relationship(remote_side=[id], lazy="joined", join_depth=1)

    # Set by the user loader: the server-side session this request authenticated with.
    auth_session_token: str | None = None

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str:
        # Flask-Login stores this in the session and the remember cookie. It is the opaque token of
        # a server-side AuthSession, so logging out or changing the password revokes it for good.
        if self.auth_session_token is None:
            raise RuntimeError("user has no authenticated session")
        return self.auth_session_token

    @property
    def function_label(self) -> str:
        return JOB_FUNCTIONS.get(self.job_function, self.job_function)

    @property
    def roles(self) -> list[str]:
        names = [
            name
            for name, flag in (
                ("author", self.is_author),
                ("admin", self.is_admin),
                ("executive", self.is_executive),
            )
            if flag
        ]
        return names

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class AuthSession(db.Model):  # type: ignore[name-defined,misc]
    """One login. The cookie carries a random token; only its SHA-256 is stored."""

    __tablename__ = "auth_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Moved forward at most every few minutes by a request (see lms.auth.sessions): the idle
    # lifetime counts from here, the absolute one from created_at.
    last_seen_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    ip: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(255), default="")

    user: Mapped[User] = relationship()


class PasswordToken(db.Model):  # type: ignore[name-defined,misc]
    """A one-time, expiring link to set a password (new users, resets).

    ``used_at`` is when the link stopped working: used (claimed by one conditional UPDATE), or
    voided because a newer link was issued, the password was set or changed, or the person was
    deactivated (see ``lms.people.services``).
    """

    __tablename__ = "password_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)

    user: Mapped[User] = relationship()


Index("ix_users_function_active", User.job_function, User.active)
