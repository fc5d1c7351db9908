"""What every request pays, kept small without weakening any security property.

- A logged-in page runs one statement before its own work: the session lookup, which also reads
  what the navigation shows (has reports -> "My team"; the unread count on the bell).
- Nothing about the login is cached between requests: a session revoked in the database is dead
  on the very next request.
- Public responses (health check, static files) do not look the session up; the health check
  still says ``Cache-Control: no-store`` when a login cookie comes with the request.
- The rate limiter's request-wide hook is skipped only while no request-wide limit exists.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, g
from flask.testing import FlaskClient
from flask_limiter.util import get_remote_address

from lms.auth.sessions import revoke_all_sessions
from lms.extensions import RouteLimiter, db
from lms.notifications.service import mark_all_read, notify
from lms.people.models import User
from tests.conftest import csrf_token, login


def send(app: Flask, person: User, count: int) -> None:
    with app.app_context():
        for number in range(count):
            notify(db.session, person.id, "kudos", f"Kudos {number}")
        db.session.commit()
        db.session.remove()


def page(
    client: FlaskClient, count_statements: Callable[[], Any], url: str = "/account/password"
) -> tuple[str, list[str]]:
    with count_statements() as counter:
        response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True), counter.statements


def test_a_page_runs_one_statement_before_its_own_and_the_nav_facts_are_right(
    app: Flask, make_user: Callable[..., User], count_statements: Callable[[], Any]
) -> None:
    manager = make_user()
    make_user(manager=manager)
    employee = make_user()
    send(app, manager, 3)
    managers, employees = app.test_client(), app.test_client()
    login(managers, manager.email)
    login(employees, employee.email)
    managers.get("/account/password")  # warm-up: connection, caches
    employees.get("/account/password")

    # /account/password (GET) runs nothing of its own: what is counted is what every page pays.
    html, statements = page(managers, count_statements)
    assert len(statements) == 1, statements
    assert "auth_sessions" in statements[0] and "count(notifications.id)" in statements[0]
    assert ">My team<" in html and ">Assignments<" in html
    assert '<span class="bell-count">3</span>' in html

    html, statements = page(employees, count_statements)
    assert len(statements) == 1, statements
    assert ">My team<" not in html and ">Assignments<" not in html
    assert "bell-count" not in html and "has-unread" not in html

    # The facts are read afresh on every request (nothing kept between requests).
    send(app, employee, 2)
    html, statements = page(employees, count_statements)
    assert len(statements) == 1 and '<span class="bell-count">2</span>' in html
    make_user(manager=employee)
    html, statements = page(employees, count_statements)
    assert len(statements) == 1 and ">My team<" in html


def test_a_write_that_renders_a_page_shows_the_nav_facts_too(
    app: Flask, make_user: Callable[..., User], count_statements: Callable[[], Any]
) -> None:
    manager = make_user()
    make_user(manager=manager)
    send(app, manager, 2)
    client = app.test_client()
    login(client, manager.email)
    token = csrf_token(client, "/account/password")
    # A wrong current password re-renders the form: the session lookup skipped the nav facts
    # (writes usually redirect), so the page counts them itself.
    with count_statements() as counter:
        response = client.post(
            "/account/password",
            data={"current": "not-my-password", "password": "x" * 14, "confirm": "x" * 14,
                  "csrf_token": token},
        )
    html = response.get_data(as_text=True)
    assert "That is not your current password." in html
    assert ">My team<" in html and '<span class="bell-count">2</span>' in html
    assert len(counter.statements) == 3, counter.statements


def test_notifying_during_a_request_drops_the_count_read_with_the_session(app: Flask) -> None:
    with app.test_request_context("/"):
        person = User(email="p@example.com", name="P", job_function="hr", active=True)
        db.session.add(person)
        db.session.flush()
        g.unread_notifications = 0
        notify(db.session, person.id, "kudos", "Well done")
        assert "unread_notifications" not in g  # the bell counts again when the page renders
        g.unread_notifications = 1
        mark_all_read(db.session, person.id)
        assert "unread_notifications" not in g
        db.session.rollback()


def test_a_session_revoked_in_the_database_is_dead_on_the_next_request(
    app: Flask, make_user: Callable[..., User]
) -> None:
    person = make_user()
    client = app.test_client()
    login(client, person.email)
    assert client.get("/notifications").status_code == 200
    # As another worker would: straight in the database, nothing shared in memory.
    with app.app_context():
        revoke_all_sessions(db.session, person.id)
        db.session.commit()
        db.session.remove()
    response = client.get("/notifications")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_public_responses_skip_the_session_lookup_but_not_no_store(
    app: Flask, make_user: Callable[..., User], count_statements: Callable[[], Any]
) -> None:
    anonymous = app.test_client()
    response = anonymous.get("/healthz")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")

    client = app.test_client()
    login(client, make_user().email)
    client.get("/healthz")
    with count_statements() as counter:
        response = client.get("/healthz")
    assert response.status_code == 200
    assert not any("auth_sessions" in s for s in counter.statements), counter.statements
    assert "no-store" in response.headers["Cache-Control"]


def test_the_limiter_hook_runs_again_once_a_request_wide_limit_exists() -> None:
    # A bare app with its own limiter: the app's limiter is one object shared by every test app,
    # and Flask-Limiter keeps default limits on it for good once configured.
    bare = Flask(__name__)
    bare.config.update(RATELIMIT_DEFAULT="2 per minute", RATELIMIT_STORAGE_URI="memory://")
    own = RouteLimiter(key_func=get_remote_address)
    own.init_app(bare)

    @bare.get("/")
    def index() -> str:
        return "hello"

    client = bare.test_client()
    assert [client.get("/").status_code for _ in range(3)] == [200, 200, 429]
