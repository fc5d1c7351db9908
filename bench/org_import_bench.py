"""Benchmark: importing the org chart (``lms org import`` and Admin -> Import org chart).

Generates an org chart CSV of N people (a CEO, then managers of about eight people each, six or
seven levels deep at 100,000; rows in name order, so a manager's row is as likely after their
reports as before) and times, in a throw-away database:

- ``new``: importing it into an empty database (everyone added);
- ``unchanged``: importing the same file again (everyone matched, nothing written but the check);
- ``changed``: importing it with 10% of the people renamed and moved to another manager;
- ``refused``: a file with 20% changed and its last row bad (everything validated, the problems
  reported, nothing written).

Each time is ``import_org_chart`` and the commit, as the CLI and the admin page run them; the
parse-only time (``parse_csv``: reading and checking every row) is shown beside it. The worker
timeout the admin page must fit in is gunicorn's default, 30 s.

Run from the project root:

    .venv/bin/python bench/org_import_bench.py                      # 1,000 to 100,000 rows, both
    .venv/bin/python bench/org_import_bench.py --sizes 20000 --backend sqlite
    .venv/bin/python bench/org_import_bench.py --write-csv /tmp/org.csv --sizes 100000

PostgreSQL is used when ``LMS_BENCH_PG_URL`` (default ``postgresql://postgres@127.0.0.1:5432/
postgres``) answers; the script drops and creates the database ``lms_bench_org_import`` there.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from flask import Flask  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from lms import create_app  # noqa: E402
from lms.extensions import db  # noqa: E402
from lms.people.importer import OrgImportError, import_org_chart, parse_csv  # noqa: E402

T = TypeVar("T")
HEADER = "email,name,function,title,manager_email,roles\n"
FUNCTIONS = ["engineering", "sales", "marketing", "customer-support", "hr", "finance", "operations"]
FIRST = ["Ada", "Ben", "Chloe", "Dev", "Ela", "Finn", "Gita", "Hugo", "Ines", "Jon", "Kai", "Lea"]
LAST = ["Novak", "Chen", "Silva", "Okafor", "Meyer", "Park", "Ivanova", "Demir", "Lopez", "Raman"]
SPAN = 8  # people per manager
TIMEOUT_SECONDS = 30.0
PG_DATABASE = "lms_bench_org_import"


def person_row(index: int, manager: int | None, people: int, renamed: bool = False) -> str:
    name = f"{FIRST[index % len(FIRST)]} {LAST[index // len(FIRST) % len(LAST)]} {index}"
    if renamed:
        name += " (moved)"
    function = "leadership" if index == 0 else FUNCTIONS[index % len(FUNCTIONS)]
    title = "Chief Executive" if index == 0 else ("Manager" if index * SPAN < people else "Analyst")
    roles = "executive admin" if index == 0 else ("author" if index % 97 == 0 else "")
    boss = f"p{manager}@bench.example.com" if manager is not None else ""
    return f"p{index}@bench.example.com,{name},{function},{title},{boss},{roles}\n"


def org_csv(people: int, changed_share: float = 0.0, bad_last_row: bool = False) -> str:
    """Person 0 is the CEO; person i reports to (i - 1) // SPAN, so a manager always has a lower
    number (no cycles, even after moving people to another lower-numbered manager)."""
    chooser = random.Random(people)
    rows = []
    for index in range(people):
        manager = None if index == 0 else (index - 1) // SPAN
        renamed = False
        if index > SPAN and chooser.random() < changed_share:
            manager = chooser.randrange(0, (index - 1) // SPAN + 1)
            renamed = True
        rows.append(person_row(index, manager, people, renamed))
    rows.sort(key=lambda line: line.split(",", 2)[1].split()[::-1])  # by last name, then first
    if bad_last_row:  # in place of the last row, so the file stays within the 100,000 allowed
        rows[-1] = "not-an-email,Bad Row,astrology,Nobody,,\n"
    return HEADER + "".join(rows)


def timed(function: Callable[[], T]) -> tuple[T, float]:
    started = time.perf_counter()
    result = function()
    return result, time.perf_counter() - started


def fresh_app(url: str) -> Flask:
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench-only",
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )
    with app.app_context():
        db.drop_all()
        db.create_all()
    return app


def run_import(app: Flask, csv_text: str) -> str:
    with app.app_context():
        try:
            result = import_org_chart(db.session, csv_text)
        except OrgImportError as error:
            db.session.rollback()
            return f"refused ({len(error.problems)} problems)"
        db.session.commit()
        db.session.remove()
    return f"{result.created} added, {result.updated} updated, {result.unchanged} unchanged"


def bench_backend(name: str, url: str, sizes: list[int]) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for size in sizes:
        app = fresh_app(url)
        files = {
            "new": org_csv(size),
            "unchanged": org_csv(size),
            "changed": org_csv(size, changed_share=0.1),
            "refused": org_csv(size, changed_share=0.2, bad_last_row=True),
        }
        for case, csv_text in files.items():
            _, parse_seconds = timed(lambda csv_text=csv_text: parse_csv(csv_text))
            outcome, seconds = timed(lambda app=app, csv_text=csv_text: run_import(app, csv_text))
            verdict = "ok" if seconds < TIMEOUT_SECONDS else "OVER THE 30 s WORKER TIMEOUT"
            times = (f"{seconds:.2f}", f"{parse_seconds:.2f}")
            rows.append((name, f"{size:,}", case, *times, outcome, verdict))
            print("  ".join(rows[-1]), flush=True)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    return rows


def postgres_url() -> str | None:
    admin_url = os.environ.get("LMS_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    try:
        engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {PG_DATABASE}"))
            connection.execute(text(f"CREATE DATABASE {PG_DATABASE}"))
        engine.dispose()
    except Exception as error:  # any failure means: no PostgreSQL here
        print(f"PostgreSQL not used ({type(error).__name__}: {error})")
        return None
    return make_url(admin_url).set(database=PG_DATABASE).render_as_string(hide_password=False)


def drop_postgres() -> None:
    admin_url = os.environ.get("LMS_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {PG_DATABASE}"))
    engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 20_000, 100_000])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--write-csv", type=Path, help="only write the generated CSV here")
    options = parser.parse_args()
    if options.write_csv:
        options.write_csv.write_text(org_csv(options.sizes[0]), encoding="utf-8")
        print(f"wrote {options.sizes[0]:,} people to {options.write_csv}")
        return 0
    results: list[tuple[str, ...]] = []
    if options.backend in {"sqlite", "both"}:
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
            results += bench_backend("SQLite", url, options.sizes)
    if options.backend in {"postgresql", "both"}:
        url = postgres_url()
        if url:
            try:
                results += bench_backend("PostgreSQL", url, options.sizes)
            finally:
                drop_postgres()
    print()
    print("| backend | rows | case | import + commit s | of which parse_csv s | result |")
    print("| --- | ---: | --- | ---: | ---: | --- |")
    for backend, size, case, seconds, parse_seconds, outcome, verdict in results:
        flag = "" if verdict == "ok" else f" **{verdict}**"
        print(f"| {backend} | {size} | {case} | {seconds}{flag} | {parse_seconds} | {outcome} |")
    return 0 if all(row[-1] == "ok" for row in results) else 1


if __name__ == "__main__":
    sys.exit(main())
