"""AI champions: volunteering (consent to be listed), the programme owners' decision, the
listing by function, stepping down, the public ``is_champion`` check, the champion badge and the
team dashboard's count (one statement whatever the team's size)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from lms.champions.models import Champion
from lms.champions.service import champions_in_team, is_champion
from lms.extensions import db
from lms.notifications.models import Notification
from lms.people.models import User
from tests.badge_helpers import awarded, publish_badge
from tests.conftest import table_snapshot
from tests.learn_helpers import client_for, page, post

OFFER: dict[str, str] = {
    "job_function": "sales",
    "scope": "function",
    "why": "I prepare every call with AI.",
    "helps_with": "Account briefs and call preparation.",
    "consent": "y",
}


@pytest.fixture
def owner(app: Flask, make_user: Callable[..., User]) -> FlaskClient:
    return client_for(app, make_user(name="Olga Owner", is_admin=True))


def offer_id(app: Flask, user: User) -> int:
    with app.app_context():
        found = db.session.scalar(select(Champion.id).where(Champion.user_id == user.id))
        db.session.remove()
    assert found is not None
    return found


def decide(client: FlaskClient, champion_id: int, status: str, note: str = "") -> Any:
    prefix = f"c{champion_id}-"
    return post(
        client,
        f"/champions/{champion_id}/decide",
        {f"{prefix}status": status, f"{prefix}note": note, f"{prefix}csrf_token": token(client)},
    )


def token(client: FlaskClient) -> str:
    from tests.learn_helpers import token as page_token

    return page_token(client)


def champion_check(app: Flask, user: User) -> bool:
    with app.app_context():
        result = is_champion(db.session, user.id)
        db.session.remove()
    return result


def test_volunteering_needs_consent_and_valid_answers(
    app: Flask, make_user: Callable[..., User]
) -> None:
    person = make_user(name="Ben Seller", job_function="sales")
    client = client_for(app, person)
    text = page(client, "/champions/volunteer")
    assert "Champions are listed by name." in text
    before = table_snapshot(app)
    for changes in ({"consent": ""}, {"why": ""}, {"helps_with": "x" * 501}, {"scope": "x"}):
        response = post(client, "/champions/volunteer", {**OFFER, **changes})
        assert response.status_code == 400, changes
    assert table_snapshot(app) == before
    assert post(client, "/champions/volunteer", OFFER).status_code == 302
    assert "Waiting for the AI programme team" in page(client, "/champions/volunteer")
    assert not champion_check(app, person)
    assert "Ben Seller" not in page(client_for(app, make_user()), "/champions")


def test_programme_owners_confirm_and_the_champion_is_listed_and_recognised(
    app: Flask, tmp_path: Path, owner: FlaskClient, make_user: Callable[..., User]
) -> None:
    publish_badge(app, tmp_path, "ai-champion", {"type": "champion"})
    person = make_user(name="Ben Seller", job_function="sales")
    post(client_for(app, person), "/champions/volunteer", OFFER)
    champion_id = offer_id(app, person)
    colleague = client_for(app, make_user())
    assert colleague.get("/champions/manage").status_code == 403
    assert decide(colleague, champion_id, "confirmed").status_code == 403
    assert not champion_check(app, person)

    assert "Ben Seller" in page(owner, "/champions/manage")
    assert decide(owner, champion_id, "confirmed").status_code == 302
    assert champion_check(app, person)
    listing = page(colleague, "/champions")
    assert "Sales" in listing and "Ben Seller" in listing
    assert "Account briefs and call preparation." in listing
    assert awarded(app, person.id) == ["ai-champion"]
    with app.app_context():
        told = list(
            db.session.scalars(select(Notification.text).where(Notification.user_id == person.id))
        )
        db.session.remove()
    assert any("You are now an AI champion" in text for text in told)
    # Confirmed champions review use cases.
    assert client_for(app, person).get("/use-cases/review").status_code == 200

    # Stepping down: no longer listed, no longer a champion.
    assert post(client_for(app, person), "/champions/step-down").status_code == 302
    assert not champion_check(app, person)
    assert "Ben Seller" not in page(colleague, "/champions")
    assert client_for(app, person).get("/use-cases/review").status_code == 403


def test_a_decline_needs_a_reason_the_person_reads(
    app: Flask, owner: FlaskClient, make_user: Callable[..., User]
) -> None:
    person = make_user(name="Ben Seller")
    client = client_for(app, person)
    post(client, "/champions/volunteer", OFFER)
    champion_id = offer_id(app, person)
    assert decide(owner, champion_id, "declined").status_code == 400
    assert (
        decide(owner, champion_id, "declined", "We have two in Sales already.").status_code == 302
    )
    text = page(client, "/champions/volunteer")
    assert "Not taken up" in text and "We have two in Sales already." in text
    # Volunteering again makes it a new offer.
    assert post(client, "/champions/volunteer", OFFER).status_code == 302
    assert "Waiting for the AI programme team" in page(client, "/champions/volunteer")
    assert decide(owner, 10**6, "confirmed").status_code == 404


def test_is_champion_ignores_deactivated_people(
    app: Flask, owner: FlaskClient, make_user: Callable[..., User]
) -> None:
    person = make_user()
    post(client_for(app, person), "/champions/volunteer", OFFER)
    decide(owner, offer_id(app, person), "confirmed")
    assert champion_check(app, person)
    with app.app_context():
        found = db.session.get(User, person.id)
        assert found is not None
        found.active = False
        db.session.commit()
        db.session.remove()
    assert not champion_check(app, person)


def test_team_count_walks_up_from_the_champions(
    app: Flask, owner: FlaskClient, make_user: Callable[..., User]
) -> None:
    boss = make_user(name="Boss")
    lead = make_user(name="Lead", manager=boss)
    direct = make_user(manager=boss)
    deep = make_user(manager=lead)
    outsider = make_user()
    for person in (direct, deep, outsider):
        post(client_for(app, person), "/champions/volunteer", OFFER)
        decide(owner, offer_id(app, person), "confirmed")
    with app.app_context():
        counts = (
            champions_in_team(db.session, boss.id, False),
            champions_in_team(db.session, boss.id, True),
            champions_in_team(db.session, lead.id, False),
            champions_in_team(db.session, deep.id, False),
        )
        db.session.remove()
    assert counts == (2, 1, 1, 0)
    text = page(client_for(app, boss), "/team/")
    assert 'id="figure-champions">2<' in text


def test_pages_run_a_fixed_number_of_statements(
    app: Flask,
    owner: FlaskClient,
    make_user: Callable[..., User],
    count_statements: Callable[[], Any],
) -> None:
    pages = ["/champions", "/champions/volunteer", "/champions/manage"]

    def measure() -> list[int]:
        counts = []
        for url in pages:
            assert owner.get(url).status_code == 200
            with count_statements() as counter:
                owner.get(url)
            counts.append(counter.count)
        return counts

    first = make_user()
    post(client_for(app, first), "/champions/volunteer", OFFER)
    decide(owner, offer_id(app, first), "confirmed")
    small = measure()
    for number in range(8):
        person = make_user(job_function="finance" if number % 2 else "sales")
        post(client_for(app, person), "/champions/volunteer", OFFER)
        if number % 3:
            decide(owner, offer_id(app, person), "confirmed")
    assert measure() == small
    assert max(small) <= 5, small
