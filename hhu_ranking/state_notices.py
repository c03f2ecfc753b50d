"""Each session's state version as PostgreSQL announces it, so a phone's unchanged poll
needs no query.

A festival hall's phones ask "anything new?" hundreds of times a second, and on
PostgreSQL each question was a round trip: a quarter of a millisecond of CPU on
the client and the server, on the cores the ballots need. Yet the answer (the
session's ``state_version``) changes a handful of times per session. A trigger
(migration 0010) sends ``NOTIFY hhu_state`` with the join code and the new
version whenever it changes, when a session is deleted or its code changes, and
on TRUNCATE; each process keeps one listening connection and the versions it
heard or read.

Nothing here can go stale unseen: a version is trusted only while the listening
connection is up (a lost connection forgets everything and the polls go back to
the database until it is listening again), a version read from the database is
kept only if no deletion or reconnection happened while it was read, and versions
only grow, so a late read never overwrites a newer notice. What remains is the
notice's own delay, a few milliseconds after the commit, which a phone polling
every few seconds does not see. Several hosts each listen for themselves.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

CHANNEL = "hhu_state"
#: the trigger that sends the notices (migration 0010); without it nothing is cached
TRIGGER = "ranking_session_state_notice"
#: the listening connection's name in pg_stat_activity
LISTENER_NAME = "hhu-state-notices"
#: payload meaning "forget everything" (TRUNCATE)
EVERYTHING = "*"
#: payload version meaning "this code is gone" (deleted, or the session got another code)
GONE = "-"
#: at most this many codes are remembered; beyond it the memory starts afresh
MAX_CODES = 20_000


class StateVersions:
    """The state versions of the sessions this process was asked about, kept current by
    PostgreSQL's notices from one listening thread (started on first use, per process)."""

    def __init__(self, conninfo: str, *, heartbeat_seconds: float = 15.0) -> None:
        self._conninfo = conninfo
        self._heartbeat = heartbeat_seconds
        self._lock = threading.Lock()
        self._versions: dict[str, int] = {}
        #: moves on whenever what was read before may no longer hold; None: not listening
        self._generation: int | None = None
        self._counter = 0
        self._pid: int | None = None
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None
        #: called (in the listening thread) after each notice of a changed version
        self.on_notice: Callable[[], None] | None = None

    # -- the polls' side ------------------------------------------------------------------

    def lookup(self, code: str) -> tuple[int | None, int | None]:
        """(version, generation): the version heard for ``code`` (None: ask the database)
        and the generation to hand back to :meth:`learned` with what the database said."""
        self._ensure_listening()
        with self._lock:
            if self._generation is None:
                return None, None
            return self._versions.get(code), self._generation

    def learned(self, code: str, version: int | None, generation: int | None) -> None:
        """What the database said for ``code``, read in ``generation``."""
        if version is None or generation is None:
            return
        with self._lock:
            if generation != self._generation:
                return  # a deletion or a reconnection happened meanwhile: the read may be old
            self._remember(code, version)

    @property
    def listening(self) -> bool:
        with self._lock:
            return self._generation is not None

    def stop(self) -> None:
        self._stopped.set()

    # -- the listening thread -------------------------------------------------------------

    def _ensure_listening(self) -> None:
        pid = os.getpid()
        if self._pid == pid:
            return
        with self._lock:
            if self._pid == pid:
                return
            # a forked worker inherits neither the thread nor a usable connection
            self._pid = pid
            self._versions.clear()
            self._generation = None
            self._thread = threading.Thread(
                target=self._listen_forever, name="hhu-state-notices", daemon=True
            )
            self._thread.start()

    def _listen_forever(self) -> None:
        pause = 0.5
        while not self._stopped.is_set():
            try:
                self._listen_once()
                pause = 0.5
            except Exception as error:  # noqa: BLE001 (any failure: forget, wait, reconnect)
                log.warning("state notices: %s; polls ask the database meanwhile", error)
            self._forget(listening=False)
            self._stopped.wait(pause)
            pause = min(pause * 2, 30.0)

    def _listen_once(self) -> None:
        import psycopg

        with psycopg.connect(
            self._conninfo, autocommit=True, application_name=LISTENER_NAME
        ) as conn:
            conn.execute(f"LISTEN {CHANNEL}")
            trigger = conn.execute("SELECT 1 FROM pg_trigger WHERE tgname = %s", (TRIGGER,))
            if trigger.fetchone() is None:
                # a schema without the trigger (not migrated yet): nothing to trust
                self._stopped.wait(60)
                return
            self._forget(listening=True)
            while not self._stopped.is_set():
                for notice in conn.notifies(timeout=self._heartbeat):
                    self._heard(notice.payload)
                conn.execute("SELECT 1")  # a dead connection shows itself here

    def _heard(self, payload: str) -> None:
        code, _, version = payload.partition(" ")
        if code == EVERYTHING:
            self._forget(listening=True)
            return
        with self._lock:
            if self._generation is None:
                return
            if version == GONE:
                self._versions.pop(code, None)
                self._counter += 1
                self._generation = self._counter  # reads in flight may have seen the row
            elif version.isdigit():
                self._remember(code, int(version))
        if self.on_notice is not None:
            self.on_notice()

    def _forget(self, *, listening: bool) -> None:
        with self._lock:
            self._versions.clear()
            self._counter += 1
            self._generation = self._counter if listening else None

    def _remember(self, code: str, version: int) -> None:
        # called with the lock held; versions only grow, so the larger is the newer
        if len(self._versions) >= MAX_CODES and code not in self._versions:
            self._versions.clear()
        if version > self._versions.get(code, 0):
            self._versions[code] = version


def conninfo_for(url: Any) -> str:
    """libpq's connection string for a SQLAlchemy URL (``postgresql+psycopg://…``)."""
    return str(url.set(drivername="postgresql").render_as_string(hide_password=False))
