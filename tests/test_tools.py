"""The AI tools register, the organisation's AI settings and the placeholders that bring them into
course text: keeping the register (validation, access, CSRF), reading and searching it,
placeholders resolved at publish and re-rendered when a setting or the register changes, values
kept inert, unknown placeholders refused with file:line, and fixed statement counts."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from lms.courses.format import parse_course
from lms.courses.loader import read_folder
from lms.courses.models import Course, CourseVersion, ModuleVersion
from lms.courses.placeholders import placeholders_in_html
from lms.extensions import db
from lms.people.models import User
from lms.tools.models import AiTool, PlaceholderUse, ProgrammeOwner, ProgrammeSettings
from tests.conftest import table_snapshot
from tests.learn_helpers import (
    CourseSpec,
    ModuleSpec,
    client_for,
    page,
    post,
    publish_spec,
    write_course,
)

TOOL: dict[str, str] = {
    "name": "Chat assistant",
    "purpose": "Drafting and summarising with your work account",
    "data_public": "allowed",
    "data_internal": "allowed",
    "data_confidential": "ask-first",
    "data_personal": "not-allowed",
    "access": "Sign in at chat.example.com",
    "owner_email": "",
    "licence": "everyone",
    "notes": "",
}
SETTINGS: dict[str, str] = {
    "policy_url": "https://intranet.example.com/ai-policy",
    "policy_title": "the AI use policy",
    "contact_name": "Priya Raman",
    "contact_email": "ai-help@example.com",
    "contact_channel": "",
    "data_card_markdown": "- **Confidential**: approved tools only.",
}
LESSON = """\
Read [[org: policy-link]] first; questions go to [[org: ai-contact]].

[[tools: approved]]

Ask [[org:data-classes]] inline, then the card:

[[org: data-classes]]

For drafts use [[tool: Chat assistant]]. Literally: `[[org: policy-link]]`.
"""
OVERVIEW = "Everything here follows [[org: policy-link]]."


@pytest.fixture
def admin(make_user: Callable[..., User]) -> User:
    return make_user(name="Ada Admin", is_admin=True)


@pytest.fixture
def owner_client(app: Flask, admin: User) -> FlaskClient:
    return client_for(app, admin)


def add_tool(client: FlaskClient, **changes: str) -> int:
    response = post(client, "/tools/new", {**TOOL, **changes})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return int(response.headers["Location"].rsplit("/", 1)[1])


def save_settings(client: FlaskClient, **changes: str) -> Any:
    response = post(client, "/tools/settings", {**SETTINGS, **changes})
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return response


def placeholder_course(app: Flask, tmp_path: Path) -> None:
    spec = CourseSpec(
        slug="tools-course",
        overview=OVERVIEW,
        modules=[ModuleSpec("rules", "The rules", body=LESSON), ModuleSpec("plain", "Plain")],
    )
    publish_spec(app, tmp_path, spec)


def live_html(app: Flask, module_slug: str = "rules") -> tuple[str, str]:
    """(module lesson HTML, course overview HTML) of the live version of tools-course."""
    with app.app_context():
        course = db.session.scalar(select(Course).where(Course.slug == "tools-course"))
        assert course is not None and course.current_version is not None
        version = course.current_version
        module = next(m for m in version.modules if m.module.slug == module_slug)
        result = module.html, version.overview_html
        db.session.remove()
    return result


# ------------------------------------------------------------------------------ the register


def test_an_owner_adds_a_tool_and_everyone_reads_it(
    app: Flask, owner_client: FlaskClient, make_user: Callable[..., User]
) -> None:
    keeper = make_user(name="Kim Keeper")
    tool_id = add_tool(owner_client, owner_email=keeper.email.upper(), notes="Kept 30 days.")
    employee = client_for(app, make_user())
    register = page(employee, "/tools/")
    assert "Chat assistant" in register and "Drafting and summarising" in register
    assert "✓</span> Allowed" in register and "✕</span> Not allowed" in register
    detail = page(employee, f"/tools/{tool_id}")
    assert (
        "Kim Keeper" in detail and "Kept 30 days." in detail and "Licensed for everyone" in detail
    )
    assert "Edit" not in detail and "Remove from the register" not in detail
    assert employee.get("/tools/999999").status_code == 404


def test_search_by_name_or_purpose_and_by_data_class(
    app: Flask, owner_client: FlaskClient, make_user: Callable[..., User]
) -> None:
    add_tool(owner_client)
    add_tool(
        owner_client,
        name="Image studio",
        purpose="Pictures for slides",
        data_internal="not-allowed",
        data_confidential="not-allowed",
    )
    add_tool(owner_client, name="Code helper", purpose="Tests_and 100% coverage")
    employee = client_for(app, make_user())

    def names(query: str) -> set[str]:
        text = page(employee, f"/tools/?{query}")
        return {name for name in ("Chat assistant", "Image studio", "Code helper") if name in text}

    assert names("q=IMAGE") == {"Image studio"}
    assert names("q=slides") == {"Image studio"}
    assert names("q=summar") == {"Chat assistant"}
    assert names("q=100%25") == {"Code helper"}  # % is text, not a wildcard
    assert names("q=t_a") == set()  # _ too ("Chat assistant" would match t_a)
    assert names("data=internal") == {"Chat assistant", "Code helper"}
    assert names("data=public&q=chat") == {"Chat assistant"}
    assert names("data=nonsense") == {"Chat assistant", "Image studio", "Code helper"}
    assert "No approved tool matches" in page(employee, "/tools/?q=nothing-like-it")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": ""}, "Enter the tool&#39;s name."),
        ({"name": "Bad *name*"}, "Use letters, digits"),
        ({"name": "x" * 101}, "At most 100 characters."),
        ({"purpose": ""}, "Say what the tool is for."),
        ({"purpose": "p" * 301}, "Field cannot be longer than 300 characters."),
        ({"data_personal": "maybe"}, "Not a valid choice"),
        ({"access": ""}, "Say how people get access."),
        (
            {"owner_email": "nobody@example.com"},
            "No one active in the organisation has this email.",
        ),
        ({"owner_email": "not an email"}, "Enter an email address."),
        ({"licence": "forever"}, "Not a valid choice"),
        ({"name": "  chat   ASSISTANT "}, "The register already has a tool with this name."),
        ({"notes": "line\x0b"}, "control characters"),
    ],
)
def test_a_bad_tool_is_refused_with_a_message_and_nothing_is_written(
    app: Flask, owner_client: FlaskClient, changes: dict[str, str], message: str
) -> None:
    add_tool(owner_client)
    before = table_snapshot(app)
    response = post(owner_client, "/tools/new", {**TOOL, **changes})
    assert response.status_code in {400}, response.status_code
    assert message in response.get_data(as_text=True)
    assert table_snapshot(app) == before


def test_editing_and_removing_a_tool(app: Flask, owner_client: FlaskClient) -> None:
    tool_id = add_tool(owner_client)
    other = add_tool(owner_client, name="Other tool")
    edit = page(owner_client, f"/tools/{tool_id}/edit")
    assert 'value="Chat assistant"' in edit
    renamed = post(owner_client, f"/tools/{tool_id}/edit", {**TOOL, "name": "Chat Assistant Pro"})
    assert renamed.status_code == 302
    taken = post(owner_client, f"/tools/{other}/edit", {**TOOL, "name": "chat assistant pro"})
    assert taken.status_code == 400
    assert post(owner_client, f"/tools/{tool_id}/delete").status_code == 302
    with app.app_context():
        assert db.session.scalars(select(AiTool.name)).all() == ["Other tool"]
        db.session.remove()
    assert owner_client.get(f"/tools/{tool_id}").status_code == 404


def test_only_programme_owners_keep_the_register_and_settings(
    app: Flask, admin: User, make_user: Callable[..., User]
) -> None:
    owner_client = client_for(app, admin)
    tool_id = add_tool(owner_client)
    executive = make_user(is_executive=True)
    author = make_user(is_author=True)
    for person in (make_user(), executive, author):
        client = client_for(app, person)
        for url in ("/tools/new", f"/tools/{tool_id}/edit", "/tools/settings", "/tools/triage"):
            assert client.get(url).status_code == 403, url
        before = table_snapshot(app)
        assert post(client, "/tools/new", TOOL).status_code == 403
        assert post(client, f"/tools/{tool_id}/edit", TOOL).status_code == 403
        assert post(client, f"/tools/{tool_id}/delete").status_code == 403
        assert post(client, "/tools/settings", SETTINGS).status_code == 403
        assert table_snapshot(app) == before
    # An admin names a programme owner, who may then keep the register (not name others).
    keeper = make_user(name="Kit Keeper")
    keeper_client = client_for(app, keeper)
    assert keeper_client.get("/tools/new").status_code == 403
    unknown = post(owner_client, "/tools/settings/owners", {"email": "ghost@example.com"})
    assert unknown.status_code == 400
    assert "No one active" in unknown.get_data(as_text=True)
    assert post(owner_client, "/tools/settings/owners", {"email": keeper.email}).status_code == 302
    again = post(owner_client, "/tools/settings/owners", {"email": keeper.email})
    assert "already runs the AI programme" in again.get_data(as_text=True)
    assert "Kit Keeper" in page(owner_client, "/tools/settings")
    assert keeper_client.get("/tools/new").status_code == 200
    assert "Reports to review" in page(keeper_client, "/tools/")
    assert post(keeper_client, "/tools/settings/owners", {"email": author.email}).status_code == 403
    add_tool(keeper_client, name="Kept by Kit")
    removed = post(owner_client, f"/tools/settings/owners/{keeper.id}/remove")
    assert removed.status_code == 302
    assert post(owner_client, f"/tools/settings/owners/{keeper.id}/remove").status_code == 404
    assert client_for(app, keeper).get("/tools/new").status_code == 403
    with app.app_context():
        assert db.session.scalars(select(ProgrammeOwner)).all() == []
        db.session.remove()


def test_every_state_change_needs_the_csrf_token(app: Flask, owner_client: FlaskClient) -> None:
    tool_id = add_tool(owner_client)
    before = table_snapshot(app)
    for url, data in (
        ("/tools/new", {**TOOL, "name": "Sneaky"}),
        (f"/tools/{tool_id}/delete", {}),
        ("/tools/settings", SETTINGS),
        ("/tools/settings/owners", {"email": "x@example.com"}),
    ):
        assert owner_client.post(url, data=data).status_code == 400, url
    assert table_snapshot(app) == before


# ------------------------------------------------------------------------------ settings


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"policy_url": "javascript:alert(1)"}, "Enter a full web address"),
        ({"policy_url": "ftp://files.example.com/policy"}, "Enter a full web address"),
        ({"policy_url": "https://"}, "Enter a full web address"),
        ({"policy_url": "intranet/policy"}, "Enter a full web address"),
        ({"policy_url": 'https://x.example.com/"><script>'}, "Enter a full web address"),
        ({"contact_email": "", "contact_channel": ""}, "Give an email or a chat channel"),
        ({"contact_name": ""}, "Name the contact too."),
        ({"contact_email": "not-an-email"}, "Enter an email address."),
        ({"data_card_markdown": "x" * 4001}, "under 4,000 characters"),
        ({"policy_title": "Title\twith a tab"}, "control characters"),
    ],
)
def test_bad_settings_are_refused_with_a_message(
    app: Flask, owner_client: FlaskClient, changes: dict[str, str], message: str
) -> None:
    before = table_snapshot(app)
    response = post(owner_client, "/tools/settings", {**SETTINGS, **changes})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert table_snapshot(app) == before


def test_settings_show_on_the_register_page_and_stay_inert(
    app: Flask, owner_client: FlaskClient, make_user: Callable[..., User]
) -> None:
    employee = client_for(app, make_user())
    assert "Ask your manager where to find" in page(employee, "/tools/")
    save_settings(
        owner_client,
        policy_title='<script>alert("t")</script>',
        contact_channel="#ask-ai <b>now</b>",
        data_card_markdown='Rules <script>alert(1)</script> <img src=x onerror="alert(2)">\n\n'
        "[click](javascript:alert(3))",
    )
    text = page(employee, "/tools/")
    assert 'href="https://intranet.example.com/ai-policy"' in text
    assert "&lt;script&gt;alert(&#34;t&#34;)&lt;/script&gt;" in text
    assert "#ask-ai &lt;b&gt;now&lt;/b&gt;" in text
    assert "<script" not in text and "onerror" not in text and "javascript:" not in text
    with app.app_context():
        settings = db.session.get(ProgrammeSettings, 1)
        assert settings is not None and "<script" not in settings.data_card_html
        db.session.remove()


# ------------------------------------------------------------------------------ placeholders


def test_placeholders_show_neutral_words_until_filled_in(app: Flask, tmp_path: Path) -> None:
    placeholder_course(app, tmp_path)
    lesson, overview = live_html(app)
    assert "your organisation's AI policy (ask your manager where to find it)" in lesson
    assert "questions go to your manager." in lesson
    assert "<p>Ask your manager which AI tools are approved for work.</p>" in lesson
    assert "Ask your manager how your organisation classifies data" in lesson
    assert "an approved tool (ask your manager which one)" in lesson
    assert "<code>[[org: policy-link]]</code>" in lesson  # code is left alone
    assert "[[" not in lesson.replace("<code>[[org: policy-link]]</code>", "")
    assert "your organisation's AI policy" in overview
    assert "[[" not in live_html(app, "plain")[0]
    with app.app_context():
        keys = set(db.session.scalars(select(PlaceholderUse.key)))
        db.session.remove()
    assert keys == {
        "org:policy-link",
        "org:ai-contact",
        "org:data-classes",
        "tools:approved",
        "tool:chat assistant",
    }


def test_placeholders_render_from_settings_and_follow_every_change(
    app: Flask, owner_client: FlaskClient, tmp_path: Path
) -> None:
    placeholder_course(app, tmp_path)
    save_settings(owner_client)
    lesson, overview = live_html(app)
    assert '<a href="https://intranet.example.com/ai-policy"' in lesson
    assert ">the AI use policy</a>" in lesson and ">the AI use policy</a>" in overview
    assert 'Priya Raman (<a href="mailto:ai-help@example.com"' in lesson
    assert "<strong>Confidential</strong>: approved tools only." in lesson
    assert 'href="/tools/#data-classes"' in lesson  # the inline form: a link to the card
    # The register: the block lists the tools, [[tool: ...]] links to its tool.
    tool_id = add_tool(owner_client)
    lesson, _ = live_html(app)
    assert f'<li><a href="/tools/{tool_id}"' in lesson
    assert f'For drafts use <a href="/tools/{tool_id}"' in lesson
    renamed = post(owner_client, f"/tools/{tool_id}/edit", {**TOOL, "name": "Chat assistant v2"})
    assert renamed.status_code == 302
    lesson, _ = live_html(app)
    assert ">Chat assistant v2</a>: Drafting" in lesson
    assert "an approved tool (ask your manager which one)" in lesson  # no longer that name
    post(owner_client, f"/tools/{tool_id}/edit", {**TOOL})
    assert f'For drafts use <a href="/tools/{tool_id}"' in live_html(app)[0]
    # A setting changes: the text follows; emptied, the neutral words come back.
    save_settings(owner_client, policy_url="https://new.example.com/p", policy_title="")
    lesson, overview = live_html(app)
    assert '<a href="https://new.example.com/p" rel="noopener noreferrer">the AI policy</a>' in (
        lesson
    )
    assert "https://new.example.com/p" in overview
    save_settings(owner_client, policy_url="", policy_title="", data_card_markdown="")
    lesson, _ = live_html(app)
    assert "ask your manager where to find it" in lesson
    assert "Ask your manager how your organisation classifies data" in lesson
    assert post(owner_client, f"/tools/{tool_id}/delete").status_code == 302
    lesson, _ = live_html(app)
    assert "<p>Ask your manager which AI tools are approved for work.</p>" in lesson
    assert "Priya Raman" in lesson  # untouched by the register's changes


def test_a_new_publish_resolves_with_the_current_values_and_old_versions_stay(
    app: Flask, owner_client: FlaskClient, tmp_path: Path
) -> None:
    placeholder_course(app, tmp_path)
    save_settings(owner_client)
    spec = CourseSpec(
        slug="tools-course",
        overview=OVERVIEW,
        modules=[ModuleSpec("rules", "The rules", body=LESSON + "\nMore.\n")],
    )
    publish_spec(app, tmp_path, spec)
    assert ">the AI use policy</a>" in live_html(app)[0]
    save_settings(owner_client, policy_title="the policy, revised")
    assert ">the policy, revised</a>" in live_html(app)[0]
    with app.app_context():
        first = db.session.scalar(
            select(ModuleVersion.html)
            .join(CourseVersion, CourseVersion.id == ModuleVersion.course_version_id)
            .where(CourseVersion.number == 1, ModuleVersion.title == "The rules")
        )
        db.session.remove()
    assert first is not None and "the policy, revised" not in first  # history is not rewritten


def test_hostile_settings_and_tool_names_render_inert_in_course_text(
    app: Flask, owner_client: FlaskClient, tmp_path: Path
) -> None:
    placeholder_course(app, tmp_path)
    save_settings(
        owner_client,
        policy_url="https://example.com/policy?a=1&b=2",
        policy_title="<img src=x onerror=alert(1)>",
        contact_name="{{ config.SECRET_KEY }} <script>alert(2)</script>",
        data_card_markdown="<script>alert(3)</script>\n\n<iframe src=x></iframe> "
        "[[org: ai-contact]]",
    )
    add_tool(owner_client, purpose="<script>alert(4)</script> {% raw %}")
    lesson, overview = live_html(app)
    for html in (lesson, overview):
        assert "<script" not in html and "<img" not in html and "<iframe" not in html
    assert "{{ config.SECRET_KEY }}" in lesson  # shown as typed, never evaluated
    assert "test-secret-key" not in lesson
    assert "&lt;script&gt;alert(4)&lt;/script&gt;" in lesson
    # A placeholder inside a setting is not resolved again (values are not templates).
    assert "[[org: ai-contact]]" in lesson


def test_the_settings_page_lists_values_courses_use_that_are_not_filled_in(
    app: Flask, owner_client: FlaskClient, tmp_path: Path
) -> None:
    assert "Courses use these" not in page(owner_client, "/tools/settings")
    placeholder_course(app, tmp_path)
    text = page(owner_client, "/tools/settings")
    for label in (
        "The link to the AI policy",
        "The AI contact",
        "The data-classification card",
        "The approved tools list (the register is empty)",
        "A tool called “chat assistant”: not in the register",
    ):
        assert label in text, label
    assert "used in Sentinel course" in text
    save_settings(owner_client)
    add_tool(owner_client)
    assert "Courses use these" not in page(owner_client, "/tools/settings")


# ------------------------------------------------------------------------------ the checker


def lesson_problems(tmp_path: Path, body: str, overview: str = "Overview.") -> list[str]:
    spec = CourseSpec(
        slug="checked-course", overview=overview, modules=[ModuleSpec("one", "One", body=body)]
    )
    folder = write_course(tmp_path, spec)
    _, problems = parse_course(folder.name, read_folder(folder), known_courses=set())
    return [str(problem) for problem in problems]


def test_known_placeholders_pass_the_checker(tmp_path: Path) -> None:
    assert lesson_problems(tmp_path, LESSON, OVERVIEW) == []
    assert lesson_problems(tmp_path, "Use [[tool: C++ helper (v2), Jo's/Al's & co.]] here.") == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Read [[org: policy]] now.", "unknown placeholder [[org: policy]]"),
        ("Read [[company: policy-link]].", "unknown placeholder [[company: policy-link]]"),
        ("All [[tools: all]].", "unknown placeholder [[tools: all]]"),
        ("Use [[tool: ]] for it.", "name the tool"),
        ("Use [[tool: *bold*]] for it.", "a tool name has at most 100 characters"),
        ("See [[org: policy-link]](https://x.example.com).", "cannot be the text of a link"),
    ],
)
def test_unknown_placeholders_fail_the_checker_with_file_and_line(
    tmp_path: Path, text: str, message: str
) -> None:
    problems = lesson_problems(tmp_path, f"First line.\n\n{text}\n")
    # The module file starts with 5 lines of front matter and a blank line: the text is line 9.
    assert len(problems) == 1, problems
    assert problems[0].startswith("courses/checked-course/01-one.md:9: "), problems
    assert message in problems[0]


def test_placeholders_in_code_are_ignored_and_in_questions_refused(tmp_path: Path) -> None:
    body = "Text.\n\n```\n[[org: anything]]\n```\n\nAnd `[[nope: x]]` inline.\n"
    assert lesson_problems(tmp_path, body) == []
    spec = CourseSpec(
        slug="quiz-course",
        overview="Intro [[org: bogus]].",
        modules=[ModuleSpec("one", "One")],
    )
    folder = write_course(tmp_path, spec)
    module = folder / "01-one.md"
    module.write_text(
        module.read_text()
        + "## Question: q-one\ntype: single\ncompetency: evaluating\ndifficulty: 1\n\n"
        "Which fits [[org: policy-link]]?\n\n- [x] A\n- [ ] B\n"
    )
    _, problems = parse_course(folder.name, read_folder(folder), known_courses=set())
    texts = [str(problem) for problem in problems]
    assert any(
        text.startswith("courses/quiz-course/course.md:") and "[[org: bogus]]" in text
        for text in texts
    ), texts
    assert any("01-one.md:" in text and "not in questions" in text for text in texts), texts


def test_lms_courses_check_prints_the_problem_as_file_line(app: Flask, tmp_path: Path) -> None:
    folder = write_course(
        tmp_path,
        CourseSpec(slug="cli-course", modules=[ModuleSpec("one", "One", body="See [[org: x]].")]),
    )
    result = app.test_cli_runner().invoke(args=["lms", "courses", "check", str(folder)])
    assert result.exit_code == 1
    assert "01-one.md:7: unknown placeholder [[org: x]]" in result.output


def test_placeholders_are_found_only_outside_code_in_html() -> None:
    html = "<p>[[org: policy-link]]</p><pre><code>[[org: ai-contact]]</code></pre>"
    assert {p.key for p in placeholders_in_html(html)} == {"org:policy-link"}


# ------------------------------------------------------------------------------ statement counts


def test_register_pages_run_a_fixed_number_of_statements(
    app: Flask,
    owner_client: FlaskClient,
    make_user: Callable[..., User],
    count_statements: Callable[[], Any],
    tmp_path: Path,
) -> None:
    employee = client_for(app, make_user())
    first = add_tool(owner_client, owner_email=make_user().email)
    placeholder_course(app, tmp_path)

    def measure(client: FlaskClient, urls: list[str]) -> list[int]:
        counts = []
        for url in urls:
            assert client.get(url).status_code == 200, url
            with count_statements() as counter:
                assert client.get(url).status_code == 200, url
            counts.append(counter.count)
        return counts

    employee_urls = ["/tools/", "/tools/?q=a&data=public", f"/tools/{first}"]
    owner_urls = ["/tools/", f"/tools/{first}/edit", "/tools/settings", "/tools/new"]
    few = measure(employee, employee_urls), measure(owner_client, owner_urls)
    for number in range(12):
        add_tool(owner_client, name=f"Tool {number}", owner_email=make_user().email)
    save_settings(owner_client)
    many = measure(employee, employee_urls), measure(owner_client, owner_urls)
    assert few == many
    # The session lookup, the programme owner check, the settings and the tools.
    assert max(few[0]) <= 4, few
    assert max(few[1]) <= 5, few
