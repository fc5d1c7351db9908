"""Org chart import, from the CLI and the admin page: all or nothing, every bad line reported
(checklist item 16); re-import updates in place; emails are case-insensitive."""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy import text as sql

from lms.extensions import db
from lms.people.importer import OrgImportError, _valid_email, _validator_accepts, import_org_chart
from lms.people.models import User
from tests.conftest import csrf_token, row_count, table_snapshot

HEADER = "email,name,function,title,manager_email,roles\n"

GOOD = HEADER + (
    "ceo@example.com,Alex Morgan,leadership,Chief Executive Officer,,executive admin\n"
    "vp@example.com,Priya Raman,engineering,VP Engineering,ceo@example.com,executive\n"
    "maya@example.com,Maya Chen,engineering,Engineering Manager,vp@example.com,\n"
    "eli@example.com,Eli Turner,engineering,Software Engineer,maya@example.com,\n"
    "ada@example.com,Ada Novak,hr,L&D Lead,ceo@example.com,author\n"
)

# One file, many problems, each on its own line; line 2 is fine and must not be reported.
MANY_PROBLEMS = HEADER + (
    "ceo@example.com,Alex Morgan,leadership,CEO,,admin\n"  # 2 ok
    "not-an-email,Bad Email,engineering,Engineer,ceo@example.com,\n"  # 3
    "CEO@Example.com,Duplicate,engineering,Engineer,,\n"  # 4 duplicate (case-insensitive)
    "fn@example.com,Bad Function,astrology,Engineer,ceo@example.com,\n"  # 5
    "role@example.com,Bad Role,engineering,Engineer,ceo@example.com,superuser\n"  # 6
    "orphan@example.com,Orphan,engineering,Engineer,nobody@example.com,\n"  # 7 unknown manager
    "self@example.com,Self Managed,engineering,Engineer,self@example.com,\n"  # 8
    "noname@example.com,,engineering,Engineer,ceo@example.com,\n"  # 9 empty name
)
MANY_PROBLEM_LINES = {3, 4, 5, 6, 7, 8, 9}

CYCLE = HEADER + (
    "top@example.com,Top,leadership,CEO,,\n"  # 2
    "a@example.com,A,engineering,Engineer,c@example.com,\n"  # 3
    "b@example.com,B,engineering,Engineer,a@example.com,\n"  # 4
    "c@example.com,C,engineering,Engineer,b@example.com,\n"  # 5
)

MISSING_COLUMN = "email,name,function,title,manager_email\nx@example.com,X,sales,Rep,\n"

BAD_FILES = {
    "many problems": (MANY_PROBLEMS, MANY_PROBLEM_LINES),
    "cycle": (CYCLE, {3}),
    "missing column": (MISSING_COLUMN, {1}),
    "bad email only": (HEADER + "a@example.com,A,sales,Rep,,\nb@,B,sales,Rep,,\n", {3}),
    "bad function only": (HEADER + "a@example.com,A,Sales Ops,Rep,,\n", {2}),
    "bad role only": (HEADER + "a@example.com,A,sales,Rep,,admin root\n", {2}),
    "unknown manager only": (HEADER + "a@example.com,A,sales,Rep,b@example.com,\n", {2}),
    "duplicate only": (HEADER + "a@example.com,A,sales,Rep,,\n\nA@EXAMPLE.COM,A2,sales,Rep,,\n",
                       {4}),
    "extra field": (HEADER + "a@example.com,A,sales,Rep,,,surplus\n", {2}),
}


def cli_import(app: Flask, tmp_path: Path, text: str | bytes) -> tuple[int, str]:
    path = tmp_path / "org.csv"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["lms", "org", "import", str(path)])
    return result.exit_code, result.output


def page_import(client: FlaskClient, text: str | bytes) -> tuple[int, str]:
    token = csrf_token(client, "/admin/import")
    data = text.encode() if isinstance(text, str) else text
    response = client.post(
        "/admin/import",
        data={"csrf_token": token, "file": (io.BytesIO(data), "org.csv")},
        content_type="multipart/form-data",
    )
    return response.status_code, response.get_data(as_text=True)


def reported_lines(output: str) -> set[int]:
    # CLI: "path:LINE: message"; page: "line LINE: message"
    return {int(n) for n in re.findall(r"(?:org\.csv:|line )(\d+):", output)}


@pytest.fixture
def admin_client(
    make_user: Callable[..., User], logged_in: Callable[[User], FlaskClient]
) -> FlaskClient:
    return logged_in(make_user(is_admin=True, email="admin@example.com"))


@pytest.mark.parametrize("name", list(BAD_FILES))
def test_cli_reports_every_bad_line_and_imports_nothing(
    app: Flask, tmp_path: Path, make_user: Callable[..., User], name: str
) -> None:
    make_user(email="existing@example.com")
    text, lines = BAD_FILES[name]
    before = table_snapshot(app)
    code, output = cli_import(app, tmp_path, text)
    assert code == 1
    assert reported_lines(output) == lines, output
    assert "Nothing was imported" in output
    assert table_snapshot(app) == before


@pytest.mark.parametrize("name", list(BAD_FILES))
def test_admin_page_reports_every_bad_line_and_imports_nothing(
    app: Flask, admin_client: FlaskClient, name: str
) -> None:
    text, lines = BAD_FILES[name]
    before = table_snapshot(app)
    status, page = page_import(admin_client, text)
    assert status == 422
    assert reported_lines(page) == lines, page
    assert "Nothing was imported" in page
    assert table_snapshot(app) == before


def test_good_file_imports_the_tree_from_the_cli(app: Flask, tmp_path: Path) -> None:
    code, output = cli_import(app, tmp_path, GOOD)
    assert code == 0, output
    assert "5 added, 0 updated, 0 unchanged" in output
    with app.app_context():
        people = {user.email: user for user in db.session.scalars(select(User))}
        assert people["eli@example.com"].manager_id == people["maya@example.com"].id
        assert people["maya@example.com"].manager_id == people["vp@example.com"].id
        assert people["ceo@example.com"].manager_id is None
        assert people["ceo@example.com"].is_admin and people["ceo@example.com"].is_executive
        assert people["ada@example.com"].roles == ["author"]
        assert people["eli@example.com"].roles == []
        assert people["ada@example.com"].title == "L&D Lead"
        assert all(user.password_hash is None for user in people.values())


def test_good_file_imports_from_the_admin_page(app: Flask, admin_client: FlaskClient) -> None:
    before = row_count(app)
    token = csrf_token(admin_client, "/admin/import")
    response = admin_client.post(
        "/admin/import",
        data={"csrf_token": token, "file": (io.BytesIO(GOOD.encode("utf-8-sig")), "org.csv")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "5 added, 0 updated, 0 unchanged" in response.get_data(as_text=True)
    assert row_count(app) == before + 5


def test_reimport_updates_in_place_and_never_duplicates(app: Flask, tmp_path: Path) -> None:
    assert cli_import(app, tmp_path, GOOD)[0] == 0
    with app.app_context():
        ids = {user.email: user.id for user in db.session.scalars(select(User))}

    changed = GOOD.replace("eli@example.com,Eli Turner", "ELI@Example.COM,Eli Turner-Smith")
    changed = changed.replace("L&D Lead,ceo@example.com", "L&D Lead,vp@example.com")
    code, output = cli_import(app, tmp_path, changed)
    assert code == 0, output
    assert "0 added, 2 updated, 3 unchanged" in output
    with app.app_context():
        people = {user.email: user for user in db.session.scalars(select(User))}
        assert {email: user.id for email, user in people.items()} == ids
        assert people["eli@example.com"].name == "Eli Turner-Smith"
        assert people["ada@example.com"].manager_id == ids["vp@example.com"]

    code, output = cli_import(app, tmp_path, changed)
    assert "0 added, 0 updated, 5 unchanged" in output
    assert row_count(app) == 5


def test_import_matches_existing_people_case_insensitively_and_keeps_their_password(
    app: Flask, tmp_path: Path, make_user: Callable[..., User]
) -> None:
    existing = make_user(email="eli@example.com", name="Old Name")
    code, output = cli_import(app, tmp_path, GOOD.replace("eli@example.com,", "Eli@EXAMPLE.com,"))
    assert code == 0, output
    assert "4 added, 1 updated" in output
    assert row_count(app) == 5
    with app.app_context():
        person = db.session.get(User, existing.id)
        assert person is not None
        assert person.name == "Eli Turner"
        assert person.password_hash == existing.password_hash


def test_a_cycle_through_people_already_in_the_database_is_refused(
    app: Flask, tmp_path: Path, make_user: Callable[..., User]
) -> None:
    boss = make_user(email="boss@example.com")
    make_user(email="report@example.com", manager=boss)
    text = HEADER + "boss@example.com,Boss,leadership,CEO,report@example.com,\n"
    before = table_snapshot(app)
    code, output = cli_import(app, tmp_path, text)
    assert code == 1
    assert "reporting cycle" in output and reported_lines(output) == {2}
    assert table_snapshot(app) == before


def test_a_file_that_is_not_utf8_is_refused_everywhere(
    app: Flask, tmp_path: Path, admin_client: FlaskClient
) -> None:
    latin1 = (HEADER + "jose@example.com,José,sales,Rep,,\n").encode("latin-1")
    before = table_snapshot(app)
    code, output = cli_import(app, tmp_path, latin1)
    assert code == 1 and "not UTF-8" in output
    status, page = page_import(admin_client, latin1)
    assert status == 422 and "not UTF-8" in page
    assert table_snapshot(app) == before


def test_problems_on_the_page_are_escaped(app: Flask, admin_client: FlaskClient) -> None:
    status, page = page_import(admin_client, HEADER + "<script>@x.y,A,sales,Rep,,\n")
    assert status == 422
    assert "<script>@x.y" not in page and "&lt;script&gt;@x.y" in page


def test_an_admin_cannot_import_away_their_own_admin_rights(
    app: Flask, admin_client: FlaskClient
) -> None:
    before = row_count(app)
    status, page = page_import(
        admin_client,
        HEADER + "new@example.com,New,sales,Rep,,\nADMIN@example.com,Admin,hr,Head of HR,,author\n",
    )
    assert status == 422
    assert "line 3: admin@example.com is you: keep &#39;admin&#39; in your roles" in page
    assert row_count(app) == before
    status, _ = page_import(
        admin_client, HEADER + "admin@example.com,Admin,hr,Head of HR,,admin author\n"
    )
    assert status == 302


# ------------------------------------------------------- linear at any size (issue 17, finding 8)


def org_file(people: int, prefix: str, *, renamed: int = 0, newcomers: int = 0) -> str:
    """A tree of ``people`` (four reports per manager) with emails ``<prefix><n>@example.com``,
    rows in reverse order (reports before their managers); ``renamed`` people get a new name and
    move to the top manager; ``newcomers`` new people report to a new manager under the top."""
    rows = []
    for n in range(people):
        manager = "" if n == 0 else f"{prefix}{(n - 1) // 4}@example.com"
        name = f"Person {n}"
        if 0 < n <= renamed:
            name, manager = f"Person {n} renamed", f"{prefix}0@example.com"
        rows.append(f"{prefix}{n}@example.com,{name},engineering,Engineer,{manager},\n")
    if newcomers:
        rows.append(f"{prefix}lead@example.com,Lead,sales,Lead,{prefix}0@example.com,\n")
        rows += [
            f"{prefix}new{n}@example.com,New {n},sales,Rep,{prefix}lead@example.com,author\n"
            for n in range(newcomers)
        ]
    return HEADER + "".join(reversed(rows))


def statements_for(app: Flask, count_statements: Callable[[], Any], text: str) -> int:
    with app.app_context():
        with count_statements() as counter:
            try:
                import_org_chart(db.session, text)
            except OrgImportError:
                db.session.rollback()
            else:
                db.session.commit()
        db.session.remove()
    return int(counter.count)


def test_an_import_runs_the_same_statements_for_10_or_400_rows(
    app: Flask, count_statements: Callable[[], Any]
) -> None:
    """No statement per row: one read of everyone, then bulk writes (before: a set of everyone
    rebuilt for every row made 20,000 rows take 20 s)."""
    cases = {
        "new": (org_file(10, "s"), org_file(400, "l")),
        "changed, with new people under a new manager": (
            org_file(10, "s", renamed=3, newcomers=2),
            org_file(400, "l", renamed=120, newcomers=80),
        ),
        "unchanged": (
            org_file(10, "s", renamed=3, newcomers=2),
            org_file(400, "l", renamed=120, newcomers=80),
        ),
        "refused": (
            org_file(10, "s") + "bad,Bad,astrology,X,,\n",
            org_file(400, "l") + "bad,Bad,astrology,X,,\n",
        ),
    }
    for case, (small, large) in cases.items():
        small_count = statements_for(app, count_statements, small)
        large_count = statements_for(app, count_statements, large)
        assert small_count == large_count, case
        assert small_count <= 8, case
    with app.app_context():
        people = {u.email: u for u in db.session.scalars(select(User))}
    assert len(people) == 10 + 3 + 400 + 81
    assert people["l7@example.com"].name == "Person 7 renamed"
    assert people["l7@example.com"].manager_id == people["l0@example.com"].id
    assert people["l200@example.com"].manager_id == people["l49@example.com"].id
    assert people["lnew5@example.com"].manager_id == people["llead@example.com"].id
    assert people["lnew5@example.com"].roles == ["author"]


@pytest.mark.slow
def test_twenty_thousand_rows_import_well_within_the_worker_timeout(
    app: Flask, tmp_path: Path
) -> None:
    """The tester's reproduction: 20,000 rows took 20 s (and 22,000 hit the 30 s worker timeout).
    Linear now: about 2 s on SQLite; 15 s leaves room for a slow, shared machine."""
    text = org_file(20_000, "big", renamed=0)
    started = time.perf_counter()
    code, output = cli_import(app, tmp_path, text)
    first = time.perf_counter() - started
    assert code == 0 and "20000 added" in output, output
    started = time.perf_counter()
    code, output = cli_import(app, tmp_path, org_file(20_000, "big", renamed=2_000))
    again = time.perf_counter() - started
    assert code == 0 and "2000 updated, 18000 unchanged" in output, output
    assert first < 15 and again < 15, (first, again)
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            # The fixture's DELETE fires every foreign key's check for each of the 20,000 rows
            # (12 s); nothing but this test's rows is in these tables, so empty them at once.
            db.session.execute(sql("TRUNCATE users CASCADE"))
            db.session.commit()
        db.session.remove()


LOCAL_PARTS = st.text(
    alphabet="abcz09._-+!#$%&'*/=?^`{|}~\"@ \\(),:;<>[]é", min_size=0, max_size=70
)
DOMAINS = st.sampled_from(
    [
        "example.com",
        "sub.example.co.uk",
        "localhost",
        "example",
        "exa_mple.com",
        "-bad.com",
        "xn--bcher-kva.example",
        "bücher.example",
        "1.2.3.4",
        "[127.0.0.1]",
        "example.invalid",
        "a" * 64 + ".com",
        ("a" * 60 + ".") * 4 + "com",
        "example..com",
        ".example.com",
        "",
    ]
)


@settings(max_examples=400, deadline=None)
@given(local=LOCAL_PARTS, domain=DOMAINS)
def test_the_fast_email_check_agrees_with_email_validator(local: str, domain: str) -> None:
    email = f"{local}@{domain}".lower()
    assert _valid_email(email, {}) == _validator_accepts(email)
    domains: dict[str, bool] = {}
    _valid_email(f"first@{domain}", domains)  # the domain's verdict is remembered
    assert _valid_email(email, domains) == _validator_accepts(email)
