"""Badge definitions: the format (every problem at its file and line), the SVG allow-list,
the starter set, and publishing together with the courses (all or nothing, unchanged is a no-op).
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from lms.courses.format import Problem
from lms.courses.loader import read_folder
from lms.courses.models import Course
from lms.extensions import db
from lms.recognition.badges_format import CRITERIA, parse_badges
from lms.recognition.models import Badge
from lms.recognition.publish import load_tree
from lms.recognition.svg import render_png, sanitize_svg
from tests.badge_helpers import SIMPLE_SVG, write_badge
from tests.conftest import row_count, table_snapshot
from tests.learn_helpers import CourseSpec, ModuleSpec, write_course

ROOT = Path(__file__).resolve().parent.parent
COURSES = ROOT / "courses"
BADGES = COURSES / "_badges"
# Counted, not written down: new tracks are added without touching these tests.
SHIPPED_COURSES = sum(1 for folder in COURSES.iterdir() if (folder / "course.md").is_file())


def run(app: Flask, *args: str) -> Any:
    return app.test_cli_runner().invoke(args=["lms", *args])


def problems_text(problems: list[Problem]) -> str:
    return "\n".join(str(problem) for problem in problems)


# ------------------------------------------------------------------------------ the starter set


def test_the_starter_badges_pass_check_and_cover_every_course_and_criteria_type() -> None:
    tree = load_tree([], COURSES)
    assert tree.problems == [], problems_text(tree.problems)
    assert tree.with_badges
    assert len(tree.badges) >= 12
    slugs = {badge.slug for badge in tree.badges}
    course_badges = {course.badge for course in tree.courses if course.badge}
    assert len(course_badges) == len(tree.courses) == SHIPPED_COURSES >= 13
    assert course_badges <= slugs
    assert {badge.criteria["type"] for badge in tree.badges} == set(CRITERIA)
    for slug in ("know-where-you-stand", "voluntary-learner", "learning-streak"):
        assert slug in slugs
    # Real artwork: each image is different, titled for screen readers and renders to PNG.
    assert len({badge.svg for badge in tree.badges}) == len(tree.badges)
    for badge in tree.badges:
        assert badge.image_title.endswith("badge"), badge.slug
        assert f"<title>{badge.name} badge</title>" in badge.svg


def test_cli_check_of_the_whole_tree_checks_the_badges_too(app: Flask) -> None:
    result = run(app, "courses", "check")
    assert result.exit_code == 0, result.output
    assert f"OK: {SHIPPED_COURSES} course(s)" in result.output
    assert "badge(s)." in result.output


# ---------------------------------------------------------------------------- the format


BROKEN: dict[str, str] = {
    "broken.md": """---
name: Broken badge
description: Everything wrong at once.
image: missing.svg
colour: blue
alignments:
  - {competency: telepathy, level: 2}
  - {competency: evaluating, level: 7}
criteria:
  type: course-completed
  course: no-such-course
  extra: 1
---

Complete the course.
""",
    "weird-type.md": """---
name: Weird
description: An unknown kind of rule.
image: weird-type.svg
criteria:
  type: vibes
---

Good vibes only.
""",
    "levels.md": """---
name: Levels
description: Out of range.
image: weird-type.svg
criteria:
  type: level-at-least
  competency: evaluating
  level: 5
---

Reach level five.
""",
    "overall.md": """---
name: Overall
description: Out of range.
image: weird-type.svg
criteria:
  type: overall-level-at-least
  level: 0
---

Reach level zero.
""",
    "streak.md": """---
name: Streak
description: Wrong setting and no body.
image: weird-type.svg
criteria:
  type: learning-streak
  count: 4
---
""",
    "unsafe.md": """---
name: Unsafe
description: An image that tries everything.
image: unsafe.svg
criteria:
  type: baseline-done
---

Take the baseline.
""",
    "not-xml.md": """---
name: Not XML
description: A broken image.
image: not-xml.svg
criteria:
  type: baseline-done
---

Take the baseline.
""",
    "Bad_Name.md": """---
name: Bad name
description: The file name is not a slug.
image: weird-type.svg
criteria: {type: baseline-done}
---

Take the baseline.
""",
    "links.md": """---
name: Links
description: A relative link in the criteria.
image: weird-type.svg
criteria: {type: voluntary-learning, count: 0}
---

See [the rules](rules.md) or [the site](https://example.com).
""",
    "weird-type.svg": SIMPLE_SVG.format(name="Weird", colour="#123456"),
    "unsafe.svg": """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 9 9" onload="alert(1)">
  <title>Unsafe</title>
  <script>alert(1)</script>
  <foreignObject width="10" height="10"><p xmlns="http://www.w3.org/1999/xhtml">hi</p></foreignObject>
  <use href="https://evil.example/sprite.svg#icon"/>
  <rect width="10" height="10" fill="url(https://evil.example/x)"/>
  <image href="data:image/png;base64,AAAA" width="10" height="10"/>
</svg>
""",
    "not-xml.svg": "<svg xmlns='http://www.w3.org/2000/svg'>\n<g>\n</svg>\n",
    "notes.txt": "not a badge",
}

EXPECTED = [
    ("broken.md", 4, "image 'missing.svg' not found next to broken.md"),
    ("broken.md", 5, "unknown setting 'colour'"),
    ("broken.md", 7, "unknown competency 'telepathy'"),
    ("broken.md", 8, "alignment level must be a whole number from 1 to 4"),
    ("broken.md", 11, "unknown course 'no-such-course'"),
    ("broken.md", 12, "unknown criteria setting 'extra' for course-completed"),
    ("weird-type.md", 6, "unknown criteria type 'vibes'"),
    ("levels.md", 8, "'level' must be a whole number from 1 to 4"),
    ("overall.md", 7, "'level' must be a whole number from 1 to 4"),
    ("streak.md", 7, "unknown criteria setting 'count' for learning-streak"),
    ("streak.md", 5, "criteria learning-streak needs 'weeks'"),
    ("streak.md", 8, "describe the criteria in Markdown below the front matter"),
    ("unsafe.md", 4, "image 'unsafe.svg' has problems (see unsafe.svg)"),
    ("unsafe.svg", 1, "event handler attribute 'onload' is not allowed"),
    ("unsafe.svg", 3, "<script> is not allowed in badge images"),
    ("unsafe.svg", 4, "<foreignObject> is not allowed in badge images"),
    ("unsafe.svg", 5, "href 'https://evil.example/sprite.svg#icon' points outside the image"),
    ("unsafe.svg", 6, "only url(#id) references inside the image"),
    ("unsafe.svg", 7, "<image> is not allowed in badge images"),
    ("not-xml.svg", 3, "not well-formed XML"),
    ("not-xml.md", 4, "image 'not-xml.svg' has problems"),
    ("Bad_Name.md", 1, "badge file name 'Bad_Name' must be a slug"),
    ("links.md", 5, "'count' must be a whole number from 1 to 50"),
    ("links.md", 8, "link 'rules.md': badge criteria can link only to web pages"),
    ("notes.txt", 1, "unsupported file"),
]


def broken_files() -> dict[str, bytes]:
    return {name: text.encode() for name, text in BROKEN.items()}


def test_every_badge_problem_is_reported_at_its_file_and_line() -> None:
    badges, problems = parse_badges(broken_files(), display_root="", known_courses={"real-course"})
    assert badges == []
    found = [(problem.path, problem.line, problem.message) for problem in problems]
    for path, line, text in EXPECTED:
        assert any(f[0] == path and f[1] == line and text in f[2] for f in found), (
            f"{path}:{line}: {text!r} not reported; got:\n" + problems_text(problems)
        )
    # Nothing else: each reported problem is one of the expected ones.
    assert len(problems) == len(EXPECTED), problems_text(problems)


def test_a_valid_badge_next_to_broken_ones_still_parses() -> None:
    files = broken_files()
    files["fine.md"] = files["weird-type.md"].replace(b"type: vibes", b"type: baseline-done")
    badges, problems = parse_badges(files, display_root="")
    assert [badge.slug for badge in badges] == ["fine"]
    assert problems


def test_without_known_courses_any_course_slug_is_accepted_and_with_them_checked() -> None:
    files = {
        "done.md": b"---\nname: Done\ndescription: D.\nimage: done.svg\n"
        b"criteria:\n  type: courses-completed\n  courses: [alpha, beta]\n---\n\nBoth.\n",
        "done.svg": SIMPLE_SVG.format(name="Done", colour="#000").encode(),
    }
    badges, problems = parse_badges(files)
    assert problems == [] and badges[0].criteria == {
        "type": "courses-completed",
        "courses": ["alpha", "beta"],
    }
    _, problems = parse_badges(files, display_root="b", known_courses={"alpha"})
    assert [str(p) for p in problems] == ["b/done.md:7: unknown course 'beta'"]


def test_a_python_tag_in_badge_front_matter_is_refused() -> None:
    files = {
        "tag.md": b"---\nname: !!python/object/apply:os.system ['echo hi']\ndescription: x\n"
        b"image: tag.svg\ncriteria: {type: baseline-done}\n---\n\nText.\n",
        "tag.svg": SIMPLE_SVG.format(name="Tag", colour="#000").encode(),
    }
    badges, problems = parse_badges(files, display_root="")
    assert badges == []
    assert any(p.line == 2 and "unsupported YAML tag" in p.message for p in problems)


# ---------------------------------------------------------------------------------- SVG


def test_harmless_editor_leftovers_are_stripped_and_styles_become_attributes() -> None:
    source = b"""<?xml version="1.0" encoding="UTF-8"?>
<!-- Created with an editor -->
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
     xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape"
     xmlns:sodipodi="http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd"
     viewBox="0 0 64 64" class="icon" data-name="x" inkscape:version="1.3">
  <title>Editor output</title>
  <metadata><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"/></metadata>
  <sodipodi:namedview id="view"/>
  <defs><linearGradient id="g"><stop offset="0" style="stop-color:#ff0000;stop-opacity:1"/>
  </linearGradient></defs>
  <circle cx="32" cy="32" r="30" style="fill:url(#g);stroke:#000;cursor:pointer"
          inkscape:label="disc"/>
  <use xlink:href="#g"/>
  <?xml-stylesheet href="evil.css"?>
</svg>"""
    result = sanitize_svg(source)
    assert result.problems == [] and result.svg is not None
    svg = result.svg
    for gone in ("inkscape", "sodipodi", "metadata", "rdf", "<!--", "class=", "data-name",
                 "style=", "cursor", "evil.css", "<?"):  # fmt: skip
        assert gone not in svg, gone
    assert 'stop-color="#ff0000"' in svg and 'fill="url(#g)"' in svg and 'stroke="#000"' in svg
    assert '<use href="#g"/>' in svg
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg"') and 'role="img"' in svg
    assert result.title == "Editor output"
    # Sanitizing is idempotent.
    assert sanitize_svg(svg.encode()).svg == svg


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (
            b'<!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
            b'<svg xmlns="http://www.w3.org/2000/svg">&b;</svg>',
            "DOCTYPE declarations and entities are not allowed",
        ),
        (
            b'<!DOCTYPE svg SYSTEM "file:///etc/passwd"><svg xmlns="http://www.w3.org/2000/svg"/>',
            "DOCTYPE declarations and entities are not allowed",
        ),
        (b"<svg><title>x</title></svg>", "the root element must be <svg xmlns="),
        (b'<html xmlns="http://www.w3.org/1999/xhtml"/>', "the root element must be <svg"),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect/></svg>',
            "add a <title> inside <svg>",
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><title>x</title></svg>',
            "the <svg> needs a viewBox",
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 20 10"><title>x</title></svg>',
            "the viewBox must be square",
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 9 9"><title>x</title>'
            b'<a href="https://example.com"><rect/></a></svg>',
            "<a> is not allowed",
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 9 9"><title>x</title>'
            b'<set attributeName="href" to="javascript:alert(1)"/></svg>',
            "<set> is not allowed",
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 9 9"><title>x</title>'
            b'<style>@import url("https://evil.example/x.css");</style></svg>',
            "<style> is not allowed",
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 9 9"><title>x</title>'
            b'<rect fill="&#106;avascript:alert(1)"/></svg>',
            "is not allowed",
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 9 9"><title>x</title>'
            b'<rect ONCLICK="alert(1)"/></svg>',
            "event handler attribute 'ONCLICK' is not allowed",
        ),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 9 9"><title>x</title>'
            b"<switch><rect/></switch></svg>",
            "<switch> is not on the list of allowed SVG elements",
        ),
        (b"\xff\xfe not xml at all", "not well-formed XML"),
        (b"", "not well-formed XML"),
    ],
)
def test_unsafe_or_unusable_svg_is_refused(source: bytes, message: str) -> None:
    result = sanitize_svg(source)
    assert result.svg is None
    assert any(message in text for _, text in result.problems), result.problems


ELEMENT_NAMES = st.sampled_from(
    ["g", "rect", "circle", "path", "text", "script", "foreignObject", "style", "a", "use",
     "image", "animate", "set", "title", "defs", "linearGradient", "stop", "iframe"]
)  # fmt: skip
ATTRIBUTES = st.sampled_from(
    ['fill="#fff"', 'onload="x()"', 'href="#a"', 'href="https://x.example/"',
     'href="javascript:alert(1)"', 'style="fill:red;background:url(x)"', 'fill="url(#a)"',
     'fill="url(http://x)"', 'id="a"', 'id="1 2"', 'xlink:href="data:x"', 'transform="scale(2)"',
     'd="M0 0 L1 1"', 'x="1"']
)  # fmt: skip


@st.composite
def svg_documents(draw: st.DrawFn, depth: int = 0) -> str:
    name = draw(ELEMENT_NAMES)
    attributes = " ".join(draw(st.lists(ATTRIBUTES, max_size=3, unique=True)))
    children = "".join(draw(st.lists(svg_documents(depth + 1), max_size=3))) if depth < 3 else ""
    text = draw(st.sampled_from(["", "hello", "<", "&amp;", "]]>"]))
    return f"<{name} {attributes}>{text}{children}</{name}>"


DANGEROUS = ("<script", "foreignObject", "onload", "javascript:", "https://", "http://",
             "<style", "<a ", "<image", "<animate", "<set", "<iframe", "data:")  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=svg_documents())
def test_sanitized_svg_never_carries_active_content(body: str) -> None:
    source = (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'viewBox="0 0 10 10"><title>t</title>{body}</svg>'
    )
    result = sanitize_svg(source.encode())
    if result.svg is None:
        assert result.problems
        return
    content = result.svg.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert not any(word in content for word in DANGEROUS), result.svg
    assert sanitize_svg(result.svg.encode()).svg == result.svg


@settings(max_examples=200, deadline=None)
@given(data=st.binary(max_size=500))
def test_sanitize_svg_never_raises_on_random_bytes(data: bytes) -> None:
    for blob in (data, b'<svg xmlns="http://www.w3.org/2000/svg">' + data):
        result = sanitize_svg(blob)
        assert (result.svg is None) == bool(result.problems)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    front=st.text(max_size=300),
    criteria=st.one_of(
        st.text(max_size=80),
        st.dictionaries(
            st.sampled_from(["type", "course", "courses", "level", "count", "weeks", "x"]),
            st.one_of(
                st.sampled_from(sorted(CRITERIA)),
                st.integers(-5, 200),
                st.lists(st.text(max_size=10), max_size=3),
                st.none(),
                st.booleans(),
            ),
            max_size=4,
        ),
    ),
)
def test_parse_badges_never_raises(front: str, criteria: Any) -> None:
    import yaml

    dumped = yaml.safe_dump({"criteria": criteria, "image": "x.svg"})
    files = {
        "a.md": f"---\n{front}\n---\n\nText.\n".encode(errors="surrogatepass"),
        "b.md": f"---\nname: B\ndescription: B\n{dumped}---\n\nText.\n".encode(),
        "x.svg": SIMPLE_SVG.format(name="X", colour="#000").encode(),
    }
    badges, problems = parse_badges(files, known_courses={"alpha"})
    for problem in problems:
        assert problem.line >= 1 and problem.message
    assert all(badge.slug in {"a", "b"} for badge in badges)


def test_yaml_alias_bombs_in_badges_are_harmless() -> None:
    laughs = ["lol0: &l0 [lol]"] + [
        f"lol{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]" for i in range(1, 9)
    ]
    for key in ("alignments", "criteria"):
        text = "---\n" + "\n".join(laughs) + f"\nname: x\n{key}: *l8\n---\n\nText.\n"
        files = {"bomb.md": text.encode(), "x.svg": SIMPLE_SVG.encode()}
        badges, problems = parse_badges(files)
        assert badges == [] and problems
        assert all(len(problem.message) < 500 for problem in problems)


def test_png_rendering_gives_a_square_png_of_the_requested_size() -> None:
    result = sanitize_svg((BADGES / "careful-checker.svg").read_bytes())
    assert result.svg is not None
    png = render_png(result.svg, 256)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", png[16:24])
    assert (width, height) == (256, 256)


# --------------------------------------------------------------------- checking and publishing


@pytest.fixture
def tree(tmp_path: Path, app: Flask) -> Path:
    """A courses folder with one course (whose badge: names a badge) and two badges."""
    root = tmp_path / "courses"
    spec = CourseSpec(slug="tiny-course", modules=[ModuleSpec("only", "Only")])
    folder = write_course(root, spec)
    course_md = folder / "course.md"
    course_md.write_text(course_md.read_text().replace("---\n\n", "badge: tiny-badge\n---\n\n"))
    write_badge(
        root / "_badges", "tiny-badge", {"type": "course-completed", "course": "tiny-course"}
    )
    write_badge(root / "_badges", "first-look", {"type": "baseline-done"}, colour="#aa0000")
    app.config["COURSES_DIR"] = str(root)
    return root


def badge_rows(app: Flask) -> dict[str, tuple[str, bool]]:
    with app.app_context():
        rows = {
            badge.slug: (badge.content_hash, badge.retired_at is not None)
            for badge in db.session.scalars(select(Badge))
        }
        db.session.remove()
    return rows


def test_cli_check_reports_badge_problems_with_the_courses(app: Flask, tree: Path) -> None:
    (tree / "_badges" / "first-look.md").write_text(
        (tree / "_badges" / "first-look.md").read_text().replace("baseline-done", "vibes")
    )
    result = run(app, "courses", "check")
    assert result.exit_code == 1
    assert "_badges/first-look.md:6: unknown criteria type 'vibes'" in result.output
    # Naming only the badges folder checks only the badges.
    only = run(app, "courses", "check", str(tree / "_badges"))
    assert only.exit_code == 1 and "first-look.md:6" in only.output
    assert "tiny-course" not in only.output
    # Naming one course checks that course only.
    course = run(app, "courses", "check", str(tree / "tiny-course"))
    assert course.exit_code == 0, course.output
    assert "badge(s)" not in course.output


def test_a_course_badge_without_a_definition_is_a_problem(app: Flask, tree: Path) -> None:
    (tree / "_badges" / "tiny-badge.md").unlink()
    result = run(app, "courses", "check")
    assert result.exit_code == 1
    assert "tiny-course/course.md:8: badge 'tiny-badge' is not defined" in result.output


def test_a_badge_naming_an_unknown_course_is_a_problem(app: Flask, tree: Path) -> None:
    write_badge(tree / "_badges", "ghost", {"type": "course-completed", "course": "no-course"})
    result = run(app, "courses", "check")
    assert result.exit_code == 1
    assert "_badges/ghost.md:7: unknown course 'no-course'" in result.output


def test_publish_creates_badges_then_is_a_no_op(app: Flask, tree: Path) -> None:
    first = run(app, "courses", "publish")
    assert first.exit_code == 0, first.output
    assert "tiny-course: published version 1" in first.output
    assert "badge first-look: new" in first.output and "badge tiny-badge: new" in first.output
    with app.app_context():
        badge = db.session.scalar(select(Badge).where(Badge.slug == "tiny-badge"))
        assert badge is not None
        assert badge.name == "Tiny badge" and badge.criteria["course"] == "tiny-course"
        assert badge.image_svg.startswith("<svg") and badge.image_png.startswith(b"\x89PNG")
        assert "<p>Earned by doing the thing" in badge.criteria_html
        db.session.remove()

    before = table_snapshot(app)
    again = run(app, "courses", "publish")
    assert again.exit_code == 0, again.output
    assert "badge first-look: unchanged" in again.output
    assert "badge tiny-badge: unchanged" in again.output
    assert table_snapshot(app) == before  # not a single write


def test_editing_removing_and_restoring_badges(app: Flask, tree: Path) -> None:
    assert run(app, "courses", "publish").exit_code == 0
    rows = badge_rows(app)
    with app.app_context():
        png_before = db.session.scalar(select(Badge.image_png).where(Badge.slug == "first-look"))
        db.session.remove()

    # Text only: the definition changes, the image (and its PNG) stays.
    md = tree / "_badges" / "first-look.md"
    md.write_text(md.read_text().replace("Earned by doing", "Now earned by doing"))
    edited = run(app, "courses", "publish")
    assert "badge first-look: updated" in edited.output and "tiny-badge: unchanged" in edited.output
    with app.app_context():
        badge = db.session.scalar(select(Badge).where(Badge.slug == "first-look"))
        assert badge is not None and "Now earned" in badge.criteria_html
        assert badge.image_png == png_before
        db.session.remove()
    assert badge_rows(app)["first-look"][0] != rows["first-look"][0]

    # A new image is rendered again.
    svg = tree / "_badges" / "first-look.svg"
    svg.write_text(svg.read_text().replace("#aa0000", "#00aa00"))
    assert "badge first-look: updated" in run(app, "courses", "publish").output
    with app.app_context():
        png = db.session.scalar(select(Badge.image_png).where(Badge.slug == "first-look"))
        assert png is not None and png != png_before
        db.session.remove()

    # Removed from the folder: retired, not deleted; back again: live.
    md_text, svg_text = md.read_text(), svg.read_text()
    md.unlink()
    svg.unlink()
    assert "badge first-look: retired" in run(app, "courses", "publish").output
    assert badge_rows(app)["first-look"][1] is True
    md.write_text(md_text)
    svg.write_text(svg_text)
    assert "badge first-look: updated" in run(app, "courses", "publish").output
    assert badge_rows(app)["first-look"][1] is False


def test_one_broken_badge_publishes_nothing_not_even_valid_courses(app: Flask, tree: Path) -> None:
    svg = tree / "_badges" / "first-look.svg"
    svg.write_text(svg.read_text().replace("<circle", '<circle onclick="steal()"'))
    before = table_snapshot(app)
    result = run(app, "courses", "publish")
    assert result.exit_code == 1
    assert "_badges/first-look.svg:1: event handler attribute 'onclick'" in result.output
    assert "nothing was published" in result.output
    assert table_snapshot(app) == before
    assert row_count(app, Course) == 0 and row_count(app, Badge) == 0


def test_publishing_named_courses_leaves_badges_alone(app: Flask, tree: Path) -> None:
    result = run(app, "courses", "publish", str(tree / "tiny-course"))
    assert result.exit_code == 0, result.output
    assert "badge" not in result.output
    assert row_count(app, Badge) == 0
    badges_only = run(app, "courses", "publish", str(tree / "_badges"))
    assert badges_only.exit_code == 0, badges_only.output
    assert "tiny-course" not in badges_only.output
    assert row_count(app, Badge) == 2


def test_demo_publishes_the_starter_badges(app: Flask) -> None:
    first = run(app, "demo")
    assert first.exit_code == 0, first.output
    count = len(list(BADGES.glob("*.md")))
    assert f"Badges: {count} live ({count} published now)." in first.output
    second = run(app, "demo")
    assert f"Badges: {count} live (0 published now)." in second.output
    assert row_count(app, Badge) == count


def test_the_starter_badge_folder_reads_like_the_cli_reads_it() -> None:
    badges, problems = parse_badges(read_folder(BADGES), known_courses=None)
    assert problems == []
    assert {badge.image for badge in badges} == {p.name for p in BADGES.glob("*.svg")}
