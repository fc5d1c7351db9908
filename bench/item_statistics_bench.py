#!/usr/bin/env python
"""Benchmark: question statistics (lms.assessment.statistics) on an existing database.

Point ``LMS_DATABASE_URL`` at a database that holds the 10,000-person demo (built once on an empty
database with ``flask --app wsgi lms demo --people 10000``; a few minutes) and run:

    LMS_DATABASE_URL=sqlite:////tmp/big/lms.db .venv/bin/python bench/item_statistics_bench.py
    LMS_DATABASE_URL=... .venv/bin/python bench/item_statistics_bench.py --rounds 7 \
        --course ai-foundations

For every course with a live version (or the ones named with ``--course``), interleaved over
``--rounds`` rounds, it times in-process:

- ``scan``: one ``SELECT count(*)`` of the counting answers to the course's quiz questions, the
  floor of any such figure without an index on ``question_version_id`` (a full read of
  ``attempt_answers``); ``quiz/scan`` is the ratio of the two, measured side by side, which
  holds better than absolute times on a busy machine;
- ``quiz``: ``course_item_statistics(..., part=QUIZ)``, the figures of the final quiz pool (what the
  course's statistics page computes);
- ``all``: the same for every question of the course (quiz pool and every knowledge check);
- ``page``: ``GET /statistics/courses/<slug>`` through Flask's test client, logged in as the demo
  admin (``--email``, demo password), template and all.

It prints the medians (ms), the number of counting answers behind the figures, the statements
each run sent (always the same few), and the load average, and exits 1 when the quiz's figures or
the page take more than the target of 1 second (median). Nothing is written to the database.
Not part of the test suite.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_MS = 1000.0
CASES = ("scan", "quiz", "all", "page")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--course", action="append", default=[], help="course slug (repeatable)")
    parser.add_argument("--email", default="alex.exec@example.com", help="an admin to log in as")
    args = parser.parse_args()
    if not os.environ.get("LMS_DATABASE_URL"):
        parser.error("set LMS_DATABASE_URL to the database to measure")

    from sqlalchemy import event, func, select

    from lms import create_app
    from lms.assessment.statistics import QUIZ, course_item_statistics
    from lms.courses.models import Course, QuestionVersion
    from lms.demo import DEMO_PASSWORD
    from lms.extensions import db
    from lms.learn.models import AttemptAnswer

    app = create_app(
        {
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )
    client = app.test_client()
    logged_in = (
        client.post("/login", data={"email": args.email, "password": DEMO_PASSWORD}).status_code
        == 302
    )
    if not logged_in:
        print(f"note: could not log in as {args.email}; the page is not timed", file=sys.stderr)

    with app.app_context():
        query = select(Course).where(Course.current_version_id.is_not(None)).order_by(Course.slug)
        if args.course:
            query = query.where(Course.slug.in_(args.course))
        courses = list(db.session.scalars(query))
        total_answers = db.session.scalar(select(func.count()).select_from(AttemptAnswer))
        answers: dict[str, int] = {}
        quiz_ids: dict[str, list[int]] = {}
        for course in courses:
            quiz_ids[course.slug] = list(
                db.session.scalars(
                    select(QuestionVersion.id).where(
                        QuestionVersion.course_version_id == course.current_version_id,
                        QuestionVersion.module_id.is_(None),
                    )
                )
            )
            answers[course.slug] = int(
                db.session.scalar(
                    select(func.count())
                    .select_from(AttemptAnswer)
                    .join(QuestionVersion, QuestionVersion.id == AttemptAnswer.question_version_id)
                    .where(
                        QuestionVersion.course_version_id == course.current_version_id,
                        AttemptAnswer.counts.is_(True),
                    )
                )
                or 0
            )
        slugs = [course.slug for course in courses]
        engine = db.engine
        db.session.remove()
    if not slugs:
        print("no published courses in this database", file=sys.stderr)
        return 2

    statements: dict[str, int] = {}

    def count(_conn: Any, _cursor: Any, _statement: str, *_rest: Any) -> None:
        statements["n"] = statements.get("n", 0) + 1

    timings: dict[tuple[str, str], list[float]] = {}
    counted: dict[tuple[str, str], int] = {}
    for _ in range(args.rounds):
        for slug in slugs:
            for case in CASES:
                if case == "page" and not logged_in:
                    continue
                statements["n"] = 0
                event.listen(engine, "before_cursor_execute", count)
                began = time.perf_counter()
                if case == "page":
                    response = client.get(f"/statistics/courses/{slug}")
                    assert response.status_code == 200, (slug, response.status_code)
                elif case == "scan":  # the floor: one filtered read of attempt_answers
                    with app.app_context():
                        began = time.perf_counter()
                        db.session.scalar(
                            select(func.count())
                            .select_from(AttemptAnswer)
                            .where(
                                AttemptAnswer.question_version_id.in_(quiz_ids[slug]),
                                AttemptAnswer.counts.is_(True),
                            )
                        )
                        elapsed = time.perf_counter() - began
                        db.session.remove()
                else:
                    with app.app_context():
                        found = db.session.scalar(select(Course).where(Course.slug == slug))
                        assert found is not None
                        statements["n"] = 0
                        began = time.perf_counter()
                        course_item_statistics(
                            db.session, found, part=QUIZ if case == "quiz" else None
                        )
                        elapsed = time.perf_counter() - began
                        db.session.remove()
                if case == "page":
                    elapsed = time.perf_counter() - began
                event.remove(engine, "before_cursor_execute", count)
                timings.setdefault((slug, case), []).append(1000 * elapsed)
                counted[(slug, case)] = statements["n"]

    backend = engine.dialect.name
    print(
        f"Question statistics on {backend}: {len(slugs)} course(s), {total_answers:,} answers in "
        f"the database, median of {args.rounds} interleaved rounds (ms); load average "
        f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}"
    )
    header = (
        f"{'course':<30} {'answers':>8} {'scan ms':>8} {'quiz ms':>8} {'quiz/scan':>9} "
        f"{'all ms':>8} {'page ms':>8}  statements quiz/all/page"
    )
    print(header)
    print("-" * len(header))
    worst = 0.0
    for slug in slugs:
        medians = {
            case: statistics.median(timings[(slug, case)])
            for case in CASES
            if (slug, case) in timings
        }
        # The target is for what a course's page needs: its quiz's figures, and the page.
        worst = max(worst, medians["quiz"], medians.get("page", 0.0))
        page = f"{medians['page']:>8.0f}" if "page" in medians else f"{'-':>8}"
        print(
            f"{slug:<30} {answers[slug]:>8,} {medians['scan']:>8.0f} {medians['quiz']:>8.0f} "
            f"{medians['quiz'] / medians['scan']:>9.1f} {medians['all']:>8.0f} {page}  "
            f"{counted[(slug, 'quiz')]}/{counted[(slug, 'all')]}"
            + (f"/{counted[(slug, 'page')]}" if (slug, "page") in counted else "")
        )
    print(f"slowest quiz or page median {worst:.0f} ms (target: under {TARGET_MS:.0f} ms)")
    return 0 if worst < TARGET_MS else 1


if __name__ == "__main__":
    raise SystemExit(main())
