"""The full-text index beside ``search_documents``: raw DDL, because neither backend's index is
something the ORM models.

- SQLite: an external-content FTS5 table (``porter`` stemming, so "hallucinations" finds
  "hallucination"), kept in step with ``search_documents`` by three triggers.
- PostgreSQL: a GIN index over ``to_tsvector('english', title || ' ' || body)``, the very
  expression :mod:`lms.search.query` matches, so the planner uses it.

The migration (migrations/versions/e5ebf4b6f7d5_search.py) and ``db.create_all`` (the tests) run
these same statements; changing them needs a new migration. :func:`not_modelled` keeps Alembic's
model comparison from reporting them as tables or indexes to drop.
"""

from __future__ import annotations

from typing import Any

FTS_TABLE = "search_fts"
PG_INDEX = "ix_search_documents_full_text"
# Title and body, weighted when ranking; the same expression in the index and in the queries.
PG_DOCUMENT = "to_tsvector('english', title || ' ' || body)"

# Constants, not built from input: the table name is spelt out (FTS_TABLE is the same name).
_SQLITE = [
    "CREATE VIRTUAL TABLE search_fts USING fts5(title, body, content='search_documents',"
    " content_rowid='id', tokenize='porter unicode61')",
    "CREATE TRIGGER search_documents_ai AFTER INSERT ON search_documents BEGIN"
    " INSERT INTO search_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
    "CREATE TRIGGER search_documents_ad AFTER DELETE ON search_documents BEGIN"
    " INSERT INTO search_fts(search_fts, rowid, title, body)"
    " VALUES ('delete', old.id, old.title, old.body); END",
    "CREATE TRIGGER search_documents_au AFTER UPDATE ON search_documents BEGIN"
    " INSERT INTO search_fts(search_fts, rowid, title, body)"
    " VALUES ('delete', old.id, old.title, old.body);"
    " INSERT INTO search_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
]
_POSTGRESQL = [f"CREATE INDEX {PG_INDEX} ON search_documents USING gin ({PG_DOCUMENT})"]

DROP_STATEMENTS = {
    "sqlite": [
        "DROP TRIGGER IF EXISTS search_documents_ai",
        "DROP TRIGGER IF EXISTS search_documents_ad",
        "DROP TRIGGER IF EXISTS search_documents_au",
        f"DROP TABLE IF EXISTS {FTS_TABLE}",
    ],
    "postgresql": [f"DROP INDEX IF EXISTS {PG_INDEX}"],
}


def full_text_statements(dialect: str) -> list[str]:
    return {"sqlite": _SQLITE, "postgresql": _POSTGRESQL}.get(dialect, [])


def not_modelled(name: str | None, type_: str, parent_names: Any) -> bool:
    """Alembic ``include_name``: False for the FTS5 table, its shadow tables and the GIN index."""
    if name is None:
        return True
    if type_ == "table" and name.startswith(FTS_TABLE):
        return False
    return not (type_ == "index" and name == PG_INDEX)
