"""Throttling counted once across every worker, and an owner not locked out by someone else's
failures (issue 17, lower items; checklist item 25).

- The default store (``database://``, lms/auth/ratelimit_store.py) keeps the counters in the app's
  database: atomic under concurrency, and shared by two real gunicorn workers (the last test).
- A browser that logged in to an account is a known device of it (lms/auth/devices.py): its
  attempts count against the device, not against the account and the IP that an attacker fills.
"""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from lms.auth.devices import DEVICE_COOKIE
from lms.auth.models import RateLimitCounter
from lms.auth.ratelimit_store import PURGE_EVERY, DatabaseStorage
from lms.config import PROJECT_ROOT
from lms.extensions import db, limiter
from lms.people.models import User
from tests.conftest import CSRF_RE, PASSWORD, login, logout

PER_ACCOUNT = 5  # LOGIN_LIMIT_PER_ACCOUNT's default: "5 per minute;20 per hour"
PER_IP = 8
WRONG = "definitely not the password"


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"RATELIMIT_STORAGE_URI": "database://", "LOGIN_LIMIT_PER_IP": f"{PER_IP} per minute"}


def browser(app: Flask, ip: str = "127.0.0.1") -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = ip
    return client


def known_browser(app: Flask, user: User, ip: str = "127.0.0.1") -> FlaskClient:
    """The owner's usual browser: it logged in once (and out again)."""
    client = browser(app, ip)
    assert login(client, user.email).status_code == 302
    assert client.get_cookie(DEVICE_COOKIE, path="/login") is not None
    assert logout(client).status_code == 302
    return client


# --- the store ---------------------------------------------------------------------------------


def test_the_default_store_is_the_database(app: Flask) -> None:
    assert isinstance(limiter.storage, DatabaseStorage)


def test_every_limit_of_the_app_counts_in_the_shared_store(app: Flask) -> None:
    # The credential verifier's limit (lms/openbadges/views.py) was also counted per worker.
    client = app.test_client()
    remaining = [
        int(client.post("/ob/v3/verify", data="").headers["X-RateLimit-Remaining"])
        for _ in range(2)
    ]
    assert remaining[0] - remaining[1] == 1
    with app.app_context():
        counts = db.session.scalars(select(RateLimitCounter.count)).all()
        db.session.remove()
    assert counts == [2]


def test_the_store_counts_in_windows_and_hashes_its_keys(app: Flask) -> None:
    store = DatabaseStorage("database://")
    odd_key = "login-account:" + "x" * 5000 + "\x00 ünïcode"
    with app.app_context():
        assert store.get(odd_key) == 0
        assert [store.incr(odd_key, 60) for _ in range(3)] == [1, 2, 3]
        assert store.get(odd_key) == 3 and store.get("another key") == 0
        assert time.time() + 50 < store.get_expiry(odd_key) <= time.time() + 60
        stored = db.session.scalars(select(RateLimitCounter.key)).all()
        assert len(stored) == 1 and len(stored[0]) == 64  # a digest, not the typed email

        # A window that has ended starts again from the next hit.
        db.session.execute(update(RateLimitCounter).values(expires_at=time.time() - 1))
        db.session.commit()
        assert store.get(odd_key) == 0
        assert store.incr(odd_key, 60) == 1

        store.clear(odd_key)
        assert store.get(odd_key) == 0
        store.incr("a", 60)
        store.incr("b", 60)
        assert store.reset() == 2 and store.check()
        db.session.remove()


def run_together(count: int, work: Callable[[int], list[int]]) -> list[list[int]]:
    barrier = threading.Barrier(count)
    results: list[list[int]] = [[] for _ in range(count)]
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = work(index)
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return results


def test_concurrent_hits_are_each_counted_exactly_once(app: Flask) -> None:
    store = DatabaseStorage("database://")

    def hit(_index: int) -> list[int]:
        with app.app_context():
            return [store.incr("login-account:race@example.com", 60) for _ in range(20)]

    counts = [count for thread in run_together(8, hit) for count in thread]
    # Every hit saw a different count: none was lost, none counted twice.
    assert sorted(counts) == list(range(1, 161))
    with app.app_context():
        assert store.get("login-account:race@example.com") == 160


def test_old_counters_are_purged_by_later_writes(app: Flask) -> None:
    store = DatabaseStorage("database://")
    with app.app_context():
        for number in range(5):
            store.incr(f"old-{number}", 60)
        db.session.execute(update(RateLimitCounter).values(expires_at=time.time() - 1))
        db.session.commit()
        for _ in range(PURGE_EVERY):
            store.incr("current", 60)
        remaining = db.session.scalar(select(func.count()).select_from(RateLimitCounter))
        assert remaining == 1
        db.session.remove()


# --- the owner keeps their way in --------------------------------------------------------------


def test_someone_elses_failures_do_not_lock_the_owner_out_of_their_usual_browser(
    app: Flask, make_user: Callable[..., User]
) -> None:
    owner = make_user()
    usual = known_browser(app, owner)
    attacker = browser(app, "203.0.113.9")
    for _ in range(PER_ACCOUNT):
        assert login(attacker, owner.email, WRONG).status_code == 401
    assert login(attacker, owner.email, WRONG).status_code == 429
    # A browser the account never logged in from is held back by the account limit...
    assert login(browser(app, "198.51.100.4"), owner.email).status_code == 429
    # ...the owner's usual browser is not (before: 429 here, the owner locked out).
    assert login(usual, owner.email).status_code == 302


def test_an_attacker_behind_the_owners_ip_does_not_lock_them_out_either(
    app: Flask, make_user: Callable[..., User]
) -> None:
    owner = make_user()
    office = "192.0.2.10"  # one address for the whole office (NAT)
    usual = known_browser(app, owner, office)
    for number in range(PER_IP):
        assert login(browser(app, office), f"guess{number}@example.com", WRONG).status_code == 401
    assert login(browser(app, office), owner.email).status_code == 429
    assert login(usual, owner.email).status_code == 302


def test_a_known_device_has_its_own_limit_for_wrong_passwords(
    app: Flask, make_user: Callable[..., User]
) -> None:
    owner = make_user()
    usual = known_browser(app, owner)
    laptop = known_browser(app, owner)
    for _ in range(PER_ACCOUNT):
        assert login(usual, owner.email, WRONG).status_code == 401
    assert login(usual, owner.email).status_code == 429  # a stolen cookie buys no extra guesses
    assert login(laptop, owner.email).status_code == 302  # another device is unaffected
    assert login(browser(app, "198.51.100.7"), owner.email).status_code == 302  # and the account


def test_a_device_cookie_helps_only_the_account_it_was_issued_for(
    app: Flask, make_user: Callable[..., User]
) -> None:
    attacker_account = make_user()
    victim = make_user()
    attacker = known_browser(app, attacker_account)  # a real login of their own
    for _ in range(PER_ACCOUNT):
        assert login(attacker, victim.email, WRONG).status_code == 401
    assert login(attacker, victim.email).status_code == 429


def test_a_tampered_or_foreign_device_cookie_is_an_unknown_device(
    app: Flask, make_user: Callable[..., User]
) -> None:
    owner = make_user()
    usual = known_browser(app, owner)
    cookie = usual.get_cookie(DEVICE_COOKIE, path="/login")
    assert cookie is not None
    forged = browser(app, "203.0.113.50")
    forged.set_cookie(DEVICE_COOKIE, cookie.value[:-2] + "xx", path="/login")
    for _ in range(PER_ACCOUNT):
        assert login(forged, owner.email, WRONG).status_code == 401
    assert login(forged, owner.email).status_code == 429
    assert login(usual, owner.email).status_code == 302


def test_the_device_cookie_is_httponly_lax_scoped_to_login_and_names_nobody(
    app: Flask, make_user: Callable[..., User]
) -> None:
    owner = make_user(email="someone.private@example.com")
    client = browser(app)
    response = login(client, owner.email)
    headers = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(DEVICE_COOKIE)]
    assert len(headers) == 1
    header = headers[0]
    assert "HttpOnly" in header and "SameSite=Lax" in header and "Path=/login" in header
    assert "Max-Age=" in header
    assert "someone.private" not in header and "example.com" not in header
    assert client.get("/").status_code == 200  # the cookie is not a login by itself


# --- two real gunicorn workers -----------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


class Server:
    """gunicorn with two sync workers on a free local port, against the test database."""

    def __init__(self, database_url: str, folder: Path) -> None:
        self.port = free_port()
        self.access_log = folder / "access.log"
        self.error_log = folder / "error.log"
        env = {key: value for key, value in os.environ.items() if not key.startswith("LMS_")}
        env.update(
            LMS_DATABASE_URL=database_url,
            LMS_SECRET_KEY="gunicorn-test-secret",
            LMS_BASE_URL=f"http://127.0.0.1:{self.port}",
        )
        gunicorn = Path(sys.executable).parent / "gunicorn"
        self.process = subprocess.Popen(
            [str(gunicorn), "--workers", "2", "--bind", f"127.0.0.1:{self.port}",
             "--timeout", "120", "--access-logfile", str(self.access_log),
             "--access-logformat", "%(p)s %(m)s %(U)s %(s)s", "--error-logfile",
             str(self.error_log), "wsgi:app"],
            cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )

    def wait_until_ready(self) -> None:
        deadline = time.monotonic() + 90
        while not self.healthy():
            assert self.process.poll() is None, self.error_log.read_text()
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.2)
        # One worker answers; keep it busy until the other one answers too.
        busy = self.occupy_a_worker()
        assert self.request("GET", "/healthz")[0] == 200
        self.release(busy)

    def healthy(self) -> bool:
        try:
            return self.request("GET", "/healthz")[0] == 200
        except OSError:
            return False

    def request(
        self, method: str, path: str, body: dict[str, str] | None = None, cookie: str = ""
    ) -> tuple[int, str, str]:
        """One request on a new connection: status, body, and the session cookie set."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Cookie": cookie} if cookie else {}
        data = None
        if body is not None:
            data = urlencode(body)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            connection.request(method, path, body=data, headers=headers)
            response = connection.getresponse()
            text = response.read().decode()
            set_cookie = response.getheader("Set-Cookie") or ""
        finally:
            connection.close()
        return response.status, text, set_cookie.split(";")[0]

    def occupy_a_worker(self) -> socket.socket:
        """Send half a request: the idle worker that accepts it waits for the rest (a sync worker
        serves one connection at a time), so the next requests go to the other worker."""
        sock = socket.create_connection(("127.0.0.1", self.port))
        sock.sendall(f"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n".encode())
        time.sleep(1.0)
        return sock

    @staticmethod
    def release(sock: socket.socket) -> None:
        sock.sendall(b"Connection: close\r\n\r\n")
        assert sock.recv(1024).startswith(b"HTTP/1.1 200")
        sock.close()
        time.sleep(0.5)

    def login_pids(self) -> list[str]:
        lines = self.access_log.read_text().splitlines()
        return [line.split()[0] for line in lines if " POST /login " in line + " "]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def server(app: Flask, database_url: str, tmp_path: Path) -> Iterator[Server]:
    running = Server(database_url, tmp_path)
    try:
        running.wait_until_ready()
        yield running
    finally:
        running.stop()


@pytest.mark.slow
def test_failed_logins_are_counted_once_across_two_gunicorn_workers(
    server: Server, make_user: Callable[..., User]
) -> None:
    user = make_user()
    status, page, cookie = server.request("GET", "/login")
    match = CSRF_RE.search(page)
    assert status == 200 and match and cookie.startswith("session=")
    form = {"email": user.email, "password": WRONG, "csrf_token": match.group(1) or match.group(2)}

    def attempt(password: str = WRONG) -> int:
        return server.request("POST", "/login", {**form, "password": password}, cookie)[0]

    first = server.occupy_a_worker()  # worker A waits: worker B takes the next requests
    assert [attempt() for _ in range(3)] == [401, 401, 401]
    second = server.occupy_a_worker()  # now B waits too...
    server.release(first)  # ...and A is free again: it takes the next requests
    assert [attempt() for _ in range(2)] == [401, 401]
    # Worker A saw two failures, B three: only counted together is this the sixth.
    assert attempt() == 429
    assert attempt(PASSWORD) == 429  # an unknown browser, even with the right password
    server.release(second)

    pids = server.login_pids()
    assert len(pids) == 7, pids
    assert len(set(pids[:3])) == 1 and len(set(pids[3:])) == 1 and pids[0] != pids[3], pids
