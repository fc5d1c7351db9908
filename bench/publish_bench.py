"""Benchmark: validating and publishing courses.

Measures, on SQLite in a temporary database:

- the whole ``courses/`` curriculum: validate (read + parse every course) and publish (render,
  sanitize, write, commit); the target is under 2 s in total;
- generated courses of 250, 500 and 1,000 modules (two knowledge-check questions each, a 40-question
  final quiz): validate, publish version 1, publish again unchanged (a no-op), and publish version 2
  after editing one module, to show that the cost grows linearly with the number of modules.

Run from the project root:  .venv/bin/python bench/publish_bench.py [--sizes 250 500 1000]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from flask import Flask  # noqa: E402

from lms import create_app  # noqa: E402
from lms.courses.format import CourseSource, parse_course  # noqa: E402
from lms.courses.loader import load_courses  # noqa: E402
from lms.courses.publish import publish_course  # noqa: E402
from lms.extensions import db  # noqa: E402

T = TypeVar("T")
TARGET_CURRICULUM_SECONDS = 2.0


@dataclass
class Row:
    case: str
    modules: int
    questions: int
    validate: float
    publish: float
    unchanged: float | None = None
    republish: float | None = None

    @property
    def total(self) -> float:
        return self.validate + self.publish


def timed(function: Callable[[], T]) -> tuple[T, float]:
    started = time.perf_counter()
    result = function()
    return result, time.perf_counter() - started


def fresh_app(folder: Path) -> Flask:
    folder.mkdir(parents=True, exist_ok=True)
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.sqlite3'}",
            "SECRET_KEY": "bench-only",
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )
    with app.app_context():
        db.drop_all()
        db.create_all()
    return app


def publish_all(app: Flask, courses: list[CourseSource]) -> None:
    with app.app_context():
        for course in courses:
            publish_course(db.session, course, None)
        db.session.commit()
        db.session.remove()


# ---------------------------------------------------------------------------- the curriculum


def bench_curriculum(app: Flask, courses_dir: Path) -> Row:
    (courses, problems), validate = timed(lambda: load_courses([], courses_dir))
    if problems:
        print(f"note: {len(problems)} problem(s) in {courses_dir}; publishing the valid courses:")
        for problem in problems[:10]:
            print(f"  {problem}")
    _, publish = timed(lambda: publish_all(app, courses))
    _, unchanged = timed(lambda: publish_all(app, courses))
    return Row(
        case=f"curriculum ({len(courses)} courses)",
        modules=sum(len(course.modules) for course in courses),
        questions=sum(len(course.questions) for course in courses),
        validate=validate,
        publish=publish,
        unchanged=unchanged,
    )


# ------------------------------------------------------------------------ generated courses

LESSON = """
Generated lesson text for module {n}. It has the usual parts of a real lesson: paragraphs with
**emphasis**, *italics* and `code`, a list, a table, a call-out and a link to the next module.

## What you will do

1. Read the scenario.
2. Decide what to check.
3. Compare with the model answer.

| Claim | Check against | Risk |
| --- | --- | --- |
| A figure | The source report | High |
| A name | The CRM | Medium |
| A date | The contract | High |

!!! tip "Module {n} tip"
    Treat every specific claim in AI output as unverified until you have checked it.

??? example "Show an answer"
    The figure and the date must be checked; the tone needs only a glance.

A footnote for good measure.[^1] Continue with [the next module]({next}).

[^1]: Footnotes render at the end of the lesson.
"""

QUESTION = """
## Question: {id}
type: {type}
competency: evaluating
difficulty: 2

A colleague pastes an AI-drafted summary (case {id}). Which statement is right?

- [x] Check the specific figures against the source before sending
  Feedback: Figures are where models invent detail.
- [ ] Send it as it is; the model read the document
  Feedback: Reading is not the same as quoting correctly.
- [ ] Ask the model whether it is sure
  Feedback: Models sound sure either way.

Explanation: Verify specific claims against a source you trust.
"""


def generated_course(modules: int) -> dict[str, bytes]:
    digits = max(2, len(str(modules)))
    names = [f"{n:0{digits}d}-topic-{n}.md" for n in range(1, modules + 1)]
    files: dict[str, bytes] = {
        "course.md": (
            "---\n"
            f"title: Generated course with {modules} modules\n"
            "summary: A generated course for the publishing benchmark.\n"
            "audience: [everyone]\n"
            "competencies: [evaluating]\n"
            "target_level: 2\n"
            f"estimated_minutes: {modules * 10}\n"
            "quiz:\n  pass_mark: 70\n  questions: 10\n  max_attempts: 3\n"
            "  cooldown_minutes: 30\n  time_limit_minutes: 20\n  review: full\n"
            "---\n\nThe overview. Start with [the first module](" + names[0] + ").\n"
        ).encode()
    }
    for index, name in enumerate(names, start=1):
        following = names[index] if index < modules else names[0]
        text = (
            f"---\ntitle: Topic {index}\ncompetencies: [evaluating]\nestimated_minutes: 10\n---\n"
            + LESSON.format(n=index, next=following)
            + QUESTION.format(id=f"m{index}-a", type="single")
            + QUESTION.format(id=f"m{index}-b", type="scenario")
        )
        files[name] = text.encode()
    files["quiz.md"] = "".join(
        QUESTION.format(id=f"quiz-{n}", type="single") for n in range(1, 41)
    ).encode()
    return files


def bench_generated(app: Flask, modules: int) -> Row:
    files = generated_course(modules)
    slug = f"generated-{modules}"
    (course, problems), validate = timed(lambda: parse_course(slug, files, known_courses=set()))
    if course is None:
        raise SystemExit("\n".join(str(problem) for problem in problems[:20]))
    _, publish = timed(lambda: publish_all(app, [course]))
    _, unchanged = timed(lambda: publish_all(app, [course]))
    first = next(path for path in files if path.endswith("-topic-1.md"))
    files[first] = files[first].replace(b"Generated lesson text", b"Edited lesson text")
    edited, _ = parse_course(slug, files, known_courses=set())
    assert edited is not None
    _, republish = timed(lambda: publish_all(app, [edited]))
    return Row(
        case=f"generated, {modules} modules",
        modules=len(course.modules),
        questions=len(course.questions),
        validate=validate,
        publish=publish,
        unchanged=unchanged,
        republish=republish,
    )


# ------------------------------------------------------------------------------------ report


def seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def print_table(rows: list[Row]) -> None:
    header = (
        f"{'case':<28} {'modules':>7} {'questions':>9} {'validate s':>10} {'publish s':>10} "
        f"{'total s':>8} {'ms/module':>9} {'unchanged s':>11} {'v2 s':>7}"
    )
    print(header)
    print("-" * len(header))
    for row in rows:
        print(
            f"{row.case:<28} {row.modules:>7} {row.questions:>9} {seconds(row.validate):>10} "
            f"{seconds(row.publish):>10} {seconds(row.total):>8} "
            f"{1000 * row.total / max(row.modules, 1):>9.1f} {seconds(row.unchanged):>11} "
            f"{seconds(row.republish):>7}"
        )


def median_row(rows: list[Row]) -> Row:
    def med(values: list[float | None]) -> float | None:
        present = [value for value in values if value is not None]
        return statistics.median(present) if present else None

    first = rows[0]
    return Row(
        case=first.case,
        modules=first.modules,
        questions=first.questions,
        validate=statistics.median(row.validate for row in rows),
        publish=statistics.median(row.publish for row in rows),
        unchanged=med([row.unchanged for row in rows]),
        republish=med([row.republish for row in rows]),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[250, 500, 1000])
    parser.add_argument("--repeat", type=int, default=1, help="runs per case (median reported)")
    parser.add_argument("--courses", type=Path, default=PROJECT_ROOT / "courses")
    args = parser.parse_args(argv)

    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="lms-bench-") as folder:
        runs = []
        for run in range(args.repeat):
            app = fresh_app(Path(folder) / f"curriculum-{run}")
            runs.append(bench_curriculum(app, args.courses))
        curriculum = median_row(runs)
        rows.append(curriculum)
        for size in args.sizes:
            runs = []
            for run in range(args.repeat):
                app = fresh_app(Path(folder) / f"generated-{size}-{run}")
                runs.append(bench_generated(app, size))
            rows.append(median_row(runs))
    print_table(rows)
    verdict = "OK" if curriculum.total < TARGET_CURRICULUM_SECONDS else "SLOWER THAN TARGET"
    print(
        f"\ncurriculum: validate + publish {curriculum.total:.3f} s "
        f"(target < {TARGET_CURRICULUM_SECONDS:.0f} s): {verdict}"
    )
    return 0 if curriculum.total < TARGET_CURRICULUM_SECONDS else 1


if __name__ == "__main__":
    raise SystemExit(main())
