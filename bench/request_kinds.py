"""The app of ``wsgi.py`` with each request's CPU time noted by kind (``load.py --by-kind``).

Served as ``gunicorn --pythonpath bench request_kinds:app``. Every worker adds up the
thread CPU time its requests spend inside the app, by kind and status, and writes the
sums to ``$HHU_BENCH_KINDS_DIR/<pid>.json`` when it exits. What the server used beyond
those sums is gunicorn's own share: reading requests, writing answers, its poller.
"""

from __future__ import annotations

import atexit
import json
import os
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from wsgi import app as _app

_sums: defaultdict[str, list[float]] = defaultdict(lambda: [0, 0.0])
_lock = threading.Lock()


def request_kind(method: str, path: str) -> str:
    if path.endswith("/status"):
        return "phone status poll"
    if "/mijn-stem/" in path:
        return "own ballot after the close"
    if path.startswith("/scherm/"):
        return "big screen"
    if path.endswith("/stem"):
        return "ballot (POST)" if method == "POST" else "ballot page"
    if path.startswith("/j/"):
        return "join (POST)" if method == "POST" else "join page"
    return f"other {method}"


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    began = time.thread_time()
    status: list[str] = []

    def noted(code: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        status.append(code[:3])
        return start_response(code, headers, exc_info)

    try:
        return list(_app(environ, noted))
    finally:
        kind = request_kind(environ.get("REQUEST_METHOD", ""), environ.get("PATH_INFO", ""))
        key = f"{kind} {status[0] if status else '?'}"
        spent = time.thread_time() - began
        with _lock:
            _sums[key][0] += 1
            _sums[key][1] += spent


@atexit.register
def _write() -> None:
    folder = os.environ.get("HHU_BENCH_KINDS_DIR")
    if folder and _sums:
        Path(folder, f"{os.getpid()}.json").write_text(json.dumps(_sums))
