"""The course format: every problem reported with file and line, fuzzing, and safe rendering.

The deliberately broken course in ``tests/fixtures/broken-course/`` holds one mistake of each kind;
the tests assert the exact ``file:line`` of each. The hypothesis tests check that the parser never
raises on malformed input and that rendered HTML never carries active content (checklist item 8).
"""

from __future__ import annotations

import io
import time
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lms.courses.format import TEMPLATE_TEXT, Problem, parse_course, split_file
from lms.courses.loader import load_courses, read_folder, read_zip
from lms.courses.publish import link_targets
from lms.courses.render import render_inline, render_markdown, sanitize

ROOT = Path(__file__).resolve().parent.parent
BROKEN = Path(__file__).resolve().parent / "fixtures" / "broken-course"
COURSES = ROOT / "courses"

# (file, line, a distinctive part of the message): every mistake in the broken course, exactly.
EXPECTED_PROBLEMS = [
    ("course.md", 5, "unknown competency 'telepathy'"),
    ("course.md", 8, "unknown setting 'colour'"),
    ("course.md", 11, "broken link '99-no-such-module.md': no such module"),
    ("01-lesson-one.md", 1, "missing required setting 'estimated_minutes'"),
    ("01-lesson-one.md", 8, "broken link 'images/missing.png': no such file"),
    ("01-lesson-one.md", 10, "question 'no-correct-answer' has no correct answer"),
    ("01-lesson-one.md", 24, "question 'two-correct' is single-answer but marks 2 options correct"),
    ("02-bad-yaml.md", 4, "invalid front matter"),
    ("03-python-tag.md", 4, "unsupported YAML tag"),
    ("04-latin-1.md", 8, "not UTF-8 text"),
    ("05-unclosed.md", 1, "front matter is not closed"),
    ("06-lesson-one.md", 1, "duplicate module slug 'lesson-one' (also 01-lesson-one.md)"),
    ("07-lesson-seven.md", 9, "duplicate question id 'shared-id' (also at 01-lesson-one.md:38)"),
]


def parse_broken() -> tuple[object, list[Problem]]:
    return parse_course("broken-course", read_folder(BROKEN), display_root="", known_courses=set())


def test_the_broken_course_reports_every_problem_at_its_file_and_line() -> None:
    course, problems = parse_broken()
    assert course is None
    found = [(problem.path, problem.line, problem.message) for problem in problems]
    for path, line, text in EXPECTED_PROBLEMS:
        matching = [f for f in found if f[0] == path and f[1] == line and text in f[2]]
        assert matching, f"{path}:{line}: {text!r} not reported; got:\n" + "\n".join(
            str(problem) for problem in problems
        )
    # Nothing beyond the deliberate mistakes (each reported once).
    assert len(problems) == len(EXPECTED_PROBLEMS), "\n".join(str(p) for p in problems)


def test_the_fixture_really_holds_the_mistakes_it_claims() -> None:
    # Guards the fixture: the non-UTF-8 file and the tag are really there on disk.
    assert b"caf\xe9" in (BROKEN / "04-latin-1.md").read_bytes()
    assert "!!python/object" in (BROKEN / "03-python-tag.md").read_text()
    assert "---" not in (BROKEN / "05-unclosed.md").read_text().split("\n", 1)[1]


def test_a_python_tag_in_front_matter_is_refused_not_executed(tmp_path: Path) -> None:
    marker = tmp_path / "owned"
    files = read_folder(BROKEN)
    files["03-python-tag.md"] = (
        "---\ntitle: t\ncompetencies: [evaluating]\n"
        f'estimated_minutes: !!python/object/apply:os.system ["touch {marker}"]\n---\n\nText.\n'
    ).encode()
    _, problems = parse_course("broken-course", files, display_root="")
    assert any(
        p.path == "03-python-tag.md" and "unsupported YAML tag" in p.message for p in problems
    )
    assert not marker.exists()


def test_cli_check_prints_every_problem_and_exits_1(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["lms", "courses", "check", str(BROKEN)])
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    for path, line, text in EXPECTED_PROBLEMS:
        assert any(
            f"broken-course/{path}:{line}: " in printed and text.split(" (also")[0] in printed
            for printed in lines
        ), (path, line, result.stdout)
    assert f"{len(EXPECTED_PROBLEMS)} problem(s)." in result.output


def test_cli_check_passes_a_good_course_and_exits_0(app: Flask, tmp_path: Path) -> None:
    folder = tmp_path / "tiny-course"
    folder.mkdir()
    for path, data in good_course_files().items():
        (folder / path).write_bytes(data)
    result = app.test_cli_runner().invoke(args=["lms", "courses", "check", str(folder)])
    assert result.exit_code == 0, result.output
    assert "OK: 1 course(s), 2 module(s), 4 question(s)." in result.output


def test_the_new_course_template_is_refused_until_its_sentences_are_replaced(
    app: Flask, tmp_path: Path
) -> None:
    """A fresh skeleton names each template sentence at its file and line; edited, it passes."""
    from lms.authoring.service import course_skeleton

    folder = tmp_path / "fresh-course"
    folder.mkdir()
    for path, text in course_skeleton("fresh-course").items():
        (folder / path).write_text(text, encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["lms", "courses", "check", str(folder)])
    assert result.exit_code == 1
    for where in ("course.md:3", "course.md:10", "01-introduction.md:7"):
        assert f"fresh-course/{where}: replace the template text: " in result.output, where
    assert "3 problem(s)." in result.output
    for path in ("course.md", "01-introduction.md"):
        text = (folder / path).read_text(encoding="utf-8")
        for sentence in TEMPLATE_TEXT:
            text = text.replace(sentence, "Written by the author.")
        (folder / path).write_text(text, encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["lms", "courses", "check", str(folder)])
    assert result.exit_code == 0, result.output


def existing_courses() -> list[str]:
    if not COURSES.is_dir():
        return []
    return sorted(p.name for p in COURSES.iterdir() if (p / "course.md").is_file())


@pytest.mark.parametrize("slug", existing_courses())
def test_every_course_in_the_courses_tree_passes_check(slug: str) -> None:
    """Each written course (a folder with a course.md) passes ``lms courses check``."""
    courses, problems = load_courses([COURSES / slug], COURSES)
    assert problems == [], "\n".join(str(problem) for problem in problems)
    assert [course.slug for course in courses] == [slug]


# ------------------------------------------------------------------------------ a good course


def good_course_files() -> dict[str, bytes]:
    files = {
        "course.md": """---
title: Tiny course
summary: A small valid course for tests.
audience: [everyone]
competencies: [evaluating]
target_level: 2
estimated_minutes: 20
quiz:
  pass_mark: 70
  questions: 1
  max_attempts: 3
  cooldown_minutes: 0
  time_limit_minutes: 0
  review: guarded
---

The overview. Start with [the first module](01-first.md).
""",
        "01-first.md": """---
title: First
competencies: [evaluating]
estimated_minutes: 10
---

First lesson. Next: [second](02-second.md).

## Question: first-check
type: single
competency: evaluating
difficulty: 1

Which one?

- [x] Right
  Feedback: Yes.
- [ ] Wrong
  Feedback: No.

Explanation: Because.
""",
        "02-second.md": """---
title: Second
competencies: [evaluating]
estimated_minutes: 10
---

Second lesson.

## Question: second-check
type: true-false
competency: evaluating
difficulty: 1

Checking matters.

- [x] True
  Feedback: Yes.
- [ ] False
  Feedback: No.

Explanation: It does.
""",
        "quiz.md": """## Question: quiz-one
type: multiple
competency: evaluating
difficulty: 2

Pick both.

- [x] A
  Feedback: Yes.
- [x] B
  Feedback: Yes.
- [ ] C
  Feedback: No.

Explanation: A and B.

## Question: quiz-source-first
type: single
competency: evaluating
difficulty: 2

Which is checked first?

- [ ] The totals
  Feedback: Not first.
- [x] The source
  Feedback: Yes.

Explanation: The source comes first.
""",
    }
    return {path: text.encode() for path, text in files.items()}


def test_the_good_course_parses() -> None:
    course, problems = parse_course("tiny-course", good_course_files(), known_courses=set())
    assert problems == []
    assert course is not None
    assert [m.slug for m in course.modules] == ["first", "second"]
    assert [q.slug for q in course.questions] == [
        "first-check",
        "second-check",
        "quiz-one",
        "quiz-source-first",
    ]


def test_split_file_gives_the_lesson_and_questions_of_one_file() -> None:
    parts = split_file("01-first.md", good_course_files()["01-first.md"])
    assert parts is not None
    assert parts.title == "First"
    assert "First lesson." in parts.body and "Question" not in parts.body
    assert [q.slug for q in parts.questions] == ["first-check"]
    assert split_file("01-first.md", b"\xff\xfe") is None
    assert split_file("01-first.md", b"---\ntitle: [\n") is None


def test_four_digit_module_numbers_are_accepted() -> None:
    files = good_course_files()
    files["1000-third.md"] = files.pop("02-second.md")
    files["01-first.md"] = files["01-first.md"].replace(b"02-second.md", b"1000-third.md")
    course, problems = parse_course("tiny-course", files, known_courses=set())
    assert problems == []
    assert course is not None and [m.slug for m in course.modules] == ["first", "third"]


# ------------------------------------------------------------------------------------- zips


def zip_of(files: dict[str, bytes], prefix: str = "") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path, data in files.items():
            archive.writestr(prefix + path, data)
    return buffer.getvalue()


def test_read_zip_accepts_the_folder_or_its_contents() -> None:
    files = good_course_files()
    slug, read, problems = read_zip(zip_of(files, "tiny-course/"))
    assert (slug, read, problems) == ("tiny-course", files, [])
    slug, read, problems = read_zip(zip_of(files))
    assert (slug, read, problems) == (None, files, [])


def test_read_zip_refuses_paths_outside_the_folder_and_garbage() -> None:
    _, files, problems = read_zip(
        zip_of({"course.md": b"x", "../evil.md": b"y", "a/../../evil.md": b"y", "/abs.md": b"z"})
    )
    assert list(files) == ["course.md"]
    # Every one is reported by name (a '..' part once looked hidden and was dropped silently).
    assert sorted(p.path for p in problems if "outside" in p.message) == [
        "../evil.md",
        "/abs.md",
        "a/../../evil.md",
    ]
    assert read_zip(b"not a zip")[2][0].message == "not a zip file"


def test_read_zip_reports_a_corrupt_entry_instead_of_raising() -> None:
    data = bytearray(zip_of({"course.md": b"hello " * 200}))
    # Flip bytes in the stored data of the only entry (after its 30-byte local header + name).
    start = 30 + len("course.md")
    for offset in range(start, start + 20):
        data[offset] ^= 0xFF
    _, files, problems = read_zip(bytes(data))
    assert "course.md" not in files
    assert problems and problems[0].path == "course.md"


# ------------------------------------------------------------------------------------- fuzzing

YAMLISH = st.lists(
    st.one_of(
        st.sampled_from(
            [
                "title: ", "summary: ", "audience: ", "competencies: ", "target_level: ",
                "estimated_minutes: ", "prerequisites: ", "badge: ", "quiz:", "  pass_mark: ",
                "  questions: ", "  review: ", "  max_attempts: ", "[", "]", "{", "}", ", ",
                "- ", ": ", "'", '"', "\n", "\n  ", "\t", "!!python/object:os.system", "!!binary ",
                "!!str ", "&a ", "*a", "&a [*a]", "? ", "|", ">", "~", "null", "true", "-1",
                "1e309", "0x1F", "everyone", "evaluating", "full", "---", "...", "%YAML 1.1",
                "\x00", "\ufeff", "\r\n", "#",
            ]
        ),
        st.text(max_size=12),
    ),
    max_size=30,
).map("".join)  # fmt: skip

MARKDOWNISH = st.lists(
    st.one_of(
        st.sampled_from(
            [
                "\n", "\n\n", "## Question: q1\n", "## Question: Bad Id\n", "## Question:\n",
                "type: single\n", "type: scenario\n", "choose: all\n", "type: true-false\n",
                "competency: evaluating\n", "difficulty: 2\n", "difficulty: x\n", "- [x] Yes\n",
                "- [ ] No\n", "- [X] True\n", "- [ ] False\n", "  Feedback: fb\n", "  more\n",
                "Explanation: because\n", "```\n", "~~~\n", "[next](02-b.md)", "[x](../x.md)",
                "![img](images/a.png)", "[ext](https://example.com)", "[j](javascript:alert(1))",
                "<script>alert(1)</script>", "!!! note\n    body\n", "??? example\n    body\n",
                "text[^1]\n\n[^1]: note\n", "| a | b |\n| - | - |\n| 1 | 2 |\n", "---\n", "# ",
                "- [ ] task\n", "\r", "\x00", "\udcff",
            ]
        ),
        st.text(max_size=20),
    ),
    max_size=40,
).map("".join)  # fmt: skip

FILE_NAMES = st.sampled_from(
    [
        "01-a.md", "02-b.md", "002-b.md", "1000-c.md", "3-x.md", "01-A.md", "notes.md",
        "images/a.png", "files/x.pdf", "x/y.md", "script.js", ".hidden.md", "quiz.md",
        "course.md", "01-a.MD", "",
    ]
)  # fmt: skip


def _encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


@st.composite
def course_files(draw: st.DrawFn) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    if draw(st.booleans()):
        front = draw(YAMLISH)
        closing = draw(st.sampled_from(["\n---\n", "\n...\n", "\n", ""]))
        files["course.md"] = _encode("---\n" + front + closing + draw(MARKDOWNISH))
    for _ in range(draw(st.integers(0, 4))):
        name = draw(FILE_NAMES)
        content = draw(
            st.one_of(
                st.binary(max_size=200),
                MARKDOWNISH.map(_encode),
                st.tuples(YAMLISH, MARKDOWNISH).map(
                    lambda parts: _encode(f"---\n{parts[0]}\n---\n{parts[1]}")
                ),
            )
        )
        files[name] = content
    return files


def assert_outcome(course: object, problems: list[Problem]) -> None:
    assert (course is None) == bool(problems)
    for problem in problems:
        assert isinstance(problem, Problem)
        assert problem.line >= 1
        assert problem.message


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(slug=st.sampled_from(["fuzz", "Bad Slug", ""]), files=course_files())
def test_parse_course_never_raises(slug: str, files: dict[str, bytes]) -> None:
    course, problems = parse_course(slug, files, known_courses={"ai-foundations"})
    assert_outcome(course, problems)


@settings(max_examples=200, deadline=None)
@given(front=YAMLISH, body=MARKDOWNISH)
def test_parse_course_never_raises_on_any_front_matter_and_markdown(front: str, body: str) -> None:
    files = good_course_files()
    files["01-first.md"] = _encode(f"---\n{front}\n---\n{body}")
    files["course.md"] = _encode(f"---\n{front}\n---\n{body}")
    assert_outcome(*parse_course("fuzz", files))
    split_file("01-first.md", files["01-first.md"])


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=400), path=FILE_NAMES)
def test_parse_course_never_raises_on_random_bytes(data: bytes, path: str) -> None:
    files = good_course_files()
    files[path or "course.md"] = data
    assert_outcome(*parse_course("fuzz", files))
    split_file(path or "course.md", data)


@settings(max_examples=100, deadline=None)
@given(data=st.binary(max_size=600))
def test_read_zip_never_raises_on_random_bytes(data: bytes) -> None:
    for blob in (data, b"PK\x03\x04" + data, zip_of({"course.md": data})[: len(data) or 1]):
        _, files, problems = read_zip(blob)
        assert isinstance(files, dict) and isinstance(problems, list)


def test_yaml_alias_bombs_are_harmless() -> None:
    laughs = ["lol0: &l0 [lol]"] + [
        f"lol{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]" for i in range(1, 9)
    ]
    files = good_course_files()
    for value in ("*l8", "[*l8]"):
        files["course.md"] = _encode(
            "---\n" + "\n".join(laughs) + f"\ntitle: {value}\ncompetencies: *l8\n---\n\nText.\n"
        )
        started = time.perf_counter()
        course, problems = parse_course("fuzz", files)
        assert course is None and problems
        assert time.perf_counter() - started < 5
    files["course.md"] = _encode("---\ntitle: &a [*a]\naudience: &b [*b]\n---\n\nText.\n")
    assert_outcome(*parse_course("fuzz", files))


# ----------------------------------------------------------------------- rendering is inert

XSS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    '<img src="javascript:alert(1)">',
    "<svg onload=alert(1)><circle r=1 /></svg>",
    "<svg><script>alert(1)</script></svg>",
    '<iframe src="https://evil.example"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<object data="x.swf"></object>',
    '<embed src="x.swf">',
    '<a href="javascript:alert(1)">j</a>',
    '<a href="JaVaScRiPt:alert(1)">j</a>',
    '<a href="java&#x09;script:alert(1)">j</a>',
    '<a href="&#106;avascript:alert(1)">j</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">d</a>',
    '<a href="vbscript:msgbox(1)">v</a>',
    "[md link](javascript:alert(1))",
    "[md data](data:text/html,<script>alert(1)</script>)",
    "![md img](javascript:alert(1))",
    '<div style="background:url(javascript:alert(1))">s</div>',
    '<p style="width: expression(alert(1))">e</p>',
    "<style>body{background:red}</style>",
    '<link rel="stylesheet" href="https://evil.example/x.css">',
    '<form action="https://evil.example"><input name=x></form>',
    '<body onload="alert(1)">',
    '<details open ontoggle="alert(1)">x</details>',
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    '<a href="#" onclick="alert(1)" onmouseover=alert(1)>c</a>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    '<input type="image" src="x" onfocus="alert(1)" autofocus>',
    "<!--<script>alert(1)</script>-->",
    '<table background="javascript:alert(1)"><tr><td>t</td></tr></table>',
    "`<script>alert(1)</script>`",
    "```html\n<script>alert(1)</script>\n```",
    '!!! note "<img src=x onerror=alert(1)>"\n    <script>alert(1)</script>',
    '??? example "<svg onload=alert(1)>"\n    body',
    "[^1]\n\n[^1]: <img src=x onerror=alert(1)>",
]

MARKDOWN_SYNTAX = [
    "\n", "\n\n", "# ", "## ", "- ", "1. ", "> ", "    ", "`", "```\n", "*", "_", "[", "]", "(",
    ")", "!", "<", ">", '"', "'", "=", "&", "#", ";", ":", "/", "javascript", "data", "on",
    "style", "script", "svg", "iframe", "object", " ", "\t", "&#x6a;", "&#0000106", "%6a",
]  # fmt: skip


class ActiveContentFinder(HTMLParser):
    """Collects anything in rendered HTML that could run code or restyle the page."""

    DANGEROUS_TAGS = {"script", "iframe", "object", "embed", "svg", "math", "style", "link",
                      "meta", "base", "form", "frame", "frameset", "applet"}  # fmt: skip
    URL_ATTRIBUTES = {"href", "src", "action", "formaction", "background", "xlink:href", "poster"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.DANGEROUS_TAGS:
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"{tag} {name}=")
            if name == "style":
                self.found.append(f"{tag} style=")
            if name in self.URL_ATTRIBUTES and value is not None:
                compact = "".join(ch for ch in value if ch > " " and ch != "\x7f").lower()
                if compact.startswith(("javascript:", "data:", "vbscript:")):
                    self.found.append(f"{tag} {name}={value!r}")

    handle_startendtag = handle_starttag


def active_content(html: str) -> list[str]:
    finder = ActiveContentFinder()
    finder.feed(html)
    finder.close()
    lowered = html.lower()
    raw = [tag for tag in ("<script", "<iframe", "<object", "<svg", "<embed") if tag in lowered]
    return finder.found + raw


@pytest.mark.parametrize("snippet", XSS)
def test_each_known_attack_renders_inert(snippet: str) -> None:
    for links in (None, link_targets("demo")):
        html = render_markdown(snippet, links)
        assert active_content(html) == [], (snippet, html)
    assert active_content(render_inline(snippet)) == []
    assert active_content(sanitize(snippet)) == []


@settings(max_examples=400, deadline=None)
@given(
    parts=st.lists(
        st.one_of(st.sampled_from(XSS), st.sampled_from(MARKDOWN_SYNTAX), st.text(max_size=10)),
        max_size=25,
    ),
    with_links=st.booleans(),
)
def test_rendered_markdown_never_contains_active_content(
    parts: list[str], with_links: bool
) -> None:
    text = "".join(parts)
    links = link_targets("demo") if with_links else None
    assert active_content(render_markdown(text, links)) == []
    assert active_content(sanitize(text, links)) == []
    assert active_content(render_inline(text)) == []


def test_the_checker_itself_catches_active_content() -> None:
    # Guards the property above against a checker that finds nothing.
    assert active_content('<a href=" javascript:x">') and active_content("<svg>")
    assert active_content('<p style="x">') and active_content('<img src=x onerror="y">')
    assert active_content('<a href="data:text/html,x">')


# Texts reach the renderer decoded from UTF-8 (files, forms): no lone surrogates.
DECODED_MARKDOWN = MARKDOWNISH.map(lambda text: text.replace("\udcff", "\ufffd"))


@settings(max_examples=150, deadline=None)
@given(first=DECODED_MARKDOWN, second=DECODED_MARKDOWN)
def test_the_reused_converter_renders_exactly_like_a_fresh_one(first: str, second: str) -> None:
    # render_markdown keeps one Markdown instance per thread (reset between documents): state from
    # one document (footnotes, heading ids) must never leak into the next.
    import markdown

    from lms.courses.render import EXTENSION_CONFIG, EXTENSIONS

    links = link_targets("demo")
    for text in (first, second, first + "\n\n" + second):
        fresh = markdown.Markdown(extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIG)
        assert render_markdown(text, links) == sanitize(fresh.convert(text), links)
