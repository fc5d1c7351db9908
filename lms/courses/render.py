"""Markdown to safe HTML. Runs at publish time and for author previews, never on a learner's page.

Authors are untrusted: whatever Python-Markdown produces (including raw HTML an author typed) goes
through nh3 with an allow-list of tags, attributes, classes and URL schemes. Relative links to other
modules and to files in the course folder are rewritten to the app's URLs here.
"""

from __future__ import annotations

import posixpath
import re
import threading
from collections.abc import Callable
from typing import Any

import markdown
import nh3

from lms.courses.format import SCHEME_RE, module_slug_from_link

EXTENSIONS = [
    "tables",
    "pymdownx.superfences",
    "footnotes",
    "admonition",
    "sane_lists",
    "toc",
    "pymdownx.details",
    "pymdownx.tasklist",
]
EXTENSION_CONFIG: dict[str, dict[str, Any]] = {
    "toc": {"permalink": False, "toc_depth": "2-3"},
    "pymdownx.tasklist": {"custom_checkbox": False, "clickable_checkbox": False},
    "footnotes": {"BACKLINK_TEXT": "↩"},
}

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "del", "details", "div", "dl",
    "dt", "em", "figcaption", "figure", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "input",
    "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "small", "span", "strong", "sub",
    "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "id", "class"},
    "img": {"src", "alt", "title", "width", "height"},
    "input": {"type", "checked", "disabled"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "ol": {"start"},
    "abbr": {"title"},
    "h2": {"id"}, "h3": {"id"}, "h4": {"id"}, "h5": {"id"}, "h6": {"id"},
    "li": {"id", "class"},
    "div": {"class", "id"},
    "p": {"class"},
    "span": {"class"},
    "code": {"class"},
    "details": {"class", "open"},
    "sup": {"id"},
    "ul": {"class"},
}  # fmt: skip
SAFE_CLASS_RE = re.compile(
    r"^(admonition|admonition-title|note|tip|warning|danger|info|example|question|quote|"
    r"success|failure|bug|abstract|footnote|footnote-ref|footnote-backref|task-list|"
    r"task-list-item|task-list-control|task-list-indicator|language-[a-z0-9+#-]+|toc)$"
)
SAFE_ID_RE = re.compile(r"^[A-Za-z][\w:.-]{0,80}$")
URL_SCHEMES = {"http", "https", "mailto"}


class LinkTargets:
    """Where a course's relative links point once published."""

    def __init__(self, module_url: Callable[[str], str], asset_url: Callable[[str], str]) -> None:
        self.module_url = module_url
        self.asset_url = asset_url

    def rewrite(self, target: str) -> str:
        if not target or target.startswith(("#", "//")) or SCHEME_RE.match(target):
            return target
        path, _, fragment = target.partition("#")
        path = path.split("?", 1)[0]
        normalised = posixpath.normpath(path)
        if normalised.startswith(("..", "/")):
            return "#"
        suffix = f"#{fragment}" if fragment else ""
        if normalised.endswith(".md"):
            slug = module_slug_from_link(normalised)
            return self.module_url(slug) + suffix if slug else "#"
        return self.asset_url(normalised) + suffix


_local = threading.local()


def _converter() -> markdown.Markdown:
    """One Markdown instance per thread, reset between documents.

    Building an instance (loading every extension) costs more than converting a typical lesson,
    and publishing converts thousands of short texts (stems, options, feedback).
    """
    converter: markdown.Markdown | None = getattr(_local, "converter", None)
    if converter is None:
        converter = markdown.Markdown(extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIG)
        _local.converter = converter
    return converter.reset()


def render_markdown(text: str, links: LinkTargets | None = None) -> str:
    return sanitize(_converter().convert(text), links)


def sanitize(html: str, links: LinkTargets | None = None) -> str:
    def attribute_filter(element: str, attribute: str, value: str) -> str | None:
        if attribute == "class":
            kept = [name for name in value.split() if SAFE_CLASS_RE.match(name)]
            return " ".join(kept) or None
        if attribute == "id":
            return value if SAFE_ID_RE.match(value) else None
        if element == "input":
            if attribute == "type":
                return "checkbox" if value == "checkbox" else None
            return value
        if attribute in {"href", "src"} and links is not None:
            return links.rewrite(value)
        return value

    return str(
        nh3.clean(
            html,
            tags=ALLOWED_TAGS,
            attributes=ALLOWED_ATTRIBUTES,
            attribute_filter=attribute_filter,
            url_schemes=URL_SCHEMES,
            link_rel="noopener noreferrer",
            strip_comments=True,
        )
    )


def render_inline(text: str) -> str:
    """Short Markdown (an option, a feedback line) without the surrounding paragraph."""
    html = render_markdown(text)
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        html = html[3:-4]
    return html
