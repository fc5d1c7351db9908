"""The Markdown worker: a separate process that turns Markdown into (unsanitized) HTML.

Python-Markdown is quadratic or worse on some inputs anyone can type (20 KB of ``[`` takes minutes,
thousands of nested list markers overflow the stack), and a thread cannot be stopped from the
outside. So :mod:`lms.courses.render` sends every text here with the time it may take; the worker
stops itself when that is spent (a timer signal interrupts the conversion) and is killed if it
does not answer long after. Either way only the one document fails, and the web worker that asked
is free again. Two limits: CPU time (publishing and checking, so that a busy machine does not fail
texts that are merely waiting for a core) and wall-clock time (the live preview, which must answer
quickly whatever the load).

Run as a script (``python markdown_worker.py``), it imports nothing but the standard library and
Markdown: starting one costs a few tenths of a second, not the whole app. It reads requests from
stdin and answers on stdout until stdin closes (its parent exited). A request is a batch (one
course file's lesson and questions), so that publishing a course takes a few round trips rather
than thousands:

- request: 4-byte length (big-endian), 8-byte floats: CPU seconds and wall-clock seconds allowed
  for the whole batch (``inf``: no limit), then a JSON list of the texts;
- answer: one status byte (``=`` done, ``T`` out of CPU time, ``W`` out of wall-clock time, ``N``
  nested too deeply, ``E`` another error), 8-byte float CPU seconds used, 4-byte length, then JSON:
  the list of HTML for ``=``, the error's class name for ``E``, null otherwise.

When ready it writes one byte ``R``.
"""

from __future__ import annotations

import json
import math
import signal
import struct
import sys
import time
from types import FrameType
from typing import IO, Any

import markdown

EXTENSIONS = [
    "tables",
    "pymdownx.superfences",
    "footnotes",
    "admonition",
    "sane_lists",
    "toc",
    "pymdownx.details",
    "pymdownx.tasklist",
]
EXTENSION_CONFIG: dict[str, dict[str, Any]] = {
    "toc": {"permalink": False, "toc_depth": "2-3"},
    "pymdownx.tasklist": {"custom_checkbox": False, "clickable_checkbox": False},
    "footnotes": {"BACKLINK_TEXT": "↩"},
}

REQUEST = struct.Struct(">Idd")
ANSWER = struct.Struct(">cdI")
READY = b"R"
DONE, OUT_OF_CPU, OUT_OF_WALL, TOO_DEEP, FAILED = b"=", b"T", b"W", b"N", b"E"
TIMERS = {signal.SIGPROF: OUT_OF_CPU, signal.SIGALRM: OUT_OF_WALL}


def new_converter() -> markdown.Markdown:
    return markdown.Markdown(extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIG)


class OutOfTime(BaseException):
    """Raised by a timer inside a conversion. A BaseException, so that no ``except Exception``
    inside Markdown or an extension swallows it."""

    def __init__(self, status: bytes) -> None:
        super().__init__(status)
        self.status = status


_converting = False  # whether a timer's signal should interrupt (not one arriving late)


def _timer(signum: int, frame: FrameType | None) -> None:
    if _converting:
        raise OutOfTime(TIMERS[signal.Signals(signum)])


def _read(stream: IO[bytes], size: int) -> bytes | None:
    data = b""
    while len(data) < size:
        chunk = stream.read(size - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def _set_timers(cpu: float, wall: float) -> None:
    signal.setitimer(signal.ITIMER_PROF, max(cpu, 0.001) if math.isfinite(cpu) else 0)
    signal.setitimer(signal.ITIMER_REAL, max(wall, 0.001) if math.isfinite(wall) else 0)


def convert(
    converter: markdown.Markdown, texts: list[str], cpu: float, wall: float
) -> tuple[bytes, Any]:
    """Convert a batch within ``cpu`` and ``wall`` seconds: (status, list of HTML or error)."""
    global _converting
    try:
        _converting = True
        _set_timers(cpu, wall)
        try:
            return DONE, [converter.reset().convert(text) for text in texts]
        finally:
            _converting = False
            _set_timers(math.inf, math.inf)
    except OutOfTime as out:
        return out.status, None
    except RecursionError:
        return TOO_DEEP, None
    except Exception as error:  # reported to the parent, which reports it
        return FAILED, type(error).__name__


def serve(stdin: IO[bytes], stdout: IO[bytes]) -> None:
    for signum in TIMERS:
        signal.signal(signum, _timer)
    converter = new_converter()
    stdout.write(READY)
    stdout.flush()
    while True:
        header = _read(stdin, REQUEST.size)
        if header is None:
            return
        length, cpu, wall = REQUEST.unpack(header)
        data = _read(stdin, length)
        if data is None:
            return
        started = time.process_time()
        status, result = convert(converter, json.loads(data), cpu, wall)
        used = time.process_time() - started
        if status != DONE:
            converter = new_converter()  # an interrupted conversion may leave any state behind
        payload = json.dumps(result).encode("ascii")
        stdout.write(ANSWER.pack(status, used, len(payload)) + payload)
        stdout.flush()


if __name__ == "__main__":
    serve(sys.stdin.buffer, sys.stdout.buffer)
