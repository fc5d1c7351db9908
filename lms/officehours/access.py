"""Who may do what with office hours.

- Everyone signed in sees the sessions meant for them: a session for some job functions is
  invisible (404) to everyone else, except its host and the AI programme owners.
- Programme owners (admins always, lms.tools.access) create sessions and pick the host among the
  people allowed to host: AI champions, course authors, programme owners and admins.
- A session's host (and the programme owners) edit and cancel it; its host (and admins) mark
  attendance, and only they see who came and what they said.
"""

from __future__ import annotations

from typing import Any

from flask import abort
from sqlalchemy import ColumnElement, exists, or_

from lms.champions.service import is_champion
from lms.database import DbSession
from lms.officehours.models import OfficeHoursAudience, OfficeHoursSession
from lms.people.models import User
from lms.security import log_denial
from lms.tools.access import is_programme_owner


def may_host(session: DbSession, user: User) -> bool:
    """Whether ``user`` may host office hours (be picked as a session's host)."""
    if not user.active:
        return False
    if user.is_admin or user.is_author or is_programme_owner(session, user):
        return True
    return is_champion(session, user.id)


def may_create(session: DbSession, user: Any) -> bool:
    return is_programme_owner(session, user)


def require_creator(session: DbSession, user: Any) -> None:
    if not may_create(session, user):
        log_denial("not an AI programme owner")
        abort(403)


def may_edit(session: DbSession, user: Any, office_hours: OfficeHoursSession) -> bool:
    return bool(office_hours.host_id == user.id or is_programme_owner(session, user))


def may_take_attendance(user: Any, office_hours: OfficeHoursSession) -> bool:
    return bool(office_hours.host_id == user.id or user.is_admin)


def sees_everything(session: DbSession, user: Any) -> bool:
    return is_programme_owner(session, user)


def visible_to(session: DbSession, user: Any) -> ColumnElement[bool]:
    """SQL: the sessions ``user`` may see (for everyone, for their job function, or hosted)."""
    if sees_everything(session, user):
        return OfficeHoursSession.id.is_not(None)
    for_some = exists().where(OfficeHoursAudience.session_id == OfficeHoursSession.id)
    for_them = exists().where(
        OfficeHoursAudience.session_id == OfficeHoursSession.id,
        OfficeHoursAudience.job_function == user.job_function,
    )
    return or_(~for_some, for_them, OfficeHoursSession.host_id == user.id)
