"""gunicorn settings shared by the app and the bare Flask app in the benchmark (same config).

Each worker counts the requests it served and appends ``<pid> <count>`` to the file named by
``BENCH_WORKER_COUNTS`` when it exits, so the benchmark can check that every worker did work.
"""

from __future__ import annotations

import os
from typing import Any

workers = 2
worker_class = "sync"
backlog = 2048
accesslog = None
errorlog = "-"
loglevel = "warning"
keepalive = 2

_served = {"requests": 0}


def post_request(worker: Any, req: Any, environ: Any, resp: Any) -> None:
    _served["requests"] += 1


def worker_exit(server: Any, worker: Any) -> None:
    path = os.environ.get("BENCH_WORKER_COUNTS")
    if path:
        with open(path, "a") as handle:
            handle.write(f"{worker.pid} {_served['requests']}\n")
