"""Who may do what with the register, the settings and the reports.

- Everyone signed in reads the register and reports tools; a report is seen by its reporter and
  the programme owners only (anyone else: 404).
- Programme owners (admins always, plus the people admins name) keep the register and the
  settings and triage reports; anyone else gets 403 on those pages.
- Leaders (executives, admins, programme owners) see the k-anonymous usage totals.
"""

from __future__ import annotations

from typing import Any

from flask import abort, g
from sqlalchemy import exists, select

from lms.database import DbSession
from lms.security import log_denial
from lms.tools.models import ProgrammeOwner


def is_programme_owner(session: DbSession, user: Any) -> bool:
    """Admins, and the people in ``ai_programme_owners``; asked once per request."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.is_admin:
        return True
    if "tools_owner" not in g:
        g.tools_owner = bool(
            session.scalar(select(exists().where(ProgrammeOwner.user_id == user.id)))
        )
    return bool(g.tools_owner)


def may_see_usage(session: DbSession, user: Any) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_executive) or is_programme_owner(session, user)


def require_programme_owner(session: DbSession, user: Any) -> None:
    if not is_programme_owner(session, user):
        log_denial("not an AI programme owner")
        abort(403)


def require_usage_viewer(session: DbSession, user: Any) -> None:
    if not may_see_usage(session, user):
        log_denial("not a leader or AI programme owner")
        abort(403)
