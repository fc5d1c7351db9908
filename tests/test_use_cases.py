"""The use-case library: sharing and review through every status (the author sees the status and
the reviewer's words), publication, "I tried this" once per person (also under a double POST),
reporting and removal, who may see what (404s), sanitized text, search (published only), badges,
related cases on a module page, xAPI verbs, and fixed statement counts."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from lms.activity.models import VERBS, ActivityEvent
from lms.activity.service import to_xapi
from lms.champions.models import CONFIRMED, Champion
from lms.extensions import db
from lms.notifications.models import Notification
from lms.people.models import User
from lms.search.query import search
from lms.usecases.models import UseCase, UseCaseTry
from tests.badge_helpers import awarded, publish_badge
from tests.conftest import table_snapshot
from tests.learn_helpers import (
    CourseSpec,
    ModuleSpec,
    client_for,
    enrol,
    page,
    post,
    publish_spec,
)

CASE: dict[str, Any] = {
    "title": "Account brief before a call",
    "task": "A one-page brief on a **prospect** before the first call.",
    "tool": "other",
    "other_tool": "Free research assistant",
    "steps": "Paste the public website text and ask for a brief.",
    "checks": "Every fact has a source.",
    "risks": "",
    "minutes_saved": "45",
    "job_function": "sales",
    "areas": ["directing", "context"],
}


def share(client: FlaskClient, submit: bool = True, **changes: Any) -> int:
    button = {"submit": "Send for review"} if submit else {"save": "Save as draft"}
    response = post(client, "/use-cases/new", {**CASE, **button, **changes})
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return int(response.headers["Location"].rsplit("/", 1)[1])


def decide(client: FlaskClient, case_id: int, decision: str, note: str = "") -> Any:
    return post(client, f"/use-cases/{case_id}/review", {"decision": decision, "note": note})


def status_of(app: Flask, case_id: int) -> str:
    with app.app_context():
        status = db.session.scalar(select(UseCase.status).where(UseCase.id == case_id))
        db.session.remove()
    assert status is not None
    return status


def make_champion(app: Flask, user: User) -> None:
    with app.app_context():
        db.session.add(
            Champion(
                user_id=user.id,
                job_function=user.job_function,
                why="To help",
                helps_with="Prompts",
                status=CONFIRMED,
            )
        )
        db.session.commit()
        db.session.remove()


@pytest.fixture
def author(make_user: Callable[..., User]) -> User:
    return make_user(name="Ben Author", job_function="sales")


@pytest.fixture
def champion(app: Flask, make_user: Callable[..., User]) -> User:
    person = make_user(name="Carla Champion", job_function="customer-support")
    make_champion(app, person)
    return person


def published_case(app: Flask, author: User, champion: User, **changes: Any) -> int:
    case_id = share(client_for(app, author), **changes)
    assert decide(client_for(app, champion), case_id, "published").status_code == 302
    return case_id


# ------------------------------------------------------------------------- review flow


def test_a_case_goes_through_every_status_and_the_author_sees_each(
    app: Flask, author: User, champion: User, make_user: Callable[..., User]
) -> None:
    writer = client_for(app, author)
    reviewer = client_for(app, champion)
    case_id = share(writer, submit=False)
    assert status_of(app, case_id) == "draft"
    assert "A draft: only you can see it." in page(writer, f"/use-cases/{case_id}")
    assert "Account brief" not in page(reviewer, "/use-cases/review")

    assert post(writer, f"/use-cases/{case_id}/submit").status_code == 302
    assert status_of(app, case_id) == "submitted"
    assert "Account brief" in page(reviewer, "/use-cases/review")

    # Asking for changes needs words; without them the form comes back and nothing changes.
    assert decide(reviewer, case_id, "changes-requested").status_code == 400
    assert status_of(app, case_id) == "submitted"
    decide(reviewer, case_id, "changes-requested", "Remove the prospect's name, please.")
    assert status_of(app, case_id) == "changes-requested"
    shown = page(writer, f"/use-cases/{case_id}")
    assert "Changes requested" in shown and "Remove the prospect&#39;s name" in shown
    assert "Remove the prospect&#39;s name" in page(writer, f"/use-cases/{case_id}/edit")

    response = post(writer, f"/use-cases/{case_id}/edit", {**CASE, "submit": "Send"})
    assert response.status_code == 302
    assert status_of(app, case_id) == "submitted"
    assert decide(reviewer, case_id, "published").status_code == 302
    assert status_of(app, case_id) == "published"
    assert "Account brief" in page(client_for(app, make_user()), "/use-cases")

    # Published: the author can no longer edit; a reviewer removes it with a reason.
    assert client_for(app, author).get(f"/use-cases/{case_id}/edit").status_code == 302
    decide(reviewer, case_id, "removed", "It names a customer.")
    assert status_of(app, case_id) == "removed"
    assert "It names a customer." in page(writer, "/use-cases/mine")

    with app.app_context():
        told = list(
            db.session.scalars(
                select(Notification.text)
                .where(Notification.user_id == author.id)
                .order_by(Notification.id)
            )
        )
        db.session.remove()
    assert [text.rsplit(": ", 1)[1] for text in told] == [
        "changes requested.",
        "published.",
        "removed.",
    ]


def test_declining_needs_a_reason_and_is_final(app: Flask, author: User, champion: User) -> None:
    writer, reviewer = client_for(app, author), client_for(app, champion)
    case_id = share(writer)
    assert decide(reviewer, case_id, "declined").status_code == 400
    decide(reviewer, case_id, "declined", "We already have this one.")
    assert status_of(app, case_id) == "declined"
    assert "We already have this one." in page(writer, f"/use-cases/{case_id}")
    # Nothing more can be decided from here, not even publishing.
    response = decide(reviewer, case_id, "published")
    assert response.status_code == 400
    assert status_of(app, case_id) == "declined"


def test_only_champions_and_programme_owners_review_and_never_their_own(
    app: Flask, author: User, champion: User, make_user: Callable[..., User]
) -> None:
    case_id = share(client_for(app, author))
    colleague = client_for(app, make_user())
    assert colleague.get("/use-cases/review").status_code == 403
    assert decide(colleague, case_id, "published").status_code == 403
    assert status_of(app, case_id) == "submitted"
    # A champion's own case needs someone else.
    own = share(client_for(app, champion))
    assert decide(client_for(app, champion), own, "published").status_code == 403
    admin = client_for(app, make_user(is_admin=True))
    assert decide(admin, own, "published").status_code == 302
    assert status_of(app, own) == "published"


def test_drafts_and_submitted_cases_are_404_to_everyone_but_author_and_reviewers(
    app: Flask, author: User, champion: User, make_user: Callable[..., User]
) -> None:
    writer = client_for(app, author)
    draft = share(writer, submit=False)
    waiting = share(writer)
    colleague = client_for(app, make_user())
    for case_id in (draft, waiting, 10**6):
        assert colleague.get(f"/use-cases/{case_id}").status_code == 404
        assert colleague.get(f"/use-cases/{case_id}/edit").status_code == 404
        assert post(colleague, f"/use-cases/{case_id}/tried").status_code == 404
        assert post(colleague, f"/use-cases/{case_id}/report", {"reason": "x"}).status_code == 404
    assert client_for(app, champion).get(f"/use-cases/{waiting}").status_code == 200
    # Reviewers read a case waiting for them, but never edit someone else's.
    assert client_for(app, champion).get(f"/use-cases/{waiting}/edit").status_code == 404
    assert "Account brief" not in page(colleague, "/use-cases")


def test_bad_input_re_renders_the_form_and_writes_nothing(app: Flask, author: User) -> None:
    writer = client_for(app, author)
    without_token = client_for(app, author)
    before = table_snapshot(app)
    cases: list[dict[str, Any]] = [
        {"title": ""},
        {"steps": "x" * 6001},
        {"tool": "other", "other_tool": ""},
        {"minutes_saved": "0"},
        {"minutes_saved": "100000000000000000000000"},
        {"areas": []},
        {"job_function": "astronaut"},
        {"tool": "12345"},
    ]
    for changes in cases:
        response = post(writer, "/use-cases/new", {**CASE, "submit": "Send", **changes})
        assert response.status_code == 400, changes
        assert "Please correct the fields marked below." in response.get_data(as_text=True)
    assert without_token.post("/use-cases/new", data=CASE).status_code == 400  # CSRF
    assert table_snapshot(app) == before


def test_the_author_name_shows_only_when_they_opt_in(
    app: Flask, author: User, champion: User, make_user: Callable[..., User]
) -> None:
    hidden = published_case(app, author, champion)
    shown = published_case(app, author, champion, title="Second", show_name="y")
    reader = client_for(app, make_user())
    text = page(reader, f"/use-cases/{hidden}")
    assert "A colleague in Sales" in text and "Ben Author" not in text
    assert "Ben Author, Sales" in page(reader, f"/use-cases/{shown}")
    assert "Ben Author" not in page(reader, "/use-cases?q=Account")


# ---------------------------------------------------------------------- sanitization


def test_a_script_in_a_prompt_renders_inert(
    app: Flask, author: User, champion: User, make_user: Callable[..., User]
) -> None:
    hostile = (
        "<script>alert('x')</script>\n\n<img src=x onerror=alert(1)>\n\n"
        "[click](javascript:alert(1))"
    )
    case_id = published_case(app, author, champion, steps=hostile, title="<b>Bold</b> title")
    text = page(client_for(app, make_user()), f"/use-cases/{case_id}")
    assert "<script>alert" not in text
    assert "onerror" not in text
    assert "javascript:" not in text
    assert "&lt;b&gt;Bold&lt;/b&gt; title" in text


# --------------------------------------------------------------------- trying and removal


def test_i_tried_this_counts_once_per_person(
    app: Flask, author: User, champion: User, make_user: Callable[..., User]
) -> None:
    case_id = published_case(app, author, champion)
    reader = client_for(app, make_user())
    assert post(reader, f"/use-cases/{case_id}/tried", {"minutes_saved": "999"}).status_code == 400
    assert post(reader, f"/use-cases/{case_id}/tried", {"minutes_saved": "30"}).status_code == 302
    assert post(reader, f"/use-cases/{case_id}/tried", {"minutes_saved": "5"}).status_code == 302
    text = page(reader, f"/use-cases/{case_id}")
    assert "You said you tried this." in text
    assert "1 colleague; they said it saved them about 30 minutes on average" in text
    with app.app_context():
        tries = db.session.scalars(select(UseCaseTry.minutes_saved)).all()
        events = db.session.execute(select(ActivityEvent.verb, ActivityEvent.result)).all()
        db.session.remove()
    assert tries == [30]
    assert ("tried", {"minutes_saved": 30}) in [(verb, result) for verb, result in events]
    assert ("shared", None) in [(verb, result) for verb, result in events]


def test_a_double_post_of_i_tried_this_counts_once(
    app: Flask, author: User, champion: User, make_user: Callable[..., User]
) -> None:
    case_id = published_case(app, author, champion)
    person = make_user()
    clients = [client_for(app, person) for _ in range(2)]
    tokens = [
        re.search(r'name="csrf_token" value="([^"]+)"', page(c, "/use-cases")) for c in clients
    ]
    statuses: list[int] = []
    barrier = threading.Barrier(2)

    def press(client: FlaskClient, token: str) -> None:
        barrier.wait()
        response = client.post(f"/use-cases/{case_id}/tried", data={"csrf_token": token})
        statuses.append(response.status_code)

    threads = [
        threading.Thread(target=press, args=(client, match.group(1)))
        for client, match in zip(clients, tokens, strict=True)
        if match
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [302, 302]
    with app.app_context():
        count = db.session.scalar(select(func.count()).select_from(UseCaseTry))
        tried_events = db.session.scalar(select(func.count()).where(ActivityEvent.verb == "tried"))
        db.session.remove()
    assert count == 1 and tried_events == 1


def test_a_report_reaches_the_reviewers_who_remove_or_keep(
    app: Flask, author: User, champion: User, make_user: Callable[..., User]
) -> None:
    case_id = published_case(app, author, champion)
    reader = client_for(app, make_user(name="Rita Reader"))
    assert post(reader, f"/use-cases/{case_id}/report", {"reason": ""}).status_code == 400
    assert (
        post(reader, f"/use-cases/{case_id}/report", {"reason": "A customer name."}).status_code
        == 302
    )
    assert "You reported it" in page(reader, f"/use-cases/{case_id}")
    reviewer = client_for(app, champion)
    queue = page(reviewer, "/use-cases/review")
    assert "Account brief" in queue and "1 report" in queue
    assert "A customer name." in page(reviewer, f"/use-cases/{case_id}")
    # Kept: the reports close and the case stays.
    assert post(reviewer, f"/use-cases/{case_id}/keep").status_code == 302
    assert "1 report" not in page(reviewer, "/use-cases/review")
    assert status_of(app, case_id) == "published"
    # Reported again, then removed: it leaves the library and the reports close.
    assert (
        post(reader, f"/use-cases/{case_id}/report", {"reason": "Still there."}).status_code == 302
    )
    decide(reviewer, case_id, "removed", "Names a customer.")
    assert status_of(app, case_id) == "removed"
    assert reader.get(f"/use-cases/{case_id}").status_code == 404
    assert "Account brief" not in page(reviewer, "/use-cases/review")


# ------------------------------------------------------------------------- finding them


def test_search_and_filters_find_published_cases_only(
    app: Flask, author: User, champion: User, make_user: Callable[..., User]
) -> None:
    published = published_case(app, author, champion, steps="Ask for a zanzibarish summary.")
    share(client_for(app, author), submit=False, title="Draft", steps="zanzibarish draft")
    share(client_for(app, author), title="Waiting", steps="zanzibarish waiting")
    with app.app_context():
        hits = search(db.session, "zanzibarish")
        only_cases = search(db.session, "zanzibarish", kind="use-case", area="context")
        db.session.remove()
    assert [(hit.kind, hit.endpoint_args) for hit in hits] == [
        ("use-case", {"use_case_id": published})
    ]
    assert len(only_cases) == 1 and only_cases[0].tags["tool"] == ["Free research assistant"]
    reader = client_for(app, make_user())
    assert f"/use-cases/{published}" in page(reader, "/search?q=zanzibarish")
    assert "Account brief" in page(reader, "/use-cases?q=ZANZIBAR&function=sales&area=context")
    assert "Account brief" in page(reader, "/use-cases?tool=other")
    assert "No use case matches" in page(reader, "/use-cases?function=finance")
    assert "No use case matches" in page(reader, "/use-cases?area=leading")
    assert page(reader, "/use-cases?tool=nonsense&area=bogus&page=99999999999999999999")
    # Removed: gone from the index in the same transaction.
    decide(client_for(app, champion), published, "removed", "Outdated.")
    with app.app_context():
        assert search(db.session, "zanzibarish") == []
        db.session.remove()


def test_related_cases_show_on_a_module_page(
    app: Flask, tmp_path: Path, author: User, champion: User, make_user: Callable[..., User]
) -> None:
    spec = CourseSpec(
        slug="directing-course",
        competencies=("directing",),
        modules=[ModuleSpec("prompts")],
    )
    publish_spec(app, tmp_path / "courses", spec)
    published_case(app, author, champion, title="Finance directing case", job_function="finance")
    for number in range(4):
        published_case(app, author, champion, title=f"Directing case {number}")
    published_case(
        app,
        author,
        champion,
        title="Finance leading case",
        job_function="finance",
        areas=["leading"],
    )
    share(client_for(app, author), title="Unpublished directing case")
    reader = client_for(app, make_user(job_function="engineering"))
    enrol(reader, spec.slug)
    text = page(reader, f"/courses/{spec.slug}/prompts")
    assert "How colleagues use this at work" in text
    assert text.count("Directing case") == 3  # at most three, the newest
    assert "Unpublished" not in text and "Finance" not in text
    # A finance reader: the case of their function for this area comes first; a case of their
    # function for another area does not beat the module's own areas.
    finance = client_for(app, make_user(job_function="finance"))
    enrol(finance, spec.slug)
    text = page(finance, f"/courses/{spec.slug}/prompts")
    assert "Finance directing case" in text and "Finance leading case" not in text
    assert text.index("Finance directing case") < text.index("Directing case 3")


# ------------------------------------------------------------------------------ badges


def test_publication_and_tries_can_earn_badges(
    app: Flask, tmp_path: Path, author: User, champion: User, make_user: Callable[..., User]
) -> None:
    publish_badge(app, tmp_path, "sharer", {"type": "use-cases-published", "count": 1})
    publish_badge(app, tmp_path, "tester", {"type": "use-cases-tried", "count": 2})
    first = published_case(app, author, champion)
    second = published_case(app, author, champion, title="Another")
    person = make_user()
    reader = client_for(app, person)
    post(reader, f"/use-cases/{first}/tried")
    assert awarded(app, person.id) == []
    post(reader, f"/use-cases/{second}/tried")
    assert awarded(app, person.id) == ["tester"]
    assert awarded(app, author.id) == ["sharer"]


def test_sharing_and_trying_are_xapi_statements(
    app: Flask, author: User, champion: User, make_user: Callable[..., User]
) -> None:
    case_id = published_case(app, author, champion)
    post(client_for(app, make_user()), f"/use-cases/{case_id}/tried", {"minutes_saved": "12"})
    with app.app_context():
        rows = db.session.execute(
            select(ActivityEvent, User)
            .join(User, User.id == ActivityEvent.user_id)
            .order_by(ActivityEvent.id)
        ).all()
        statements = [to_xapi(event, user, "https://lms.example.com") for event, user in rows]
        db.session.remove()
    assert [item["verb"]["id"] for item in statements] == [
        "http://adlnet.gov/expapi/verbs/shared",
        "https://ai-literacy-lms.example/xapi/verbs/tried",
    ]
    assert {item["object"]["id"] for item in statements} == {
        f"https://lms.example.com/xapi/use-case/{case_id}"
    }
    tried = statements[1]["result"]["extensions"]
    assert tried == {"https://lms.example.com/xapi/result/minutes_saved": 12}
    assert VERBS["shared"] == "http://adlnet.gov/expapi/verbs/shared"


# ---------------------------------------------------------------------- statement counts


PAGES = {
    "library": "/use-cases",
    "filtered": "/use-cases?q=brief&function=sales&area=context&tool=other",
    "case": "/use-cases/{case}",
    "mine": "/use-cases/mine",
    "review": "/use-cases/review",
    "new": "/use-cases/new",
}


def measure(
    client: FlaskClient, count_statements: Callable[[], Any], case_id: int
) -> dict[str, int]:
    counts = {}
    for name, url in PAGES.items():
        path = url.format(case=case_id)
        assert client.get(path).status_code == 200, path
        with count_statements() as counter:
            assert client.get(path).status_code == 200
        counts[name] = counter.count
    return counts


def test_pages_run_a_fixed_number_of_statements(
    app: Flask,
    author: User,
    champion: User,
    make_user: Callable[..., User],
    count_statements: Callable[[], Any],
) -> None:
    reviewer = client_for(app, champion)
    case_id = published_case(app, author, champion)
    small = measure(reviewer, count_statements, case_id)
    for number in range(6):
        other = published_case(app, author, champion, title=f"Brief {number}")
        person = make_user()
        post(client_for(app, person), f"/use-cases/{other}/tried", {"minutes_saved": "5"})
        post(client_for(app, person), f"/use-cases/{case_id}/tried")
        post(client_for(app, person), f"/use-cases/{case_id}/report", {"reason": "r"})
        share(client_for(app, author), title=f"Waiting {number}")
    large = measure(reviewer, count_statements, case_id)
    assert small == large
    assert max(large.values()) <= 8, large
