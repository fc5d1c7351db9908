"""Parse and validate a course written in the Markdown format of ``docs/authoring.md``.

The parser works on an in-memory map of the course folder (relative path -> bytes), so the same
code checks a folder on disk, an uploaded zip and a draft edited in the browser. It never raises on
bad input: every problem becomes a :class:`Problem` with the file and line it is about, and a course
with any problem yields no :class:`CourseSource`.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml

from lms.courses.includes import SharedSnippets, expand, include_problems, mask_includes
from lms.courses.placeholders import placeholder_problems
from lms.courses.questions import (
    SLUG_RE,
    QuestionSource,
    lines_outside_fences,
    parse_question,
    split_questions,
)
from lms.courses.vocabulary import (
    AUDIENCES,
    COMPETENCIES,
    REVIEW_POLICIES,
)
from lms.recognition.svg import sanitize_svg

MODULE_FILE_RE = re.compile(r"^(\d{2,4})-([a-z0-9]+(?:-[a-z0-9]+)*)\.md$")
SCHEME_RE = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")

ASSET_TYPES: dict[str, str] = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".svg": "image/svg+xml",
    ".pdf": "application/pdf",
    ".txt": "text/plain; charset=utf-8",
    ".csv": "text/csv; charset=utf-8",
}
MAX_FILE_BYTES = 2 * 1024 * 1024
# A Markdown file is rendered as one document within a time budget (lms/courses/render.py); this
# keeps ordinary text far inside it (256 KB of lessons take about a quarter of a second).
MAX_MARKDOWN_BYTES = 256 * 1024
MAX_FRONT_MATTER_CHARS = 16_000
# Unicode categories refused in one-line settings: control characters, line and paragraph breaks.
CONTROL = {"Cc", "Zl", "Zp"}

TOO_LARGE_MARKDOWN = (
    f"a Markdown file can be at most {MAX_MARKDOWN_BYTES // 1024} KB: split it into several modules"
)

COURSE_KEYS = {
    "title",
    "summary",
    "audience",
    "competencies",
    "target_level",
    "estimated_minutes",
    "prerequisites",
    "badge",
    "quiz",
}
COURSE_REQUIRED = (
    "title",
    "summary",
    "audience",
    "competencies",
    "target_level",
    "estimated_minutes",
)
MODULE_KEYS = {"title", "competencies", "estimated_minutes"}
QUIZ_FILE_KEYS = {"title"}
QUIZ_KEYS = (
    "pass_mark",
    "questions",
    "max_attempts",
    "cooldown_minutes",
    "time_limit_minutes",
    "review",
)


# The sentences a new course and module start from (lms/authoring/service.py builds its skeleton
# from these): a course still containing one is not ready, so the checker names each one.
TEMPLATE_SUMMARY = "One or two sentences on what learners will be able to do afterwards."
TEMPLATE_OVERVIEW = "Who the course is for and what learners will be able to do afterwards."
TEMPLATE_LESSON = "Lesson text in Markdown."
# The editor's snippets (lms/authoring/snippets.py) are written with these: refused the same way
# until the author has replaced each one, while the snippet's format is already right.
TEMPLATE_MODULE_TITLE = "Title of the module"
TEMPLATE_QUESTION_ID = "replace-with-a-question-name"
TEMPLATE_STEM = "Write the question here."
TEMPLATE_SITUATION = "Describe the situation, or paste the AI output to judge, here."
TEMPLATE_RIGHT = "Write a right answer here."
TEMPLATE_RIGHT_TOO = "Write another right answer here."
TEMPLATE_WRONG = "Write a wrong answer that people really give here."
TEMPLATE_WRONG_TOO = "Write another wrong answer that people really give here."
TEMPLATE_FEEDBACK = "Say why this answer is right or wrong."
TEMPLATE_EXPLANATION = "Explain the right answer and what to remember."
SNIPPET_TEXT = (
    TEMPLATE_MODULE_TITLE,
    TEMPLATE_QUESTION_ID,
    TEMPLATE_STEM,
    TEMPLATE_SITUATION,
    TEMPLATE_RIGHT,
    TEMPLATE_RIGHT_TOO,
    TEMPLATE_WRONG,
    TEMPLATE_WRONG_TOO,
    TEMPLATE_FEEDBACK,
    TEMPLATE_EXPLANATION,
)
TEMPLATE_TEXT = (TEMPLATE_SUMMARY, TEMPLATE_OVERVIEW, TEMPLATE_LESSON, *SNIPPET_TEXT)


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass
class ModuleSource:
    slug: str
    position: int
    path: str
    title: str
    competencies: list[str]
    estimated_minutes: int
    body: str
    questions: list[QuestionSource]


@dataclass
class QuizSettings:
    pass_mark: int
    questions: int
    max_attempts: int
    cooldown_minutes: int
    time_limit_minutes: int
    review: str

    def as_dict(self) -> dict[str, Any]:
        return {key: getattr(self, key) for key in QUIZ_KEYS}


@dataclass
class CourseSource:
    slug: str
    title: str
    summary: str
    audience: list[str]
    competencies: list[str]
    target_level: int
    estimated_minutes: int
    prerequisites: list[str]
    badge: str | None
    quiz: QuizSettings | None
    overview: str
    modules: list[ModuleSource]
    quiz_pool: list[QuestionSource]
    assets: dict[str, bytes]
    files: dict[str, bytes]
    content_hash: str
    display_root: str = ""  # how problems name the folder (courses/<slug>, or "" for drafts)
    # Shared snippets this course includes -> where ("courses/x/05-y.md:12"), for review warnings.
    included: dict[str, list[str]] = field(default_factory=dict)

    @property
    def questions(self) -> list[QuestionSource]:
        return [q for module in self.modules for q in module.questions] + self.quiz_pool


def content_hash(files: dict[str, bytes], included: dict[str, bytes] | None = None) -> str:
    """A digest of the files and of the shared snippets they include (by name), so that a changed
    snippet makes a new version of every course that includes it."""
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(path.encode() + b"\0" + hashlib.sha256(files[path]).digest())
    for name in sorted(included or {}):
        digest.update(b"\1include:" + name.encode() + b"\0")
        digest.update(hashlib.sha256((included or {})[name]).digest())
    return digest.hexdigest()


class _Collector:
    """Collects problems for one file, translating local line numbers."""

    def __init__(self, problems: list[Problem], path: str) -> None:
        self.problems = problems
        self.path = path

    def add(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.path, max(line, 1), message))


# ---------------------------------------------------------------------------------------- files


def decode(data: bytes, report: _Collector) -> str | None:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        report.add(
            line, f"not UTF-8 text (bad byte at offset {error.start}); save the file as UTF-8"
        )
        return None
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\x00" in text:
        report.add(text[: text.index("\x00")].count("\n") + 1, "contains a NUL character")
        return None
    return text.replace("\r\n", "\n").replace("\r", "\n")


@dataclass
class FrontMatter:
    values: dict[str, Any]
    lines: dict[str, int] = field(default_factory=dict)
    body: str = ""
    body_line: int = 1  # file line number of the body's first line


def split_front_matter(
    text: str, report: _Collector, *, required: bool = True
) -> FrontMatter | None:
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        if required:
            report.add(1, "missing front matter: the file must start with a line '---'")
            return None
        return FrontMatter(values={}, body=text, body_line=1)
    end = next(
        (index for index in range(1, len(lines)) if lines[index].strip() in {"---", "..."}), None
    )
    if end is None:
        report.add(1, "front matter is not closed: add a line '---' after the settings")
        return None
    yaml_text = "\n".join(lines[1:end])
    if len(yaml_text) > MAX_FRONT_MATTER_CHARS:
        report.add(2, f"front matter is longer than {MAX_FRONT_MATTER_CHARS} characters")
        return None
    values, key_lines = _load_yaml(yaml_text, report, first_line=2)
    if values is None:
        return None
    return FrontMatter(
        values=values, lines=key_lines, body="\n".join(lines[end + 1 :]), body_line=end + 2
    )


def _load_yaml(
    text: str, report: _Collector, first_line: int
) -> tuple[dict[str, Any] | None, dict[str, int]]:
    """Safe YAML only (no tags that build objects); returns the mapping and each key's line."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        values = yaml.load(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        line = first_line + (mark.line if mark else 0)
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        if "constructor" in str(problem) or "tag" in str(problem):
            problem = f"unsupported YAML tag ({problem}); only plain values are allowed"
        report.add(line, f"invalid front matter: {problem}")
        return None, {}
    except (RecursionError, ValueError) as error:
        report.add(first_line, f"invalid front matter: {error}")
        return None, {}
    if values is None:
        values = {}
    if not isinstance(values, dict) or not isinstance(node, (yaml.MappingNode, type(None))):
        report.add(first_line, "front matter must be 'key: value' settings")
        return None, {}
    key_lines: dict[str, int] = {}
    if node is not None:
        _collect_key_lines(node, first_line, "", key_lines)
    return values, key_lines


def _collect_key_lines(
    node: yaml.MappingNode, first_line: int, prefix: str, out: dict[str, int]
) -> None:
    for key_node, value_node in node.value:
        name = f"{prefix}{key_node.value}"
        out.setdefault(name, first_line + key_node.start_mark.line)
        if isinstance(value_node, yaml.MappingNode) and not prefix:
            _collect_key_lines(value_node, first_line, f"{name}.", out)


# ------------------------------------------------------------------------------- settings checks


class _Settings:
    """Typed access to front-matter values, reporting problems at the key's line."""

    def __init__(self, front: FrontMatter, report: _Collector, allowed: set[str]) -> None:
        self.front = front
        self.report = report
        for key in front.values:
            if key not in allowed:
                report.add(
                    self.line(str(key)),
                    f"unknown setting {key!r} (allowed: {', '.join(sorted(allowed))})",
                )

    def line(self, key: str) -> int:
        return self.front.lines.get(key, 1)

    def missing(self, key: str) -> bool:
        if self.front.values.get(key) in (None, ""):
            self.report.add(1, f"missing required setting {key!r}")
            return True
        return False

    def text(self, key: str, max_length: int, required: bool = True) -> str:
        value = self.front.values.get(key)
        if value in (None, ""):
            if required:
                self.report.add(1, f"missing required setting {key!r}")
            return ""
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            self.report.add(self.line(key), f"{key!r} must be text")
            return ""
        text = str(value).strip()
        if len(text) > max_length:
            self.report.add(self.line(key), f"{key!r} is longer than {max_length} characters")
        control = next((char for char in text if unicodedata.category(char) in CONTROL), None)
        if control is not None:
            # Titles end up in email headers, file names and one-line lists; a line break or
            # another control character breaks them (a newline in a title stopped the reminders).
            self.report.add(
                self.line(key),
                f"{key!r} must be one line of plain text: it contains a line break or another "
                f"control character (U+{ord(control):04X})",
            )
        return text

    def integer(
        self, key: str, low: int, high: int, required: bool = True, default: int = 0
    ) -> int:
        value = self.front.values.get(key)
        if value is None:
            if required:
                self.report.add(1, f"missing required setting {key!r}")
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            self.report.add(self.line(key), f"{key!r} must be a whole number")
            return default
        if not low <= value <= high:
            self.report.add(self.line(key), f"{key!r} must be between {low} and {high}")
        return value

    def word_list(
        self, key: str, vocabulary: dict[str, str] | None, what: str, required: bool = True
    ) -> list[str]:
        value = self.front.values.get(key)
        if value is None or value == []:
            if required:
                self.report.add(1, f"missing required setting {key!r}")
            return []
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            self.report.add(self.line(key), f"{key!r} must be a list like [a, b]")
            return []
        words = [item.strip() for item in value]
        for word in words:
            if vocabulary is not None and word not in vocabulary:
                self.report.add(
                    self.line(key),
                    f"unknown {what} {word!r} (expected one of: {', '.join(vocabulary)})",
                )
            elif vocabulary is None and not SLUG_RE.match(word):
                self.report.add(self.line(key), f"{word!r} is not a valid {what}")
        if len(set(words)) != len(words):
            self.report.add(self.line(key), f"{key!r} lists the same {what} twice")
        return words


# ------------------------------------------------------------------------------------ the course


def parse_course(
    slug: str,
    files: dict[str, bytes],
    *,
    display_root: str | None = None,
    known_courses: set[str] | None = None,
    shared: SharedSnippets | None = None,
) -> tuple[CourseSource | None, list[Problem]]:
    """Parse and validate one course. Returns the course only when there are no problems.

    ``shared``: the snippets ``[[include: name]]`` may name (``lms.courses.shared``); without it
    every include is a problem."""
    problems: list[Problem] = []
    shared = shared if shared is not None else SharedSnippets()
    included: dict[str, list[str]] = {}
    root = display_root if display_root is not None else f"courses/{slug}"

    def where(path: str) -> str:
        return f"{root}/{path}" if root else path

    if not SLUG_RE.match(slug):
        problems.append(
            Problem(where(""), 1, f"course folder name {slug!r} must be a slug (a-z, 0-9, hyphens)")
        )

    module_files: list[tuple[int, str, str]] = []
    assets: dict[str, bytes] = {}
    seen_module_slugs: dict[str, str] = {}
    for path in sorted(files):
        name = posixpath.basename(path)
        if name.startswith(".") or "/." in f"/{path}":
            continue
        if len(files[path]) > MAX_FILE_BYTES:
            problems.append(Problem(where(path), 1, f"file is larger than {MAX_FILE_BYTES} bytes"))
            continue
        if path.endswith(".md") and len(files[path]) > MAX_MARKDOWN_BYTES:
            problems.append(Problem(where(path), 1, TOO_LARGE_MARKDOWN))
            continue
        if "/" not in path and path.endswith(".md"):
            problems.extend(template_text_problems(where(path), files[path]))
            if path in {"course.md", "quiz.md"}:
                continue
            match = MODULE_FILE_RE.match(path)
            if not match:
                problems.append(
                    Problem(
                        where(path),
                        1,
                        "module files must be named NN-<slug>.md (e.g. 01-why-ai-gets-it-wrong.md)",
                    )
                )
                continue
            module_slug = match.group(2)
            if module_slug in seen_module_slugs:
                problems.append(
                    Problem(
                        where(path),
                        1,
                        f"duplicate module slug {module_slug!r} "
                        f"(also {seen_module_slugs[module_slug]})",
                    )
                )
                continue
            seen_module_slugs[module_slug] = path
            module_files.append((int(match.group(1)), module_slug, path))
        elif path.endswith(".md"):
            problems.append(
                Problem(where(path), 1, "Markdown files belong in the course folder itself")
            )
        else:
            extension = posixpath.splitext(path)[1].lower()
            if extension not in ASSET_TYPES:
                problems.append(
                    Problem(
                        where(path),
                        1,
                        f"unsupported file type {extension or '(none)'} "
                        f"(allowed: {', '.join(sorted(ASSET_TYPES))})",
                    )
                )
            elif extension == ".svg":
                assets[path] = _course_svg(where(path), files[path], problems)
            else:
                assets[path] = files[path]

    if "course.md" not in files:
        problems.append(Problem(where("course.md"), 1, "missing course.md"))
        return None, sorted(set(problems))

    report = _Collector(problems, where("course.md"))
    course_text = decode(files["course.md"], report)
    front = split_front_matter(course_text, report) if course_text is not None else None
    quiz_settings: QuizSettings | None = None
    meta: dict[str, Any] = {}
    if front is not None:
        settings = _Settings(front, report, COURSE_KEYS)
        meta = {
            "title": settings.text("title", 120),
            "summary": settings.text("summary", 300),
            "audience": settings.word_list("audience", AUDIENCES, "audience"),
            "competencies": settings.word_list("competencies", COMPETENCIES, "competency"),
            "target_level": settings.integer("target_level", 1, 4),
            "estimated_minutes": settings.integer("estimated_minutes", 1, 10_000),
            "prerequisites": settings.word_list(
                "prerequisites", None, "course slug", required=False
            ),
            "badge": settings.text("badge", 80, required=False) or None,
        }
        if meta["badge"] and not SLUG_RE.match(meta["badge"]):
            report.add(settings.line("badge"), f"badge {meta['badge']!r} must be a slug")
        for prerequisite in meta["prerequisites"]:
            if prerequisite == slug:
                report.add(
                    settings.line("prerequisites"), "a course cannot be its own prerequisite"
                )
            elif known_courses is not None and prerequisite not in known_courses:
                report.add(
                    settings.line("prerequisites"), f"unknown prerequisite course {prerequisite!r}"
                )
        quiz_settings = _quiz_settings(front, report)

    modules: list[ModuleSource] = []
    module_slugs = {module_slug for _, module_slug, _ in module_files}
    question_lines: dict[str, str] = {}
    for position, (_, module_slug, path) in enumerate(sorted(module_files), start=1):
        module = _parse_module(
            module_slug,
            position,
            path,
            files[path],
            where,
            problems,
            _Resolving(module_slugs, assets, shared, included),
        )
        if module is not None:
            modules.append(module)
    if not module_files:
        report.add(1, "a course needs at least one module file (01-<slug>.md)")

    quiz_pool: list[QuestionSource] = []
    if "quiz.md" in files:
        quiz_report = _Collector(problems, where("quiz.md"))
        quiz_text = decode(files["quiz.md"], quiz_report)
        if quiz_text is not None:
            quiz_front = split_front_matter(quiz_text, quiz_report, required=False)
            if quiz_front is not None:
                _Settings(quiz_front, quiz_report, QUIZ_FILE_KEYS)
                before, quiz_pool = _parse_questions(
                    quiz_front.body, quiz_front.body_line, quiz_report, None
                )
                if before.strip():
                    quiz_report.add(
                        quiz_front.body_line,
                        "quiz.md holds only questions: start it with '## Question: <id>'",
                    )
                if not quiz_pool:
                    quiz_report.add(1, "quiz.md has no questions")
                placeholder_problems(
                    mask_includes(quiz_front.body),
                    quiz_front.body_line,
                    quiz_report.add,
                    lesson=False,
                )
                include_problems(
                    quiz_front.body, quiz_front.body_line, quiz_report.add, shared, lesson=False
                )
        if front is not None and quiz_settings is None and "quiz" not in front.values:
            report.add(1, "quiz.md exists, so course.md needs 'quiz:' settings")
        if quiz_settings is not None and quiz_pool and quiz_settings.questions > len(quiz_pool):
            report.add(
                front.lines.get("quiz.questions", 1) if front else 1,
                f"quiz draws {quiz_settings.questions} questions "
                f"but quiz.md has only {len(quiz_pool)}",
            )
    elif front is not None and "quiz" in front.values:
        report.add(front.lines.get("quiz", 1), "'quiz:' settings but there is no quiz.md")

    for question in [q for module in modules for q in module.questions] + quiz_pool:
        if question.slug in question_lines:
            problems.append(
                Problem(
                    where(question.path),
                    question.line,
                    f"duplicate question id {question.slug!r} "
                    f"(also at {question_lines[question.slug]})",
                )
            )
        else:
            question_lines[question.slug] = f"{where(question.path)}:{question.line}"

    overview = ""
    if front is not None:
        _check_links(front.body, front.body_line, report, module_slugs, assets)
        placeholder_problems(mask_includes(front.body), front.body_line, report.add)
        found = include_problems(front.body, front.body_line, report.add, shared)
        note_included(included, found, where("course.md"))
        overview = expand(front.body, shared)

    if problems:
        return None, sorted(set(problems))
    return (
        CourseSource(
            slug=slug,
            title=meta["title"],
            summary=meta["summary"],
            audience=meta["audience"],
            competencies=meta["competencies"],
            target_level=meta["target_level"],
            estimated_minutes=meta["estimated_minutes"],
            prerequisites=meta["prerequisites"],
            badge=meta["badge"],
            quiz=quiz_settings,
            overview=overview,
            modules=modules,
            quiz_pool=quiz_pool,
            assets=assets,
            files=dict(files),
            content_hash=content_hash(
                files, {name: shared.snippets[name].data for name in included}
            ),
            display_root=root,
            included=included,
        ),
        [],
    )


def template_text_problems(display: str, data: bytes) -> list[Problem]:
    """Each line of a Markdown file that still holds a sentence of the new-course template."""
    text = data.decode("utf-8", errors="replace")
    return [
        Problem(display, number, f'replace the template text: "{sentence}"')
        for number, line in enumerate(text.splitlines(), start=1)
        for sentence in TEMPLATE_TEXT
        if sentence in line
    ]


def _course_svg(display: str, data: bytes, problems: list[Problem]) -> bytes:
    """An SVG image cleaned like badge images (scripts, event handlers, links, embedded HTML
    refused; editor leftovers stripped), so that what is published and served is the clean copy
    rather than the author's file. Problems are reported at their line."""
    result = sanitize_svg(data, badge=False, max_bytes=MAX_FILE_BYTES)
    for line, message in result.problems:
        problems.append(Problem(display, line, f"SVG image: {message}"))
    return result.svg.encode("utf-8") if result.svg is not None else data


def _quiz_settings(front: FrontMatter, report: _Collector) -> QuizSettings | None:
    raw = front.values.get("quiz")
    if raw is None:
        return None
    line = front.lines.get("quiz", 1)
    if not isinstance(raw, dict):
        report.add(line, "'quiz' must be settings indented under it (pass_mark, questions, ...)")
        return None
    values: dict[str, Any] = {}
    ok = True
    for key in raw:
        if key not in QUIZ_KEYS:
            report.add(
                front.lines.get(f"quiz.{key}", line),
                f"unknown quiz setting {key!r} (allowed: {', '.join(QUIZ_KEYS)})",
            )
            ok = False
    limits = {
        "pass_mark": (1, 100),
        "questions": (1, 200),
        "max_attempts": (0, 100),
        "cooldown_minutes": (0, 100_000),
        "time_limit_minutes": (0, 1_000),
    }
    for key, (low, high) in limits.items():
        value = raw.get(key)
        key_line = front.lines.get(f"quiz.{key}", line)
        if value is None:
            report.add(line, f"missing quiz setting {key!r}")
            ok = False
        elif isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            report.add(
                key_line, f"quiz setting {key!r} must be a whole number from {low} to {high}"
            )
            ok = False
        else:
            values[key] = value
    review = raw.get("review")
    if review not in REVIEW_POLICIES:
        report.add(
            front.lines.get("quiz.review", line),
            f"quiz setting 'review' must be one of: {', '.join(REVIEW_POLICIES)}",
        )
        ok = False
    else:
        values["review"] = review
    return QuizSettings(**values) if ok else None


@dataclass
class _Resolving:
    """What a module's links and includes are checked against, and where includes are noted."""

    module_slugs: set[str]
    assets: dict[str, bytes]
    shared: SharedSnippets
    included: dict[str, list[str]]


def note_included(included: dict[str, list[str]], found: list[tuple[str, int]], path: str) -> None:
    for name, line in found:
        included.setdefault(name, []).append(f"{path}:{line}")


def _parse_module(
    slug: str,
    position: int,
    path: str,
    data: bytes,
    where: Any,
    problems: list[Problem],
    resolving: _Resolving,
) -> ModuleSource | None:
    module_slugs, assets = resolving.module_slugs, resolving.assets
    shared, included = resolving.shared, resolving.included
    report = _Collector(problems, where(path))
    text = decode(data, report)
    if text is None:
        return None
    front = split_front_matter(text, report)
    if front is None:
        return None
    settings = _Settings(front, report, MODULE_KEYS)
    title = settings.text("title", 120)
    competencies = settings.word_list("competencies", COMPETENCIES, "competency")
    minutes = settings.integer("estimated_minutes", 1, 1_000)
    lesson, questions = _parse_questions(front.body, front.body_line, report, slug)
    for question in questions:
        question.path = path
    if not lesson.strip():
        report.add(front.body_line, "the module has no lesson text")
    _check_links(lesson, front.body_line, report, module_slugs, assets)
    # Organisation placeholders ([[org: policy-link]] ...): known ones only, lessons only.
    placeholder_problems(mask_includes(front.body), front.body_line, report.add)
    found = include_problems(front.body, front.body_line, report.add, shared)
    note_included(included, found, where(path))
    return ModuleSource(
        slug=slug,
        position=position,
        path=path,
        title=title,
        competencies=competencies,
        estimated_minutes=minutes,
        body=expand(lesson, shared),
        questions=questions,
    )


@dataclass
class FileParts:
    """One Markdown file split the way publishing splits it (for an author's preview)."""

    title: str
    body: str  # a module's lesson text or course.md's overview; "" for quiz.md
    questions: list[QuestionSource]


def split_file(path: str, data: bytes, shared: SharedSnippets | None = None) -> FileParts | None:
    """Split one course file into its title, Markdown body and well-formed questions.

    Unlike :func:`parse_course` this tolerates problems (they are what validation is for), so a
    preview can show a file while the author is still writing it. ``None`` when the file cannot be
    read at all (not UTF-8, front matter missing, unclosed or not YAML). Includes are replaced by
    the ``shared`` snippets they name (an unknown one stays as written).
    """
    shared = shared if shared is not None else SharedSnippets()
    report = _Collector([], path)
    text = decode(data, report)
    if text is None:
        return None
    front = split_front_matter(text, report, required=path != "quiz.md")
    if front is None:
        return None
    raw_title = front.values.get("title")
    title = (
        str(raw_title).strip()
        if isinstance(raw_title, (str, int, float)) and not isinstance(raw_title, bool)
        else ""
    )
    if path == "course.md":
        return FileParts(title=title, body=expand(front.body, shared), questions=[])
    match = MODULE_FILE_RE.match(path)
    body, questions = _parse_questions(
        front.body, front.body_line, report, match.group(2) if match else None
    )
    for question in questions:
        question.path = path
    lesson = "" if path == "quiz.md" else expand(body, shared)
    return FileParts(title=title, body=lesson, questions=questions)


# ------------------------------------------------------------------------------------- questions


def _parse_questions(
    body: str, first_line: int, report: _Collector, module_slug: str | None
) -> tuple[str, list[QuestionSource]]:
    """Split a body into the text before the first question and the questions."""
    lesson, blocks = split_questions(body)
    questions = []
    for start, block in blocks:
        question = parse_question(block, first_line + start, report, module_slug)
        if question is not None:
            questions.append(question)
    return lesson, questions


# ----------------------------------------------------------------------------------------- links


def _check_links(
    body: str,
    first_line: int,
    report: _Collector,
    module_slugs: set[str],
    assets: dict[str, bytes],
) -> None:
    """Relative links must point at a module of this course or a file in the course folder."""
    for offset, line in lines_outside_fences(body):
        for target in link_targets_in(line):
            problem = link_problem(target, module_slugs, assets)
            if problem:
                report.add(first_line + offset, problem)


_SPACES_RE = re.compile(r"\s*")
_TARGET_CHARS_RE = re.compile(r"[^)\s>]*")


def link_targets_in(line: str) -> Iterator[str]:
    """The targets of the inline links and images on one line: ``[text](target "title")``.

    Finds exactly what ``re.finditer`` finds with the pattern
    ``!?\\[[^\\]]*\\]\\(\\s*<?([^)\\s>]+)>?(?:\\s+"[^"]*")?\\s*\\)`` (group 1), but in time
    linear in the line: that regex restarts its scan to the end of the line at every ``[`` and
    every ``[a](`` that does not close, which an author's 20 KB of ``[`` turned into minutes of
    CPU. Here every part of the line is scanned a bounded number of times: all the ``[`` before
    one ``]`` share that ``]`` (and its outcome), a target's run of characters is remembered for
    the links that start inside it, and what follows a target is worked out once per target end.
    """
    length = len(line)
    run_start = run_end = -1  # line[run_start:run_end] holds no ')', '>' or whitespace
    tails: dict[int, int | None] = {}

    def spaces_end(position: int) -> int:
        match = _SPACES_RE.match(line, position)
        return match.end() if match else position

    def run_from(position: int) -> int:
        nonlocal run_start, run_end
        if not run_start <= position <= run_end:
            match = _TARGET_CHARS_RE.match(line, position)
            run_start, run_end = position, match.end() if match else position
        return run_end

    def tail(position: int) -> int | None:
        """Where a link whose target ends at ``position`` ends (after its ')'), if it does."""
        if position not in tails:
            after = position + 1 if line.startswith(">", position) else position
            space = spaces_end(after)
            end: int | None = None
            if space > after and line.startswith('"', space):
                quote = line.find('"', space + 1)
                closing = spaces_end(quote + 1) if quote >= 0 else length
                if quote >= 0 and line.startswith(")", closing):
                    end = closing + 1
            if end is None and line.startswith(")", space):
                end = space + 1
            tails[position] = end
        return tails[position]

    start = line.find("[")
    while start >= 0:
        bracket = line.find("]", start + 1)
        if bracket < 0:
            return
        found = None
        if line.startswith("(", bracket + 1):
            first = spaces_end(bracket + 2)
            opened = line.startswith("<", first)
            target_start = first + 1 if opened else first
            target_end = run_from(target_start)
            if opened and target_end == target_start:
                target_start = first  # '<' alone is the target, as the regex backtracks to it
            if target_end > target_start:
                end = tail(target_end)
                if end is not None:
                    found = (line[target_start:target_end], end)
        if found is None:
            # Every '[' before this ']' would meet the same ']' and fail the same way.
            start = line.find("[", bracket + 1)
            continue
        yield found[0]
        start = line.find("[", found[1])


def link_problem(target: str, module_slugs: set[str], assets: dict[str, bytes]) -> str | None:
    if SCHEME_RE.match(target) or target.startswith("#") or target.startswith("//"):
        return None
    path = target.split("#", 1)[0].split("?", 1)[0]
    if not path:
        return None
    normalised = posixpath.normpath(path)
    if path.startswith("/") or normalised.startswith(".."):
        return f"link {target!r} points outside the course folder"
    if normalised.endswith(".md"):
        match = MODULE_FILE_RE.match(normalised)
        if normalised == "course.md" or (match and match.group(2) in module_slugs):
            return None
        return f"broken link {target!r}: no such module in this course"
    if normalised not in assets:
        return f"broken link {target!r}: no such file in the course folder"
    return None


def module_slug_from_link(path: str) -> str | None:
    match = MODULE_FILE_RE.match(posixpath.normpath(path))
    return match.group(2) if match else None
