"""Tables of the auth package itself (people, sessions and links live in ``lms.people.models``)."""

from __future__ import annotations

from sqlalchemy import Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from lms.extensions import db


class RateLimitCounter(db.Model):  # type: ignore[name-defined,misc]
    """One fixed-window throttling counter (failed logins per account, per IP, per device...),
    shared by every worker and server that uses this database. See ``lms.auth.ratelimit_store``.

    ``key`` is the SHA-256 of the limiter's key: the keys hold typed emails of any length and
    content, and nobody's email needs to sit in this table.
    """

    __tablename__ = "rate_limit_counters"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    # Seconds since the epoch (time.time()), as the limits library counts.
    expires_at: Mapped[float] = mapped_column(Float, index=True)  # for the purge of old rows
