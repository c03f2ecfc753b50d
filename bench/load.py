"""A festival hall: N phones join within a minute, vote and revise while projectors watch.

    .venv/bin/python bench/load.py --phones 2000 --db sqlite
    .venv/bin/python bench/load.py --phones 2000 --db postgresql --hosts 2
    .venv/bin/python bench/load.py --phones 500 --db sqlite --chaos

It serves the app exactly as the README does (``gunicorn --config
gunicorn.conf.py wsgi:app``, after ``flask setup``) on 127.0.0.1 with a fresh
database: a temporary SQLite file, or a new database on the local PostgreSQL
server (``--pg-url``), dropped afterwards. ``--hosts H`` starts H gunicorn
servers on one PostgreSQL database, standing in for H hosts behind a load
balancer: every request goes to a random one of them.

The room, over HTTP with cookies, CSRF tokens and htmx headers as the pages send them:

* phones arrive evenly over ``--join-seconds`` (60): each loads the join page and
  joins, answered with its ballot page (``join_ms`` is those two requests together;
  before the join answered with the page, a redirect to it made three), polls
  its status fragment as ``templates/participate/_round.html`` and
  ``static/js/poll.js`` do (conditional, learning a new ETag from a 204; a long-polled
  fragment's poll is held by the server until its round changes or ``LONG_POLL_SECONDS``
  pass, and asked again once answered, not sooner than its interval; the page's new
  fragment first asks after its interval; without long polls every ``POLL_SECONDS``),
  meanwhile thinks 5-20 s (``--think``), submits a shuffled ranking, and one in five
  revises it after another 5-20 s; ``p95_poll_ms`` is a poll's time beyond the server's
  holding of it (``Server-Timing: wait``);
* ``--projectors`` (2) big screens poll ``/scherm/<code>`` as its page does;
  ``projector_lag`` is, per acknowledged first ballot, the time until every
  projector showed a voted count that includes it;
* when every phone has voted, the facilitator closes the round: the moment of
  truth, when every phone's held poll (or next poll) gets the closed round and the
  screens the final result (``close_p95_ms``: those answers, a held poll's from the
  moment the close was committed, a poll sent later from its sending);
* a failed request (connection refused or reset, 502/503/504) is retried as
  the page retries it, after ``Retry-After`` or a second; it is counted in
  ``retries``, not in ``errors``. An error is any other unexpected answer.

``--pocket S`` puts a share S of the phones away once they have voted, as people in a hall
do: their hidden page polls nothing (``static/js/poll.js``) until it is looked at again,
0-20 s after the close, when it asks at once. By default (0) every phone stays in view and
polls throughout, as issue 8 measures the hall.

``--chaos`` kills -9 one gunicorn worker at 40% of the joining and the whole
server (master and workers) at 70%, and starts it again a second later.

At the end every phone's last acknowledged ballot is checked against the
database: ``lost`` phones have no ballot there or another one than they last
sent; ``duplicated`` counts ballot rows beyond one per participant;
``counted`` the round's ballots. The server's CPU time (every gunicorn
process, from the kernel's accounting of reaped children) per 1,000
phone-minutes is ``cpu_s_per_1000_phone_min``. The last line reads::

    phones=N acknowledged=A counted=C lost=L duplicated=D errors=E p95_join_ms=..
    p95_submit_ms=.. p99_submit_ms=.. p95_poll_ms=.. projector_lag_p95_ms=..
    cpu_s_per_1000_phone_min=..

(one line). Lines starting with ``#`` are details. Exit status 0 when the
targets of issue 8 hold (p95 join < 1 s, ballot < 500 ms, poll < 200 ms,
projector lag < 2 s, close < 1 s, no errors, nothing lost or doubled).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import hashlib
import html
import json
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
import zlib
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
from pages import VOTED, attr, body_csrf, htmx_headers, hx_headers, interval_of, long_polled
from room import open_catalogue_round

ROOT = Path(__file__).resolve().parent.parent
RETRY_STATUSES = {502, 503, 504}
TARGETS = {
    "p95_join_ms": 1000.0,
    "p95_submit_ms": 500.0,
    "p95_poll_ms": 200.0,
    "projector_lag_p95_ms": 2000.0,
    "close_p95_ms": 1000.0,
}
#: poll.js fetches a phone's own ballot this long after the closed round, and then spread
SPREAD_AFTER_SECONDS = 1.0
#: no run goes on longer than this, whatever happens
HARD_LIMIT_S = 600.0


# --- figures ---------------------------------------------------------------------------------


def pct(values: list[float], q: float) -> float:
    data = sorted(values)
    if not data:
        return float("nan")
    position = (len(data) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(data) - 1)
    return data[low] + (data[high] - data[low]) * (position - low)


def fmt(value: float) -> str:
    if value != value:  # nan
        return "nan"
    if value == float("inf"):
        return "inf"
    return f"{value:.0f}"


@dataclass
class Stats:
    join_ms: list[float] = field(default_factory=list)
    submit_ms: list[float] = field(default_factory=list)
    poll_ms: list[float] = field(default_factory=list)
    close_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    retries: int = 0
    #: every answered request, of phones and projectors (retries included)
    requests: int = 0
    polls: int = 0
    polls_304: int = 0
    #: time of each first ballot's acknowledgement (monotonic)
    first_acks: list[float] = field(default_factory=list)
    close_at: float | None = None
    #: when the close was committed (a held poll cannot be answered before)
    closed_at: float | None = None

    def error(self, message: str) -> None:
        if len(self.errors) < 10_000:
            self.errors.append(message)


# --- a tiny browser over one shared aiohttp session ---------------------------------------------


class Gone(Exception):
    """The run is over: stop this phone or projector."""


@dataclass
class Room:
    ports: list[int]
    code: str
    stats: Stats
    http: aiohttp.ClientSession
    deadline: float
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    #: set when the facilitator has closed the round
    closed: asyncio.Event = field(default_factory=asyncio.Event)

    def base(self) -> str:
        return f"http://127.0.0.1:{random.choice(self.ports)}"


class Browser:
    """A phone or a projector tab: its own cookies; requests retried as the page would."""

    def __init__(self, room: Room) -> None:
        self.room = room
        self.cookies: dict[str, str] = {}

    async def request(
        self,
        method: str,
        path: str,
        *,
        form: object = None,
        headers: dict[str, str] | None = None,
        failures: list[float] | None = None,
    ) -> tuple[int, dict[str, str], str]:
        """The answer, after as many tries as the page would make; ``failures`` gets the
        time of each failed try."""
        sent = {"Accept-Language": "nl", "User-Agent": "hhu-load-bench"}
        sent.update(headers or {})
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)  # type: ignore[arg-type]
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        attempt = 0
        while True:
            if time.monotonic() > self.room.deadline:
                raise Gone
            attempt += 1
            try:
                async with self.room.http.request(
                    method,
                    self.room.base() + path,
                    data=body,
                    headers=sent,
                    allow_redirects=False,
                ) as response:
                    text = await response.text()
                    status = response.status
                    self.room.stats.requests += 1
                    answer = {k: v for k, v in response.headers.items()}
                    for raw in response.headers.getall("Set-Cookie", []):
                        name, _, rest = raw.partition("=")
                        self.cookies[name.strip()] = rest.split(";", 1)[0]
            except (TimeoutError, aiohttp.ClientError, ConnectionError) as failed:
                if failures is not None:
                    failures.append(time.monotonic())
                self.room.stats.retries += 1
                if attempt > 60:
                    raise RuntimeError(f"{method} {path}: gave up: {failed!r}") from failed
                await asyncio.sleep(min(2.0, 0.25 * attempt) * random.uniform(0.8, 1.2))
                continue
            if status in RETRY_STATUSES:
                if failures is not None:
                    failures.append(time.monotonic())
                self.room.stats.retries += 1
                if status != 503 or "Retry-After" not in answer:
                    self.room.stats.error(f"{method} {path}: {status} without Retry-After")
                delay = float(answer.get("Retry-After", "1") or 1)
                await asyncio.sleep(delay * random.uniform(0.5, 1.5))
                continue
            if status >= 500:
                self.room.stats.error(f"{method} {path}: {status}")
            return status, answer, text


def session_token(cookie: str, session_id: int) -> str | None:
    """The participant token in Flask's session cookie (its payload is signed, not secret)."""
    payload = cookie.split(".")[1] if cookie.startswith(".") else cookie.split(".")[0]
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    if cookie.startswith("."):
        raw = zlib.decompress(raw)
    data = json.loads(raw)
    token = (data.get("participants") or {}).get(str(session_id))
    return token if isinstance(token, str) else None


SPREAD = re.compile(r'hx-get="([^"]+)"[^>]*data-spread-seconds="([0-9.]+)"')


# --- the phones and the projectors ---------------------------------------------------------------


@dataclass
class Phone:
    index: int
    join_at: float
    organisation: str
    rng: random.Random
    revises: bool
    session_id: int
    browser: Browser | None = None
    #: the last ranking the server acknowledged, and any sent after it without an answer
    acked: list[str] | None = None
    unanswered: list[list[str]] = field(default_factory=list)
    token: str | None = None
    joined_at: float | None = None
    left_at: float | None = None
    saw_close: bool = False
    #: ballots acknowledged so far (one, or two for a phone that revises)
    acks: int = 0
    #: the fetch of its own ballot after the close, as poll.js spreads it
    later: asyncio.Task[None] | None = None
    #: ``--pocket``: put away once it has voted (a hidden page polls nothing, poll.js), and
    #: looked at again 0-20 s after the close, when it asks at once
    pockets: bool = False
    #: seconds it thinks before voting, and before revising (``--think``)
    think: tuple[float, float] = (5.0, 20.0)
    #: what its polled element asks now; the element's generation (a ballot's answer
    #: replaces it) and the task that polls for it
    poll: Poll | None = None
    generation: int = 0
    poller: asyncio.Task[None] | None = None
    #: the page's name in its long polls (poll.js: X-Hhu-Page)
    page: str = field(default_factory=lambda: secrets.token_hex(8))
    hidden: bool = False
    shown: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def done_voting(self) -> bool:
        return self.acks >= (2 if self.revises else 1) and not self.unanswered

    async def run(self, room: Room) -> None:
        self.browser = Browser(room)
        try:
            await self._run(room)
        except Gone:
            pass
        except Exception as failed:  # noqa: BLE001 (a failed phone is counted, not fatal)
            room.stats.error(f"phone {self.index}: {failed!r}")
        finally:
            self.left_at = time.monotonic()

    async def _run(self, room: Room) -> None:
        assert self.browser is not None
        browser, stats, code = self.browser, room.stats, room.code
        await asyncio.sleep(max(0.0, self.join_at - time.monotonic()))
        started = time.monotonic()
        status, _, page = await browser.request("GET", f"/j/{code}")
        if status != 200:
            raise RuntimeError(f"join page {status}")
        form = {
            "csrf_token": attr(r'name="csrf_token" type="hidden" value="([^"]+)"', page, "csrf"),
            "organisation": self.organisation,
            "pillar": self.rng.choice(re.findall(r'<option value="(\d+)"', page)),
            "display_name": "",
        }
        # the join is answered with the ballot page itself (a 302 to it before)
        status, _, page = await browser.request("POST", f"/j/{code}", form=form)
        if status != 200 or 'id="phone-round"' not in page:
            raise RuntimeError(f"join refused: {status}")
        page_url = f"/j/{code}/stem"
        self.joined_at = time.monotonic()
        stats.join_ms.append((self.joined_at - started) * 1000)
        self.token = session_token(browser.cookies.get("session", ""), self.session_id)
        csrf = body_csrf(page)
        fragment = page[page.index('<div id="phone-round"') :]
        ballot_csrf = attr(r'name="csrf_token" value="([^"]+)"', fragment, "ballot csrf")
        round_id = attr(r'name="round_id" value="(\d+)"', fragment, "round_id")
        items = re.findall(r'data-item-id="(\d+)"', fragment)
        self.poll = self._poll_of(fragment)
        votes = [self.joined_at + self.rng.uniform(*self.think)]
        if self.revises:
            votes.append(votes[0] + self.rng.uniform(*self.think))
        hx = htmx_headers(f"http://127.0.0.1{page_url}", "phone-round", csrf)
        # the page's own first poll: after its interval (a long-polled element's load delay;
        # a random share of it for one polled every N s, as phones do not load in step)
        self._start_polling(
            room, hx, self.poll.interval * (1.0 if self.poll.long else self.rng.random())
        )
        try:
            for vote_at in votes:
                await asyncio.sleep(max(0.0, vote_at - time.monotonic()))
                if room.stop.is_set():
                    return
                ranking = list(items)
                self.rng.shuffle(ranking)
                self.unanswered.append(ranking)
                body = [("csrf_token", ballot_csrf), ("round_id", round_id)] + [
                    ("ranking", item) for item in ranking
                ]
                sent = time.monotonic()
                status, _, answer = await browser.request("POST", page_url, form=body, headers=hx)
                answered = time.monotonic()
                if status != 200 or "Je stem is ontvangen" not in answer:
                    raise RuntimeError(f"ballot refused: {status}")
                stats.submit_ms.append((answered - sent) * 1000)
                if self.acked is None:
                    stats.first_acks.append(answered)
                self.acked, self.unanswered = ranking, []
                self.acks += 1
                # the answer replaced the polled element: the new one polls for itself, and
                # the old one's poll still held is answered to nothing (the new one ends it)
                self.poll = self._poll_of(answer)
                self._start_polling(room, hx, self.poll.interval)
            if self.pockets:
                self.hidden = True
                await room.closed.wait()
                if stats.close_at is not None:
                    await asyncio.sleep(
                        max(0.0, stats.close_at + self.rng.uniform(0, 20) - time.monotonic())
                    )
                self.hidden = False
                self.shown.set()
            await room.stop.wait()
        finally:
            if self.poller is not None:
                self.poller.cancel()
                with suppress(asyncio.CancelledError):
                    await self.poller

    def _start_polling(self, room: Room, hx: dict[str, str], first_in: float) -> None:
        self.generation += 1
        self.poller = asyncio.create_task(self._polls(room, hx, self.generation, first_in))

    async def _polls(
        self, room: Room, hx: dict[str, str], generation: int, first_in: float
    ) -> None:
        """The polled element's requests, as ``_round.html`` and ``poll.js`` send them, until
        the element is replaced (``generation``) or the run ends."""
        assert self.browser is not None
        stats = room.stats
        next_poll = time.monotonic() + first_in
        while not room.stop.is_set() and generation == self.generation:
            await asyncio.sleep(max(0.0, next_poll - time.monotonic()))
            if self.hidden:  # a hidden page sends nothing; shown, it asks at once
                self.shown.clear()
                await self.shown.wait()
            if room.stop.is_set() or generation != self.generation:
                return
            poll = self.poll
            fired = time.monotonic()
            headers = {**hx, "HX-Trigger": "phone-round", "If-None-Match": poll.tag}
            if poll.long:
                headers["X-Hhu-Page"] = self.page
            failures: list[float] = []
            status, answer_headers, answer = await self.browser.request(
                "GET", poll.url, headers=headers, failures=failures
            )
            done = time.monotonic()
            if generation != self.generation:
                return  # the page no longer shows the element that asked
            stats.polls += 1
            stats.polls_304 += status == 304
            # a held poll is answered when its time is up, or once the close is committed:
            # what the phone waits is what comes after that
            held = _held_seconds(answer_headers) if status == 304 else 0.0
            # a held poll cut by a dying server waited until then for the server's reasons
            since = (failures[0] if poll.long and failures else fired) + held
            closed = stats.closed_at
            held_over_close = status != 304 and closed is not None and fired < closed
            if held_over_close:
                since = closed
            # the moment of truth (a poll sent after the close, or held over it) is
            # close_ms; a held poll the close answered is not also a poll's time
            close = stats.close_at
            if close is not None and not self.saw_close and (fired >= close or status != 304):
                stats.close_ms.append((done - since) * 1000)
            if not held_over_close:
                stats.poll_ms.append((done - since) * 1000)
            if status == 200:
                if "Deze ronde is gesloten" in answer:
                    self.saw_close = True
                    spread = re.search(
                        r'hx-get="([^"]+)"[^>]*data-spread-seconds="([0-9.]+)"', answer
                    )
                    if spread:  # poll.js fetches the phone's own ballot a little later
                        self.later = asyncio.create_task(
                            self._fetch_later(
                                html.unescape(spread.group(1)), float(spread.group(2)), hx
                            )
                        )
                self.poll = self._poll_of(answer)
                # the new element asks after its interval (long-polled: its load delay)
                next_poll = done + self.poll.interval
                continue
            if status == 204 and answer_headers.get("ETag"):
                self.poll = Poll(poll.url, answer_headers["ETag"], poll.interval, poll.long)
            elif status not in (204, 304):
                raise RuntimeError(f"status poll {status}")
            next_poll = fired + self.poll.interval
            if self.poll.long:
                next_poll = max(next_poll, done)
            while next_poll <= time.monotonic() and not self.poll.long:
                next_poll += self.poll.interval

    async def _fetch_later(self, url: str, seconds: float, headers: dict[str, str]) -> None:
        assert self.browser is not None
        await asyncio.sleep(SPREAD_AFTER_SECONDS + self.rng.random() * seconds)
        try:
            status, _, _ = await self.browser.request("GET", url, headers=headers)
        except Gone:
            return
        if status != 200:
            self.browser.room.stats.error(f"phone {self.index}: own ballot {status}")

    @staticmethod
    def _poll_of(fragment: str) -> Poll:
        url = html.unescape(attr(r'hx-get="([^"]+)"', fragment, "status url"))
        return Poll(
            url, hx_headers(fragment)["If-None-Match"], interval_of(fragment), long_polled(fragment)
        )


@dataclass(frozen=True)
class Poll:
    """What a phone's polled element asks, with which tag, and how often."""

    url: str
    tag: str
    interval: float
    #: held by the server until its state moves on (``data-long-poll``)
    long: bool


def _held_seconds(headers: dict[str, str]) -> float:
    """How long the server held a poll (``Server-Timing: wait;dur=<ms>``)."""
    found = re.search(r"wait;dur=([0-9.]+)", headers.get("Server-Timing", ""))
    return float(found.group(1)) / 1000 if found else 0.0


@dataclass
class Projector:
    index: int
    #: (response time, voted count) of every full answer
    seen: list[tuple[float, int]] = field(default_factory=list)
    saw_close: bool = False

    async def run(self, room: Room) -> None:
        try:
            await self._run(room)
        except Gone:
            pass
        except Exception as failed:  # noqa: BLE001
            room.stats.error(f"projector {self.index}: {failed!r}")

    async def _run(self, room: Room) -> None:
        browser = Browser(room)
        url = f"/scherm/{room.code}"
        status, _, page = await browser.request("GET", url)
        if status != 200:
            raise RuntimeError(f"screen page {status}")
        csrf = body_csrf(page)
        fragment = page[page.index('<section id="screen-live"') :]
        self._observe(time.monotonic(), fragment)
        interval = interval_of(fragment)
        next_poll = time.monotonic() + interval
        while not room.stop.is_set():
            await asyncio.sleep(max(0.0, next_poll - time.monotonic()))
            fired = time.monotonic()
            headers = htmx_headers(
                f"http://127.0.0.1{url}", "screen-live", csrf, poll=True, **hx_headers(fragment)
            )
            status, _, answer = await browser.request("GET", url, headers=headers)
            done = time.monotonic()
            closing = room.stats.close_at is not None and fired >= room.stats.close_at
            if closing and not self.saw_close:
                room.stats.close_ms.append((done - fired) * 1000)
                self.saw_close = status == 200 and "screen-badge closed" in answer
            if status == 200:
                fragment = answer
                self._observe(done, fragment)
                interval = interval_of(fragment)
                next_poll = done + interval
            elif status == 304:
                next_poll = fired + interval
                while next_poll <= done:
                    next_poll += interval
            else:
                raise RuntimeError(f"screen poll {status}")

    def _observe(self, moment: float, fragment: str) -> None:
        match = VOTED.search(fragment)
        self.seen.append((moment, int(match.group(1)) if match else 0))

    def lag_ms(self, ack_at: float, k: int) -> float:
        for moment, count in self.seen:
            if moment >= ack_at and count >= k:
                return (moment - ack_at) * 1000
        return float("inf")


# --- the server ---------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def fresh_database(kind: str, pg_url: str, tmp: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{tmp / 'load.db'}"
        return
    import psycopg

    name = f"hhu_load_{secrets.token_hex(4)}"
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield pg_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def process_cpu(pid: int) -> float:
    """CPU seconds (user and system) a live process has used, from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def database_cpu() -> float:
    """CPU seconds of the local PostgreSQL server's processes so far (it shares the cores)."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        name = text[text.find("(") + 1 : text.rfind(")")]
        if name == "postgres":
            total += process_cpu(int(stat.parent.name))
    return total


class Server:
    """One gunicorn, as ``scripts/start.sh`` runs it."""

    def __init__(
        self,
        env: dict[str, str],
        port: int,
        log: Path,
        *,
        by_kind: bool = False,
        app: list[str] | None = None,
    ) -> None:
        self.env = {**env, "BIND": f"127.0.0.1:{port}"}
        #: ``--by-kind``: the app with each request's CPU noted (bench/request_kinds.py)
        self.app = ["--pythonpath", "bench", "request_kinds:app"] if by_kind else ["wsgi:app"]
        if app is not None:
            self.app = app
        self.port = port
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", *self.app],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError("gunicorn stopped:\n" + self.log.read_text()[-3000:])
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/", timeout=5):
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start")

    def warm_up(self, paths: list[str]) -> None:
        """A server that has been up a while: every worker has imported, compiled, connected."""
        for _ in range(40):
            for path in paths:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=30):
                    pass

    def cpu_seconds(self) -> float:
        """User and system time of the master and its live workers so far."""
        assert self.process is not None
        return sum(process_cpu(pid) for pid in [self.process.pid, *self.workers()])

    def workers(self) -> list[int]:
        assert self.process is not None
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(pid) for pid in children.read_text().split()]
        except OSError:
            return []

    def kill_all(self) -> None:
        """kill -9 of the master and every worker: the whole server is gone at once."""
        assert self.process is not None
        victims = [*self.workers(), self.process.pid]
        for pid in victims:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def prepare(
    env: dict[str, str], database_url: str, secret: str, items: int | None = None
) -> tuple[str, int, int, list[str]]:
    """A fresh database set up as the README does (``flask setup`` with ``env``), and the
    facilitator's part, through the services: a session and an open round."""
    subprocess.run(
        [sys.executable, "-m", "flask", "setup"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    opened = open_catalogue_round(
        database_url,
        secret,
        title="Kennisfestival Gelukkig Gezond (belastingtest)",
        kind="FESTIVAL",
        items=items,
    )
    return opened.code, opened.session_id, opened.round_id, opened.partners


def close_round(database_url: str, secret: str, round_id: int) -> None:
    from hhu_ranking import create_app
    from hhu_ranking.extensions import db
    from hhu_ranking.models import Round
    from hhu_ranking.services.rounds import close_round as close

    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": secret})
    with app.app_context():
        round_ = db.session.get(Round, round_id)
        assert round_ is not None
        close(db.session, round_)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def stored_ballots(database_url: str, round_id: int) -> tuple[dict[str, list[str]], int, int]:
    """token hash -> stored ranking, the ballot rows, and rows beyond one per participant."""
    from sqlalchemy import create_engine, text

    from hhu_ranking.config import normalise_database_url

    engine = create_engine(normalise_database_url(database_url))
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT p.token_hash, b.ranking FROM ballot b "
                "JOIN participant p ON p.id = b.participant_id WHERE b.round_id = :r"
            ),
            {"r": round_id},
        ).all()
        extra = conn.execute(
            text(
                "SELECT COALESCE(SUM(n - 1), 0) FROM (SELECT COUNT(*) AS n FROM ballot "
                "WHERE round_id = :r GROUP BY participant_id) AS per_participant"
            ),
            {"r": round_id},
        ).scalar_one()
    engine.dispose()
    by_hash: dict[str, list[str]] = {}
    for token_hash, ranking in rows:
        if isinstance(ranking, str):
            ranking = json.loads(ranking)
        by_hash[token_hash] = [str(i) for i in ranking]
    return by_hash, len(rows), int(extra)


def read_sums(folder: Path) -> dict[str, tuple[int, float]]:
    """``--by-kind``: every worker's sums (bench/request_kinds.py): kind -> (requests, CPU s)."""
    total: dict[str, tuple[int, float]] = {}
    for file in folder.glob("*.json"):
        for key, (count, seconds) in json.loads(file.read_text()).items():
            before = total.get(key, (0, 0.0))
            total[key] = (before[0] + int(count), before[1] + float(seconds))
    return total


# --- the run ------------------------------------------------------------------------------


async def run_room(
    args: argparse.Namespace,
    ports: list[int],
    code: str,
    session_id: int,
    partners: list[str],
    chaos: list[tuple[float, object]],
    close: object,
) -> tuple[Stats, list[Phone], list[Projector], float]:
    rng = random.Random(args.seed)
    stats = Stats()
    connector = aiohttp.TCPConnector(limit=0, force_close=False, keepalive_timeout=4)
    # a long poll is held up to LONG_POLL_SECONDS (25) before it is answered
    timeout = aiohttp.ClientTimeout(total=90)
    async with aiohttp.ClientSession(
        connector=connector, timeout=timeout, cookie_jar=aiohttp.DummyCookieJar()
    ) as http:
        t0 = time.monotonic() + 1.0
        room = Room(ports, code, stats, http, deadline=t0 + HARD_LIMIT_S)
        phones = [
            Phone(
                index=i,
                join_at=t0 + args.join_seconds * i / args.phones,
                organisation=partners[i % len(partners)] if i % 3 else f"Bewonersgroep {i % 97}",
                rng=random.Random(rng.random()),
                revises=rng.random() < args.revise,
                pockets=args.pocket > 0 and rng.random() < args.pocket,
                think=(args.think[0], args.think[1]),
                session_id=session_id,
            )
            for i in range(args.phones)
        ]
        projectors = [Projector(i) for i in range(args.projectors)]
        tasks = [asyncio.create_task(p.run(room)) for p in [*projectors, *phones]]
        loop = asyncio.get_running_loop()
        for at, action in chaos:
            loop.call_later(max(0.0, t0 + at - time.monotonic()), action)  # type: ignore[arg-type]
        # every phone has joined and sent its last ballot (or failed): then close the round
        while time.monotonic() < room.deadline:
            await asyncio.sleep(0.5)
            joined = all(p.joined_at is not None or p.left_at is not None for p in phones)
            settled = all(p.left_at is not None or p.done_voting for p in phones)
            if joined and settled:
                break
        await asyncio.sleep(2.0)
        stats.close_at = time.monotonic()
        await loop.run_in_executor(None, close)  # type: ignore[arg-type]
        stats.closed_at = time.monotonic()
        room.closed.set()
        # until every phone and screen has seen the closed round (or half a minute)
        settle = time.monotonic() + 30
        while time.monotonic() < settle and not all(
            x.saw_close for x in [*phones, *projectors] if getattr(x, "left_at", None) is None
        ):
            await asyncio.sleep(0.5)
        await asyncio.sleep(1.0)
        room.stop.set()
        room.closed.set()
        await asyncio.gather(*tasks)
        await asyncio.gather(*(p.later for p in phones if p.later is not None))
        return stats, phones, projectors, t0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--phones", type=int, default=2000)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--chaos", action="store_true", help="kill -9 a worker, then the server")
    parser.add_argument("--hosts", type=int, default=1, help="gunicorn servers (PostgreSQL)")
    parser.add_argument("--projectors", type=int, default=2)
    parser.add_argument("--join-seconds", type=float, default=60.0)
    parser.add_argument(
        "--think",
        type=float,
        nargs=2,
        default=(5.0, 20.0),
        metavar=("LOW", "HIGH"),
        help="seconds a phone thinks before voting and before revising (5 20)",
    )
    parser.add_argument("--revise", type=float, default=0.2, help="share of phones that revise")
    parser.add_argument(
        "--pocket",
        type=float,
        default=0.0,
        help="share of phones put away after voting, looked at again after the close",
    )
    parser.add_argument("--pg-url", default="postgresql://127.0.0.1:5432/test")
    parser.add_argument("--workers", type=int, help="WEB_CONCURRENCY per host")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--items",
        type=int,
        help="items in the round: the catalogue's first N (default: the 6 of 'waarden')",
    )
    parser.add_argument(
        "--by-kind",
        action="store_true",
        help="also print the server CPU per kind of request (bench/request_kinds.py)",
    )
    args = parser.parse_args(argv)
    if args.hosts > 1 and args.db != "postgresql":
        parser.error("--hosts needs --db postgresql (several hosts share one database)")
    from hhu_ranking.config import worker_class

    if args.by_kind and worker_class(os.environ) != "gthread":
        # a request's thread CPU under gevent is every greenlet's that ran while it waited
        parser.error("--by-kind reads each request's thread CPU: run it with WORKER_CLASS=gthread")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    random.seed(args.seed)

    with (
        tempfile.TemporaryDirectory(prefix="hhu-load-") as tmp_name,
        fresh_database(args.db, args.pg_url, Path(tmp_name)) as database_url,
        # a run that fails half-way (a server that never came up, a crash) leaves no server
        contextlib.ExitStack() as running,
    ):
        tmp = Path(tmp_name)
        secret = secrets.token_urlsafe(32)
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "SECRET_KEY": secret,
            "FLASK_APP": "hhu_ranking",
        }
        if args.workers:
            env["WEB_CONCURRENCY"] = str(args.workers)
        args.poll_seconds = float(env.get("POLL_SECONDS", "2"))
        code, session_id, round_id, partners = prepare(env, database_url, secret, args.items)
        kinds_dir = tmp / "kinds"
        if args.by_kind:
            kinds_dir.mkdir()
            env["HHU_BENCH_KINDS_DIR"] = str(kinds_dir)
        servers = [
            Server(env, free_port(), tmp / f"gunicorn-{h}.log", by_kind=args.by_kind)
            for h in range(args.hosts)
        ]
        for server in servers:
            running.callback(server.stop)
            server.start()
        for server in servers:
            server.wait_ready()
            server.warm_up(["/", f"/j/{code}", f"/scherm/{code}"])
        cpu_before = sum(server.cpu_seconds() for server in servers)
        db_cpu_before = database_cpu() if args.db == "postgresql" else 0.0
        #: CPU of server processes that the chaos killed, counted up to their end
        cpu_killed: list[float] = []
        chaos_log: list[str] = []

        def kill_worker() -> None:
            workers = servers[0].workers()
            if workers:
                cpu_killed.append(process_cpu(workers[0]))
                os.kill(workers[0], signal.SIGKILL)
                chaos_log.append(f"killed worker {workers[0]}")

        def kill_server() -> None:
            cpu_killed.append(servers[0].cpu_seconds())
            servers[0].kill_all()
            chaos_log.append("killed the whole server")
            time.sleep(1.0)
            servers[0].start()
            servers[0].wait_ready()
            chaos_log.append("server restarted")

        chaos = (
            [
                (args.join_seconds * 0.4, kill_worker),
                (
                    args.join_seconds * 0.7,
                    lambda: asyncio.get_running_loop().run_in_executor(None, kill_server),
                ),
            ]
            if args.chaos
            else []
        )
        started = time.monotonic()
        client_cpu_before = time.process_time()
        stats, phones, projectors, t0 = asyncio.run(
            run_room(
                args,
                [s.port for s in servers],
                code,
                session_id,
                partners,
                chaos,
                lambda: close_round(database_url, secret, round_id),
            )
        )
        ended = time.monotonic()
        client_cpu = time.process_time() - client_cpu_before
        cpu_after = sum(server.cpu_seconds() for server in servers) + sum(cpu_killed)
        db_cpu = database_cpu() - db_cpu_before if args.db == "postgresql" else 0.0
        for server in servers:
            server.stop()
        by_hash, counted, duplicated = stored_ballots(database_url, round_id)
        kinds = read_sums(kinds_dir) if args.by_kind else {}

    server_cpu = cpu_after - cpu_before
    phone_minutes = sum(
        ((p.left_at or ended) - p.joined_at) / 60 for p in phones if p.joined_at is not None
    )
    acknowledged = lost = 0
    for phone in phones:
        if phone.acked is None:
            continue
        acknowledged += 1
        digest = hashlib.sha256(phone.token.encode()).hexdigest() if phone.token else ""
        stored = by_hash.get(digest)
        if stored != phone.acked and stored not in phone.unanswered:
            lost += 1
    first_acks = sorted(stats.first_acks)
    lags = [max(p.lag_ms(ack, k) for p in projectors) for k, ack in enumerate(first_acks, start=1)]
    figures = {
        "p95_join_ms": pct(stats.join_ms, 95),
        "p95_submit_ms": pct(stats.submit_ms, 95),
        "p99_submit_ms": pct(stats.submit_ms, 99),
        "p95_poll_ms": pct(stats.poll_ms, 95),
        "projector_lag_p95_ms": pct(lags, 95),
        "close_p95_ms": pct(stats.close_ms, 95),
    }
    in_app = sum(seconds for _count, seconds in kinds.values())
    for key, (count, seconds) in sorted(kinds.items(), key=lambda kv: -kv[1][1]):
        each = seconds / count * 1000
        print(f"# by kind: {key}: {count} requests, {seconds:.1f} CPU-s, {each:.2f} ms each")
    if kinds:
        print(f"# by kind: in the app {in_app:.1f} CPU-s, gunicorn's own {server_cpu - in_app:.1f}")
    for line in chaos_log:
        print(f"# chaos: {line}")
    for message in stats.errors[:20]:
        print(f"# error: {message}")
    print(
        f"# db={args.db} hosts={args.hosts} projectors={args.projectors} items={args.items or 6} "
        f"pocket={args.pocket:g} "
        f"run_s={ended - started:.0f} polls={stats.polls} polls_304={stats.polls_304} "
        f"retries={stats.retries} submits={len(stats.submit_ms)} "
        f"p50_poll_ms={fmt(pct(stats.poll_ms, 50))} p50_submit_ms={fmt(pct(stats.submit_ms, 50))} "
        f"close_min_ms={fmt(min(stats.close_ms, default=float('nan')))} "
        f"close_p50_ms={fmt(pct(stats.close_ms, 50))} close_p95_ms={fmt(figures['close_p95_ms'])} "
        f"close_max_ms={fmt(max(stats.close_ms, default=float('nan')))} "
        f"close_samples={len(stats.close_ms)} "
        f"projector_lag_max_ms={fmt(max(lags, default=float('nan')))} "
        f"server_cpu_s={server_cpu:.1f} postgres_cpu_s={db_cpu:.1f} client_cpu_s={client_cpu:.1f} "
        f"phone_minutes={phone_minutes:.0f} requests={stats.requests} "
        f"requests_per_phone_min={stats.requests / phone_minutes if phone_minutes else 0:.1f}"
    )
    cpu_per = server_cpu / (phone_minutes / 1000) if phone_minutes else float("nan")
    errors = len(stats.errors) + sum(1 for p in phones if p.acked is None)
    print(
        f"phones={args.phones} acknowledged={acknowledged} counted={counted} lost={lost} "
        f"duplicated={duplicated} errors={errors} "
        f"p95_join_ms={fmt(figures['p95_join_ms'])} "
        f"p95_submit_ms={fmt(figures['p95_submit_ms'])} "
        f"p99_submit_ms={fmt(figures['p99_submit_ms'])} "
        f"p95_poll_ms={fmt(figures['p95_poll_ms'])} "
        f"projector_lag_p95_ms={fmt(figures['projector_lag_p95_ms'])} "
        f"cpu_s_per_1000_phone_min={cpu_per:.1f}"
    )
    within = all(figures[k] < limit for k, limit in TARGETS.items())
    sound = errors == 0 and lost == 0 and duplicated == 0 and acknowledged == args.phones
    return 0 if within and sound and counted == acknowledged else 1


if __name__ == "__main__":
    sys.exit(main())
