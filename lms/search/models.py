"""A searchable document: one course, module, tool or use case, as plain text.

Only what every signed-in person may open is indexed (a live course's modules, published use
cases, the tools register); whatever stops being visible is removed in the same transaction. So a
search never needs a per-person access filter, and its cost does not grow with the organisation.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.schema import DDL

from lms.extensions import db
from lms.people.models import utcnow
from lms.search.schema import DROP_STATEMENTS, full_text_statements


class SearchDocument(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "search_documents"
    __table_args__ = (UniqueConstraint("kind", "key", name="uq_search_documents_kind_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # course, module, tool, use-case
    key: Mapped[str] = mapped_column(String(300))  # stable within its kind, e.g. a course's slug
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    # Where a hit links to: an endpoint and its arguments (url_for at display time).
    endpoint: Mapped[str] = mapped_column(String(100))
    endpoint_args: Mapped[dict[str, Any]] = mapped_column(JSON)
    context: Mapped[str] = mapped_column(String(300))  # e.g. the course a module belongs to
    # Filter values, e.g. {"area": ["evaluating"], "function": ["sales"]}.
    tags: Mapped[dict[str, list[str]]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


def _ddl(statement: str, dialect: str) -> Any:
    return DDL(statement).execute_if(dialect=dialect)  # type: ignore[no-untyped-call]


def _attach_full_text_ddl() -> None:
    """``db.create_all`` (tests, a fresh database) creates the full-text index the migration
    creates; ``drop_all`` drops it first."""
    table = SearchDocument.__table__
    for dialect in ("sqlite", "postgresql"):
        for statement in full_text_statements(dialect):
            event.listen(table, "after_create", _ddl(statement, dialect))
        for statement in DROP_STATEMENTS[dialect]:
            event.listen(table, "before_drop", _ddl(statement, dialect))


_attach_full_text_ddl()
