"""The result page after a knowledge check or a quiz: whole percentages, right and wrong in
words as well as a mark, and "Try again" on a failed knowledge check."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from flask import Flask

from lms.people.models import User
from tests.learn_helpers import (
    client_for,
    enrol,
    page,
    post,
    publish_spec,
    read_module,
    sentinel_course,
    start_check,
    start_quiz,
    submit,
    token,
)

SLUG = "sentinel-course"
MODULE = "check-the-figures"


def test_a_failed_check_shows_a_whole_score_and_offers_to_try_again(
    app: Flask, make_user: Callable[..., User], tmp_path: Path
) -> None:
    publish_spec(app, tmp_path, sentinel_course(SLUG))
    client = client_for(app, make_user())
    enrol(client, SLUG)
    read_module(client, SLUG, "first-steps")
    read_module(client, SLUG, MODULE)

    attempt = start_check(client, SLUG, MODULE)
    submit(client, app, attempt, right=0)
    result = page(client, f"/attempts/{attempt}")
    assert "Not passed yet" in result
    assert "you scored 0%" in result and "0.0%" not in result
    assert "✗</span> Not quite" in result  # a mark and the words
    action = f'action="/courses/{SLUG}/{MODULE}/check"'
    assert action in result and ">Try again</button>" in result
    form = result[result.index(action) :]
    assert 'name="csrf_token"' in form[: form.index("</form>")]

    # The button starts a new attempt at the same check.
    response = post(client, f"/courses/{SLUG}/{MODULE}/check")
    assert response.status_code == 302
    again = int(response.headers["Location"].rsplit("/", 1)[1])
    assert again != attempt
    submit(client, app, again, right=True)
    passed = page(client, f"/attempts/{again}")
    assert "Passed" in passed and ">Try again</button>" not in passed
    assert "you scored 100%" in passed and "✓</span> Correct" in passed


def test_the_try_again_form_needs_its_token(
    app: Flask, make_user: Callable[..., User], tmp_path: Path
) -> None:
    publish_spec(app, tmp_path, sentinel_course(SLUG))
    client = client_for(app, make_user())
    enrol(client, SLUG)
    read_module(client, SLUG, MODULE)
    token(client)
    response = client.post(f"/courses/{SLUG}/{MODULE}/check", data={})
    assert response.status_code == 400


def test_a_quiz_score_is_a_whole_percentage(
    app: Flask, make_user: Callable[..., User], tmp_path: Path
) -> None:
    publish_spec(app, tmp_path, sentinel_course(SLUG))
    client = client_for(app, make_user())
    enrol(client, SLUG)
    for module in ("first-steps", MODULE, "wrap-up"):
        read_module(client, SLUG, module)
    check = start_check(client, SLUG, MODULE)
    submit(client, app, check, right=True)
    attempt = start_quiz(client, SLUG)
    submit(client, app, attempt, right=2)  # two of three: 66.7
    result = page(client, f"/attempts/{attempt}")
    assert "you scored 67%" in result and "66.7" not in result
    assert ">Try again</button>" not in result  # only for knowledge checks
