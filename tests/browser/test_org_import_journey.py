"""An admin imports an org chart in a real browser: a bad file first, then a good one."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from playwright.sync_api import FilePayload, Page

from lms.people.models import User
from tests.browser.conftest import log_in
from tests.conftest import PASSWORD, row_count

pytestmark = pytest.mark.browser

HEADER = "email,name,function,title,manager_email,roles\n"
BAD = HEADER + (
    "ceo@example.com,Alex Morgan,leadership,CEO,,executive\n"
    "maya@example.com,Maya Chen,engineering,Manager,nobody@example.com,\n"
    "eli@example.com,Eli Turner,wizardry,Engineer,maya@example.com,\n"
)
GOOD = HEADER + (
    "ceo@example.com,Alex Morgan,leadership,CEO,,executive\n"
    "maya@example.com,Maya Chen,engineering,Manager,ceo@example.com,\n"
    "eli@example.com,Eli Turner,engineering,Engineer,maya@example.com,\n"
    "ada@example.com,Ada Novak,hr,L&D Lead,ceo@example.com,author\n"
)


def upload(page: Page, text: str) -> None:
    page.goto("/admin/import")
    csv_file: FilePayload = {"name": "org.csv", "mimeType": "text/csv", "buffer": text.encode()}
    page.get_by_label("Org chart (CSV)").set_input_files(files=[csv_file])
    page.get_by_role("button", name="Import").click()
    page.wait_for_load_state()


def test_admin_imports_an_org_chart(
    app: Flask, page: Page, make_user: Callable[..., User]
) -> None:
    admin = make_user(name="Ada Admin", is_admin=True)
    log_in(page, admin.email, PASSWORD)
    page.wait_for_url("**/")
    page.get_by_role("link", name="Admin").click()
    page.wait_for_url("**/admin/people")
    page.get_by_text("Import org chart").click()
    page.wait_for_url("**/admin/import")

    upload(page, BAD)
    problems = page.locator("#import-problems")
    assert problems.is_visible()
    text = problems.inner_text()
    assert "Nothing was imported" in text
    assert "line 3: unknown manager nobody@example.com" in text
    assert "line 4: unknown function 'wizardry'" in text
    assert "line 2" not in text
    assert row_count(app) == 1

    upload(page, GOOD)
    page.wait_for_url("**/admin/people")
    assert page.get_by_text("Imported the org chart: 4 added, 0 updated, 0 unchanged.").is_visible()
    rows = page.locator("tbody tr")
    assert rows.count() == 5
    maya = page.locator("tbody tr", has=page.get_by_role("link", name="Maya Chen"))
    assert "Alex Morgan" in maya.inner_text()  # her manager
    assert row_count(app) == 5
