"""Deactivated people in exports (issue 17): one rule everywhere (docs/dashboards.md).

Team and organisation figures, tables and exports leave deactivated people out: the team
dashboard and its CSV, the team and organisation literacy records, the xAPI export of everyone or
of a team. A deactivated person's own record (literacy record, xAPI statements) stays available to
admins only: a manager or an executive asking for it gets the 404 of a person who does not exist.
Before, the team literacy record and a person's record and xAPI statements still included them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from flask import Flask
from flask.testing import FlaskClient

from lms.activity.service import record
from lms.extensions import db
from lms.people.models import User
from tests.conftest import login


@pytest.fixture
def org(app: Flask, make_user: Callable[..., User]) -> dict[str, User]:
    """boss -> (ann, dan: deactivated); an executive and an admin elsewhere. Everyone has done
    something (an activity event), so every export has a row or a statement for everyone."""
    boss = make_user(name="Bea Boss", email="bea.boss@example.com")
    people = {
        "boss": boss,
        "ann": make_user(name="Ann Active", email="ann.active@example.com", manager=boss),
        "dan": make_user(
            name="Dan Deactivated", email="dan.gone@example.com", manager=boss, active=False
        ),
        "exec": make_user(name="Eve Exec", email="eve.exec@example.com", is_executive=True),
        "admin": make_user(name="Adam Admin", email="adam.admin@example.com", is_admin=True),
    }
    with app.app_context():
        for person in people.values():
            record(
                db.session,
                person.id,
                "opened",
                "module",
                "course/intro",
                object_name="Intro",
                at=datetime(2031, 3, 1, 9, 0),
            )
        db.session.commit()
        db.session.remove()
    return people


def client_for(app: Flask, user: User) -> FlaskClient:
    client = app.test_client()
    assert login(client, user.email).status_code == 302
    return client


def get(client: FlaskClient, url: str, **args: Any) -> tuple[int, str]:
    response = client.get(url, query_string=args)
    return response.status_code, response.get_data(as_text=True)  # read it all: streamed


def export_xapi(app: Flask, tmp_path: Path, *args: str) -> set[str]:
    output = tmp_path / "statements.json"
    result: Result = app.test_cli_runner().invoke(
        args=["lms", "xapi", "export", *args, "--output", str(output)]
    )
    assert result.exit_code == 0, result.output
    statements = json.loads(output.read_text(encoding="utf-8"))
    return {s["actor"]["mbox"].removeprefix("mailto:") for s in statements}


def test_team_exports_leave_a_deactivated_person_out(app: Flask, org: dict[str, User]) -> None:
    boss = client_for(app, org["boss"])
    for fmt in ("csv", "json"):
        status, body = get(boss, f"/org/record/team/{org['boss'].id}.{fmt}")
        assert status == 200
        assert org["ann"].email in body and org["dan"].email not in body, fmt  # before: in
    status, body = get(boss, "/team/people.csv")
    assert status == 200 and org["ann"].email in body and org["dan"].email not in body
    executive = client_for(app, org["exec"])
    for url in (f"/org/record/team/{org['boss'].id}.json", "/org/record/everyone.csv"):
        status, body = get(executive, url)
        assert status == 200 and org["ann"].email in body and org["dan"].email not in body, url


def test_a_deactivated_person_s_record_is_for_admins_only(app: Flask, org: dict[str, User]) -> None:
    url = f"/org/record/person/{org['dan'].id}.json"
    for viewer in ("boss", "exec"):  # before: 200 with Dan's record
        status, body = get(client_for(app, org[viewer]), url)
        assert status == 404 and org["dan"].email not in body, viewer
    status, body = get(client_for(app, org["admin"]), url)
    assert status == 200 and json.loads(body)["people"][0]["email"] == org["dan"].email
    status, _ = get(client_for(app, org["boss"]), f"/org/record/person/{org['ann'].id}.csv")
    assert status == 200  # an active report's record as before


def test_a_deactivated_person_s_xapi_statements_are_for_admins_only(
    app: Flask, org: dict[str, User]
) -> None:
    boss = client_for(app, org["boss"])
    status, body = get(boss, "/xapi/statements", email=org["dan"].email)
    assert status == 404 and org["dan"].email not in body  # before: 200 with Dan's statements
    status, _ = get(boss, "/xapi/statements", email=[org["ann"].email, org["dan"].email])
    assert status == 404
    status, body = get(boss, "/xapi/statements", email=org["ann"].email)
    assert status == 200 and org["ann"].email in body
    status, body = get(client_for(app, org["admin"]), "/xapi/statements", email=org["dan"].email)
    assert status == 200 and f"mailto:{org['dan'].email}" in body


def test_the_xapi_export_of_everyone_or_a_team_leaves_a_deactivated_person_out(
    app: Flask, org: dict[str, User], tmp_path: Path
) -> None:
    everyone = export_xapi(app, tmp_path)
    assert org["ann"].email in everyone and org["dan"].email not in everyone  # before: in
    team = export_xapi(app, tmp_path, "--manager-email", org["boss"].email)
    assert team == {org["ann"].email}  # before: Dan too
    named = export_xapi(app, tmp_path, "--email", org["dan"].email)
    assert named == {org["dan"].email}  # the command is the admins' tool: named, exported
