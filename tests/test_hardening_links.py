"""Set-password links are single use, even under concurrent requests, and die when a newer link is
issued, the password is set or changed, or the person is deactivated (issue 17, item 2; checklist
item 20). The token leaves the URL at once, so it is in no Referer, form action or history entry.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from lms.extensions import db
from lms.people.models import PasswordToken, User, utcnow
from lms.people.services import set_password_with_link, token_digest, verify_password
from tests.conftest import (
    PASSWORD,
    csrf_token,
    login,
    open_password_link,
    password_link_token,
)

FORM_PAGE = "/set-password"


def use_link(client: FlaskClient, token: str, password: str) -> int:
    """Open the link and set ``password`` with it, as a person does; the final status code."""
    opened = client.get(f"/set-password/{token}")
    if opened.status_code != 303:
        return opened.status_code
    form_token = csrf_token(client, FORM_PAGE)
    response = client.post(
        FORM_PAGE, data={"password": password, "confirm": password, "csrf_token": form_token}
    )
    return response.status_code


def link_works(app: Flask, token: str) -> bool:
    return app.test_client().get(f"/set-password/{token}").status_code == 303


def change_password(client: FlaskClient, current: str, new: str) -> int:
    form_token = csrf_token(client, "/account/password")
    response = client.post(
        "/account/password",
        data={"current": current, "password": new, "confirm": new, "csrf_token": form_token},
    )
    return response.status_code


def add_open_link(app: Flask, user: User) -> str:
    """An open link written straight to the table, as one issued before this release (when
    issuing did not void the others) would be."""
    token = f"legacy-{user.id}-{utcnow().timestamp()}"
    with app.app_context():
        db.session.add(
            PasswordToken(
                user_id=user.id,
                token_hash=token_digest(token),
                expires_at=utcnow() + timedelta(hours=72),
            )
        )
        db.session.commit()
        db.session.remove()
    return token


def set_active(app: Flask, admin: FlaskClient, user: User, active: bool) -> None:
    page = f"/admin/people/{user.id}"
    form_token = csrf_token(admin, page)
    data = {"name": user.name, "email": user.email, "job_function": user.job_function,
            "title": user.title, "csrf_token": form_token}
    if active:
        data["active"] = "y"
    assert admin.post(page, data=data).status_code == 302


# --- the reproduction ------------------------------------------------------------------


def test_an_older_link_dies_when_a_newer_one_is_issued(
    app: Flask, make_user: Callable[..., User]
) -> None:
    user = make_user()
    first = password_link_token(app, user)
    assert link_works(app, first)
    second = password_link_token(app, user)
    assert not link_works(app, first)
    assert link_works(app, second)

    # The scenario: the person uses T2 and later changes the password; T1 stays dead.
    assert use_link(app.test_client(), second, "set with the second link") == 302
    browser = app.test_client()
    assert login(browser, user.email, "set with the second link").status_code == 302
    assert change_password(browser, "set with the second link", "changed later on") == 302
    assert use_link(app.test_client(), first, "the attacker's choice!!") == 404
    assert login(app.test_client(), user.email, "changed later on").status_code == 302
    assert login(app.test_client(), user.email, "the attacker's choice!!").status_code == 401


def test_setting_a_password_with_one_link_voids_every_other_open_link(
    app: Flask, make_user: Callable[..., User]
) -> None:
    user = make_user(password_hash=None)
    older = add_open_link(app, user)
    newer = add_open_link(app, user)
    assert link_works(app, older) and link_works(app, newer)

    assert use_link(app.test_client(), newer, "my chosen password") == 302
    assert not link_works(app, older)
    assert use_link(app.test_client(), older, "the attacker's choice!!") == 404
    assert login(app.test_client(), user.email, "my chosen password").status_code == 302


def test_changing_the_password_voids_every_open_link(
    app: Flask, make_user: Callable[..., User], logged_in: Callable[[User], FlaskClient]
) -> None:
    user = make_user()
    token = password_link_token(app, user)
    legacy = add_open_link(app, user)
    client = logged_in(user)
    assert change_password(client, PASSWORD, "a brand new passphrase") == 302
    assert not link_works(app, token) and not link_works(app, legacy)


def test_deactivation_voids_every_open_link_for_good(
    app: Flask, make_user: Callable[..., User], logged_in: Callable[[User], FlaskClient]
) -> None:
    admin = make_user(is_admin=True)
    user = make_user()
    token = password_link_token(app, user)
    admin_client = logged_in(admin)
    set_active(app, admin_client, user, active=False)
    assert not link_works(app, token)
    set_active(app, admin_client, user, active=True)
    assert not link_works(app, token)  # reactivating does not bring an old link back
    assert use_link(app.test_client(), token, "the attacker's choice!!") == 404


def test_an_expired_link_does_not_work(app: Flask, make_user: Callable[..., User]) -> None:
    user = make_user()
    token = password_link_token(app, user)
    client = app.test_client()
    assert client.get(f"/set-password/{token}").status_code == 303  # opened in time
    with app.app_context():
        record = db.session.scalar(
            select(PasswordToken).where(PasswordToken.token_hash == token_digest(token))
        )
        assert record is not None
        record.expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
        db.session.remove()
    assert client.get(FORM_PAGE).status_code == 404
    assert use_link(app.test_client(), token, "too late for this one") == 404


# --- exactly once under concurrency ------------------------------------------------------------


def run_together(count: int, work: Callable[[int], int]) -> list[int]:
    """``work(i)`` in ``count`` threads released at the same moment; their results."""
    barrier = threading.Barrier(count)
    results = [0] * count
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = work(index)
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return results


def test_six_parallel_posts_with_one_link_set_the_password_once(
    app: Flask, make_user: Callable[..., User]
) -> None:
    user = make_user(password_hash=None)
    token = password_link_token(app, user)
    browsers = [app.test_client() for _ in range(6)]
    form_tokens = []
    for browser in browsers:  # every browser has the form open, as after sharing the link
        assert open_password_link(browser, token) == FORM_PAGE
        form_tokens.append(csrf_token(browser, FORM_PAGE))
    passwords = [f"parallel password number {i}" for i in range(6)]

    def post(index: int) -> int:
        response = browsers[index].post(
            FORM_PAGE,
            data={"password": passwords[index], "confirm": passwords[index],
                  "csrf_token": form_tokens[index]},
        )
        return response.status_code

    statuses = run_together(6, post)
    assert sorted(statuses) == [302, 404, 404, 404, 404, 404], statuses
    winner = passwords[statuses.index(302)]
    assert login(app.test_client(), user.email, winner).status_code == 302
    with app.app_context():
        person = db.session.get(User, user.id)
        assert [verify_password(person, password) for password in passwords].count(True) == 1
        db.session.remove()


def test_the_claim_is_atomic_in_the_service_too(app: Flask, make_user: Callable[..., User]) -> None:
    # Ten sessions on their own connections race for one link, without HTTP in between.
    user = make_user(password_hash=None)
    digest = token_digest(password_link_token(app, user))

    def claim(index: int) -> int:
        with app.app_context():
            try:
                won = set_password_with_link(db.session, digest, f"racing password {index}")
                db.session.commit()
                return 1 if won is not None else 0
            finally:
                db.session.remove()

    assert sum(run_together(10, claim)) == 1


# --- the token leaves the URL ------------------------------------------------------------------


def test_the_token_moves_out_of_the_url_at_once(
    app: Flask, make_user: Callable[..., User]
) -> None:
    user = make_user(password_hash=None)
    token = password_link_token(app, user)
    browser = app.test_client()
    landing = browser.get(f"/set-password/{token}")
    assert landing.status_code == 303
    assert landing.headers["Location"] == FORM_PAGE and token not in landing.headers["Location"]
    form = browser.get(FORM_PAGE)
    page = form.get_data(as_text=True)
    assert form.status_code == 200 and f"Hello {user.name}" in page
    assert token not in page  # not in the form's action, nor anywhere a Referer could carry it
    cookie = browser.get_cookie("session")
    assert cookie is not None
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    assert serializer.loads(cookie.value)["password_link"] == token_digest(token)  # not the token

    # Another browser, without having opened the link, has nothing to post to.
    assert app.test_client().get(FORM_PAGE).status_code == 404
    assert use_link(browser, token, "my chosen password") == 302
    assert browser.get(FORM_PAGE).status_code == 404  # used: the session forgets it too
