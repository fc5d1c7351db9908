"""Logins have a server-side absolute and idle lifetime (issue 17, lower items; checklist item 25).

``LMS_SESSION_MAX_AGE_DAYS`` after the login, or ``LMS_SESSION_IDLE_DAYS`` after the session was
last used, the server-side session row no longer matches, whatever cookie (session or remember-me)
points at it. The check is part of the one lookup statement; ``last_seen_at`` is written at most
every few minutes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from lms import create_app
from lms.auth.sessions import TOUCH_EVERY
from lms.extensions import db
from lms.people.models import AuthSession, User, utcnow
from tests.conftest import login

REMEMBER_COOKIE = "remember_token"


def age_sessions(
    app: Flask, user: User, *, started: timedelta, last_seen: timedelta = timedelta(0)
) -> None:
    """Make every session of ``user`` look ``started`` old and last used ``last_seen`` ago."""
    now = utcnow()
    with app.app_context():
        db.session.execute(
            update(AuthSession)
            .where(AuthSession.user_id == user.id)
            .values(created_at=now - started, last_seen_at=now - last_seen)
        )
        db.session.commit()
        db.session.remove()


def last_seen(app: Flask, user: User) -> datetime:
    with app.app_context():
        value = db.session.scalar(
            select(AuthSession.last_seen_at).where(AuthSession.user_id == user.id)
        )
        db.session.remove()
    assert value is not None
    return value


def is_logged_in(client: FlaskClient) -> bool:
    response = client.get("/account/password")
    assert response.status_code in {200, 302}
    return response.status_code == 200


def remembered_browser(app: Flask, user: User) -> tuple[FlaskClient, FlaskClient]:
    """A browser logged in with "keep me signed in", and a second one holding only its
    remember-me cookie (as after the browser restarted, or as a thief would replay it)."""
    browser = app.test_client()
    assert login(browser, user.email, remember="y").status_code == 302
    cookie = browser.get_cookie(REMEMBER_COOKIE)
    assert cookie is not None
    restored = app.test_client()
    restored.set_cookie(REMEMBER_COOKIE, cookie.value)
    return browser, restored


def test_a_remember_me_cookie_from_a_14_month_old_session_no_longer_logs_in(
    app: Flask, make_user: Callable[..., User]
) -> None:
    user = make_user()
    browser, restored = remembered_browser(app, user)
    assert is_logged_in(restored)  # the replay works while the session is young: can fail
    # Fourteen months old, and in use every day (never idle).
    age_sessions(app, user, started=timedelta(days=425))
    assert not is_logged_in(restored)
    assert not is_logged_in(browser)


def test_the_absolute_lifetime_ends_a_session_in_constant_use(
    app: Flask, make_user: Callable[..., User]
) -> None:
    user = make_user()
    _, restored = remembered_browser(app, user)
    age_sessions(app, user, started=timedelta(days=13, hours=23))
    assert is_logged_in(restored)
    age_sessions(app, user, started=timedelta(days=14, minutes=1))
    assert not is_logged_in(restored)
    # Logging in again starts a new session with a new lifetime.
    assert login(restored, user.email).status_code == 302
    assert is_logged_in(restored)


def test_the_idle_lifetime_ends_an_unused_session_and_use_keeps_it_alive(
    app: Flask, make_user: Callable[..., User]
) -> None:
    user = make_user()
    browser, restored = remembered_browser(app, user)
    age_sessions(app, user, started=timedelta(days=6), last_seen=timedelta(days=6, hours=23))
    before = utcnow()
    assert is_logged_in(restored)  # used just in time: the idle clock starts again
    assert last_seen(app, user) >= before - timedelta(seconds=1)

    age_sessions(app, user, started=timedelta(days=8), last_seen=timedelta(days=7, minutes=1))
    assert not is_logged_in(restored)
    assert not is_logged_in(browser)


def test_last_seen_is_written_at_most_every_few_minutes(
    app: Flask, make_user: Callable[..., User], count_statements: Callable[[], Any]
) -> None:
    user = make_user()
    browser = app.test_client()
    assert login(browser, user.email).status_code == 302
    browser.get("/account/password")  # warm-up

    def statements() -> list[str]:
        with count_statements() as counter:
            assert browser.get("/account/password").status_code == 200
        return list(counter.statements)

    assert len(statements()) == 1  # just logged in: the lookup alone
    stale = TOUCH_EVERY + timedelta(seconds=5)
    age_sessions(app, user, started=timedelta(hours=1), last_seen=stale)
    touched = statements()
    assert len(touched) == 2 and touched[1].lstrip().upper().startswith("UPDATE AUTH_SESSIONS")
    assert utcnow() - last_seen(app, user) < timedelta(minutes=1)
    assert len(statements()) == 1  # and not again for the next few minutes


class TestConfiguredLifetimes:
    @pytest.fixture
    def app_config(self) -> dict[str, Any]:
        return {"SESSION_MAX_AGE_DAYS": 0.5, "SESSION_IDLE_DAYS": "0.25"}  # 12 h and 6 h

    def test_the_settings_decide(self, app: Flask, make_user: Callable[..., User]) -> None:
        user = make_user()
        browser = app.test_client()
        assert login(browser, user.email).status_code == 302
        age_sessions(app, user, started=timedelta(hours=11), last_seen=timedelta(hours=5))
        assert is_logged_in(browser)
        idle = timedelta(hours=6, minutes=1)
        age_sessions(app, user, started=timedelta(hours=11), last_seen=idle)
        assert not is_logged_in(browser)
        assert login(browser, user.email).status_code == 302
        age_sessions(app, user, started=timedelta(hours=12, minutes=1))
        assert not is_logged_in(browser)


@pytest.mark.parametrize("value", ["soon", 0, -3, "nan", 100000])
def test_a_lifetime_that_is_not_a_sensible_number_of_days_stops_the_start(
    database_url: str, value: Any
) -> None:
    with pytest.raises(ValueError, match="LMS_SESSION_IDLE_DAYS must be a number of days"):
        create_app(
            {"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "x",
             "SESSION_IDLE_DAYS": value}
        )
