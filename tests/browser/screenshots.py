"""Screenshots of the app as each role sees it, on a phone (390 px) and a laptop (1280 px).

Run by ``scripts/screenshots`` (which sets up .venv): it builds the demo-like site of
tests/browser/site_data.py in a throwaway SQLite database, serves it on 127.0.0.1 and drives
Debian's Chromium (/usr/bin/chromium, or LMS_CHROMIUM) through Playwright. Writes, per role
(employee, manager, author, executive, and "anonymous" for someone logged out):

- ``<role>-<width>.png``: the first screen, what a person sees before scrolling;
- ``<role>-<width>-full.png``: the same page whole;
- ``<role>-390-menu.png``: the first screen with the folded menu open;
- with ``--all``, ``all/<role>-<width>/<page>.png``: every page the role can open, whole.
"""

from __future__ import annotations

import argparse
import logging
import re
import sys
import tempfile
import threading
import time
from pathlib import Path

from playwright.sync_api import Page, sync_playwright
from werkzeug.serving import make_server

from lms import create_app
from lms.config import PROJECT_ROOT
from lms.extensions import db
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, BufferedApp, log_in
from tests.browser.site_data import ALL_ROLES, PASSWORD, ROLES, build_site, pages_for
from tests.conftest import _test_config

WIDTHS = {390: 844, 1280: 800}  # width -> height of the window


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--out", type=Path, default=PROJECT_ROOT / "build" / "screenshots", help="output folder"
    )
    parser.add_argument("--all", action="store_true", help="every page of every role, too")
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print(f"No Chromium at {CHROMIUM}: apt-get install chromium (or set LMS_CHROMIUM).")
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(_test_config(f"sqlite:///{folder}/screenshots.sqlite3"))
        for name in ("werkzeug", "lms"):  # no request log, no "access denied" while walking
            logging.getLogger(name).setLevel(logging.ERROR)
        with app.app_context():
            db.create_all()
        print("Setting up the demo site...", flush=True)
        values = build_site(app)
        pages = {role: pages_for(app, role, values, {}) for role in ALL_ROLES} if args.all else {}
        server = make_server("127.0.0.1", 0, BufferedApp(app), threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            written = _shoot(f"http://127.0.0.1:{server.server_port}", args.out, pages)
        finally:
            server.shutdown()
            server.server_close()
            with app.app_context():
                db.engine.dispose()
    print(f"{written} screenshots in {args.out} ({time.monotonic() - started:.0f} s).")
    return 0


def _shoot(base_url: str, out: Path, pages: dict[str, list[str]]) -> int:
    written = 0
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        for role in ALL_ROLES:
            for width, height in WIDTHS.items():
                context = browser.new_context(
                    base_url=base_url, viewport={"width": width, "height": height}
                )
                page = context.new_page()
                if role == "anonymous":
                    page.goto("/login")
                else:
                    log_in(page, ROLES[role], PASSWORD)
                    page.wait_for_url("**/")
                name = f"{role}-{width}"
                page.screenshot(path=str(out / f"{name}.png"))
                page.screenshot(path=str(out / f"{name}-full.png"), full_page=True)
                written += 2
                if role != "anonymous" and width < 1024:  # the folded menu, opened
                    page.locator("header .nav-toggle").click()
                    page.screenshot(path=str(out / f"{name}-menu.png"))
                    page.locator("header .nav-toggle").click()
                    written += 1
                print(f"  {name}: {page.url.removeprefix(base_url)}", flush=True)
                written += _every_page(page, pages.get(role, []), out / "all" / name)
                context.close()
        browser.close()
    return written


def _every_page(page: Page, paths: list[str], folder: Path) -> int:
    if paths:
        folder.mkdir(parents=True, exist_ok=True)
    for number, path in enumerate(paths, 1):
        page.goto(path)
        slug = re.sub(r"[^A-Za-z0-9]+", "-", path).strip("-")[:80] or "home"
        page.screenshot(path=str(folder / f"{number:02d}-{slug}.png"), full_page=True)
    return len(paths)


if __name__ == "__main__":
    sys.exit(main())
