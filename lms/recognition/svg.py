"""Badge images: an allow-list SVG sanitizer and PNG rendering.

nh3 cleans HTML only, so SVG gets its own small sanitizer. It parses with the standard library's
expat (no DTDs, no entities: a DOCTYPE is refused before anything is expanded), keeps only the
elements and attributes on the lists below, and writes a fresh document from what it kept.

- **Refused** (reported as problems, so ``lms courses check`` fails): scripts, ``foreignObject``,
  ``<style>``, links, images, animation elements, event handlers (``on*``), any ``href`` that
  points outside the image (only ``#id`` is allowed), ``url(...)`` other than ``url(#id)``, a
  DOCTYPE or entity, an SVG without a square ``viewBox`` or without a ``<title>``.
- **Stripped** silently: editor metadata (Inkscape, Sodipodi, RDF, Dublin Core), comments,
  processing instructions and attributes that are not on the list (``class``, ``data-*``...).
  ``style="fill:#123"`` declarations become presentation attributes (``fill="#123"``): the CSP
  forbids inline styles, and attributes survive it.

The result is served as an image and rendered to PNG with CairoSVG (imported lazily: only
publishing needs it).
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass, field
from typing import Any
from xml.parsers import expat
from xml.sax.saxutils import escape, quoteattr

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
XML_NS = "http://www.w3.org/XML/1998/namespace"
EDITOR_NAMESPACES = {
    "http://www.inkscape.org/namespaces/inkscape",
    "http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "http://creativecommons.org/ns#",
    "http://web.resource.org/cc/",
    "http://purl.org/dc/elements/1.1/",
    "http://www.bohemiancoding.com/sketch/ns",
    "http://ns.adobe.com/AdobeIllustrator/10.0/",
    "http://ns.adobe.com/Extensibility/1.0/",
    "http://ns.adobe.com/Graphs/1.0/",
    "http://ns.adobe.com/SaveForWeb/1.0/",
    "http://ns.adobe.com/Variables/1.0/",
    "http://ns.adobe.com/AdobeSVGViewerExtensions/3.0/",
}

MAX_SVG_BYTES = 200 * 1024
MAX_ELEMENTS = 4000
MAX_DEPTH = 40
PNG_SIZE = 400  # pixels, square; Open Badges images should be at least 90 x 90

ELEMENTS = {
    "svg", "g", "defs", "title", "desc", "symbol", "use",
    "path", "rect", "circle", "ellipse", "line", "polyline", "polygon",
    "text", "tspan", "textPath",
    "linearGradient", "radialGradient", "stop", "clipPath", "mask", "pattern", "marker",
    "filter", "feGaussianBlur", "feOffset", "feMerge", "feMergeNode", "feFlood", "feComposite",
    "feBlend", "feColorMatrix", "feDropShadow", "feMorphology",
}  # fmt: skip
# Elements whose text is content (everything else: whitespace between tags, dropped).
TEXT_ELEMENTS = {"title", "desc", "text", "tspan", "textPath"}
# Refused outright, with a reason an author can act on.
DANGEROUS_ELEMENTS = {
    "script": "it could run code",
    "foreignObject": "it embeds HTML, which could run code",
    "style": 'use presentation attributes such as fill="#123456" instead of a style sheet',
    "a": "badge images cannot hold links",
    "image": "draw the artwork in SVG instead of embedding or loading an image",
    "feImage": "draw the artwork in SVG instead of embedding or loading an image",
    "iframe": "it loads another document",
    "object": "it loads another document",
    "embed": "it loads another document",
    "audio": "badge images are still pictures",
    "video": "badge images are still pictures",
    "animate": "badge images are still pictures",
    "animateMotion": "badge images are still pictures",
    "animateTransform": "badge images are still pictures",
    "animateColor": "badge images are still pictures",
    "set": "badge images are still pictures",
    "handler": "it could run code",
    "listener": "it could run code",
    "cursor": "badge images are still pictures",
}
DROPPED_ELEMENTS = {"metadata"}  # editor data: removed without a word

PRESENTATION = {
    "fill", "fill-opacity", "fill-rule", "stroke", "stroke-width", "stroke-linecap",
    "stroke-linejoin", "stroke-dasharray", "stroke-dashoffset", "stroke-miterlimit",
    "stroke-opacity", "opacity", "color", "display", "visibility", "clip-path", "clip-rule",
    "mask", "filter", "stop-color", "stop-opacity", "font-family", "font-size", "font-weight",
    "font-style", "font-variant", "font-stretch", "text-anchor", "dominant-baseline",
    "alignment-baseline", "baseline-shift", "letter-spacing", "word-spacing", "text-decoration",
    "paint-order", "vector-effect", "shape-rendering", "text-rendering", "color-interpolation",
    "color-interpolation-filters", "flood-color", "flood-opacity", "lighting-color",
    "marker-start", "marker-mid", "marker-end", "overflow", "mix-blend-mode", "isolation",
}  # fmt: skip
ATTRIBUTES = PRESENTATION | {
    "id", "viewBox", "width", "height", "x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r",
    "rx", "ry", "fx", "fy", "fr", "d", "points", "pathLength", "transform", "offset",
    "gradientUnits", "gradientTransform", "spreadMethod", "patternUnits", "patternContentUnits",
    "patternTransform", "clipPathUnits", "maskUnits", "maskContentUnits", "filterUnits",
    "primitiveUnits", "preserveAspectRatio", "markerWidth", "markerHeight", "markerUnits",
    "refX", "refY", "orient", "dx", "dy", "rotate", "textLength", "lengthAdjust",
    "startOffset", "method", "spacing", "side", "stdDeviation", "in", "in2", "result", "mode",
    "operator", "k1", "k2", "k3", "k4", "values", "type", "radius", "edgeMode",
    "role", "aria-label", "aria-labelledby", "aria-describedby", "aria-hidden", "focusable",
    "lang", "href",
}  # fmt: skip
CSS_DECLARATION_RE = re.compile(r"^\s*([a-zA-Z-]+)\s*:\s*(.*?)\s*$", re.DOTALL)
LOCAL_URL_RE = re.compile(r"url\(\s*(['\"]?)#[A-Za-z_][\w.:-]*\1\s*\)")
LOCAL_HREF_RE = re.compile(r"^#[A-Za-z_][\w.:-]*$")
ID_RE = re.compile(r"^[A-Za-z_][\w.:-]{0,100}$")
# Characters and words that have no business in an attribute of a drawing.
SUSPICIOUS_RE = re.compile(r"javascript:|vbscript:|data:|expression\s*\(|@import|\\|<|>", re.I)
NUMBER_RE = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")


class BadgeImageError(RuntimeError):
    """The PNG of a badge cannot be rendered (CairoSVG or Cairo missing, or Cairo failed)."""


@dataclass
class _Node:
    namespace: str
    name: str
    attributes: dict[tuple[str, str], str]
    line: int
    content: list[str | _Node] = field(default_factory=list)  # text and child elements, in order

    @property
    def children(self) -> list[_Node]:
        return [item for item in self.content if isinstance(item, _Node)]

    @property
    def text(self) -> str:
        return "".join(item for item in self.content if isinstance(item, str))


class _Refused(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def _split(name: str) -> tuple[str, str]:
    namespace, _, local = name.rpartition(" ")
    return namespace, local


def _parse(data: bytes) -> _Node:
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.buffer_text = True
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    stack: list[_Node] = []
    root: list[_Node] = []
    count = 0

    def refuse_doctype(*_args: Any) -> None:
        raise _Refused(
            parser.CurrentLineNumber, "DOCTYPE declarations and entities are not allowed"
        )

    def start(name: str, attributes: dict[str, str]) -> None:
        nonlocal count
        count += 1
        if count > MAX_ELEMENTS:
            raise _Refused(parser.CurrentLineNumber, f"more than {MAX_ELEMENTS} elements")
        if len(stack) >= MAX_DEPTH:
            raise _Refused(parser.CurrentLineNumber, f"elements nested deeper than {MAX_DEPTH}")
        namespace, local = _split(name)
        node = _Node(
            namespace,
            local,
            {_split(key): value for key, value in attributes.items()},
            parser.CurrentLineNumber,
        )
        if stack:
            stack[-1].content.append(node)
        else:
            root.append(node)
        stack.append(node)

    def end(_name: str) -> None:
        stack.pop()

    def characters(text: str) -> None:
        if stack:
            stack[-1].content.append(text)

    parser.StartDoctypeDeclHandler = refuse_doctype
    parser.EntityDeclHandler = refuse_doctype
    parser.UnparsedEntityDeclHandler = refuse_doctype
    parser.ExternalEntityRefHandler = refuse_doctype  # type: ignore[assignment]
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = characters
    try:
        parser.Parse(data, True)
    except expat.ExpatError as error:
        raise _Refused(
            error.lineno or 1, f"not well-formed XML: {expat.ErrorString(error.code)}"
        ) from error
    except (ValueError, RecursionError) as error:
        raise _Refused(1, f"cannot read the SVG: {error}") from error
    return root[0]


@dataclass
class SanitizedSvg:
    svg: str | None  # None when there were problems
    problems: list[tuple[int, str]]
    title: str = ""


def sanitize_svg(
    data: bytes, *, badge: bool = True, max_bytes: int = MAX_SVG_BYTES
) -> SanitizedSvg:
    """Check and clean an SVG. Never raises: problems come back as (line, message).

    ``badge=False`` is for a course's images (diagrams): the same allow-list, but no square
    ``viewBox`` or ``<title>`` is required (the lesson's ``![text](...)`` names the image).
    """
    if len(data) > max_bytes:
        return SanitizedSvg(None, [(1, f"the image is larger than {max_bytes} bytes")])
    try:
        root = _parse(data)
    except _Refused as refused:
        return SanitizedSvg(None, [(refused.line, refused.message)])
    problems: list[tuple[int, str]] = []
    if root.namespace != SVG_NS or root.name != "svg":
        problems.append(
            (root.line, f'the root element must be <svg xmlns="{SVG_NS}">, not <{root.name}>')
        )
        return SanitizedSvg(None, problems)
    title = next((child.text.strip() for child in root.children if _is_svg(child, "title")), "")
    if badge:
        _check_view_box(root, problems)
    if badge and not title:
        problems.append(
            (root.line, "add a <title> inside <svg> (the image's accessible name), e.g. "
             "<title>Careful checker badge</title>")
        )  # fmt: skip
    output: list[str] = []
    _write(root, output, problems, is_root=True)
    if not badge:
        problems = [(line, message.replace("badge images", "images")) for line, message in problems]
    if problems:
        return SanitizedSvg(None, sorted(set(problems)), title)
    return SanitizedSvg("".join(output) + "\n", [], title)


def _is_svg(node: _Node, name: str) -> bool:
    return node.namespace == SVG_NS and node.name == name


def _check_view_box(root: _Node, problems: list[tuple[int, str]]) -> None:
    view_box = root.attributes.get(("", "viewBox"), "")
    parts = view_box.replace(",", " ").split()
    if len(parts) != 4 or not all(NUMBER_RE.match(part) for part in parts):
        problems.append((root.line, 'the <svg> needs a viewBox such as viewBox="0 0 200 200"'))
        return
    width, height = float(parts[2]), float(parts[3])
    if width <= 0 or height <= 0 or abs(width - height) > 1e-9:
        problems.append((root.line, f"the viewBox must be square (it is {parts[2]} x {parts[3]})"))


def _write(
    node: _Node, output: list[str], problems: list[tuple[int, str]], *, is_root: bool = False
) -> None:
    if node.namespace in EDITOR_NAMESPACES or (
        node.namespace == SVG_NS and node.name in DROPPED_ELEMENTS
    ):
        return
    if node.namespace != SVG_NS:
        problems.append(
            (node.line, f"<{node.name}> from {node.namespace or 'no namespace'} is not SVG")
        )
        return
    if node.name in DANGEROUS_ELEMENTS:
        problems.append(
            (
                node.line,
                f"<{node.name}> is not allowed in badge images: {DANGEROUS_ELEMENTS[node.name]}",
            )
        )
        return
    if node.name not in ELEMENTS:
        problems.append((node.line, f"<{node.name}> is not on the list of allowed SVG elements"))
        return
    attributes = _attributes(node, problems)
    if is_root:
        attributes = {"xmlns": SVG_NS, **attributes, "role": "img"}
    output.append(f"<{node.name}")
    for name, value in attributes.items():
        output.append(f" {name}={quoteattr(value)}")
    keeps_text = node.name in TEXT_ELEMENTS
    content = [
        item for item in node.content if isinstance(item, _Node) or (keeps_text and item.strip())
    ]
    if not content:
        output.append("/>")
        return
    output.append(">")
    for item in content:
        if isinstance(item, _Node):
            _write(item, output, problems)
        else:
            output.append(escape(re.sub(r"\s+", " ", item)))
    output.append(f"</{node.name}>")


def _attributes(node: _Node, problems: list[tuple[int, str]]) -> dict[str, str]:
    kept: dict[str, str] = {}
    for (namespace, name), value in node.attributes.items():
        if name.lower().startswith("on"):
            problems.append((node.line, f"event handler attribute {name!r} is not allowed"))
            continue
        if namespace in EDITOR_NAMESPACES:
            continue
        if name == "href" and namespace in {"", XLINK_NS}:
            if not LOCAL_HREF_RE.match(value.strip()):
                problems.append(
                    (
                        node.line,
                        f"href {value[:80]!r} points outside the image: only references to an "
                        "element of the same image (#id) are allowed",
                    )
                )
            else:
                kept["href"] = value.strip()
            continue
        if namespace == XML_NS and name in {"space", "lang"}:
            kept[f"xml:{name}"] = "preserve" if value == "preserve" else value[:20]
            continue
        if namespace or name not in ATTRIBUTES:
            continue  # includes style=, handled below
        checked = _checked_value(node, name, value, problems)
        if checked is not None:
            kept[name] = checked
    style = next(
        (value for (namespace, name), value in node.attributes.items()
         if name == "style" and not namespace),
        "",
    )  # fmt: skip
    if style:
        for declaration in style.split(";"):
            match = CSS_DECLARATION_RE.match(declaration)
            if not match or not declaration.strip():
                continue
            name, value = match.group(1).lower(), match.group(2)
            if name not in PRESENTATION or name in kept:
                continue
            checked = _checked_value(node, name, value, problems)
            if checked is not None:
                kept[name] = checked
    return kept


def _checked_value(
    node: _Node, name: str, value: str, problems: list[tuple[int, str]]
) -> str | None:
    value = value.strip()
    if name == "id" and not ID_RE.match(value):
        problems.append((node.line, f"id {value[:40]!r} must be a simple name (letters, digits)"))
        return None
    if SUSPICIOUS_RE.search(value):
        problems.append((node.line, f"{name}={value[:80]!r} is not allowed"))
        return None
    if "url(" in value.lower() and LOCAL_URL_RE.sub("", value).lower().count("url(") > 0:
        problems.append(
            (node.line, f"{name}={value[:80]!r}: only url(#id) references inside the image")
        )
        return None
    return value[:10_000]


# ------------------------------------------------------------------------------------ PNG


def _refuse_fetch(url: str, resource_type: str | None = None) -> Any:
    raise BadgeImageError(f"badge images may not load anything ({url[:80]})")


def render_png(svg: str, size: int = PNG_SIZE) -> bytes:
    """The sanitized SVG as a square PNG of ``size`` pixels (CairoSVG, imported on first use)."""
    try:
        surface = importlib.import_module("cairosvg.surface")
    except (ImportError, OSError) as error:  # OSError: the Cairo C library is missing
        raise BadgeImageError(
            "Rendering badge images needs CairoSVG and the Cairo library "
            "(pip install cairosvg; on Debian: apt-get install libcairo2): "
            f"{error}"
        ) from error
    try:
        png = surface.PNGSurface.convert(
            bytestring=svg.encode("utf-8"),
            output_width=size,
            output_height=size,
            unsafe=False,
            url_fetcher=_refuse_fetch,
        )
    except BadgeImageError:
        raise
    except Exception as error:  # CairoSVG raises many kinds; all mean "cannot render"
        raise BadgeImageError(f"the badge image cannot be rendered: {error}") from error
    if not isinstance(png, bytes):
        raise BadgeImageError("the badge image cannot be rendered")
    return png
