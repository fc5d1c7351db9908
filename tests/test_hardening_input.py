"""Hostile input on every route and names in any script (issue 17, checklist item 23).

- NUL and other control characters in a path segment, a query argument or a form field answer
  400 before they reach the database (PostgreSQL refuses NUL in text; SQLite stored it).
- 20-digit integers in a path answer 404 (one ``int`` converter), in a query argument or a form
  field they are ignored or refused (one parser), never a 500.
- Downloads named after a person work for any script: an ASCII ``filename`` plus RFC 6266
  ``filename*``.
- ``lms users create`` validates like the admin form; the CLI date and output options fail with
  one line, not a traceback.

The walks go over the URL map, so views added later are covered too.
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlencode

import pytest
from click.testing import Result
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Rule
from werkzeug.routing.converters import NumberConverter

from lms.activity import service as activity
from lms.assignments.models import Assignment
from lms.config import PROJECT_ROOT
from lms.downloads import attachment
from lms.extensions import db
from lms.people.models import User
from lms.recognition.kudos_models import Kudos
from tests.conftest import (
    csrf_token,
    example_path,
    login,
    password_link_token,
    row_count,
    table_snapshot,
)
from tests.learn_helpers import publish_folder, publish_spec, sentinel_course, write_course
from tests.recognition_helpers import complete_directly

LMS = PROJECT_ROOT / "lms"
NUL = "\x00"
HUGE = "99999999999999999999"  # 20 digits: beyond any 64-bit integer
NAMES = ["Łucja Wąż", "Jiří Černý", "张伟", "Γιώργος"]  # Polish, Czech, Chinese, Greek
ARGUMENT_READ = re.compile(
    r"""(?:args\.(?:get|getlist)\(|args\[|query_int\()\s*["']([A-Za-z_][\w-]*)["']"""
)


@pytest.fixture
def app_config(tmp_path: Path) -> dict[str, Any]:
    return {"OPENBADGES_KEY_FILE": str(tmp_path / "keys.json")}


def query_names(folder: Path = LMS) -> set[str]:
    """The query arguments read in the code under ``folder``: the source is the list, so
    arguments added later are covered too."""
    names: set[str] = set()
    for source in folder.rglob("*.py"):
        names.update(ARGUMENT_READ.findall(source.read_text(encoding="utf-8")))
    return names


def names_read_by(view: Callable[..., Any]) -> set[str]:
    """The query arguments the package of ``view`` reads (its views and their helpers)."""
    folder = Path(inspect.getsourcefile(inspect.unwrap(view)) or "/").parent
    if folder == LMS or LMS not in folder.parents:
        return set()  # the application's own and Flask's views read none
    return query_names(folder)


def is_public(app: Flask, rule: Rule) -> bool:
    view = app.view_functions[rule.endpoint]
    return rule.endpoint == "static" or bool(getattr(view, "is_public", False))


def get_rules(app: Flask) -> list[Rule]:
    return [rule for rule in app.url_map.iter_rules() if "GET" in (rule.methods or ())]


def variants(rule: Rule) -> Iterator[tuple[str, str, int]]:
    """(label, path, expected status) with one path argument replaced by a hostile value."""
    sentinels: dict[str, Any] = {}
    for index, name in enumerate(sorted(rule.arguments)):
        number = isinstance(rule._converters[name], NumberConverter)
        sentinels[name] = 7_700_100 + index if number else f"sentinel{index}"
    path = example_path(rule, sentinels)
    for name, sentinel in sentinels.items():
        number = isinstance(sentinel, int)
        yield f"NUL in <{name}>", path.replace(str(sentinel), ("1" if number else "x") + "%00"), 400
        yield f"newline in <{name}>", path.replace(str(sentinel), "x%0Ay"), 400
        if number:
            yield f"20 digits in <{name}>", path.replace(str(sentinel), HUGE), 404


@pytest.fixture
def people(
    app: Flask, make_user: Callable[..., User], tmp_path: Path
) -> dict[str, User]:
    """An admin who is also a manager, author and executive, a report with a certificate."""
    admin = make_user(is_admin=True, is_author=True, is_executive=True, name="Ada Admin")
    report = make_user(manager=admin, name="Rita Report")
    publish_spec(app, tmp_path, sentinel_course())
    complete_directly(app, report, "sentinel-course")
    return {"admin": admin, "report": report}


def test_every_get_route_refuses_nul_and_20_digit_path_arguments(
    app: Flask, people: dict[str, User], logged_in: Callable[[User], FlaskClient]
) -> None:
    clients = {"admin": logged_in(people["admin"]), "anonymous": app.test_client()}
    wrong: list[tuple[str, str, str, int]] = []
    checked = 0
    for who, client in clients.items():
        for rule in get_rules(app):
            for label, path, expected in variants(rule):
                with client.get(path) as response:
                    if response.status_code != expected:
                        wrong.append((who, label, path, response.status_code))
                checked += 1
    assert [case for case in wrong if case[-1] >= 500] == []
    assert wrong == []
    assert checked > 100
    # Past 4,300 digits Python's int() itself refuses: still no match, not a 500.
    assert clients["admin"].get("/attempts/" + "9" * 100_000).status_code == 404


def test_every_get_route_survives_hostile_query_arguments(
    app: Flask, people: dict[str, User], logged_in: Callable[[User], FlaskClient]
) -> None:
    every_name = sorted(query_names())
    assert {"page", "q", "team", "since", "to", "version"} <= set(every_name)
    clients = {"admin": logged_in(people["admin"]), "anonymous": app.test_client()}
    values = {"user_id": people["report"].id}
    wrong: list[tuple[str, str, str, int]] = []

    def check(who: str, url: str, label: str, fine: Callable[[int], bool]) -> None:
        with clients[who].get(url) as response:
            if not fine(response.status_code):
                wrong.append((who, url, label, response.status_code))

    for who in clients:
        for rule in get_rules(app):
            path = example_path(rule, values)
            nul = urlencode({name: f"a{NUL}" for name in every_name})
            check(who, f"{path}?{nul}", "NUL in every argument", lambda code: code == 400)
            check(who, f"{path}?{urlencode({NUL: 'x'})}", "NUL in a name", lambda code: code == 400)
            check(who, f"{path}?x=%0A", "newline", lambda code: code == 400)
            if who == "anonymous" and not is_public(app, rule):
                continue  # the login page answers before any argument is read
            huge = urlencode(dict.fromkeys(every_name, HUGE))
            check(who, f"{path}?{huge}", "20 digits everywhere", lambda code: code < 500)
            for name in sorted(names_read_by(app.view_functions[rule.endpoint])):
                url = f"{path}?{urlencode({name: HUGE})}"
                check(who, url, f"20 digits in {name}", lambda code: code < 500)
    assert [case for case in wrong if case[-1] >= 500] == []
    assert wrong == []


# Every field name a form of the app uses (a form ignores the others): each carries a NUL.
FORM_FIELDS = [
    "email", "password", "confirm", "current", "name", "title", "job_function", "manager_email",
    "reason", "note", "choice", "course", "back", "slug", "path", "text", "message", "recipient",
    "emails", "due_on", "scope", "people", "credential", "next", "action", "q1", "rate-using",
]


def test_every_post_route_refuses_nul_in_form_fields_and_changes_nothing(
    app: Flask, people: dict[str, User], logged_in: Callable[[User], FlaskClient]
) -> None:
    report = people["report"]
    values = {"user_id": report.id, "token": password_link_token(app, report)}
    client = logged_in(people["admin"])
    token = csrf_token(client, "/account/password")
    before = table_snapshot(app)
    posted = 0
    for rule in app.url_map.iter_rules():
        if "POST" not in (rule.methods or ()):
            continue
        path = example_path(rule, values)
        form = {field: f"a{NUL}b" for field in FORM_FIELDS}
        response = client.post(path, data={**form, "csrf_token": token})
        if getattr(app.view_functions[rule.endpoint], "reads_own_body", False):
            # It answers for its body itself: the verifier says "valid": false.
            assert response.status_code < 500 and response.get_json()["valid"] is False
            continue
        assert response.status_code == 400, (rule.rule, response.status_code)
        assert "control characters" in response.get_data(as_text=True), rule.rule
        # A control character other than NUL, in a field name this time.
        response = client.post(path, data={"na\x1bme": "x", "csrf_token": token})
        assert response.status_code == 400, (rule.rule, "escape in a name")
        posted += 1
    assert posted > 20
    assert table_snapshot(app) == before
    anonymous = app.test_client()
    response = login(anonymous, f"{report.email}{NUL}", f"pass{NUL}word")
    assert response.status_code == 400


def test_a_view_reading_its_own_body_keeps_its_own_size_limit(app: Flask) -> None:
    """The check must not parse the verifier's form body before the verifier limits it."""
    client = app.test_client()
    big = client.post("/ob/v3/verify", data={"credential": "x" * 100_000})
    assert big.status_code == 413 and big.get_json()["valid"] is False
    assert client.post("/ob/v3/verify?x=%00", data={"credential": "x"}).status_code == 400


def test_tab_and_line_breaks_pass_in_a_multi_line_field_but_not_in_a_single_line_one(
    app: Flask, make_user: Callable[..., User], logged_in: Callable[[User], FlaskClient]
) -> None:
    admin = make_user(is_admin=True)
    person = make_user(name="Paula Plain")
    client = logged_in(admin)
    url = f"/admin/people/{person.id}"
    form = {"email": person.email, "job_function": "sales", "title": "", "manager_email": "",
            "active": "y", "csrf_token": csrf_token(client, url)}
    page = client.post(url, data={**form, "name": "Paula\nPlain"})
    assert page.status_code == 200 and "control characters" in page.get_data(as_text=True)
    assert client.post(url, data={**form, "name": "Paula Wąż"}).status_code == 302

    manager = make_user(name="Mona Manager")
    report = make_user(name="Rory Report", manager=manager)
    other = app.test_client()
    assert login(other, manager.email).status_code == 302
    kudos = other.post(
        "/recognition/kudos",
        data={"recipient": str(report.id), "message": "Line one\r\n\tline two",
              "csrf_token": csrf_token(other, "/recognition/kudos")},
    )
    assert kudos.status_code == 302  # sent: a multi-line field takes tabs and line breaks


def test_20_digit_integers_in_form_fields_are_refused_not_500(
    app: Flask,
    tmp_path: Path,
    make_user: Callable[..., User],
    logged_in: Callable[[User], FlaskClient],
) -> None:
    publish_spec(app, tmp_path, sentinel_course())
    manager = make_user(name="Mona Manager")
    make_user(name="Rory Report", manager=manager)
    client = logged_in(manager)
    kudos = client.post(
        "/recognition/kudos",
        data={"recipient": HUGE, "message": "Thanks!",
              "csrf_token": csrf_token(client, "/recognition/kudos")},
    )
    assert kudos.status_code == 200 and "Invalid Choice" in kudos.get_data(as_text=True)
    assert row_count(app, Kudos) == 0
    assigned = client.post(
        "/assignments/new",
        data={"course": "sentinel-course", "scope": "selected", "people": HUGE,
              "due_on": "2999-01-01", "csrf_token": csrf_token(client, "/assignments/new")},
    )
    assert assigned.status_code == 400  # the form again, with its error
    assert "could not be coerced" in assigned.get_data(as_text=True)
    assert row_count(app, Assignment) == 0
    assert client.get(f"/recognition?page={HUGE}").status_code == 200
    assert client.get("/recognition?page=%C2%B2").status_code == 200  # "²" is a digit to isdigit()


# ------------------------------------------------------------------------ names in four scripts


def filename_of(disposition: str) -> str:
    """The file name a browser saves: RFC 6266 ``filename*`` wins over ``filename``."""
    extended = re.search(r"filename\*=UTF-8''([^;]+)", disposition)
    if extended:
        return unquote(extended.group(1))
    plain = re.search(r'filename="([^"]*)"', disposition)
    assert plain, disposition
    return plain.group(1)


@dataclass
class Fetched:
    status_code: int
    headers: dict[str, str]
    text: str


def fetch(client: FlaskClient, url: str) -> Fetched:
    """GET ``url`` and read it whole, closing the (maybe streamed) response."""
    with client.get(url) as response:
        return Fetched(response.status_code, dict(response.headers), response.get_data(True))


def assert_download(response: Fetched, expected_in_name: str) -> None:
    assert response.status_code == 200, response.status_code
    disposition = response.headers["Content-Disposition"]
    disposition.encode("ascii")  # a header must be ASCII (Latin-1 at most): the original 500
    plain = re.search(r'filename="([^"]*)"', disposition)
    assert plain and plain.group(1).isascii() and plain.group(1).strip("-.")
    assert expected_in_name in filename_of(disposition), disposition


def slug(name: str) -> str:
    return "-".join(name.lower().split())


def test_integers_and_download_names_go_through_the_shared_helpers() -> None:
    """One parser for integer arguments (lms.inputs) and one header for downloads
    (lms.downloads): a view that parses or names files on its own is caught here."""
    own_ways = re.compile(r"type=int\b|coerce=int\b|attachment; filename=")
    found = [
        f"{source.relative_to(PROJECT_ROOT)}: {match.group()}"
        for source in LMS.rglob("*.py")
        if source.name != "downloads.py"
        for match in own_ways.finditer(source.read_text(encoding="utf-8"))
    ]
    assert found == []


def test_attachment_header_for_any_name() -> None:
    assert attachment("team-2026-01-05.csv") == 'attachment; filename="team-2026-01-05.csv"'
    polish = attachment("ai-literacy-record-łucja-wąż-20260105.csv")
    assert polish == (
        'attachment; filename="ai-literacy-record-lucja-waz-20260105.csv"; '
        "filename*=UTF-8''ai-literacy-record-%C5%82ucja-w%C4%85%C5%BC-20260105.csv"
    )
    chinese = attachment("张伟.csv")
    assert chinese.startswith('attachment; filename="download.csv"; filename*=')
    assert attachment('a"b\\c;\r\n.txt', inline=True).startswith('inline; filename="a-b-c.txt"')
    for name in NAMES:
        assert filename_of(attachment(f"{name}.json")) == f"{name}.json"


def test_names_in_four_scripts_go_through_every_export(
    app: Flask,
    tmp_path: Path,
    make_user: Callable[..., User],
    logged_in: Callable[[User], FlaskClient],
) -> None:
    publish_spec(app, tmp_path, sentinel_course())
    boss = make_user(is_admin=True, is_executive=True, name="Γιώργος Παπαδόπουλος")
    people = [make_user(name=name, manager=boss) for name in NAMES]
    certificates = [complete_directly(app, person, "sentinel-course") for person in people]
    with app.app_context():
        for person in people:
            activity.record(db.session, person.id, "completed", "course", "sentinel-course",
                            object_name=f"Sentinel course ({person.name})")
        db.session.commit()
    admin = logged_in(boss)

    for person, public_id in zip(people, certificates, strict=True):
        for fmt in ("csv", "json"):
            record = fetch(admin, f"/org/record/person/{person.id}.{fmt}")
            assert_download(record, slug(person.name))
            assert person.name in record.text
        xapi = fetch(admin, f"/xapi/statements?{urlencode({'email': person.email})}")
        assert xapi.status_code == 200
        assert person.name in json.dumps(json.loads(xapi.text), ensure_ascii=False)
        page = fetch(app.test_client(), f"/certificates/{public_id}")
        assert page.status_code == 200 and person.name in page.text
        own = app.test_client()
        assert login(own, person.email).status_code == 302
        assert fetch(own, f"/org/record/person/{person.id}.csv").status_code == 200
        assert_download(fetch(own, f"/certificates/{public_id}/credential.jwt"), "certificate-")

    assert_download(fetch(admin, f"/org/record/team/{boss.id}.csv"), "team-γιώργος-παπαδόπουλος")
    everyone = fetch(admin, "/org/record/everyone.json")
    team_csv = fetch(admin, "/team/people.csv")
    assert_download(team_csv, "team-")
    for name in NAMES:
        assert name in everyone.text and name in team_csv.text

    output = tmp_path / "statements.json"
    result = run(app, "xapi", "export", "--output", str(output))
    assert result.exit_code == 0, result.output
    exported = output.read_text(encoding="utf-8")
    assert all(name in exported for name in NAMES)


def test_a_course_file_named_in_any_script_downloads_under_its_name(
    app: Flask,
    tmp_path: Path,
    make_user: Callable[..., User],
    logged_in: Callable[[User], FlaskClient],
) -> None:
    folder = write_course(tmp_path, sentinel_course())
    (folder / "Łódź notes.txt").write_text("Notes", encoding="utf-8")
    publish_folder(app, folder)
    client = logged_in(make_user())
    download = fetch(client, f"/courses/sentinel-course/files/{quote('Łódź notes.txt')}")
    assert_download(download, "Łódź notes.txt")
    assert 'filename="Lodz-notes.txt"' in download.headers["Content-Disposition"]


# ---------------------------------------------------------------------------------------- CLI


def run(app: Flask, *args: str) -> Result:
    return app.test_cli_runner().invoke(args=["lms", *args])


def assert_one_line_error(result: Result, *expected: str) -> None:
    assert result.exit_code != 0, result.output
    assert ("Traceback" not in result.output and result.exception is None) or isinstance(
        result.exception, SystemExit
    ), result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    for text in expected:
        assert text in lines[0], result.output


@pytest.mark.parametrize(
    ("email", "name", "title", "expected"),
    [
        ("", "Ema Empty", "", "--email"),
        ("not-an-email", "Ivy Invalid", "", "--email"),
        ("empty@example.com", "", "", "--name"),
        ("blank@example.com", "   ", "", "--name"),
        ("long@example.com", "N" * 5000, "", "--name"),
        ("nul@example.com", f"Nu{NUL}ll", "", "--name"),
        ("escape@example.com", "Esc \x1b[31mRed", "", "--name"),
        ("newline@example.com", "Two\nLines", "", "--name"),
        ("title@example.com", "Tia Title", "T" * 301, "--title"),
    ],
)
def test_users_create_validates_like_the_admin_form(
    app: Flask, email: str, name: str, title: str, expected: str
) -> None:
    result = run(app, "users", "create", "--email", email, "--name", name, "--title", title,
                 "--function", "hr")
    assert_one_line_error(result, expected)
    assert row_count(app) == 0


def test_users_create_accepts_names_in_any_script(app: Flask) -> None:
    for number, name in enumerate(NAMES):
        result = run(app, "users", "create", "--email", f"p{number}@example.com", "--name", name,
                     "--function", "hr")
        assert result.exit_code == 0, result.output
        assert f"Created {name} <p{number}@example.com>" in result.output


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["snapshots", "take", "--week", "9999-12-31"], "--week"),
        (["snapshots", "take", "--week", "0001-01-01", "--weeks", "3"], "--week"),
        (["reminders", "send", "--today", "9999-12-31"], "--today"),
        (["reminders", "send", "--today", "0001-01-01"], "--today"),
        (["xapi", "export", "--until", "9999-12-31"], "--until"),
        (["xapi", "export", "--output", "/nonexistent-folder-lms/out.json"], "nonexistent"),
    ],
)
def test_cli_options_out_of_range_fail_with_one_line(
    app: Flask, args: list[str], expected: str
) -> None:
    assert_one_line_error(run(app, *args), expected)


def test_xapi_route_refuses_a_last_day_out_of_range(
    app: Flask, make_user: Callable[..., User], logged_in: Callable[[User], FlaskClient]
) -> None:
    client = logged_in(make_user())
    assert client.get("/xapi/statements?until=9999-12-31").status_code == 400
    assert client.get("/xapi/statements?since=2026-01-01&until=2026-01-31").status_code == 200
