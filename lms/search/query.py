"""Reading the search index: one statement per search on either backend.

The words typed are never passed to the database as query syntax: they are split into plain
terms (letters, digits and ``_`` only), each quoted for SQLite FTS5 or joined with ``&`` for
PostgreSQL's ``to_tsquery``, so no input is an operator or a syntax error. All terms must match;
the last one also matches as a prefix ("halluc" finds "hallucination" while typing).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape
from sqlalchemy import JSON, text

from lms.database import DbSession

MAX_TERMS = 8
MAX_QUERY = 200
KINDS = ("course", "module", "tool", "use-case")
# Private-use code points around highlighted words: the database marks matches with them, the
# excerpt is escaped, then they become <mark> (no markup from the database reaches the page).
_START, _STOP = "\ue000", "\ue001"
_WORD = re.compile(r"\w+", re.UNICODE)

_SQLITE = """
SELECT d.id, d.kind, d.title, d.endpoint, d.endpoint_args, d.context, d.tags,
       snippet(search_fts, 1, :start, :stop, ' … ', 16) AS excerpt
FROM search_fts JOIN search_documents d ON d.id = search_fts.rowid
WHERE search_fts MATCH :match AND (:kind = '' OR d.kind = :kind)
  AND (:area = '' OR EXISTS (SELECT 1 FROM json_each(d.tags, '$.area') WHERE value = :area))
ORDER BY bm25(search_fts, 8.0, 1.0), d.id
LIMIT :limit
"""

_POSTGRESQL = """
WITH q AS (SELECT to_tsquery('english', :terms) AS query)
SELECT d.id, d.kind, d.title, d.endpoint, d.endpoint_args, d.context, d.tags,
       ts_headline('english', d.body, q.query,
                   'StartSel=' || :start || ', StopSel=' || :stop
                   || ', MaxWords=30, MinWords=12, MaxFragments=2, FragmentDelimiter=" … "')
         AS excerpt
FROM search_documents d, q
WHERE to_tsvector('english', d.title || ' ' || d.body) @@ q.query
  AND (:kind = '' OR d.kind = :kind)
  AND (:area = '' OR (d.tags::jsonb -> 'area') ? :area)
ORDER BY ts_rank_cd(setweight(to_tsvector('english', d.title), 'A')
                    || setweight(to_tsvector('english', d.body), 'D'), q.query) DESC, d.id
LIMIT :limit
"""


@dataclass(frozen=True)
class Hit:
    kind: str
    title: str
    endpoint: str
    endpoint_args: dict[str, Any]
    context: str
    tags: dict[str, list[str]]
    excerpt: Markup


def terms_of(query: str) -> list[str]:
    """The words of what was typed, at most :data:`MAX_TERMS`, lower-cased."""
    return [word.lower() for word in _WORD.findall(query[:MAX_QUERY])][:MAX_TERMS]


def _fts5_match(terms: list[str]) -> str:
    quoted = [f'"{term}"' for term in terms]
    quoted[-1] += "*"
    return " ".join(quoted)


def _tsquery(terms: list[str]) -> str:
    # Words only (no tsquery operators can be among them), all required, the last as a prefix.
    return " & ".join(terms) + ":*"


def highlighted(excerpt: str) -> Markup:
    """The excerpt escaped, with the database's marks turned into ``<mark>``."""
    safe = str(escape(excerpt))
    # Safe: everything from the database is escaped above; only the two marks become tags.
    return Markup(safe.replace(_START, "<mark>").replace(_STOP, "</mark>"))  # noqa: S704


def search(
    session: DbSession, query: str, *, kind: str = "", area: str = "", limit: int = 20
) -> list[Hit]:
    """The best ``limit`` documents for ``query``, best first; ``kind`` and ``area`` narrow them
    (unknown values are ignored)."""
    terms = terms_of(query)
    if not terms:
        return []
    params: dict[str, Any] = {
        "start": _START,
        "stop": _STOP,
        "kind": kind if kind in KINDS else "",
        "area": area[:40],
        "limit": limit,
    }
    if session.get_bind().dialect.name == "postgresql":
        sql = _POSTGRESQL
        params["terms"] = _tsquery(terms)
    else:
        sql = _SQLITE
        params["match"] = _fts5_match(terms)
    # Typed JSON columns: decoded the same way on both backends.
    statement = text(sql).columns(endpoint_args=JSON, tags=JSON)
    return [
        Hit(
            kind=row.kind,
            title=row.title,
            endpoint=row.endpoint,
            endpoint_args=row.endpoint_args,
            context=row.context,
            tags=row.tags,
            excerpt=highlighted(row.excerpt or ""),
        )
        for row in session.execute(statement, params)
    ]
