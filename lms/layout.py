"""Page layout helpers shared by the templates.

Wide tables and code blocks scroll inside their own box rather than widening the page. In the
templates that box is the ``scroll_box`` macro (templates/_scroll_box.html); course HTML stored at
publish time gets the same markup from the ``scroll_boxes`` filter when a page prints it.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator

from flask import Flask, g, has_app_context

from lms.words import duration_in_words

# The same markup as templates/_scroll_box.html: focusable (tabindex), so keyboard users can
# scroll it, and a named region, so screen readers say what it is.
_BOX = '<div class="scroll-box" tabindex="0" role="region" aria-label="{label}">'
_OPENING = re.compile(r"<(pre|table)(?=[\s>])[^>]*>")
_LABELS = {"pre": "Code example", "table": "Table"}


def _numbers() -> dict[str, Iterator[int]]:
    """Code example 1, 2, 3... across everything one page prints (a page may print several
    stored fragments): the names of a page's regions must differ."""
    if not has_app_context():
        return {tag: itertools.count(1) for tag in _LABELS}
    if "scroll_box_numbers" not in g:
        g.scroll_box_numbers = {tag: itertools.count(1) for tag in _LABELS}
    numbers: dict[str, Iterator[int]] = g.scroll_box_numbers
    return numbers


def scroll_boxes(html: str | None) -> str:
    """Wrap every ``<pre>`` and ``<table>`` of sanitized course HTML in a scroll box.

    Only for the output of ``lms.courses.render`` (nh3): it escapes ``<`` and ``>`` in text and in
    attribute values, so every match is a tag, and it closes every element, so each opening tag
    has its closing tag and the boxes nest exactly as the elements do.
    """
    if not html or ("<pre" not in html and "<table" not in html):
        return html or ""
    numbers = _numbers()
    html = _OPENING.sub(
        lambda match: (
            _BOX.format(label=f"{_LABELS[match[1]]} {next(numbers[match[1]])}") + match[0]
        ),
        html,
    )
    return html.replace("</pre>", "</pre></div>").replace("</table>", "</table></div>")


def init_app(app: Flask) -> None:
    app.add_template_filter(scroll_boxes, "scroll_boxes")
    app.add_template_filter(duration_in_words, "duration_in_words")
