"""Security events are logged with user, time and IP; secrets never are (checklist item 18)."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from lms.people.models import User
from tests.conftest import (
    PASSWORD,
    csrf_token,
    login,
    logout,
    open_password_link,
    password_link_token,
)

IP = "198.51.100.9"


@pytest.fixture
def browser(app: Flask) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = IP
    return client


def security_messages(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "lms.security"]


def test_login_success_and_failure_are_logged_with_user_and_ip(
    app: Flask,
    browser: FlaskClient,
    make_user: Callable[..., User],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="lms.security")
    user = make_user(email="logged@example.com")
    assert login(browser, "Logged@Example.com", "wrong password here").status_code == 401
    assert login(browser, user.email).status_code == 302
    messages = security_messages(caplog)
    assert f"login failure email=logged@example.com ip={IP}" in messages
    assert f"login success user={user.id} ip={IP}" in messages
    record = next(r for r in caplog.records if r.getMessage().startswith("login success"))
    assert record.created > 0 and record.levelno == logging.INFO


def test_access_denials_are_logged_with_user_ip_and_path(
    browser: FlaskClient, make_user: Callable[..., User], caplog: pytest.LogCaptureFixture
) -> None:
    user = make_user()
    assert login(browser, user.email).status_code == 302
    caplog.set_level(logging.INFO, logger="lms.security")
    assert browser.get("/admin/people").status_code == 403
    denials = [m for m in security_messages(caplog) if m.startswith("access denied")]
    assert denials == [
        f"access denied user={user.id} ip={IP} path=/admin/people reason=missing capability admin"
    ]
    record = next(r for r in caplog.records if r.getMessage().startswith("access denied"))
    assert record.levelno == logging.WARNING


def test_csrf_failures_are_logged_with_user_and_ip(
    app: Flask,
    browser: FlaskClient,
    make_user: Callable[..., User],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="lms.security")
    assert browser.post("/login", data={"email": "x@example.com"}).status_code == 400
    user = make_user()
    assert login(browser, user.email).status_code == 302
    assert browser.post("/logout").status_code == 400
    failures = [m for m in security_messages(caplog) if m.startswith("csrf failure")]
    assert len(failures) == 2
    assert failures[0].startswith(f"csrf failure user=anonymous ip={IP} path=/login")
    assert failures[1].startswith(f"csrf failure user={user.id} ip={IP} path=/logout")


def test_passwords_tokens_and_cookies_never_appear_in_any_log(
    app: Flask,
    browser: FlaskClient,
    make_user: Callable[..., User],
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Everything, from every logger, SQL statements and their parameters included.
    caplog.set_level(logging.DEBUG)
    logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)
    try:
        user = make_user(email="secretive@example.com")
        secrets = {"wrong password": "Wr0ng but long enough!", "password": PASSWORD}

        assert login(browser, user.email, secrets["wrong password"]).status_code == 401
        assert login(browser, user.email, remember="y").status_code == 302
        for name in ("session", "remember_token"):
            cookie = browser.get_cookie(name)
            assert cookie is not None
            secrets[f"{name} cookie"] = cookie.value
        secrets["server-side session token"] = secrets["remember_token cookie"].split("|")[0]
        assert browser.get("/admin/people").status_code == 403

        token = password_link_token(app, user)
        secrets["set-password token"] = token
        link = f"/set-password/{token}"
        form_page = open_password_link(browser, token)
        # A stale form on the set-password page: the CSRF failure is logged, with its path.
        assert browser.post(form_page, data={"password": "x"}).status_code == 400
        new_password = "a new password from the link"
        secrets["new password"] = new_password
        form_token = csrf_token(browser, form_page)
        response = browser.post(
            form_page, data={"password": new_password, "confirm": new_password,
                             "csrf_token": form_token}
        )
        assert response.status_code == 302
        assert browser.get(link).status_code == 404

        assert login(browser, user.email, new_password).status_code == 302
        changed = "and another one, changed"
        secrets["changed password"] = changed
        form_token = csrf_token(browser, "/account/password")
        response = browser.post(
            "/account/password",
            data={"current": new_password, "password": changed, "confirm": changed,
                  "csrf_token": form_token},
        )
        assert response.status_code == 302
        assert logout(browser).status_code == 302
    finally:
        logging.getLogger("sqlalchemy.engine").setLevel(logging.NOTSET)

    texts = []
    for record in caplog.records:
        texts.append(record.getMessage())
        texts.append(repr(record.args))
        if record.exc_text:
            texts.append(record.exc_text)
    everything = "\n".join(texts)
    assert "login success" in everything and "csrf failure" in everything
    assert "SELECT" in everything  # SQL logging was really on
    for label, secret in secrets.items():
        assert secret not in everything, f"{label} appears in the logs"
    assert "path=/set-password reason=" in everything  # the stale form above was logged
