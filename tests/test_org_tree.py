"""The org tree: subtrees, membership and cycle prevention, on a four-level organisation."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from lms.extensions import db
from lms.people.models import User
from lms.people.org import (
    is_in_subtree,
    is_manager,
    outside_subtree,
    subtree_ids,
    would_create_cycle,
)
from tests.conftest import csrf_token, table_snapshot

Org = dict[str, User]


@pytest.fixture
def org(make_user: Callable[..., User]) -> Org:
    """ceo > (vp_eng > (mgr_a > dev1, dev2; mgr_b > dev3); vp_sales > rep); loner stands apart."""
    people: Org = {}
    people["ceo"] = make_user(name="CEO", job_function="leadership")
    people["vp_eng"] = make_user(name="VP Eng", manager=people["ceo"])
    people["vp_sales"] = make_user(name="VP Sales", manager=people["ceo"])
    people["mgr_a"] = make_user(name="Manager A", manager=people["vp_eng"])
    people["mgr_b"] = make_user(name="Manager B", manager=people["vp_eng"])
    people["dev1"] = make_user(name="Dev 1", manager=people["mgr_a"])
    people["dev2"] = make_user(name="Dev 2", manager=people["mgr_a"])
    people["dev3"] = make_user(name="Dev 3", manager=people["mgr_b"])
    people["rep"] = make_user(name="Rep", manager=people["vp_sales"])
    people["loner"] = make_user(name="Loner")
    return people


@pytest.fixture
def context(app: Flask) -> Iterator[None]:
    with app.app_context():
        yield
        db.session.remove()


def ids(org: Org, *names: str) -> set[int]:
    return {org[name].id for name in names}


@pytest.mark.usefixtures("context")
def test_subtree_ids_at_every_level(org: Org) -> None:
    everyone_but_ceo = ids(org, "vp_eng", "vp_sales", "mgr_a", "mgr_b", "dev1", "dev2", "dev3",
                           "rep")
    assert subtree_ids(db.session, org["ceo"].id) == everyone_but_ceo
    assert subtree_ids(db.session, org["vp_eng"].id) == ids(
        org, "mgr_a", "mgr_b", "dev1", "dev2", "dev3"
    )
    assert subtree_ids(db.session, org["mgr_a"].id) == ids(org, "dev1", "dev2")
    assert subtree_ids(db.session, org["dev1"].id) == set()
    assert subtree_ids(db.session, org["loner"].id) == set()
    assert subtree_ids(db.session, org["mgr_b"].id, include_self=True) == ids(org, "mgr_b", "dev3")


@pytest.mark.usefixtures("context")
def test_is_in_subtree_follows_the_whole_chain_and_only_downwards(org: Org) -> None:
    assert is_in_subtree(db.session, org["ceo"].id, org["dev3"].id)  # three levels down
    assert is_in_subtree(db.session, org["vp_eng"].id, org["dev1"].id)
    assert is_in_subtree(db.session, org["mgr_a"].id, org["dev2"].id)
    assert not is_in_subtree(db.session, org["dev2"].id, org["mgr_a"].id)  # upwards
    assert not is_in_subtree(db.session, org["mgr_a"].id, org["dev3"].id)  # a sibling's team
    assert not is_in_subtree(db.session, org["vp_sales"].id, org["dev1"].id)
    assert not is_in_subtree(db.session, org["mgr_a"].id, org["mgr_a"].id)  # not oneself
    assert not is_in_subtree(db.session, org["ceo"].id, org["loner"].id)


@pytest.mark.usefixtures("context")
def test_outside_subtree_names_everyone_not_below_in_one_query(org: Org) -> None:
    asked = [org[name].id for name in ("dev1", "dev3", "mgr_a", "rep", "loner", "vp_eng")]
    assert outside_subtree(db.session, org["vp_eng"].id, asked) == [
        org["rep"].id,
        org["loner"].id,
        org["vp_eng"].id,  # not oneself
    ]
    assert outside_subtree(db.session, org["ceo"].id, asked) == [org["loner"].id]
    assert outside_subtree(db.session, org["mgr_a"].id, []) == []


@pytest.mark.usefixtures("context")
def test_is_manager_means_having_reports(org: Org) -> None:
    assert is_manager(db.session, org["mgr_b"].id)
    assert is_manager(db.session, org["ceo"].id)
    assert not is_manager(db.session, org["dev3"].id)
    assert not is_manager(db.session, org["loner"].id)


@pytest.mark.usefixtures("context")
def test_would_create_cycle(org: Org) -> None:
    assert would_create_cycle(db.session, org["ceo"].id, org["dev1"].id)  # 4 levels up the loop
    assert would_create_cycle(db.session, org["vp_eng"].id, org["mgr_b"].id)
    assert would_create_cycle(db.session, org["dev1"].id, org["dev1"].id)  # oneself
    assert not would_create_cycle(db.session, org["dev1"].id, org["mgr_b"].id)  # a move
    assert not would_create_cycle(db.session, org["mgr_a"].id, org["vp_sales"].id)
    assert not would_create_cycle(db.session, org["ceo"].id, org["loner"].id)
    assert not would_create_cycle(db.session, org["dev1"].id, None)


def post_person(client: FlaskClient, person: User, manager_email: str) -> tuple[int, str]:
    token = csrf_token(client, f"/admin/people/{person.id}")
    response = client.post(
        f"/admin/people/{person.id}",
        data={"name": person.name, "email": person.email, "job_function": person.job_function,
              "title": "", "manager_email": manager_email, "active": "y",
              "csrf_token": token},
    )
    return response.status_code, response.get_data(as_text=True)


def test_admin_cannot_set_a_manager_that_makes_a_loop(
    app: Flask,
    org: Org,
    make_user: Callable[..., User],
    logged_in: Callable[[User], FlaskClient],
) -> None:
    client = logged_in(make_user(is_admin=True))
    before = table_snapshot(app)

    status, page = post_person(client, org["ceo"], org["dev3"].email)
    assert status == 200
    assert "that would make a loop" in page
    assert 'role="alert"' in page

    status, page = post_person(client, org["mgr_a"], org["mgr_a"].email)
    assert status == 200
    assert "that would make a loop" in page
    assert table_snapshot(app) == before

    # A legal move goes through, so the refusals above are about the loop.
    status, _ = post_person(client, org["dev1"], org["mgr_b"].email)
    assert status == 302
    with app.app_context():
        assert subtree_ids(db.session, org["mgr_b"].id) == ids(org, "dev1", "dev3")
