"""Migrations build exactly the models' schema on an empty database (checklist item 17).

Runs on a fresh SQLite file, and on a freshly created PostgreSQL database when the suite runs
against PostgreSQL (LMS_TEST_DATABASE_URL). Every table registered on ``db.metadata``
(``lms.models`` imports them all) is compared, so a model added without its migration fails here.
"""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask import Flask
from sqlalchemy import Column, Integer, MetaData, Table, inspect
from sqlalchemy.engine import make_url

from lms import create_app
from lms.extensions import db
from lms.search.schema import not_modelled
from tests.conftest import _test_config

pytestmark = [
    pytest.mark.slow,
    # migrations/env.py (Flask-Migrate's template) tries db.get_engine() before db.engine.
    pytest.mark.filterwarnings("ignore:'get_engine' is deprecated:DeprecationWarning"),
]


@pytest.fixture(autouse=True)
def keep_logging_configuration() -> Iterator[None]:
    """Alembic's env.py runs logging.config.fileConfig, which disables every existing logger
    (``lms.security`` included) and replaces the root handlers: put everything back afterwards."""
    root = logging.getLogger()
    saved_root = (root.level, list(root.handlers))
    saved: dict[str, tuple[int, bool, bool, list[logging.Handler]]] = {}
    for name, logger in logging.root.manager.loggerDict.items():
        if isinstance(logger, logging.Logger):
            saved[name] = (logger.level, logger.disabled, logger.propagate, list(logger.handlers))
    yield
    root.setLevel(saved_root[0])
    root.handlers[:] = saved_root[1]
    for name, logger in logging.root.manager.loggerDict.items():
        if not isinstance(logger, logging.Logger):
            continue
        level, disabled, propagate, handlers = saved.get(name, (logging.NOTSET, False, True, []))
        logger.setLevel(level)
        logger.disabled = disabled
        logger.propagate = propagate
        logger.handlers[:] = handlers


def schema_differences(app: Flask, metadata: MetaData | None = None) -> list[Any]:
    """What ``flask db migrate`` would generate, with the app's own Alembic options."""
    options = dict(app.extensions["migrate"].configure_args)
    options["compare_type"] = True
    with app.app_context(), db.engine.connect() as connection:
        target = metadata if metadata is not None else db.metadata
        context = MigrationContext.configure(
            connection, opts={**options, "target_metadata": target}
        )
        return list(compare_metadata(context, target))


def describe(differences: list[Any]) -> str:
    """One line per difference, e.g. ``add_fk courses(current_version_id) -> course_versions``."""
    lines = []
    for difference in differences:
        items = difference if isinstance(difference, list) else [difference]
        for item in items:
            op, *rest = item
            subject = rest[-1] if op in {"add_fk", "remove_fk"} else rest[0] if rest else None
            if op in {"add_fk", "remove_fk"} and subject is not None:
                columns = ", ".join(column.name for column in subject.columns)
                target = subject.elements[0].target_fullname.split(".")[0]
                lines.append(f"{op} {subject.parent.name}({columns}) -> {target}")
            else:
                lines.append(f"{op} {rest!r}"[:300])
    return "\n".join(lines)


def table_names(app: Flask) -> set[str]:
    with app.app_context():
        return set(inspect(db.engine).get_table_names())


def check_migrations_match_models(url: str) -> None:
    app = create_app(_test_config(url))
    try:
        compare_migrated_schema_with_models(app)
    finally:
        with app.app_context():
            db.engine.dispose()  # also when an assertion failed: no connection outlives the test


def compare_migrated_schema_with_models(app: Flask) -> None:
    assert table_names(app) == set(), "the database must start empty"
    with app.app_context():
        flask_migrate.upgrade()
    model_tables = {table.name for table in db.metadata.sorted_tables}
    assert {"users", "auth_sessions", "password_tokens"} <= model_tables
    full_text = {name for name in table_names(app) if not not_modelled(name, "table", {})}
    assert table_names(app) - full_text == model_tables | {"alembic_version"}
    differences = schema_differences(app)
    assert not differences, "the migrations differ from the models:\n" + describe(differences)

    # The comparison is not blind: a table the migrations do not create shows up.
    extra = MetaData()
    for table in db.metadata.sorted_tables:
        table.to_metadata(extra)
    Table("not_migrated", extra, Column("id", Integer, primary_key=True))
    assert [d[0] for d in schema_differences(app, extra)] == ["add_table"]

    # Downgrades work too: all the way down, and back up to the same schema.
    with app.app_context():
        flask_migrate.downgrade(revision="base")
    assert table_names(app) <= {"alembic_version"}  # the full-text index is gone too
    with app.app_context():
        flask_migrate.upgrade()
    differences = schema_differences(app)
    assert not differences, "after downgrade and upgrade:\n" + describe(differences)


def test_upgrade_on_empty_sqlite_matches_the_models(tmp_path: Path) -> None:
    check_migrations_match_models(f"sqlite:///{tmp_path / 'migrated.sqlite3'}")


@pytest.fixture
def empty_postgres_database() -> Iterator[str]:
    url = os.environ.get("LMS_TEST_DATABASE_URL", "")
    if not url.startswith(("postgresql", "postgres:")):
        pytest.skip("the suite runs on SQLite; scripts/test runs it on PostgreSQL too")
    import psycopg

    server = make_url(url).set(drivername="postgresql", database="postgres")
    name = f"lms_migrations_{secrets.token_hex(4)}"
    conninfo = server.render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(conninfo, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_upgrade_on_empty_postgresql_matches_the_models(empty_postgres_database: str) -> None:
    check_migrations_match_models(empty_postgres_database)
