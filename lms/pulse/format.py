"""Parse and validate a pulse survey written as ``courses/_pulse/<slug>.md`` (see docs/pulse.md).

Like the course parser it never raises: every problem is a :class:`Problem` with the file and line,
and a pulse with any problem yields no :class:`PulseSource`. It reuses the course parser's file
decoding and safe YAML front matter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
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
LIST_ITEM_RE = re.compile(r"^[-*]\s+")
YES_NO_RE = re.compile(r"^\(yes/no\)\s*", re.IGNORECASE)
EVERY_RE = re.compile(r"^every\s*:?\s*(\d+)\s+(week|weeks|month|months)$")
NAMED_PERIODS = {
    "once": ("once", 0),
    "weekly": ("weeks", 1),
    "monthly": ("months", 1),
    "quarterly": ("months", 3),
    "yearly": ("months", 12),
}


@dataclass(frozen=True)
class PulseQuestionSource:
    key: str
    text: str
    kind: str  # likert | yes-no
    line: int


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

    intro_lines: list[str] = []
    questions: list[PulseQuestionSource] = []
    seen: dict[str, int] = {}
    for offset, raw in enumerate(front.body.split("\n")):
        number = front.body_line + offset
        line = raw.rstrip()
        match = QUESTION_RE.match(line)
        if match is None:
            if LIST_ITEM_RE.match(line):
                report.add(
                    number,
                    "a question must start with its id in brackets: '- [strategic] Our ...'",
                )
            elif questions and line.strip():
                report.add(
                    number,
                    "only questions ('- [id] text') may follow the first question; "
                    "put any introduction above them",
                )
            elif not questions:
                intro_lines.append(raw)
            continue
        key, question_text = match.group(1).strip(), match.group(2)
        kind = "likert"
        if YES_NO_RE.match(question_text):
            kind = "yes-no"
            question_text = YES_NO_RE.sub("", question_text)
        if not SLUG_RE.match(key):
            report.add(number, f"question id {key!r} must be a slug (a-z, 0-9, hyphens)")
        elif key in seen:
            report.add(number, f"duplicate question id {key!r} (also on line {seen[key]})")
        else:
            seen[key] = number
        if not question_text:
            report.add(number, f"question {key!r} has no text")
        elif len(question_text) > MAX_QUESTION_CHARS:
            report.add(number, f"question {key!r} is longer than {MAX_QUESTION_CHARS} characters")
        questions.append(PulseQuestionSource(key, question_text, kind, number))
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
