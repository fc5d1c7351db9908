"""Passwords, logging in and out, sessions and cookies (checklist items 4, 6 and 7).

Session tests use several independent test clients and copy cookies between them, as an attacker
would replay a captured cookie: nothing is shared through a request context.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.http import parse_set_header

from lms.extensions import db
from lms.people.models import AuthSession, User
from tests.conftest import (
    CSRF_RE,
    PASSWORD,
    csrf_token,
    login,
    logout,
    open_password_link,
    password_link_token,
)

SESSION_COOKIE = "session"
REMEMBER_COOKIE = "remember_token"


def set_password_via_link(client: FlaskClient, app: Flask, user: User, password: str) -> Any:
    form_page = open_password_link(client, password_link_token(app, user))
    form_token = csrf_token(client, form_page)
    return client.post(
        form_page, data={"password": password, "confirm": password, "csrf_token": form_token}
    )


def stored_hash(app: Flask, user: User) -> str:
    with app.app_context():
        person = db.session.get(User, user.id)
        assert person is not None and person.password_hash is not None
        return person.password_hash


def cookie_value(client: FlaskClient, name: str) -> str | None:
    cookie = client.get_cookie(name)
    return cookie.value if cookie else None


def set_cookie_headers(response: Any, name: str) -> list[str]:
    return [h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{name}=")]


def is_logged_in(client: FlaskClient) -> bool:
    response = client.get("/")
    if response.status_code == 200:
        return True
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    return False


# --- passwords ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "password",
    [
        "x" * 12,
        "y" * 128,
        "correct horse battery staple",
        "Grüße aus Köln, 東京 и Москва 🔐",
        "  leading and trailing spaces  ",
    ],
    ids=["12-chars", "128-chars", "spaces", "unicode", "edge-spaces"],
)
def test_accepted_passwords_are_stored_as_argon2id_and_log_in_exactly(
    app: Flask, client: FlaskClient, make_user: Callable[..., User], password: str
) -> None:
    user = make_user(password_hash=None)
    response = set_password_via_link(client, app, user, password)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert stored_hash(app, user).startswith("$argon2id$")

    assert login(app.test_client(), user.email, password).status_code == 302
    # Stored as typed: no trimming of spaces, no case folding.
    if password != password.strip():
        assert login(app.test_client(), user.email, password.strip()).status_code == 401
    assert login(app.test_client(), user.email, password.upper() + "!").status_code == 401


@pytest.mark.parametrize("password", ["x" * 11, "z" * 129, "short pw"], ids=["11", "129", "8"])
def test_passwords_outside_12_to_128_characters_are_refused(
    app: Flask, client: FlaskClient, make_user: Callable[..., User], password: str
) -> None:
    user = make_user(password_hash=None)
    response = set_password_via_link(client, app, user, password)
    assert response.status_code == 200
    assert "Use 12 to 128 characters" in response.get_data(as_text=True)
    with app.app_context():
        person = db.session.get(User, user.id)
        assert person is not None and person.password_hash is None


def test_no_truncation_a_password_differing_after_character_72_does_not_log_in(
    app: Flask, client: FlaskClient, make_user: Callable[..., User]
) -> None:
    user = make_user(password_hash=None)
    password = "a" * 72 + " the part bcrypt would have dropped"
    assert set_password_via_link(client, app, user, password).status_code == 302

    assert login(app.test_client(), user.email, "a" * 72).status_code == 401
    almost = "a" * 72 + " the part bcrypt would have droppeD"
    assert login(app.test_client(), user.email, almost).status_code == 401
    assert login(app.test_client(), user.email, password).status_code == 302


def test_a_129_character_password_at_login_is_a_plain_failure(
    client: FlaskClient, make_user: Callable[..., User]
) -> None:
    user = make_user()
    response = login(client, user.email, PASSWORD + "x" * (129 - len(PASSWORD)))
    assert response.status_code == 401
    assert not is_logged_in(client)


def test_change_password_checks_the_current_one_and_the_rules(
    app: Flask, logged_in: Callable[[User], FlaskClient], make_user: Callable[..., User]
) -> None:
    user = make_user()
    client = logged_in(user)
    before = stored_hash(app, user)
    token = csrf_token(client, "/account/password")
    wrong = client.post(
        "/account/password",
        data={"current": "not my password", "password": "n" * 20, "confirm": "n" * 20,
              "csrf_token": token},
    )
    assert wrong.status_code == 200
    assert "not your current password" in wrong.get_data(as_text=True)
    mismatch = client.post(
        "/account/password",
        data={"current": PASSWORD, "password": "n" * 20, "confirm": "m" * 20, "csrf_token": token},
    )
    assert "The two passwords differ" in mismatch.get_data(as_text=True)
    assert stored_hash(app, user) == before


# --- logging in and out ------------------------------------------------------------------------


def test_login_with_wrong_password_shows_an_error_and_stays_anonymous(
    client: FlaskClient, make_user: Callable[..., User]
) -> None:
    user = make_user()
    response = login(client, user.email, "wrong password, long enough")
    assert response.status_code == 401
    assert "do not match an active account" in response.get_data(as_text=True)
    assert not is_logged_in(client)


def test_email_is_case_insensitive_at_login(
    client: FlaskClient, make_user: Callable[..., User]
) -> None:
    user = make_user(email="mixed.case@example.com")
    assert login(client, "  Mixed.CASE@Example.com ").status_code == 302
    assert is_logged_in(client)
    assert user.id


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/account/password", "/account/password"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example/", "/"),
        ("/\t/evil.example/", None),  # a control character: refused with 400 (lms.inputs)
        ("javascript:alert(1)", "/"),
    ],
)
def test_login_redirects_only_to_same_site_paths(
    client: FlaskClient, make_user: Callable[..., User], next_url: str, expected: str | None
) -> None:
    user = make_user()
    token = csrf_token(client, "/login")
    response = client.post(
        "/login",
        query_string={"next": next_url},
        data={"email": user.email, "password": PASSWORD, "csrf_token": token},
    )
    if expected is None:
        assert response.status_code == 400 and "Location" not in response.headers
        return
    assert response.status_code == 302
    assert response.headers["Location"] == expected


def test_logout_is_a_post_and_ends_the_session(
    logged_in: Callable[[User], FlaskClient], make_user: Callable[..., User]
) -> None:
    client = logged_in(make_user())
    assert client.get("/logout").status_code == 405
    assert is_logged_in(client)
    response = logout(client)
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert not is_logged_in(client)


def test_deactivated_person_cannot_log_in_and_their_live_session_dies(
    app: Flask, make_user: Callable[..., User]
) -> None:
    user = make_user()
    browser = app.test_client()
    assert login(browser, user.email).status_code == 302
    assert is_logged_in(browser)

    with app.app_context():
        person = db.session.get(User, user.id)
        assert person is not None
        person.active = False
        db.session.commit()

    assert not is_logged_in(browser)
    response = login(app.test_client(), user.email)
    assert response.status_code == 401
    assert "do not match an active account" in response.get_data(as_text=True)


# --- sessions ----------------------------------------------------------------------------------


def copy_cookie(source: FlaskClient, target: FlaskClient, name: str = SESSION_COOKIE) -> str:
    value = cookie_value(source, name)
    assert value, f"no {name} cookie to copy"
    target.set_cookie(name, value)
    return value


def test_a_session_cookie_captured_before_logout_no_longer_works(
    app: Flask, make_user: Callable[..., User]
) -> None:
    user = make_user()
    victim = app.test_client()
    assert login(victim, user.email).status_code == 302
    attacker = app.test_client()
    copy_cookie(victim, attacker)
    assert is_logged_in(attacker)  # the copy works while the session lives: the test can fail

    assert logout(victim).status_code == 302
    assert not is_logged_in(victim)
    assert not is_logged_in(attacker)


def test_a_session_cookie_captured_before_a_password_change_no_longer_works(
    app: Flask, make_user: Callable[..., User]
) -> None:
    user = make_user()
    victim = app.test_client()
    assert login(victim, user.email).status_code == 302
    attacker = app.test_client()
    copy_cookie(victim, attacker)
    assert is_logged_in(attacker)

    token = csrf_token(victim, "/account/password")
    new_password = "a brand new passphrase"
    response = victim.post(
        "/account/password",
        data={"current": PASSWORD, "password": new_password, "confirm": new_password,
              "csrf_token": token},
    )
    assert response.status_code == 302
    assert is_logged_in(victim)  # the browser that changed it carries on
    assert not is_logged_in(attacker)
    assert login(app.test_client(), user.email, new_password).status_code == 302
    assert login(app.test_client(), user.email, PASSWORD).status_code == 401


def test_setting_a_password_through_a_link_ends_every_session(
    app: Flask, make_user: Callable[..., User]
) -> None:
    user = make_user()
    old_browser = app.test_client()
    assert login(old_browser, user.email).status_code == 302
    response = set_password_via_link(app.test_client(), app, user, "reset via link, long enough")
    assert response.status_code == 302
    assert not is_logged_in(old_browser)


def test_the_session_cookie_changes_at_login_and_a_planted_one_stays_anonymous(
    app: Flask, make_user: Callable[..., User]
) -> None:
    user = make_user()
    victim = app.test_client()
    csrf_token(victim, "/login")
    before = cookie_value(victim, SESSION_COOKIE)
    assert before
    attacker = app.test_client()
    attacker.set_cookie(SESSION_COOKIE, before)  # session fixation: planted before login

    assert login(victim, user.email).status_code == 302
    after = cookie_value(victim, SESSION_COOKIE)
    assert after and after != before
    assert is_logged_in(victim)
    assert not is_logged_in(attacker)


def test_every_login_gets_its_own_server_side_session(
    app: Flask, make_user: Callable[..., User]
) -> None:
    user = make_user()
    first, second = app.test_client(), app.test_client()
    assert login(first, user.email).status_code == 302
    assert login(second, user.email).status_code == 302
    with app.app_context():
        rows = db.session.query(AuthSession).filter_by(user_id=user.id).all()
        assert len(rows) == 2
        assert len({row.token_hash for row in rows}) == 2
    assert logout(first).status_code == 302
    assert is_logged_in(second)  # logging out in one browser does not end the other


# --- remember me and cookie flags --------------------------------------------------------------


def test_remember_me_cookie_is_cleared_on_logout_and_dead_when_replayed(
    app: Flask, make_user: Callable[..., User]
) -> None:
    user = make_user()
    browser = app.test_client()
    assert login(browser, user.email, remember="y").status_code == 302
    remembered = cookie_value(browser, REMEMBER_COOKIE)
    assert remembered

    # A fresh browser with only the remember-me cookie is logged in: the replay below can fail.
    restored = app.test_client()
    restored.set_cookie(REMEMBER_COOKIE, remembered)
    assert is_logged_in(restored)

    response = logout(browser)
    cleared = set_cookie_headers(response, REMEMBER_COOKIE)
    assert cleared, response.headers.getlist("Set-Cookie")
    assert "Expires=Thu, 01 Jan 1970" in cleared[0] or "Max-Age=0" in cleared[0]
    assert cookie_value(browser, REMEMBER_COOKIE) is None

    replay = app.test_client()
    replay.set_cookie(REMEMBER_COOKIE, remembered)
    assert not is_logged_in(replay)
    assert not is_logged_in(restored)


def cookie_attributes(header: str) -> dict[str, str]:
    attributes: dict[str, str] = {}
    for part in parse_set_header(header.replace(";", ",")):
        name, _, value = part.strip().partition("=")
        attributes[name.lower()] = value
    return attributes


def test_session_and_remember_cookies_are_httponly_and_samesite_lax(
    client: FlaskClient, make_user: Callable[..., User]
) -> None:
    user = make_user()
    response = login(client, user.email, remember="y")
    for name in (SESSION_COOKIE, REMEMBER_COOKIE):
        headers = set_cookie_headers(response, name)
        assert headers, f"{name} not set at login"
        attributes = cookie_attributes(headers[0])
        assert "httponly" in attributes
        assert attributes.get("samesite", "").lower() in {"lax", "strict"}
        assert "secure" not in attributes  # plain http in tests; see the https test below


class TestOverHttps:
    @pytest.fixture
    def app_config(self) -> dict[str, Any]:
        return {"PREFERRED_URL_SCHEME": "https"}

    def test_cookies_are_secure_when_served_over_https(
        self, app: Flask, make_user: Callable[..., User]
    ) -> None:
        user = make_user()
        client = app.test_client()
        https = {"base_url": "https://localhost", "headers": {"Referer": "https://localhost/login"}}
        page = client.get("/login", **https)
        match = CSRF_RE.search(page.get_data(as_text=True))
        assert match
        response = client.post(
            "/login",
            data={"email": user.email, "password": PASSWORD, "remember": "y",
                  "csrf_token": match.group(1) or match.group(2)},
            **https,
        )
        assert response.status_code == 302
        for name in (SESSION_COOKIE, REMEMBER_COOKIE):
            headers = set_cookie_headers(response, name)
            assert headers and "secure" in cookie_attributes(headers[0]), name
        assert "max-age=" in response.headers["Strict-Transport-Security"]


def test_a_password_change_replaces_the_remember_me_cookie_and_kills_the_old_one(
    app: Flask, make_user: Callable[..., User]
) -> None:
    user = make_user()
    browser = app.test_client()
    assert login(browser, user.email, remember="y").status_code == 302
    old = cookie_value(browser, REMEMBER_COOKIE)
    assert old
    token = csrf_token(browser, "/account/password")
    new_password = "a brand new passphrase"
    response = browser.post(
        "/account/password",
        data={"current": PASSWORD, "password": new_password, "confirm": new_password,
              "csrf_token": token},
    )
    assert response.status_code == 302
    new = cookie_value(browser, REMEMBER_COOKIE)
    assert new and new != old  # still "kept signed in", with the new session's token
    kept = app.test_client()
    kept.set_cookie(REMEMBER_COOKIE, new)
    assert is_logged_in(kept)
    replay = app.test_client()
    replay.set_cookie(REMEMBER_COOKIE, old)
    assert not is_logged_in(replay)


def test_a_password_change_without_remember_me_sets_no_remember_cookie(
    app: Flask, make_user: Callable[..., User], logged_in: Callable[[User], FlaskClient]
) -> None:
    client = logged_in(make_user())
    token = csrf_token(client, "/account/password")
    new_password = "a brand new passphrase"
    response = client.post(
        "/account/password",
        data={"current": PASSWORD, "password": new_password, "confirm": new_password,
              "csrf_token": token},
    )
    assert response.status_code == 302
    assert cookie_value(client, REMEMBER_COOKIE) is None
