"""What gunicorn itself costs per request, before any of the app's code runs: the floor
under ``bench/load.py``'s CPU per 1,000 phone-minutes.

    .venv/bin/python bench/server_floor.py [--requests 20000] [--rate 500]
        [--per-phone-minute 26.8] [--worker-class gthread]

Serves, one after the other, with the project's ``gunicorn.conf.py`` as the README does
(``--worker-class`` overrides its worker class, for a comparison):

1. the peer, ``bench/floor_app.py``: a WSGI app that answers with an empty 304 at once;
2. the app itself (``wsgi:app``, fresh SQLite database, an open round), asked a phone's
   unchanged status poll: the 304 its poll middleware gives, the hall's most common request.

Both are asked alike, over keep-alive connections (``--connections``) sending ``--rate``
requests a second in all with a phone's headers, until ``--requests`` are answered. Prints the
server's CPU (every gunicorn process, from /proc) per request of each, their ratio, and what
the floor comes to per 1,000 phone-minutes at ``--per-phone-minute`` requests (``bench/load.py``
prints that rate as ``requests_per_phone_min``).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

import aiohttp
import load
from pages import attr, body_csrf
from request_cost import Phone

PHONE_HEADERS = {
    "User-Agent": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/131.0 Mobile Safari/537.36",
    "Accept": "*/*",
    "Accept-Language": "nl-NL,nl;q=0.9,en;q=0.8",
    "Accept-Encoding": "gzip, deflate, br",
    "HX-Request": "true",
    "HX-Target": "phone-round",
}


def joined_phone(port: int, code: str, round_id: int, partner: str) -> tuple[str, dict[str, str]]:
    """One phone joins and votes: the path and headers of its unchanged status poll."""
    phone = Phone(port)
    _, _, page = phone.request("GET", f"/j/{code}")
    csrf = attr(r'name="csrf_token" type="hidden" value="([^"]+)"', page, "csrf")
    pillar = re.findall(r'<option value="(\d+)"', page)[0]
    form = {"csrf_token": csrf, "organisation": partner, "pillar": pillar}
    phone.request("POST", f"/j/{code}", urllib.parse.urlencode(form))
    _, _, page = phone.request("GET", f"/j/{code}/stem")
    path = f"/j/{code}/status?seen={round_id}-open"
    hx = {"HX-Request": "true", "X-CSRFToken": body_csrf(page)}
    _, headers, _ = phone.request("GET", path, headers=hx)
    cookie = "; ".join(f"{k}={v}" for k, v in phone.cookies.items())
    return path, {**PHONE_HEADERS, **hx, "If-None-Match": headers["ETag"], "Cookie": cookie}


async def ask(
    port: int, path: str, headers: dict[str, str], args: argparse.Namespace
) -> tuple[int, int]:
    """``args.requests`` conditional GETs (a few more) at ``args.rate`` a second: how many
    were answered, and how many of them with a 304."""
    answered = not_modified = 0
    connector = aiohttp.TCPConnector(limit=0, keepalive_timeout=4)
    gap = args.connections / args.rate
    async with aiohttp.ClientSession(connector=connector) as http:

        async def poller(start: float) -> None:
            nonlocal answered, not_modified
            await asyncio.sleep(start)
            while answered < args.requests:
                began = time.monotonic()
                async with http.get(f"http://127.0.0.1:{port}{path}", headers=headers) as r:
                    await r.read()
                    answered += 1
                    not_modified += r.status == 304
                await asyncio.sleep(max(0.0, gap - (time.monotonic() - began)))

        await asyncio.gather(*(poller(gap * i / args.connections) for i in range(args.connections)))
    return answered, not_modified


def measure(
    server: load.Server, port: int, path: str, headers: dict[str, str], args: argparse.Namespace
) -> float:
    """Server CPU ms per request over ``args.requests`` unchanged polls."""
    before = server.cpu_seconds()
    answered, not_modified = asyncio.run(ask(port, path, headers, args))
    spent = server.cpu_seconds() - before
    if not_modified != answered:
        raise RuntimeError(f"{answered - not_modified} of {answered} answers were no 304")
    return spent / answered * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--rate", type=float, default=500.0, help="requests a second in all")
    parser.add_argument("--connections", type=int, default=1000)
    parser.add_argument("--per-phone-minute", type=float, default=26.8)
    parser.add_argument("--worker-class", help="instead of gunicorn.conf.py's")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hhu-floor-") as tmp_name:
        tmp = Path(tmp_name)
        url = f"sqlite:///{tmp / 'floor.db'}"
        secret = "k" * 40
        env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": secret, "FLASK_APP": "hhu_ranking"}
        if args.worker_class:
            env["GUNICORN_CMD_ARGS"] = f"--worker-class {args.worker_class}"
        code, _session_id, round_id, partners = load.prepare(env, url, secret)
        costs: dict[str, float] = {}
        for name, app in (
            ("floor", ["--pythonpath", "bench", "floor_app:app"]),
            ("poll", ["wsgi:app"]),
        ):
            port = load.free_port()
            server = load.Server(env, port, tmp / f"{name}.log", app=app)
            server.start()
            try:
                server.wait_ready()
                if name == "floor":
                    path, headers = "/j/x/status", PHONE_HEADERS
                else:
                    server.warm_up(["/", f"/j/{code}"])
                    path, headers = joined_phone(port, code, round_id, partners[0])
                costs[name] = measure(server, port, path, headers, args)
            finally:
                server.stop()
    floor, poll = costs["floor"], costs["poll"]
    per_1000 = floor * args.per_phone_minute  # ms per phone-minute = CPU-s per 1,000
    from hhu_ranking.config import worker_class

    worker = args.worker_class or worker_class(os.environ)
    print(f"# worker={worker} requests={args.requests} rate={args.rate:.0f}/s")
    print(f"# gunicorn alone: {floor:.3f} ms of server CPU per request")
    print(f"# the app's unchanged poll: {poll:.3f} ms ({poll / floor:.2f}x gunicorn alone)")
    print(
        f"# at {args.per_phone_minute} requests per phone-minute gunicorn alone takes "
        f"{per_1000:.1f} CPU-s per 1,000 phone-minutes"
    )
    print(
        f"worker={worker} floor_ms={floor:.3f} poll_ms={poll:.3f} "
        f"poll_over_floor={poll / floor:.2f} floor_cpu_s_per_1000_phone_min={per_1000:.1f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
