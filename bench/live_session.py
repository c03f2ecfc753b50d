"""Benchmark of a live session: phones vote, projectors poll, how fast does the screen follow?

    .venv/bin/python bench/live_session.py            # 200 phones, 5 projectors, about 70 s
    .venv/bin/python bench/live_session.py --quick    # 50 phones, 3 projectors, under 30 s
    .venv/bin/python bench/live_session.py --database-url postgresql://127.0.0.1:5432/postgres

It starts the real app under gunicorn (the project's ``gunicorn.conf.py``,
``wsgi:app``) on 127.0.0.1 with a free port and a database of its own: a
temporary SQLite file by default, or, with ``--database-url`` pointing at a
PostgreSQL server, a fresh database created on that server for the run and
dropped afterwards (the database named in the URL is only used to create and
drop it). ``flask setup`` migrates and seeds it; the facilitator's session and
round ("Waarden", results live) are made through the services and opened.

Then, over HTTP as browsers would (cookies, CSRF tokens, htmx headers):

* ``--phones`` phones join with the code (join form with its csrf_token), load
  the ballot page, poll their status fragment as the page does (every
  ``POLL_SECONDS``, conditional), and each casts one ballot (a shuffled
  ranking, posted as htmx posts it); the ballots come at a steady rate over
  ``--ballot-seconds`` (5 a second in both modes).
* ``--viewers`` projectors load ``/scherm/<code>`` and poll its fragment exactly
  as the page does: ``HX-Request`` and ``If-None-Match`` with the ETag the last
  fragment carried, at the page's ``hx-trigger`` interval (1 s), swapping on 200
  and keeping the page on 304.

Printed, one machine-readable line (``#`` lines are comments)::

    backend=sqlite phones=200 viewers=5 ballots=200 ballot_p50_ms=.. ballot_p95_ms=.. \
screen_lag_p50_ms=.. screen_lag_p95_ms=.. screen_lag_max_ms=.. ... ok=yes

* ``ballot_*_ms``: a ballot POST, from sending it to its response.
* ``screen_lag_*_ms``: for each ballot and each projector, from the ballot's
  response to the first projector poll response after it whose voted count is
  at least the number of ballots answered by then (the new count is on the
  screen). Over all (ballot, projector) pairs; a ``#`` line per projector.
* ``result_lag_*_ms``: the same for the ranking: the first response whose Borda
  bars count enough ballots (every full ranking of m items hands out
  m(m-1)/2 points, so the scores shown add up to that many times the ballots
  in the result). The ranking may lag the count by a poll: when another
  worker's computation of the newest version takes longer than the app waits
  for it (``services.results.CLAIM_WAIT``), a screen gets the previous result,
  without an ETag, and asks again on its next poll. ``lags_over_target`` and
  ``result_lags_over_target`` count the (ballot, projector) pairs over 2 s.
* ``polls``, ``polls_304``: projector polls, and how many of them were 304;
  ``polls_no_etag``: full answers without an ETag (the app judged its result
  not current); ``polls_behind``: answers whose ranking counted fewer ballots
  than their voted count; ``poll_200_p95_ms``, ``poll_304_p95_ms``: their
  response times.
* ``result_computations``: how many times ``services.results.compute_payload``
  ran in the gunicorn workers (counted by a hook this script adds to the
  workers, see ``GUNICORN_HOOK``; the app itself is not changed);
  ``result_versions``: how many distinct round versions were computed;
  ``duplicate_computations`` must be 0 (at most once per version).
* ``naive_computations``: the peer, what computing per viewer would cost:
  ``viewers x changes`` (every ballot changes the result; each projector would
  compute it once). ``naive_ratio`` = naive_computations / result_computations.
* ``ok=yes`` when every ballot was accepted, every projector showed every
  ballot, in its count and in its ranking, within ``target_lag_ms`` (the worst
  one included), and no version was computed twice. The exit status is 0 then.
"""

from __future__ import annotations

import argparse
import http.client
import os
import platform
import random
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from bisect import bisect_right
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from pages import VOTED, attr, body_csrf, htmx_headers, hx_headers, interval_of
from room import open_catalogue_round

ROOT = Path(__file__).resolve().parent.parent
TARGET_LAG_MS = 2000.0

#: a gunicorn config that is the project's own plus a hook counting result computations
GUNICORN_HOOK = """\
import os
import runpy
import time

for _key, _value in runpy.run_path({conf!r}).items():
    if not _key.startswith("_"):
        globals()[_key] = _value


def post_worker_init(worker):
    from hhu_ranking.services import results

    original = results.compute_payload
    log = os.environ["LIVE_BENCH_COMPUTE_LOG"]

    def counted(round_, ballots, *args, **kwargs):
        start = time.time()
        payload = original(round_, ballots, *args, **kwargs)
        end = time.time()
        # the version the cache keys on: the round's and its ballots' seq sum
        version = results._version(round_, sum(b.seq for b in ballots))
        fields = (os.getpid(), round_.id, version, len(ballots), start, end)
        line = " ".join(str(f) for f in fields) + "\\n"
        fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(fd, line.encode())
        finally:
            os.close(fd)
        return payload

    results.compute_payload = counted
"""


# --- a small browser ---------------------------------------------------------------------


class Browser:
    """One phone or projector: a keep-alive connection and a cookie jar, like a browser tab."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.conn: http.client.HTTPConnection | None = None

    def request(
        self,
        method: str,
        path: str,
        *,
        body: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, http.client.HTTPMessage, str]:
        sent = {"Accept-Language": "nl", "User-Agent": "live-session-bench"}
        sent.update(headers or {})
        if body is not None:
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            try:
                self.conn.request(method, path, body=body, headers=sent)
                response = self.conn.getresponse()
                text = response.read().decode()
            except (http.client.HTTPException, ConnectionError, OSError):
                # the server closed an idle keep-alive connection: a browser reconnects too
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
                continue
            for raw in response.headers.get_all("Set-Cookie") or []:
                name, _, rest = raw.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
            if response.getheader("Connection", "").lower() == "close":
                self.conn.close()
                self.conn = None
            return response.status, response.headers, text
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


BAR_SCORE = re.compile(r'<span class="bar-score">([^<]*)</span>')


def _result_ballots(fragment: str) -> int:
    """How many ballots the ranking on screen counts, read back from its Borda bars.

    Every full ranking of m items hands out m(m-1)/2 Borda points, so the scores
    shown (Dutch number format) add up to that many times the ballots counted.
    """
    scores = [
        float(raw.strip().replace(".", "").replace(",", ".")) for raw in BAR_SCORE.findall(fragment)
    ]
    m = len(scores)
    return round(sum(scores) / (m * (m - 1) / 2)) if m > 1 else 0


# --- the simulated room ------------------------------------------------------------------


@dataclass
class Shared:
    port: int
    code: str
    t0: float
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    errors: list[str] = field(default_factory=list)

    def error(self, message: str) -> None:
        with self.lock:
            self.errors.append(message)


def _sleep_until(shared: Shared, moment: float) -> bool:
    """Sleep until ``moment`` (monotonic); False when the run is being stopped."""
    while True:
        left = moment - time.monotonic()
        if left <= 0:
            return not shared.stop.is_set()
        if shared.stop.wait(min(left, 0.5)):
            return False


@dataclass
class Phone:
    index: int
    join_at: float
    vote_at: float
    organisation: str
    rng: random.Random
    ballot_sent: float = 0.0
    ballot_done: float = 0.0
    polls: int = 0
    #: set once the ballot is answered (or the phone gave up); it then keeps polling
    settled: threading.Event = field(default_factory=threading.Event)

    def run(self, shared: Shared) -> None:
        browser = Browser(shared.port)
        try:
            self._run(shared, browser)
        except Exception as error:  # noqa: BLE001 (a failed phone is reported, not fatal)
            shared.error(f"phone {self.index}: {error!r}")
        finally:
            self.settled.set()
            browser.close()

    def _run(self, shared: Shared, browser: Browser) -> None:
        code = shared.code
        if not _sleep_until(shared, self.join_at):
            return
        status, _, page = browser.request("GET", f"/j/{code}")
        if status != 200:
            raise RuntimeError(f"join page {status}")
        csrf = attr(r'name="csrf_token" type="hidden" value="([^"]+)"', page, "csrf_token")
        pillars = re.findall(r'<option value="(\d+)"', page)
        form = {
            "csrf_token": csrf,
            "organisation": self.organisation,
            "pillar": self.rng.choice(pillars),
            "display_name": "",
        }
        status, headers, _ = browser.request(
            "POST", f"/j/{code}", body=urllib.parse.urlencode(form)
        )
        if status != 302 or not str(headers.get("Location", "")).endswith("/stem"):
            raise RuntimeError(f"join refused: {status}")
        page_url = f"/j/{code}/stem"
        status, _, page = browser.request("GET", page_url)
        if status != 200:
            raise RuntimeError(f"ballot page {status}")
        csrf_header = body_csrf(page)
        fragment = page[page.index('<div id="phone-round"') :]
        ballot_csrf = attr(r'name="csrf_token" value="([^"]+)"', fragment, "ballot csrf_token")
        round_id = attr(r'name="round_id" value="(\d+)"', fragment, "round_id")
        items = re.findall(r'data-item-id="(\d+)"', fragment)
        voted = False
        poll_url, poll_tag, interval = self._poll_of(fragment)
        next_poll = time.monotonic() + interval
        while not shared.stop.is_set():
            if not voted and next_poll > self.vote_at:
                if not _sleep_until(shared, self.vote_at):
                    return
                ranking = list(items)
                self.rng.shuffle(ranking)
                body = urllib.parse.urlencode(
                    [("csrf_token", ballot_csrf), ("round_id", round_id)]
                    + [("ranking", item) for item in ranking]
                )
                headers = htmx_headers(
                    f"http://127.0.0.1:{shared.port}{page_url}", "phone-round", csrf_header
                )
                sent = time.monotonic()
                status, _, answer = browser.request("POST", page_url, body=body, headers=headers)
                answered = time.monotonic()
                voted = True
                if status != 200 or "Je stem is ontvangen" not in answer:
                    raise RuntimeError(f"ballot refused: {status}")
                self.ballot_sent, self.ballot_done = sent, answered
                self.settled.set()
                # htmx swaps the answer in; the new element starts its own timer
                poll_url, poll_tag, interval = self._poll_of(answer)
                next_poll = answered + interval
                continue
            if not _sleep_until(shared, next_poll):
                return
            fired = time.monotonic()
            # the status poll as htmx sends it: its hx-get, its hx-headers and the body's
            headers = htmx_headers(
                f"http://127.0.0.1:{shared.port}{page_url}",
                "phone-round",
                csrf_header,
                poll=True,
                If_None_Match=poll_tag,
            )
            status, response_headers, answer = browser.request("GET", poll_url, headers=headers)
            self.polls += 1
            if status == 200:
                poll_url, poll_tag, interval = self._poll_of(answer)
                next_poll = time.monotonic() + interval
                continue
            if status == 204 and response_headers.get("ETag"):
                poll_tag = str(response_headers["ETag"])  # poll.js: learn the new version
            elif status not in (204, 304):
                raise RuntimeError(f"status poll {status}")
            next_poll = fired + interval
            while next_poll <= time.monotonic():
                next_poll += interval

    @staticmethod
    def _poll_of(fragment: str) -> tuple[str, str, float]:
        """The phone-round element's poll: its URL, its If-None-Match and its interval."""
        url = attr(r'hx-get="([^"]+)"', fragment, "status url")
        return url, hx_headers(fragment)["If-None-Match"], interval_of(fragment)


@dataclass
class Viewer:
    index: int
    start_at: float
    #: (response time, voted count, ballots in the result shown, fresh) per swapped fragment
    seen: list[tuple[float, int, int, bool]] = field(default_factory=list)
    polls: int = 0
    polls_304: int = 0
    polls_no_etag: int = 0
    #: response times of the polls, ms: 304s and full fragments apart
    ms_304: list[float] = field(default_factory=list)
    ms_200: list[float] = field(default_factory=list)

    def run(self, shared: Shared) -> None:
        browser = Browser(shared.port)
        try:
            self._run(shared, browser)
        except Exception as error:  # noqa: BLE001
            shared.error(f"viewer {self.index}: {error!r}")
        finally:
            browser.close()

    def _run(self, shared: Shared, browser: Browser) -> None:
        url = f"/scherm/{shared.code}"
        if not _sleep_until(shared, self.start_at):
            return
        status, page_headers, page = browser.request("GET", url)
        if status != 200:
            raise RuntimeError(f"screen page {status}")
        csrf_header = body_csrf(page)
        fragment = page[page.index('<section id="screen-live"') :]
        self._observe(time.monotonic(), fragment, fresh=bool(page_headers.get("ETag")))
        interval = interval_of(fragment)
        fired = time.monotonic()
        next_poll = fired + interval
        while _sleep_until(shared, next_poll):
            fired = time.monotonic()
            headers = htmx_headers(
                f"http://127.0.0.1:{shared.port}{url}",
                "screen-live",
                csrf_header,
                poll=True,
                **hx_headers(fragment),
            )
            status, response_headers, answer = browser.request("GET", url, headers=headers)
            done = time.monotonic()
            self.polls += 1
            if status == 304:
                self.polls_304 += 1
                self.ms_304.append((done - fired) * 1000)
                # htmx's timer keeps running; a tick during a request is dropped
                next_poll = fired + interval
                while next_poll <= done:
                    next_poll += interval
                continue
            if status != 200:
                raise RuntimeError(f"screen poll {status}")
            self.ms_200.append((done - fired) * 1000)
            fresh = bool(response_headers.get("ETag"))
            self.polls_no_etag += not fresh
            fragment = answer
            self._observe(done, fragment, fresh=fresh)
            # outerHTML swap: the new element starts its own timer
            interval = interval_of(fragment)
            next_poll = done + interval

    def _observe(self, moment: float, fragment: str, *, fresh: bool) -> None:
        match = VOTED.search(fragment)
        self.seen.append(
            (moment, int(match.group(1)) if match else 0, _result_ballots(fragment), fresh)
        )

    def lags(self, ballots: list[float], *, in_result: bool) -> list[float]:
        """Per ballot (its response time, sorted), ms until this screen showed it; inf if never.

        Shown means: the voted count, or with ``in_result`` the ranking, counts at least as
        many ballots as had been answered when this one was.
        """
        times = [t for t, _, _, _ in self.seen]
        lags = []
        for k, done in enumerate(ballots, start=1):
            lag = float("inf")
            for t, count, counted, _ in self.seen[bisect_right(times, done) :]:
                if (counted if in_result else count) >= k:
                    lag = (t - done) * 1000
                    break
            lags.append(lag)
        return lags


# --- setting up ---------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def _database(url: str | None, tmp: Path) -> Iterator[tuple[str, str]]:
    """A fresh database for the run: (backend, URL)."""
    if url is None:
        yield "sqlite", f"sqlite:///{tmp / 'live.db'}"
        return
    import psycopg

    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("postgresql", "postgres"):
        raise SystemExit("--database-url must be a postgresql:// URL")
    admin = urllib.parse.urlunsplit(parts._replace(path=parts.path or "/postgres"))
    name = f"hhu_bench_{secrets.token_hex(4)}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield "postgresql", urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _open_round(database_url: str, secret: str) -> tuple[str, int, list[str]]:
    """The facilitator's part: the join code, the number of items and the partner names."""
    opened = open_catalogue_round(
        database_url, secret, title="Netwerkbijeenkomst (benchmark)", kind="NETWORK"
    )
    return opened.code, opened.item_count, opened.partners


@contextmanager
def _gunicorn(env: dict[str, str], tmp: Path, port: int) -> Iterator[subprocess.Popen[bytes]]:
    config = tmp / "gunicorn_bench.conf.py"
    config.write_text(GUNICORN_HOOK.format(conf=str(ROOT / "gunicorn.conf.py")))
    log = (tmp / "gunicorn.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(config), "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                raise RuntimeError("gunicorn stopped:\n" + (tmp / "gunicorn.log").read_text())
            try:
                probe = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                probe.request("GET", "/")
                probe.getresponse().read()
                probe.close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield server
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def _workers(env: dict[str, str]) -> str:
    """What the project's gunicorn.conf.py will choose in this environment."""
    probe = "import runpy,sys;c=runpy.run_path(sys.argv[1]);print(c['workers'],c['threads'])"
    out = subprocess.run(
        [sys.executable, "-c", probe, str(ROOT / "gunicorn.conf.py")],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    workers, threads = out.stdout.split()
    return f"{workers}x{threads}"


# --- figures ------------------------------------------------------------------------------


def _pct(values: list[float], q: float) -> float:
    """Linear-interpolated percentile (q in 0..100)."""
    data = sorted(values)
    if not data:
        return float("nan")
    if len(data) == 1:
        return data[0]
    position = (len(data) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(data) - 1)
    return data[low] + (data[high] - data[low]) * (position - low)


def _ms(value: float) -> str:
    if value == float("inf"):
        return "inf"
    return f"{value:.0f}" if value >= 100 else f"{value:.1f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--quick", action="store_true", help="50 phones, 3 viewers, ballots over 10 s"
    )
    parser.add_argument("--phones", type=int, help="phones (default 200; quick 50)")
    parser.add_argument("--viewers", type=int, help="projectors (default 5; quick 3)")
    parser.add_argument(
        "--ballot-seconds", type=float, help="ballots spread over (default 40; quick 10)"
    )
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL server (postgresql://host:port/db): a fresh database is "
        "created on it for the run and dropped afterwards; default: temporary SQLite",
    )
    parser.add_argument("--workers", type=int, help="WEB_CONCURRENCY (default: gunicorn.conf)")
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args(argv)
    # a plain kill still stops gunicorn and drops the temporary database
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    phones = args.phones or (50 if args.quick else 200)
    viewers = args.viewers or (3 if args.quick else 5)
    ballot_seconds = args.ballot_seconds or (10.0 if args.quick else 40.0)
    join_seconds = max(2.0, phones / 25)
    rng = random.Random(args.seed)

    with (
        tempfile.TemporaryDirectory(prefix="hhu-live-bench-") as tmp_name,
        _database(args.database_url, Path(tmp_name)) as (backend, database_url),
    ):
        tmp = Path(tmp_name)
        port = _free_port()
        secret = secrets.token_urlsafe(32)
        compute_log = tmp / "computations.log"
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "SECRET_KEY": secret,
            "BIND": f"127.0.0.1:{port}",
            "LIVE_BENCH_COMPUTE_LOG": str(compute_log),
            "FLASK_APP": "hhu_ranking",
        }
        if args.workers:
            env["WEB_CONCURRENCY"] = str(args.workers)
        started = time.monotonic()
        subprocess.run(
            [sys.executable, "-m", "flask", "--app", "hhu_ranking", "setup"],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
        code, item_count, partners = _open_round(database_url, secret)
        with _gunicorn(env, tmp, port):
            setup_s = time.monotonic() - started
            shared = Shared(port, code, t0=time.monotonic() + 1.0)
            ballots_from = shared.t0 + join_seconds + 1.0
            room = [
                Phone(
                    index=i,
                    join_at=shared.t0 + join_seconds * i / phones,
                    vote_at=ballots_from + ballot_seconds * i / phones,
                    organisation=partners[i % len(partners)],
                    rng=random.Random(rng.random()),
                )
                for i in range(phones)
            ]
            screens = [Viewer(index=v, start_at=shared.t0 + rng.random()) for v in range(viewers)]
            threads = [
                threading.Thread(target=x.run, args=(shared,), daemon=True)
                for x in [*screens, *room]
            ]
            for thread in threads:
                thread.start()
            # wait for every ballot, then until every screen shows them all (at most 10 s)
            for phone in room:
                phone.settled.wait()
            settle = time.monotonic() + 10
            while time.monotonic() < settle and any(
                not s.seen or s.seen[-1][2] < phones or not s.seen[-1][3] for s in screens
            ):
                time.sleep(0.1)
            time.sleep(2)  # a quiet tail: the screens' polls are 304s now
            shared.stop.set()
            for thread in threads:
                thread.join()
            run_s = time.monotonic() - shared.t0
            workers = _workers(env)
        computations = compute_log.read_text().splitlines() if compute_log.exists() else []

    done = sorted(p.ballot_done for p in room if p.ballot_done)
    ballot_ms = [(p.ballot_done - p.ballot_sent) * 1000 for p in room if p.ballot_done]
    per_viewer = [s.lags(done, in_result=False) for s in screens]
    per_viewer_fresh = [s.lags(done, in_result=True) for s in screens]
    behind = sum(1 for s in screens for _, count, counted, _ in s.seen if counted < count)
    lags = [lag for lags in per_viewer for lag in lags]
    fresh_lags = [lag for lags in per_viewer_fresh for lag in lags]
    versions = {tuple(line.split()[1:3]) for line in computations}
    compute_ms = [(float(line.split()[5]) - float(line.split()[4])) * 1000 for line in computations]
    duplicates = len(computations) - len(versions)
    naive = viewers * len(done)
    polls = sum(s.polls for s in screens)
    polls_304 = sum(s.polls_304 for s in screens)
    ms_304 = [ms for s in screens for ms in s.ms_304]
    ms_200 = [ms for s in screens for ms in s.ms_200]
    lag_max = max(lags, default=float("inf"))
    result_lag_max = max(fresh_lags, default=float("inf"))
    over = sum(lag > TARGET_LAG_MS for lag in lags)
    result_over = sum(lag > TARGET_LAG_MS for lag in fresh_lags)
    ok = (
        not shared.errors
        and len(done) == phones
        and max(lag_max, result_lag_max) <= TARGET_LAG_MS
        and duplicates == 0
    )

    print(
        f"# {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores, "
        f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}; "
        f"gunicorn workers x threads {workers}"
    )
    print(
        f"# setup (migrate, seed, gunicorn start) {setup_s:.1f} s; run {run_s:.1f} s; "
        f"{item_count} items; joins over {join_seconds:.0f} s, "
        f"ballots over {ballot_seconds:.0f} s ({phones / ballot_seconds:.1f}/s)"
    )
    for s, mine, mine_fresh in zip(screens, per_viewer, per_viewer_fresh, strict=True):
        print(
            f"# viewer {s.index}: polls={s.polls} polls_304={s.polls_304} "
            f"no_etag={s.polls_no_etag} screen_lag_p50_ms={_ms(_pct(mine, 50))} "
            f"p95={_ms(_pct(mine, 95))} max={_ms(max(mine, default=float('inf')))} "
            f"result_lag_max_ms={_ms(max(mine_fresh, default=float('inf')))}"
        )
    if compute_ms:
        print(
            f"# compute_payload: p50 {_ms(statistics.median(compute_ms))} ms, "
            f"max {_ms(max(compute_ms))} ms"
        )
    print(
        f"# phone status polls {sum(p.polls for p in room)} "
        f"(every {os.environ.get('POLL_SECONDS', '2')} s, conditional)"
    )
    for message in shared.errors[:10]:
        print(f"# ERROR {message}")
    print(
        f"backend={backend} phones={phones} viewers={viewers} ballots={len(done)} "
        f"ballot_p50_ms={_ms(_pct(ballot_ms, 50))} ballot_p95_ms={_ms(_pct(ballot_ms, 95))} "
        f"screen_lag_p50_ms={_ms(_pct(lags, 50))} screen_lag_p95_ms={_ms(_pct(lags, 95))} "
        f"screen_lag_max_ms={_ms(lag_max)} "
        f"result_lag_p95_ms={_ms(_pct(fresh_lags, 95))} "
        f"result_lag_max_ms={_ms(result_lag_max)} "
        f"lags_over_target={over} result_lags_over_target={result_over} "
        f"polls={polls} polls_304={polls_304} "
        f"polls_no_etag={sum(s.polls_no_etag for s in screens)} polls_behind={behind} "
        f"poll_200_p95_ms={_ms(_pct(ms_200, 95))} poll_304_p95_ms={_ms(_pct(ms_304, 95))} "
        f"result_versions={len(versions)} result_computations={len(computations)} "
        f"duplicate_computations={duplicates} naive_computations={naive} "
        f"naive_ratio={naive / max(1, len(computations)):.1f} "
        f"errors={len(shared.errors)} target_lag_ms={TARGET_LAG_MS:.0f} "
        f"ok={'yes' if ok else 'no'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
