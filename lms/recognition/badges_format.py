"""Parse and validate badge definitions: ``courses/_badges/<slug>.md`` plus an SVG image.

Like :mod:`lms.courses.format`, the parser works on an in-memory file map (name -> bytes) and never
raises: every problem is a :class:`~lms.courses.format.Problem` with its file and line, and a badge
with any problem is left out. See ``docs/badges.md`` for the format.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import Any

import yaml

from lms.courses.format import (
    SCHEME_RE,
    FrontMatter,
    Problem,
    _Collector,
    _Settings,
    content_hash,
    decode,
    link_targets_in,
    split_front_matter,
)
from lms.courses.questions import SLUG_RE
from lms.courses.vocabulary import COMPETENCIES, LEVELS
from lms.recognition.svg import sanitize_svg

BADGE_KEYS = {"name", "description", "image", "alignments", "criteria"}
ALIGNMENT_KEYS = {"competency", "level"}
MAX_BADGE_FILES = 500

# Criteria type -> its settings (besides ``type``) and what each one is.
CRITERIA: dict[str, dict[str, str]] = {
    "course-completed": {"course": "course"},
    "courses-completed": {"courses": "courses"},
    "level-at-least": {"competency": "competency", "level": "level"},
    "overall-level-at-least": {"level": "level"},
    "baseline-done": {},
    "voluntary-learning": {"count": "count"},
    "learning-streak": {"weeks": "weeks"},
    "leading-by-example": {"course": "course"},
    "use-cases-published": {"count": "count"},
    "use-cases-tried": {"count": "count"},
    "champion": {},
    "office-hours-attended": {"count": "count"},
}
MAX_COUNT = 50
MAX_WEEKS = 104


@dataclass
class BadgeSource:
    slug: str
    name: str
    description: str
    image: str  # the SVG's file name in the badges folder
    svg: str  # sanitized
    image_title: str
    alignments: list[dict[str, Any]]
    criteria: dict[str, Any]
    criteria_markdown: str
    path: str
    content_hash: str


def parse_badges(
    files: dict[str, bytes],
    *,
    display_root: str = "courses/_badges",
    known_courses: set[str] | None = None,
) -> tuple[list[BadgeSource], list[Problem]]:
    """Every badge in the folder's file map. Badges with problems are left out."""
    problems: list[Problem] = []

    def where(path: str) -> str:
        return f"{display_root}/{path}" if display_root else path

    badges: list[BadgeSource] = []
    images: dict[str, tuple[str | None, str, list[tuple[int, str]]]] = {}
    for path in sorted(files):
        name = posixpath.basename(path)
        if name.startswith("."):
            continue
        if "/" in path:
            problems.append(Problem(where(path), 1, "badge files belong in the folder itself"))
        elif path.endswith(".svg"):
            image = sanitize_svg(files[path])
            images[path] = (image.svg, image.title, image.problems)
            for line, message in image.problems:
                problems.append(Problem(where(path), line, message))
        elif not path.endswith(".md"):
            problems.append(
                Problem(where(path), 1, "unsupported file: a badge is a .md file and an .svg image")
            )
    if len(files) > MAX_BADGE_FILES:
        problems.append(Problem(where(""), 1, f"more than {MAX_BADGE_FILES} files"))
        return [], sorted(set(problems))
    for path in sorted(files):
        if "/" in path or not path.endswith(".md") or path.startswith("."):
            continue
        badge = _parse_badge(path, files, images, where(path), problems, known_courses)
        if badge is not None:
            badges.append(badge)
    return badges, sorted(set(problems))


def _parse_badge(
    path: str,
    files: dict[str, bytes],
    images: dict[str, tuple[str | None, str, list[tuple[int, str]]]],
    display: str,
    problems: list[Problem],
    known_courses: set[str] | None,
) -> BadgeSource | None:
    before = len(problems)
    report = _Collector(problems, display)
    slug = path[: -len(".md")]
    if not SLUG_RE.match(slug):
        report.add(1, f"badge file name {slug!r} must be a slug (a-z, 0-9, hyphens)")
    text = decode(files[path], report)
    front = split_front_matter(text, report) if text is not None else None
    if front is None:
        return None
    settings = _Settings(front, report, BADGE_KEYS)
    name = settings.text("name", 100)
    description = settings.text("description", 500)
    image = settings.text("image", 120)
    svg: str | None = None
    image_title = ""
    if image:
        if "/" in image or not image.endswith(".svg"):
            report.add(
                settings.line("image"), f"image {image!r} must be an .svg file name in this folder"
            )
        elif image not in files:
            report.add(settings.line("image"), f"image {image!r} not found next to {path}")
        else:
            svg, image_title, image_problems = images[image]
            if image_problems:
                report.add(settings.line("image"), f"image {image!r} has problems (see {image})")
    alignments = _alignments(front, text or "", report)
    criteria = _criteria(front, report, known_courses)
    body = front.body.strip()
    if not body:
        # At the closing '---': the body it asks for would start right after it.
        report.add(front.body_line - 1, "describe the criteria in Markdown below the front matter")
    _check_body_links(front, report)
    if len(problems) > before or svg is None or criteria is None:
        return None
    return BadgeSource(
        slug=slug,
        name=name,
        description=description,
        image=image,
        svg=svg,
        image_title=image_title,
        alignments=alignments,
        criteria=criteria,
        criteria_markdown=body,
        path=path,
        content_hash=content_hash({path: files[path], image: files[image]}),
    )


def _alignments(front: FrontMatter, text: str, report: _Collector) -> list[dict[str, Any]]:
    value = front.values.get("alignments")
    if value is None:
        return []
    key_line = front.lines.get("alignments", 1)
    if not isinstance(value, list):
        report.add(key_line, "'alignments' must be a list of {competency, level}")
        return []
    lines = _item_lines(text, "alignments", key_line, len(value))
    result: list[dict[str, Any]] = []
    seen: set[str] = set()
    for item, line in zip(value, lines, strict=True):
        if not isinstance(item, dict):
            report.add(line, "each alignment is {competency: <key>, level: <1-4>}")
            continue
        for key in item:
            if key not in ALIGNMENT_KEYS:
                report.add(
                    line, f"unknown alignment setting {_show(key)} (allowed: competency, level)"
                )
        competency = item.get("competency")
        level = item.get("level")
        if not isinstance(competency, str) or competency not in COMPETENCIES:
            report.add(
                line,
                f"unknown competency {_show(competency)} "
                f"(expected one of: {', '.join(COMPETENCIES)})",
            )
            continue
        if not _is_level(level):
            report.add(line, f"alignment level must be a whole number from 1 to {max(LEVELS)}")
            continue
        if competency in seen:
            report.add(line, f"competency {competency!r} is aligned twice")
        seen.add(str(competency))
        result.append({"competency": competency, "level": level})
    return result


def _item_lines(text: str, key: str, key_line: int, count: int) -> list[int]:
    """The file line of each item of the list ``key`` in the front matter (the key's line if the
    YAML cannot tell)."""
    lines = text.split("\n")
    end = next((i for i in range(1, len(lines)) if lines[i].strip() in {"---", "..."}), 1)
    try:
        node = yaml.compose("\n".join(lines[1:end]), Loader=yaml.SafeLoader)
    except (yaml.YAMLError, RecursionError, ValueError):
        return [key_line] * count
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if key_node.value == key and isinstance(value_node, yaml.SequenceNode):
                found = [2 + item.start_mark.line for item in value_node.value]
                if len(found) == count:
                    return found
    return [key_line] * count


def _show(value: Any) -> str:
    """A value for a message: short, whatever it is (YAML aliases can build huge lists)."""
    if isinstance(value, str):
        return repr(value[:60])
    if isinstance(value, bool | int | float) or value is None:
        return repr(value)
    return f"a {type(value).__name__}"


def _is_level(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= max(LEVELS)


def _criteria(
    front: FrontMatter, report: _Collector, known_courses: set[str] | None
) -> dict[str, Any] | None:
    value = front.values.get("criteria")
    key_line = front.lines.get("criteria", 1)
    if value is None:
        report.add(1, "missing required setting 'criteria'")
        return None
    if not isinstance(value, dict):
        report.add(key_line, "'criteria' must be settings such as 'type: course-completed'")
        return None

    def line(key: str) -> int:
        return front.lines.get(f"criteria.{key}", key_line)

    kind = value.get("type")
    if not isinstance(kind, str) or kind not in CRITERIA:
        report.add(
            line("type"),
            f"unknown criteria type {_show(kind)} (expected one of: {', '.join(CRITERIA)})",
        )
        return None
    fields = CRITERIA[str(kind)]
    ok = True
    for key in value:
        if key != "type" and key not in fields:
            allowed = ", ".join(["type", *fields])
            report.add(
                line(str(key)),
                f"unknown criteria setting {_show(key)} for {kind} (allowed: {allowed})",
            )
            ok = False
    result: dict[str, Any] = {"type": kind}
    for key, what in fields.items():
        if key not in value or value[key] in (None, "", []):
            report.add(key_line, f"criteria {kind} needs '{key}'")
            ok = False
            continue
        checked = _criteria_value(what, key, value[key], line(key), report, known_courses)
        if checked is None:
            ok = False
        else:
            result[key] = checked
    return result if ok else None


def _criteria_value(
    what: str,
    key: str,
    value: Any,
    line: int,
    report: _Collector,
    known_courses: set[str] | None,
) -> Any:
    if what == "course":
        return _course(value, line, report, known_courses)
    if what == "courses":
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not value:
            report.add(line, f"'{key}' must be a list of course slugs like [a, b]")
            return None
        courses = [_course(item, line, report, known_courses) for item in value]
        if any(course is None for course in courses):
            return None
        if len(set(courses)) != len(courses):
            report.add(line, f"'{key}' lists the same course twice")
            return None
        return courses
    if what == "competency":
        if not isinstance(value, str) or value not in COMPETENCIES:
            report.add(
                line,
                f"unknown competency {_show(value)} (expected one of: {', '.join(COMPETENCIES)})",
            )
            return None
        return value
    if what == "level":
        if not _is_level(value):
            report.add(line, f"'{key}' must be a whole number from 1 to {max(LEVELS)}")
            return None
        return value
    limit = MAX_COUNT if what == "count" else MAX_WEEKS
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= limit:
        report.add(line, f"'{key}' must be a whole number from 1 to {limit}")
        return None
    return value


def _course(
    value: Any, line: int, report: _Collector, known_courses: set[str] | None
) -> str | None:
    if not isinstance(value, str) or not SLUG_RE.match(value):
        report.add(line, f"{_show(value)} is not a course slug")
        return None
    if known_courses is not None and value not in known_courses:
        report.add(line, f"unknown course {_show(value)}")
        return None
    return value


def _check_body_links(front: FrontMatter, report: _Collector) -> None:
    in_fence = False
    for offset, line in enumerate(front.body.split("\n")):
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
        if in_fence:
            continue
        for target in link_targets_in(line):
            if not target.startswith("#") and not SCHEME_RE.match(target):
                report.add(
                    front.body_line + offset,
                    f"link {target!r}: badge criteria can link only to web pages (https://...)",
                )
