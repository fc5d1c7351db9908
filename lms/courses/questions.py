"""The question format of ``docs/authoring.md`` ("Questions"): reading one question block.

A block runs from its ``## Question: <id>`` line to the next one (or the end of the file). It is
read in three steps - the settings under the heading, the body (stem, options with feedback,
explanation), then one small check per rule - and every problem is reported with its line. A block
with any problem yields no question; the caller knows by the problems it collected.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Protocol

from lms.courses.vocabulary import COMPETENCIES, DIFFICULTIES, QUESTION_TYPES

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Linear patterns: a lazy group before \s*$ backtracks quadratically on long runs of spaces, so
# the captured text is stripped in code instead.
QUESTION_HEADING_RE = re.compile(r"^##\s+Question:(.*)$")
OPTION_RE = re.compile(r"^- \[([ xX])\]\s+(.*)$")
FEEDBACK_RE = re.compile(r"^\s{2,}Feedback:\s*(.*)$")
EXPLANATION_RE = re.compile(r"^Explanation:\s*(.*)$")
META_RE = re.compile(r"^([A-Za-z_][\w-]*)[ \t]*:(.*)$")
FENCE_RE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
# "allow: <rule-id>: <why>" silences one assessment-check finding for this question.
ALLOW_RE = re.compile(r"^([a-z0-9]+(?:-[a-z0-9]+)*)\s*:\s*(\S.*)$")

QUESTION_META_KEYS = {"type", "competency", "difficulty", "choose", "pin_last", "allow"}
YES_NO = {"yes": True, "true": True, "no": False, "false": False}
MIN_ALLOW_REASON = 10


class Report(Protocol):
    """Where problems go: ``add(line, message)`` (the course parser's per-file collector)."""

    def add(self, line: int, message: str) -> None: ...


@dataclass
class OptionSource:
    key: str
    text: str
    correct: bool
    feedback: str
    line: int


@dataclass(frozen=True)
class Allowance:
    """An author's justified exception to one assessment-check rule, kept visible."""

    rule: str
    reason: str
    line: int


@dataclass
class QuestionSource:
    slug: str
    type: str
    competency: str
    difficulty: int
    choose_many: bool
    stem: str
    options: list[OptionSource]
    explanation: str
    path: str
    line: int
    module_slug: str | None = None
    pin_last: bool = False
    allowances: list[Allowance] = field(default_factory=list)
    stem_line: int = 0

    @property
    def multiple_answers(self) -> bool:
        """Whether the learner picks all that apply (checkboxes) rather than one (radio)."""
        return self.type == "multiple" or (self.type == "scenario" and self.choose_many)

    def allows(self, rule: str) -> bool:
        return any(allowance.rule == rule for allowance in self.allowances)


class _CountingReport:
    """Passes problems on and counts them, so the parser knows whether the block was clean."""

    def __init__(self, report: Report) -> None:
        self.report = report
        self.count = 0

    def add(self, line: int, message: str) -> None:
        self.count += 1
        self.report.add(line, message)


# ------------------------------------------------------------------------------ splitting a body


def split_questions(body: str) -> tuple[str, list[tuple[int, list[str]]]]:
    """The text before the first question, and each question block with its offset in ``body``.

    A ``## Question:`` line inside a fenced code block is text, not a new question.
    """
    lines = body.split("\n")
    starts: list[int] = []
    in_fence: str | None = None
    for index, line in enumerate(lines):
        fence = FENCE_RE.match(line)
        if fence:
            in_fence = _toggle_fence(in_fence, fence.group(1)[0])
            continue
        if in_fence is None and QUESTION_HEADING_RE.match(line):
            starts.append(index)
    lesson = "\n".join(lines[: starts[0]] if starts else lines)
    ends = [*starts[1:], len(lines)] if starts else []
    return lesson, [(start, lines[start:end]) for start, end in zip(starts, ends, strict=True)]


def _toggle_fence(in_fence: str | None, marker: str) -> str | None:
    if in_fence is None:
        return marker
    return None if in_fence == marker else in_fence


def lines_outside_fences(body: str) -> Iterator[tuple[int, str]]:
    """(offset, line) for each line of ``body`` outside fenced code blocks (fence lines too are
    left out): the lines a check of the Markdown's own syntax should read."""
    in_fence: str | None = None
    for offset, line in enumerate(body.split("\n")):
        fence = FENCE_RE.match(line)
        if fence:
            in_fence = _toggle_fence(in_fence, fence.group(1)[0])
        elif in_fence is None:
            yield offset, line


# ------------------------------------------------------------------------------ one question


@dataclass
class _Settings:
    values: dict[str, tuple[str, int]]
    allowances: list[Allowance]
    body_start: int


@dataclass
class _Body:
    stem: list[str] = field(default_factory=list)
    options: list[OptionSource] = field(default_factory=list)
    explanation: list[str] = field(default_factory=list)
    stem_line: int = 0


def parse_question(
    block: list[str], line_no: int, report: Report, module_slug: str | None
) -> QuestionSource | None:
    """One question block starting at ``line_no`` (its heading line), or None if it has problems."""
    counted = _CountingReport(report)
    heading = QUESTION_HEADING_RE.match(block[0])
    slug = heading.group(1).strip() if heading else ""
    if not SLUG_RE.fullmatch(slug):
        shown = slug if len(slug) <= 60 else slug[:60] + "..."
        counted.add(line_no, f"question id {shown!r} must be a slug (a-z, 0-9, hyphens)")
        slug = shown
    settings = _read_settings(block, line_no, counted)
    qtype = _question_type(settings, slug, line_no, counted)
    competency = _competency(settings, slug, line_no, counted)
    difficulty = _difficulty(settings, slug, line_no, counted)
    choose = _choose(settings, slug, qtype, line_no, counted)
    pin_last = _pin_last(settings, slug, counted)
    body = _read_body(block, settings.body_start, line_no, slug, counted)
    read = _Block(
        slug,
        qtype,
        choose,
        "\n".join(body.stem).strip(),
        "\n".join(body.explanation).strip(),
        body.options,
        line_no,
    )
    for check in (_check_text, _check_key_count, _check_true_false, _check_options):
        check(read, counted)
    if counted.count:
        return None
    return QuestionSource(
        slug=slug,
        type=qtype,
        competency=competency,
        difficulty=difficulty,
        choose_many=choose == "all",
        stem=read.stem,
        options=body.options,
        explanation=read.explanation,
        path="quiz.md",
        line=line_no,
        module_slug=module_slug,
        pin_last=pin_last,
        allowances=settings.allowances,
        stem_line=body.stem_line or line_no,
    )


def _read_settings(block: list[str], line_no: int, report: Report) -> _Settings:
    """``key: value`` lines right under the heading, up to the first blank line."""
    values: dict[str, tuple[str, int]] = {}
    allowances: list[Allowance] = []
    index = 1
    while index < len(block) and block[index].strip():
        match = META_RE.match(block[index])
        if not match or OPTION_RE.match(block[index]):
            break
        key, value, line = match.group(1).lower(), match.group(2).strip(), line_no + index
        if key not in QUESTION_META_KEYS:
            report.add(
                line,
                f"unknown question setting {key!r} "
                f"(allowed: {', '.join(sorted(QUESTION_META_KEYS))})",
            )
        elif key == "allow":
            allowance = _allowance(value, line, report)
            if allowance is not None:
                allowances.append(allowance)
        else:
            values[key] = (value, line)
        index += 1
    return _Settings(values, allowances, index)


def _allowance(value: str, line: int, report: Report) -> Allowance | None:
    match = ALLOW_RE.match(value)
    if match is None or len(match.group(2).strip()) < MIN_ALLOW_REASON:
        report.add(
            line,
            "'allow:' needs a check's name and why the finding does not apply, e.g. "
            "'allow: key-longest: the law's exact wording is the point of the question'",
        )
        return None
    return Allowance(match.group(1), match.group(2).strip(), line)


def _question_type(settings: _Settings, slug: str, line_no: int, report: Report) -> str:
    qtype, line = settings.values.get("type", ("", line_no))
    if qtype not in QUESTION_TYPES:
        report.add(
            line,
            f"question {slug!r}: 'type' must be one of: {', '.join(QUESTION_TYPES)}"
            if qtype
            else f"question {slug!r}: missing 'type:' line",
        )
    return qtype


def _competency(settings: _Settings, slug: str, line_no: int, report: Report) -> str:
    competency, line = settings.values.get("competency", ("", line_no))
    if competency not in COMPETENCIES:
        report.add(
            line,
            f"question {slug!r}: unknown competency {competency!r} "
            f"(expected one of: {', '.join(COMPETENCIES)})"
            if competency
            else f"question {slug!r}: missing 'competency:' line",
        )
    return competency


def _difficulty(settings: _Settings, slug: str, line_no: int, report: Report) -> int:
    text, line = settings.values.get("difficulty", ("", line_no))
    difficulty = int(text) if text.isdigit() else 0
    if difficulty not in DIFFICULTIES:
        report.add(
            line,
            f"question {slug!r}: 'difficulty' must be 1, 2 or 3"
            if text
            else f"question {slug!r}: missing 'difficulty:' line",
        )
    return difficulty


def _choose(settings: _Settings, slug: str, qtype: str, line_no: int, report: Report) -> str:
    choose, line = settings.values.get("choose", ("one", line_no))
    if "choose" in settings.values and qtype != "scenario":
        report.add(line, f"question {slug!r}: 'choose' is only for scenario questions")
    if choose not in {"one", "all"}:
        report.add(line, f"question {slug!r}: 'choose' must be 'one' or 'all'")
    return choose


def _pin_last(settings: _Settings, slug: str, report: Report) -> bool:
    if "pin_last" not in settings.values:
        return False
    value, line = settings.values["pin_last"]
    if value.lower() not in YES_NO:
        report.add(line, f"question {slug!r}: 'pin_last' must be yes or no")
        return False
    return YES_NO[value.lower()]


def _read_body(block: list[str], start: int, line_no: int, slug: str, report: Report) -> _Body:
    """The stem up to the first option, the options with their feedback, then the explanation."""
    body = _Body()
    state = "stem"
    in_fence: str | None = None
    for offset in range(start, len(block)):
        line, current = block[offset], line_no + offset
        if state == "stem":
            fence = FENCE_RE.match(line)
            if fence:
                in_fence = _toggle_fence(in_fence, fence.group(1)[0])
            if in_fence is None and OPTION_RE.match(line):
                state = "options"
            elif in_fence is None and (explanation := EXPLANATION_RE.match(line)):
                report.add(current, f"question {slug!r}: 'Explanation:' comes after the options")
                body.explanation.append(explanation.group(1))
                state = "explanation"
                continue
            else:
                if line.strip() and not body.stem_line:
                    body.stem_line = current
                body.stem.append(line)
                continue
        if state == "options":
            state = _read_option_line(body, line, current, slug, report)
        elif state == "explanation":
            body.explanation.append(line)
    return body


def _read_option_line(body: _Body, line: str, current: int, slug: str, report: Report) -> str:
    """One line in the options part; returns the state the next line is read in."""
    options = body.options
    if option := OPTION_RE.match(line):
        key = chr(ord("a") + len(options)) if len(options) < 26 else str(len(options))
        options.append(
            OptionSource(key, option.group(2).strip(), option.group(1) != " ", "", current)
        )
    elif (feedback := FEEDBACK_RE.match(line)) and options:
        if options[-1].feedback:
            report.add(current, f"question {slug!r}: an option has two Feedback lines")
        options[-1].feedback = feedback.group(1).strip()
    elif explanation := EXPLANATION_RE.match(line):
        body.explanation.append(explanation.group(1))
        return "explanation"
    elif not line.strip():
        pass
    elif line.startswith("  ") and options:
        # A wrapped option or feedback line continues the previous one.
        target = options[-1]
        if target.feedback:
            target.feedback += " " + line.strip()
        else:
            target.text += " " + line.strip()
    else:
        report.add(
            current,
            f"question {slug!r}: expected an option ('- [x] ' or '- [ ] '), an indented "
            "'Feedback:' line or 'Explanation:'",
        )
    return "options"


# ------------------------------------------------------------------------------ rules on a block


@dataclass
class _Block:
    """What the rules below look at: a question as read, before it is known to be valid."""

    slug: str
    qtype: str
    choose: str
    stem: str
    explanation: str
    options: list[OptionSource]
    line_no: int


def _check_text(block: _Block, report: Report) -> None:
    if not block.stem:
        report.add(block.line_no, f"question {block.slug!r} has no question text")
    if not block.explanation:
        report.add(block.line_no, f"question {block.slug!r} has no 'Explanation:'")


def _check_key_count(block: _Block, report: Report) -> None:
    if len(block.options) < 2:
        report.add(
            block.line_no,
            f"question {block.slug!r} needs at least two options ('- [x] ' / '- [ ] ')",
        )
    correct = sum(option.correct for option in block.options)
    if block.options and correct == 0:
        report.add(
            block.line_no, f"question {block.slug!r} has no correct answer (mark one with '- [x] ')"
        )
    single = block.qtype in {"single", "true-false"} or (
        block.qtype == "scenario" and block.choose == "one"
    )
    if single and correct > 1:
        report.add(
            block.line_no,
            f"question {block.slug!r} is single-answer but marks {correct} options correct "
            "(use type: multiple, or choose: all for a scenario)",
        )


def _check_true_false(block: _Block, report: Report) -> None:
    if block.qtype == "true-false" and sorted(option.text.lower() for option in block.options) != [
        "false",
        "true",
    ]:
        report.add(
            block.line_no,
            f"question {block.slug!r}: a true-false question has exactly the options True and "
            "False",
        )


def _check_options(block: _Block, report: Report) -> None:
    for option in block.options:
        if not option.text:
            report.add(option.line, f"question {block.slug!r}: an option has no text")
        if not option.feedback:
            report.add(
                option.line, f"question {block.slug!r}: option has no '  Feedback:' line under it"
            )
    if len({option.text.lower() for option in block.options}) != len(block.options):
        report.add(block.line_no, f"question {block.slug!r} lists the same option twice")
