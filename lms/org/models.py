"""Weekly snapshots (the history behind the trend charts) and organisation-wide settings."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from lms.extensions import db
from lms.people.models import utcnow

GROUP_TYPES = ("all", "function", "department", "measured", "level")


class Snapshot(db.Model):  # type: ignore[name-defined,misc]
    """One group's literacy and engagement in one week (Monday to Sunday, UTC).

    ``group_type`` is ``all`` (key ``all``), ``function`` (key: the job function) or ``department``
    (key: the id of the department head, a direct report of the top of the organisation);
    ``measured`` (key ``all``, ``function:<function>`` or ``department:<head id>``: the same
    figures over the group's measured people only) or ``level`` (key ``none`` for the people not
    measured, ``0``-``4`` per overall level of the measured; see lms.org.snapshots). Written
    by ``lms snapshots take``; unique per (week, group), so taking a week again replaces its rows.
    """

    __tablename__ = "org_snapshots"
    __table_args__ = (UniqueConstraint("week_start", "group_type", "group_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    week_start: Mapped[date] = mapped_column(Date)
    group_type: Mapped[str] = mapped_column(String(12))
    group_key: Mapped[str] = mapped_column(String(64))
    people: Mapped[int] = mapped_column(Integer)
    average_level: Mapped[float] = mapped_column(Float)
    practising_share: Mapped[float] = mapped_column(Float)  # share at overall level 2 or more
    active_learners: Mapped[int] = mapped_column(Integer)
    completions: Mapped[int] = mapped_column(Integer)
    taken_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class OrgSetting(db.Model):  # type: ignore[name-defined,misc]
    """A key/value setting for the whole organisation (e.g. ``show_leaders_learning``)."""

    __tablename__ = "org_settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(String(500))
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
