"""Placeholders in course text: ``[[org: policy-link]]``, ``[[tools: approved]]``, ``[[tool: X]]``.

Course text refers to a few organisation settings and to the AI tools register (``lms.tools``) with
double square brackets, a syntax neither Jinja (``{{ }}``) nor Markdown gives a meaning to, so a
placeholder passes through Python-Markdown untouched. Resolution never evaluates anything: the
rendered, sanitized HTML keeps the placeholders as text, and :func:`substitute` swaps each one for
HTML built from escaped values (the caller sanitizes the result again). Text inside ``<code>`` is
left alone, so authors can show the syntax itself in code.

This module is only the syntax (no database): the checker (:func:`placeholder_problems`, used by
``lms.courses.format``) and finding and replacing placeholders in HTML. The values and the
re-rendering when they change live in ``lms.tools.content``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass

from lms.courses.questions import QUESTION_HEADING_RE, lines_outside_fences

# What may be named in each namespace, with what it shows (for messages and docs).
ORG_KEYS = {
    "policy-link": "a link to the organisation's AI policy",
    "ai-contact": "the person or channel to ask about AI",
    "data-classes": "the data-classification card",
}
TOOLS_KEYS = {"approved": "the approved AI tools, as a list"}
# Shown as a whole block when alone in a paragraph, as a link inside a sentence.
BLOCK_KEYS = frozenset({"org:data-classes", "tools:approved"})
MAX_TOOL_NAME = 100
# Characters a tool name may have, in the register and in [[tool: ...]]: none that Markdown
# would turn into markup (*, _, `, <, [ ...), so the name reaches the HTML as typed.
TOOL_NAME_RE = re.compile(r"[^\W_](?:[^\W_]|[ .,'&+()/-])*")
TOOL_NAME_RULE = (
    "letters, digits, spaces and . , ' & + ( ) / - only, starting with a letter or digit"
)

# A candidate: [[word: anything but brackets]]. In HTML the same text, entities included.
_CANDIDATE = r"\[\[\s*([A-Za-z][A-Za-z-]*)\s*:\s*([^\[\]<>\n]*?)\s*\]\]"
CANDIDATE_RE = re.compile(_CANDIDATE)
_INLINE_CODE_RE = re.compile(r"(`+)(?:.+?)\1")
_CODE_ELEMENT_RE = re.compile(r"(<code\b[^>]*>.*?</code>)", re.DOTALL | re.IGNORECASE)
# One pass finds both forms, so a value put in is never searched for placeholders again.
_IN_HTML_RE = re.compile(r"(<p>\s*)" + _CANDIDATE + r"(\s*</p>)|" + _CANDIDATE)

SYNTAX_HELP = (
    "known placeholders: [[org: policy-link]], [[org: ai-contact]], [[org: data-classes]], "
    "[[tools: approved]] and [[tool: <name of a tool in the register>]]"
)


@dataclass(frozen=True)
class Placeholder:
    """One placeholder: ``namespace`` org | tools | tool; ``name`` the key, or the tool's name."""

    namespace: str
    name: str

    @property
    def key(self) -> str:
        """What it depends on: ``org:policy-link``, ``tools:approved``, ``tool:<name key>``."""
        name = tool_key(self.name) if self.namespace == "tool" else self.name
        return f"{self.namespace}:{name}"

    @property
    def is_block(self) -> bool:
        return self.key in BLOCK_KEYS


def tool_key(name: str) -> str:
    """A tool name as compared: spaces collapsed, case folded ("Chat  assistant" = "chat
    assistant")."""
    return " ".join(name.split()).casefold()


def valid_tool_name(name: str) -> bool:
    return len(name) <= MAX_TOOL_NAME and TOOL_NAME_RE.fullmatch(name) is not None


def parse(namespace: str, value: str) -> Placeholder | str:
    """The placeholder ``[[namespace: value]]``, or why it is not one (a message)."""
    namespace, value = namespace.lower(), " ".join(value.split())
    written = f"[[{namespace}: {value}]]"
    if namespace == "org" and value.lower() in ORG_KEYS:
        return Placeholder("org", value.lower())
    if namespace == "tools" and value.lower() in TOOLS_KEYS:
        return Placeholder("tools", value.lower())
    if namespace == "tool":
        if not value:
            return f"{written}: name the tool, as in the register ([[tool: Chat assistant]])"
        if not valid_tool_name(value):
            return (
                f"{written}: a tool name has at most {MAX_TOOL_NAME} characters: {TOOL_NAME_RULE}"
            )
        return Placeholder("tool", value)
    return f"unknown placeholder {written} ({SYNTAX_HELP})"


# ---------------------------------------------------------------------------------- checking


def placeholder_problems(
    body: str, first_line: int, add: Callable[[int, str], None], *, lesson: bool = True
) -> None:
    """Report (``add(line, message)``) every placeholder in ``body`` that is unknown or badly
    written, and every one in a question (after a ``## Question:`` heading, or anywhere when
    ``lesson`` is false): questions are stored as answered, so they hold no placeholders.
    Fenced code and inline code are skipped, as rendering leaves them alone."""
    in_questions = not lesson
    for offset, line in lines_outside_fences(body):
        if QUESTION_HEADING_RE.match(line):
            in_questions = True
        for message in _line_problems(_INLINE_CODE_RE.sub(" ", line), in_questions):
            add(first_line + offset, message)


def _line_problems(line: str, in_questions: bool) -> list[str]:
    problems = []
    for match in CANDIDATE_RE.finditer(line):
        found = parse(match.group(1), match.group(2))
        if isinstance(found, str):
            problems.append(found)
        elif in_questions:
            problems.append(
                f"{match.group(0)}: placeholders work in lesson text and the course overview, "
                "not in questions (they are kept exactly as learners answered them)"
            )
        elif line[match.end() : match.end() + 1] in {"(", "["}:
            problems.append(
                f"{match.group(0)}: a placeholder cannot be the text of a link; "
                "put a space after it"
            )
    return problems


# ------------------------------------------------------------------------------------ in HTML


def _from_html(namespace: str, value: str) -> Placeholder | None:
    found = parse(namespace, html.unescape(value))
    return found if isinstance(found, Placeholder) else None


def _outside_code(text: str, change: Callable[[str], str]) -> str:
    parts = _CODE_ELEMENT_RE.split(text)
    return "".join(part if index % 2 else change(part) for index, part in enumerate(parts))


def placeholders_in_html(text: str) -> set[Placeholder]:
    """The known placeholders in rendered HTML (outside code)."""
    found: set[Placeholder] = set()

    def collect(part: str) -> str:
        for match in CANDIDATE_RE.finditer(part):
            placeholder = _from_html(match.group(1), match.group(2))
            if placeholder is not None:
                found.add(placeholder)
        return part

    _outside_code(text, collect)
    return found


def substitute(
    text: str,
    inline: Callable[[Placeholder], str],
    block: Callable[[Placeholder], str],
) -> str:
    """``text`` with each known placeholder replaced: a block one alone in its paragraph by
    ``block(placeholder)`` (the whole ``<p>``), every other by ``inline(placeholder)``. Both
    return HTML the caller has built from escaped values; sanitize the result."""

    def replace(match: re.Match[str]) -> str:
        alone = match.group(1) is not None
        namespace, value = match.group(2, 3) if alone else match.group(5, 6)
        placeholder = _from_html(namespace, value)
        if placeholder is None:
            return match.group(0)
        if alone and placeholder.is_block:
            return block(placeholder)
        if alone:
            return f"{match.group(1)}{inline(placeholder)}{match.group(4)}"
        return inline(placeholder)

    return _outside_code(text, lambda part: _IN_HTML_RE.sub(replace, part))
