"""Server CPU per request of each kind a phone and a projector send, under gunicorn.

    .venv/bin/python bench/request_cost.py [--requests 150] [--db sqlite|postgresql]
    LONG_POLL_SECONDS=300 .venv/bin/python bench/request_cost.py --held 900

One gunicorn worker (the project's gunicorn.conf.py, WEB_CONCURRENCY=1) on a fresh
database (a temporary SQLite file, or a new database on the local PostgreSQL server)
with an open round ("Waarden", 6 items); requests are sent one at a
time, and the worker's CPU time (from /proc, 10 ms ticks, so enough requests are
needed) is read before and after each. Prints one ``kind=ms`` line per kind and a last
line with all of them. After the close each phone asks its status (the shared closed
card) and then its own ballot, as poll.js does.

``--held N`` keeps N long polls held by the worker while the phones are measured: what
a hall's waiting phones cost the requests that work beside them (the close wakes them,
so the two kinds after it are not comparable then).
"""

from __future__ import annotations

import argparse
import html
import http.client
import os
import re
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

import load
from pages import attr, body_csrf

PORT = 8127


class Phone:
    """A browser tab: one keep-alive connection, reopened when the server closes it."""

    def __init__(self, port: int = PORT) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port)
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, body: str | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, http.client.HTTPMessage, str]:
        sent = dict(headers or {})
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            self.conn.request(method, path, body=body, headers=sent)
            response = self.conn.getresponse()
        except (http.client.RemoteDisconnected, ConnectionError):
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port)
            self.conn.request(method, path, body=body, headers=sent)
            response = self.conn.getresponse()
        text = response.read().decode()
        for raw in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = raw.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, response.headers, text


def hold_polls(code: str, count: int) -> None:
    """``count`` phone polls held by the server for as long as this runs, each page its own:
    what a hall's waiting phones cost the requests that work beside them."""
    phone = Phone()
    _, _, page = phone.request("GET", f"/j/{code}")
    csrf = attr(r'name="csrf_token" type="hidden" value="([^"]+)"', page, "csrf")
    pillar = re.findall(r'<option value="(\d+)"', page)[0]
    form = urllib.parse.urlencode({"csrf_token": csrf, "organisation": "x", "pillar": pillar})
    phone.request("POST", f"/j/{code}", form)
    _, _, page = phone.request("GET", f"/j/{code}/stem")
    url = html.unescape(attr(r'hx-get="([^"]+wait=[^"]+)"', page, "long-polled status"))
    _, headers, _ = phone.request("GET", url, headers={"HX-Request": "true"})
    tag = headers["ETag"]

    def hold(number: int) -> None:
        held = Phone()
        held.cookies = dict(phone.cookies)
        sent = {"HX-Request": "true", "If-None-Match": tag, "X-Hhu-Page": f"held-{number}"}
        try:
            while held.request("GET", url, headers=sent)[0] == 304:
                pass  # held for its time, and asked again
        except OSError:
            return  # the server stopped

    for number in range(count):
        threading.Thread(target=hold, args=(number,), daemon=True).start()
    time.sleep(2 + count / 200)  # all of them asked and held


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--requests", type=int, default=150)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--pg-url", default="postgresql://127.0.0.1:5432/test")
    parser.add_argument(
        "--held",
        type=int,
        default=0,
        help="long polls held by the worker meanwhile (with LONG_POLL_SECONDS > 0)",
    )
    args = parser.parse_args()
    n = args.requests
    with (
        tempfile.TemporaryDirectory(prefix="hhu-cost-") as tmp_name,
        load.fresh_database(args.db, args.pg_url, Path(tmp_name)) as url,
    ):
        tmp = Path(tmp_name)
        secret = "k" * 40
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "SECRET_KEY": secret,
            "FLASK_APP": "hhu_ranking",
            "WEB_CONCURRENCY": "1",
            # this run's own counts: the screen is asked once per phone, from one address
            "RATELIMIT_STORAGE_URI": f"sqlite:///{tmp / 'ratelimits.sqlite3'}",
            "LIMIT_SCREEN_PER_ADDRESS": "100000 per minute",
        }
        code, _session_id, round_id, partners = load.prepare(env, url, secret)
        server = load.Server(env, PORT, tmp / "gunicorn.log")
        server.start()
        try:
            server.wait_ready()
            server.warm_up(["/", f"/j/{code}", f"/scherm/{code}"])
            costs: dict[str, float] = {}
            if args.held:
                hold_polls(code, args.held)

            def timed(
                kind: str,
                phone: Phone,
                method: str,
                path: str,
                body: str | None = None,
                headers: dict[str, str] | None = None,
            ) -> tuple[int, http.client.HTTPMessage, str]:
                before = server.cpu_seconds()
                answer = phone.request(method, path, body, headers)
                costs[kind] = costs.get(kind, 0.0) + server.cpu_seconds() - before
                return answer

            phones: list[tuple[Phone, dict[str, str], str]] = []
            for i in range(n):
                phone = Phone()
                _, _, page = timed("join_page", phone, "GET", f"/j/{code}")
                csrf = attr(r'name="csrf_token" type="hidden" value="([^"]+)"', page, "csrf")
                pillar = re.findall(r'<option value="(\d+)"', page)[0]
                form = {"csrf_token": csrf, "organisation": partners[i % len(partners)]}
                form["pillar"] = pillar
                timed("join", phone, "POST", f"/j/{code}", urllib.parse.urlencode(form))
                _, _, page = timed("ballot_page", phone, "GET", f"/j/{code}/stem")
                hx = {"HX-Request": "true", "X-CSRFToken": body_csrf(page)}
                fragment = page[page.index('<div id="phone-round"') :]
                ballot_csrf = attr(r'name="csrf_token" value="([^"]+)"', fragment, "csrf")
                items = re.findall(r'data-item-id="(\d+)"', fragment)
                ballot = urllib.parse.urlencode(
                    [("csrf_token", ballot_csrf), ("round_id", str(round_id))]
                    + [("ranking", item) for item in items]
                )
                status, _, _ = timed("ballot", phone, "POST", f"/j/{code}/stem", ballot, hx)
                assert status == 200, status
                _, headers, _ = phone.request("GET", f"/j/{code}/status?seen=x", headers=hx)
                tag = headers["ETag"]
                polled = {**hx, "If-None-Match": tag}
                status, _, _ = timed(
                    "poll_304", phone, "GET", f"/j/{code}/status?seen=x", None, polled
                )
                assert status == 304, status
                screen = {"HX-Request": "true"}
                timed("screen", Phone(), "GET", f"/scherm/{code}", None, screen)
                phones.append((phone, hx, tag))
            load.close_round(url, secret, round_id)
            for phone, hx, tag in phones:
                path = f"/j/{code}/status?seen={round_id}-open"
                polled = {**hx, "If-None-Match": tag}
                status, _, closed = timed("closed_poll", phone, "GET", path, None, polled)
                assert status == 200, status
                # poll.js fetches the phone's own ballot a little later (data-spread-seconds)
                mine = html.unescape(attr(r'hx-get="([^"]+/mijn-stem/[^"]+)"', closed, "own"))
                status, _, _ = timed("own_ballot", phone, "GET", mine, None, hx)
                assert status == 200, status
        finally:
            server.stop()
    figures = {kind: total / n * 1000 for kind, total in costs.items()}
    for kind, ms in figures.items():
        print(f"# {kind}={ms:.2f} ms of server CPU per request")
    print(" ".join(f"{kind}_ms={ms:.2f}" for kind, ms in figures.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
