"""A WSGI app that does nothing: what gunicorn itself costs per request (bench/server_floor.py).

It answers a poll as the app's poll middleware answers an unchanged one (an empty 304 with
the same headers), and ``/`` with a 200 for the server's readiness check.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

HEADERS = [("ETag", '"p-1"'), ("Cache-Control", "no-store"), ("Vary", "HX-Request")]


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    if environ.get("PATH_INFO") == "/":
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
        return [b"ok"]
    start_response("304 Not Modified", HEADERS)
    return [b""]
