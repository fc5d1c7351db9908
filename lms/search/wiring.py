"""The one place the search feature subscribes to other features' signals (docs/architecture.md).

Receivers run in the sender's transaction: the index changes exactly when the content does.
"""

from __future__ import annotations

from typing import Any

from lms.courses.signals import course_changed
from lms.database import DbSession
from lms.search.courses import index_course
from lms.search.tools import index_tool
from lms.search.usecases import index_use_case
from lms.tools.signals import tool_changed
from lms.usecases.signals import use_case_changed


def _course_changed(session: DbSession, **kwargs: Any) -> None:
    index_course(session, kwargs["course_id"])


def _use_case_changed(session: DbSession, **kwargs: Any) -> None:
    index_use_case(session, kwargs["use_case_id"])


def _tool_changed(session: DbSession, **kwargs: Any) -> None:
    index_tool(session, kwargs["tool_id"])


def connect() -> None:
    """Idempotent: blinker keeps one connection per receiver (weak=False: module functions)."""
    course_changed.connect(_course_changed, weak=False)
    tool_changed.connect(_tool_changed, weak=False)
    use_case_changed.connect(_use_case_changed, weak=False)
