"""The completion screen (the result of the attempt that completed a course) and a failed final
quiz's next steps: what was earned, the level change before and after, the next course, the
review collapsed; attempts left, who can grant one more, modules to revisit, no answer key."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from lms.extensions import db
from lms.learn.outcome import lift_in_words, wait_in_words
from lms.literacy.models import LiteracyLevel
from lms.literacy.service import LevelStep
from lms.people.models import User
from lms.recognition.kudos_models import Certificate
from lms.recognition.models import BadgeAward
from tests.badge_helpers import publish_badge
from tests.learn_helpers import (
    CORRECTNESS_MARKERS,
    CourseSpec,
    ModuleSpec,
    client_for,
    complete_modules,
    enrol,
    page,
    publish_folder,
    publish_spec,
    sentinel_course,
    start_baseline,
    start_quiz,
    submit,
    write_course,
)

SLUG = "sentinel-course"
NEXT = "prompting-next"


def next_course() -> CourseSpec:
    """A course for engineers in an area the sentinel course does not reach: recommended next."""
    return CourseSpec(
        slug=NEXT,
        title="Directing assistants well",
        summary="Brief an assistant like a colleague.",
        competencies=("directing",),
        modules=[ModuleSpec("briefs", "Briefs")],
    )


def stored_levels(app: Flask, user: User) -> dict[str, int]:
    with app.app_context():
        rows = db.session.execute(
            select(LiteracyLevel.competency, LiteracyLevel.level).where(
                LiteracyLevel.user_id == user.id
            )
        ).all()
        db.session.remove()
    return {competency: level for competency, level in rows}


def public_ids(app: Flask, user: User) -> tuple[list[str], str | None]:
    with app.app_context():
        awards = list(
            db.session.scalars(select(BadgeAward.public_id).where(BadgeAward.user_id == user.id))
        )
        certificate = db.session.scalar(
            select(Certificate.public_id).where(Certificate.user_id == user.id)
        )
        db.session.remove()
    return awards, certificate


def section(html: str, element_id: str) -> str:
    """The element with this id, up to its closing tag (sections and details do not nest)."""
    start = html.index(f'id="{element_id}"')
    tag = html[html.rindex("<", 0, start) + 1 :].split(" ", 1)[0]
    return html[start : html.index(f"</{tag}>", start)]


def level_row(html: str, area: str) -> list[str]:
    """The cells of an area's row in the level-change table, as text."""
    row = re.search(rf'<tr data-area="{area}"[^>]*>(.*?)</tr>', html, re.S)
    assert row, area
    cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row.group(1), re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in cells]


def finish(app: Flask, client: FlaskClient, spec: CourseSpec, failed: int = 0) -> int:
    """Enrol, complete every module, fail the quiz ``failed`` times, then pass it."""
    enrol(client, spec.slug)
    complete_modules(client, app, spec)
    for _ in range(failed):
        submit(client, app, start_quiz(client, spec.slug), right=False)
    attempt = start_quiz(client, spec.slug)
    response = submit(client, app, attempt, right=True)
    assert response.headers["Location"].endswith(f"/attempts/{attempt}")
    return attempt


# ------------------------------------------------------------------------- the completion screen


def test_the_completion_screen_shows_what_was_earned_the_level_change_and_what_next(
    app: Flask, make_user: Callable[..., User], tmp_path: Path
) -> None:
    publish_spec(app, tmp_path, sentinel_course(SLUG, cooldown_minutes=0))
    publish_spec(app, tmp_path, next_course())
    publish_badge(
        app,
        tmp_path,
        "sentinel-finisher",
        {"type": "course-completed", "course": SLUG},
        name="Sentinel finisher",
    )
    learner = make_user(job_function="engineering")
    client = client_for(app, learner)
    enrol(client, SLUG)
    complete_modules(client, app, sentinel_course(SLUG))
    before = stored_levels(app, learner)
    attempt = start_quiz(client, SLUG)
    submit(client, app, attempt, right=True)
    after = stored_levels(app, learner)
    assert after["evaluating"] > before["evaluating"]  # the quiz lifted a level ...
    assert after["overall"] == before.get("overall", 0)  # ... and not the overall one

    html = page(client, f"/attempts/{attempt}")
    assert "<h1>You completed Sentinel course</h1>" in html
    assert "you scored 100% (pass mark 60%)" in html
    assert "Course complete. Well done!" not in html and "rose to" not in html  # no flashes

    # What was earned: the badge (image and award page) and the certificate.
    awards, certificate = public_ids(app, learner)
    assert len(awards) == 1 and certificate is not None
    earned = section(html, "earned")
    assert 'src="/ob/v2/badges/sentinel-finisher/image.png"' in earned
    assert f'href="/badges/awards/{awards[0]}">Sentinel finisher</a>' in earned
    assert f'href="/certificates/{certificate}"' in earned
    assert f'href="/certificates/{certificate}/credential.jwt"' in earned

    # Share: public links in labelled read-only fields (copied without any script).
    share = section(html, "share")
    assert '<label for="share-certificate">' in share
    assert re.search(
        rf'<input type="url" id="share-certificate" class="share-link" '
        rf'value="http://localhost/certificates/{certificate}" readonly>',
        share,
    )
    assert f'value="http://localhost/ob/awards/{awards[0]}" readonly' in share
    assert "<script" not in html.split("</main>")[0].split("<main")[-1]

    # The level change, before and after, as stored before and after the attempt.
    levels = section(html, "level-change")
    names = {0: "Not yet", 1: "Aware", 2: "Practising", 3: "Proficient", 4: "Leading"}
    was, now = before["evaluating"], after["evaluating"]
    assert level_row(levels, "evaluating") == [
        "Evaluating outputs",
        f"{was} · {names[was]}",
        f"{now} · {names[now]} ↑ Up {now - was} level" + ("s" if now - was > 1 else ""),
    ]
    overall = after["overall"]
    assert level_row(levels, "overall")[1:] == [
        f"{overall} · {names[overall]}",
        f"{overall} · {names[overall]} No change",
    ]
    lift = section(html, "lift-next")
    assert "<strong>Overall</strong>" in lift and "need to average level" in lift
    assert "start with Foundations, then Delegation and workflow fit." in lift
    assert "Evaluating outputs</strong>" not in lift  # it moved: nothing to say

    # The next course: the learner home's first recommendation.
    assert 'href="/courses/prompting-next">Directing assistants well</a>' in section(
        html, "next-course"
    )
    assert "Builds Directing AI, for your role" in html

    # The long review comes last, folded away.
    review = section(html, "answer-review")
    assert html.index('id="answer-review"') > html.index('id="next-course"')
    assert '<details class="answer-review" id="answer-review">' in html
    assert "<summary>Review your answers</summary>" in review
    assert review.count("Question ") == 3 and review.count("(correct answer)") == 3


def test_the_completion_screen_is_the_same_when_opened_again_later(
    app: Flask, make_user: Callable[..., User], tmp_path: Path
) -> None:
    """Levels before and after come from the evidence up to the attempt: later answers (here a
    baseline with wrong answers) change the stored levels, not what this attempt did."""
    publish_spec(app, tmp_path, sentinel_course(SLUG, cooldown_minutes=0))
    learner = make_user()
    client = client_for(app, learner)
    attempt = finish(app, client, sentinel_course(SLUG))
    first = section(page(client, f"/attempts/{attempt}"), "level-change")
    baseline = start_baseline(client, {f"rate-{area}": "1" for area in AREAS})
    submit(client, app, baseline, right=False)
    assert section(page(client, f"/attempts/{attempt}"), "level-change") == first


AREAS = ("foundations", "delegation", "directing", "evaluating", "responsible", "context")


def test_a_completion_without_a_badge_or_a_next_course_says_so(
    app: Flask, make_user: Callable[..., User], tmp_path: Path
) -> None:
    publish_spec(app, tmp_path, sentinel_course(SLUG, cooldown_minutes=0))
    client = client_for(app, make_user(job_function="engineering"))
    attempt = finish(app, client, sentinel_course(SLUG), failed=1)
    html = page(client, f"/attempts/{attempt}")
    assert "This course comes with no badge" not in html  # the certificate is still earned
    assert 'id="view-certificate"' in html
    assert "Sentinel finisher" not in html
    assert 'href="/courses">Browse all courses</a>' in section(html, "next-course")
    # The failed attempt before it is no completion screen.
    failed = int(re.findall(r'href="/attempts/(\d+)"', page(client, f"/courses/{SLUG}"))[0])
    assert failed != attempt
    assert "You completed" not in page(client, f"/attempts/{failed}")


@pytest.mark.parametrize("review", ["none", "score"])
def test_the_completion_screen_follows_the_review_policy(
    app: Flask, make_user: Callable[..., User], tmp_path: Path, review: str
) -> None:
    publish_spec(app, tmp_path, sentinel_course(SLUG, review=review, cooldown_minutes=0))
    client = client_for(app, make_user())
    attempt = finish(app, client, sentinel_course(SLUG))
    html = page(client, f"/attempts/{attempt}")
    assert "<h1>You completed Sentinel course</h1>" in html
    assert 'id="level-change"' in html
    assert "answer-review" not in html or review == "score"
    if review == "none":
        assert CORRECTNESS_MARKERS.search(html) is None
        assert "you scored" not in html and "Review your answers" not in html
    else:
        assert "you scored 100%" in html
        details = section(html, "answer-review")
        assert "Score by competency" in details and "Question 1" not in details


def test_answers_of_a_version_not_yet_approved_are_said_not_to_count_yet(
    app: Flask, make_user: Callable[..., User], tmp_path: Path
) -> None:
    author = make_user(is_author=True)
    publish_folder(
        app, write_course(tmp_path, sentinel_course(SLUG, cooldown_minutes=0)), author.id
    )
    learner = make_user()
    client = client_for(app, learner)
    attempt = finish(app, client, sentinel_course(SLUG))
    html = page(client, f"/attempts/{attempt}")
    assert "count towards your levels once it has been reviewed" in html
    assert level_row(html, "evaluating")[1:] == ["0 · Not yet", "0 · Not yet No change"]
    assert stored_levels(app, learner).get("evaluating", 0) == 0


# ---------------------------------------------------------------------------- a failed final quiz


def course_with_a_directing_module(root: Path, **quiz: Any) -> Path:
    """The sentinel course whose first module teaches another area than the quiz asks about."""
    folder = write_course(root, sentinel_course(SLUG, **quiz))
    first = folder / "01-first-steps.md"
    first.write_text(
        first.read_text().replace("competencies: [evaluating]", "competencies: [directing]")
    )
    return folder


def test_a_failed_quiz_says_when_to_try_again_and_which_modules_to_revisit(
    app: Flask, make_user: Callable[..., User], tmp_path: Path
) -> None:
    publish_folder(app, course_with_a_directing_module(tmp_path, review="guarded"))
    client = client_for(app, make_user())
    enrol(client, SLUG)
    complete_modules(client, app, sentinel_course(SLUG))
    attempt = start_quiz(client, SLUG)
    submit(client, app, attempt, right=1)
    html = page(client, f"/attempts/{attempt}")
    assert "<h1>Not passed yet</h1>" in html
    steps = section(html, "next-steps")
    assert "You have 2 attempts left." in steps
    assert "Take a break first: you can start again in 30 minutes" in steps
    assert "Take the quiz again" not in steps  # not during the cool-down
    revisit = section(html, "revisit-modules")
    assert 'href="/courses/sentinel-course/check-the-figures">Check the figures</a>' in revisit
    assert 'href="/courses/sentinel-course/wrap-up">Wrap up</a>' in revisit
    assert "First steps" not in revisit  # it teaches another area
    # Guarded: right and wrong, never the right options while attempts remain.
    assert "(correct answer)" not in html and "is-correct" not in html
    assert "✗</span> Not quite" in html and "✓</span> Correct" in html


def test_a_failed_quiz_without_a_cool_down_offers_to_take_it_again(
    app: Flask, make_user: Callable[..., User], tmp_path: Path
) -> None:
    publish_spec(app, tmp_path, sentinel_course(SLUG, cooldown_minutes=0, max_attempts=0))
    client = client_for(app, make_user())
    enrol(client, SLUG)
    complete_modules(client, app, sentinel_course(SLUG))
    attempt = start_quiz(client, SLUG)
    submit(client, app, attempt, right=False)
    steps = section(page(client, f"/attempts/{attempt}"), "next-steps")
    assert "You can take the quiz again as often as you need." in steps
    action = f'action="/courses/{SLUG}/quiz"'
    assert action in steps and ">Take the quiz again</button>" in steps
    assert 'name="csrf_token"' in steps[steps.index(action) :]
    again = start_quiz(client, SLUG)
    assert again != attempt
    assert "You have started another attempt." in page(client, f"/attempts/{attempt}")


def test_after_the_last_attempt_the_result_says_who_can_grant_one_more(
    app: Flask, make_user: Callable[..., User], tmp_path: Path
) -> None:
    publish_spec(app, tmp_path, sentinel_course(SLUG, max_attempts=1, review="guarded"))
    boss = make_user(name="Maya Manager")
    client = client_for(app, make_user(manager=boss))
    enrol(client, SLUG)
    complete_modules(client, app, sentinel_course(SLUG))
    attempt = start_quiz(client, SLUG)
    submit(client, app, attempt, right=False)
    html = page(client, f"/attempts/{attempt}")
    steps = section(html, "next-steps")
    assert "You have used every attempt at this quiz." in steps
    assert "Your manager, Maya Manager, or an administrator can give you one more" in steps
    assert "Take the quiz again" not in steps
    assert "(correct answer)" in html  # guarded: the last attempt shows the keys, as before

    loner = client_for(app, make_user())
    enrol(loner, SLUG)
    complete_modules(loner, app, sentinel_course(SLUG))
    theirs = start_quiz(loner, SLUG)
    submit(loner, app, theirs, right=False)
    assert "An administrator can give you one more" in page(loner, f"/attempts/{theirs}")


def test_under_review_none_a_failed_quiz_names_no_module_or_question(
    app: Flask, make_user: Callable[..., User], tmp_path: Path
) -> None:
    publish_spec(app, tmp_path, sentinel_course(SLUG, review="none"))
    client = client_for(app, make_user())
    enrol(client, SLUG)
    complete_modules(client, app, sentinel_course(SLUG))
    attempt = start_quiz(client, SLUG)
    submit(client, app, attempt, right=False)
    html = page(client, f"/attempts/{attempt}")
    assert "You have 2 attempts left." in section(html, "next-steps")
    assert "revisit-modules" not in html
    assert CORRECTNESS_MARKERS.search(html) is None


# ------------------------------------------------------------------ marks in words, whole numbers


def test_marks_carry_words_and_scores_are_whole_percentages_everywhere(
    app: Flask, make_user: Callable[..., User], tmp_path: Path
) -> None:
    publish_spec(app, tmp_path, sentinel_course(SLUG, cooldown_minutes=0))
    client = client_for(app, make_user())
    enrol(client, SLUG)
    complete_modules(client, app, sentinel_course(SLUG))
    assert '<span aria-hidden="true">✓</span> You passed this check.' in page(
        client, f"/courses/{SLUG}/check-the-figures"
    )
    failed = start_quiz(client, SLUG)
    submit(client, app, failed, right=2)  # 66.7, and the pass mark is 60: passed
    course = page(client, f"/courses/{SLUG}")
    assert "67% · " in course and "66.7" not in course
    assert '<span aria-hidden="true">✓</span> passed' in course
    result = page(client, f"/attempts/{failed}")
    assert '<strong><span aria-hidden="true"> ✓</span> (correct answer)</strong>' in result


def test_waits_are_said_in_minutes_hours_or_days() -> None:
    from datetime import timedelta

    assert wait_in_words(timedelta(seconds=20)) == "1 minute"
    assert wait_in_words(timedelta(minutes=29, seconds=40)) == "30 minutes"
    assert wait_in_words(timedelta(hours=5)) == "about 5 hours"
    assert wait_in_words(timedelta(days=3)) == "about 3 days"


def test_what_would_lift_a_level_is_said_in_words() -> None:
    assert lift_in_words(LevelStep("evaluating", 1, 1, ("correct", "hard"), 2), []) == (
        "To reach level 2 (Practising): more right answers, some of them to questions that "
        "apply it to everyday work."
    )
    assert lift_in_words(LevelStep("evaluating", 2, 2, ("hard", "score"), 3), []) == (
        "To reach level 3 (Proficient): more right answers to hard questions (judging "
        "situations that are new to you) and fewer wrong answers among your recent ones."
    )
    assert lift_in_words(LevelStep("evaluating", 4, 4), []) == ""  # nothing above
    assert lift_in_words(LevelStep("overall", 1, 1), ["context"]) == (
        "To reach overall level 2 (Practising), the six core areas need to average level 2: "
        "start with Organisational context."
    )
