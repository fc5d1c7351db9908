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


def test_the_shipped_pulse_has_the_eight_questions() -> None:
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
        "paid-how-much",
        "own-tool-kinds",
    ]
    kinds = {q.key: q.kind for q in pulse.questions}
    assert kinds.pop("paid-own-tools") == "yes-no"
    assert kinds.pop("paid-how-much") == "choose-one"
    assert kinds.pop("own-tool-kinds") == "choose-any"
    assert set(kinds.values()) == {"likert"}
    bands, kinds_used = pulse.questions[-2:]
    assert [o.key for o in bands.options] == ["nothing", "under-20", "20-to-50", "over-50"]
    assert [o.key for o in kinds_used.options][-1] == "none"  # "none of these" is offered
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
            "_pulse/pulse.md:12: only questions ('- [id] text') and their options",
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


CHOICES = """\
---
title: Tools
opens: 2030-01-07
recurs: every 4 weeks
scale: likert-5
---

- [strategic] Our company's approach to generative AI is strategic.
- [paid-how-much] (choose one) How much do you pay each month?
  - [nothing] Nothing
  - [under-20] Less than 20 a month
  - [over-20] 20 or more a month
- [own-tools] (Choose Any) Which of these do you use for work?

  - [chat] A chat assistant
  * [coding] A coding assistant
  - [none] None of these
"""


def test_questions_with_options_parse() -> None:
    pulse, problems = parse_pulse("pulse", CHOICES.encode())
    assert problems == [] and pulse is not None
    strategic, paid, tools = pulse.questions
    assert (strategic.kind, strategic.options) == ("likert", ())
    assert (paid.kind, paid.text, paid.line) == (
        "choose-one",
        "How much do you pay each month?",
        9,
    )
    assert [(o.key, o.label, o.line) for o in paid.options] == [
        ("nothing", "Nothing", 10),
        ("under-20", "Less than 20 a month", 11),
        ("over-20", "20 or more a month", 12),
    ]
    assert tools.kind == "choose-any"  # the marker is not case-sensitive
    assert [(o.key, o.line) for o in tools.options] == [("chat", 15), ("coding", 16), ("none", 17)]


NINE_OPTIONS = "".join(f"  - [o{i}] Option {i}\n" for i in range(9))


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ("(choose one) How much", "(pick two) How much"),
            "_pulse/pulse.md:9: unknown question kind '(pick two)': write (yes/no), (choose one)",
        ),
        (
            ("  - [under-20] Less than 20 a month\n  - [over-20] 20 or more a month\n", ""),
            "_pulse/pulse.md:9: question 'paid-how-much' needs at least 2 options",
        ),
        (
            ("(Choose Any) Which of these do you use for work?", "(choose any)"),
            "_pulse/pulse.md:13: question 'own-tools' has no text",
        ),
        (
            ("[over-20]", "[nothing]"),
            "_pulse/pulse.md:12: duplicate option id 'nothing' (also on line 10)",
        ),
        (
            ("[over-20] 20 or more a month", "[over-20]"),
            "_pulse/pulse.md:12: option 'over-20' has no label",
        ),
        (("[over-20]", "[Over 20]"), "_pulse/pulse.md:12: option id 'Over 20' must be a slug"),
        (("  - [over-20] 20", "  - 20"), "_pulse/pulse.md:12: an option must start with its id"),
        (
            ("[over-20] 20", "[over-20] " + "x" * 121),
            "_pulse/pulse.md:12: option 'over-20' is longer than 120",
        ),
        (
            ("  - [none] None of these\n", "  - [none] None of these\n" + NINE_OPTIONS),
            "_pulse/pulse.md:23: at most 8 options per question",  # the 9th option
        ),
        (
            ("strategic.\n", "strategic.\n  - [yes] Yes\n"),
            "_pulse/pulse.md:9: question 'strategic' has no options: only (choose one) and",
        ),
        (
            ("---\n\n- [strategic]", "---\n\n  - [early] An option too early\n- [strategic]"),
            "_pulse/pulse.md:8: an option ('  - [id] label') must come under its question",
        ),
    ],
)
def test_option_problems_are_reported_at_file_and_line(
    change: tuple[str, str], expected: str
) -> None:
    text = CHOICES.replace(*change)
    assert text != CHOICES
    found = problems_of(text)
    assert any(expected in problem for problem in found), found


def option_values(app: Flask, key: str) -> dict[str, tuple[int, str, bool]]:
    """A question's options: key -> (value, label, retired)."""
    with app.app_context():
        question = db.session.scalar(select(PulseQuestion).where(PulseQuestion.key == key))
        assert question is not None
        found = {o.key: (o.value, o.label, o.retired_at is not None) for o in question.options}
        db.session.remove()
    return found


def publish_text(app: Flask, text: str) -> None:
    source, problems = parse_pulse("pulse", text.encode())
    assert source is not None, problems
    with app.app_context():
        publish_pulse(db.session, source)
        db.session.commit()
        db.session.remove()


def test_options_keep_their_values_across_publishes(app: Flask) -> None:
    """An option's counts are stored under its value: reordering, relabelling, removing and
    putting back options never moves counts from one option to another."""
    publish_text(app, CHOICES)
    assert option_values(app, "paid-how-much") == {
        "nothing": (1, "Nothing", False),
        "under-20": (2, "Less than 20 a month", False),
        "over-20": (3, "20 or more a month", False),
    }
    edited = CHOICES.replace(
        "  - [nothing] Nothing\n  - [under-20] Less than 20 a month\n",
        "  - [over-50] More than 50 a month\n  - [nothing] Nothing at all\n",
    )
    publish_text(app, edited)
    assert option_values(app, "paid-how-much") == {
        "over-20": (3, "20 or more a month", False),
        "over-50": (4, "More than 50 a month", False),
        "nothing": (1, "Nothing at all", False),
        "under-20": (2, "Less than 20 a month", True),  # retired, its counts kept
    }
    publish_text(app, CHOICES)
    assert option_values(app, "paid-how-much")["under-20"] == (2, "Less than 20 a month", False)
    assert option_values(app, "paid-how-much")["over-50"][2]  # now retired

    with app.app_context():
        changed_kind, _ = parse_pulse(
            "pulse", CHOICES.replace("(Choose Any)", "(choose one)").encode()
        )
        assert changed_kind is not None
        with pytest.raises(PulseError, match="needs a new id"):
            publish_pulse(db.session, changed_kind)
        db.session.rollback()
