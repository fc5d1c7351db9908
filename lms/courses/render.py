"""Markdown to safe HTML. Runs at publish time and for author previews, never on a learner's page.

Authors are untrusted: whatever Python-Markdown produces (including raw HTML an author typed) goes
through nh3 with an allow-list of tags, attributes, classes and URL schemes. Relative links to other
modules and to files in the course folder are rewritten to the app's URLs here.

Python-Markdown itself runs in a separate worker process (:mod:`lms.courses.markdown_worker`) with
a time budget, because some inputs anyone can type make it quadratic or worse: a text over its
budget fails alone, with :class:`RenderError`, instead of holding the web worker (and, with two of
them, the whole app). :func:`time_budget` gives a group of texts (one course file: its lesson and
questions) one shared budget, of the worker's CPU seconds or of wall-clock seconds (the live
preview); a text rendered outside any budget gets :data:`DEFAULT_BUDGET_SECONDS` of CPU time.
"""

from __future__ import annotations

import atexit
import json
import math
import os
import posixpath
import re
import select
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import nh3
from flask import current_app, has_app_context

from lms.courses import markdown_worker
from lms.courses.format import SCHEME_RE, module_slug_from_link
from lms.courses.markdown_worker import EXTENSION_CONFIG as EXTENSION_CONFIG  # re-exported
from lms.courses.markdown_worker import EXTENSIONS as EXTENSIONS

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "dd", "del", "details", "div", "dl",
    "dt", "em", "figcaption", "figure", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "input",
    "ins", "kbd", "li", "mark", "ol", "p", "pre", "q", "s", "small", "span", "strong", "sub",
    "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "id", "class"},
    "img": {"src", "alt", "title", "width", "height"},
    "input": {"type", "checked", "disabled"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "ol": {"start"},
    "abbr": {"title"},
    "h2": {"id"}, "h3": {"id"}, "h4": {"id"}, "h5": {"id"}, "h6": {"id"},
    "li": {"id", "class"},
    "div": {"class", "id"},
    "p": {"class"},
    "span": {"class"},
    "code": {"class"},
    "details": {"class", "open"},
    "sup": {"id"},
    "ul": {"class"},
}  # fmt: skip
SAFE_CLASS_RE = re.compile(
    r"^(admonition|admonition-title|note|tip|warning|danger|info|example|question|quote|"
    r"success|failure|bug|abstract|footnote|footnote-ref|footnote-backref|task-list|"
    r"task-list-item|task-list-control|task-list-indicator|language-[a-z0-9+#-]+|toc)$"
)
SAFE_ID_RE = re.compile(r"^[A-Za-z][\w:.-]{0,80}$")
URL_SCHEMES = {"http", "https", "mailto"}


class LinkTargets:
    """Where a course's relative links point once published."""

    def __init__(self, module_url: Callable[[str], str], asset_url: Callable[[str], str]) -> None:
        self.module_url = module_url
        self.asset_url = asset_url

    def rewrite(self, target: str) -> str:
        if not target or target.startswith(("#", "//")) or SCHEME_RE.match(target):
            return target
        path, _, fragment = target.partition("#")
        path = path.split("?", 1)[0]
        normalised = posixpath.normpath(path)
        if normalised.startswith(("..", "/")):
            return "#"
        suffix = f"#{fragment}" if fragment else ""
        if normalised.endswith(".md"):
            slug = module_slug_from_link(normalised)
            return self.module_url(slug) + suffix if slug else "#"
        return self.asset_url(normalised) + suffix


# ------------------------------------------------------------------------- the time budget

# Budgets are CPU seconds of the Markdown worker (a busy machine makes rendering wait for a core
# without failing a text) or, for the live preview, wall-clock seconds (it must answer quickly
# whatever the load). The worker stops itself when a budget is spent; if it does not answer within
# WALL_FACTOR times its CPU budget (or its wall-clock budget) plus GRACE_SECONDS anyway, it is
# killed and the text fails all the same.
DEFAULT_BUDGET_SECONDS = 1.0
WALL_FACTOR = 10.0
GRACE_SECONDS = 1.0
STARTUP_SECONDS = 60.0  # a fresh worker imports Markdown; generous for a busy machine
MAX_IDLE_WORKERS = 2


class RenderError(Exception):
    """A text that cannot be turned into HTML within its budget (or at all); nothing was rendered.

    ``reason`` is plain words about the text ("takes more than 1 s to render: ..."); ``path`` the
    course file it belongs to, when the caller knows it.
    """

    def __init__(self, reason: str, path: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.path = path

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}" if self.path else self.reason


def too_slow(seconds: float, what: str = "") -> str:
    return (
        f"{what or 'takes'} more than {seconds:g} s to render: long runs of unclosed brackets "
        "('[', '(') or of '<', and lists or quotes nested very deeply, are the usual cause; "
        "remove them or split the text"
    )


TOO_DEEP = "is nested too deeply to render (lists or quotes inside each other); flatten it"


class _Budget:
    def __init__(self, seconds: float, reason: str, wall: bool) -> None:
        self.wall = wall
        self.cpu_left = math.inf if wall else seconds
        self.deadline = time.monotonic() + seconds if wall else math.inf
        self.reason = reason

    def wall_left(self) -> float:
        return self.deadline - time.monotonic()


_budgets = threading.local()


def _open_budgets() -> list[_Budget]:
    if not hasattr(_budgets, "stack"):
        _budgets.stack = []
    stack: list[_Budget] = _budgets.stack
    return stack


@contextmanager
def time_budget(seconds: float, reason: str | None = None, *, wall: bool = False) -> Iterator[None]:
    """Every Markdown text rendered inside (on this thread) draws on these ``seconds`` of the
    worker's CPU time (``wall``: of wall-clock time from now); the budgets around it still hold.
    Once it is spent, rendering raises :class:`RenderError` with ``reason`` (default: "takes more
    than N s to render ...")."""
    stack = _open_budgets()
    stack.append(_Budget(seconds, reason or too_slow(seconds), wall))
    try:
        yield
    finally:
        stack.pop()


def configured_seconds(name: str, default: float) -> float:
    """A budget from the app's settings (``LMS_<name>``), or ``default`` outside an app."""
    if has_app_context():
        return float(current_app.config.get(name, default))
    return default


# ---------------------------------------------------------------------------- the workers


class _Stuck(Exception):
    """The worker did not answer in time (or died): it is killed, never reused."""


class _Worker:
    """One Markdown worker process, used by one thread at a time."""

    def __init__(self) -> None:
        self.pid = os.getpid()  # the process that started it (a fork must not reuse it)
        self.process = subprocess.Popen(  # noqa: S603  (our own script, no shell)
            [sys.executable, "-P", markdown_worker.__file__],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            start_new_session=True,  # a Ctrl-C in the terminal is for the app, not the worker
            bufsize=0,
        )
        try:
            if self._read(1, time.monotonic() + STARTUP_SECONDS) != markdown_worker.READY:
                raise _Stuck
        except _Stuck:
            self.kill()
            raise RenderError("the Markdown renderer could not be started") from None

    def _read(self, size: int, deadline: float) -> bytes:
        assert self.process.stdout is not None
        fd = self.process.stdout.fileno()
        poller = select.poll()  # not select(): a busy server's descriptors pass 1024
        poller.register(fd, select.POLLIN)
        data = b""
        while len(data) < size:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not poller.poll(remaining * 1000):
                raise _Stuck
            chunk = os.read(fd, min(size - len(data), 1 << 20))
            if not chunk:
                raise _Stuck
            data += chunk
        return data

    def convert(self, texts: list[str], cpu: float, wall: float) -> tuple[bytes, float, Any]:
        """(status, CPU seconds used, list of HTML or error name), as the worker answers."""
        assert self.process.stdin is not None
        payload = json.dumps(texts).encode("ascii")
        try:
            self.process.stdin.write(markdown_worker.REQUEST.pack(len(payload), cpu, wall))
            self.process.stdin.write(payload)
        except OSError:
            raise _Stuck from None
        deadline = time.monotonic() + min(cpu * WALL_FACTOR, wall) + GRACE_SECONDS
        status, used, length = markdown_worker.ANSWER.unpack(
            self._read(markdown_worker.ANSWER.size, deadline)
        )
        return status, used, json.loads(self._read(length, deadline))

    def kill(self) -> None:
        self.process.kill()
        self.close()

    def close_pipes(self) -> None:
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()

    def close(self) -> None:
        self.close_pipes()  # the worker sees the end of its input and exits
        try:
            self.process.wait(timeout=1)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class _Pool:
    """Idle workers, shared by the threads of this process; a busy thread starts another."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.idle: list[_Worker] = []

    def take(self) -> _Worker:
        with self.lock:
            while self.idle:
                worker = self.idle.pop()
                if worker.pid != os.getpid():
                    worker.close_pipes()  # a forked copy: the worker is the parent's
                elif worker.process.poll() is not None:
                    worker.close()  # it died (killed from outside, out of memory...)
                else:
                    return worker
        started = time.monotonic()
        worker = _Worker()
        for budget in _open_budgets():  # starting a worker is not the text's time
            budget.deadline += time.monotonic() - started
        return worker

    def give_back(self, worker: _Worker) -> None:
        with self.lock:
            if len(self.idle) < MAX_IDLE_WORKERS and worker.pid == os.getpid():
                self.idle.append(worker)
                return
        worker.close()

    def close(self) -> None:
        with self.lock:
            idle, self.idle = self.idle, []
        for worker in idle:
            if worker.pid == os.getpid():
                worker.close()
            else:
                worker.close_pipes()


_pool = _Pool()
atexit.register(_pool.close)


def markdown_to_html(texts: list[str]) -> list[str]:
    """Python-Markdown's HTML for each text (not sanitized), within the open time budgets."""
    # Blank texts (options' empty feedback) become "", as Markdown makes them, without the trip.
    wanted = [index for index, text in enumerate(texts) if text.strip(" \t\n")]
    html = [""] * len(texts)
    if wanted:
        for index, converted in zip(wanted, _convert([texts[i] for i in wanted]), strict=True):
            html[index] = converted
    return html


def _convert(texts: list[str]) -> list[str]:
    worker = _pool.take()
    budgets = _open_budgets() or [
        _Budget(DEFAULT_BUDGET_SECONDS, too_slow(DEFAULT_BUDGET_SECONDS), wall=False)
    ]
    by_cpu = min(budgets, key=lambda budget: budget.cpu_left)
    by_wall = min(budgets, key=lambda budget: budget.wall_left())
    cpu, wall = by_cpu.cpu_left, by_wall.wall_left()
    if cpu <= 0 or wall <= 0:
        _pool.give_back(worker)
        raise RenderError((by_cpu if cpu <= 0 else by_wall).reason)
    try:
        status, used, result = worker.convert(texts, cpu, wall)
    except _Stuck:
        worker.kill()
        raise RenderError((by_wall if wall < cpu * WALL_FACTOR else by_cpu).reason) from None
    except BaseException:
        worker.kill()  # interrupted mid-conversation: its next answer would be out of step
        raise
    _pool.give_back(worker)
    for budget in budgets:
        budget.cpu_left -= used
    if status == markdown_worker.DONE:
        return [str(html) for html in result]
    if status == markdown_worker.OUT_OF_CPU:
        raise RenderError(by_cpu.reason)
    if status == markdown_worker.OUT_OF_WALL:
        raise RenderError(by_wall.reason)
    if status == markdown_worker.TOO_DEEP:
        raise RenderError(TOO_DEEP)
    raise RenderError(f"cannot be rendered ({result or 'an unknown error'})")


def render_markdown(text: str, links: LinkTargets | None = None) -> str:
    return sanitize(markdown_to_html([text])[0], links)


def sanitize(html: str, links: LinkTargets | None = None) -> str:
    def attribute_filter(element: str, attribute: str, value: str) -> str | None:
        if attribute == "class":
            kept = [name for name in value.split() if SAFE_CLASS_RE.match(name)]
            return " ".join(kept) or None
        if attribute == "id":
            return value if SAFE_ID_RE.match(value) else None
        if element == "input":
            if attribute == "type":
                return "checkbox" if value == "checkbox" else None
            return value
        if attribute in {"href", "src"} and links is not None:
            return links.rewrite(value)
        return value

    return str(
        nh3.clean(
            html,
            tags=ALLOWED_TAGS,
            attributes=ALLOWED_ATTRIBUTES,
            attribute_filter=attribute_filter,
            url_schemes=URL_SCHEMES,
            link_rel="noopener noreferrer",
            strip_comments=True,
        )
    )


def render_inline(text: str) -> str:
    """Short Markdown (an option, a feedback line) without the surrounding paragraph."""
    return unwrap_paragraph(render_markdown(text))


def unwrap_paragraph(html: str) -> str:
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        html = html[3:-4]
    return html
