"""The authoring guide (docs/authoring.md) as a page of the author workspace.

It is rendered with the course renderer (sanitized like a lesson) once per process, on its first
request, not on every one.
"""

from __future__ import annotations

from functools import cache

from lms.config import PROJECT_ROOT
from lms.courses.render import render_markdown
from lms.layout import scroll_boxes

GUIDE = PROJECT_ROOT / "docs" / "authoring.md"


@cache
def guide_html() -> str:
    """The guide as safe HTML, without its title (the page has its own heading); a failed render
    raises and is tried again next time."""
    text = GUIDE.read_text(encoding="utf-8")
    if text.startswith("# "):
        text = text.split("\n", 1)[1] if "\n" in text else ""
    return scroll_boxes(render_markdown(text))
