"""The stored dashboard summaries (see :mod:`lms.summaries.store`)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lms.extensions import db


class StoredSummary(db.Model):  # type: ignore[name-defined,misc]
    """One dashboard's figures for one scope, as JSON, and when they were computed.

    ``key`` names the dashboard and scope (``team:<root id>:all``, ``team:<root id>:direct``,
    ``org``). ``refresh_claimed_until`` lets one worker at a time recompute an expired summary
    while the others keep serving the previous figures.
    """

    __tablename__ = "dashboard_summaries"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    people: Mapped[int] = mapped_column(Integer)
    payload: Mapped[str] = mapped_column(Text)
    computed_at: Mapped[datetime] = mapped_column(DateTime)
    compute_ms: Mapped[int] = mapped_column(Integer)
    refresh_claimed_until: Mapped[datetime | None] = mapped_column(DateTime)
