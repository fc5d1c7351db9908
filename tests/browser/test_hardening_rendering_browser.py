"""The live preview in Chromium when the server refuses it (issue 17): hostile Markdown gets a
message instead of a preview, and a preview over the per-author limit pauses and then updates."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect

from lms.people.models import User
from tests.browser.conftest import REPORT_CSP_VIOLATIONS, log_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

FRONT = "---\ntitle: Introduction\ncompetencies: [foundations]\nestimated_minutes: 10\n---\n\n"


@pytest.fixture
def page(browser: Browser, live_server: str) -> Iterator[Page]:
    """The suite's page, except that the preview's refusals (429) are expected here: Chromium logs
    every failed fetch. Any other console error or CSP report still fails the test."""
    context = browser.new_context(base_url=live_server)
    context.set_default_timeout(10_000)
    context.add_init_script(REPORT_CSP_VIOLATIONS)
    page = context.new_page()
    messages: list[str] = []
    page.on(
        "console",
        lambda message: (
            messages.append(f"{message.type}: {message.text}")
            if message.type in {"error", "warning"} or "CSP" in message.text
            else None
        ),
    )
    page.on("pageerror", lambda error: messages.append(f"pageerror: {error}"))
    yield page
    context.close()
    refused = "the server responded with a status of 429"
    assert [message for message in messages if refused not in message] == []


def open_editor(page: Page, author: User) -> None:
    log_in(page, author.email, PASSWORD)
    page.get_by_role("link", name="Authoring").click()
    page.get_by_label("Web address name", exact=True).fill("preview-course")
    page.get_by_role("button", name="Start a draft").click()
    page.get_by_role("link", name="Edit 01-introduction.md").click()
    expect(page.locator("form.editor-form[data-enhanced=true]")).to_have_count(1)


def test_hostile_markdown_and_too_many_previews_get_a_message_in_the_editor(
    app: Flask, page: Page, make_user: Callable[..., User]
) -> None:
    open_editor(page, make_user(is_author=True))
    editor = page.locator("#editor")
    preview = page.locator("#preview")
    status = page.locator("#preview-status")

    editor.fill(FRONT + "[" * 20_000)
    expect(preview).to_contain_text("No preview: this file takes more than 0.5 s to render")
    expect(status).to_have_text("Preview updated (not saved yet).")

    app.config["PREVIEW_LIMIT"] = "1 per 3 seconds"
    editor.fill(FRONT + "First **edit**.")
    expect(preview.locator("strong", has_text="edit")).to_be_visible()
    editor.fill(FRONT + "Second **change**.")
    expect(status).to_contain_text("The preview pauses for a moment")
    # The editor tries again by itself once the limit lets it.
    expect(preview.locator("strong", has_text="change")).to_be_visible(timeout=15_000)
    expect(status).to_have_text("Preview updated (not saved yet).")
