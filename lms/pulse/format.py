"""Parse and validate a pulse survey written as ``courses/_pulse/<slug>.md`` (see docs/pulse.md).

Like the course parser it never raises: every problem is a :class:`Problem` with the file and line,
and a pulse with any problem yields no :class:`PulseSource`. It reuses the course parser's file
decoding and safe YAML front matter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from lms.courses.format import (
    Problem,
    _Collector,
    _Settings,
    content_hash,
    decode,
    split_front_matter,
)
from lms.courses.questions import SLUG_RE

PULSE_KEYS = {"title", "opens", "recurs", "scale"}
SCALES = ("likert-5",)
MAX_QUESTIONS = 12  # answered in under a minute
MAX_QUESTION_CHARS = 300
QUESTION_RE = re.compile(r"^[-*]\s+\[([^\]]*)\]\s*(.*?)\s*$")
LIST_ITEM_RE = re.compile(r"^\s*[-*]\s+")
OPTION_RE = re.compile(r"^\s+[-*]\s+\[([^\]]*)\]\s*(.*?)\s*$")  # indented under a question
KIND_RE = re.compile(r"^\(([^)]*)\)\s*")  # a marker in brackets before the question's text
KIND_MARKERS = {"yes/no": "yes-no", "choose one": "choose-one", "choose any": "choose-any"}
CHOICE_KINDS = ("choose-one", "choose-any")
MIN_OPTIONS, MAX_OPTIONS = 2, 8
MAX_OPTION_CHARS = 120
EVERY_RE = re.compile(r"^every\s*:?\s*(\d+)\s+(week|weeks|month|months)$")
NAMED_PERIODS = {
    "once": ("once", 0),
    "weekly": ("weeks", 1),
    "monthly": ("months", 1),
    "quarterly": ("months", 3),
    "yearly": ("months", 12),
}


@dataclass(frozen=True)
class PulseOptionSource:
    key: str
    label: str
    line: int


@dataclass(frozen=True)
class PulseQuestionSource:
    key: str
    text: str
    kind: str  # likert | yes-no | choose-one | choose-any
    line: int
    options: tuple[PulseOptionSource, ...] = ()  # choose-one and choose-any only


@dataclass(frozen=True)
class PulseSource:
    slug: str
    path: str
    title: str
    intro: str
    opens_on: date
    every_unit: str  # weeks | months | once
    every_count: int
    scale: str
    questions: list[PulseQuestionSource]
    content_hash: str


def parse_recurrence(value: Any) -> tuple[str, int] | None:
    """``once``, ``weekly``, ``monthly``, ``quarterly``, ``yearly``, ``every N weeks|months`` (also
    written ``every: N weeks``, or as the mapping ``{every: N weeks}``)."""
    if isinstance(value, dict) and list(value) == ["every"]:
        value = f"every {value['every']}"
    if not isinstance(value, str):
        return None
    text = " ".join(value.lower().split())
    if text in NAMED_PERIODS:
        return NAMED_PERIODS[text]
    match = EVERY_RE.match(text)
    if not match or not 1 <= int(match.group(1)) <= 52:
        return None
    unit = "weeks" if match.group(2).startswith("week") else "months"
    return unit, int(match.group(1))


def parse_pulse(
    slug: str, data: bytes, *, display_path: str | None = None
) -> tuple[PulseSource | None, list[Problem]]:
    """Parse one pulse file. Returns the pulse only when there are no problems."""
    problems: list[Problem] = []
    path = display_path if display_path is not None else f"courses/_pulse/{slug}.md"
    report = _Collector(problems, path)
    if not SLUG_RE.match(slug):
        report.add(1, f"pulse file name {slug!r} must be a slug (a-z, 0-9, hyphens) plus .md")
    text = decode(data, report)
    if text is None:
        return None, problems
    front = split_front_matter(text, report)
    if front is None:
        return None, problems
    settings = _Settings(front, report, PULSE_KEYS)
    title = settings.text("title", 120)
    opens_on = _opens(front.values.get("opens"), settings.line("opens"), report)
    recurrence: tuple[str, int] | None = ("once", 0)
    if "recurs" not in front.values or front.values.get("recurs") in (None, ""):
        report.add(1, "missing required setting 'recurs'")
    else:
        recurrence = parse_recurrence(front.values["recurs"])
        if recurrence is None:
            report.add(
                settings.line("recurs"),
                "'recurs' must be once, weekly, monthly, quarterly, yearly or "
                "'every N weeks' / 'every N months' (N from 1 to 52)",
            )
    scale = settings.text("scale", 20)
    if scale and scale not in SCALES:
        report.add(settings.line("scale"), f"unknown scale {scale!r} (expected one of: likert-5)")

    intro_lines, questions = _body(front.body, front.body_line, report)
    if not questions:
        report.add(front.body_line, "a pulse needs at least one question ('- [id] text')")
    elif len(questions) > MAX_QUESTIONS:
        report.add(
            questions[MAX_QUESTIONS].line,
            f"at most {MAX_QUESTIONS} questions: a pulse is answered in under a minute",
        )
    if problems or opens_on is None or recurrence is None:
        return None, problems
    return (
        PulseSource(
            slug=slug,
            path=path,
            title=title,
            intro="\n".join(intro_lines).strip(),
            opens_on=opens_on,
            every_unit=recurrence[0],
            every_count=recurrence[1],
            scale=scale,
            questions=questions,
            content_hash=content_hash({f"{slug}.md": data}),
        ),
        problems,
    )


def _body(
    body: str, first_line: int, report: _Collector
) -> tuple[list[str], list[PulseQuestionSource]]:
    """The introduction's lines and the questions (with their options) of a pulse's body."""
    intro_lines: list[str] = []
    questions: list[PulseQuestionSource] = []
    options: dict[int, list[PulseOptionSource]] = {}  # question's line -> its options
    seen: dict[str, int] = {}
    for offset, raw in enumerate(body.split("\n")):
        number = first_line + offset
        line = raw.rstrip()
        option = OPTION_RE.match(line)
        if option is not None:
            _option(option, number, questions, options, report)
            continue
        match = QUESTION_RE.match(line)
        if match is None:
            indented = line[:1].isspace()
            if LIST_ITEM_RE.match(line) and not indented:
                report.add(
                    number,
                    "a question must start with its id in brackets: '- [strategic] Our ...'",
                )
            elif LIST_ITEM_RE.match(line) and questions:
                report.add(
                    number, "an option must start with its id in brackets: '  - [nothing] Nothing'"
                )
            elif questions and line.strip():
                report.add(
                    number,
                    "only questions ('- [id] text') and their options ('  - [id] label') may "
                    "follow the first question; put any introduction above them",
                )
            elif not questions:
                intro_lines.append(raw)
            continue
        questions.append(_question(match, number, seen, report))
        options[number] = []
    return intro_lines, [
        _with_options(question, options[question.line], report) for question in questions
    ]


def _question(
    match: re.Match[str], number: int, seen: dict[str, int], report: _Collector
) -> PulseQuestionSource:
    key, text = match.group(1).strip(), match.group(2)
    kind = "likert"
    marker = KIND_RE.match(text)
    if marker is not None:
        written = " ".join(marker.group(1).lower().split())
        if written in KIND_MARKERS:
            kind = KIND_MARKERS[written]
        else:
            report.add(
                number,
                f"unknown question kind '({marker.group(1)})': write (yes/no), (choose one) or "
                "(choose any) before the text, or nothing for a statement on the scale",
            )
        text = text[marker.end() :]
    if not SLUG_RE.match(key):
        report.add(number, f"question id {key!r} must be a slug (a-z, 0-9, hyphens)")
    elif key in seen:
        report.add(number, f"duplicate question id {key!r} (also on line {seen[key]})")
    else:
        seen[key] = number
    if not text:
        report.add(number, f"question {key!r} has no text")
    elif len(text) > MAX_QUESTION_CHARS:
        report.add(number, f"question {key!r} is longer than {MAX_QUESTION_CHARS} characters")
    return PulseQuestionSource(key, text, kind, number)


def _option(
    match: re.Match[str],
    number: int,
    questions: list[PulseQuestionSource],
    options: dict[int, list[PulseOptionSource]],
    report: _Collector,
) -> None:
    """An indented ``- [id] label`` line: an option of the question above it."""
    if not questions:
        report.add(number, "an option ('  - [id] label') must come under its question")
        return
    question = questions[-1]
    key, label = match.group(1).strip(), match.group(2)
    if question.kind not in CHOICE_KINDS:
        report.add(
            number,
            f"question {question.key!r} has no options: only (choose one) and (choose any) "
            "questions do",
        )
        return
    siblings = options[question.line]
    if not SLUG_RE.match(key):
        report.add(number, f"option id {key!r} must be a slug (a-z, 0-9, hyphens)")
    twin = next((other for other in siblings if other.key == key), None)
    if twin is not None:
        report.add(number, f"duplicate option id {key!r} (also on line {twin.line})")
    if not label:
        report.add(number, f"option {key!r} has no label")
    elif len(label) > MAX_OPTION_CHARS:
        report.add(number, f"option {key!r} is longer than {MAX_OPTION_CHARS} characters")
    if len(siblings) == MAX_OPTIONS:
        report.add(number, f"at most {MAX_OPTIONS} options per question")
    siblings.append(PulseOptionSource(key, label, number))


def _with_options(
    question: PulseQuestionSource, options: list[PulseOptionSource], report: _Collector
) -> PulseQuestionSource:
    if question.kind in CHOICE_KINDS and len(options) < MIN_OPTIONS:
        report.add(
            question.line,
            f"question {question.key!r} needs at least {MIN_OPTIONS} options, each on its own "
            "indented line under it: '  - [id] label'",
        )
    return replace(question, options=tuple(options))


def _opens(value: Any, line: int, report: _Collector) -> date | None:
    if value in (None, ""):
        report.add(1, "missing required setting 'opens'")
        return None
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    report.add(line, "'opens' must be a date written YYYY-MM-DD")
    return None


def pulse_dir(courses_dir: Path) -> Path:
    return courses_dir / "_pulse"


def load_pulses(courses_dir: Path) -> tuple[list[PulseSource], list[Problem]]:
    """Every ``*.md`` in ``courses/_pulse`` (hidden files and a README.md are skipped)."""
    folder = pulse_dir(courses_dir)
    if not folder.is_dir():
        return [], []
    pulses: list[PulseSource] = []
    problems: list[Problem] = []
    for path in sorted(folder.glob("*.md")):
        if path.name.startswith(".") or path.name.lower() == "readme.md" or not path.is_file():
            continue
        pulse, found = parse_pulse(path.stem, path.read_bytes(), display_path=_display(path))
        problems.extend(found)
        if pulse is not None:
            pulses.append(pulse)
    for extra in sorted(folder.iterdir()):
        if not extra.name.startswith(".") and (extra.is_dir() or extra.suffix != ".md"):
            problems.append(Problem(_display(extra), 1, "only pulse files (<slug>.md) belong here"))
    return pulses, problems


def _display(path: Path) -> str:
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()
