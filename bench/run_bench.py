#!/usr/bin/env python
"""Benchmark: the module page against bare Flask, and scored quiz submissions per second.

Follows /work/shared/performance.md: gunicorn with 2 sync workers serves the LMS and, with the
same settings (bench/gunicorn_conf.py), a bare Flask "hello" app; wrk measures each with
``-t1 -c16 -d10s --latency -H "Connection: close"``. Runs are interleaved (hello, Jinja page,
module page, submissions, start+submit, then again) and medians are reported with the ratios
measured in the same run. Not part of the test suite.

    .venv/bin/python bench/run_bench.py                 # SQLite, and PostgreSQL if reachable
    .venv/bin/python bench/run_bench.py --backend sqlite --rounds 3

What is measured:

- ``hello``: GET / of bench/hello_app.py, the ceiling.
- ``page``: GET /page of the same app, an ~11 KB Jinja page with no database (calibration: the
  performance notes measured it at 61% of bare Flask).
- ``module``: GET of a shipped module page as an enrolled learner (session cookie).
- ``submit``: POST /attempts/<id>/submit, each request to a different open final-quiz attempt
  (10 questions of a shipped course) with the learner's session and CSRF token (bench/submit.lua).
  Every submission is checked in the database afterwards: scored once, 10 answers, one event.
- ``start+submit``: a small Python client (16 threads) that starts the final quiz
  (POST /courses/<slug>/quiz) and submits it, for learners who completed every module: the
  figure is complete quizzes per second (two requests each).

The database holds the demo organisation, the shipped courses (published as ``flask lms demo``
does), ``--people`` extra learners with enrolments and module progress, and the bench learners.
Sessions are minted directly (an AuthSession row and a signed Flask session cookie), not through
the login form, which is rate limited and slow on purpose.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
sys.path.insert(0, str(ROOT))

USER_AGENT = "lms-bench/1"
SECRET_KEY = "bench-secret-key-not-for-production"
WRK = "/usr/bin/wrk"
CONNECTIONS = 16
MODULE_COURSE = "working-with-ai"
QUIZ_COURSE = "ai-foundations"
PG_ADMIN_URL = os.environ.get("LMS_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
PG_DATABASE = "lms_bench"
TARGETS = {
    "sqlite": {"module_ratio": 0.40, "submissions": 200},
    "postgresql": {"module_ratio": 0.30, "submissions": 300},
}


# ------------------------------------------------------------------------------------ helpers


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def ensure_wrk() -> None:
    if shutil.which("wrk") or Path(WRK).exists():
        return
    if os.geteuid() != 0:
        sys.exit("wrk is missing: install the Debian package 'wrk' (apt-get install wrk)")
    log("installing wrk with apt-get")
    subprocess.run(["apt-get", "install", "-y", "wrk"], check=True)


def wrk_path() -> str:
    return shutil.which("wrk") or WRK


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def postgres_reachable() -> bool:
    try:
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3):
            return True
    except Exception:
        return False


def fresh_postgres_database() -> str:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {PG_DATABASE}")
    parts = urllib.parse.urlsplit(PG_ADMIN_URL)
    return urllib.parse.urlunsplit(parts._replace(path=f"/{PG_DATABASE}"))


# --------------------------------------------------------------------------------- data set


@dataclass
class Learner:
    user_id: int
    cookie: str
    csrf: str


@dataclass
class DataSet:
    module_path: str
    module_title: str
    module_cookie: str
    submit_files: list[Path]
    submit_attempts: list[list[int]]
    quiz_questions: int
    quiz_slug: str
    cycle_learners: list[list[Learner]]
    pool_answers: dict[int, list[str]]
    counts: dict[str, int] = field(default_factory=dict)


def mint_sessions(app: Any, session: Any, user_ids: list[int]) -> list[Learner]:
    """A live AuthSession row and a signed Flask session cookie (with a CSRF token) per user."""
    import secrets

    from flask import session as flask_session
    from itsdangerous import URLSafeTimedSerializer
    from sqlalchemy import insert

    from lms.people.models import AuthSession
    from lms.people.services import token_digest

    learners: list[Learner] = []
    rows = []
    serializer = app.session_interface.get_signing_serializer(app)
    csrf_signer = URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token")
    for user_id in user_ids:
        token = secrets.token_urlsafe(32)
        rows.append(
            {
                "user_id": user_id,
                "token_hash": token_digest(token),
                "ip": "127.0.0.1",
                "user_agent": USER_AGENT,
            }
        )
        with app.test_request_context(
            "/", environ_base={"REMOTE_ADDR": "127.0.0.1"}, headers={"User-Agent": USER_AGENT}
        ):
            # What login_user and Flask-WTF's generate_csrf store (done by hand: generate_csrf
            # caches its token on ``g``, which outlives this request context).
            raw_csrf = hashlib.sha1(os.urandom(64)).hexdigest()
            flask_session["_user_id"] = token
            flask_session["_fresh"] = True
            flask_session["_id"] = app.login_manager._session_identifier_generator()
            flask_session["csrf_token"] = raw_csrf
            csrf = csrf_signer.dumps(raw_csrf)
            cookie = serializer.dumps(dict(flask_session))
        learners.append(Learner(user_id, cookie, csrf))
    session.execute(insert(AuthSession), rows)
    return learners


def add_people(session: Any, prefix: str, count: int, function: str = "engineering") -> list[int]:
    from sqlalchemy import insert, select

    from lms.people.models import User

    session.execute(
        insert(User),
        [
            {
                "email": f"{prefix}{number}@bench.example",
                "name": f"{prefix.title()} {number}",
                "job_function": function,
                "title": "Specialist",
                "active": True,
                "password_hash": None,
            }
            for number in range(count)
        ],
    )
    return list(
        session.scalars(
            select(User.id).where(User.email.like(f"{prefix}%@bench.example")).order_by(User.id)
        )
    )


def enrol_and_complete(
    session: Any, user_ids: list[int], course_id: int, module_ids: list[int], complete: int
) -> None:
    """Enrol each user and complete the first ``complete`` modules (bulk inserts)."""
    from sqlalchemy import insert

    from lms.learn.models import Enrolment, ModuleProgress
    from lms.people.models import utcnow

    now = utcnow()
    session.execute(
        insert(Enrolment),
        [
            {
                "user_id": user_id,
                "course_id": course_id,
                "source": "self",
                "enrolled_at": now,
                "last_module_id": module_ids[max(0, complete - 1)],
                "last_active_at": now,
            }
            for user_id in user_ids
        ],
    )
    progress = [
        {
            "user_id": user_id,
            "module_id": module_id,
            "course_id": course_id,
            "opened_at": now,
            "read_at": now,
            "check_passed_at": now,
            "completed_at": now,
        }
        for user_id in user_ids
        for module_id in module_ids[:complete]
    ]
    for start in range(0, len(progress), 5000):
        session.execute(insert(ModuleProgress), progress[start : start + 5000])


def build(url: str, workdir: Path, args: argparse.Namespace) -> DataSet:
    from sqlalchemy import insert, select

    from lms import create_app
    from lms.courses.loader import load_courses
    from lms.courses.models import Course, CourseVersion, Module, ModuleVersion, QuestionVersion
    from lms.courses.publish import publish_course
    from lms.demo import DEMO_LOGINS, set_up_demo_org
    from lms.extensions import db
    from lms.learn.models import Attempt
    from lms.people.models import utcnow
    from lms.people.services import find_user_by_email

    started = time.perf_counter()
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET_KEY})
    rng = random.Random(20240601)
    with app.app_context():
        db.drop_all()
        db.create_all()
        session = db.session
        # What `flask --app wsgi lms demo` does: the demo organisation and the shipped courses.
        set_up_demo_org(session)
        courses, problems = load_courses([], Path(app.config["COURSES_DIR"]))
        for problem in problems:
            log(f"warning: skipping a course with a problem: {problem}")
        author = find_user_by_email(session, DEMO_LOGINS["author"])
        for course in courses:
            publish_course(session, course, author, author)
        session.commit()

        def live(slug: str) -> tuple[int, int, list[int]]:
            course_id, version_id = session.execute(
                select(Course.id, CourseVersion.id)
                .join(CourseVersion, CourseVersion.id == Course.current_version_id)
                .where(Course.slug == slug)
            ).one()
            modules = list(
                session.scalars(
                    select(ModuleVersion.module_id)
                    .where(ModuleVersion.course_version_id == version_id)
                    .order_by(ModuleVersion.position)
                )
            )
            return course_id, version_id, modules

        published = {course.slug for course in courses}
        for slug in (MODULE_COURSE, QUIZ_COURSE):
            if slug not in published:
                sys.exit(f"the shipped course {slug!r} is not publishable; cannot benchmark")

        # Background population: people enrolled in three courses each, with progress.
        all_courses = [live(course.slug) for course in courses]
        people = add_people(session, "person", args.people)
        for index, (course_id, _version, modules) in enumerate(all_courses):
            members = [p for n, p in enumerate(people) if (n + index) % len(all_courses) < 3]
            enrol_and_complete(session, members, course_id, modules, rng.randrange(len(modules)))
        session.commit()

        # The module page: an enrolled learner reading the second module of a shipped course.
        course_id, version_id, modules = live(MODULE_COURSE)
        reader_id = add_people(session, "reader", 1)
        enrol_and_complete(session, reader_id, course_id, modules, 1)
        module_slug, module_title = session.execute(
            select(Module.slug, ModuleVersion.title)
            .join(ModuleVersion, ModuleVersion.module_id == Module.id)
            .where(ModuleVersion.course_version_id == version_id, Module.id == modules[1])
        ).one()
        reader = mint_sessions(app, session, reader_id)[0]

        # Submissions: open final-quiz attempts (10 questions drawn from the shipped pool).
        quiz_course_id, quiz_version_id, quiz_modules = live(QUIZ_COURSE)
        settings = session.scalar(
            select(CourseVersion.quiz_settings).where(CourseVersion.id == quiz_version_id)
        )
        pool = list(
            session.scalars(
                select(QuestionVersion).where(
                    QuestionVersion.course_version_id == quiz_version_id,
                    QuestionVersion.module_id.is_(None),
                )
            )
        )
        pool_answers = {q.id: [option["key"] for option in q.options] for q in pool}
        submitters_ids = add_people(session, "submitter", args.submitters)
        enrol_and_complete(session, submitters_ids, quiz_course_id, quiz_modules, len(quiz_modules))
        submitters = mint_sessions(app, session, submitters_ids)
        session.commit()
        now = utcnow()
        submit_files: list[Path] = []
        submit_attempts: list[list[int]] = []
        for run in range(args.rounds + 1):  # +1: a warm-up and a sanity check
            rows = []
            owners = []
            for number in range(args.submit_pool):
                learner = submitters[(run * args.submit_pool + number) % len(submitters)]
                drawn = rng.sample(pool, settings["questions"])
                rows.append(
                    {
                        "user_id": learner.user_id,
                        "kind": "quiz",
                        "course_id": quiz_course_id,
                        "course_version_id": quiz_version_id,
                        "question_version_ids": [q.id for q in drawn],
                        "started_at": now,
                        "deadline_at": now + timedelta(days=1),
                        "pass_mark": settings["pass_mark"],
                        "review": settings["review"],
                    }
                )
                owners.append((learner, drawn))
            first_id = (session.scalar(select(Attempt.id).order_by(Attempt.id.desc())) or 0) + 1
            session.execute(insert(Attempt), rows)
            ids = list(
                session.scalars(
                    select(Attempt.id).where(Attempt.id >= first_id).order_by(Attempt.id)
                )
            )
            assert len(ids) == len(rows)
            path = workdir / f"submit-{run}.tsv"
            with path.open("w") as handle:
                for attempt_id, (learner, drawn) in zip(ids, owners, strict=True):
                    fields = [("csrf_token", learner.csrf)]
                    for question in drawn:
                        correct = [o["key"] for o in question.options if o["correct"]]
                        # About three in four answers right: some attempts pass, some fail.
                        keys = pool_answers[question.id]
                        choice = correct[0] if rng.random() < 0.75 else rng.choice(keys)
                        fields.append((f"q{question.id}", choice))
                    body = urllib.parse.urlencode(fields)
                    handle.write(f"/attempts/{attempt_id}/submit\t{learner.cookie}\t{body}\n")
            submit_files.append(path)
            submit_attempts.append(ids)
        session.commit()

        # Start+submit: learners who completed every module; each takes the quiz once.
        cycle_learners: list[list[Learner]] = []
        for run in range(args.rounds):
            ids = add_people(session, f"cycle{run}x", args.cycle_pool)
            enrol_and_complete(session, ids, quiz_course_id, quiz_modules, len(quiz_modules))
            cycle_learners.append(mint_sessions(app, session, ids))
        session.commit()

        from sqlalchemy import func

        from lms.learn.models import Enrolment, ModuleProgress
        from lms.people.models import User

        counts = {
            "users": session.scalar(select(func.count(User.id))) or 0,
            "enrolments": session.scalar(select(func.count(Enrolment.id))) or 0,
            "module_progress": session.scalar(select(func.count(ModuleProgress.id))) or 0,
            "open_attempts": session.scalar(select(func.count(Attempt.id))) or 0,
            "courses": len(courses),
        }
        db.session.remove()
        db.engine.dispose()
    log(f"data set built in {time.perf_counter() - started:.1f} s: {counts}")
    return DataSet(
        module_path=f"/courses/{MODULE_COURSE}/{module_slug}",
        module_title=module_title,
        module_cookie=reader.cookie,
        submit_files=submit_files,
        submit_attempts=submit_attempts,
        quiz_questions=settings["questions"],
        quiz_slug=QUIZ_COURSE,
        cycle_learners=cycle_learners,
        pool_answers=pool_answers,
        counts=counts,
    )


def check_submissions(url: str, attempt_ids: list[int], questions: int) -> dict[str, int]:
    """Scored once each: submitted, ``questions`` answers per scored attempt, one event each."""
    from sqlalchemy import create_engine, func, select

    from lms.config import normalise_database_url
    from lms.learn.models import Attempt, AttemptAnswer

    engine = create_engine(normalise_database_url(url))
    low, high = min(attempt_ids), max(attempt_ids)
    with engine.connect() as connection:
        scored = connection.scalar(
            select(func.count(Attempt.id)).where(
                Attempt.id.between(low, high), Attempt.submitted_at.is_not(None)
            )
        )
        answers = connection.scalar(
            select(func.count(AttemptAnswer.id)).where(AttemptAnswer.attempt_id.between(low, high))
        )
        per_attempt = connection.execute(
            select(AttemptAnswer.attempt_id, func.count(AttemptAnswer.id))
            .where(AttemptAnswer.attempt_id.between(low, high))
            .group_by(AttemptAnswer.attempt_id)
            .having(func.count(AttemptAnswer.id) != questions)
        ).all()
    engine.dispose()
    return {"scored": scored or 0, "answers": answers or 0, "wrong_answer_counts": len(per_attempt)}


def count_verdicts(url: str) -> int:
    from sqlalchemy import create_engine, func, select

    from lms.activity.models import ActivityEvent
    from lms.config import normalise_database_url

    engine = create_engine(normalise_database_url(url))
    with engine.connect() as connection:
        count = connection.scalar(
            select(func.count(ActivityEvent.id)).where(
                ActivityEvent.verb.in_(["passed", "failed"]), ActivityEvent.object_type == "quiz"
            )
        )
    engine.dispose()
    return count or 0


# ------------------------------------------------------------------------------------ servers


class Server:
    def __init__(self, name: str, target: str, env: dict[str, str], workdir: Path) -> None:
        self.name = name
        self.port = free_port()
        self.counts_file = workdir / f"workers-{name}.txt"
        self.counts_file.unlink(missing_ok=True)
        environment = {**os.environ, **env, "BENCH_WORKER_COUNTS": str(self.counts_file)}
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                str(BENCH / "gunicorn_conf.py"),
                "--pythonpath",
                f"{ROOT},{BENCH}",
                "-b",
                f"127.0.0.1:{self.port}",
                target,
            ],
            cwd=ROOT,
            env=environment,
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, path: str) -> None:
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.process.poll() is not None:
                sys.exit(f"{self.name} server exited with {self.process.returncode}")
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                connection.request("GET", path)
                if connection.getresponse().status < 500:
                    return
            except OSError:
                time.sleep(0.2)
        sys.exit(f"{self.name} server did not start")

    def stop(self) -> list[int]:
        """Stop gracefully; the requests each worker served."""
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if not self.counts_file.exists():
            return []
        return [int(line.split()[1]) for line in self.counts_file.read_text().split("\n") if line]


def request(port: int, method: str, path: str, cookie: str, body: str = "") -> tuple[int, str, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {
        "Cookie": f"session={cookie}",
        "User-Agent": USER_AGENT,
        "Connection": "close",
    }
    if method == "POST":
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    connection.request(method, path, body=body or None, headers=headers)
    response = connection.getresponse()
    text = response.read().decode("utf-8", "replace")
    location = response.getheader("Location") or ""
    connection.close()
    return response.status, location, text


# ---------------------------------------------------------------------------------------- wrk


@dataclass
class WrkResult:
    rps: float
    requests: int
    p50_ms: float
    p99_ms: float
    errors: int  # non-2xx/3xx answers and socket errors other than timeouts
    timeouts: int  # no answer within wrk's default 2 s (counted by wrk, not failures here)


def parse_duration_ms(text: str) -> float:
    match = re.match(r"([\d.]+)(us|ms|s|m)", text)
    if match is None:
        return float("nan")
    value, unit = match.groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def run_wrk(
    url: str, duration: int, extra: list[str] | None = None, script: list[str] | None = None
) -> WrkResult:
    """One wrk run; ``script`` is ``[lua file, argument...]``."""
    command = [
        wrk_path(),
        "-t1",
        f"-c{CONNECTIONS}",
        f"-d{duration}s",
        "--latency",
        "-H",
        "Connection: close",
        *(extra or []),
    ]
    if script:
        command += ["-s", script[0], url, "--", *script[1:]]
    else:
        command.append(url)
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout

    # Anchored to whole lines of wrk's report: a bare ``50%\s+`` search can match the end of a
    # "+/- Stdev" figure such as ``87.50%`` in the thread statistics and then read "nan".
    def number(pattern: str) -> str:
        found = re.search(pattern, output, re.MULTILINE)
        if found is None:
            sys.exit(f"unexpected wrk output (no {pattern!r}):\n{output}")
        return found.group(1)

    rps = float(number(r"^Requests/sec:\s+([\d.]+)"))
    requests = int(number(r"^\s*(\d+) requests in"))
    p50 = parse_duration_ms(number(r"^\s+50%\s+(\S+)\s*$"))
    p99 = parse_duration_ms(number(r"^\s+99%\s+(\S+)\s*$"))
    errors = timeouts = 0
    match = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if match:
        errors += int(match.group(1))
    match = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    if match:
        connect, read, write, timeouts = (int(value) for value in match.groups())
        errors += connect + read + write
    return WrkResult(rps, requests, p50, p99, errors, timeouts)


# ------------------------------------------------------------------------- start+submit client


def start_and_submit(
    port: int, learners: list[Learner], data: DataSet, duration: float
) -> tuple[float, int, int]:
    """16 threads take whole quizzes (start, submit) until ``duration`` is over.

    Returns (complete quizzes per second, completed, failures).
    """
    pending = iter(learners)
    lock = threading.Lock()
    done = [0]
    failures = [0]
    deadline = time.perf_counter() + duration
    answers_template = [
        (f"q{question_id}", keys[0]) for question_id, keys in sorted(data.pool_answers.items())
    ]

    def work() -> None:
        while time.perf_counter() < deadline:
            with lock:
                learner = next(pending, None)
            if learner is None:
                return
            body = urllib.parse.urlencode([("csrf_token", learner.csrf)])
            status, location, _ = request(
                port, "POST", f"/courses/{data.quiz_slug}/quiz", learner.cookie, body
            )
            match = re.search(r"/attempts/(\d+)$", location)
            if status != 302 or not match:
                with lock:
                    failures[0] += 1
                continue
            answers = urllib.parse.urlencode([("csrf_token", learner.csrf), *answers_template])
            status, location, _ = request(
                port, "POST", f"/attempts/{match.group(1)}/submit", learner.cookie, answers
            )
            with lock:
                if status == 302 and location.endswith(f"/attempts/{match.group(1)}"):
                    done[0] += 1
                else:
                    failures[0] += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=work) for _ in range(CONNECTIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if next(pending, None) is None:
        log("warning: the start+submit run ran out of learners; raise --cycle-pool")
    return done[0] / elapsed, done[0], failures[0]


# ------------------------------------------------------------------------------------ running


@dataclass
class BackendResult:
    backend: str
    hello: list[WrkResult] = field(default_factory=list)
    page: list[WrkResult] = field(default_factory=list)
    module: list[WrkResult] = field(default_factory=list)
    submit: list[WrkResult] = field(default_factory=list)
    cycles: list[float] = field(default_factory=list)
    cycles_completed: list[int] = field(default_factory=list)
    workers: dict[str, list[int]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    load: list[float] = field(default_factory=list)


def bench_backend(backend: str, args: argparse.Namespace) -> BackendResult:
    workdir = Path(tempfile.mkdtemp(prefix=f"lms-bench-{backend}-"))
    result = BackendResult(backend)
    try:
        if backend == "sqlite":
            url = f"sqlite:///{workdir / 'bench.sqlite3'}"
        else:
            url = fresh_postgres_database()
        log(f"{backend}: building the data set in {url}")
        data = build(url, workdir, args)
        result.counts = data.counts
        env = {"LMS_DATABASE_URL": url, "LMS_SECRET_KEY": SECRET_KEY}
        app_server = Server("lms", "wsgi:app", env, workdir)
        hello_server = Server("hello", "hello_app:app", {}, workdir)
        try:
            app_server.wait_ready("/healthz")
            hello_server.wait_ready("/")
            status, _, html = request(app_server.port, "GET", data.module_path, data.module_cookie)
            if status != 200 or data.module_title not in html:
                sys.exit(f"the module page does not work as the bench learner ({status})")
            log(f"{backend}: module page is {len(html.encode()) / 1024:.1f} KB")
            module_args = [
                "-H",
                f"Cookie: session={data.module_cookie}",
                "-H",
                f"User-Agent: {USER_AGENT}",
            ]
            # Warm-up (and sanity check of prepared submissions), not counted.
            run_wrk(hello_server.url + "/", 2, [])
            run_wrk(hello_server.url + "/page", 2, [])
            run_wrk(app_server.url + data.module_path, 2, module_args)
            lua = str(BENCH / "submit.lua")
            warm = run_wrk(app_server.url, 2, script=[lua, str(data.submit_files[-1])])
            if warm.errors:
                result.problems.append(f"warm-up submissions: {warm.errors} errors")
            before = count_verdicts(url)
            for round_number in range(args.rounds):
                result.load.append(os.getloadavg()[0])
                hello = run_wrk(hello_server.url + "/", args.duration, [])
                jinja_page = run_wrk(hello_server.url + "/page", args.duration, [])
                module = run_wrk(app_server.url + data.module_path, args.duration, module_args)
                submit = run_wrk(
                    app_server.url, args.duration, [], [lua, str(data.submit_files[round_number])]
                )
                rate, completed, failures = start_and_submit(
                    app_server.port, data.cycle_learners[round_number], data, args.duration
                )
                result.hello.append(hello)
                result.page.append(jinja_page)
                result.module.append(module)
                result.submit.append(submit)
                result.cycles.append(rate)
                result.cycles_completed.append(completed)
                check = check_submissions(
                    url, data.submit_attempts[round_number], data.quiz_questions
                )
                if submit.requests > len(data.submit_attempts[round_number]):
                    result.problems.append("submission pool exhausted: raise --submit-pool")
                # wrk counts completed responses; up to one in flight per connection (and any
                # request wrk gave up on) may still have been scored.
                most = submit.requests + CONNECTIONS + submit.timeouts
                if not submit.requests <= check["scored"] <= most:
                    result.problems.append(
                        f"round {round_number}: {submit.requests} submissions "
                        f"answered but {check['scored']} scored"
                    )
                if check["answers"] != check["scored"] * data.quiz_questions:
                    result.problems.append(
                        f"round {round_number}: answers {check['answers']} "
                        f"for {check['scored']} scored attempts"
                    )
                if check["wrong_answer_counts"] or submit.errors or module.errors or failures:
                    result.problems.append(
                        f"round {round_number}: {check['wrong_answer_counts']} attempts with a "
                        f"wrong answer count, {submit.errors} submit errors, {module.errors} "
                        f"module errors, {failures} start+submit failures"
                    )
                if submit.timeouts or module.timeouts:
                    result.problems.append(
                        f"round {round_number}: wrk timeouts (over 2 s): {module.timeouts} module, "
                        f"{submit.timeouts} submit"
                    )
                log(
                    f"{backend} round {round_number + 1}/{args.rounds}: hello {hello.rps:.0f}/s, "
                    f"11 KB Jinja page {jinja_page.rps:.0f}/s, "
                    f"module {module.rps:.0f}/s (p99 {module.p99_ms:.0f} ms), "
                    f"submit {submit.rps:.0f}/s (p99 {submit.p99_ms:.0f} ms; "
                    f"{check['scored']} scored), start+submit {rate:.0f}/s ({completed} quizzes)"
                )
            verdicts = count_verdicts(url) - before
            expected = sum(
                check_submissions(url, ids, data.quiz_questions)["scored"]
                for ids in data.submit_attempts[: args.rounds]
            ) + sum(result.cycles_completed)
            if abs(verdicts - expected) > args.rounds * CONNECTIONS:
                result.problems.append(f"{verdicts} passed/failed events for ~{expected} scorings")
        finally:
            result.workers["lms"] = app_server.stop()
            result.workers["hello"] = hello_server.stop()
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    return result


def median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


def report(results: list[BackendResult], args: argparse.Namespace) -> None:
    print()
    print(
        f"wrk -t1 -c{CONNECTIONS} -d{args.duration}s --latency -H 'Connection: close'; "
        f"gunicorn 2 sync workers; medians of {args.rounds} interleaved rounds; "
        f"{os.cpu_count()} CPUs"
    )
    print()
    header = (
        f"{'backend':<11} {'request':<28} {'req/s (median)':>15} {'p50 ms':>8} "
        f"{'p99 ms':>8} {'vs hello':>9} {'target':>8}"
    )
    print(header)
    print("-" * len(header))
    for result in results:
        targets = TARGETS[result.backend]
        hello = median([r.rps for r in result.hello])
        rows = [
            ("bare Flask hello", result.hello, None),
            ("bare Flask, 11 KB Jinja page", result.page, None),
            ("module page", result.module, f"{targets['module_ratio']:.0%}"),
            ("quiz submission", result.submit, f"{targets['submissions']}/s"),
        ]
        for name, runs, target in rows:
            rps = median([r.rps for r in runs])
            print(
                f"{result.backend:<11} {name:<28} {rps:>15.0f} "
                f"{median([r.p50_ms for r in runs]):>8.1f} "
                f"{median([r.p99_ms for r in runs]):>8.1f} "
                f"{rps / hello if hello else 0:>9.0%} {target or '':>8}"
            )
        cycles = median(result.cycles)
        print(
            f"{result.backend:<11} {'quiz start+submit (client)':<28} {cycles:>15.0f} "
            f"{'':>8} {'':>8} {'':>9} {targets['submissions']:>7}/s"
        )
        ratios = [m.rps / h.rps for m, h in zip(result.module, result.hello, strict=True)]
        print(
            f"{'':<11} module/hello per round: "
            + ", ".join(f"{ratio:.0%}" for ratio in ratios)
            + "; submissions per round: "
            + ", ".join(f"{r.rps:.0f}" for r in result.submit)
        )
        for server, counts in result.workers.items():
            total = sum(counts) or 1
            shares = ", ".join(f"{count / total:.0%}" for count in counts)
            print(f"{'':<11} {server} workers served: {counts} ({shares})")
        print(f"{'':<11} data set: {result.counts}")
        print(
            f"{'':<11} 1-minute load average at each round's start: "
            + ", ".join(f"{load:.1f}" for load in result.load)
            + f" (the machine has {os.cpu_count()} CPUs; above ~2 something else is running)"
        )
        for problem in result.problems:
            print(f"{'':<11} PROBLEM: {problem}")
        module_ok = median([r.rps for r in result.module]) / hello >= targets["module_ratio"]
        submit_ok = median([r.rps for r in result.submit]) >= targets["submissions"]
        print(
            f"{'':<11} module page target {'met' if module_ok else 'MISSED'}; "
            f"submission target {'met' if submit_ok else 'MISSED'}"
        )
        print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--people", type=int, default=2000, help="background learners")
    parser.add_argument("--submitters", type=int, default=500, help="learners who submit")
    parser.add_argument(
        "--submit-pool", type=int, default=12000, help="open attempts prepared per submission run"
    )
    parser.add_argument(
        "--cycle-pool", type=int, default=4000, help="learners prepared per start+submit run"
    )
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    args = parser.parse_args()
    ensure_wrk()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    if "postgresql" in backends and not postgres_reachable():
        log(f"PostgreSQL not reachable at {PG_ADMIN_URL}: skipped")
        backends.remove("postgresql")
    results = []
    for backend in backends:
        started = time.perf_counter()
        results.append(bench_backend(backend, args))
        log(f"{backend}: done in {time.perf_counter() - started:.0f} s")
    report(results, args)


if __name__ == "__main__":
    main()
