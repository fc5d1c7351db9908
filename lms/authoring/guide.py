"""The authoring guide (docs/authoring.md) and the docs it links to, as pages of the workspace.

Each page is rendered with the course renderer (sanitized like a lesson) once per process, on its
first request, not on every one. Authors work in the browser, so what is for administrators is
folded into a "For administrators: technical details" ``<details>``: every Markdown block that
names a command, a setting or a program file (:data:`TECHNICAL_CODE`), and whatever a doc wraps in
``<!-- technical -->`` ... ``<!-- /technical -->``. Links between these docs become links between
their pages; a link to any other doc keeps its text and loses its link.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from functools import cache

from lms.config import PROJECT_ROOT
from lms.courses.questions import FENCE_RE
from lms.courses.render import markdown_to_html, sanitize, time_budget
from lms.layout import scroll_boxes

DOC_DIR = PROJECT_ROOT / "docs"
GUIDE_URL = "/author/guide"  # the blueprint's prefix and route: a test follows every link
# Page name (in the URL) -> file in docs/. "" is the guide itself.
DOCS = {"": "authoring.md", "badges": "badges.md", "literacy-model": "literacy-model.md"}
TECHNICAL_SUMMARY = "For administrators: technical details"
RENDER_SECONDS = 5.0

# In code (a `span` or a fenced block): a command, an option, a setting or a program file.
TECHNICAL_CODE = re.compile(
    r"\bflask\b|\blms [a-z]|\bpytest\b|\bpip\b|scripts/|tests/|\.py\b|\blms\.[a-z]|\bLMS_[A-Z]"
    r"|(?:^|\s)--[a-z]"
)
TECHNICAL_TEXT = re.compile(r"\bLMS_[A-Z]")  # settings named outside code too
CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.DOTALL)
HEADING = re.compile(r"^#{1,6} ")
LIST_ITEM = re.compile(r"^(?:[-*+]|\d+\.) ")
MARKER = re.compile(r"^<!--\s*(/?)technical\s*-->\s*$")
LINK = re.compile(r'<a href="([^"]*)"([^>]*)>(.*?)</a>', re.DOTALL)


@dataclass(frozen=True)
class GuidePage:
    name: str
    title: str
    html: str


# ------------------------------------------------------------------------------- the blocks


def _blocks(text: str) -> list[str]:
    """Top-level Markdown blocks, in order: runs of lines between blank lines. A fenced code
    block, and indented lines after a blank line (a list item's next paragraph), stay in their
    block; a heading or a technical marker is a block of its own."""
    blocks: list[list[str]] = []
    current: list[str] = []
    fence: str | None = None
    blanks = 0
    for line in text.split("\n"):
        if fence is not None:
            current.append(line)
            closing = FENCE_RE.match(line)
            fence = None if closing and closing.group(1)[0] == fence else fence
            continue
        if not line.strip():
            blanks += 1 if current else 0
            continue
        alone = bool(HEADING.match(line) or MARKER.match(line))
        if current and (alone or (blanks and not line[0].isspace())):
            blocks.append(current)
            current = []
        current.extend([""] * blanks if current else [])
        blanks = 0
        current.append(line)
        opening = FENCE_RE.match(line)
        fence = opening.group(1)[0] if opening else None
        if alone:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return ["\n".join(block) for block in blocks]


def is_technical(markdown: str) -> bool:
    """Whether a block names a command, an option, a setting or a program file."""
    if TECHNICAL_TEXT.search(markdown):
        return True
    lines = markdown.split("\n")
    if lines and FENCE_RE.match(lines[0]):
        return bool(TECHNICAL_CODE.search(markdown))
    return any(TECHNICAL_CODE.search(match.group(2)) for match in CODE_SPAN.finditer(markdown))


def _list_items(block: str) -> list[str]:
    items: list[list[str]] = []
    for line in block.split("\n"):
        if LIST_ITEM.match(line) or not items:
            items.append([line])
        else:
            items[-1].append(line)
    return ["\n".join(item) for item in items]


def _classified(text: str) -> list[tuple[bool, str]]:
    """(technical, Markdown) for each block; a list's technical items move to a list of their
    own right after it, so the author still reads the others."""
    parts: list[tuple[bool, str]] = []
    marked = False
    for block in _blocks(text):
        marker = MARKER.match(block)
        if marker:
            marked = not marker.group(1)
            continue
        if marked or HEADING.match(block) or not LIST_ITEM.match(block):
            parts.append((marked or (not HEADING.match(block) and is_technical(block)), block))
            continue
        items = _list_items(block)
        plain = [item for item in items if not is_technical(item)]
        technical = [item for item in items if is_technical(item)]
        parts += [(False, "\n".join(plain))] if plain else []
        parts += [(True, "\n".join(technical))] if technical else []
    return parts


def _runs(parts: list[tuple[bool, str]]) -> list[tuple[bool, str]]:
    runs: list[tuple[bool, list[str]]] = []
    for technical, block in parts:
        if runs and runs[-1][0] == technical:
            runs[-1][1].append(block)
        else:
            runs.append((technical, [block]))
    return [(technical, "\n\n".join(blocks)) for technical, blocks in runs]


# ------------------------------------------------------------------------------- the HTML


def _doc_link(match: re.Match[str]) -> str:
    href, rest, text = match.group(1), match.group(2), match.group(3)
    if href.startswith("#") or re.match(r"^(?:https?|mailto):", href):
        return match.group(0)
    path, _, fragment = href.partition("#")
    folder, file = posixpath.split(path)
    names = {doc_file: name for name, doc_file in DOCS.items()}
    if file not in names or folder not in {"", "docs", "../docs", "."}:
        return text  # a doc that is not a page here: its words stay, without a link
    url = f"{GUIDE_URL}/{names[file]}" if names[file] else GUIDE_URL
    return f'<a href="{url}{"#" + fragment if fragment else ""}"{rest}>{text}</a>'


def render_doc(text: str) -> str:
    """A doc (without its title) as safe HTML, technical parts folded, links made to work."""
    runs = _runs(_classified(text))
    with time_budget(RENDER_SECONDS):
        converted = markdown_to_html([markdown for _, markdown in runs])
    pieces = []
    for (technical, _), html in zip(runs, converted, strict=True):
        safe = LINK.sub(_doc_link, sanitize(html))
        pieces.append(
            f'<details class="technical"><summary>{TECHNICAL_SUMMARY}</summary>{safe}</details>'
            if technical
            else safe
        )
    return scroll_boxes("\n".join(pieces))


def _read(name: str) -> tuple[str, str]:
    """A doc's title (its ``# `` line) and the rest of its text."""
    text = (DOC_DIR / DOCS[name]).read_text(encoding="utf-8")
    if not text.startswith("# "):
        return "", text
    first, _, rest = text.partition("\n")
    return first[2:].strip(), rest


@cache
def doc_title(name: str) -> str:
    return _read(name)[0]


@cache
def guide_page(name: str) -> GuidePage:
    """One page of the guide (``KeyError`` for a name not in :data:`DOCS`); a failed render
    raises and is tried again next time."""
    title, text = _read(name)
    return GuidePage(name, title, render_doc(text))


def guide_html() -> str:
    return guide_page("").html
