"""Reading and checking the shared snippets of ``courses/_shared/`` (see ``lms.courses.includes``).

Each snippet is ``<name>.md`` with front matter - ``title``, ``owner`` (a role or team, e.g.
"Legal"), ``review_by`` (a date) and ``sources`` (links to primary sources) - and Markdown. A
snippet with a problem is reported at its own file and line, and a course that includes it is
refused at the include line. An overdue review is a warning, never an error: it names the snippet
and the files that include it, so the owner knows what to re-check.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path

from lms.courses.format import (
    SCHEME_RE,
    CourseSource,
    Problem,
    _Collector,
    _Settings,
    decode,
    link_targets_in,
    split_front_matter,
)
from lms.courses.includes import (
    SHARED_FOLDER,
    SharedSnippets,
    Snippet,
    include_lines,
    mask_includes,
)
from lms.courses.placeholders import placeholder_problems
from lms.courses.questions import QUESTION_HEADING_RE, SLUG_RE, lines_outside_fences

SNIPPET_KEYS = {"title", "owner", "review_by", "sources"}
MAX_SNIPPET_BYTES = 64 * 1024
WEB_SCHEMES = ("https://", "http://")


def load_shared(courses_dir: Path) -> SharedSnippets:
    """The snippets of ``<courses_dir>/_shared`` (none when there is no such folder)."""
    from lms.courses.loader import display_path

    folder = courses_dir / SHARED_FOLDER
    if not folder.is_dir():
        return SharedSnippets(folder=display_path(folder))
    # The workspace asks on every preview and validation: parse again only when a file changed.
    signature = tuple(
        (path.as_posix(), path.stat().st_mtime_ns, path.stat().st_size)
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    )
    return _parsed(str(folder.resolve()), display_path(folder), signature)


@lru_cache(maxsize=8)
def _parsed(
    folder: str, display: str, signature: tuple[tuple[str, int, int], ...]
) -> SharedSnippets:
    from lms.courses.loader import read_folder

    return parse_shared(read_folder(Path(folder)), display)


def parse_shared(files: dict[str, bytes], folder: str) -> SharedSnippets:
    shared = SharedSnippets(folder=folder)
    for path in sorted(files):
        problems: list[Problem] = []
        name = posixpath.splitext(path)[0]
        where = f"{folder}/{path}"
        if not path.endswith(".md") or "/" in path or not SLUG_RE.match(name):
            problems.append(
                Problem(where, 1, "only shared texts belong here, named <name>.md (a-z, 0-9, -)")
            )
        elif len(files[path]) > MAX_SNIPPET_BYTES:
            too_large = f"a shared text can be at most {MAX_SNIPPET_BYTES // 1024} KB"
            problems.append(Problem(where, 1, too_large))
        else:
            snippet = _parse_snippet(name, where, files[path], problems)
            if snippet is not None and not problems:
                shared.snippets[name] = snippet
        if problems:
            shared.broken.add(name)
            shared.problems[name] = sorted(set(problems))
    return shared


def _parse_snippet(name: str, where: str, data: bytes, problems: list[Problem]) -> Snippet | None:
    report = _Collector(problems, where)
    text = decode(data, report)
    front = split_front_matter(text, report) if text is not None else None
    if front is None:
        return None
    settings = _Settings(front, report, SNIPPET_KEYS)
    title = settings.text("title", 120)
    owner = settings.text("owner", 80)
    review_by = _review_date(front.values.get("review_by"), settings.line("review_by"), report)
    sources = _sources(front.values.get("sources"), settings.line("sources"), report)
    _check_body(front.body, front.body_line, report)
    if review_by is None:
        return None
    return Snippet(
        name=name,
        path=where,
        title=title,
        owner=owner,
        review_by=review_by,
        review_line=settings.line("review_by"),
        sources=tuple(sources),
        body=front.body,
        data=data,
    )


def _review_date(value: object, line: int, report: _Collector) -> date | None:
    if value in (None, ""):
        report.add(1, "missing required setting 'review_by' (the date its owner checks it again)")
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        report.add(line, "'review_by' must be a date written like 2027-03-01")
        return None


def _sources(value: object, line: int, report: _Collector) -> list[str]:
    if value in (None, [], ""):
        return []
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        report.add(line, "'sources' must be a list of links, one per line starting with '- '")
        return []
    for item in items:
        if not item.strip().startswith(WEB_SCHEMES):
            report.add(line, f"source {item!r} must be a full link (https://...)")
    return [item.strip() for item in items]


def _check_body(body: str, first_line: int, report: _Collector) -> None:
    """A snippet is plain lesson Markdown: no includes (one level only), no questions, and only
    full links (a relative one would point into whichever course includes it)."""
    if not body.strip():
        report.add(first_line, "the shared text is empty")
    for include in include_lines(body, first_line):
        report.add(
            include.line, "a shared text cannot include another one (includes go one level deep)"
        )
    for offset, line in lines_outside_fences(body):
        if QUESTION_HEADING_RE.match(line):
            report.add(first_line + offset, "a shared text holds lesson text only, no questions")
        for target in link_targets_in(line):
            if not SCHEME_RE.match(target) and not target.startswith("#"):
                report.add(
                    first_line + offset,
                    f"link {target!r}: a shared text can only link to full addresses (https://...)",
                )
    placeholder_problems(mask_includes(body), first_line, report.add)


def shared_problems(shared: SharedSnippets, names: Iterable[str] | None = None) -> list[Problem]:
    """The problems of the named snippets (all of them when ``names`` is None)."""
    wanted = shared.problems if names is None else {n: shared.problems.get(n, []) for n in names}
    return [problem for found in wanted.values() for problem in found]


def review_warnings(
    shared: SharedSnippets, courses: Iterable[CourseSource], today: date, *, every: bool = True
) -> list[Problem]:
    """One warning per snippet whose review date has passed, naming the files that include it.
    ``every``: also those no course of ``courses`` includes (when the whole tree is checked)."""
    includers: dict[str, list[str]] = {}
    for course in courses:
        for name, places in course.included.items():
            includers.setdefault(name, []).extend(places)
    warnings = []
    for name, snippet in sorted(shared.snippets.items()):
        if snippet.review_by >= today or not (every or name in includers):
            continue
        where = ", ".join(sorted(includers.get(name, []))) or "no course"
        warnings.append(
            Problem(
                snippet.path,
                snippet.review_line,
                f"warning: review date {snippet.review_by.isoformat()} has passed - "
                f"{snippet.owner} should check it against its sources and set a new date "
                f"(included by {where})",
            )
        )
    return warnings
