"""Admin pages for people: list, search and pages; edit roles and manager; deactivate; add people
and set-password links."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from lms.extensions import db
from lms.people.admin import PAGE_SIZE
from lms.people.models import User
from tests.conftest import csrf_token, login, open_password_link, row_count, table_snapshot

PERSON_LINK = re.compile(r'href="/admin/people/(\d+)"')


@pytest.fixture
def admin(make_user: Callable[..., User]) -> User:
    return make_user(name="Ada Admin", email="ada.admin@example.com", is_admin=True)


@pytest.fixture
def admin_client(admin: User, logged_in: Callable[[User], FlaskClient]) -> FlaskClient:
    return logged_in(admin)


def listed_ids(page: str) -> list[int]:
    return [int(found) for found in PERSON_LINK.findall(page)]


def person_form(person: User, **changes: Any) -> dict[str, Any]:
    form: dict[str, Any] = {
        "name": person.name,
        "email": person.email,
        "job_function": person.job_function,
        "title": person.title,
        "manager_email": "",
        "active": "y",
    }
    for flag in ("is_author", "is_admin", "is_executive"):
        if getattr(person, flag):
            form[flag] = "y"
    form.update(changes)
    return {key: value for key, value in form.items() if value is not None}


def save(client: FlaskClient, person: User, **changes: Any) -> Any:
    token = csrf_token(client, f"/admin/people/{person.id}")
    return client.post(
        f"/admin/people/{person.id}", data={**person_form(person, **changes), "csrf_token": token}
    )


def fetch(app: Flask, user: User) -> User:
    with app.app_context():
        person = db.session.get(User, user.id)
        assert person is not None
        db.session.expunge(person)
        return person


def test_people_list_is_paginated(app: Flask, admin_client: FlaskClient) -> None:
    with app.app_context():
        db.session.add_all(
            User(email=f"bulk{n:03}@example.com", name=f"Bulk {n:03}", job_function="sales")
            for n in range(PAGE_SIZE + 10)
        )
        db.session.commit()
    total = PAGE_SIZE + 11  # and the admin

    first = admin_client.get("/admin/people").get_data(as_text=True)
    assert f"{total} people" in first
    assert "Page 1 of 2" in first and 'rel="next"' in first and 'rel="prev"' not in first
    second = admin_client.get("/admin/people?page=2").get_data(as_text=True)
    assert "Page 2 of 2" in second and 'rel="prev"' in second and 'rel="next"' not in second
    first_ids, second_ids = listed_ids(first), listed_ids(second)
    assert len(first_ids) == PAGE_SIZE and len(second_ids) == total - PAGE_SIZE
    assert not set(first_ids) & set(second_ids)
    # Out-of-range and nonsense page numbers land on a real page instead of failing.
    assert "Page 2 of 2" in admin_client.get("/admin/people?page=99").get_data(as_text=True)
    assert "Page 1 of 2" in admin_client.get("/admin/people?page=-3").get_data(as_text=True)
    assert "Page 1 of 2" in admin_client.get("/admin/people?page=abc").get_data(as_text=True)


def test_search_by_name_email_or_title_ignores_case(
    admin_client: FlaskClient, make_user: Callable[..., User]
) -> None:
    maya = make_user(name="Maya Chen", email="maya.chen@example.com", title="Engineering Manager")
    noah = make_user(name="Noah Becker", email="noah@example.com", title="Account Executive")
    make_user(name="Someone Else", title="Analyst")

    def search(query: str) -> set[int]:
        return set(listed_ids(admin_client.get("/admin/people", query_string={"q": query})
                              .get_data(as_text=True)))

    assert search("maya") == {maya.id}
    assert search("CHEN") == {maya.id}
    assert search("NOAH@EXAMPLE") == {noah.id}
    assert search("account exec") == {noah.id}
    assert search("zzz-nobody") == set()
    page = admin_client.get("/admin/people?q=maya").get_data(as_text=True)
    assert "1 person matching" in page


def test_admin_edits_roles_and_manager(
    app: Flask, admin_client: FlaskClient, make_user: Callable[..., User]
) -> None:
    boss = make_user(name="Boss", email="boss@example.com")
    person = make_user(name="Pat", title="Analyst")
    response = save(admin_client, person, is_author="y", is_executive="y",
                    manager_email="BOSS@Example.com", title="Senior Analyst",
                    job_function="finance")
    assert response.status_code == 302
    saved = fetch(app, person)
    assert (saved.is_author, saved.is_executive, saved.is_admin) == (True, True, False)
    assert saved.manager_id == boss.id
    assert saved.title == "Senior Analyst" and saved.job_function == "finance"

    # Unticking removes roles; an empty manager puts them at the top.
    assert save(admin_client, fetch(app, person), is_author=None, is_executive=None,
                manager_email="").status_code == 302
    saved = fetch(app, person)
    assert (saved.is_author, saved.is_executive, saved.manager_id) == (False, False, None)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"manager_email": "nobody@example.com"}, "No one has the email nobody@example.com"),
        ({"email": "taken@example.com"}, "already belongs to someone else"),
        ({"email": "not an email"}, "Invalid email address"),
        ({"job_function": "astrology"}, "Not a valid choice"),
        ({"name": ""}, "This field is required"),
    ],
)
def test_invalid_edits_re_render_with_a_message_and_save_nothing(
    app: Flask,
    admin_client: FlaskClient,
    make_user: Callable[..., User],
    changes: dict[str, str],
    message: str,
) -> None:
    make_user(email="taken@example.com")
    person = make_user(name="Pat")
    before = table_snapshot(app)
    response = save(admin_client, person, **changes)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert table_snapshot(app) == before


def test_deactivating_someone_ends_their_sessions_and_keeps_their_record(
    app: Flask, admin_client: FlaskClient, make_user: Callable[..., User]
) -> None:
    person = make_user(name="Leaving Soon")
    their_browser = app.test_client()
    assert login(their_browser, person.email).status_code == 302
    assert their_browser.get("/").status_code == 200

    assert save(admin_client, person, active=None).status_code == 302
    assert not fetch(app, person).active
    assert their_browser.get("/").status_code == 302
    assert login(app.test_client(), person.email).status_code == 401
    people = admin_client.get("/admin/people?q=leaving").get_data(as_text=True)
    assert "Deactivated" in people

    assert save(admin_client, fetch(app, person), active="y").status_code == 302
    assert login(app.test_client(), person.email).status_code == 302


def test_admins_cannot_deactivate_themselves_or_drop_their_own_admin_role(
    app: Flask, admin: User, admin_client: FlaskClient
) -> None:
    before = table_snapshot(app)
    for changes in ({"active": None}, {"is_admin": None}):
        response = save(admin_client, admin, **changes)
        assert response.status_code == 200
        assert "cannot remove your own admin rights" in response.get_data(as_text=True)
    assert table_snapshot(app) == before
    assert admin_client.get("/admin/people").status_code == 200


def test_unknown_person_is_404(admin_client: FlaskClient) -> None:
    assert admin_client.get("/admin/people/999999").status_code == 404


def test_admin_adds_a_person_and_creates_a_one_time_password_link(
    app: Flask, admin_client: FlaskClient
) -> None:
    count = row_count(app)
    token = csrf_token(admin_client, "/admin/people/new")
    response = admin_client.post(
        "/admin/people/new",
        data={"name": "New Starter", "email": "New.Starter@Example.com",
              "job_function": "marketing", "title": "Marketer", "is_author": "y",
              "csrf_token": token},
    )
    assert response.status_code == 302
    assert row_count(app) == count + 1
    location = response.headers["Location"]
    assert re.fullmatch(r"/admin/people/\d+", location)

    duplicate = admin_client.post(
        "/admin/people/new",
        data={"name": "Again", "email": "new.starter@example.com", "job_function": "sales",
              "csrf_token": token},
    )
    assert duplicate.status_code == 200 and "already exists" in duplicate.get_data(as_text=True)
    assert row_count(app) == count + 1

    page = admin_client.post(f"{location}/password-link", data={"csrf_token": token})
    assert page.status_code == 200
    match = re.search(r"http://localhost/set-password/([\w-]+)", page.get_data(as_text=True))
    assert match, page.get_data(as_text=True)
    link = f"/set-password/{match.group(1)}"

    starter = app.test_client()
    form_page = open_password_link(starter, match.group(1))
    form_token = csrf_token(starter, form_page)
    password = "my first password here"
    assert starter.post(form_page, data={"password": password, "confirm": password,
                                         "csrf_token": form_token}).status_code == 302
    assert starter.get(link).status_code == 404
    assert login(starter, "new.starter@example.com", password).status_code == 302


def test_search_treats_percent_and_underscore_literally(
    make_user: Callable[..., User], logged_in: Callable[[User], FlaskClient]
) -> None:
    admin = make_user(is_admin=True, name="Admin Person")
    make_user(name="Ann_Lee")
    make_user(name="Annxlee")
    client = logged_in(admin)
    page = client.get("/admin/people?q=ann_lee").get_data(as_text=True)
    assert "Ann_Lee" in page
    assert "Annxlee" not in page
    assert "No one matches" in client.get("/admin/people?q=%25%25").get_data(as_text=True)
