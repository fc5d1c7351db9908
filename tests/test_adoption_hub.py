"""The "AI at work" menu entry: one page that leads to the adoption features, and the entry stays
marked while people are in any of them (lms/adoption, lms/navigation.SECTIONS)."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask.testing import FlaskClient

from lms.people.models import User


def current_entry(html: str) -> list[str]:
    return re.findall(r'<a href="[^"]+" aria-current="page">([^<]+)</a>', html)


def test_every_link_of_the_hub_opens_and_keeps_the_entry_marked(
    make_user: Callable[..., User], logged_in: Callable[[User], FlaskClient]
) -> None:
    client = logged_in(make_user())
    hub = client.get("/ai-at-work")
    assert hub.status_code == 200
    html = hub.get_data(as_text=True)
    assert set(current_entry(html)) == {"AI at work"}
    links = re.findall(r'<a href="(/(?:tools|office-hours|use-cases|champions)[^"]*)"', html)
    assert len(links) == 8
    for link in links:
        page = client.get(link)
        assert page.status_code == 200, link
        # (a feature's own tabs may mark their entry too)
        assert "AI at work" in current_entry(page.get_data(as_text=True)), link


def test_search_is_one_click_from_every_page(
    make_user: Callable[..., User], logged_in: Callable[[User], FlaskClient]
) -> None:
    client = logged_in(make_user())
    html = client.get("/").get_data(as_text=True)
    assert 'href="/search" class="nav-search"' in html
    assert '<span class="visually-hidden">Search</span>' in html
