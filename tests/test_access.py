"""Deny by default and role checks (checklist items 2 and 3).

The URL map is walked, so views added later are covered without touching this file: a new view
is either decorated with ``@public`` (and must then be added to PUBLIC_ENDPOINTS below,
deliberately) or it requires a login.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import Rule

from lms.extensions import db
from lms.people.models import User
from tests.conftest import PASSWORD, csrf_token, example_path, login, table_snapshot

PUBLIC_ENDPOINTS = {
    "auth.login",
    "auth.set_password_with_token",
    "auth.set_password_form",
    "main.healthz",
    "static",
}
# Open Badges verification must work for anyone holding a link (docs/open-badges.md).
PUBLIC_ENDPOINTS |= {
    "openbadges.issuer",
    "openbadges.badge_class",
    "openbadges.badge_image",
    "openbadges.assertion",
    "openbadges.revocation_list",
    "openbadges.award_verification",
    "openbadges.badge_page",
    "openbadges.framework",
    "openbadges.jwks",
    "openbadges.profile_v3",
    "openbadges.achievement",
    "openbadges.course_achievement",
    "openbadges.revocations_v3",
    "openbadges.verify",
    "recognition.certificate",
    "recognition.certificate_verification",
}


def is_public(app: Flask, rule: Rule) -> bool:
    view = app.view_functions[rule.endpoint]
    return rule.endpoint == "static" or bool(getattr(view, "is_public", False))


def rules(app: Flask, method: str, *, public: bool | None = None) -> Iterator[Rule]:
    for rule in app.url_map.iter_rules():
        if method in (rule.methods or set()) and (public is None or is_public(app, rule) == public):
            yield rule


def test_the_public_endpoints_are_exactly_the_expected_ones(app: Flask) -> None:
    public = {rule.endpoint for rule in app.url_map.iter_rules() if is_public(app, rule)}
    assert public == PUBLIC_ENDPOINTS


def test_the_walk_covers_the_foundation_views(app: Flask) -> None:
    # Guards the walk itself: if iteration broke, the tests below would pass on nothing.
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert {"main.home", "auth.logout", "auth.change_password", "admin.people", "admin.person",
            "admin.import_people", "admin.password_link"} <= endpoints


def test_anonymous_get_of_every_private_view_redirects_to_login(app: Flask) -> None:
    client = app.test_client()
    checked = 0
    for rule in rules(app, "GET", public=False):
        path = example_path(rule)
        response = client.get(path)
        assert response.status_code == 302, (path, response.status_code)
        assert response.headers["Location"].startswith("/login?next="), path
        checked += 1
    assert checked >= 5


def test_anonymous_post_to_every_private_view_is_refused(app: Flask) -> None:
    client = app.test_client()
    before = table_snapshot(app)
    token = csrf_token(client, "/login")
    checked = 0
    for rule in rules(app, "POST", public=False):
        path = example_path(rule)
        without_token = client.post(path, data={"name": "x"})
        assert without_token.status_code == 400, path
        with_token = client.post(path, data={"name": "x", "csrf_token": token})
        assert with_token.status_code == 302, (path, with_token.status_code)
        assert with_token.headers["Location"].startswith("/login"), path
        checked += 1
    assert checked >= 4
    assert table_snapshot(app) == before


def test_public_views_answer_anonymous_visitors_without_a_login_redirect(app: Flask) -> None:
    client = app.test_client()
    assert client.get("/login").status_code == 200
    assert client.get("/healthz").status_code == 200
    with client.get("/static/app.css") as static:
        assert static.status_code == 200
    assert client.get("/set-password/not-a-real-token").status_code == 404


@pytest.fixture
def employee(make_user: Callable[..., User]) -> User:
    return make_user(name="Eli Employee")


@pytest.mark.parametrize(
    "roles",
    [{}, {"is_author": True}, {"is_executive": True}],
    ids=["employee", "author", "executive"],
)
def test_non_admins_get_403_on_every_admin_view(
    app: Flask,
    make_user: Callable[..., User],
    logged_in: Callable[[User], FlaskClient],
    roles: dict[str, bool],
) -> None:
    target = make_user(name="Someone Else")
    client = logged_in(make_user(**roles))
    token = csrf_token(client, "/account/password")
    before = table_snapshot(app)
    checked = 0
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/admin/"):
            continue
        path = example_path(rule, {"user_id": target.id})
        if "GET" in (rule.methods or set()):
            assert client.get(path).status_code == 403, path
        if "POST" in (rule.methods or set()):
            response = client.post(
                path, data={"csrf_token": token, "is_admin": "y", "email": "x@example.com"}
            )
            assert response.status_code == 403, path
        checked += 1
    assert checked >= 5
    assert table_snapshot(app) == before


def test_an_admin_can_reach_the_admin_views(
    make_user: Callable[..., User], logged_in: Callable[[User], FlaskClient]
) -> None:
    client = logged_in(make_user(is_admin=True))
    assert client.get("/admin/people").status_code == 200
    assert client.get("/admin/import").status_code == 200


def flags(app: Flask, user: User) -> tuple[object, ...]:
    with app.app_context():
        person = db.session.get(User, user.id)
        assert person is not None
        return (person.is_admin, person.is_author, person.is_executive, person.manager_id,
                person.active, person.email, person.name, person.job_function)


SMUGGLED = {
    "is_admin": "y",
    "is_author": "y",
    "is_executive": "y",
    "role": "admin",
    "roles": "admin",
    "manager_id": "1",
    "active": "y",
    "email_verified": "y",
    "job_function": "leadership",
    "name": "Mallory",
}


def test_extra_fields_in_a_password_change_are_ignored(
    app: Flask,
    make_user: Callable[..., User],
    logged_in: Callable[[User], FlaskClient],
    employee: User,
) -> None:
    boss = make_user(name="Boss")
    before = flags(app, employee)
    client = logged_in(employee)
    token = csrf_token(client, "/account/password")
    new_password = "a new and long passphrase"
    response = client.post(
        "/account/password",
        data={**SMUGGLED, "manager_id": str(boss.id), "current": PASSWORD,
              "password": new_password, "confirm": new_password, "csrf_token": token},
    )
    assert response.status_code == 302  # the change itself went through ...
    assert login(app.test_client(), employee.email, new_password).status_code == 302
    assert flags(app, employee) == before  # ... and nothing else changed
    assert client.get("/admin/people").status_code == 403


def test_extra_fields_at_login_are_ignored(
    app: Flask, client: FlaskClient, employee: User
) -> None:
    before = flags(app, employee)
    assert login(client, employee.email, **SMUGGLED).status_code == 302
    assert flags(app, employee) == before
    assert client.get("/admin/people").status_code == 403


def test_extra_fields_in_the_admin_person_form_are_ignored(
    app: Flask,
    make_user: Callable[..., User],
    logged_in: Callable[[User], FlaskClient],
    employee: User,
) -> None:
    client = logged_in(make_user(is_admin=True))
    token = csrf_token(client, f"/admin/people/{employee.id}")
    response = client.post(
        f"/admin/people/{employee.id}",
        data={"name": "Eli Employee", "email": employee.email, "job_function": "engineering",
              "title": "Engineer", "manager_email": "", "active": "y",
              "id": "999", "password_hash": "$argon2id$forged", "created_at": "2000-01-01",
              "csrf_token": token},
    )
    assert response.status_code == 302
    with app.app_context():
        person = db.session.get(User, employee.id)
        assert person is not None
        assert person.password_hash == employee.password_hash
        assert person.title == "Engineer"
    assert login(app.test_client(), employee.email).status_code == 302
