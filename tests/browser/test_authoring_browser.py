"""The author workspace in Chromium: edit, live preview, validate, publish; and authored attacks
render inert on the learner's page and in the author's preview (no dialog, no CSP violation)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Dialog, Page, expect

from lms.courses.format import parse_course
from lms.courses.publish import publish_course
from lms.extensions import db
from lms.people.models import User
from tests.browser.conftest import REPORT_CSP_VIOLATIONS, log_in
from tests.browser.test_every_page import CHECKS, LAPTOP, PHONE, RUN_AXE
from tests.conftest import PASSWORD
from tests.test_course_format import good_course_files

pytestmark = pytest.mark.browser

SLUG = "tiny-course"
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f"
    b"\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa75\x81\x84\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)

# Each line tries a different way to run script or restyle the page from a module's Markdown.
XSS_CORPUS = """
<script>alert("script tag")</script>
<SCRIPT SRC=//127.0.0.1:9/x.js></SCRIPT>

<img src=x onerror="alert('img onerror')">
<img src="images/pixel.png" onload="alert('img onload')">
<svg onload="alert('svg onload')"><circle r="5"></circle></svg>
<svg><script>alert("svg script")</script></svg>
<iframe src="javascript:alert('iframe')"></iframe>
<iframe srcdoc="<script>alert('srcdoc')</script>"></iframe>
<object data="javascript:alert('object')"></object>
<embed src="javascript:alert('embed')">

<a id="js-link" href="javascript:alert('javascript link')">javascript link</a>
<a id="js-tab" href="java&#x09;script:alert('tab link')">tab link</a>
<a id="data-link" href="data:text/html,<script>alert('data link')</script>">data link</a>
[markdown javascript link](javascript:alert('md link'))
[markdown data link](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)

<p style="background:url(javascript:alert('style url'))">styled paragraph</p>
<div style="width: expression(alert('expression'))">expression</div>
<style>body { display: none; }</style>
<details open ontoggle="alert('ontoggle')"><summary>details</summary>x</details>
<a href="#" onclick="alert('onclick')" onmouseover="alert('mouseover')" id="click-me">click me</a>
<input autofocus onfocus="alert('onfocus')">
<form action="javascript:alert('form')"><button id="form-button">submit</button></form>
<math><a xlink:href="javascript:alert('math')">math</a></math>
<base href="javascript:alert('base')//">
<meta http-equiv="refresh" content="0;url=javascript:alert('meta')">

!!! warning "<img src=x onerror=alert('admonition title')>"
    <script>alert("in admonition")</script>

The end of the attacks.
"""


@pytest.fixture
def author(make_user: Callable[..., User]) -> User:
    return make_user(name="Ada Author", is_author=True)


def publish(app: Flask, files: dict[str, bytes], owner: User) -> None:
    with app.app_context():
        source, problems = parse_course(SLUG, files, known_courses=set())
        assert source is not None, problems
        person = db.session.get(User, owner.id)
        publish_course(db.session, source, person, person)
        db.session.commit()
        db.session.remove()


def textarea_text(page: Page) -> str:
    value: str = page.locator("#editor").input_value()
    return value


def test_an_author_edits_a_module_sees_the_preview_validates_and_publishes(
    app: Flask, page: Page, author: User
) -> None:
    publish(app, good_course_files(), author)
    log_in(page, author.email, PASSWORD)
    page.get_by_role("link", name="Authoring").click()
    page.get_by_role("link", name="Tiny course").click()
    page.get_by_role("button", name="Edit (start a draft from the live version)").click()
    expect(page.get_by_role("heading", name="Draft of tiny-course")).to_be_visible()
    page.get_by_role("link", name="Edit 01-first.md").click()

    editor = page.locator("#editor")
    expect(page.locator("form.editor-form[data-enhanced=true]")).to_have_count(1)
    text = textarea_text(page).replace(
        "First lesson.", "## A new section\n\nNow with **emphasis** and a list:\n\n- one\n- two"
    )
    editor.fill(text)
    # The live preview (debounced fetch) shows the new Markdown as learners will see it.
    preview = page.locator("#preview")
    expect(preview.get_by_role("heading", name="A new section")).to_be_visible()
    expect(preview.locator("strong", has_text="emphasis")).to_be_visible()
    expect(page.locator("#preview-status")).to_have_text("Preview updated (not saved yet).")

    # A mistake shows next to its line, and the link puts the cursor on that line.
    editor.fill(text.replace("competency: evaluating", "competency: guessing"))
    problem = preview.locator("a.line-link")
    expect(problem).to_have_text("Line 16")
    expect(preview).to_contain_text("unknown competency 'guessing'")
    problem.click()
    selected = page.evaluate(
        "() => { const t = document.getElementById('editor');"
        " return t.value.substring(t.selectionStart, t.selectionEnd); }"
    )
    assert selected == "competency: guessing"
    editor.fill(text)
    expect(preview.locator(".no-problems")).to_be_visible()

    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved 01-first.md.")).to_be_visible()
    page.get_by_role("link", name="Draft of tiny-course").click()
    page.get_by_role("button", name="Validate", exact=True).click()
    expect(page.locator("#validation-result")).to_have_text(
        "No problems: the draft is ready to publish."
    )
    page.get_by_role("button", name="Publish", exact=True).click()
    # Publishing asks first, saying who will see the course.
    page.get_by_role("button", name="Publish now").click()
    expect(page.get_by_text("Published tiny-course version 2. It is live now.")).to_be_visible()
    expect(page.get_by_role("cell", name="2 live")).to_be_visible()

    # Learners get the new version.
    page.goto(f"/courses/{SLUG}")
    page.get_by_role("button", name="Enrol in this course").click()
    page.goto(f"/courses/{SLUG}/first")
    expect(page.get_by_role("heading", name="A new section")).to_be_visible()


def test_the_preview_button_works_without_javascript(
    app: Flask, browser: Browser, live_server: str, author: User
) -> None:
    publish(app, good_course_files(), author)
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    try:
        page = context.new_page()
        log_in(page, author.email, PASSWORD)
        page.goto(f"/author/courses/{SLUG}")
        page.get_by_role("button", name="Edit (start a draft from the live version)").click()
        page.get_by_role("link", name="Edit 02-second.md").click()
        editor = page.locator("#editor")
        editor.fill(textarea_text(page).replace("Second lesson.", "### Without script"))
        page.get_by_role("button", name="Preview").click()
        expect(page.get_by_text("Preview of your unsaved changes.")).to_be_visible()
        expect(page.locator("#preview h3", has_text="Without script")).to_be_visible()
        assert "### Without script" in textarea_text(page)
    finally:
        context.close()


@pytest.fixture
def watched(browser: Browser, live_server: str) -> Iterator[tuple[Page, list[str], list[str]]]:
    """A page that records every dialog (and dismisses it) and every CSP report."""
    context: BrowserContext = browser.new_context(base_url=live_server)
    context.set_default_timeout(10_000)
    context.add_init_script(REPORT_CSP_VIOLATIONS)
    page = context.new_page()
    dialogs: list[str] = []
    csp: list[str] = []

    def on_dialog(dialog: Dialog) -> None:
        dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "CSP violation" in message.text:
            csp.append(message.text)

    page.on("dialog", on_dialog)
    page.on("console", on_console)
    yield page, dialogs, csp
    context.close()


LEARNER_LESSON = "article.lesson > :not(header):not(footer)"  # the published HTML, not the app's
PREVIEW_LESSON = "#preview"  # the rendered file: lesson, questions, explanations


def assert_inert(page: Page, dialogs: list[str], csp: list[str], lesson: str) -> None:
    page.wait_for_load_state("load")
    page.wait_for_timeout(300)  # let onerror/onload/ontoggle handlers (if any survived) fire
    for selector in ("#click-me", "#js-link", "#js-tab", "#data-link"):
        if page.locator(selector).count():
            page.locator(selector).first.hover()
    assert page.locator(lesson).count() > 0
    found = page.evaluate(
        """(lesson) => {
          const bad = [];
          const roots = Array.from(document.querySelectorAll(lesson));
          const elements = roots.flatMap((root) => [root, ...root.querySelectorAll('*')]);
          for (const el of elements) {
            const tag = el.tagName.toLowerCase();
            if (['script','iframe','object','embed','svg','math','style','form','base',
                 'meta','link'].includes(tag)) bad.push('<' + tag + '>');
            for (const attr of el.attributes) {
              const name = attr.name.toLowerCase();
              const value = attr.value.replace(/[\\s\\u0000-\\u001f]/g, '').toLowerCase();
              if (name.startsWith('on') || name === 'style' || name === 'srcdoc') bad.push(name);
              if (['href','src','action','xlink:href','data'].includes(name) &&
                  /^(javascript|data|vbscript):/.test(value)) bad.push(name + '=' + attr.value);
            }
          }
          return bad;
        }""",
        lesson,
    )
    assert found == [], found
    assert dialogs == [], dialogs
    assert csp == [], csp


def test_authored_attacks_render_inert_for_learners_and_in_the_preview(
    app: Flask, author: User, watched: tuple[Page, list[str], list[str]]
) -> None:
    page, dialogs, csp = watched
    files = good_course_files()
    files["images/pixel.png"] = PNG
    files["01-first.md"] = files["01-first.md"].replace(
        b"First lesson.", XSS_CORPUS.encode("utf-8")
    )
    publish(app, files, author)
    log_in(page, author.email, PASSWORD)

    # The harness notices a dialog and a CSP violation when there is one.
    page.evaluate("() => alert('harness')")
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'alert(2)';"
        " document.body.appendChild(s); }"
    )
    page.wait_for_timeout(200)
    assert dialogs == ["alert: harness"]
    assert any("Content Security Policy" in text for text in csp), csp
    dialogs.clear()
    csp.clear()

    # The published learner page.
    page.goto(f"/courses/{SLUG}")
    page.get_by_role("button", name="Enrol in this course").click()
    page.goto(f"/courses/{SLUG}/first")
    expect(page.get_by_text("The end of the attacks.")).to_be_visible()
    expect(page.get_by_text("styled paragraph")).to_be_visible()
    assert_inert(page, dialogs, csp, LEARNER_LESSON)
    page.locator("#click-me").click()
    page.wait_for_timeout(200)
    assert dialogs == []

    # The author's preview: server-rendered, then refreshed through the script (innerHTML).
    page.goto(f"/author/courses/{SLUG}")
    page.get_by_role("button", name="Edit (start a draft from the live version)").click()
    page.get_by_role("link", name="Edit 01-first.md").click()
    expect(page.locator("#preview").get_by_text("The end of the attacks.")).to_be_visible()
    assert_inert(page, dialogs, csp, PREVIEW_LESSON)
    page.locator("#editor").press("Control+End")
    page.locator("#editor").type(" <img src=y onerror=alert('typed')>")
    expect(page.locator("#preview-status")).to_have_text("Preview updated (not saved yet).")
    assert_inert(page, dialogs, csp, PREVIEW_LESSON)


def test_line_numbers_follow_the_text_and_templates_go_in_at_the_cursor(
    app: Flask, page: Page, author: User
) -> None:
    publish(app, good_course_files(), author)
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, author.email, PASSWORD)
    page.goto(f"/author/courses/{SLUG}")
    page.get_by_role("button", name="Edit (start a draft from the live version)").click()
    page.get_by_role("link", name="Edit 02-second.md").click()
    editor = page.locator("#editor")
    gutter = page.locator(".editor-gutter")
    expect(page.locator(".editor-numbered[data-numbered=true]")).to_have_count(1)

    def lines() -> int:
        return len(textarea_text(page).split("\n"))

    expect(gutter).to_be_visible()
    assert gutter.inner_text().split("\n") == [str(n) for n in range(1, lines() + 1)]
    boxes = [editor.bounding_box(), gutter.bounding_box()]
    assert boxes[0] and boxes[1] and abs(boxes[0]["y"] - boxes[1]["y"]) < 1
    assert abs(boxes[0]["height"] - boxes[1]["height"]) < 1

    # A template goes in at the cursor, after a blank line; the numbers and position follow.
    editor.click()
    page.keyboard.press("Control+End")
    before = textarea_text(page)
    expect(page.locator("#editor-position")).to_have_text(
        f"Line {lines()} of {lines()}, column {len(before.split(chr(10))[-1]) + 1}"
    )
    page.get_by_role("group", name="Insert at the cursor:").get_by_role(
        "button", name="True or false"
    ).click()
    after = textarea_text(page)
    assert after.startswith(before) and "## Question: replace-with-a-question-name" in after
    assert after[len(before) :].startswith("\n\n" if not before.endswith("\n") else "\n")
    expect(gutter).to_contain_text(str(lines()))
    # The template's sentences are named at their lines, and a link puts the cursor there.
    problem = page.locator("#preview a.line-link").first
    expect(problem).to_be_visible()
    number = int(problem.inner_text().removeprefix("Line "))
    problem.click()
    selected = page.evaluate(
        "() => { const t = document.getElementById('editor');"
        " return t.value.substring(t.selectionStart, t.selectionEnd); }"
    )
    assert selected == after.split("\n")[number - 1]

    # Scrolling the text scrolls the numbers with it.
    editor.fill("\n".join(f"line {n}" for n in range(1, 201)))
    editor.evaluate("(t) => { t.scrollTop = t.scrollHeight; }")
    page.wait_for_function(
        "() => { const t = document.getElementById('editor');"
        " const g = document.querySelector('.editor-gutter');"
        " return t.scrollTop > 0 && Math.abs(g.scrollTop - t.scrollTop) < 2; }"
    )
    # On a phone long lines wrap, so the numbers are left out; the templates stay.
    page.set_viewport_size({"width": 390, "height": 800})
    expect(gutter).to_be_hidden()
    expect(page.get_by_role("button", name="True or false")).to_be_visible()


def page_problems(page: Page, path: str) -> list[str]:
    """The walk's checks (tests/browser/test_every_page.py) on one page, at a phone's and a
    laptop's width: nothing wider than the screen, zero axe violations, 44 px touch targets."""
    problems: list[str] = []
    for width in (PHONE, LAPTOP):
        page.set_viewport_size({"width": width, "height": 844})
        page.goto(path)
        page.evaluate(CHECKS)
        overflow = page.evaluate("lmsPageChecks.overflow()")
        if overflow["width"] > width:
            problems.append(f"{path} at {width}: {overflow['width']} px wide: {overflow['wide']}")
        for violation in page.evaluate(RUN_AXE):
            problems.append(f"{path} at {width}: axe {violation['id']}: {violation['targets']}")
        if width == PHONE:
            small = page.evaluate("lmsPageChecks.smallTargets()")
            problems.extend(f"{path}: touch target under 44 px: {target}" for target in small)
    return problems


def test_retiring_restoring_the_guide_and_the_templates_in_the_browser(
    app: Flask, browser: Browser, live_server: str, page: Page, author: User,
    make_user: Callable[..., User],
) -> None:  # fmt: skip
    publish(app, good_course_files(), author)
    log_in(page, make_user(name="Lee Learner").email, PASSWORD)  # ``page``: the learner
    page.goto(f"/courses/{SLUG}")
    page.get_by_role("button", name="Enrol in this course").click()
    context = browser.new_context(base_url=live_server)
    context.add_init_script(REPORT_CSP_VIOLATIONS)
    writer = context.new_page()
    messages: list[str] = []
    writer.on("console", lambda message: messages.append(f"{message.type}: {message.text}"))
    writer.on("pageerror", lambda error: messages.append(f"pageerror: {error}"))
    problems: list[str] = []
    try:
        log_in(writer, author.email, PASSWORD)
        writer.goto(f"/author/courses/{SLUG}")
        writer.get_by_role("button", name="Retire the course…").click()
        expect(writer.locator("#retire-enrolled")).to_contain_text("1 person is enrolled")
        problems += page_problems(writer, f"/author/courses/{SLUG}/retire")
        writer.get_by_role("button", name="Retire the course").click()
        expect(writer.locator("#retired-state")).to_contain_text("Retired")
        for path in (
            f"/author/courses/{SLUG}",
            "/author/",
            f"/author/courses/{SLUG}/retire",
            "/author/guide",
            "/author/guide/badges",
            "/author/guide/literacy-model",
        ):
            problems += page_problems(writer, path)
        # The editor, and its templates opened.
        writer.goto(f"/author/courses/{SLUG}")
        writer.get_by_role("button", name="Edit (start a draft from the live version)").click()
        writer.get_by_role("link", name="Edit 01-first.md").click()
        problems += page_problems(writer, writer.url.removeprefix(live_server))
        writer.locator("#snippets summary").click()
        writer.evaluate(CHECKS)
        problems += [f"templates open: axe {v['id']}" for v in writer.evaluate(RUN_AXE)]
        # The learner keeps the course, marked as no longer offered, and nothing to do on home.
        for path in (f"/courses/{SLUG}", "/"):
            problems += page_problems(page, path)
        expect(page.get_by_text("No longer offered")).to_be_visible()
        # Restored from the list.
        writer.goto("/author/")
        writer.get_by_role("button", name="Restore Tiny course").click()
        expect(writer.get_by_text("Restored “Tiny course”")).to_be_visible()
    finally:
        context.close()
    assert problems == [], "\n".join(problems)
    errors = [m for m in messages if m.startswith(("error", "pageerror")) or "CSP" in m]
    assert errors == [], errors
