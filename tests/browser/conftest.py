"""Browser fixtures: the test app served on 127.0.0.1 by werkzeug in a thread, and Debian's
Chromium driven by Playwright's sync API. Any console error or CSP violation fails the test.

Playwright never downloads a browser here: it launches /usr/bin/chromium (or LMS_CHROMIUM).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, sync_playwright
from werkzeug.serving import make_server

from lms.config import PROJECT_ROOT

CHROMIUM = os.environ.get("LMS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
ARTIFACTS = PROJECT_ROOT / "test-artifacts"

# Reports CSP violations as console errors, so the console check below catches them too.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI}`);
});
"""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in item.nodeid:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="package")  # closed before the rest of the suite runs
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (Debian package 'chromium'): browser tests skipped")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


class BufferedApp:
    """Reads each response whole and closes it before the server writes a byte.

    Chromium drops connections it no longer needs (a static file revalidated while the page
    navigates away). werkzeug's dev server can then skip closing the response iterator, and the
    static file Flask opened is left for the garbage collector: a ResourceWarning in whatever
    test runs next, which the suite's warnings-as-errors turns into a failure. Buffering keeps
    every file's lifetime inside the request.
    """

    def __init__(self, app: Flask) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        iterable = self.app(environ, start_response)
        try:
            return [b"".join(iterable)]
        finally:
            close = getattr(iterable, "close", None)
            if close is not None:
                close()


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The test app (and its test database) on a free port of 127.0.0.1."""
    server = make_server("127.0.0.1", 0, BufferedApp(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture
def page(browser: Browser, live_server: str) -> Iterator[Page]:
    context = browser.new_context(base_url=live_server)
    context.set_default_timeout(10_000)
    context.add_init_script(REPORT_CSP_VIOLATIONS)
    page = context.new_page()
    messages: list[tuple[str, str, str]] = []
    error_pages: set[str] = set()
    page.on(
        "console",
        lambda message: messages.append((message.type, message.text, message.location["url"])),
    )
    page.on("pageerror", lambda error: messages.append(("pageerror", str(error), "")))
    page.on(
        "response",
        lambda response: error_pages.add(response.url)
        if response.request.is_navigation_request() and response.status >= 400
        else None,
    )
    yield page
    context.close()
    problems = [
        f"{kind}: {text} ({url})"
        for kind, text, url in messages
        if (kind in {"error", "warning", "pageerror"} or "CSP" in text)
        # Chromium also logs every 4xx page it navigated to; tests ask for those on purpose.
        and not (text.startswith("Failed to load resource") and url in error_pages)
    ]
    assert problems == [], "\n".join(problems)


def log_in(page: Page, email: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
