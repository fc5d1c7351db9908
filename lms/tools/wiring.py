"""The one place the AI tools feature subscribes to other features' signals (docs/architecture.md).

Receivers run in the sender's transaction and only flush.
"""

from __future__ import annotations

from typing import Any

from lms.courses.signals import version_published
from lms.database import DbSession
from lms.tools.content import resolve_published


def _version_published(session: DbSession, **kwargs: Any) -> None:
    # Fill in the organisation placeholders and record which texts use which, so a change of a
    # setting or of the register re-renders them. No statement for a course without any.
    resolve_published(session, kwargs["version"], kwargs["module_versions"])


def connect() -> None:
    """Idempotent (blinker keeps one connection per receiver)."""
    version_published.connect(_version_published, weak=False)
