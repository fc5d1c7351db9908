"""A manager uses the team dashboard in a real browser: overview, sorting and filtering the people
table, the CSV download with the right rows, a person page, and a 404 for someone outside their
subtree. Console errors and CSP violations fail the test (tests/browser/conftest.py)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Page

from lms.people.models import utcnow
from tests.browser.conftest import ARTIFACTS, log_in
from tests.conftest import PASSWORD
from tests.test_team import build_world

pytestmark = pytest.mark.browser


def table_names(page: Page) -> list[str]:
    return [name.strip() for name in page.locator("#people tbody th a").all_inner_texts()]


def test_a_manager_explores_the_team_and_downloads_the_csv(
    app: Flask, page: Page, tmp_path: Path
) -> None:
    world = build_world(app, utcnow())
    log_in(page, world.emails["boss"], PASSWORD)
    page.wait_for_url("**/")
    page.get_by_role("link", name="My team").click()
    page.wait_for_url("**/team/")
    assert page.get_by_role("heading", name="My team", exact=True).is_visible()
    assert page.locator("#figure-people").inner_text() == "5"
    overall = page.locator("#heatmap tr[data-area='overall']")
    # Cat and Eve never answered anything that counts: not measured, not level 0.
    assert overall.locator("td[data-level='none']").inner_text() == "2"
    assert overall.locator("td[data-level='0']").inner_text().startswith("0")
    assert page.get_by_text("Weekly active learners as a table").is_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "team-dashboard.png"), full_page=True)

    page.get_by_role("link", name="Direct reports only").click()
    page.wait_for_url("**/team/?direct=1")
    assert page.locator("#figure-people").inner_text() == "2"
    page.get_by_role("link", name="Whole team").click()
    page.wait_for_url("**/team/")

    page.get_by_role("link", name="People", exact=True).click()
    page.wait_for_url("**/team/people")
    assert table_names(page) == ["Ann Archer", "Bob Brown", "Cat Carter", "Eve Evans", "Lee Lead"]

    page.locator("#people thead").get_by_role("link", name="Overall").click()
    page.wait_for_url("**/team/people?sort=overall&dir=desc")
    assert table_names(page)[:3] == ["Ann Archer", "Lee Lead", "Bob Brown"]
    overall = page.locator("#people thead th", has_text="Overall")
    assert overall.get_attribute("aria-sort") == "descending"
    page.screenshot(path=str(ARTIFACTS / "team-people.png"), full_page=True)

    page.get_by_label("Overall level").select_option("0")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**/team/people?*level=0*")
    assert table_names(page) == ["Cat Carter", "Eve Evans"]
    assert "sort=overall" in page.url  # the filter keeps the sort

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download CSV").click()
    download = download_info.value
    assert download.suggested_filename.startswith("team-")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    rows = list(csv.DictReader(io.StringIO(saved.read_text(encoding="utf-8-sig"))))
    assert [row["Name"] for row in rows] == ["Cat Carter", "Eve Evans"]
    assert rows[0]["Stalled"] == "yes" and rows[0]["Overall level"] == "0"

    page.get_by_label("Overall level").select_option("")
    page.get_by_label("Search").fill("ann")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**/team/people?*q=ann*")
    assert table_names(page) == ["Ann Archer"]
    page.get_by_role("link", name="Ann Archer").click()
    page.wait_for_url(f"**/team/people/{world['ann']}")
    assert page.get_by_role("heading", name="Ann Archer").is_visible()
    assert page.locator("#overall-level").inner_text() == "level 3 · Proficient"
    assert page.locator("#person-courses").get_by_text("Overdue").is_visible()
    page.screenshot(path=str(ARTIFACTS / "team-person.png"), full_page=True)

    # Someone outside the subtree: the same 404 page as for no one at all.
    response = page.goto(f"/team/people/{world['oz']}")
    assert response is not None and response.status == 404
    assert page.get_by_text("We could not find that page.").is_visible()
    assert page.get_by_text("Outsider").count() == 0
    response = page.goto(f"/team/people?team={world['other']}")
    assert response is not None and response.status == 404
