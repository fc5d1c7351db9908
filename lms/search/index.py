"""Writing the search index: features put what everyone may see and remove what stops being so.

Every function takes the session and flushes nothing itself beyond what SQLAlchemy does on the
next query; the caller's transaction decides, so the index never disagrees with committed content.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

import nh3
from sqlalchemy import delete, select

from lms.database import DbSession
from lms.search.models import SearchDocument

# A lesson is a few thousand words; the cap keeps one odd document from bloating the index.
MAX_BODY = 60_000


@dataclass(frozen=True)
class Document:
    kind: str
    key: str
    title: str
    body: str
    endpoint: str
    endpoint_args: dict[str, Any]
    context: str = ""
    tags: dict[str, list[str]] = field(default_factory=dict)


def text_of(fragment: str) -> str:
    """The words of sanitized HTML: tags dropped, entities decoded, whitespace folded."""
    return " ".join(html.unescape(nh3.clean(fragment, tags=set())).split())


def put(session: DbSession, document: Document) -> None:
    """Add ``document``, or replace the one of the same kind and key."""
    row = session.scalar(
        select(SearchDocument).where(
            SearchDocument.kind == document.kind, SearchDocument.key == document.key
        )
    )
    if row is None:
        row = SearchDocument(kind=document.kind, key=document.key)
        session.add(row)
    row.title = document.title[:300]
    row.body = document.body[:MAX_BODY]
    row.endpoint = document.endpoint
    row.endpoint_args = document.endpoint_args
    row.context = document.context[:300]
    row.tags = document.tags
    session.flush()


def remove(session: DbSession, kind: str, keys: list[str] | None = None) -> None:
    """Remove the documents of ``kind`` with these keys (all of the kind when ``keys`` is None)."""
    statement = delete(SearchDocument).where(SearchDocument.kind == kind)
    if keys is not None:
        if not keys:
            return
        statement = statement.where(SearchDocument.key.in_(keys))
    session.execute(statement.execution_options(synchronize_session=False))


def remove_prefix(session: DbSession, kind: str, prefix: str) -> None:
    """Remove the documents of ``kind`` whose key starts with ``prefix`` (a course's modules)."""
    pattern = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    session.execute(
        delete(SearchDocument)
        .where(SearchDocument.kind == kind, SearchDocument.key.like(pattern, escape="\\"))
        .execution_options(synchronize_session=False)
    )
