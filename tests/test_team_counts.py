"""Team pages run a fixed number of SQL statements whatever the team's size.

The same pages are measured for the manager of a 3-person team and the manager of a 60-person team
(a deeper tree, more history per person) in one database; the counts must be equal and stay under
the bounds below. Counted with ``count_statements`` over the whole request (session lookup and
navigation included) and, for the CSV export, over reading the whole streamed body.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from lms.people.models import User
from tests.conftest import login
from tests.test_team import Teams, teams  # noqa: F401  (the fixture)

# Statements per request (today's counts: bounds, not ranges). Of these, one loads the login
# session with the navigation's facts (has reports, unread notifications); a sub-team costs one
# more (is it inside the viewer's subtree?); the dashboard reads its stored summary (none for
# these small teams), runs its six aggregates and then its "needs attention" list (one statement),
# and counts the team's AI champions (one statement, lms.champions.service.champions_in_team).
BOUNDS = {
    "dashboard": 10,
    "dashboard direct": 10,
    "dashboard sub-team": 11,
    "people": 3,
    "people filtered and sorted": 3,
    "people sub-team page 2": 4,
    "person": 9,  # + extra attempts granted, + whether a time accommodation exists, + reminders
    "export": 2,
    "export filtered": 2,
}


def urls(people: list[int]) -> dict[str, str]:
    lead = people[0]  # leads some of the others
    return {
        "dashboard": "/team/",
        "dashboard direct": "/team/?direct=1",
        "dashboard sub-team": f"/team/?team={lead}",
        "people": "/team/people",
        "people filtered and sorted": (
            "/team/people?q=Member&function=engineering&level=2&stalled=1&sort=last_active&dir=desc"
        ),
        "people sub-team page 2": f"/team/people?team={lead}&page=2&sort=overdue&dir=desc",
        "person": f"/team/people/{lead}",
        "export": "/team/people.csv",
        "export filtered": "/team/people.csv?function=engineering&sort=overall&dir=desc",
    }


def measure(
    client: FlaskClient, count_statements: Callable[[], Any], pages: dict[str, str]
) -> dict[str, int]:
    counts = {}
    for name, url in pages.items():
        warm = client.get(url)
        assert warm.status_code == 200, (url, warm.status_code)
        warm.get_data()
        with count_statements() as counter:
            response = client.get(url)
            response.get_data()  # the export streams: count what reading it costs
        assert response.status_code == 200, url
        counts[name] = counter.count
    return counts


def client_for(app: Flask, user: User) -> FlaskClient:
    client = app.test_client()
    assert login(client, user.email).status_code == 302
    return client


def test_statement_counts_do_not_grow_with_the_team(
    app: Flask,
    teams: Teams,  # noqa: F811
    count_statements: Callable[[], Any],
) -> None:
    small = measure(client_for(app, teams.small_manager), count_statements, urls(teams.small))
    big = measure(client_for(app, teams.big_manager), count_statements, urls(teams.big))
    print("statements per request (3 people / 60 people):", small, big)
    assert small == big
    for name, count in big.items():
        assert count <= BOUNDS[name], (name, count)


def people_figure(client: FlaskClient, url: str) -> str:
    html = client.get(url).get_data(as_text=True)
    found = re.search(r'id="figure-people">(\d+)<', html)
    assert found, url
    return found.group(1)


def test_a_stored_summary_replaces_the_aggregates_with_one_read(
    app: Flask,
    teams: Teams,  # noqa: F811
    count_statements: Callable[[], Any],
) -> None:
    """Large teams' dashboards read their stored summary (lms.summaries): the six aggregates
    give way to the one read every dashboard already makes, at any size; and the live Needs
    attention list (one more aggregate) gives way to a link to the People table."""
    pages = {"dashboard": "/team/", "dashboard direct": "/team/?direct=1"}
    app.config["SUMMARY_LIVE_BELOW"] = 10**9
    live = measure(client_for(app, teams.big_manager), count_statements, pages)
    app.config["SUMMARY_LIVE_BELOW"] = 1
    small = measure(client_for(app, teams.small_manager), count_statements, pages)
    big = measure(client_for(app, teams.big_manager), count_statements, pages)
    assert small == big == {name: count - 7 for name, count in live.items()}
