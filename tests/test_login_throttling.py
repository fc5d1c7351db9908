"""Login throttling per account and per IP; one message for every failure (checklist item 5)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from lms.people.models import User
from tests.conftest import PASSWORD, login, logout

PER_ACCOUNT = 5  # LOGIN_LIMIT_PER_ACCOUNT's default: "5 per minute;20 per hour"
PER_IP = 8
WRONG = "definitely not the password"


@pytest.fixture
def app_config() -> dict[str, Any]:
    # Below the default 20 per minute so the per-IP test stays short, above PER_ACCOUNT so the
    # per-account tests are not stopped by the IP limit first. The default store (the database,
    # shared by all workers), not the suite's in-memory one.
    return {"LOGIN_LIMIT_PER_IP": f"{PER_IP} per minute", "RATELIMIT_STORAGE_URI": "database://"}


def test_the_configured_per_account_limit_is_the_documented_one(app: Flask) -> None:
    assert app.config["LOGIN_LIMIT_PER_ACCOUNT"] == "5 per minute;20 per hour"
    assert app.config["LOGIN_LIMIT_PER_IP"] == f"{PER_IP} per minute"


def test_repeated_failures_for_one_account_get_429_even_with_the_right_password(
    client: FlaskClient, make_user: Callable[..., User]
) -> None:
    user = make_user()
    for _ in range(PER_ACCOUNT):
        assert login(client, user.email, WRONG).status_code == 401
    assert login(client, user.email, WRONG).status_code == 429
    locked = login(client, user.email)
    assert locked.status_code == 429
    assert "Too many attempts" in locked.get_data(as_text=True)
    assert client.get("/").status_code == 302  # still anonymous


def test_the_account_limit_ignores_email_case_and_spares_other_accounts(
    app: Flask, make_user: Callable[..., User]
) -> None:
    make_user(email="throttled@example.com")
    other = make_user()
    variants = ["throttled@example.com", "THROTTLED@example.com", " Throttled@Example.COM "]
    for attempt in range(PER_ACCOUNT):
        client = app.test_client()  # a new browser (same IP) each time
        assert login(client, variants[attempt % 3], WRONG).status_code == 401
    assert login(app.test_client(), "throttled@EXAMPLE.com").status_code == 429
    assert login(app.test_client(), other.email).status_code == 302


def test_a_successful_login_does_not_count(
    app: Flask, client: FlaskClient, make_user: Callable[..., User]
) -> None:
    user = make_user()
    for _ in range(PER_ACCOUNT - 1):
        assert login(client, user.email, WRONG).status_code == 401
    for _ in range(3):
        # Each from a new browser: one that logged in is a known device with its own count
        # (tests/test_hardening_throttling.py).
        elsewhere = app.test_client()
        assert login(elsewhere, user.email).status_code == 302
        assert logout(elsewhere).status_code == 302
    # Had the three successes counted, this would already be over the limit.
    assert login(client, user.email, WRONG).status_code == 401
    assert login(client, user.email, WRONG).status_code == 429


def test_repeated_failures_from_one_ip_get_429_for_every_account(
    app: Flask, make_user: Callable[..., User]
) -> None:
    user = make_user()
    attacker = {"REMOTE_ADDR": "203.0.113.7"}
    for number in range(PER_IP):
        client = app.test_client()
        client.environ_base.update(attacker)
        response = login(client, f"nobody{number}@example.com", WRONG)
        assert response.status_code == 401
    blocked = app.test_client()
    blocked.environ_base.update(attacker)
    assert login(blocked, user.email).status_code == 429

    elsewhere = app.test_client()
    elsewhere.environ_base.update({"REMOTE_ADDR": "198.51.100.20"})
    assert login(elsewhere, user.email).status_code == 302


def failure_message(response: Any) -> str:
    page = response.get_data(as_text=True)
    match = re.search(r'<p class="flash flash-error"[^>]*>(.*?)</p>', page)
    assert match, page
    return match.group(1)


def test_unknown_email_wrong_password_and_deactivated_account_look_the_same(
    app: Flask, make_user: Callable[..., User]
) -> None:
    user = make_user()
    gone = make_user(active=False)
    answers = [
        login(app.test_client(), "no.such.person@example.com", WRONG),
        login(app.test_client(), user.email, WRONG),
        login(app.test_client(), gone.email, PASSWORD),
    ]
    assert {response.status_code for response in answers} == {401}
    assert len({failure_message(response) for response in answers}) == 1
    # The same headers too (no rate-limit or other header only for real accounts).
    keys = [sorted({key for key, _ in r.headers} - {"Set-Cookie", "Date"}) for r in answers]
    assert keys[0] == keys[1] == keys[2]
