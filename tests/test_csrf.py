"""CSRF on every state-changing request, and no state change on GET (checklist item 9).

Both tests walk the URL map, so views added later are covered too.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient

from lms.people.models import User
from tests.conftest import csrf_token, example_path, login, password_link_token, table_snapshot

# Stateless and public on purpose: verifiers anywhere post credentials to it (docs/open-badges.md);
# it changes nothing, which the table snapshot below still checks.
CSRF_EXEMPT = {"openbadges.verify"}


def post_rules(app: Flask) -> list[str]:
    return [rule.endpoint for rule in app.url_map.iter_rules() if "POST" in (rule.methods or ())]


def test_every_post_without_a_valid_csrf_token_gets_400_and_changes_nothing(
    app: Flask, make_user: Callable[..., User], logged_in: Callable[[User], FlaskClient]
) -> None:
    admin = make_user(is_admin=True)
    other = make_user(name="Other Person")
    set_password_token = password_link_token(app, other)
    client = logged_in(admin)
    stranger = app.test_client()
    foreign_token = csrf_token(stranger, "/login")  # valid, but for another session
    values = {"user_id": other.id, "token": set_password_token}
    form = {"email": other.email, "name": "Changed", "job_function": "sales", "active": "",
            "is_admin": "y", "password": "p" * 20, "confirm": "p" * 20}
    before = table_snapshot(app)
    checked = set()
    for rule in app.url_map.iter_rules():
        if "POST" not in (rule.methods or ()):
            continue
        path = example_path(rule, values)
        for label, extra in [("none", {}), ("foreign", {"csrf_token": foreign_token}),
                             ("garbage", {"csrf_token": "not-a-token"})]:
            response = client.post(path, data={**form, **extra})
            assert response.status_code == 400, (path, label, response.status_code)
            if rule.endpoint not in CSRF_EXEMPT:
                assert "The form expired" in response.get_data(as_text=True)
        checked.add(rule.endpoint)
    assert checked == set(post_rules(app))
    assert {"auth.login", "auth.logout", "admin.person", "admin.import_people"} <= checked
    assert table_snapshot(app) == before
    assert client.get("/admin/people").status_code == 200  # still logged in: logout was refused


def test_no_get_changes_the_database(
    app: Flask, make_user: Callable[..., User], logged_in: Callable[[User], FlaskClient]
) -> None:
    admin = make_user(is_admin=True)
    manager = make_user(name="Manager")
    report = make_user(name="Report", manager=manager)
    set_password_token = password_link_token(app, report)
    values = {"user_id": report.id, "token": set_password_token}
    clients = {
        "admin": logged_in(admin),
        "manager": app.test_client(),
        "anonymous": app.test_client(),
    }
    assert login(clients["manager"], manager.email).status_code == 302
    before = table_snapshot(app)
    answered = 0
    for who, client in clients.items():
        for rule in app.url_map.iter_rules():
            if "GET" not in (rule.methods or ()):
                continue
            path = example_path(rule, values)
            with client.get(path) as response:
                assert response.status_code < 500, (who, path, response.status_code)
                answered += response.status_code == 200
            # HEAD and OPTIONS are as safe as GET.
            client.head(path).close()
            client.options(path).close()
    assert answered >= 6
    assert table_snapshot(app) == before
    # Visiting the set-password link did not use it up.
    with app.test_client().get(f"/set-password/{set_password_token}") as page:
        assert page.status_code == 303
