"""Who may see and review use cases.

- A published case: everyone signed in. Any other status: its author and the reviewers only;
  anyone else gets 404, so its existence is not confirmed.
- Reviewers: confirmed AI champions and the AI programme owners (admins always). Review pages
  answer 403 to anyone else. Nobody decides on their own case.
"""

from __future__ import annotations

from typing import Any

from flask import abort, g

from lms.champions.service import is_champion
from lms.database import DbSession
from lms.security import log_denial, not_found_for
from lms.tools.access import is_programme_owner
from lms.usecases.models import UseCase


def is_reviewer(session: DbSession, user: Any) -> bool:
    """Champions and programme owners; asked once per request."""
    if not getattr(user, "is_authenticated", False):
        return False
    if "use_case_reviewer" not in g:
        g.use_case_reviewer = is_programme_owner(session, user) or is_champion(session, user.id)
    return bool(g.use_case_reviewer)


def require_reviewer(session: DbSession, user: Any) -> None:
    if not is_reviewer(session, user):
        log_denial("not an AI champion or programme owner")
        abort(403)


def may_see(session: DbSession, user: Any, case: UseCase) -> bool:
    if case.status == "published" or case.author_id == user.id:
        return True
    return is_reviewer(session, user)


def visible_or_404(session: DbSession, user: Any, case: UseCase | None, case_id: int) -> UseCase:
    if case is None or not may_see(session, user, case):
        not_found_for(f"use case {case_id} that is not published and not one's own")
    return case
