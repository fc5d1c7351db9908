"""Creating and changing people. Services flush; the caller commits."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select, update

from lms.database import DbSession
from lms.people.models import JOB_FUNCTIONS, PasswordToken, User, utcnow

# argon2id with the library's RFC 9106 "low memory" defaults.
_hasher = PasswordHasher()
PASSWORD_MIN = 12
PASSWORD_MAX = 128


class PeopleError(ValueError):
    """A request about people that cannot be carried out, with a message fit for the user."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(user: User | None, password: str) -> bool:
    """Constant work whether or not the user exists, so timing does not reveal accounts."""
    if user is None or not user.password_hash:
        _hasher.hash(password)
        return False
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def password_problem(password: str) -> str | None:
    """Length is the rule (ASVS 2.1): 12-128 characters, any Unicode, spaces, no truncation."""
    if len(password) < PASSWORD_MIN:
        return f"Use at least {PASSWORD_MIN} characters."
    if len(password) > PASSWORD_MAX:
        return f"Use at most {PASSWORD_MAX} characters."
    return None


def set_password(user: User, password: str) -> None:
    user.password_hash = _checked_hash(password)


def _checked_hash(password: str) -> str:
    problem = password_problem(password)
    if problem:
        raise PeopleError(problem)
    return hash_password(password)


def change_password(session: DbSession, user: User, password: str) -> None:
    """A new password chosen by its owner: every open set-password link of theirs dies too."""
    set_password(user, password)
    void_password_tokens(session, user.id)
    session.flush()


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def find_user_by_email(session: DbSession, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == normalise_email(email)))


@dataclass
class NewUser:
    email: str
    name: str
    job_function: str
    title: str = ""
    manager_email: str | None = None
    is_author: bool = False
    is_admin: bool = False
    is_executive: bool = False


def create_user(session: DbSession, data: NewUser, password: str | None = None) -> User:
    email = normalise_email(data.email)
    if find_user_by_email(session, email):
        raise PeopleError(f"A person with the email {email} already exists.")
    if data.job_function not in JOB_FUNCTIONS:
        raise PeopleError(f"Unknown job function {data.job_function!r}.")
    manager = None
    if data.manager_email:
        manager = find_user_by_email(session, data.manager_email)
        if manager is None:
            raise PeopleError(f"No manager with the email {data.manager_email}.")
    user = User(
        email=email,
        name=data.name.strip(),
        job_function=data.job_function,
        title=data.title.strip(),
        manager=manager,
        is_author=data.is_author,
        is_admin=data.is_admin,
        is_executive=data.is_executive,
        active=True,
    )
    if password is not None:
        set_password(user, password)
    session.add(user)
    session.flush()
    return user


def issue_password_token(session: DbSession, user: User, hours: int) -> str:
    """A one-time link token; only its digest is stored. Every earlier open link of the person
    dies: only the newest link an admin handed out works."""
    void_password_tokens(session, user.id)
    token = secrets.token_urlsafe(32)
    session.add(
        PasswordToken(
            user_id=user.id,
            token_hash=token_digest(token),
            expires_at=utcnow() + timedelta(hours=hours),
        )
    )
    session.flush()
    return token


def void_password_tokens(session: DbSession, user_id: int) -> None:
    """Close every open set-password link of the person (a newer link, a new password,
    deactivation): a link handed out earlier, or leaked, cannot take the account over later."""
    session.execute(
        update(PasswordToken)
        .where(PasswordToken.user_id == user_id, PasswordToken.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def find_valid_password_token(session: DbSession, token: str) -> PasswordToken | None:
    return find_password_token_by_digest(session, token_digest(token))


def find_password_token_by_digest(session: DbSession, digest: str) -> PasswordToken | None:
    """The open, unexpired link with this token digest, if its owner is active. Reading only:
    whether it still works when used is decided by :func:`set_password_with_link`."""
    record: PasswordToken | None = session.scalar(
        select(PasswordToken).where(PasswordToken.token_hash == digest)
    )
    if record is None or record.used_at is not None or record.expires_at < utcnow():
        return None
    if not record.user.active:
        return None
    return record


def set_password_with_link(session: DbSession, digest: str, password: str) -> User | None:
    """Use the link with this token digest to set its owner's password; None when the link no
    longer works (used, voided, expired, owner deactivated).

    The link is claimed by one conditional UPDATE (``used_at IS NULL`` and unexpired): of any
    number of concurrent requests with the same link, exactly one changes the row, on SQLite
    (one writer at a time) and PostgreSQL (the row lock makes the losers re-check the condition
    and find it false). The slow password hash is computed before the claim, so no lock is held
    while hashing. Every other open link of the person dies with it.
    """
    hashed = _checked_hash(password)
    now = utcnow()
    claim = session.execute(
        update(PasswordToken)
        .where(
            PasswordToken.token_hash == digest,
            PasswordToken.used_at.is_(None),
            PasswordToken.expires_at >= now,
            PasswordToken.user_id.in_(select(User.id).where(User.active.is_(True))),
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if claim.rowcount != 1:  # type: ignore[attr-defined]  # a CursorResult for an UPDATE
        return None
    user: User | None = session.scalar(
        select(User).join(PasswordToken, PasswordToken.user_id == User.id).where(
            PasswordToken.token_hash == digest
        )
    )
    assert user is not None  # the row claimed above points at it
    user.password_hash = hashed
    void_password_tokens(session, user.id)
    session.flush()
    return user


def count_people(session: DbSession) -> int:
    return session.scalar(select(func.count(User.id))) or 0
