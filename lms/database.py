"""Engine set-up that differs per backend."""

from __future__ import annotations

from typing import Any, TypeAlias

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, scoped_session

from lms.extensions import db

# What services take: Flask-SQLAlchemy's ``db.session`` (a scoped_session proxy) or a plain Session.
DbSession: TypeAlias = Session | scoped_session[Any]


def configure_engine_events(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_on_connect)


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers proceed while one writer commits; the busy timeout makes concurrent writers
    # wait instead of failing at once; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"
