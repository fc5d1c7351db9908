"""The ``flask lms users create`` and ``flask lms demo`` commands."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result
from flask import Flask

from lms.demo import DEMO_LOGINS, DEMO_PASSWORD
from lms.extensions import db
from lms.people.models import User
from lms.people.services import hash_password
from tests.conftest import csrf_token, login, row_count

# The tests' BASE_URL (tests/conftest.py); without one the CLI prints http://127.0.0.1:5000.
LINK = re.compile(r"http://localhost(/set-password/[\w-]+)")


def run(app: Flask, *args: str) -> Result:
    return app.test_cli_runner().invoke(args=["lms", *args])


def test_users_create_prints_a_set_password_link_that_works_once(app: Flask) -> None:
    result = run(app, "users", "create", "--email", "New.Admin@Example.com", "--name", "New Admin",
                 "--function", "hr", "--admin")
    assert result.exit_code == 0, result.output
    assert "Created New Admin <new.admin@example.com>" in result.output
    match = LINK.search(result.output)
    assert match, result.output
    link = match.group(1)
    with app.app_context():
        user = db.session.query(User).filter_by(email="new.admin@example.com").one()
        assert user.is_admin and not user.is_author and user.password_hash is None

    browser = app.test_client()
    page = browser.get(link, follow_redirects=True)
    assert page.status_code == 200 and "Hello New Admin" in page.get_data(as_text=True)
    form_page = page.request.path  # the link moved its token into the session
    password = "the first password I chose"
    token = csrf_token(browser, form_page)
    response = browser.post(form_page, data={"password": password, "confirm": password,
                                             "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/login"

    assert browser.get(link).status_code == 404
    again = browser.post(form_page, data={"password": "x" * 20, "confirm": "x" * 20,
                                          "csrf_token": token})
    assert again.status_code == 404
    assert login(app.test_client(), "new.admin@example.com", password).status_code == 302
    assert login(app.test_client(), "new.admin@example.com", "x" * 20).status_code == 401


def test_users_create_with_a_manager_and_roles(
    app: Flask, make_user: Callable[..., User]
) -> None:
    boss = make_user(email="boss@example.com")
    result = run(app, "users", "create", "--email", "pat@example.com", "--name", "Pat",
                 "--function", "sales", "--title", "Rep", "--manager", "BOSS@example.com",
                 "--author", "--executive")
    assert result.exit_code == 0, result.output
    with app.app_context():
        pat = db.session.query(User).filter_by(email="pat@example.com").one()
        assert pat.manager_id == boss.id and pat.roles == ["author", "executive"]
        assert pat.title == "Rep"


def test_users_create_refuses_bad_input_and_creates_nothing(
    app: Flask, make_user: Callable[..., User]
) -> None:
    make_user(email="taken@example.com")
    count = row_count(app)
    duplicate = run(app, "users", "create", "--email", "TAKEN@example.com", "--name", "X",
                    "--function", "sales")
    assert duplicate.exit_code != 0 and "already exists" in duplicate.output
    no_manager = run(app, "users", "create", "--email", "y@example.com", "--name", "Y",
                     "--function", "sales", "--manager", "ghost@example.com")
    assert no_manager.exit_code != 0 and "No manager" in no_manager.output
    bad_function = run(app, "users", "create", "--email", "z@example.com", "--name", "Z",
                       "--function", "astrology")
    assert bad_function.exit_code != 0
    assert row_count(app) == count


def test_demo_is_idempotent_and_prints_working_logins(app: Flask) -> None:
    first = run(app, "demo")
    assert first.exit_code == 0, first.output
    people = row_count(app)
    assert people >= 20
    assert f"Demo organisation: {people} added, 0 updated." in first.output
    for email in DEMO_LOGINS.values():
        assert email in first.output
    assert DEMO_PASSWORD in first.output

    second = run(app, "demo")
    assert second.exit_code == 0, second.output
    assert "Demo organisation: 0 added, 0 updated." in second.output
    assert row_count(app) == people

    for email in DEMO_LOGINS.values():
        assert login(app.test_client(), email, DEMO_PASSWORD).status_code == 302, email


def test_demo_rerun_keeps_a_password_someone_changed(app: Flask) -> None:
    assert run(app, "demo").exit_code == 0
    changed = "eli chose his own password"
    with app.app_context():
        eli = db.session.query(User).filter_by(email=DEMO_LOGINS["employee"]).one()
        eli.password_hash = hash_password(changed)
        db.session.commit()
    assert run(app, "demo").exit_code == 0
    assert login(app.test_client(), DEMO_LOGINS["employee"], DEMO_PASSWORD).status_code == 401
    assert login(app.test_client(), DEMO_LOGINS["employee"], changed).status_code == 302


@pytest.mark.parametrize(
    "args",
    [
        ["users", "create", "--email", "new@example.com", "--name", "New", "--function", "hr"],
        ["summaries", "refresh"],
        ["levels", "recompute"],
        ["badges", "evaluate", "--dry-run"],
        ["snapshots", "take"],
        ["reminders", "send"],
        ["quiz", "measure"],
    ],
)
def test_commands_on_a_database_never_migrated_say_what_to_run(
    tmp_path: Path, args: list[str]
) -> None:
    from lms import create_app
    from tests.conftest import _test_config

    app = create_app(_test_config(f"sqlite:///{tmp_path / 'empty.sqlite3'}"))
    result = app.test_cli_runner().invoke(args=["lms", *args])
    assert result.exit_code != 0
    assert "run `flask --app wsgi db upgrade` first" in result.output, result.output
    assert "Traceback" not in result.output and result.output.count("\n") <= 2
    with app.app_context():
        db.engine.dispose()
