"""Logging in and out in a real browser."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Page

from lms.people.models import User
from tests.browser.conftest import ARTIFACTS, log_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_log_in_see_home_log_out_and_back_does_not_show_home(
    page: Page, make_user: Callable[..., User]
) -> None:
    user = make_user(name="Bea Browser", title="Analyst", job_function="finance")
    page.goto("/")
    assert "/login" in page.url  # deny by default, in the browser too

    log_in(page, user.email, PASSWORD)
    page.wait_for_url("**/")
    heading = page.get_by_role("heading", name="Welcome, Bea Browser")
    assert heading.is_visible()
    assert page.get_by_text("Analyst · Finance").is_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "home.png"), full_page=True)

    page.locator("summary", has_text="Bea Browser").click()
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/login")
    assert page.get_by_text("You have logged out.").is_visible()

    page.go_back()
    page.wait_for_load_state()
    assert page.get_by_text("Welcome, Bea Browser").count() == 0, page.url
    page.goto("/")
    assert "/login" in page.url
    assert page.get_by_text("Welcome, Bea Browser").count() == 0


def test_a_wrong_password_shows_the_error(page: Page, make_user: Callable[..., User]) -> None:
    user = make_user()
    log_in(page, user.email, "not the right password")
    alert = page.get_by_role("alert")
    assert "That email and password do not match an active account." in alert.inner_text()
    assert "/login" in page.url
    assert page.get_by_label("Email").input_value() == user.email
    assert page.get_by_label("Password").input_value() == ""  # never echoed back
