"""Test fixtures: a real database per run (SQLite, or PostgreSQL when LMS_TEST_DATABASE_URL is set).

The schema is created once per run; each test gets a fresh app (its own engine and pool) and the
tables are emptied afterwards, so tests can commit for real and run threads against the database.
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine
from werkzeug.routing import Rule
from werkzeug.routing.converters import NumberConverter

from lms import create_app
from lms.extensions import db
from lms.people.models import User
from lms.people.services import issue_password_token

PASSWORD = "correct horse battery staple"
# make_user's people get a cheap argon2id hash of PASSWORD: verifying it takes well under 1 ms
# instead of ~90 ms, and logging in is much of what the suite does. Passwords set through the app
# (set-password links, password changes) get the production parameters, and tests check those.
_PASSWORD_HASH = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)
_counter = itertools.count(1)


def backend_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("LMS_TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = backend_url(tmp_path_factory)
    app = create_app(_test_config(url))
    with app.app_context():
        db.drop_all()
        db.create_all()
        db.engine.dispose()
    yield url


def _test_config(url: str, **extra: Any) -> dict[str, Any]:
    config: dict[str, Any] = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "RATELIMIT_STORAGE_URI": "memory://",
        "SERVER_NAME": None,
        # Issued credentials need a base URL; the test client's host. The browser tests' live
        # server is 127.0.0.1, and modules that set another BASE_URL still use the test client.
        "BASE_URL": "http://localhost",
        "TRUSTED_HOSTS": ["localhost", "127.0.0.1"],
    }
    if url.startswith(("postgresql", "postgres:")):
        # Tests need no durability: not waiting for the WAL flush makes every commit cheaper.
        config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            "pool_pre_ping": True,
            "connect_args": {"options": "-c synchronous_commit=off"},
        }
    config.update(extra)
    return config


@pytest.fixture
def app_config() -> dict[str, Any]:
    """Override in a test module to change configuration for its tests."""
    return {}


@pytest.fixture
def app(database_url: str, app_config: dict[str, Any], tmp_path: Path) -> Iterator[Flask]:
    app = create_app(_test_config(database_url, **app_config))
    yield app
    with app.app_context():
        db.session.remove()
        _empty_tables()
        db.engine.dispose()


def _empty_tables() -> None:
    # DELETE, children first, on both backends: on PostgreSQL a TRUNCATE of every table costs
    # ~0.3 s per test, DELETE of the few rows a test leaves ~10 ms. Ids are not reset: no test may
    # rely on them.
    with db.engine.begin() as connection:
        for table in reversed(db.metadata.sorted_tables):
            connection.execute(table.delete())


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def make_user(app: Flask) -> Callable[..., User]:
    """Create and commit a person; keyword arguments set any User column."""

    def make(**fields: Any) -> User:
        number = next(_counter)
        values: dict[str, Any] = {
            "email": f"person{number}@example.com",
            "name": f"Person {number}",
            "job_function": "engineering",
            "title": "Specialist",
            "active": True,
            "password_hash": _PASSWORD_HASH,
        }
        if "manager" in fields:
            manager = fields.pop("manager")
            fields["manager_id"] = manager.id if manager else None
        values.update(fields)
        with app.app_context():
            user = User(**values)
            db.session.add(user)
            db.session.commit()
            db.session.refresh(user)
            db.session.expunge(user)
        return user

    return make


CSRF_RE = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)


def csrf_token(client: FlaskClient, url: str = "/login") -> str:
    """Fetch a page that carries a form and return its CSRF token."""
    page = client.get(url)
    match = CSRF_RE.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {url} ({page.status_code})"
    return match.group(1) or match.group(2)


def login(client: FlaskClient, email: str, password: str = PASSWORD, **extra: Any) -> Any:
    token = csrf_token(client, "/login")
    return client.post(
        "/login", data={"email": email, "password": password, "csrf_token": token, **extra}
    )


def logout(client: FlaskClient) -> Any:
    """Log out through the form every page carries (a POST with the page's CSRF token)."""
    token = csrf_token(client, "/account/password")
    return client.post("/logout", data={"csrf_token": token})


@pytest.fixture
def logged_in(client: FlaskClient) -> Callable[[User], FlaskClient]:
    def do(user: User) -> FlaskClient:
        response = login(client, user.email)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client

    return do


class StatementCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, *args: Any) -> None:
        self.statements.append(args[2])

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_statements(app: Flask) -> Callable[[], Any]:
    """Use as ``with count_statements() as counter:``; counts SQL statements sent to the DB."""
    from contextlib import contextmanager

    @contextmanager
    def counting() -> Iterator[StatementCounter]:
        counter = StatementCounter()
        with app.app_context():
            engine: Engine = db.engine
        event.listen(engine, "before_cursor_execute", counter)
        try:
            yield counter
        finally:
            event.remove(engine, "before_cursor_execute", counter)

    return counting


def example_path(rule: Rule, values: dict[str, Any] | None = None) -> str:
    """A concrete path for ``rule``: the given argument values, else 1 for numbers and "x"."""
    known = values or {}
    arguments: dict[str, Any] = {}
    for name in rule.arguments:
        if name in known:
            arguments[name] = known[name]
        else:
            converter = rule._converters[name]
            arguments[name] = 1 if isinstance(converter, NumberConverter) else "x"
    built = rule.build(arguments, append_unknown=False)
    assert built is not None, rule.rule
    return built[1]


def table_snapshot(app: Flask) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in primary-key order: compare two snapshots to prove no change."""
    snapshot: dict[str, list[tuple[Any, ...]]] = {}
    with app.app_context():
        for table in db.metadata.sorted_tables:
            order = list(table.primary_key.columns) or list(table.columns)
            rows = db.session.execute(select(table).order_by(*order))
            snapshot[table.name] = [tuple(row) for row in rows]
        db.session.remove()
    return snapshot


def row_count(app: Flask, model: type[Any] = User) -> int:
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(model)) or 0
        db.session.remove()
    return count


def open_password_link(client: FlaskClient, token: str) -> str:
    """Open a set-password link as a browser does: it moves the token into the session and
    redirects to the tokenless form page, whose path is returned (post the form there)."""
    response = client.get(f"/set-password/{token}")
    assert response.status_code == 303, response.status_code
    location: str = response.headers["Location"]
    return location


def password_link_token(app: Flask, user: User, hours: int = 72) -> str:
    """Issue a set-password token for ``user`` (as the admin page and CLI do) and return it."""
    with app.app_context():
        person = db.session.get(User, user.id)
        assert person is not None
        token = issue_password_token(db.session, person, hours)
        db.session.commit()
        db.session.remove()
    return token
