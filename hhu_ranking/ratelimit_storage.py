"""A ``limits`` storage in a SQLite file: rate limits shared by the workers of one machine.

Flask-Limiter's ``memory://`` keeps a counter per process, so with four gunicorn workers a
limit of 20 lets through up to 80. Redis shares them, but is one more thing to run; this
storage needs only a file in the instance folder (``sqlite:///<path>``, the default of
``RATELIMIT_STORAGE_URI``). Several hosts share their limits through
``RATELIMIT_STORAGE_URI=redis://…`` instead.

Each counter is one row; a hit is one ``INSERT … ON CONFLICT … RETURNING`` statement, atomic
across processes, that starts a new window when the old one has expired. The file is in
WAL mode without fsync: a counter lost in a power cut only lets a few requests more through.
It supports the fixed-window strategy (Flask-Limiter's default), which is all the app uses.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from limits.storage import Storage

SCHEME = "sqlite"
#: expired rows are swept about once every this many hits
_SWEEP_EVERY = 500

_SCHEMA = """
CREATE TABLE IF NOT EXISTS counter (
    key TEXT PRIMARY KEY,
    hits INTEGER NOT NULL,
    expires REAL NOT NULL
) WITHOUT ROWID
"""
_INCR = """
INSERT INTO counter (key, hits, expires) VALUES (:key, :amount, :expires)
ON CONFLICT (key) DO UPDATE SET
    hits = CASE WHEN counter.expires <= :now THEN excluded.hits
                ELSE counter.hits + excluded.hits END,
    expires = CASE WHEN counter.expires <= :now THEN excluded.expires
                   ELSE counter.expires END
RETURNING hits
"""


class SQLiteStorage(Storage):
    """``sqlite:///absolute/path.db``: fixed-window counters in one file."""

    STORAGE_SCHEME = [SCHEME]

    def __init__(
        self, uri: str | None = None, wrap_exceptions: bool = False, **options: float | str | bool
    ) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        prefix = f"{SCHEME}:///"
        if not uri or not uri.startswith(prefix) or len(uri) <= len(prefix):
            raise ValueError(f"a SQLite rate limit storage needs {prefix}<path>, not {uri!r}")
        self.path = Path(uri[len(prefix) :])
        self.timeout = float(options.get("timeout", 5))
        # connections kept for whichever thread or greenlet asks next: one per thread would
        # open one for every request under gevent, where each request is a greenlet
        self._idle: list[sqlite3.Connection] = []
        self._pid = os.getpid()
        # a forked worker must not use its parent's, nor close them: kept, never touched
        self._parents: list[sqlite3.Connection] = []
        self.opened = 0
        self._hits = 0
        with self._connection():
            pass  # the file and table now, so a wrong path fails at start

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        """A connection of this process's own, used by one caller at a time."""
        if self._pid != os.getpid():
            self._parents, self._idle, self._pid = self._idle, [], os.getpid()
        try:
            conn = self._idle.pop()
        except IndexError:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(
                self.path, timeout=self.timeout, isolation_level=None, check_same_thread=False
            )
            self._prepare(conn)
            self.opened += 1
        try:
            yield conn
        finally:
            self._idle.append(conn)

    def _prepare(self, conn: sqlite3.Connection) -> None:
        """WAL and the table, also when every worker of a server starts at the same moment.

        Changing the journal mode takes the file's lock without SQLite's busy handler, so
        the workers that lose that race are told "database is locked" at once: they wait
        their turn here instead (and skip the change once another has made it).
        """
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                if str(conn.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
                    conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=OFF")
                conn.execute(_SCHEMA)
                return
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or time.monotonic() > deadline:
                    raise
                time.sleep(0.02)

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return sqlite3.Error

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        with self._connection() as conn:
            row = conn.execute(
                _INCR, {"key": key, "amount": amount, "expires": now + expiry, "now": now}
            ).fetchone()
            self._hits += 1
            if self._hits % _SWEEP_EVERY == 0:
                conn.execute("DELETE FROM counter WHERE expires <= ?", (now,))
        return int(row[0])

    def get(self, key: str) -> int:
        with self._connection() as conn:
            row = conn.execute(
                "SELECT hits FROM counter WHERE key = ? AND expires > ?", (key, time.time())
            ).fetchone()
        return int(row[0]) if row else 0

    def get_expiry(self, key: str) -> float:
        now = time.time()
        with self._connection() as conn:
            row = conn.execute(
                "SELECT expires FROM counter WHERE key = ? AND expires > ?", (key, now)
            ).fetchone()
        return float(row[0]) if row else now

    def check(self) -> bool:
        try:
            with self._connection() as conn:
                conn.execute("SELECT 1").fetchone()
        except sqlite3.Error:
            return False
        return True

    def reset(self) -> int | None:
        with self._connection() as conn:
            return conn.execute("DELETE FROM counter").rowcount

    def clear(self, key: str) -> None:
        with self._connection() as conn:
            conn.execute("DELETE FROM counter WHERE key = ?", (key,))
