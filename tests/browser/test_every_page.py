"""Every page, for every role, on a phone (390 px) and a laptop (1280 px), in real Chromium.

The pages come from the app's URL map: every GET route, with its arguments filled from a demo-like
site (tests/browser/site_data.py) in every combination, visited when it answers 200 with HTML for
the role (downloads, JSON and pages the role may not open drop out that way). On each page:

- nothing is wider than the screen (``scrollWidth <= innerWidth``), on the phone at 320 px too;
- no console error and no Content-Security-Policy violation;
- zero axe-core violations (all of axe's default rules; axe is vendored under
  tests/browser/vendor/ and evaluated through the DevTools protocol, which the app's CSP does not
  govern, so the CSP stays as strict as in production);
- on the phone, buttons, form fields, menus and navigation links measure at least 44 px.

And once per role on the phone: the folded menu and the name menu work from the keyboard, with a
focus ring on everything the Tab key reaches, inside the screen.

Each run writes the measured widths and axe rule ids per page to
test-artifacts/every-page-<role>-<width>.json.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page
from werkzeug.serving import make_server

from lms import create_app
from lms.extensions import db
from tests.browser.conftest import ARTIFACTS, REPORT_CSP_VIOLATIONS, BufferedApp, log_in
from tests.browser.site_data import (
    ALL_ROLES,
    PASSWORD,
    REDIRECTS,
    ROLES,
    build_site,
    pages_for,
)
from tests.conftest import _empty_tables, _test_config

pytestmark = [pytest.mark.browser, pytest.mark.slow]

HERE = Path(__file__).parent
# axe-core, then the layout checks of page_checks.js, evaluated in every page.
CHECKS = "\n;\n".join(
    [(HERE / name).read_text(encoding="utf-8") for name in ("vendor/axe.min.js", "page_checks.js")]
    + ["true"]  # what the evaluation returns
)
RUN_AXE = """async () => {
  const results = await axe.run(document, {resultTypes: ["violations"]});
  return results.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.length,
    targets: v.nodes.slice(0, 3).map((n) => n.target.join(" ")),
    summary: (v.nodes[0] && v.nodes[0].failureSummary || "").split("\\n").slice(0, 3).join(" "),
  }));
}"""

PHONE, LAPTOP = 390, 1280
SMALLEST = 320  # the phone run measures the width at 320 px too


@dataclass
class Walk:
    """The pages each role can open, found with the test client before the browser starts."""

    base_url: str = ""
    pages: dict[str, list[str]] = field(default_factory=dict)
    # endpoint -> the "status mimetype" answers it gave, over all roles and examples
    answered: dict[str, set[str]] = field(default_factory=dict)


@pytest.fixture(scope="module")
def site(database_url: str) -> Iterator[Walk]:
    """The demo-like site served on 127.0.0.1, set up once for the module: only GETs follow, and
    GETs change nothing (tests/test_csrf.py)."""
    app = create_app(_test_config(database_url))
    try:
        values = build_site(app)
        walk = Walk()
        for role in ALL_ROLES:
            walk.pages[role] = pages_for(app, role, values, walk.answered)
        server = make_server("127.0.0.1", 0, BufferedApp(app), threaded=True)
        thread = threading.Thread(target=server.serve_forever, name="every-page", daemon=True)
        thread.start()
        walk.base_url = f"http://127.0.0.1:{server.server_port}"
        try:
            yield walk
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=10)
    finally:
        with app.app_context():
            db.session.remove()
            _empty_tables()
            db.engine.dispose()


def test_every_page_route_has_an_example_that_opens(site: Walk) -> None:
    """The walk reaches every HTML page of the URL map for some role (else site_data lacks an
    object for it, and the browser tests below would silently leave the page out)."""
    unreached = {
        endpoint: sorted(answers)
        for endpoint, answers in site.answered.items()
        if not any(answer.startswith("200 ") for answer in answers)
        and not (endpoint in REDIRECTS and any(a.startswith(("302 ", "303 ")) for a in answers))
    }
    assert unreached == {}
    assert sum(len(pages) for pages in site.pages.values()) >= 100


@pytest.fixture
def watched(browser: Browser, site: Walk) -> Iterator[tuple[Page, list[str]]]:
    """A page of a fresh browser context, and the console errors and CSP violations it logs."""
    context = browser.new_context(base_url=site.base_url)
    context.set_default_timeout(15_000)
    context.add_init_script(REPORT_CSP_VIOLATIONS)
    page = context.new_page()
    messages: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        text = message.text
        # The error page is asked for on purpose, and Chromium logs its 404 as an error.
        expected = text.startswith("Failed to load resource") and "404" in text
        if (message.type in {"error", "warning"} or "CSP" in text) and not expected:
            messages.append(f"console {message.type}: {text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: messages.append(f"page error: {error}"))
    yield page, messages
    context.close()


def _log_in(page: Page, role: str, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 844 if width == PHONE else 800})
    if role != "anonymous":
        log_in(page, ROLES[role], PASSWORD)
        page.wait_for_url("**/")


@pytest.mark.parametrize("width", [PHONE, LAPTOP])
@pytest.mark.parametrize("role", ALL_ROLES)
def test_every_page_fits_the_screen_and_passes_axe(
    watched: tuple[Page, list[str]], site: Walk, role: str, width: int
) -> None:
    page, messages = watched
    _log_in(page, role, width)
    problems: list[str] = []
    report: dict[str, dict[str, Any]] = {}
    for path in site.pages[role]:
        messages.clear()
        page.goto(path)
        page.evaluate(CHECKS)
        overflow = page.evaluate("lmsPageChecks.overflow()")
        violations = page.evaluate(RUN_AXE)
        report[path] = {"width": overflow["width"], "axe": [v["id"] for v in violations]}
        if overflow["width"] > width:
            problems.append(f"{path}: {overflow['width']} px wide: {overflow['wide']}")
        for v in violations:
            problems.append(
                f"{path}: axe {v['id']} ({v['impact']}, {v['nodes']} node(s), e.g. "
                f"{v['targets']}): {v['help']}. {v['summary']}"
            )
        if width == PHONE:
            small = page.evaluate("lmsPageChecks.smallTargets()")
            if small:
                problems.append(f"{path}: touch targets under 44 px: {small[:5]}")
            # The smallest phones: no reload needed, the layout follows the window.
            page.set_viewport_size({"width": SMALLEST, "height": 700})
            narrow = page.evaluate("lmsPageChecks.overflow()")
            page.set_viewport_size({"width": PHONE, "height": 844})
            report[path][f"width at {SMALLEST}"] = narrow["width"]
            if narrow["width"] > SMALLEST:
                problems.append(f"{path}: {narrow['width']} px wide at 320 px: {narrow['wide']}")
        problems.extend(f"{path}: {message}" for message in messages)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"every-page-{role}-{width}.json").write_text(json.dumps(report, indent=1))
    assert len(report) >= 5
    assert problems == [], f"{len(problems)} problem(s):\n" + "\n".join(problems)


@pytest.mark.parametrize("role", ROLES)
def test_the_phone_menus_work_from_the_keyboard_with_a_visible_focus_ring(
    watched: tuple[Page, list[str]], site: Walk, role: str
) -> None:
    page, messages = watched
    _log_in(page, role, PHONE)
    page.evaluate(CHECKS)
    menu_links = page.locator("header .nav-menu .nav-links a")
    assert menu_links.count() >= 4
    assert not menu_links.first.is_visible()  # folded
    assert not page.locator("header .nav-bar").is_visible()
    stops = [_tab(page)]
    assert stops[0]["text"] == "Skip to content"
    while not stops[-1]["menu"] and len(stops) < 6:  # the brand, the bell, the name menu, Menu
        stops.append(_tab(page))
    assert stops[-1]["menu"], stops
    page.keyboard.press("Enter")
    assert menu_links.first.is_visible()
    for _ in range(menu_links.count()):
        stops.append(_tab(page))
    assert [stop["text"] for stop in stops[-menu_links.count() :]] == menu_links.all_inner_texts()
    page.locator("header .account-menu > summary").focus()
    page.keyboard.press("Enter")
    stops.extend([_tab(page), _tab(page)])
    assert [stop["text"] for stop in stops[-2:]] == ["Change password", "Log out"]
    assert [stop for stop in stops if not stop["ring"]] == []  # every focus ring drawn
    assert [stop for stop in stops if not stop["inside"]] == []  # and on the screen

    page.set_viewport_size({"width": LAPTOP, "height": 800})  # on a laptop, the links in a bar
    assert page.locator("header .nav-bar a").first.is_visible()
    assert not page.locator("header .nav-toggle").is_visible()
    assert messages == []


def _tab(page: Page) -> dict[str, Any]:
    page.keyboard.press("Tab")
    stop: dict[str, Any] = page.evaluate("lmsPageChecks.focus()")
    return stop
