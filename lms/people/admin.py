"""Admin operations on people: search, edit, deactivate."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select

from lms.auth.sessions import revoke_all_sessions
from lms.database import DbSession
from lms.people.models import JOB_FUNCTIONS, User
from lms.people.org import would_create_cycle
from lms.people.services import (
    PeopleError,
    find_user_by_email,
    normalise_email,
    void_password_tokens,
)
from lms.summaries.store import forget as forget_summaries

PAGE_SIZE = 50


@dataclass
class Page:
    people: list[User]
    page: int
    pages: int
    total: int


def search_people(session: DbSession, query: str, page: int) -> Page:
    statement = select(User)
    count = select(func.count(User.id))
    if query:
        # % and _ typed by the admin are literal characters, not wildcards.
        escaped = query.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        condition = or_(
            func.lower(User.name).like(pattern, escape="\\"),
            User.email.like(pattern, escape="\\"),
            func.lower(User.title).like(pattern, escape="\\"),
        )
        statement = statement.where(condition)
        count = count.where(condition)
    total = session.scalar(count) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    people = list(
        session.scalars(
            statement.order_by(User.name, User.id).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
        )
    )
    return Page(people=people, page=page, pages=pages, total=total)


@dataclass
class PersonChanges:
    name: str
    email: str
    job_function: str
    title: str
    manager_email: str
    is_author: bool
    is_admin: bool
    is_executive: bool
    active: bool


def update_person(session: DbSession, user: User, changes: PersonChanges, *, acting: User) -> None:
    email = normalise_email(changes.email)
    other = find_user_by_email(session, email)
    if other is not None and other.id != user.id:
        raise PeopleError(f"{email} already belongs to someone else.")
    if changes.job_function not in JOB_FUNCTIONS:
        raise PeopleError("Unknown job function.")
    manager = None
    if changes.manager_email:
        manager = find_user_by_email(session, changes.manager_email)
        if manager is None:
            raise PeopleError(f"No one has the email {changes.manager_email}.")
        if would_create_cycle(session, user.id, manager.id):
            raise PeopleError(f"{manager.name} reports to {user.name}: that would make a loop.")
    if user.id == acting.id and (not changes.is_admin or not changes.active):
        raise PeopleError("You cannot remove your own admin rights or deactivate yourself.")
    was_active = user.active
    moved = user.manager_id != (manager.id if manager else None) or user.active != changes.active
    user.name = changes.name.strip()
    user.email = email
    user.job_function = changes.job_function
    user.title = changes.title.strip()
    user.manager_id = manager.id if manager else None
    user.is_author = changes.is_author
    user.is_admin = changes.is_admin
    user.is_executive = changes.is_executive
    user.active = changes.active
    if was_active and not user.active:
        # Deactivated people are logged out at once and their open set-password links die (so
        # reactivating them does not revive an old link); their learning history stays.
        revoke_all_sessions(session, user.id)
        void_password_tokens(session, user.id)
    if moved:
        forget_summaries(session)  # stored team figures would count them in the wrong team
    session.flush()
