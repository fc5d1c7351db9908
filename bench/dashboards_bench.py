#!/usr/bin/env python
"""Benchmark: the team dashboard, the people table and the org view on the 10,000-person demo.

Also measures the learner dashboard and the mixed scenario (70% module pages, 20% learner
dashboard, 10% team dashboard) on the same data set and in the same rounds.

Follows /work/shared/performance.md and reuses bench/run_bench.py's gunicorn servers and helpers:
gunicorn with 2 sync workers (bench/gunicorn_conf.py) serves the LMS and, with the same settings,
the bare Flask "hello" app; wrk measures each with ``-t1 -c16 -d10s --latency
-H "Connection: close"`` (plus ``--timeout 30s``, so that slow pages are timed rather than dropped
as wrk's default 2-second timeouts). Runs are interleaved (hello, team overview, people table, org
view, learner dashboard, mixed, then again) and medians are reported with the ratios measured in
the same run. Not part of the test suite.

    .venv/bin/python bench/dashboards_bench.py            # SQLite, and PostgreSQL if reachable
    .venv/bin/python bench/dashboards_bench.py --backend sqlite --rounds 3 --duration 10

Per backend:

1. A fresh database (a temporary SQLite file, or the PostgreSQL database ``lms_dash_bench``,
   dropped and created, dropped again at the end), ``flask --app wsgi db upgrade``, then
   ``flask --app wsgi lms demo --people 10000 --seed 42`` as subprocesses: both are timed.
2. gunicorn serves ``wsgi:app`` on that database and ``bench/hello_app.py`` beside it, and (unless
   ``--no-live``) a second ``wsgi:app`` with ``LMS_SUMMARY_LIVE_BELOW=1000000000``, which computes
   every dashboard on every view instead of reading the stored summaries (lms.summaries): the
   cost the summaries avoid.
3. Real logins: GET /login for the CSRF token, POST /login with the demo password for the CEO
   (``alex.exec@example.com``: the top of the 10,000-person org) and for an executive who is not
   the CEO (``priya.cto@example.com``). The session cookies go to wrk as ``-H "Cookie: ..."``.
   The generated people get the demo password from the generator; the bench only sets it
   (with the app's ``set_password``) if the login fails because a person has none.
   Also ``LEARNERS`` (8) generated employees, picked from the database after the build (evenly
   spread by id among the active people of ``large.example.com`` with no reports and no role, a
   course in progress and module progress rows), each with ``MODULES_EACH`` (3) live module
   pages ``/courses/<slug>/<module_slug>`` of courses they are enrolled in (courses in progress
   first). Only failed logins count towards the LOGIN_LIMIT_* rate limits, so these 10 logins
   need no change to them. Every page of the mixed scenario is fetched once and checked (200,
   the module's title or "Welcome, <name>").
4. Rounds of ``hello`` (GET /), ``team`` (GET /team/ as the CEO), ``people`` (GET /team/people as
   the CEO), ``org`` (the ``org.overview`` URL, /org/, as the executive), ``home`` (GET / as the
   first learner: levels, recommendations, courses), ``mixed`` (one wrk run with bench/mixed.lua,
   which takes "path TAB cookie" lines in turn from a file written here in 10-slot cycles: 7
   module pages, each learner's in turn as that learner, 2 learners' home pages and the CEO's
   /team/) and ``team_live`` (the overview on the live server). After each run the bench waits
   until the workers have answered the requests wrk abandoned when it stopped, so that they do
   not eat into the next run.
5. After the runs: each gunicorn worker's RSS (``ps``) and peak RSS (``VmHWM``), then the report.

Targets (performance.md): team dashboard, people table and learner dashboard at least 20% of
bare Flask; org view p99 under 100 ms; the mixed scenario at least 830 requests/s (10x the 83/s a
10,000-person company needs); each worker under 150 MB RSS.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

from markupsafe import escape

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(ROOT))

from run_bench import (  # noqa: E402  (bench/ is on the path only now)
    CONNECTIONS,
    PG_ADMIN_URL,
    SECRET_KEY,
    USER_AGENT,
    Server,
    WrkResult,
    ensure_wrk,
    log,
    parse_duration_ms,
    postgres_reachable,
    wrk_path,
)

PG_DATABASE = "lms_dash_bench"
CEO_EMAIL = "alex.exec@example.com"  # DEMO_LOGINS["executive/admin"]: the generator's top manager
EXECUTIVE_EMAIL = "priya.cto@example.com"  # an executive (not an admin) of the demo org
WRK_TIMEOUT = "30s"
TEAM_RATIO = 0.20
ORG_P99_MS = 100.0
RSS_MB = 150.0
# The mixed scenario: 70% module pages, 20% learner dashboard, 10% team dashboard, and its target:
# 10x the 83 requests/s of a 10,000-person company (25% active at peak, a page per 30 s each).
MIXED_PATTERN = (
    "module", "module", "home", "module", "module", "team", "module", "module", "home", "module"
)  # fmt: skip
MIXED_RPS = 830.0
LEARNERS = 8  # generated employees logged in for the learner dashboard and the mixed scenario
MODULES_EACH = 3  # module pages per learner in the mixed scenario
REQUESTS = ("hello", "team", "people", "org", "home", "mixed", "team_live")
LABELS = {
    "hello": "bare Flask hello",
    "team": "team overview /team/ (CEO)",
    "people": "people table /team/people (CEO)",
    "org": "org view /org/ (executive)",
    "home": "learner dashboard / (employee)",
    "mixed": "mixed 70% module/20% home/10% team",
    "team_live": "team overview, no stored summary",
}


# ------------------------------------------------------------------------------- database


def pg_url(database: str) -> str:
    parts = urllib.parse.urlsplit(PG_ADMIN_URL)
    return urllib.parse.urlunsplit(parts._replace(path=f"/{database}"))


def pg_admin(statement: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as connection:
        connection.execute(statement)


def flask_command(url: str, *arguments: str) -> tuple[float, str]:
    """Run ``flask --app wsgi <arguments>`` on ``url``; (seconds, output)."""
    env = {**os.environ, "LMS_DATABASE_URL": url, "LMS_SECRET_KEY": SECRET_KEY}
    started = time.perf_counter()
    done = subprocess.run(
        [str(Path(sys.executable).parent / "flask"), "--app", "wsgi", *arguments],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(
            f"flask {' '.join(arguments)} failed ({done.returncode}):\n"
            f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        )
    return seconds, done.stdout


@dataclass
class Build:
    migrate_s: float
    demo_s: float
    generator_s: float  # the generator's own figure ("... rows in N s")
    rows: int
    tables: dict[str, int]
    summaries: str  # the demo's "Summaries: N stored ... in N s" line


def build(url: str, people: int, seed: int) -> Build:
    migrate_s, _ = flask_command(url, "db", "upgrade")
    demo_s, output = flask_command(url, "lms", "demo", "--people", str(people), "--seed", str(seed))
    match = re.search(r"Large organisation: (\d+) people .*?([\d,]+) rows in ([\d.]+) s", output)
    if match is None:
        sys.exit("the demo did not build the large organisation:\n" + output)
    tables = {
        name: int(count.replace(",", ""))
        for name, count in re.findall(r"^\s+([a-z_]+)\s+([\d,]+)$", output, re.MULTILINE)
    }
    summaries = re.search(r"^Summaries: .*$", output, re.MULTILINE)
    return Build(
        migrate_s,
        demo_s,
        float(match.group(3)),
        int(match.group(2).replace(",", "")),
        tables,
        summaries.group(0) if summaries else "Summaries: none stored",
    )


def ensure_password(url: str, email: str, password: str) -> bool:
    """Give ``email`` the password with the app's own function if they have none; True if set."""
    from lms import create_app
    from lms.extensions import db
    from lms.people.services import find_user_by_email, set_password

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET_KEY})
    with app.app_context():
        user = find_user_by_email(db.session, email)
        if user is None:
            sys.exit(f"{email} is not in the demo organisation")
        changed = not user.password_hash
        if changed:
            set_password(user, password)
            db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return changed


@dataclass
class Learner:
    """A generated employee (no reports, no role) with courses in progress and some history."""

    email: str
    name: str
    enrolments: int
    in_progress: int
    progress_rows: int
    modules: list[
        tuple[str, str]
    ]  # (module page path, module title): live modules of their courses


def pick_learners(url: str, count: int, modules_each: int) -> list[Learner]:
    """``count`` generated employees spread over the org (by id), each with ``modules_each``
    module pages of courses they are enrolled in (courses in progress first). Deterministic for
    a given data set: the same seed gives the same people and pages."""
    from sqlalchemy import and_, case, exists, func, select
    from sqlalchemy.orm import aliased

    from lms import create_app
    from lms.courses.models import Course, Module, ModuleVersion
    from lms.demo_large import EMAIL_DOMAIN
    from lms.extensions import db
    from lms.learn.models import Enrolment, ModuleProgress
    from lms.people.models import User

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET_KEY})
    report = aliased(User)
    with app.app_context():
        session = db.session
        candidates = session.execute(
            select(User.id, User.email, User.name)
            .where(
                User.email.like(f"%@{EMAIL_DOMAIN}"),
                User.active.is_(True),
                User.is_admin.is_(False),
                User.is_executive.is_(False),
                User.is_author.is_(False),
                ~exists().where(report.manager_id == User.id),
                exists().where(Enrolment.user_id == User.id, Enrolment.completed_at.is_(None)),
                exists().where(ModuleProgress.user_id == User.id),
            )
            .order_by(User.id)
        ).all()
        learners: list[Learner] = []
        step = max(1, len(candidates) // count)
        for user_id, email, name in candidates[::step]:
            enrolments = session.execute(
                select(Enrolment.completed_at).where(Enrolment.user_id == user_id)
            ).all()
            progress_rows = session.scalar(
                select(func.count()).where(ModuleProgress.user_id == user_id)
            )
            pages = session.execute(
                select(Course.slug, Module.slug, ModuleVersion.title)
                .select_from(Enrolment)
                .join(Course, Course.id == Enrolment.course_id)
                .join(ModuleVersion, ModuleVersion.course_version_id == Course.current_version_id)
                .join(
                    Module, and_(Module.id == ModuleVersion.module_id, Module.retired_at.is_(None))
                )
                .where(Enrolment.user_id == user_id)
                .order_by(
                    case((Enrolment.completed_at.is_(None), 0), else_=1),
                    Course.slug,
                    ModuleVersion.position,
                )
            ).all()
            if len(pages) < modules_each:
                continue
            spread = max(1, len(pages) // modules_each)
            modules = [
                (f"/courses/{course}/{module}", title)
                for course, module, title in pages[::spread][:modules_each]
            ]
            learners.append(
                Learner(
                    email,
                    name,
                    len(enrolments),
                    sum(1 for (completed,) in enrolments if completed is None),
                    progress_rows or 0,
                    modules,
                )
            )
            if len(learners) == count:
                break
        db.session.remove()
        db.engine.dispose()
    if len(learners) < count:
        sys.exit(f"only {len(learners)} generated employees with courses in progress")
    return learners


def mixed_sequence(learners: list[Learner], cookies: list[str], ceo_cookie: str) -> list[str]:
    """The mixed scenario's requests, one "path TAB cookie" line each, in 10-slot cycles:
    7 module pages (taken in turn from every learner's pages), 2 learner dashboards (the learners
    in turn) and 1 team dashboard (the CEO's /team/). Long enough for each page to come up."""
    modules = [
        (path, cookie)
        for learner, cookie in zip(learners, cookies, strict=True)
        for path, _title in learner.modules
    ]
    homes = list(zip(["/"] * len(learners), cookies, strict=True))
    lines: list[str] = []
    module_turn = home_turn = 0
    cycles = max(len(modules), len(homes))  # 7 module and 2 home slots per cycle: all come up
    for _cycle in range(cycles):
        for slot in MIXED_PATTERN:
            if slot == "module":
                path, cookie = modules[module_turn % len(modules)]
                module_turn += 1
            elif slot == "home":
                path, cookie = homes[home_turn % len(homes)]
                home_turn += 1
            else:
                path, cookie = "/team/", ceo_cookie
            lines.append(f"{path}\t{cookie}")
    return lines


# ---------------------------------------------------------------------------------- http


def http_request(
    port: int, method: str, path: str, cookie: str = "", body: str = ""
) -> tuple[int, dict[str, str], str, str]:
    """(status, headers, body, new session cookie value or "")."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"User-Agent": USER_AGENT, "Connection": "close"}
    if cookie:
        headers["Cookie"] = f"session={cookie}"
    if method == "POST":
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    connection.request(method, path, body=body or None, headers=headers)
    response = connection.getresponse()
    text = response.read().decode("utf-8", "replace")
    new_cookie = ""
    for name, value in response.getheaders():
        if name.lower() == "set-cookie" and value.startswith("session="):
            new_cookie = value.split(";", 1)[0][len("session=") :]
    result_headers = {name.lower(): value for name, value in response.getheaders()}
    connection.close()
    return response.status, result_headers, text, new_cookie


def login(port: int, email: str, password: str) -> str:
    """The login form as a browser uses it: GET for the CSRF token, POST; the session cookie."""
    status, _, html, cookie = http_request(port, "GET", "/login")
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html
    )
    if status != 200 or match is None or not cookie:
        sys.exit(f"GET /login: {status}, no CSRF token or session cookie")
    body = urllib.parse.urlencode(
        {"csrf_token": match.group(1), "email": email, "password": password}
    )
    status, headers, _, session_cookie = http_request(port, "POST", "/login", cookie, body)
    if status != 302 or not session_cookie:
        raise LoginFailed(f"POST /login as {email}: {status} (location {headers.get('location')})")
    return session_cookie


class LoginFailed(Exception):
    pass


def check_page(port: int, path: str, cookie: str, expect: str) -> tuple[float, str]:
    """One request: (seconds, page); exits unless it answers 200 with ``expect`` in it."""
    started = time.perf_counter()
    status, headers, html, _ = http_request(port, "GET", path, cookie)
    seconds = time.perf_counter() - started
    if status != 200 or expect not in html:
        sys.exit(
            f"GET {path}: {status} (location {headers.get('location')}); "
            f"{expect!r} {'found' if expect in html else 'not found'}"
        )
    return seconds, html


def drain(port: int, limit: float = 180.0) -> float:
    """Wait until the server on ``port`` holds no connection but its listening socket.

    When wrk stops, the requests it had in flight (one per connection, up to 16) are still queued
    at the sync workers; on a page that takes a second they would keep both workers busy well into
    the next run. A connection leaves ``ss`` (apart from TIME-WAIT) once a worker has answered and
    closed it. Returns the seconds waited.
    """
    started = time.perf_counter()
    while time.perf_counter() - started < limit:
        output = subprocess.run(
            ["ss", "-Htan", f"( sport = :{port} )"], capture_output=True, text=True
        ).stdout
        busy = [
            line
            for line in output.splitlines()
            if line.split() and line.split()[0] not in ("LISTEN", "TIME-WAIT")
        ]
        if not busy:
            return time.perf_counter() - started
        time.sleep(0.1)
    log(f"port {port} still had connections after {limit:.0f} s")
    return time.perf_counter() - started


def run_wrk(url: str, duration: int, extra: list[str], after: list[str] | None = None) -> WrkResult:
    r"""One wrk run (the same command as run_bench.run_wrk plus ``extra``).

    Parsed line by line here: run_bench's ``50%\s+`` search can also match the end of a
    "+/- Stdev" figure such as ``87.50%`` in the thread statistics and then reads "nan".
    ``after`` goes after the URL (``--`` and a Lua script's arguments).
    """
    command = [
        wrk_path(),
        "-t1",
        f"-c{CONNECTIONS}",
        f"-d{duration}s",
        "--latency",
        "-H",
        "Connection: close",
        *extra,
        url,
        *(after or []),
    ]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout

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
    found = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if found:
        errors += int(found.group(1))
    found = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    if found:
        connect, read, write, timeouts = (int(value) for value in found.groups())
        errors += connect + read + write
    return WrkResult(rps, requests, p50, p99, errors, timeouts)


# ---------------------------------------------------------------------------------- memory


def worker_memory(server: Server) -> list[tuple[int, float, float]]:
    """(pid, RSS MB from ps, peak RSS MB from /proc VmHWM) of each gunicorn worker."""
    output = subprocess.run(
        ["ps", "-o", "pid=,rss=", "--ppid", str(server.process.pid)],
        capture_output=True,
        text=True,
    ).stdout
    workers = []
    for line in output.splitlines():
        pid, rss_kb = (int(value) for value in line.split())
        peak_kb = 0
        try:
            status = Path(f"/proc/{pid}/status").read_text()
            found = re.search(r"VmHWM:\s+(\d+) kB", status)
            peak_kb = int(found.group(1)) if found else 0
        except OSError:
            pass
        workers.append((pid, rss_kb / 1024, peak_kb / 1024))
    return workers


# --------------------------------------------------------------------------------- running


@dataclass
class BackendResult:
    backend: str
    build: Build | None = None
    runs: dict[str, list[WrkResult]] = field(default_factory=lambda: {r: [] for r in REQUESTS})
    team_people: int = 0
    peak_after_warmup: dict[str, float] = field(default_factory=dict)
    first_request_s: dict[str, float] = field(default_factory=dict)
    page_kb: dict[str, float] = field(default_factory=dict)
    memory: dict[str, list[tuple[int, float, float]]] = field(default_factory=dict)
    workers: dict[str, list[int]] = field(default_factory=dict)
    load: list[float] = field(default_factory=list)
    drained_s: dict[str, list[float]] = field(default_factory=lambda: {r: [] for r in REQUESTS})
    notes: list[str] = field(default_factory=list)
    learners: list[Learner] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def bench_backend(backend: str, args: argparse.Namespace) -> BackendResult:
    from lms.demo import DEMO_PASSWORD

    workdir = Path(tempfile.mkdtemp(prefix=f"lms-dash-bench-{backend}-"))
    result = BackendResult(backend)
    try:
        if backend == "sqlite":
            url = f"sqlite:///{workdir / 'bench.sqlite3'}"
        else:
            pg_admin(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
            pg_admin(f"CREATE DATABASE {PG_DATABASE}")
            url = pg_url(PG_DATABASE)
        log(f"{backend}: migrating and building the {args.people:,}-person demo in {url}")
        result.build = build(url, args.people, args.seed)
        log(
            f"{backend}: demo built in {result.build.demo_s:.1f} s (generator "
            f"{result.build.generator_s:.1f} s, {result.build.rows:,} rows); "
            f"migrations {result.build.migrate_s:.1f} s"
        )
        learners = pick_learners(url, LEARNERS, MODULES_EACH)
        result.learners = learners
        env = {"LMS_DATABASE_URL": url, "LMS_SECRET_KEY": SECRET_KEY}
        servers = {
            "lms": Server("lms", "wsgi:app", env, workdir),
            "hello": Server("hello", "hello_app:app", {}, workdir),
        }
        if args.live:
            # The same app and database, computing every scope on every view (as if no scope
            # were large enough to store): what the stored summaries save.
            live_env = {**env, "LMS_SUMMARY_LIVE_BELOW": "1000000000"}
            servers["lms-live"] = Server("lms-live", "wsgi:app", live_env, workdir)
        requests = [name for name in REQUESTS if name != "team_live" or args.live]
        app_server = servers["lms"]
        hello_server = servers["hello"]
        try:
            for name, server in servers.items():
                server.wait_ready("/" if name == "hello" else "/healthz")
            result.peak_after_warmup["started"] = max(p for *_, p in worker_memory(app_server))
            cookies = {}
            logins = [("ceo", CEO_EMAIL), ("executive", EXECUTIVE_EMAIL)]
            logins += [(learner.email, learner.email) for learner in learners]
            for who, email in logins:
                try:
                    cookies[who] = login(app_server.port, email, DEMO_PASSWORD)
                except LoginFailed as failure:
                    # A person without a password: give them one with the app's own function.
                    if not ensure_password(url, email, DEMO_PASSWORD):
                        sys.exit(str(failure))
                    result.notes.append(f"set the demo password for {email}")
                    cookies[who] = login(app_server.port, email, DEMO_PASSWORD)
            # argon2id (argon2-cffi's defaults: 64 MiB) raises the peak of the worker that logs in.
            result.peak_after_warmup["logins"] = max(p for *_, p in worker_memory(app_server))
            pages = {
                "team": ("/team/", cookies["ceo"], 'id="figure-people"'),
                "people": ("/team/people", cookies["ceo"], "Last active"),
                "org": ("/org/", cookies["executive"], "Whole organisation"),
                # The first learner's home page (their own levels, recommendations, courses).
                "home": ("/", cookies[learners[0].email], f"Welcome, {escape(learners[0].name)}"),
            }
            for name, (path, cookie, expect) in pages.items():
                seconds, html = check_page(app_server.port, path, cookie, expect)
                size = len(html.encode())
                result.first_request_s[name] = seconds
                if name == "team":
                    found = re.search(r'id="figure-people">([\d,]+)<', html)
                    result.team_people = int(found.group(1).replace(",", "")) if found else 0
                    if result.team_people < args.people:
                        sys.exit(f"the CEO's dashboard shows {result.team_people} people")
                result.page_kb[name] = size / 1024
                log(
                    f"{backend}: {name} {path}: {size / 1024:.1f} KB, first request "
                    f"{seconds * 1000:.0f} ms"
                )
            # The mixed scenario's pages: each module page and home page once (team is checked).
            checks = [
                (path, cookies[learner.email], f"<h1>{escape(title)}</h1>")
                for learner in learners
                for path, title in learner.modules
            ]
            checks += [
                ("/", cookies[learner.email], f"Welcome, {escape(learner.name)}")
                for learner in learners
            ]
            module_ms = []
            for path, cookie, expect in checks:
                seconds, _html = check_page(app_server.port, path, cookie, expect)
                if path != "/":
                    module_ms.append(seconds * 1000)
            log(
                f"{backend}: mixed: {len(checks)} pages checked, module pages' first request "
                f"{min(module_ms):.0f}-{max(module_ms):.0f} ms"
            )
            requests_file = workdir / "mixed.requests"
            requests_file.write_text(
                "\n".join(
                    mixed_sequence(learners, [cookies[x.email] for x in learners], cookies["ceo"])
                )
                + "\n"
            )
            result.peak_after_warmup["first requests"] = max(
                p for *_, p in worker_memory(app_server)
            )
            wrk_extra = {
                name: [
                    "--timeout",
                    WRK_TIMEOUT,
                    "-H",
                    f"Cookie: session={cookie}",
                    "-H",
                    f"User-Agent: {USER_AGENT}",
                ]
                for name, (_path, cookie, _expect) in pages.items()
            }
            urls = {name: app_server.url + path for name, (path, _c, _e) in pages.items()}
            urls["hello"] = hello_server.url + "/"
            wrk_extra["hello"] = ["--timeout", WRK_TIMEOUT]
            ports = {name: app_server.port for name in pages}
            ports["hello"] = hello_server.port
            urls["mixed"] = app_server.url + "/"
            wrk_extra["mixed"] = ["--timeout", WRK_TIMEOUT, "-s", str(BENCH / "mixed.lua")]
            ports["mixed"] = app_server.port
            wrk_after = {"mixed": ["--", str(requests_file)]}
            if args.live:
                urls["team_live"] = servers["lms-live"].url + pages["team"][0]
                wrk_extra["team_live"] = wrk_extra["team"]
                ports["team_live"] = servers["lms-live"].port
                result.notes.append(
                    f"'{LABELS['team_live']}': a second gunicorn (same config and database) "
                    "with LMS_SUMMARY_LIVE_BELOW=1000000000"
                )
            # Warm-up (every worker imports, connects and fills its caches), not counted.
            # The workers' peak RSS after each warm-up shows which page raises it.
            for name in requests:
                run_wrk(urls[name], args.warmup, wrk_extra[name], wrk_after.get(name))
                drain(ports[name])
                server = servers[
                    "hello" if name == "hello" else "lms-live" if name == "team_live" else "lms"
                ]
                result.peak_after_warmup[name] = max(peak for _p, _r, peak in worker_memory(server))
            for round_number in range(args.rounds):
                result.load.append(os.getloadavg()[0])
                line = []
                for name in requests:
                    run = run_wrk(urls[name], args.duration, wrk_extra[name], wrk_after.get(name))
                    result.drained_s[name].append(drain(ports[name]))
                    result.runs[name].append(run)
                    if run.errors or run.timeouts:
                        result.problems.append(
                            f"round {round_number + 1} {name}: {run.errors} errors, "
                            f"{run.timeouts} timeouts (over {WRK_TIMEOUT})"
                        )
                    line.append(
                        f"{name} {run.rps:.1f}/s p50 {run.p50_ms:.0f} ms p99 {run.p99_ms:.0f} ms"
                    )
                log(f"{backend} round {round_number + 1}/{args.rounds}: " + "; ".join(line))
            for name, server in servers.items():
                result.memory[name] = worker_memory(server)
        finally:
            for name, server in servers.items():
                result.workers[name] = server.stop()
    finally:
        if backend == "postgresql" and not args.keep:
            try:
                pg_admin(f"DROP DATABASE IF EXISTS {PG_DATABASE} WITH (FORCE)")
            except Exception as error:  # report it, keep the results
                log(f"could not drop {PG_DATABASE}: {error}")
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    return result


def median(values: list[float]) -> float:
    return statistics.median(values) if values else 0.0


def report(results: list[BackendResult], args: argparse.Namespace) -> None:
    print()
    print(
        f"wrk -t1 -c{CONNECTIONS} -d{args.duration}s --latency --timeout {WRK_TIMEOUT} "
        f"-H 'Connection: close'; gunicorn 2 sync workers; medians of {args.rounds} interleaved "
        f"rounds; {os.cpu_count()} CPUs; {time.strftime('%Y-%m-%d')}"
    )
    for result in results:
        build = result.build
        assert build is not None
        print()
        print(
            f"{result.backend}: demo --people {args.people} --seed {args.seed} built in "
            f"{build.demo_s:.1f} s (generator's own figure {build.generator_s:.1f} s for "
            f"{build.rows:,} rows; migrations {build.migrate_s:.1f} s before it)"
        )
        print("  rows: " + ", ".join(f"{name} {count:,}" for name, count in build.tables.items()))
        print(f"  stored summaries after the build ('lms summaries refresh'): {build.summaries}")
        print(f"  the CEO's team: {result.team_people:,} people (whole subtree)")
        print(
            "  learners (generated employees, logged in through the form; home measures the "
            "first; mixed uses all, with their module pages):"
        )
        for learner in result.learners:
            print(
                f"    {learner.email}: {learner.enrolments} enrolments ({learner.in_progress} in "
                f"progress), {learner.progress_rows} module progress rows; "
                + ", ".join(path for path, _title in learner.modules)
            )
        print(
            "  mixed: one wrk run with bench/mixed.lua cycling "
            + "/".join(slot[0].upper() for slot in MIXED_PATTERN)
            + " (M module page as its learner, H learner's home, T /team/ as the CEO); "
            f"target {MIXED_RPS:.0f} req/s = 10x the 83 req/s of 10,000 people"
        )
        header = (
            f"  {'request':<34} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'vs hello':>9} "
            f"{'KB':>6} {'target':>16}"
        )
        print(header)
        print("  " + "-" * (len(header) - 2))
        hello = median([r.rps for r in result.runs["hello"]])
        labels = LABELS
        measured = [name for name in REQUESTS if result.runs[name]]
        for name in measured:
            runs = result.runs[name]
            rps = median([r.rps for r in runs])
            p99 = median([r.p99_ms for r in runs])
            ratio = rps / hello if hello else 0.0
            if name in ("team", "people", "home"):
                target = f">= {TEAM_RATIO:.0%} {'met' if ratio >= TEAM_RATIO else 'MISSED'}"
            elif name == "mixed":
                target = f">= {MIXED_RPS:.0f}/s {'met' if rps >= MIXED_RPS else 'MISSED'}"
            elif name == "org":
                target = f"p99 < {ORG_P99_MS:.0f} {'met' if p99 < ORG_P99_MS else 'MISSED'}"
            else:
                target = ""
            kb = result.page_kb.get("team" if name == "team_live" else name)
            size = f"{kb:.1f}" if kb else ""
            print(
                f"  {labels[name]:<34} {rps:>8.1f} {median([r.p50_ms for r in runs]):>8.1f} "
                f"{p99:>8.1f} {ratio:>9.1%} {size:>6} {target:>16}"
            )
        for name in measured[1:]:
            pairs = zip(result.runs[name], result.runs["hello"], strict=True)
            print(
                f"  {name} per round: "
                + "; ".join(
                    f"{r.rps:.1f}/s ({r.rps / h.rps:.1%}), p50 {r.p50_ms:.0f} ms, "
                    f"p99 {r.p99_ms:.0f} ms"
                    for r, h in pairs
                )
            )
        print("  hello per round: " + ", ".join(f"{r.rps:.0f}/s" for r in result.runs["hello"]))
        print(
            "  first request after start (one client): "
            + ", ".join(
                f"{name} {seconds * 1000:.0f} ms"
                for name, seconds in result.first_request_s.items()
            )
        )
        for server, workers in result.memory.items():
            is_app = server.startswith("lms")
            over = is_app and any(rss >= RSS_MB for _pid, rss, _peak in workers)
            print(
                f"  {server} worker RSS after the runs (ps), peak (VmHWM): "
                + ", ".join(f"{rss:.0f} MB (peak {peak:.0f} MB)" for _p, rss, peak in workers)
                + (f"; target < {RSS_MB:.0f} MB {'MISSED' if over else 'met'}" if is_app else "")
            )
        print(
            "  highest worker peak RSS (VmHWM): lms after start, the logins and one request "
            "of each page, then of its server after each warm-up: "
            + ", ".join(f"{name} {mb:.0f} MB" for name, mb in result.peak_after_warmup.items())
        )
        print(
            "  seconds the workers needed after each run to finish wrk's abandoned requests: "
            + "; ".join(
                f"{name} " + ", ".join(f"{s:.1f}" for s in result.drained_s[name])
                for name in measured
            )
        )
        for server, counts in result.workers.items():
            total = sum(counts) or 1
            print(
                f"  {server} workers served: {counts} ("
                + ", ".join(f"{count / total:.0%}" for count in counts)
                + ")"
            )
        print(
            "  1-minute load average at each round's start: "
            + ", ".join(f"{load:.1f}" for load in result.load)
            + f" (the machine has {os.cpu_count()} CPUs)"
        )
        for note in result.notes:
            print(f"  note: {note}")
        for problem in result.problems:
            print(f"  PROBLEM: {problem}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--warmup", type=int, default=2, help="seconds of warm-up per request")
    parser.add_argument("--people", type=int, default=10_000, help="generated people")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--no-live",
        dest="live",
        action="store_false",
        help="skip the team overview computed on every view (a second server with "
        "LMS_SUMMARY_LIVE_BELOW=1000000000)",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the work folder and the PostgreSQL database"
    )
    args = parser.parse_args()
    ensure_wrk()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    if "postgresql" in backends and not postgres_reachable():
        log(f"PostgreSQL not reachable at {PG_ADMIN_URL}: skipped")
        backends.remove("postgresql")
    results = []
    began = time.perf_counter()
    for backend in backends:
        started = time.perf_counter()
        results.append(bench_backend(backend, args))
        log(f"{backend}: done in {time.perf_counter() - started:.0f} s")
    report(results, args)
    print(f"\ntotal {time.perf_counter() - began:.0f} s")


if __name__ == "__main__":
    main()
