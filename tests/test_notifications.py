"""Notifications: the bell's unread count on every page (read with the session user), the list, and
"mark all read" (a POST with the CSRF token; reading the list changes nothing)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from lms.extensions import db
from lms.notifications.models import Notification
from lms.notifications.service import notify, unread_count
from lms.people.models import User
from tests.conftest import csrf_token, table_snapshot


def send(app: Flask, person: User, text: str, url: str = "", kind: str = "badge-earned") -> None:
    with app.app_context():
        notify(db.session, person.id, kind, text, url)
        db.session.commit()
        db.session.remove()


def unread(app: Flask, person: User) -> int:
    with app.app_context():
        count = unread_count(db.session, person.id)
        db.session.remove()
    return count


def test_the_bell_shows_the_unread_count_on_every_page(
    app: Flask, make_user: Callable[..., User], logged_in: Callable[[User], FlaskClient]
) -> None:
    person = make_user()
    client = logged_in(person)
    home = client.get("/").get_data(as_text=True)
    assert 'href="/notifications"' in home and "bell-count" not in home
    send(app, person, "You earned the badge Careful checker", "/badges/awards/abc")
    send(app, person, "You earned the badge AI foundations", "/badges/awards/def")
    for url in ("/", "/courses", "/notifications", "/account/password"):
        html = client.get(url).get_data(as_text=True)
        assert '<span class="bell-count">2</span>' in html, url
        assert "Notifications</span>" in html and "unread</span>" in html


def test_the_list_shows_my_notifications_newest_first_and_reading_it_changes_nothing(
    app: Flask, make_user: Callable[..., User], logged_in: Callable[[User], FlaskClient]
) -> None:
    person, other = make_user(), make_user()
    send(app, person, "First news", "/badges/awards/one")
    send(app, person, "Second news", "/badges/awards/two")
    send(app, other, "Someone else's news")
    client = logged_in(person)
    before = table_snapshot(app)
    html = client.get("/notifications").get_data(as_text=True)
    assert table_snapshot(app) == before
    assert html.index("Second news") < html.index("First news")
    assert '<a href="/badges/awards/one">First news</a>' in html
    assert "Someone else" not in html
    assert html.count("is-unread") == 2 and "2 unread" in html


def test_mark_all_read_needs_the_csrf_token_and_touches_only_my_notifications(
    app: Flask, make_user: Callable[..., User], logged_in: Callable[[User], FlaskClient]
) -> None:
    person, other = make_user(), make_user()
    send(app, person, "Mine")
    send(app, other, "Theirs")
    client = logged_in(person)
    assert client.post("/notifications/read").status_code == 400
    assert unread(app, person) == 1
    token = csrf_token(client, "/notifications")
    response = client.post("/notifications/read", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"] == "/notifications"
    assert unread(app, person) == 0 and unread(app, other) == 1
    html = client.get("/notifications").get_data(as_text=True)
    assert "bell-count" not in html and "All read" in html and "is-unread" not in html
    assert "Mine" in html  # read notifications stay listed
    with app.app_context():
        row = db.session.scalar(select(Notification).where(Notification.user_id == person.id))
        assert row is not None and row.read_at is not None
        db.session.remove()


def test_the_count_costs_no_statement_of_its_own(
    app: Flask,
    make_user: Callable[..., User],
    logged_in: Callable[[User], FlaskClient],
    count_statements: Callable[[], Any],
) -> None:
    person = make_user()
    for number in range(3):
        send(app, person, f"News {number}")
    client = logged_in(person)
    client.get("/notifications")  # warm up
    for url in ("/", "/notifications"):
        with count_statements() as counter:
            html = client.get(url).get_data(as_text=True)
        counts = [s for s in counter.statements if "count(notifications.id)" in s.lower()]
        # Counted once, inside the session lookup (a subquery of the user loader's statement).
        assert len(counts) == 1 and "auth_sessions" in counts[0], (url, counter.statements)
        assert '<span class="bell-count">3</span>' in html, url


def test_large_counts_and_unsafe_links_are_shown_safely(
    app: Flask, make_user: Callable[..., User], logged_in: Callable[[User], FlaskClient]
) -> None:
    person = make_user()
    with app.app_context():
        for number in range(101):
            notify(db.session, person.id, "kudos", f"Kudos {number}")
        notify(db.session, person.id, "kudos", "<script>alert(1)</script>", "javascript:alert(1)")
        notify(db.session, person.id, "kudos", "Elsewhere", "//evil.example/")
        db.session.commit()
        db.session.remove()
    html = logged_in(person).get("/notifications").get_data(as_text=True)
    assert '<span class="bell-count">99+</span>' in html
    assert "<script>alert(1)" not in html and "&lt;script&gt;" in html
    assert 'href="javascript:' not in html and 'href="//evil.example/' not in html


def test_visitors_are_sent_to_log_in(app: Flask) -> None:
    client = app.test_client()
    response = client.get("/notifications")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert "bell" not in client.get("/login").get_data(as_text=True)
