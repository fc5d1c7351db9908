"""The pulse file format (courses/_pulse/<slug>.md): validation at file:line, publishing, rounds."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from click.testing import Result
from flask import Flask
from sqlalchemy import select

from lms.config import PROJECT_ROOT
from lms.extensions import db
from lms.pulse.format import load_pulses, parse_pulse, parse_recurrence
from lms.pulse.models import Pulse, PulseQuestion
from lms.pulse.service import PulseError, publish_pulse, round_start, rounds_between

GOOD = """\
---
title: AI at work
opens: 2030-01-07
recurs: every 4 weeks
scale: likert-5
---

A minute, anonymously.

- [strategic] Our company's approach to generative AI is strategic.
- [paid-own-tools] (yes/no) I have paid for AI tools for work myself.
"""


def problems_of(text: str, slug: str = "pulse") -> list[str]:
    pulse, problems = parse_pulse(slug, text.encode(), display_path=f"_pulse/{slug}.md")
    assert (pulse is None) == bool(problems)
    return [str(problem) for problem in problems]


def test_the_shipped_pulse_has_the_six_questions() -> None:
    pulses, problems = load_pulses(PROJECT_ROOT / "courses")
    assert problems == []
    (pulse,) = pulses
    assert [q.key for q in pulse.questions] == [
        "strategic",
        "well-managed",
        "have-training",
        "know-allowed-tools",
        "paid-own-tools",
        "org-literacy",
    ]
    kinds = {q.key: q.kind for q in pulse.questions}
    assert kinds["paid-own-tools"] == "yes-no"
    assert {kind for key, kind in kinds.items() if key != "paid-own-tools"} == {"likert"}
    assert (pulse.every_unit, pulse.every_count, pulse.scale) == ("weeks", 4, "likert-5")


def test_a_good_file_parses() -> None:
    pulse, problems = parse_pulse("pulse", GOOD.encode())
    assert problems == [] and pulse is not None
    assert pulse.title == "AI at work" and pulse.opens_on == date(2030, 1, 7)
    assert pulse.intro == "A minute, anonymously."
    assert [(q.key, q.kind, q.line) for q in pulse.questions] == [
        ("strategic", "likert", 10),
        ("paid-own-tools", "yes-no", 11),
    ]
    assert pulse.questions[1].text == "I have paid for AI tools for work myself."


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("- [strategic] Our", "- [Strategic!] Our"), "_pulse/pulse.md:10: question id"),
        (("- [paid-own-tools]", "- [strategic]"), "_pulse/pulse.md:11: duplicate question id"),
        (("- [strategic] Our", "- Our"), "_pulse/pulse.md:10: a question must start with its id"),
        (("recurs: every 4 weeks", "recurs: fortnightly"), "_pulse/pulse.md:4: 'recurs' must be"),
        (("recurs: every 4 weeks", "recurs: every 99 weeks"), "_pulse/pulse.md:4: 'recurs'"),
        (("scale: likert-5", "scale: likert-7"), "_pulse/pulse.md:5: unknown scale 'likert-7'"),
        (("opens: 2030-01-07", "opens: next monday"), "_pulse/pulse.md:3: 'opens' must be a date"),
        (("opens: 2030-01-07\n", ""), "_pulse/pulse.md:1: missing required setting 'opens'"),
        (("title: AI at work", "title: AI at work\ncolour: blue"), "_pulse/pulse.md:3: unknown"),
        (("title: AI at work", "title: !!python/object:os.system x"), "_pulse/pulse.md:2: "),
        (
            ("myself.\n", "myself.\nA closing remark.\n"),
            "_pulse/pulse.md:12: only questions ('- [id] text') may follow",
        ),
        (
            (
                "- [strategic] Our company's approach to generative AI is strategic.",
                "- [strategic]",
            ),
            "_pulse/pulse.md:10: question 'strategic' has no text",
        ),
    ],
)
def test_problems_are_reported_at_file_and_line(change: tuple[str, str], expected: str) -> None:
    text = GOOD.replace(*change)
    assert text != GOOD
    found = problems_of(text)
    assert any(problem.startswith(expected) for problem in found), found


def test_more_problems() -> None:
    assert problems_of("no front matter") == [
        "_pulse/pulse.md:1: missing front matter: the file must start with a line '---'"
    ]
    no_questions = GOOD.split("- [strategic]")[0]
    assert any("needs at least one question" in p for p in problems_of(no_questions))
    many = GOOD + "".join(f"- [q{i}] Question {i}\n" for i in range(12))
    assert any(":22: at most 12 questions" in p for p in problems_of(many))  # the 13th
    assert any("must be a slug" in p for p in problems_of(GOOD, slug="Bad Name"))
    assert any("not UTF-8" in str(p) for p in parse_pulse("x", b"---\n\xff\n---\n")[1])


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("every 4 weeks", ("weeks", 4)),
        ("every: 2 months", ("months", 2)),
        ({"every": "4 weeks"}, ("weeks", 4)),
        ("quarterly", ("months", 3)),
        ("Monthly", ("months", 1)),
        ("once", ("once", 0)),
        ("every 0 weeks", None),
        ("every week", None),
        (4, None),
    ],
)
def test_recurrence(value: object, expected: tuple[str, int] | None) -> None:
    assert parse_recurrence(value) == expected


def test_rounds() -> None:
    weekly = Pulse(opens_on=date(2030, 1, 7), every_unit="weeks", every_count=4)
    assert round_start(weekly, date(2030, 1, 6)) is None
    assert round_start(weekly, date(2030, 1, 7)) == date(2030, 1, 7)
    assert round_start(weekly, date(2030, 2, 3)) == date(2030, 1, 7)
    assert round_start(weekly, date(2030, 2, 4)) == date(2030, 2, 4)
    assert rounds_between(weekly, date(2030, 1, 1), date(2030, 3, 10)) == [
        date(2030, 1, 7),
        date(2030, 2, 4),
        date(2030, 3, 4),
    ]
    quarterly = Pulse(opens_on=date(2030, 1, 31), every_unit="months", every_count=3)
    assert round_start(quarterly, date(2030, 4, 29)) == date(2030, 1, 31)
    assert round_start(quarterly, date(2030, 4, 30)) == date(2030, 4, 30)  # 31 Apr -> 30 Apr
    assert round_start(quarterly, date(2031, 1, 31)) == date(2031, 1, 31)
    once = Pulse(opens_on=date(2030, 1, 7), every_unit="once", every_count=0)
    assert round_start(once, date(2035, 1, 1)) == date(2030, 1, 7)
    assert rounds_between(once, date(2029, 1, 1), date(2035, 1, 1)) == [date(2030, 1, 7)]


def test_publishing_keeps_question_ids_and_retires_missing_ones(app: Flask) -> None:
    first, _ = parse_pulse("pulse", GOOD.encode())
    assert first is not None
    with app.app_context():
        assert publish_pulse(db.session, first).changed
        db.session.commit()
        assert not publish_pulse(db.session, first).changed  # same content: nothing to do
        ids = {
            key: id_ for key, id_ in db.session.execute(select(PulseQuestion.key, PulseQuestion.id))
        }
        edited = GOOD.replace("is strategic.", "is clear and strategic.").replace(
            "- [paid-own-tools] (yes/no) I have paid for AI tools for work myself.\n",
            "- [org-literacy] Our organisation has strong AI literacy.\n",
        )
        second, _ = parse_pulse("pulse", edited.encode())
        assert second is not None
        assert publish_pulse(db.session, second).changed
        db.session.commit()
        questions = {q.key: q for q in db.session.scalars(select(PulseQuestion))}
        assert questions["strategic"].id == ids["strategic"]
        assert questions["strategic"].text.endswith("is clear and strategic.")
        assert questions["paid-own-tools"].retired_at is not None
        assert questions["org-literacy"].retired_at is None

        changed_kind = GOOD.replace("(yes/no) I have paid", "I have paid")
        third, _ = parse_pulse("pulse", changed_kind.encode())
        assert third is not None
        with pytest.raises(PulseError, match="needs a new id"):
            publish_pulse(db.session, third)
        db.session.rollback()


def run(app: Flask, *args: str) -> Result:
    return app.test_cli_runner().invoke(args=["lms", *args])


@pytest.fixture
def app_config(tmp_path: Path) -> dict[str, str]:
    courses = tmp_path / "courses"
    (courses / "_pulse").mkdir(parents=True)
    return {"COURSES_DIR": str(courses)}


def test_courses_check_and_publish_include_pulses(app: Flask, tmp_path: Path) -> None:
    pulse_file = tmp_path / "courses" / "_pulse" / "team-pulse.md"
    pulse_file.write_text(GOOD.replace("- [strategic]", "- [strategic!]"))
    checked = run(app, "courses", "check")
    assert checked.exit_code == 1
    assert "_pulse/team-pulse.md:10: question id 'strategic!' must be a slug" in checked.output
    published = run(app, "courses", "publish")
    assert published.exit_code != 0
    with app.app_context():
        assert db.session.scalar(select(Pulse.id)) is None

    pulse_file.write_text(GOOD)
    checked = run(app, "courses", "check")
    assert checked.exit_code == 0, checked.output
    assert "OK: 1 pulse(s), 2 question(s)." in checked.output
    published = run(app, "courses", "publish")
    assert published.exit_code == 0, published.output
    assert "pulse team-pulse: published" in published.output
    assert "pulse team-pulse: unchanged" in run(app, "courses", "publish").output
    with app.app_context():
        assert db.session.scalar(select(Pulse.slug)) == "team-pulse"
