"""Admin badge pages: only admins (403 for everyone else), the awards list, revoking with a
reason (CSRF-protected; the award stays as a revoked record)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from lms.extensions import db
from lms.literacy.models import OVERALL, LiteracyLevel
from lms.people.models import User
from lms.recognition.models import BadgeAward
from tests.badge_helpers import awarded, evaluate_now, notifications_of, publish_badge
from tests.conftest import csrf_token, table_snapshot


@pytest.fixture
def award_id(app: Flask, tmp_path: Path, make_user: Callable[..., User]) -> int:
    """Olga earned the "All-round" badge (overall level 2)."""
    publish_badge(
        app, tmp_path, "all-round", {"type": "overall-level-at-least", "level": 2}, name="All-round"
    )
    publish_badge(app, tmp_path, "first-look", {"type": "baseline-done"}, name="First look")
    person = make_user(name="Olga Learner", email="olga@example.com")
    with app.app_context():
        db.session.add(
            LiteracyLevel(user_id=person.id, competency=OVERALL, level=2, score=0.6, evidence=5)
        )
        db.session.commit()
        db.session.remove()
    assert evaluate_now(app, person.id) == ["all-round"]
    with app.app_context():
        found: int | None = db.session.scalar(select(BadgeAward.id))
        db.session.remove()
    assert found is not None
    return found


def olga(app: Flask) -> int:
    with app.app_context():
        found = db.session.scalar(select(User.id).where(User.email == "olga@example.com"))
        db.session.remove()
    assert found is not None
    return found


@pytest.mark.parametrize(
    "roles", [{}, {"is_author": True}, {"is_executive": True}], ids=["employee", "author", "exec"]
)
def test_everyone_but_admins_gets_403(
    app: Flask,
    award_id: int,
    make_user: Callable[..., User],
    logged_in: Callable[[User], FlaskClient],
    roles: dict[str, bool],
) -> None:
    client = logged_in(make_user(**roles))
    token = csrf_token(client, "/account/password")
    before = table_snapshot(app)
    assert client.get("/admin/badges").status_code == 403
    assert client.get("/admin/badges/all-round.png").status_code == 403
    response = client.post(
        f"/admin/badges/awards/{award_id}/revoke", data={"csrf_token": token, "reason": "x"}
    )
    assert response.status_code == 403
    assert table_snapshot(app) == before


def test_admins_see_badges_and_awards(
    app: Flask,
    award_id: int,
    make_user: Callable[..., User],
    logged_in: Callable[[User], FlaskClient],
) -> None:
    client = logged_in(make_user(is_admin=True))
    assert 'href="/admin/badges"' in client.get("/admin/people").get_data(as_text=True)
    html = client.get("/admin/badges").get_data(as_text=True)
    assert "All-round" in html and "First look" in html
    assert "Reach overall level 2 (Practising)" in html and "Take the baseline assessment" in html
    assert "Olga Learner" in html and "olga@example.com" in html
    assert f'action="/admin/badges/awards/{award_id}/revoke"' in html
    assert 'name="csrf_token"' in html and 'name="reason" required' in html
    image = client.get("/admin/badges/all-round.png")
    assert image.status_code == 200 and image.mimetype == "image/png"
    assert image.data.startswith(b"\x89PNG")
    assert client.get("/admin/badges/nothing.png").status_code == 404

    assert "Olga" not in client.get("/admin/badges?q=nobody").get_data(as_text=True)
    assert "Olga" in client.get("/admin/badges?q=OLGA@").get_data(as_text=True)
    assert "Olga" not in client.get("/admin/badges?badge=first-look").get_data(as_text=True)
    assert "0 awards" in client.get("/admin/badges?badge=first-look").get_data(as_text=True)


def test_revoking_needs_csrf_and_a_reason_and_keeps_the_record(
    app: Flask,
    award_id: int,
    make_user: Callable[..., User],
    logged_in: Callable[[User], FlaskClient],
) -> None:
    admin = make_user(is_admin=True, name="Ada Admin")
    client = logged_in(admin)
    url = f"/admin/badges/awards/{award_id}/revoke"
    before = table_snapshot(app)
    assert client.post(url, data={"reason": "no token"}).status_code == 400
    token = csrf_token(client, "/admin/badges")
    blank = client.post(url, data={"csrf_token": token, "reason": "   "})
    assert blank.status_code == 302
    assert "Give a reason" in client.get(blank.headers["Location"]).get_data(as_text=True)
    assert table_snapshot(app) == before

    done = client.post(
        url,
        data={"csrf_token": token, "reason": "Level came from a shared account", "next": "/x"},
    )
    assert done.status_code == 302 and done.headers["Location"] == "/admin/badges"
    html = client.get("/admin/badges").get_data(as_text=True)
    assert "Revoked All-round from Olga Learner." in html
    assert re.search(r"<strong>Revoked</strong> \d\d \w+ \d{4} by Ada Admin", html)
    assert "Level came from a shared account" in html
    assert f'action="{url}"' not in html  # no second revoke form

    person = olga(app)
    assert awarded(app, person) == []
    assert awarded(app, person, live_only=False) == ["all-round"]
    with app.app_context():
        award = db.session.get(BadgeAward, award_id)
        assert award is not None and award.revoked_by_id == admin.id
        db.session.remove()
    assert notifications_of(app, person)[-1][0] == "badge-revoked"

    again = client.post(url, data={"csrf_token": token, "reason": "twice"})
    assert "already been revoked" in client.get(again.headers["Location"]).get_data(as_text=True)
    assert (
        client.post(
            "/admin/badges/awards/999999/revoke", data={"csrf_token": token, "reason": "x"}
        ).status_code
        == 404
    )
